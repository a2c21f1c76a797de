#!/usr/bin/env bash
# `swapemu bench all --quick` on the two fastest suites (the others have
# their own quick runs here): each suite's report lands in the directory,
# index.md links them, all.json holds them in the common envelope
# (docs/BENCH_JSON.md), and nothing is skipped.  An unknown suite name is
# refused.
set -euo pipefail
: "${SWAPEMU:?path of the swapemu binary}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/swapemu-bench-all.XXXXXX")
trap 'rm -rf "$dir"' EXIT
out="$dir/report"

"$SWAPEMU" bench all --quick --quiet --only alloc,paging --out "$out" \
	>"$dir/stdout"
cat "$dir/stdout"
for f in index.md all.json alloc.json alloc.md paging.json paging.md; do
	[[ -s $out/$f ]] || { echo "$f missing"; exit 1; }
done
grep -q '^| alloc | ok |.*\[alloc.md\](alloc.md)' "$out/index.md"
grep -q '^| paging | ok |.*\[paging.md\](paging.md)' "$out/index.md"
envelope=$(cat "$(dirname "${BASH_SOURCE[0]}")/envelope.jq")
jq -e "$envelope"'
	envelope("all") and .quick == true and
	(.targets | length) == 2 and (.pass | type) == "boolean" and
	([.results.suites[].name] == ["alloc", "paging"]) and
	all(.results.suites[];
	    .status == "ok" and .exit == 0 and .seconds > 0 and
	    (.pass | type) == "boolean" and .reason == null and
	    (.report | envelope(.suite)) and .report.suite == .name and
	    .report.quick == true and .report.skipped == null)
' "$out/all.json" >/dev/null || { cat "$out/all.json"; exit 1; }
echo "bench all: index.md and all.json ok"

if "$SWAPEMU" bench all --only nosuch --out "$dir/bad" 2>"$dir/err"; then
	echo "unknown suite accepted"; exit 1
fi
grep -q "no suite 'nosuch'" "$dir/err"
echo "bench all: unknown suite refused"
