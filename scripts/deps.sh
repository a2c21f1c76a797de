#!/usr/bin/env bash
# Install the Debian packages swapemu needs to build, test and benchmark,
# when they are missing.  Safe to run again: it installs nothing when all
# are present.
set -euo pipefail

pkgs=(
	build-essential cmake pkg-config   # toolchain
	libfuse3-dev fuse3                 # fs/: the FUSE mount
	liburing-dev                       # swap/io: the io_uring engine
	libcmocka-dev                      # unit tests
	util-linux mount dmsetup kmod      # mkswap, losetup, swapon, dm targets
	fio                                # IO reference and trace replay
	jq                                 # JSON checks in tests
	gnuplot-nox                        # bench/ plots
	qemu-system-x86 busybox-static     # tests/e2e/vm_swap.sh: a guest swapping on a swapemu disk
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
