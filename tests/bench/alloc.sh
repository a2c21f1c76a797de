#!/usr/bin/env bash
# Quick run of `swapemu bench alloc`; checks the report's JSON schema, and
# that --out DIR writes the whole report: JSON, Markdown and the plots.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The common envelope of docs/BENCH_JSON.md: def envelope($suite).
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")

# The JSON schema of the alloc suite; $1 is the file.
check_schema() {
	jq -e "$envelope"'
	  envelope("alloc") and .quick == true and (.targets | length) == 4 and
	  (.results | (.slots | type == "number") and
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
	  all(.ratios[]; .scan_over_cluster_mean > 0))
	' "$1" >/dev/null
}

"$SWAPEMU" bench alloc --quick --json "$out/alloc.json" >"$out/table.txt"
cat "$out/table.txt"
check_schema "$out/alloc.json"
# The cluster allocator keeps a fresh, half-full area's writes sequential.
jq -e '.results.results[] | select(.fill == "fresh" and .policy == "cluster" and
	.occupancy == 0.5) | .mean_run_length > 32' "$out/alloc.json" >/dev/null
echo "bench alloc: JSON schema ok"

# --out DIR: the report directory, created if missing.
report="$out/report"
"$SWAPEMU" bench alloc --quick --quiet --out "$report" >/dev/null
check_schema "$report/alloc.json"
grep -q '^| fill | policy | occupancy |' "$report/alloc.md"
[ "$(grep -c '^| \(fresh\|aged\) | \(cluster\|scan\) |' "$report/alloc.md")" -eq 8 ]
grep -q '(alloc-latency.png)' "$report/alloc.md"
grep -q '^## Targets' "$report/alloc.md"
grep -q '^- command: `swapemu bench alloc --quick --quiet --out ' "$report/alloc.md"

# A PNG starts with its 8-byte signature; a real plot is some KiB.
png="$report/alloc-latency.png"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
[ "$(stat -c %s "$png")" -gt 10000 ]
# An SVG document: XML whose root element is <svg>, closed at the end,
# with the legend's names in it.
svg="$report/alloc-latency.svg"
head -n 1 "$svg" | grep -q '^<?xml'
grep -q '^<svg' "$svg"
tail -n 2 "$svg" | grep -q '</svg>'
grep -q 'aged scan 90%' "$svg"
[ "$(stat -c %s "$svg")" -gt 10000 ]
# No temporary script or data is left behind.
[ -z "$(find "$report" -name '.*' -type f)" ]
echo "bench alloc: --out report ok"
