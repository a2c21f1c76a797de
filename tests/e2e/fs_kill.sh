# SPDX-License-Identifier: MIT
#
# The daemon killed while the kernel swaps through it: a process whose
# memory is partly in swap on a mount area must get an error (not hang)
# once the daemon is gone with SIGKILL; swapoff, losetup -d and a lazy
# unmount must then clean the machine up, and a new mount of the same
# backing directory must bring the area back with a valid header.  Once
# with the daemon reading requests from /dev/fuse, once taking them over
# io_uring (its ring entries die with it).
#
# Runs as root with SWAPEMU set to the swapemu binary; needs the cgroup v1
# memory controller at /sys/fs/cgroup/memory.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CGROOT=/sys/fs/cgroup/memory
[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE, loop, swapon)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
[[ -d $CGROOT ]] || e2e_fail "no cgroup v1 memory controller at $CGROOT"
e2e_need fusermount3 mountpoint losetup swapon swapoff timeout
e2e_tmpdir DIR
MNT=$DIR/mnt
BACK=$DIR/back
mkdir "$MNT" "$BACK"
F=$MNT/victim
READY=$DIR/ready

MEMHOG=$(dirname "$SWAPEMU")/tests/memhog
if [[ ! -x $MEMHOG ]]; then
	e2e_need cc
	MEMHOG=$DIR/memhog
	cc -O2 -o "$MEMHOG" "${SWAPEMU_SRC:?}/tests/e2e/memhog.c"
fi

# swapoff DEV unless it is already off; bounded, never hangs the cleanup.
swapoff_if_on() {
	grep -q "^$1 " /proc/swaps || return 0
	timeout 120 swapoff "$1"
}

# kill_case off|on: the whole story with the daemon taking requests from
# /dev/fuse (off) or over io_uring (on).
kill_case() {
	local ring=$1 daemon hog used cg rc loop i
	e2e_log "swap through the mount (--fuse-ring $ring)"
	e2e_fuse_daemon daemon "$MNT" \
		"$SWAPEMU" mount --backing "$BACK" --fuse-ring "$ring" -f "$MNT"
	truncate -s 128M "$F"
	loop=$("$SWAPEMU" swapon "$F")
	e2e_defer "loop:$loop" losetup -d "$loop"
	e2e_defer "swap:$loop" swapoff_if_on "$loop"
	echo "ok: swapping on $loop"
	cg=$CGROOT/swapemu-e2e-kill-$$
	mkdir "$cg"
	e2e_defer "cg:$cg" rmdir "$cg"
	echo 32M >"$cg/memory.limit_in_bytes"
	(
		echo "$BASHPID" >"$cg/cgroup.procs"
		exec "$MEMHOG" 64 "$READY"
	) &
	hog=$!
	e2e_defer "pid:$hog" e2e_stop_pid "$hog" KILL
	for ((i = 0; i < 600; i++)); do
		[[ -e $READY ]] && break
		kill -0 "$hog" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e $READY ]] || e2e_fail "memhog did not finish writing"
	used=$(awk -v d="$loop" '$1 == d { print $4 }' /proc/swaps)
	((used > 0)) || e2e_fail "nothing swapped out"
	echo "ok: $used KiB swapped out"

	e2e_log "kill the daemon"
	kill -9 "$daemon"
	e2e_undo "daemon"
	rm -f "$READY"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$hog" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$hog" 2>/dev/null && e2e_fail "process hangs after the daemon died"
	rc=0
	wait "$hog" || rc=$?
	e2e_undo "pid:$hog"
	((rc != 0)) || e2e_fail "process saw no error with its swap gone"
	echo "ok: process failed with status $rc, did not hang"

	e2e_log "clean up"
	# The area file is gone with its mount: swapemu swapoff takes the loop
	# device itself.
	timeout 120 "$SWAPEMU" swapoff "$loop" >/dev/null ||
		e2e_fail "swapemu swapoff $loop after the daemon died"
	e2e_forget "swap:$loop"
	e2e_forget "loop:$loop"
	losetup "$loop" >/dev/null 2>&1 && e2e_fail "$loop still attached"
	e2e_undo "deadmount:$MNT"
	e2e_undo "cg:$cg"
	grep -q "^$loop " /proc/swaps && e2e_fail "$loop still swap"
	echo "ok: swapoff, losetup -d, umount -l done"

	e2e_log "remount"
	e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" \
		--fuse-ring "$ring" -f "$MNT"
	"$SWAPEMU" inspect "$F" >/dev/null || e2e_fail "area header lost"
	echo "ok: area back after remount"
	e2e_fuse_umount "$MNT"
}

e2e_fuse_ring_enable
kill_case off
kill_case on
echo "PASS"
