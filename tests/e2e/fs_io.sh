# SPDX-License-Identifier: MIT
#
# IO through the FUSE mount under stress and faults:
#  (a) fio with --verify=crc32c, random writes of several block sizes
#      (unaligned ones included), buffered and O_DIRECT, with the daemon
#      taking requests from /dev/fuse and then over io_uring, its entries
#      spread over three ring threads;
#  (b) the device model applied through .swapemu/<area>/device: injected
#      read errors reach the reader as EIO, and the hdd preset makes random
#      reads measurably slower than none;
#  (c) a malformed header written by a user leaves the slot map alone and
#      is refused by inspect;
#  (d) a full backing file system: ENOSPC reaches the writer, data written
#      before stays intact and the mount keeps working.
#
# Runs as root with SWAPEMU set to the swapemu binary.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE, tmpfs mount)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
e2e_need fusermount3 mountpoint fio jq dd cmp truncate od awk mount umount
e2e_tmpdir DIR
MNT=$DIR/mnt
BACK=$DIR/back
mkdir "$MNT" "$BACK"
F=$MNT/io0

expect_eq() {
	[[ $2 == "$3" ]] || e2e_fail "$1: got '$2', expected '$3'"
	echo "ok: $1 = $2"
}

slots_used() {
	od -An -v -tu1 "$MNT/.swapemu/$1/slotmap" |
		awk '{ for (i = 1; i <= NF; i++) if ($i != 0 && $i != 63) n++ }
		     END { print n + 0 }'
}

# fio_verify NAME BS DIRECT
fio_verify() {
	fio --name="$1" --filename="$F" --offset=1M --size=12M --bs="$2" \
		--direct="$3" --rw=randwrite --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --iodepth=8 --ioengine=io_uring --numjobs=1 \
		--verify_state_save=0 --output="$DIR/fio-$1.txt" ||
		{ cat "$DIR/fio-$1.txt"; e2e_fail "fio $1 failed verification"; }
	echo "ok: fio $1 (bs=$2 direct=$3) verified"
}

# fio_iops PRESET: random 4 KiB read IOPS for 1 s with that device preset.
fio_iops() {
	echo "preset=$1" >"$MNT/.swapemu/io0/device"
	fio --name=rr --filename="$F" --offset=1M --size=24M --bs=4k \
		--direct=1 --rw=randread --ioengine=psync --runtime=1 \
		--time_based --output-format=json --output="$DIR/rr.json"
	jq '.jobs[0].read.iops | floor' "$DIR/rr.json"
}

# verify_all TRANSPORT: every fio verify job through a mount whose daemon
# takes its requests over TRANSPORT.
verify_all() {
	local mode=on want=io_uring fast
	[[ $1 == /dev/fuse ]] && mode=off want=/dev/fuse
	e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" \
		--fuse-ring "$mode" --rings 3 -f "$MNT"
	expect_eq "transport" "$(e2e_transport "$MNT")" "$want"
	if [[ $want == io_uring ]]; then
		expect_eq "ring threads" "$(awk '$1 == "rings" { print $2 }' \
			"$MNT/.swapemu/fuse")" 3
	fi
	e2e_log "fio verify over $want"
	fio_verify aligned-dio 4k 1
	fio_verify big-dio 128k 1
	fio_verify odd-buffered 3000 0
	fio_verify small-dio 512 1
	fio_verify mixed-buffered 4k,12k 0
	if [[ $want == io_uring ]]; then
		fast=$(awk '$1 == "fast" { print $2 }' "$MNT/.swapemu/fuse")
		((fast > 1000)) || e2e_fail "aligned IO not served in place"
		echo "ok: $fast requests served straight from the ring"
	fi
	e2e_fuse_umount "$MNT"
}

e2e_fuse_ring_enable
e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" -f "$MNT"
truncate -s 64M "$F"
e2e_fuse_umount "$MNT"
verify_all /dev/fuse
verify_all io_uring
e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" -f "$MNT"

e2e_log "device model"
dd if="$F" bs=4096 skip=300 count=1 status=none >/dev/null
echo "error_rate=1 error_op=read error_errno=EIO" >"$MNT/.swapemu/io0/device"
if dd if="$F" bs=4096 skip=300 count=1 iflag=direct status=none \
	>/dev/null 2>"$DIR/err"; then
	e2e_fail "injected read error not seen"
fi
grep -q "Input/output error" "$DIR/err" || e2e_fail "not EIO: $(cat "$DIR/err")"
echo "ok: injected error reached the reader as EIO"
echo "preset=none" >"$MNT/.swapemu/io0/device"
none=$(fio_iops none)
hdd=$(fio_iops hdd)
echo "random 4k read IOPS: none $none, hdd $hdd"
((hdd * 4 < none)) || e2e_fail "hdd preset not slower ($hdd vs $none)"
echo "preset=none" >"$MNT/.swapemu/io0/device"
echo "ok: hdd preset slows random reads"

e2e_log "malformed header"
used=$(slots_used io0)
head -c 4096 /dev/urandom | dd of="$F" bs=4096 conv=notrunc status=none
expect_eq "slots after a garbage header" "$(slots_used io0)" "$used"
if "$SWAPEMU" inspect "$F" >/dev/null 2>&1; then
	e2e_fail "garbage header accepted by inspect"
fi
echo "ok: garbage header refused"
e2e_fuse_umount "$MNT"

e2e_log "full backing storage"
SMALL=$DIR/small
mkdir "$SMALL"
mount -t tmpfs -o size=4M swapemu-e2e "$SMALL"
e2e_defer "tmpfs:$SMALL" umount "$SMALL"
e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$SMALL" -f "$MNT"
truncate -s 64M "$MNT/full"
head -c $((1 << 20)) /dev/urandom >"$DIR/keep"
dd if="$DIR/keep" of="$MNT/full" bs=64K seek=16 conv=notrunc status=none
if dd if=/dev/zero of="$MNT/full" bs=64K seek=64 count=128 conv=notrunc \
	status=none 2>"$DIR/err"; then
	e2e_fail "writing past the backing storage succeeded"
fi
grep -q "No space left on device" "$DIR/err" ||
	e2e_fail "not ENOSPC: $(cat "$DIR/err")"
echo "ok: ENOSPC reached the writer"
dd if="$MNT/full" bs=64K skip=16 count=16 status=none | cmp - "$DIR/keep" ||
	e2e_fail "data written before ENOSPC damaged"
rm "$MNT/full"
truncate -s 1M "$MNT/after"
"$SWAPEMU" inspect "$MNT/after" >/dev/null || e2e_fail "mount unusable"
echo "ok: earlier data intact, mount still works"
e2e_fuse_umount "$MNT"
e2e_undo "tmpfs:$SMALL"
echo "PASS"
