# SPDX-License-Identifier: MIT
#
# The FUSE file system without the kernel swapping through it:
#  (a) a file created and sized with truncate is a formatted swap area
#      labelled with its name;
#  (b) byte-exact IO at unaligned offsets and lengths, O_DIRECT IO, short
#      reads at the end and EFBIG for writes past it;
#  (c) the control tree: swaps lists the area, slotmap mirrors writes and
#      punched holes, an invalid device model is refused and the old one
#      kept, priority is stored;
#  (d) mkswap on the file is accepted and parsed;
#  (e) names that could escape or shadow the control tree are refused;
#  (f) unmount and remount of the same backing directory keep the area,
#      its data and settings; rename and unlink move and remove its
#      backing files;
#  (g) --area declares an area at mount and refuses a conflicting size;
#      an area declared over several backing files spreads its slots over
#      them (one extent each), and IO across an extent boundary is exact;
#  (h) the slot map survives a clean unmount byte for byte; after the
#      daemon is killed it is rebuilt from the blocks holding data
#      (punched slots stay free);
#  (i) truncate of a sized area reformats it at the new size, and is
#      refused with EBUSY while a loop device holds the file.
#
# Runs as root with SWAPEMU set to the swapemu binary.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE mount)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
e2e_need fusermount3 mountpoint mkswap dd cmp truncate fallocate od awk jq \
	losetup
e2e_tmpdir DIR
MNT=$DIR/mnt
BACK=$DIR/back
mkdir "$MNT" "$BACK"
F=$MNT/area1
REGION=$((1 << 20)) # the unaligned IO goes to [1 MiB, 5 MiB)
REGION_LEN=$((4 << 20))

expect_eq() {
	[[ $2 == "$3" ]] || e2e_fail "$1: got '$2', expected '$3'"
	echo "ok: $1 = $2"
}

# Kill a daemon started by hand (SIGKILL: no clean unmount) and reap it.
mount_fs() {
	e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" -f "$MNT"
}

# Slots whose swap_map byte is neither free (0) nor bad (63).
slots_used() {
	od -An -v -tu1 "$MNT/.swapemu/$1/slotmap" |
		awk '{ for (i = 1; i <= NF; i++) if ($i != 0 && $i != 63) n++ }
		     END { print n + 0 }'
}

# write_both OFF LEN: the same random bytes into the area and the reference.
write_both() {
	head -c "$2" /dev/urandom >"$DIR/chunk"
	dd if="$DIR/chunk" of="$F" bs=65536 seek=$((REGION + $1)) \
		oflag=seek_bytes conv=notrunc status=none
	dd if="$DIR/chunk" of="$DIR/ref" bs=65536 seek="$1" \
		oflag=seek_bytes conv=notrunc status=none
}

check_region() {
	dd if="$F" bs=65536 skip="$REGION" count="$REGION_LEN" \
		iflag=skip_bytes,count_bytes status=none >"$DIR/got"
	cmp "$DIR/got" "$DIR/ref" || e2e_fail "$1: data differs"
	echo "ok: $1: region byte-exact"
}

e2e_log "mount and create an area"
mount_fs
truncate -s 256M "$F"
expect_eq "size" "$(stat -c %s "$F")" 268435456
"$SWAPEMU" inspect "$F" >"$DIR/inspect"
expect_eq "label" "$(awk '$1 == "label:" { print $2 }' "$DIR/inspect")" area1
[[ -s $BACK/area1.swap && -s $BACK/area1.meta ]] ||
	e2e_fail "backing files missing"

e2e_log "byte-exact IO at unaligned offsets"
head -c "$REGION_LEN" /dev/zero >"$DIR/ref"
write_both 12345 1000000
write_both 1 1
write_both 4095 2
write_both 8191 8194
write_both 100000 4096
for ((i = 0; i < 20; i++)); do
	write_both $(((RANDOM * 32768 + RANDOM) % (REGION_LEN - 70000))) \
		$((RANDOM * 2 + 1))
