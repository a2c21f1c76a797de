# SPDX-License-Identifier: MIT
#
# `swapemu run` swapping for real: emulated memory of 16 MiB, a working
# set of 64 MiB (4x) written by task 0 and shared with three forked tasks
# that read and write it at random, two prioritized swap files – an area
# file of a swapemu FUSE mount (priority 10) and a plain file formatted
# by --create (priority 5) – and the mount's area swapped off in the
# middle of the run.  Checks in the JSON: pages went out and came back,
# no swap-in failed its checksum, copy-on-write happened, the swapoff
# completed, no error; and that the mount saw the engine's IO.
#
# Runs as root with SWAPEMU set to the swapemu binary.  Backing files go
# to /dev/shm when it exists, so the run is bound by the engine and not
# by a shared disk.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
e2e_need fusermount3 mountpoint jq truncate
TMPDIR=$([[ -d /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")
e2e_tmpdir DIR
MNT=$DIR/mnt
mkdir "$MNT" "$DIR/back"

e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$DIR/back" -f "$MNT"
truncate -s 256M "$MNT/fast" # sizing an area file writes its header
echo "ok: area $MNT/fast"

e2e_log "run: 64 MiB working set, 16 MiB memory, 4 tasks, swapoff mid-run"
"$SWAPEMU" run --memory 16M --create 256M \
	--swap "$MNT/fast:prio=10:swapoff=150K" \
	--swap "$DIR/plain.swp:prio=5:policy=scan" \
	--json "$DIR/run.json" \
	'uniform:size=64M,tasks=4,fork=1,writes=0.2,accesses=400K,seed=7' |
	tee "$DIR/run.txt"
[[ -s $DIR/plain.swp ]] || e2e_fail "--create did not make plain.swp"
jq -e '.vmstat.pswpout > 16384 and .vmstat.pswpin > 0 and
	.vmstat.pgmajfault > 0 and .vmstat.swap_csum_fail == 0 and
	.vmstat.cow_fault > 0 and .tasks == 4 and .accesses >= 400000 and
	.swapoff.done == 1 and .swapoff.error == null and .error == null and
	.belady.opt_faults <= .belady.lru_faults' "$DIR/run.json" >/dev/null ||
	e2e_fail "unexpected result: $(cat "$DIR/run.json")"
echo "ok: $(jq -c '.vmstat | {pswpout, pswpin, pgmajfault, swap_csum_fail}' \
	"$DIR/run.json")"
grep -q "fast: type 0, prio 10" "$DIR/run.txt" || e2e_fail "area table"
# The engine wrote through the mount: its mirror saw the slots.
grep -q '[1-9]' "$MNT/.swapemu/fast/stat" || e2e_fail "no IO through the mount"
echo "ok: IO went through the mount"

e2e_log "run: the same on 2 emulated CPUs, swapoff mid-run"
truncate -s 0 "$MNT/fast" && truncate -s 256M "$MNT/fast"
"$SWAPEMU" run --memory 16M --cpus 2 \
	--swap "$MNT/fast:prio=10:swapoff=150K" \
	--swap "$DIR/plain.swp:prio=5:policy=scan" \
	--json "$DIR/vcpu.json" \
	'uniform:size=64M,tasks=4,fork=1,writes=0.2,accesses=400K,seed=7' \
	>/dev/null
jq -e '.vmstat.pswpout > 16384 and .vmstat.pgmajfault > 0 and
	.vmstat.swap_csum_fail == 0 and .vmstat.cow_fault > 0 and
	.tasks == 4 and .accesses >= 400000 and .swapoff.done == 1 and
	.error == null' "$DIR/vcpu.json" >/dev/null ||
	e2e_fail "unexpected result on vcpus: $(cat "$DIR/vcpu.json")"
echo "ok: $(jq -c '.vmstat | {pswpout, pswpin, pgmajfault, swap_csum_fail}' \
	"$DIR/vcpu.json")"

e2e_log "run: a trace with a fork, copy on write and munmap"
cat >"$DIR/t.trace" <<'TRACE'
# swapemu trace v1
0 mmap 0x7f0000000000 8388608
0 W 0x7f0000000000 8
0 W 0x7f00007ff000 8
0 fork 1
1 W 0x7f0000000000 8
1 munmap 0x7f0000000000 0x1000
1 exit
0 R 0x7f0000000000 8
0 exit
TRACE
"$SWAPEMU" run --frames 64 --swap "$DIR/plain.swp" --json - \
	"trace:$DIR/t.trace" 2>/dev/null >"$DIR/trace.json"
# Task 0 may run ahead of its child (tasks are threads), so whether the
# child's write copies is not fixed: only that the replay is clean.
jq -e '.error == null and .vmstat.pgfault >= 3 and .tasks == 2' \
	"$DIR/trace.json" >/dev/null || e2e_fail "trace run: $(cat "$DIR/trace.json")"
echo "ok: trace replayed"

e2e_log "run: out of swap and memory ends in an error, not a hang"
# 128 MiB of four tasks on 16 MiB of memory and 48 MiB of swap.  Direct
# reclaim runs inside swap-ins whose IO is still plugged; it must send
# that IO before it waits for writeback (it used to wait for its own
# queued writes forever).  When nothing is left to reclaim the faulting
# task gets ENOMEM, as the kernel's would be OOM-killed.
rc=0
timeout 90 "$SWAPEMU" run --memory 16M --swap "$DIR/full.swp" --create 48M \
	--json - uniform:size=32M,accesses=100000,tasks=4,seed=1 \
	2>/dev/null >"$DIR/full.json" || rc=$?
((rc != 124)) || e2e_fail "run hung with swap full"
((rc == 1)) || e2e_fail "run with swap full: status $rc"
jq -e '(.error | test("Cannot allocate memory")) and
	.vmstat.swap_csum_fail == 0' "$DIR/full.json" >/dev/null ||
	e2e_fail "swap-full run: $(cat "$DIR/full.json")"
echo "ok: swap full: ENOMEM, no hang, no corruption"

e2e_fuse_umount "$MNT"
echo "PASS"
