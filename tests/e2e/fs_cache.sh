# SPDX-License-Identifier: MIT
#
# Buffered backing (`swapemu mount --backing-cache buffered`): data written
# through the mount reads back identical, also after fsync and a remount;
# the kernel swaps through a buffered area (128 MiB of patterned memory in
# a 48 MiB memory cgroup) with no corruption; the mode is saved in the
# area's metadata and shown in its stat file, kept by a remount without
# the option and changed by one with it; a bad mode is refused before
# anything is mounted.
#
# Runs as root with SWAPEMU set to the swapemu binary; needs the cgroup v1
# memory controller at /sys/fs/cgroup/memory.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CGROOT=/sys/fs/cgroup/memory
[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE, loop, swapon)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
[[ -d $CGROOT ]] || e2e_fail "no cgroup v1 memory controller at $CGROOT"
e2e_need fusermount3 mountpoint losetup swapon swapoff cmp dd awk
# The kernel swaps through this backing directory: never on tmpfs.
TMPDIR=/var/tmp e2e_tmpdir DIR
MNT=$DIR/mnt
BACK=$DIR/back
mkdir "$MNT" "$BACK"

MEMHOG=$(dirname "$SWAPEMU")/tests/memhog
if [[ ! -x $MEMHOG ]]; then
	e2e_need cc
	MEMHOG=$DIR/memhog
	cc -O2 -o "$MEMHOG" "${SWAPEMU_SRC:?}/tests/e2e/memhog.c"
fi

pswpout() {
	awk '$1 == "pswpout" { print $2 }' /proc/vmstat
}

# expect_cache AREA MODE: the stat file and the metadata file agree.
expect_cache() {
	grep -q "\"cache\":\"$2\"" "$MNT/.swapemu/$1/stat" ||
		e2e_fail "$1: stat does not say cache $2: $(cat "$MNT/.swapemu/$1/stat")"
	grep -qx "cache=$2" "$BACK/$1.meta" ||
		e2e_fail "$1: metadata does not say cache=$2"
	echo "ok: $1 is $2"
}

OFF=4097
LEN=$((2047 * 4096))

# same FILE: FILE holds the pattern at OFF.
same() {
	cmp -n $LEN -i $OFF:0 "$1" "$DIR/pattern"
}

mount_fs() {
	e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" "$@" -f "$MNT"
}

e2e_log "a bad mode is refused"
if "$SWAPEMU" mount --backing "$BACK" --backing-cache writeback -f "$MNT" \
	2>"$DIR/err"; then
	mountpoint -q "$MNT" && fusermount3 -u "$MNT"
	e2e_fail "--backing-cache writeback accepted"
fi
grep -q "neither direct nor buffered" "$DIR/err" ||
	e2e_fail "unclear error: $(cat "$DIR/err")"
mountpoint -q "$MNT" && e2e_fail "mounted despite the bad mode"
echo "ok: $(cat "$DIR/err")"

e2e_log "data through a buffered area"
mount_fs --backing-cache buffered
truncate -s 16M "$MNT/data0"
truncate -s 256M "$MNT/swap0"
expect_cache data0 buffered
dd if=/dev/urandom of="$DIR/pattern" bs=1M count=8 status=none
# An unaligned offset: the partial blocks take the RMW path.
dd if="$DIR/pattern" of="$MNT/data0" bs=4096 seek=$OFF count=$((LEN / 4096)) \
	oflag=seek_bytes conv=notrunc,fsync status=none
same "$MNT/data0" || e2e_fail "data read back differs"
same "$BACK/data0.swap" || e2e_fail "backing file differs after fsync"
echo "ok: 8 MiB read back identical"

e2e_log "kernel swap through a buffered area"
cg=$CGROOT/swapemu-e2e-$$-cache
"$SWAPEMU" swapon "$MNT/swap0" >"$DIR/loop"
e2e_defer "swap:$MNT/swap0" "$SWAPEMU" swapoff "$MNT/swap0"
mkdir "$cg"
e2e_defer "cg:$cg" rmdir "$cg"
echo 48M >"$cg/memory.limit_in_bytes"
out0=$(pswpout)
rc=0
(
	echo "$BASHPID" >"$cg/cgroup.procs"
	exec "$MEMHOG" 128
) || rc=$?
((rc == 0)) || e2e_fail "memhog failed (status $rc): memory corrupted?"
(($(pswpout) > out0)) || e2e_fail "pswpout did not grow"
echo "ok: 128 MiB verified, pswpout grew by $(($(pswpout) - out0))"
e2e_undo "cg:$cg"
e2e_undo "swap:$MNT/swap0"
e2e_fuse_umount "$MNT"

e2e_log "the mode persists across a remount"
mount_fs
expect_cache data0 buffered
expect_cache swap0 buffered
same "$MNT/data0" ||
	e2e_fail "data differs after remount"
echo "ok: data identical after remount"
e2e_fuse_umount "$MNT"

e2e_log "the option changes it"
mount_fs --backing-cache direct
expect_cache data0 direct
same "$MNT/data0" ||
	e2e_fail "data differs after switching to direct"
e2e_fuse_umount "$MNT"
echo "PASS"
