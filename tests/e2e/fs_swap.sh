# SPDX-License-Identifier: MIT
#
# The kernel swapping through the FUSE mount: a 512 MiB area is put on a
# loop device with `swapemu swapon --discard` (then again with
# --direct-io), and a process writes and verifies 512 MiB of patterned
# memory inside a memory cgroup limited to 128 MiB.  Checks: pswpout grew,
# the process saw no corruption, the area's slotmap showed slots in use
# while its memory was out, and fewer after swapoff (discard frees them).
# The first case runs with the daemon reading requests from /dev/fuse, the
# second with it taking them over io_uring.
#
# Runs as root with SWAPEMU set to the swapemu binary; needs the cgroup v1
# memory controller at /sys/fs/cgroup/memory.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CGROOT=/sys/fs/cgroup/memory
[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE, loop, swapon)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
[[ -d $CGROOT ]] || e2e_fail "no cgroup v1 memory controller at $CGROOT"
e2e_need fusermount3 mountpoint losetup swapon swapoff od awk
e2e_tmpdir DIR
MNT=$DIR/mnt
BACK=$DIR/back
mkdir "$MNT" "$BACK"
F=$MNT/swap0

# The memhog helper built next to swapemu, or built here.
MEMHOG=$(dirname "$SWAPEMU")/tests/memhog
if [[ ! -x $MEMHOG ]]; then
	e2e_need cc
	MEMHOG=$DIR/memhog
	cc -O2 -o "$MEMHOG" "${SWAPEMU_SRC:?}/tests/e2e/memhog.c"
fi

slots_used() {
	od -An -v -tu1 "$MNT/.swapemu/swap0/slotmap" |
		awk '{ for (i = 1; i <= NF; i++) if ($i != 0 && $i != 63) n++ }
		     END { print n + 0 }'
}

pswpout() {
	awk '$1 == "pswpout" { print $2 }' /proc/vmstat
}

# run_case NAME SWAPON-OPTION...
run_case() {
	local name=$1 cg=$CGROOT/swapemu-e2e-$$-$1 ready=$DIR/ready
	local out0 used during after pid rc
	shift
	e2e_log "case $name: swapon $*"
	"$SWAPEMU" swapon "$@" "$F" >"$DIR/loop"
	e2e_defer "swap:$F" "$SWAPEMU" swapoff "$F"
	echo "ok: swapping on $(cat "$DIR/loop")"
	mkdir "$cg"
	e2e_defer "cg:$cg" rmdir "$cg"
	echo 128M >"$cg/memory.limit_in_bytes"
	out0=$(pswpout)
	rm -f "$ready"
	(
		echo "$BASHPID" >"$cg/cgroup.procs"
		exec "$MEMHOG" 512 "$ready"
	) &
	pid=$!
	e2e_defer "pid:$pid" e2e_stop_pid "$pid"
	for ((i = 0; i < 900; i++)); do
		[[ -e $ready ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e $ready ]] || e2e_fail "memhog did not finish writing"
	during=$(slots_used)
	echo "ok: $during slots in use while memory is out"
	((during > 128 * 256 / 2)) || e2e_fail "too few slots in use: $during"
	rm -f "$ready"
	rc=0
	wait "$pid" || rc=$?
	e2e_undo "pid:$pid"
	((rc == 0)) || e2e_fail "memhog failed (status $rc): memory corrupted?"
	echo "ok: 512 MiB verified"
	(($(pswpout) > out0)) || e2e_fail "pswpout did not grow"
	echo "ok: pswpout grew by $(($(pswpout) - out0))"
	e2e_undo "cg:$cg"
	e2e_undo "swap:$F"
	after=$(slots_used)
	((after < during)) || e2e_fail "slots not freed: $during -> $after"
	echo "ok: slots after swapoff: $after (were $during)"
	losetup -j "$F" | grep -q . && e2e_fail "loop device left behind"
	return 0
}

# mount off|on: the daemon takes requests from /dev/fuse or over io_uring.
mount_with_ring() {
	local want=/dev/fuse
	[[ $1 == on ]] && want=io_uring
	e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" \
		--fuse-ring "$1" -f "$MNT"
	[[ $(e2e_transport "$MNT") == "$want" ]] ||
		e2e_fail "transport $(e2e_transport "$MNT"), not $want"
	echo "ok: requests reach the daemon through $want"
}

e2e_fuse_ring_enable
mount_with_ring off
truncate -s 512M "$F"
run_case discard --discard
e2e_fuse_umount "$MNT"
mount_with_ring on
run_case direct --discard --direct-io
"$SWAPEMU" stat "$MNT"
e2e_fuse_umount "$MNT"
echo "PASS"
