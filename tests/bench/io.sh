#!/usr/bin/env bash
# `swapemu bench io --quick`: the IO engine against fio and the device
# model's promises, in a few seconds.  Checks that the run completes and
# that its JSON has every figure; the ratios themselves are recorded in
# docs/BENCHMARKS.md from full runs (a quick run on a shared machine is too
# noisy to hold them to their targets).
set -euo pipefail
: "${SWAPEMU:?path of the swapemu binary}"
command -v fio >/dev/null || { echo "fio not installed: skipped"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/swapemu-bench-io.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# The common envelope of docs/BENCH_JSON.md: def envelope($suite).
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")

"$SWAPEMU" bench io --quick --file "$dir/backing" --json "$dir/io.json"

jq -e "$envelope"'
	envelope("io") and .quick == true and .skipped == null and
	(.targets | length) == 6 and (.results |
	(.workloads | length) == 4 and
	.pairs == 4 and .slice_s > 0 and .ramp_s > 0 and
	all(.workloads[]; .fio_iops > 0 and .engine_iops > 0 and
	    .ratio > 0 and (.pass | type) == "boolean") and
	all(.workloads[0,1]; (.round_ratios | length) == 1) and
	all(.workloads[2,3]; (.round_ratios | length) == 4 and
	    .ratio_of_totals > 0 and
	    (.fio_slices_mib_s | length) == 4 and
	    (.engine_slices_mib_s | length) == 4 and
	    all(.fio_slices_mib_s[], .engine_slices_mib_s[]; . > 0) and
	    (.disk == null or
	     (.disk.device | type) == "string" and
	     all(.disk.fio, .disk.engine; .requests > 0 and
		 .sectors > 0 and .mean_request_kib > 0))) and
	([.workloads[].name] == ["randread-4k-qd32", "randwrite-4k-qd32",
				 "read-1m-qd8", "write-1m-qd8"]) and
	.hdd.seq_iops > 0 and .hdd.rand_iops > 0 and
	.hdd.factor > 10 and .hdd.promised > 10 and
	.latency.iops > 0 and .latency.target == 250000)
' "$dir/io.json" >/dev/null
echo "bench io: JSON ok"
