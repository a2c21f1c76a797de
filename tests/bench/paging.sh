#!/usr/bin/env bash
# `swapemu bench paging --quick`: hits per second of the paging engine and
# its major-fault throughput against the IO engine's random-read IOPS on
# the same file.  Checks that the run completes, that the JSON has every
# figure with sane values, and that the backing file is removed; the
# targets themselves are recorded in docs/BENCHMARKS.md from full runs (a
# quick run on a shared machine is too noisy to hold them).
set -euo pipefail
: "${SWAPEMU:?path of the swapemu binary}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/swapemu-bench-paging.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# The common envelope of docs/BENCH_JSON.md: def envelope($suite).
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")

"$SWAPEMU" bench paging --quick --file "$dir/swap" --json "$dir/p.json" |
	tee "$dir/table.txt"
jq -e "$envelope"'
  envelope("paging") and .quick == true and (.targets | length) == 3 and
  (.results | ((.hits | length) == 2) and
  all(.hits[]; .accesses_per_s > 0 and .ns_per_access > 0 and
      .faults == 0 and .plain_memory_per_s > 0) and
  (.faults.tasks == 16) and (.faults.working_set == 4 * .faults.memory) and
  ((.faults.majfault_per_s | length) == .faults.rounds) and
  ((.faults.engine_iops | length) == .faults.rounds + 1) and
  (.faults.majfault_per_s_median > 0) and
  (.faults.engine_iops_median > 0) and (.faults.ratio > 0) and
  (.faults.pgmajfault > 0) and (.faults.pswpin >= .faults.pgmajfault))
' "$dir/p.json" >/dev/null || { cat "$dir/p.json"; exit 1; }
grep -q 'major faults/s vs' "$dir/table.txt"
[[ ! -e $dir/swap ]] || { echo "backing file left behind"; exit 1; }
echo "bench paging: JSON ok"
