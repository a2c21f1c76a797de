#!/usr/bin/env bash
# `swapemu bench sweep --quick --out DIR`: allocators x device presets x
# workloads on the paging engine, readahead variants, miss-ratio curves.
# Checks the JSON (every case present, types, sane values: OPT <= LRU and
# OPT <= engine misses, ratios within 0..1, an hdd access slower than an
# nvme one), that every plot is a real PNG and that no swap file is left.
set -euo pipefail
: "${SWAPEMU:?path of the swapemu binary}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
command -v gnuplot >/dev/null || { echo "gnuplot not installed: skipped"; exit 77; }

dir=$(mktemp -d /var/tmp/swapemu-bench-sweep.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/swap"

"$SWAPEMU" bench sweep --quick --dir "$dir/swap" --out "$dir/out" \
	--json "$dir/s.json" | tee "$dir/table.txt"
cmp -s "$dir/s.json" "$dir/out/sweep.json" ||
	{ echo "--json and DIR/sweep.json differ"; exit 1; }
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")
jq -e "$envelope"'
  envelope("sweep") and .quick == true and
  (.results.runs | length) == 30 and
  ([.results.runs[] | .workload] | unique) ==
	["fork", "random", "seq", "trace", "zipf"] and
  ([.results.runs[] | .policy] | unique) == ["cluster", "scan"] and
  ([.results.runs[] | .preset] | unique) == ["hdd", "nvme", "ssd"] and
  all(.results.runs[];
      (.seconds | type == "number") and .seconds > 0 and
      .accesses > 0 and .us_per_access > 0 and
      .pgmajfault > 0 and .pswpin >= .pgmajfault and .pswpout > 0 and
      .swap_out_bytes == .pswpout * 4096 and .mean_write_run >= 1 and
      .ra_hit_rate >= 0 and .ra_hit_rate <= 1 and
      .majfault_ns.p50 > 0 and .majfault_ns.p99 >= .majfault_ns.p50 and
      .io_read_ns.count > 0 and .io_read_ns.p99 >= .io_read_ns.p50 and
      .misses.opt <= .misses.lru and .misses.opt > 0) and
  (.results.trace.source | IN("valgrind", "shipped", "file")) and
  ([.results.readahead[] | .readahead] | unique) ==
	["cluster", "off", "vma"] and
  all(.results.readahead[]; .ra_hit_rate >= 0 and .ra_hit_rate <= 1 and
      (if .readahead == "off" then .swap_ra == 0 else true end)) and
  any(.results.readahead[]; .swap_ra_hit > 0) and
  (.results.mrc | length) == 2 and
  all(.results.mrc[]; (.points | length) >= 4 and
      all(.points[]; .opt <= .lru and .opt <= .engine and
	  .opt > 0 and .engine <= 1 and .lru <= 1) and
      # more memory never costs OPT misses
      ([.points[].opt_misses] | . == (sort | reverse)))
' "$dir/s.json" >/dev/null || { jq -c '.results' "$dir/s.json"; exit 1; }

# A device that seeks for milliseconds costs more per access than nvme.
for w in random fork trace; do
	jq -e --arg w "$w" '
	  [.results.runs[] | select(.workload == $w and .policy == "cluster")]
	  | (map(select(.preset == "hdd"))[0].us_per_access) >
	    (map(select(.preset == "nvme"))[0].us_per_access)
	' "$dir/s.json" >/dev/null ||
		{ echo "hdd not slower than nvme on $w"; exit 1; }
done

for p in heat_cluster heat_scan io_cluster io_scan latency_cdf mrc; do
	f=$dir/out/$p.png
	[[ -s $f ]] || { echo "$p.png missing"; exit 1; }
	[[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
		{ echo "$p.png is not a PNG"; exit 1; }
	grep -q "$p.png" "$dir/out/sweep.md" ||
		{ echo "$p.png not linked in sweep.md"; exit 1; }
done
grep -q 'miss ratio, zipf' "$dir/table.txt"
[[ -z $(ls -A "$dir/swap") ]] || { echo "swap files left behind"; ls -A "$dir/swap"; exit 1; }
echo "bench sweep: JSON and plots ok"