done
check_region "unaligned writes"

e2e_log "O_DIRECT"
head -c $((1 << 20)) /dev/urandom >"$DIR/dio"
dd if="$DIR/dio" of="$F" bs=64K seek=128 oflag=direct conv=notrunc status=none
dd if="$F" bs=64K skip=128 count=16 iflag=direct status=none >"$DIR/dio.back"
cmp "$DIR/dio" "$DIR/dio.back" || e2e_fail "O_DIRECT data differs"
echo "ok: O_DIRECT byte-exact"

e2e_log "end of the area"
expect_eq "read at end" "$(dd if="$F" bs=4096 skip=65536 count=1 \
	status=none | wc -c)" 0
expect_eq "read across end" "$(dd if="$F" bs=4096 skip=65535 count=4 \
	status=none | wc -c)" 4096
if dd if=/dev/zero of="$F" bs=4096 seek=65536 count=1 conv=notrunc \
	status=none 2>"$DIR/err"; then
	e2e_fail "write past the end succeeded"
fi
grep -q "File too large" "$DIR/err" || e2e_fail "write past end: $(cat "$DIR/err")"
echo "ok: write past the end refused with EFBIG"

e2e_log "control tree"
awk 'NR > 1 && $1 == "area1" { found = 1 } END { exit !found }' \
	"$MNT/.swapemu/swaps" || e2e_fail "swaps does not list area1"
used=$(slots_used area1)
((used >= 256 + 256)) || e2e_fail "slotmap shows $used slots in use"
echo "ok: $used slots in use"
fallocate -p -o $((8 << 20)) -l $((1 << 20)) "$F"
expect_eq "slots after punching 1 MiB" "$(slots_used area1)" $((used - 256))
expect_eq "punched range reads zeros" "$(dd if="$F" bs=1M skip=8 count=1 \
	status=none | tr -d '\0' | wc -c)" 0
if echo "preset=bogus" >"$MNT/.swapemu/area1/device" 2>/dev/null; then
	e2e_fail "invalid device model accepted"
fi
expect_eq "model kept" "$(head -1 "$MNT/.swapemu/area1/device")" preset=none
echo "preset=ssd" >"$MNT/.swapemu/area1/device"
expect_eq "model set" "$(head -1 "$MNT/.swapemu/area1/device")" preset=ssd
echo 7 >"$MNT/.swapemu/area1/priority"
if echo 40000 >"$MNT/.swapemu/area1/priority" 2>/dev/null; then
	e2e_fail "priority 40000 accepted"
fi
grep -q '"inuse"' "$MNT/.swapemu/area1/stat" || e2e_fail "stat lacks inuse"
head -1 "$MNT/.swapemu/area1/trace" | grep -q "^fio version 3 iolog" ||
	e2e_fail "trace is not an iolog"
grep -q " write " "$MNT/.swapemu/area1/trace" || e2e_fail "trace has no write"
"$SWAPEMU" stat "$MNT" | grep -q '^area1 ' || e2e_fail "swapemu stat"
"$SWAPEMU" stat "$MNT" | grep -q '^FUSE requests over ' ||
	e2e_fail "swapemu stat: no transport line"
"$SWAPEMU" stat --json "$MNT" | jq -e '(.areas | length) > 0 and
	(.fuse.transport == "io_uring" or .fuse.transport == "/dev/fuse") and
	.fuse.rings >= 1' \
	>/dev/null || e2e_fail "swapemu stat --json: no fuse object"

e2e_log "names"
for bad in ".swapemu-x" ".swapemu2"; do
	if touch "$MNT/$bad" 2>/dev/null; then
		e2e_fail "name '$bad' accepted"
	fi
done
echo "ok: reserved names refused"

