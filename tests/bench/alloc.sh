#!/usr/bin/env bash
# Quick run of `swapemu bench alloc`; checks the report's JSON schema.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$SWAPEMU" bench alloc --quick --json "$out/alloc.json" >"$out/table.txt"
cat "$out/table.txt"

jq -e '
  .suite == "alloc" and (.slots | type == "number") and
  (.results | length == 8) and
  all(.results[];
      (.fill == "fresh" or .fill == "aged") and
      (.policy == "cluster" or .policy == "scan") and
      (.occupancy == 0.5 or .occupancy == 0.9) and
      (.pair_ns_median > 0) and (.pair_ns_mean > 0) and
      (.pair_ns_p99 >= .pair_ns_median) and
      (.mean_run_length >= 1 and .mean_run_length <= 64) and
      (.metadata_bytes_per_slot >= 1)) and
  (.ratios | length == 4) and
  all(.ratios[]; .scan_over_cluster_mean > 0)
' "$out/alloc.json" >/dev/null
# The cluster allocator keeps a fresh, half-full area's writes sequential.
jq -e '.results[] | select(.fill == "fresh" and .policy == "cluster" and
	.occupancy == 0.5) | .mean_run_length > 32' "$out/alloc.json" >/dev/null
echo "bench alloc: JSON schema ok"
