# SPDX-License-Identifier: MIT
#
# A QEMU guest swapping through a swapemu area used as its virtio disk.
#
# The host mounts swapemu (backing directory under /var/tmp), creates one
# 256 MiB area per run and boots a Debian kernel with a tiny initramfs
# (busybox-static, a static memhog, tests/vm/init) on it, first with
# `cache=none,aio=io_uring`, then with `cache=writeback,discard=unmap`
# (the guest's `swapon -donce` discards the whole area first).  The guest
# has 128 MiB of RAM; it swaps on /dev/vda, writes and verifies 128 MiB of
# patterned memory, swaps off and powers off.  Checks: the guest's verdict
# line says no word was corrupted, its pswpout and pswpin are above zero,
# and the area's .swapemu/NAME/stat counted reads and writes (and the
# discard in the second run) and shows slots in use in the slot map
# mirror.
#
# The kernel package (the one linux-image-amd64 depends on) is fetched
# once with apt-get download and kept, reduced to vmlinuz and the virtio
# modules, in $SWAPEMU_VM_CACHE (default /var/cache/swapemu-vm).  KVM is
# used when /dev/kvm opens and the CPU has hardware virtualisation (vmx or
# svm), TCG otherwise; SWAPEMU_VM_ACCEL=kvm|tcg forces one.
#
# Runs as root with SWAPEMU set to the swapemu binary and SWAPEMU_SRC to
# the source tree; scripts/deps.sh installs qemu-system-x86 and
# busybox-static.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AREA_SIZE=256M
GUEST_MIB=128
HOG_MIB=128
BOOT_TIMEOUT=240 # seconds for one boot, swap run and power-off
CACHE=${SWAPEMU_VM_CACHE:-/var/cache/swapemu-vm}
# Loaded in this order by the guest's init; a missing one is built in.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
virtio_pci virtio_blk"

[[ $EUID -eq 0 ]] || e2e_fail "must run as root (FUSE, qemu)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
[[ -d ${SWAPEMU_SRC:-} ]] || e2e_fail "SWAPEMU_SRC must name the source tree"
e2e_need qemu-system-x86_64 busybox apt-get apt-cache dpkg-deb tar jq \
	fusermount3 mountpoint timeout ldd
BUSYBOX=$(command -v busybox)
ldd "$BUSYBOX" >/dev/null 2>&1 &&
	e2e_fail "$BUSYBOX is dynamically linked: install busybox-static"

e2e_tmpdir DIR
# The FUSE backing directory must not be in memory: the kernel swaps
# through it (here only the guest does, but keep the rule).
BACK=$(mktemp -d /var/tmp/swapemu-vm.XXXXXX)
e2e_defer "dir:$BACK" rm -rf -- "$BACK"
MNT=$DIR/mnt
mkdir "$MNT"

# The kernel package linux-image-amd64 currently depends on.
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# Decompress module SRC into DST (Debian compresses them from trixie on).
module_unpack() {
	local src=$1 dst=$2
	case $src in
	*.ko) cp -- "$src" "$dst" ;;
	*.ko.xz) xz -dc -- "$src" >"$dst" ;;
	*.ko.gz) gzip -dc -- "$src" >"$dst" ;;
	*.ko.zst)
		e2e_need zstd
		zstd -qdc -- "$src" >"$dst"
		;;
	*) e2e_fail "unknown module format: $src" ;;
	esac
}

# Fetch PKG and keep only vmlinuz and the modules the disk needs in
# $CACHE/PKG (moved into place whole, so a broken fetch leaves nothing).
kernel_fetch() {
	local pkg=$1 tmp deb m f
	local re='^\./boot/vmlinuz-|/kernel/drivers/(virtio|block)/('
	re+="${MODULES// /|}"')\.ko(\.(xz|gz|zst))?$'
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	e2e_defer "dir:$tmp" rm -rf -- "$tmp"
	e2e_log "fetching $pkg into $CACHE"
	if ! (cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null); then
		# The lists may name a version the mirror no longer has.
		apt-get update -qq
		(cd "$tmp" && apt-get download -qq "$pkg") ||
			e2e_fail "apt-get download $pkg failed"
	fi
	deb=$(echo "$tmp"/*.deb)
	[[ -f $deb ]] || e2e_fail "no .deb downloaded for $pkg"
	mkdir "$tmp/x" "$tmp/k"
	dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E "$re" >"$tmp/list" ||
		e2e_fail "$pkg holds no vmlinuz or virtio modules"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" -T "$tmp/list"
	mv "$tmp"/x/boot/vmlinuz-* "$tmp/k/vmlinuz" ||
		e2e_fail "$pkg holds no vmlinuz"
	while read -r m; do
		[[ $m == *.ko* ]] || continue
		f=${m##*/}
		module_unpack "$tmp/x/$m" "$tmp/k/${f%%.ko*}.ko"
	done <"$tmp/list"
	mv "$tmp/k" "$CACHE/$pkg"
	e2e_undo "dir:$tmp"
}

