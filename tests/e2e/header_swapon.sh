# SPDX-License-Identifier: MIT
#
# The swap header against the real kernel and the real mkswap:
#  (a) a header from `swapemu format` is accepted by swapon, which reports
#      the expected size, and blkid / swapon --show read its label and UUID;
#  (b) bad pages recorded by `swapemu format --bad` are left out by the
#      kernel;
#  (c) `mkswap -c` on a block device with unreadable pages records them,
#      and `swapemu inspect` reads back the same list;
#  (d) `swapemu inspect` refuses damaged headers with the specific reason,
#      as swapon refuses them.
#
# Runs as root with SWAPEMU set to the swapemu binary.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PAGE=4096

[[ $EUID -eq 0 ]] || e2e_fail "must run as root (loop devices, swapon)"
[[ -x ${SWAPEMU:-} ]] || e2e_fail "SWAPEMU must name the swapemu binary"
e2e_need losetup swapon swapoff blkid mkswap blockdev jq dd cc pkg-config \
	fusermount3 mountpoint
e2e_tmpdir DIR

# Size column (KiB) of DEV in /proc/swaps, empty when DEV is not swap.
proc_swaps_kib() {
	awk -v dev="$1" '$1 == dev { print $3 }' /proc/swaps
}

# Fail unless DEV is neither swap nor a loop device still backed by FILE.
assert_released() {
	local dev=$1 file=$2
	[[ -z $(proc_swaps_kib "$dev") ]] || e2e_fail "$dev still in /proc/swaps"
	[[ -z $(losetup -j "$file") ]] || e2e_fail "$file still on a loop device"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[[ $2 == "$3" ]] || e2e_fail "$1: got '$2', expected '$3'"
	echo "ok: $1 = $2"
}

# Store the 32-bit little-endian VALUE at byte OFFSET of FILE.
poke_u32() {
	local file=$1 off=$2 v=$3 bytes
	bytes=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) \
		$((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24 & 255)))
	printf '%b' "$bytes" | dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

part_a_format_swapon() {
	local f=$DIR/a.swp loop out uuid pages
	e2e_log "(a) swapemu format, then swapon through a loop device"
	out=$("$SWAPEMU" format --size 64M -L e2elabel "$f")
	echo "$out"
	uuid=$(sed -n 's/^LABEL=e2elabel, UUID=//p' <<<"$out")
	[[ $uuid =~ ^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$ ]] ||
		e2e_fail "format printed no UUID: $out"
	expect_eq "file size" "$(stat -c %s "$f")" $((64 << 20))
	pages=$(((64 << 20) / PAGE))

	e2e_losetup loop "$f"
	e2e_swapon "$loop"
	# The kernel counts every page but the header.
	expect_eq "/proc/swaps size of $loop (KiB)" "$(proc_swaps_kib "$loop")" \
		$(((pages - 1) * PAGE / 1024))
	expect_eq "swapon --show" \
		"$(swapon --show=NAME,LABEL,UUID --noheadings --raw |
			awk -v dev="$loop" '$1 == dev')" "$loop e2elabel $uuid"
	out=$(blkid -p -o export "$loop")
	expect_eq "blkid TYPE" "$(sed -n 's/^TYPE=//p' <<<"$out")" swap
	expect_eq "blkid LABEL" "$(sed -n 's/^LABEL=//p' <<<"$out")" e2elabel
	expect_eq "blkid UUID" "$(sed -n 's/^UUID=//p' <<<"$out")" "$uuid"
	e2e_swapoff "$loop"
	e2e_detach "$loop"
	assert_released "$loop" "$f"
}

