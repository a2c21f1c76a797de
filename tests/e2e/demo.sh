# SPDX-License-Identifier: MIT
#
# `swapemu demo --quick` end to end, twice:
#  1. to its end: the report names what the paging engine and the kernel
#     swapped, the kernel's process verified every page, the slot map
#     pictures are PNG files in --out, and nothing of the demo is left
#     (swap, loop device, mount, cgroup, temporary directory);
#  2. interrupted with SIGINT while the kernel swaps (the demo prints a
#     line when its process runs in the cgroup): exit status 130, and
#     again nothing is left.
#
# Runs as root with SWAPEMU set to the swapemu binary; needs /dev/fuse,
# loop devices and the cgroup v1 memory controller.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CGROOT=/sys/fs/cgroup/memory
[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE, loop, swapon)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
[[ -d $CGROOT ]] || e2e_fail "no cgroup v1 memory controller at $CGROOT"
e2e_need losetup swapoff fusermount3 mountpoint od
e2e_tmpdir DIR
# The demo's own temporary directory goes here: not on tmpfs.
WORKROOT=$(mktemp -d /var/tmp/swapemu-e2e-demo.XXXXXX)
e2e_defer "dir:$WORKROOT" rm -rf -- "$WORKROOT"

# The demo's temporary directory, from its first lines ("" until known).
demo_workdir() {
	sed -n 's|^\[1/5\] mount: swapemu mount --backing \(.*\)/back .*|\1|p' \
		"$1" | head -n1
}

# Undo what a failed demo left behind (the test fails anyway).
scrub() {
	local work=$1 cg=$2 loop
	if [[ -d $cg ]]; then rmdir "$cg"; fi
	for loop in $(losetup -j "$work/mnt/kernel" -O NAME -n 2>/dev/null); do
		swapoff "$loop" 2>/dev/null || true
		losetup -d "$loop"
	done
	if mountpoint -q "$work/mnt"; then
		fusermount3 -u "$work/mnt" || umount -l "$work/mnt"
	fi
	rm -rf -- "$work"
}

# Nothing of the demo run of pid $1 (output in $2) may be left.
check_clean() {
	local pid=$1 out=$2 work loop back cg=$CGROOT/swapemu-demo-$1
	work=$(demo_workdir "$out")
	[[ -n $work ]] || e2e_fail "the demo did not say where it worked"
	e2e_defer "scrub:$work" scrub "$work" "$cg"
	! grep -q -- "$work" /proc/mounts || e2e_fail "$work/mnt still mounted"
	! losetup -a | grep -q -- "$work" ||
		e2e_fail "loop device left: $(losetup -a)"
	loop=$(sed -n 's|^  kernel: swapping to \(/dev/loop[0-9]*\):.*|\1|p' "$out")
	[[ -n $loop ]] || e2e_fail "the demo did not name its loop device"
	if grep -q "^$loop " /proc/swaps; then
		back=$(losetup -n -O BACK-FILE "$loop" 2>/dev/null || true)
		[[ $back != "$work"* ]] || e2e_fail "$loop still swapped on"
	fi
	[[ ! -e $cg ]] || e2e_fail "cgroup $cg left"
	[[ ! -e $work ]] || e2e_fail "temporary directory $work left"
	e2e_forget "scrub:$work"
	echo "ok: nothing left of $work (mount, $loop, swap, cgroup, directory)"
}

# start_demo OUT: run `swapemu demo --quick` in the background, output in
# $DIR/OUT.{out,err}, report in $DIR/OUT; its pid in DEMO.  A watchdog
# interrupts it after 120 s.
start_demo() {
	"$SWAPEMU" demo --quick --dir "$WORKROOT" --out "$DIR/$1" \
		>"$DIR/$1.out" 2>"$DIR/$1.err" &
	DEMO=$!
	e2e_defer "pid:$DEMO" kill -KILL "$DEMO"
	(
		trap 'kill "$s"; exit 0' TERM
		sleep 120 &
		s=$!
		wait "$s" && kill -INT "$DEMO"
	) >/dev/null 2>&1 &
	e2e_defer "watchdog:$DEMO" kill "$!"
}