e2e_log "mkswap on the file"
chmod 600 "$F"
mkswap -L x "$F" >/dev/null
"$SWAPEMU" inspect "$F" >"$DIR/inspect"
expect_eq "label after mkswap" \
	"$(awk '$1 == "label:" { print $2 }' "$DIR/inspect")" x
expect_eq "slots after mkswap" "$(slots_used area1)" 0
check_region "after mkswap"

e2e_log "remount"
e2e_fuse_umount "$MNT"
mount_fs
expect_eq "size after remount" "$(stat -c %s "$F")" 268435456
expect_eq "mode after remount" "$(stat -c %a "$F")" 600
"$SWAPEMU" inspect "$F" >"$DIR/inspect"
expect_eq "label after remount" \
	"$(awk '$1 == "label:" { print $2 }' "$DIR/inspect")" x
expect_eq "model after remount" \
	"$(head -1 "$MNT/.swapemu/area1/device")" preset=ssd
expect_eq "priority after remount" \
	"$(cat "$MNT/.swapemu/area1/priority")" 7
check_region "after remount"

e2e_log "rename and unlink"
mv "$F" "$MNT/area2"
[[ -e $BACK/area2.swap && ! -e $BACK/area1.swap ]] ||
	e2e_fail "rename did not move the backing file"
rm "$MNT/area2"
[[ ! -e $BACK/area2.swap && ! -e $BACK/area2.meta ]] ||
	e2e_fail "unlink left backing files"
e2e_fuse_umount "$MNT"

e2e_log "areas declared on the command line"
e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" \
	--area decl:64M:3:hdd -f "$MNT"
expect_eq "declared size" "$(stat -c %s "$MNT/decl")" 67108864
expect_eq "declared model" "$(head -1 "$MNT/.swapemu/decl/device")" \
	preset=hdd
expect_eq "declared priority" "$(cat "$MNT/.swapemu/decl/priority")" 3
e2e_fuse_umount "$MNT"
if "$SWAPEMU" mount --backing "$BACK" --area decl:128M "$MNT" 2>/dev/null
then
	fusermount3 -u "$MNT" || umount -l "$MNT"
	e2e_fail "a declared size different from the existing area accepted"
fi
mountpoint -q "$MNT" && e2e_fail "mounted despite a bad --area"
echo "ok: conflicting --area refused"
for bad in 0 17 two -1; do
	if "$SWAPEMU" mount --backing "$BACK" --rings "$bad" "$MNT" \
		2>"$DIR/err"; then
		fusermount3 -u "$MNT" || umount -l "$MNT"
		e2e_fail "--rings $bad accepted"
	fi
	grep -q -- "--rings" "$DIR/err" ||
		e2e_fail "--rings $bad: $(cat "$DIR/err")"
done
mountpoint -q "$MNT" && e2e_fail "mounted despite a bad --rings"
echo "ok: --rings outside 1..16 refused"

e2e_log "an area over several backing files (extents)"
EXT=$DIR/ext
mkdir "$EXT"
e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" \
	--area "multi:64M:::$EXT/f1,$EXT/f2,$EXT/f3" -f "$MNT"
expect_eq "extent file size" "$(stat -c %s "$EXT/f2")" $((5461 * 4096))
"$SWAPEMU" inspect "$MNT/multi" >/dev/null || e2e_fail "multi: no header"
head -c 100000 /dev/urandom >"$DIR/cross"
cross=$((5461 * 4096 - 50000)) # straddles the end of f1
dd if="$DIR/cross" of="$MNT/multi" bs=65536 seek=$cross oflag=seek_bytes \
	conv=notrunc status=none
dd if="$MNT/multi" bs=65536 skip=$cross count=100000 \
	iflag=skip_bytes,count_bytes status=none | cmp - "$DIR/cross" ||
	e2e_fail "IO across extents differs"
head -c 50000 "$EXT/f2" | cmp - <(tail -c 50000 "$DIR/cross") ||
	e2e_fail "second extent does not hold the tail"
