#!/usr/bin/env bash
# `swapemu bench fs --quick`: the FUSE mount against its backing file (fio)
# and kernel swap through the mount against a loop device on the backing
# file, with small sizes.  Checks that the run completes, that its JSON has
# every figure, and that nothing is left behind; the ratios themselves are
# recorded in docs/BENCHMARKS.md from full runs (a quick run on a shared
# machine is too noisy to hold them to their targets).
#
# The benchmark cleans up after itself; this script's trap is the second
# line: should the benchmark die, it swaps off and detaches the loop
# devices on files of its work directory, unmounts, removes its cgroup and
# kills its mount daemon.
set -euo pipefail
: "${SWAPEMU:?path of the swapemu binary}"
[[ $EUID -eq 0 ]] || { echo "not root: skipped"; exit 77; }
command -v fio >/dev/null || { echo "fio not installed: skipped"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
[[ -d /sys/fs/cgroup/memory ]] || { echo "no memory cgroup: skipped"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/swapemu-bench-fs.XXXXXX")
bench=     # pid of the benchmark while it runs
bench_pid= # its pid, for the name of its cgroup

cleanup() {
	local rc=$? loop mnt pidfile pid
	set +e
	if [[ -n $bench ]] && kill -0 "$bench" 2>/dev/null; then
		kill -INT "$bench"
		wait "$bench"
	fi
	# Loop devices on files below $dir (the area in the mount or its
	# backing file): swap off, detach.
	while read -r loop; do
		swapoff "$loop" 2>/dev/null
		losetup -d "$loop"
	done < <(losetup -n -O NAME,BACK-FILE | awk -v d="$dir/" \
		'index($2, d) == 1 { print $1 }')
	while read -r mnt; do
		umount "$mnt" 2>/dev/null || umount -l "$mnt"
	done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts)
	for pidfile in "$dir"/swapemu-bench-fs.*/daemon.pid; do
		[[ -e $pidfile ]] || continue
		pid=$(cat "$pidfile")
		kill -9 "$pid" 2>/dev/null
	done
	[[ -z $bench_pid ]] ||
		rmdir "/sys/fs/cgroup/memory/swapemu-bench-fs-$bench_pid" 2>/dev/null
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
# The common envelope of docs/BENCH_JSON.md: def envelope($suite).
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")
trap 'exit 130' INT
trap 'exit 143' TERM

# The run turns FUSE over io_uring on and must put the switch back.
ring_param=/sys/module/fuse/parameters/enable_uring
ring_before=$(cat "$ring_param" 2>/dev/null || echo none)

"$SWAPEMU" bench fs --quick --dir "$dir" --json "$dir/fs.json" &
bench=$!
bench_pid=$bench
wait "$bench"
bench=

jq -e "$envelope"'
	envelope("fs") and .quick == true and (.targets | length) == 6 and
	(.results.transport == "io_uring" or
	 ($ring == "none" and .results.transport == "/dev/fuse")) and
	(.results | ([.fio[].name] == ["randread-4k-qd32", "randwrite-4k-qd32",
			   "read-1m-qd8", "write-1m-qd8"]) and
	all(.fio[]; .backing_iops > 0 and .mount_iops > 0 and .ratio > 0 and
	    (.pass | type) == "boolean" and
	    (.backing_rounds | length) == 1) and
	([.swap.modes[].name] == ["buffered", "direct-io"]) and
	([.swap.modes[].backing_cache] == ["buffered", "direct"]) and
	all(.swap.modes[]; .loop.seconds > 0 and .mount.seconds > 0 and
	    .ratio > 0 and .target == 1.15 and
	    .loop.pswpout > 0 and .mount.pswpout > 0 and
	    (.mount.runs | length) == 1))
' --arg ring "$ring_before" "$dir/fs.json" >/dev/null
echo "bench fs: JSON ok"
[[ $(cat "$ring_param" 2>/dev/null || echo none) == "$ring_before" ]] ||
	{ echo "enable_uring not put back to $ring_before"; exit 1; }

# Nothing of the run may be left: no swap, loop device or mount on it.
! losetup -n -O BACK-FILE | grep -qF "$dir/" || { echo "loop left"; exit 1; }
! grep -qF " $dir/" /proc/mounts || { echo "mount left"; exit 1; }
[[ ! -e /sys/fs/cgroup/memory/swapemu-bench-fs-$bench_pid ]] ||
	{ echo "cgroup left"; exit 1; }
! ls "$dir" | grep -q swapemu-bench-fs. || { echo "work dir left"; exit 1; }
echo "bench fs: cleaned up"