part_b_bad_pages() {
	local f=$DIR/b.swp loop json pages=$(((64 << 20) / PAGE))
	e2e_log "(b) bad pages from swapemu format --bad, seen by the kernel"
	"$SWAPEMU" format --size 64M --bad 5,6,100 -L e2ebad "$f"
	e2e_losetup loop "$f"
	json=$("$SWAPEMU" inspect --json "$loop")
	expect_eq "inspect bad_pages" "$(jq -c .bad_pages <<<"$json")" "[5,6,100]"
	expect_eq "inspect usable_pages" "$(jq .usable_pages <<<"$json")" \
		$((pages - 1 - 3))
	e2e_swapon "$loop"
	expect_eq "/proc/swaps size of $loop (KiB)" "$(proc_swaps_kib "$loop")" \
		$(((pages - 1 - 3) * PAGE / 1024))
	e2e_swapoff "$loop"
	e2e_detach "$loop"
	assert_released "$loop" "$f"
}

# A FUSE file system with one file, "disk", held in memory, whose reads
# fail with EIO wherever they touch the byte range [BAD_LO, BAD_HI).  Loop
# devices pass such errors on, so a loop device on "disk" is a block device
# with unreadable sectors, as a device-mapper table with an error target
# would give (this kernel may have no device-mapper).
build_badfs() {
	local flags
	local -a fuse_flags
	flags=$(pkg-config --cflags --libs fuse3)
	read -ra fuse_flags <<<"$flags"
	cc -O2 -Wall -o "$1" -x c - "${fuse_flags[@]}" <<'EOF'
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *data;                   /* the file's contents */
static off_t disk_size, bad_lo, bad_hi; /* bytes; [bad_lo, bad_hi) fails */

static int badfs_getattr(const char *path, struct stat *st,
			 struct fuse_file_info *fi)
{
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/disk"))
		return -ENOENT;
	st->st_mode = S_IFREG | 0600;
	st->st_nlink = 1;
	st->st_size = disk_size;
	return 0;
}

static int badfs_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/disk"))
		return -ENOENT;
	fi->direct_io = 1; /* every read reaches this process */
	return 0;
}

static int badfs_read(const char *path, char *buf, size_t len, off_t off,
		      struct fuse_file_info *fi)
{
	if (off >= disk_size)
		return 0;
	if ((off_t)len > disk_size - off)
		len = disk_size - off;
	if (off < bad_hi && off + (off_t)len > bad_lo)
		return -EIO;
	memcpy(buf, data + off, len);
	return len;
}

static int badfs_write(const char *path, const char *buf, size_t len,
		       off_t off, struct fuse_file_info *fi)
{
	if (off >= disk_size)
		return -ENOSPC;
	if ((off_t)len > disk_size - off)
		len = disk_size - off;
	memcpy(data + off, buf, len);
	return len;
}

static const struct fuse_operations badfs_ops = {
	.getattr = badfs_getattr,
	.open = badfs_open,
	.read = badfs_read,
	.write = badfs_write,
};

/* badfs SIZE BAD_LO BAD_HI MOUNTPOINT [FUSE options] */
int main(int argc, char **argv)
{
	if (argc < 5)
		return 2;
	disk_size = atoll(argv[1]);
	bad_lo = atoll(argv[2]);
	bad_hi = atoll(argv[3]);
	data = calloc(1, disk_size);
	if (!data)
		return 1;
	argv[3] = argv[0];
	return fuse_main(argc - 3, argv + 3, &badfs_ops, NULL);
}
EOF
}