# finish_demo: wait for the demo; its exit status in RC.
finish_demo() {
	RC=0
	wait "$DEMO" || RC=$?
	e2e_forget "pid:$DEMO"
	e2e_undo "watchdog:$DEMO"
}

e2e_log "demo --quick to its end"
start_demo run
finish_demo
cat "$DIR/run.out"
((RC == 0)) || e2e_fail "demo failed (status $RC): $(cat "$DIR/run.err")"
check_clean "$DEMO" "$DIR/run.out"

# The key lines of the report, on stdout and in report.txt.
for re in '^  swapped      pswpout [1-9][0-9]*, pswpin [1-9]' \
	'^  readahead    swap_ra ' \
	'^  IO pattern   [1-9][0-9]* page writes' \
	'^  swapped      pswpout \+[1-9][0-9]*, .*area: [1-9][0-9]* pages written' \
	'^  verified     [1-9][0-9]* accesses, .*verify failures 0$' \
	'^  IO pattern   writes: [1-9]' \
	'^  latency      area writes p50 [0-9]+ us' \
	'^  slot map     at its fullest [1-9]' \
	'^picture: .*/slotmap-kernel\.png$' \
	'^picture: .*/slotmap-engine\.png$'; do
	grep -Eq -- "$re" "$DIR/run.out" || e2e_fail "no line /$re/ in the output"
	grep -Eq -- "$re" "$DIR/run/report.txt" ||
		e2e_fail "no line /$re/ in report.txt"
done
echo "ok: report lines"
for png in slotmap-kernel slotmap-engine; do
	f=$DIR/run/$png.png
	[[ -s $f ]] || e2e_fail "$f missing"
	[[ $(od -An -tx1 -N8 "$f" | tr -d ' \n') == 89504e470d0a1a0a ]] ||
		e2e_fail "$f is not a PNG"
done
echo "ok: pictures are PNG files"

e2e_log "demo --quick interrupted while the kernel swaps"
start_demo int
for ((i = 0; i < 1200; i++)); do
	grep -q '^  kernel: swapping to /dev/loop' "$DIR/int.out" && break
	kill -0 "$DEMO" 2>/dev/null || break
	sleep 0.05
done
grep -q '^  kernel: swapping to /dev/loop' "$DIR/int.out" ||
	e2e_fail "the kernel step did not start: $(cat "$DIR/int.out" "$DIR/int.err")"
kill -INT "$DEMO"
finish_demo
cat "$DIR/int.out" "$DIR/int.err"
((RC == 130)) || e2e_fail "interrupted demo exited with $RC, not 130"
grep -q 'interrupted' "$DIR/int.err" || e2e_fail "no word of the interruption"
grep -q '^cleanup: .*cgroup removed.*swapped off.*unmounted' "$DIR/int.out" ||
	e2e_fail "cleanup line missing"
grep -q '^\[5/5\]' "$DIR/int.out" && e2e_fail "the demo went on after SIGINT"
check_clean "$DEMO" "$DIR/int.out"

e2e_log "demo --quick whose reader goes away (stdout a closed pipe)"
ring_param=/sys/module/fuse/parameters/enable_uring
ring_before=$(cat "$ring_param" 2>/dev/null || echo none)
set +o pipefail
"$SWAPEMU" demo --quick --dir "$WORKROOT" --out "$DIR/pipe" \
	2>"$DIR/pipe.err" | head -n 3 >"$DIR/pipe.out"
RC=${PIPESTATUS[0]}
set -o pipefail
cat "$DIR/pipe.out" "$DIR/pipe.err"
((RC == 141)) || e2e_fail "demo with a closed stdout exited with $RC, not 141"
! grep -q -- "$WORKROOT" /proc/mounts || e2e_fail "mount left in $WORKROOT"
! losetup -a | grep -q -- "$WORKROOT" || e2e_fail "loop device left"
! compgen -G "$WORKROOT/swapemu-demo.*" >/dev/null ||
	e2e_fail "work directory left: $(ls "$WORKROOT")"
[[ $(cat "$ring_param" 2>/dev/null || echo none) == "$ring_before" ]] ||
	e2e_fail "enable_uring not put back to $ring_before"
echo "ok: cleaned up after SIGPIPE"
echo "PASS"
