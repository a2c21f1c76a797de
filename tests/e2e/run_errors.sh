# SPDX-License-Identifier: MIT
#
# `swapemu run` refuses bad input with exit status 1 and a message that
# names what is wrong: malformed workload specs, swap files that are
# missing, unformatted or not files, bad --swap options, and traces with
# errors (reported with their line numbers).  `swapemu trace convert`
# likewise for lackey input.  Needs no root.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
e2e_tmpdir DIR

# expect_fail PATTERN ARG...: swapemu ARG... exits 1 with PATTERN on stderr.
expect_fail() {
	local pattern=$1 rc=0
	shift
	"$SWAPEMU" "$@" >"$DIR/out" 2>"$DIR/err" || rc=$?
	((rc == 1)) || e2e_fail "exit $rc, not 1: swapemu $*"
	grep -q -- "$pattern" "$DIR/err" ||
		e2e_fail "no '$pattern' in: $(cat "$DIR/err")"
	echo "ok: $* -> $(head -n 1 "$DIR/err")"
}

expect_fail "needs size=SIZE" run --frames 64 seq
expect_fail "unknown workload 'nope'" run nope:size=1M
expect_fail "bad workload setting 'bogus=1'" run uniform:size=1M,bogus=1
expect_fail "bad workload setting 'writes=2'" run uniform:size=1M,writes=2
expect_fail "theta must be strictly between" run zipf:size=1M,theta=1
expect_fail "size must be a non-zero multiple of 4096" run seq:size=1000
expect_fail "bad workload setting 'tasks=0'" run seq:size=1M,tasks=0
expect_fail "--frames must be" run --frames 3 seq:size=1M
expect_fail "--readahead must be" run --readahead sideways seq:size=1M
expect_fail "$DIR/none.swp: No such file" run --swap "$DIR/none.swp" seq:size=1M
truncate -s 1M "$DIR/zero.swp"
expect_fail "zero.swp: not a usable swap area: .*never formatted" \
	run --swap "$DIR/zero.swp" seq:size=1M
expect_fail "neither a regular file nor a block device" \
	run --swap "$DIR" seq:size=1M
"$SWAPEMU" run --create 1M --swap "$DIR/ok.swp" --frames 64 \
	seq:size=64K >/dev/null
expect_fail "bad option 'prio=40000'" run --swap "$DIR/ok.swp:prio=40000" \
	seq:size=1M
expect_fail "bad option 'preset=floppy'" \
	run --swap "$DIR/ok.swp:preset=floppy" seq:size=1M
expect_fail "bad option 'policy=best'" run --swap "$DIR/ok.swp:policy=best" \
	seq:size=1M
# A header cut short: the file is smaller than its header says.
truncate -s 512K "$DIR/ok.swp"
expect_fail "ok.swp: not a usable swap area" run --swap "$DIR/ok.swp" \
	seq:size=1M

printf '0 mmap 0x10000 8192\n\n# comment\n0 W 0x10000 8\n0 X 1 2\n' \
	>"$DIR/op.trace"
expect_fail "line 5: unknown operation 'X'" run --frames 64 "trace:$DIR/op.trace"
printf '0 mmap 0x10000 8192\n1 W 0x10000 8\n' >"$DIR/task.trace"
expect_fail "line 2:" run --frames 64 "trace:$DIR/task.trace"
printf '0 mmap 0x10000 8192\n0 R 0x90000 8\n' >"$DIR/segv.trace"
expect_fail "line 2: task 0 R 0x90000 8: Bad address" \
	run --frames 64 "trace:$DIR/segv.trace"
printf '0 mmap 0x10001 8192\n' >"$DIR/align.trace"
expect_fail "line 1:" run --frames 64 "trace:$DIR/align.trace"
expect_fail "trace:$DIR/missing: No such file" run "trace:$DIR/missing"
# Memory and swap both too small for the working set: out of memory.
expect_fail "Cannot allocate memory" run --frames 32 seq:size=1M,writes=1

printf ' L 0400d7d0,8\nthis is not lackey\n' >"$DIR/bad.lackey"
expect_fail "line 2" run --frames 64 "lackey:$DIR/bad.lackey"
expect_fail "line 2" trace convert "$DIR/bad.lackey"
printf '==1== hello\n L 0400d7d0,8\n S 0400e000,4\n' >"$DIR/ok.lackey"
"$SWAPEMU" trace convert "$DIR/ok.lackey" >"$DIR/ok.trace"
grep -q '^0 W 0x400e000 4' "$DIR/ok.trace" || e2e_fail "trace convert: $(cat "$DIR/ok.trace")"
"$SWAPEMU" run --frames 64 "lackey:$DIR/ok.lackey" >/dev/null
echo "ok: lackey converted and replayed"
echo "PASS"
