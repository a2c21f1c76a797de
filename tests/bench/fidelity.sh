#!/usr/bin/env bash
# `swapemu bench fidelity --quick`: the same workloads in the kernel (a
# memory cgroup swapping through a swapemu mount) and in the paging
# engine.  Checks that the run completes, that the JSON has every figure,
# that no data came back wrong on either side, and that nothing is left
# behind (mount, loop device, swap area, cgroup).  The +-25% targets are
# recorded in docs/BENCHMARKS.md from full runs.
set -euo pipefail
: "${SWAPEMU:?path of the swapemu binary}"
[[ $EUID -eq 0 ]] || { echo "not root: skipped"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
[[ -d /sys/fs/cgroup/memory ]] || { echo "no memory cgroup: skipped"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/swapemu-bench-fidelity.XXXXXX")
bench=

# The benchmark undoes its own set-up; should it die, undo it here.
cleanup() {
	local loop
	[[ -n $bench ]] && kill "$bench" 2>/dev/null && wait "$bench" || true
	for loop in $(losetup -j "$dir"/work/swapemu-fidelity.*/mnt/fidelity \
		-O NAME -n 2>/dev/null); do
		swapoff "$loop" 2>/dev/null || true
		losetup -d "$loop" 2>/dev/null || true
	done
	for m in "$dir"/work/swapemu-fidelity.*/mnt; do
		mountpoint -q "$m" 2>/dev/null && fusermount3 -u "$m"
	done
	rm -rf "$dir"
}
trap cleanup EXIT
mkdir "$dir/work"
# The common envelope of docs/BENCH_JSON.md: def envelope($suite).
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")

"$SWAPEMU" bench fidelity --quick --dir "$dir/work" --json "$dir/f.json" \
	>"$dir/table.txt" &
bench=$!
wait "$bench"
bench=
cat "$dir/table.txt"
jq -e "$envelope"'
  envelope("fidelity") and (.targets | length) == 8 and
  (.results | (.cases | length == 2) and
  all(.cases[];
      .verify_failures == 0 and .csum_failures == 0 and
      .pswpout.kernel > 0 and .pswpout.engine > 0 and
      .pswpin.kernel > 0 and .pswpin.engine > 0 and
      .pgmajfault.kernel > 0 and .pgmajfault.engine > 0 and
      (.pass | type == "boolean")))
' "$dir/f.json" >/dev/null || { cat "$dir/f.json"; exit 1; }
[[ -z $(ls "$dir/work") ]] || { echo "work directory not removed"; exit 1; }
! grep -q swapemu-fidelity /proc/swaps || { echo "swap left on"; exit 1; }
! ls -d /sys/fs/cgroup/memory/swapemu-fidelity-* 2>/dev/null ||
	{ echo "cgroup left behind"; exit 1; }
echo "bench fidelity: JSON ok, nothing left behind"