# KDIR: the cached kernel, fetched when missing.
kernel_find() {
	local pkg
	pkg=$(kernel_package)
	if [[ -z $pkg && ! -d $CACHE ]]; then
		# Nothing cached and no apt lists yet (a fresh machine).
		apt-get update -qq
		pkg=$(kernel_package)
	fi
	if [[ -z $pkg ]]; then
		# No apt lists: the newest kernel fetched before will do.
		pkg=$(find "$CACHE" -mindepth 2 -maxdepth 2 -name vmlinuz \
			2>/dev/null | sort -V | tail -n 1)
		pkg=${pkg%/vmlinuz}
		pkg=${pkg##*/}
		[[ -n $pkg ]] ||
			e2e_fail "no apt lists to find the kernel: run apt-get update (scripts/deps.sh does)"
	fi
	[[ -f $CACHE/$pkg/vmlinuz ]] || kernel_fetch "$pkg"
	KDIR=$CACHE/$pkg
	echo "ok: guest kernel $pkg"
}

# The static memory hog: built next to swapemu, or built here.
memhog_find() {
	MEMHOG=$(dirname "$SWAPEMU")/tests/memhog_static
	[[ -x $MEMHOG ]] && return
	e2e_need cc
	MEMHOG=$DIR/memhog_static
	cc -O2 -static -o "$MEMHOG" "$SWAPEMU_SRC/tests/e2e/memhog.c"
}

# INITRD: busybox, memhog, the modules and tests/vm/init in a newc cpio.
initrd_build() {
	local root=$DIR/root m
	mkdir -p "$root/bin" "$root/lib/modules"
	cp -- "$BUSYBOX" "$root/bin/busybox"
	cp -- "$MEMHOG" "$root/bin/memhog"
	cp -- "$SWAPEMU_SRC/tests/vm/init" "$root/init"
	chmod 755 "$root/init"
	for m in $MODULES; do
		[[ -f $KDIR/$m.ko ]] && cp -- "$KDIR/$m.ko" "$root/lib/modules/"
	done
	echo "$MODULES" >"$root/lib/modules/order"
	INITRD=$DIR/initrd.cpio
	(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 \
		>"$INITRD" 2>/dev/null)
}

# QEMU: the command line up to the drive, with KVM when it can run a stock
# kernel.  A /dev/kvm without vmx/svm (a paravirtual KVM) cannot.
qemu_setup() {
	local accel=${SWAPEMU_VM_ACCEL:-}
	if [[ -z $accel ]]; then
		accel=tcg
		if { : <>/dev/kvm; } 2>/dev/null &&
			grep -qwE 'vmx|svm' /proc/cpuinfo; then
			accel=kvm
		fi
	fi
	QEMU=(qemu-system-x86_64 -accel "$accel" -m "$GUEST_MIB" -smp 1
		-nodefaults -no-user-config -display none -nic none
		-no-reboot -kernel "$KDIR/vmlinuz" -initrd "$INITRD")
	APPEND="console=ttyS0 panic=-1 loglevel=4 swapemu.hog=$HOG_MIB"
	[[ $accel == kvm ]] && QEMU+=(-cpu host)
	echo "ok: accelerator $accel"
}

stat_get() {
	jq -r "$2" "$MNT/.swapemu/$1/stat"
}

# run_vm NAME DRIVE-OPTIONS [GUEST-PARAMETER...]: boot the guest on area
# NAME, check it.
run_vm() {
	local name=$1 opts=$2 log=$DIR/$1.console pid rc=0 t0 line out
	local drive="file=$MNT/$name,format=raw,if=virtio,$opts"
	shift 2
	truncate -s "$AREA_SIZE" "$MNT/$name"
	e2e_log "run $name: -drive $drive $*"
	t0=$SECONDS
	timeout -k 5 "$BOOT_TIMEOUT" "${QEMU[@]}" -append "$APPEND${*:+ $*}" \
		-drive "$drive" -serial "file:$log" 2>"$DIR/$name.qemu" &
	pid=$!
	e2e_defer "qemu:$pid" e2e_stop_pid "$pid"
	wait "$pid" || rc=$?
	e2e_forget "qemu:$pid"
	if ((rc != 0)); then
		tail -n 30 "$log" "$DIR/$name.qemu" >&2 || true
		e2e_fail "qemu exited with status $rc (124: timed out)"
	fi
	line=$(tr -d '\r' <"$log" | grep '^SWAPEMU-VM result=' | tail -n 1) ||
		{
			tail -n 30 "$log" >&2
			e2e_fail "$name: no result line on the guest console"
		}
	echo "guest: $line ($((SECONDS - t0)) s)"
	[[ $line == *"result=ok "* ]] ||
		e2e_fail "$name: the guest's memory check failed: $line"
	out=${line##*pswpout=}
	((${out%% *} > 0)) || e2e_fail "$name: the guest did not swap out"
	((${line##*pswpin=} > 0)) || e2e_fail "$name: the guest swapped nothing in"
	(($(stat_get "$name" .io.ops.write.ops) > 0)) ||
		e2e_fail "$name: the area counted no write"
	(($(stat_get "$name" .io.ops.read.ops) > 0)) ||
		e2e_fail "$name: the area counted no read"
	(($(stat_get "$name" .slots.inuse) > 0)) ||
		e2e_fail "$name: the slot map mirror shows no slot in use"
	echo "ok: $name: area $(stat_get "$name" \
		'"wrote \(.io.ops.write.bytes / 1048576 | floor) MiB in \(.io.ops.write.ops) ops, read \(.io.ops.read.bytes / 1048576 | floor) MiB in \(.io.ops.read.ops) ops, \(.slots.inuse) slots in use"')"
}

kernel_find
memhog_find
initrd_build
qemu_setup
e2e_fuse_mount "$MNT" "$SWAPEMU" mount --backing "$BACK" -f "$MNT"
run_vm direct "cache=none,aio=io_uring"
run_vm writeback "cache=writeback,discard=unmap" swapemu.discard=once
(($(stat_get writeback .io.ops.discard.ops) > 0)) ||
	e2e_fail "writeback: the guest's discard did not reach the area"
echo "ok: writeback: the guest's discard reached the area"
"$SWAPEMU" stat "$MNT"
e2e_fuse_umount "$MNT"
echo "PASS"
