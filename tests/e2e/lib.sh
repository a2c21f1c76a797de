# SPDX-License-Identifier: MIT
#
# Shared helpers for the end-to-end tests, sourced by tests/e2e/*.sh.
#
# A test registers every resource it sets up (swap area, loop device, FUSE
# mount, temporary directory) right after creating it; an EXIT trap undoes
# them last-first whether the test passed, failed or was interrupted, and
# fails the test if an undo fails.  e2e_undo KEY undoes one resource early,
# and only once, so the trap never touches a device name that another test
# may have taken since.

set -Eeuo pipefail

_e2e_keys=() # what each entry of _e2e_cmds undoes, e.g. loop:/dev/loop3
_e2e_cmds=() # commands that undo them, '' once run

e2e_log() {
	echo "== $*"
}

e2e_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# e2e_need CMD...: fail (not skip) when a tool the test drives is missing.
e2e_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || e2e_fail "required tool '$c' not found"
	done
}

# e2e_defer KEY CMD [ARG...]: run CMD at exit unless e2e_undo KEY ran it.
e2e_defer() {
	local key=$1
	shift
	_e2e_keys+=("$key")
	_e2e_cmds+=("$(printf '%q ' "$@")")
}

# e2e_undo KEY: run now the most recent undo registered for KEY.
e2e_undo() {
	local i cmd
	for ((i = ${#_e2e_keys[@]} - 1; i >= 0; i--)); do
		if [[ ${_e2e_keys[i]} == "$1" && -n ${_e2e_cmds[i]} ]]; then
			cmd=${_e2e_cmds[i]}
			_e2e_cmds[i]=''
			eval "$cmd"
			return
		fi
	done
	e2e_fail "e2e_undo: nothing registered as $1"
}

# e2e_forget KEY: drop the most recent undo registered for KEY (it was done
# another way).
e2e_forget() {
	local i
	for ((i = ${#_e2e_keys[@]} - 1; i >= 0; i--)); do
		if [[ ${_e2e_keys[i]} == "$1" && -n ${_e2e_cmds[i]} ]]; then
			_e2e_cmds[i]=''
			return
		fi
	done
	e2e_fail "e2e_forget: nothing registered as $1"
}

_e2e_cleanup() {
	local rc=$? i failed=0
	set +e
	for ((i = ${#_e2e_cmds[@]} - 1; i >= 0; i--)); do
		[[ -n ${_e2e_cmds[i]} ]] || continue
		if ! eval "${_e2e_cmds[i]}"; then
			echo "cleanup failed: ${_e2e_cmds[i]}" >&2
			failed=1
		fi
	done
	((rc == 0 && failed)) && rc=1
	exit "$rc"
}
trap _e2e_cleanup EXIT
trap 'echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# e2e_tmpdir VAR: a new directory, removed at exit.
e2e_tmpdir() {
	local -n _e2e_dir_out=$1
	_e2e_dir_out=$(mktemp -d "${TMPDIR:-/tmp}/swapemu-e2e.XXXXXX")
	e2e_defer "dir:$_e2e_dir_out" rm -rf -- "$_e2e_dir_out"
}

# e2e_losetup VAR FILE [OPTION...]: attach FILE to a free loop device.
e2e_losetup() {
	local -n _e2e_loop_out=$1
	local file=$2
	shift 2
	_e2e_loop_out=$(losetup --find --show "$@" -- "$file")
	e2e_defer "loop:$_e2e_loop_out" losetup -d "$_e2e_loop_out"
}

e2e_detach() {
	e2e_undo "loop:$1"
}

# e2e_swapon DEV [OPTION...]: swapon, with swapoff at exit.
e2e_swapon() {
	local dev=$1
	shift
	swapon "$@" -- "$dev"
	e2e_defer "swap:$dev" swapoff -- "$dev"
}

e2e_swapoff() {
	e2e_undo "swap:$1"
}

# e2e_fuse_mount DIR CMD [ARG...]: start the FUSE server CMD, which must
# stay in the foreground, and wait until DIR is mounted.  At exit DIR is
# unmounted and the server reaped.
e2e_fuse_mount() {
	local dir=$1 pid i
	shift
	"$@" &
	pid=$!
	e2e_defer "mount:$dir" _e2e_fuse_stop "$dir" "$pid"
	for ((i = 0; i < 100; i++)); do
		mountpoint -q -- "$dir" && return 0
		kill -0 "$pid" 2>/dev/null || e2e_fail "FUSE server $1 exited"
		sleep 0.1
	done
	e2e_fail "$dir not mounted after 10 s"
}

# e2e_stop_pid PID [SIGNAL]: stop a background process (TERM by default)
# and reap it; nothing if it is gone already.
e2e_stop_pid() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# e2e_fuse_daemon VAR DIR CMD...: start a FUSE server on DIR that the test
# means to kill: VAR gets its pid; the undo "daemon" kills it and
# "deadmount:DIR" lazily unmounts what a dead server leaves.
e2e_fuse_daemon() {
	local -n _e2e_pid=$1
	local dir=$2 i
	shift 2
	"$@" &
	_e2e_pid=$!
	e2e_defer "daemon" e2e_stop_pid "$_e2e_pid" KILL
	e2e_defer "deadmount:$dir" umount -l "$dir"
	for ((i = 0; i < 100; i++)); do
		mountpoint -q -- "$dir" && return 0
		kill -0 "$_e2e_pid" 2>/dev/null ||
			e2e_fail "FUSE server for $dir exited"
		sleep 0.1
	done
	e2e_fail "$dir not mounted after 10 s"
}

# e2e_fuse_ring_enable: let FUSE daemons take requests over io_uring for
# the rest of the test (the fuse module's enable_uring, put back at exit).
e2e_fuse_ring_enable() {
	local p=/sys/module/fuse/parameters/enable_uring old
	[[ -e $p ]] || e2e_fail "no FUSE over io_uring in this kernel ($p)"
	old=$(cat "$p")
	[[ $old == Y ]] && return 0
	echo Y >"$p"
	e2e_defer "fuse-ring" sh -c "echo $old >$p"
}

# e2e_transport MOUNTPOINT: how its daemon takes requests (io_uring, or
# /dev/fuse), from .swapemu/fuse.
e2e_transport() {
	awk '$1 == "transport" { print $2 }' "$1/.swapemu/fuse"
}

e2e_fuse_umount() {
	e2e_undo "mount:$1"
}

# Unmount; a loop device just detached may hold the file a moment longer,
# so retry before aborting the connection by killing the server.
_e2e_fuse_stop() {
	local dir=$1 pid=$2 i rc=0
	for ((i = 0; i < 50; i++)); do
		mountpoint -q -- "$dir" || break
		fusermount3 -u -- "$dir" 2>/dev/null && break
		sleep 0.1
	done
	if mountpoint -q -- "$dir"; then
		echo "cannot unmount $dir: killing its server" >&2
		kill "$pid" 2>/dev/null
		umount -l -- "$dir"
		rc=1
	fi
	wait "$pid" 2>/dev/null
	return "$rc"
}