part_c_mkswap_check() {
	local badfs=$DIR/badfs mnt=$DIR/mnt loop out json expect p
	local size=$((8 << 20)) pages=$(((8 << 20) / PAGE))
	# Unreadable from the middle of page 1000 to the middle of page 1009:
	# a partly unreadable page is a bad page.
	local lo=$((1000 * PAGE + 512)) hi=$((1009 * PAGE + 2048))
	local first=$((lo / PAGE)) last=$(((hi - 1) / PAGE))
	e2e_log "(c) mkswap -c on a block device with unreadable pages"
	build_badfs "$badfs"
	mkdir "$mnt"
	e2e_fuse_mount "$mnt" "$badfs" "$size" "$lo" "$hi" "$mnt" -f -s
	e2e_losetup loop "$mnt/disk"
	# This kernel's block-device page cache reads ahead in large folios
	# (up to 1 MiB); one unreadable sector fails every page of its folio,
	# and mkswap -c, which reads through that cache, records them all.
	# Without readahead each read fills one page, so the list is exact.
	blockdev --setra 0 "$loop"
	dd if="$loop" of=/dev/null bs=$PAGE skip=$((first - 1)) count=1 \
		status=none || e2e_fail "page $((first - 1)) should read"
	if dd if="$loop" of=/dev/null bs=$PAGE skip="$first" count=1 \
		status=none 2>/dev/null; then
		e2e_fail "page $first should fail to read"
	fi

	out=$(mkswap -c -L e2echeck "$loop")
	echo "$out"
	grep -qx "$((last - first + 1)) bad pages" <<<"$out" ||
		e2e_fail "mkswap -c did not count $((last - first + 1)) bad pages"
	json=$("$SWAPEMU" inspect --json "$loop")
	expect=$(for ((p = first; p <= last; p++)); do echo "$p"; done | jq -sc .)
	expect_eq "inspect bad_pages" "$(jq -c .bad_pages <<<"$json")" "$expect"
	expect_eq "inspect label" "$(jq -r .label <<<"$json")" e2echeck
	expect_eq "inspect last_page" "$(jq .last_page <<<"$json")" $((pages - 1))

	e2e_swapon "$loop"
	expect_eq "/proc/swaps size of $loop (KiB)" "$(proc_swaps_kib "$loop")" \
		$(((pages - 1 - (last - first + 1)) * PAGE / 1024))
	e2e_swapoff "$loop"
	e2e_detach "$loop"
	e2e_fuse_umount "$mnt"
	assert_released "$loop" "$mnt/disk"
	mountpoint -q "$mnt" && e2e_fail "$mnt still mounted"
	return 0
}

# damage_case NAME OFFSET VALUE MESSAGE: format a file, store VALUE (a
# 32-bit number, or "zero" to clear the whole first page, or "magic" to
# alter the signature) at OFFSET, and expect inspect and swapon to refuse.
damage_case() {
	local name=$1 off=$2 v=$3 msg=$4 f=$DIR/d.swp loop rc=0 err
	rm -f "$f"
	"$SWAPEMU" format --size 1M "$f" >/dev/null
	case $v in
	zero) dd if=/dev/zero of="$f" bs=$PAGE count=1 conv=notrunc status=none ;;
	magic) printf 'SWAPSPACE3' |
		dd of="$f" bs=1 seek="$off" conv=notrunc status=none ;;
	*) poke_u32 "$f" "$off" "$v" ;;
	esac
	"$SWAPEMU" inspect "$f" >"$DIR/out" 2>"$DIR/err" || rc=$?
	err=$(<"$DIR/err")
	expect_eq "$name: inspect exit status" "$rc" 1
	[[ ! -s $DIR/out ]] || e2e_fail "$name: inspect printed: $(<"$DIR/out")"
	[[ $err == *"$msg"* ]] || e2e_fail "$name: got '$err', expected '$msg'"
	echo "ok: $name: $err"

	e2e_losetup loop "$f"
	if swapon "$loop" 2>/dev/null; then
		e2e_defer "swap:$loop" swapoff "$loop"
		e2e_fail "$name: the kernel accepted the header"
	fi
	e2e_detach "$loop"
	assert_released "$loop" "$f"
}

part_d_damaged() {
	e2e_log "(d) damaged headers"
	damage_case "signature" 4086 magic "no SWAPSPACE2 signature"
	damage_case "never formatted" 0 zero "all zeroes"
	damage_case "version 2" 1024 2 "unsupported header version"
	damage_case "last_page past the end" 1028 256 \
		"area is shorter than the header's last_page + 1 pages"
	damage_case "last_page 0" 1028 0 "last_page is 0"
	damage_case "638 bad pages" 1032 638 "more than 637 bad pages"
}

part_a_format_swapon
part_b_bad_pages
part_c_mkswap_check
part_d_damaged
e2e_log "all parts passed"