echo "ok: IO across extents lands in both files"
rm "$MNT/multi"
[[ -e $EXT/f1 && ! -e $BACK/multi.meta ]] ||
	e2e_fail "unlink of a declared area: wrong files removed"
e2e_fuse_umount "$MNT"

e2e_log "slot map across a clean unmount"
S=$MNT/slots
mount_fs
truncate -s 64M "$S"
dd if=/dev/urandom of="$S" bs=1M seek=4 count=1 conv=notrunc status=none
dd if=/dev/urandom of="$S" bs=4K seek=4096 count=1 conv=notrunc status=none
fallocate -p -o $((4 << 20)) -l 65536 "$S"
expect_eq "slots in use" "$(slots_used slots)" $((256 + 1 - 16))
cat "$MNT/.swapemu/slots/slotmap" >"$DIR/map.before"
e2e_fuse_umount "$MNT"
[[ -s $BACK/slots.slotmap ]] || e2e_fail "no slot map saved at unmount"
mount_fs
cmp "$MNT/.swapemu/slots/slotmap" "$DIR/map.before" ||
	e2e_fail "slot map differs after remount"
echo "ok: slot map restored byte for byte"
[[ ! -e $BACK/slots.slotmap ]] || e2e_fail "saved slot map kept while mounted"

e2e_log "slot map after the daemon is killed"
e2e_fuse_umount "$MNT"
e2e_fuse_daemon daemon "$MNT" "$SWAPEMU" mount --backing "$BACK" -f "$MNT"
dd if=/dev/urandom of="$S" bs=4K seek=8192 count=2 conv=notrunc status=none
expect_eq "slots in use before the kill" "$(slots_used slots)" $((241 + 2))
cat "$MNT/.swapemu/slots/slotmap" >"$DIR/map.before"
e2e_undo "daemon"
e2e_undo "deadmount:$MNT"
[[ ! -e $BACK/slots.slotmap ]] || e2e_fail "a killed daemon left a slot map"
mount_fs
cmp "$MNT/.swapemu/slots/slotmap" "$DIR/map.before" ||
	e2e_fail "slot map not rebuilt from the data blocks"
echo "ok: slot map rebuilt from the blocks holding data"

e2e_log "resize"
dd if=/dev/urandom of="$S" bs=1M seek=8 count=1 conv=notrunc status=none
e2e_losetup loop "$S"
if truncate -s 128M "$S" 2>"$DIR/err"; then
	e2e_fail "resize accepted while a loop device holds the area"
fi
grep -q "busy" "$DIR/err" || e2e_fail "resize while busy: $(cat "$DIR/err")"
expect_eq "size kept" "$(stat -c %s "$S")" 67108864
echo "ok: resize refused with EBUSY while attached"
e2e_detach "$loop"
truncate -s 128M "$S"
expect_eq "size after resize" "$(stat -c %s "$S")" 134217728
expect_eq "backing size after resize" "$(stat -c %s "$BACK/slots.swap")" \
	134217728
"$SWAPEMU" inspect "$S" >"$DIR/inspect"
expect_eq "label after resize" \
	"$(awk '$1 == "label:" { print $2 }' "$DIR/inspect")" slots
expect_eq "slots after resize" "$(slots_used slots)" 0
expect_eq "old data dropped" "$(dd if="$S" bs=1M skip=8 count=1 \
	status=none | tr -d '\0' | wc -c)" 0
truncate -s 32M "$S"
expect_eq "size after shrinking" "$(stat -c %s "$S")" 33554432
truncate -s 0 "$S"
expect_eq "size after truncate to 0" "$(stat -c %s "$S")" 0
truncate -s 16M "$S"
"$SWAPEMU" inspect "$S" >/dev/null || e2e_fail "no header after resizing"
e2e_fuse_umount "$MNT"
mount_fs
expect_eq "size after remount" "$(stat -c %s "$S")" 16777216
e2e_fuse_umount "$MNT"
echo "PASS"
