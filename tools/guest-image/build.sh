#!/usr/bin/env bash
# Build "ostack-test", a tiny cirros-like guest image, from Debian packages only.
#
# Outputs (in ${OSTACK_IMAGE_DIR:-/var/cache/ostack/images}):
#   ostack-test-<hash>.qcow2    bootable disk: FAT + syslinux + bzImage + initramfs
#   ostack-test-<hash>.vmlinux  uncompressed kernel (PVH entry) for direct kernel boot
#   ostack-test-<hash>.initrd   the initramfs (same as inside the disk)
#   ostack-test.{qcow2,vmlinux,initrd}  stable symlinks to the current hashed outputs
#
# <hash> covers this directory's build inputs, the kernel and the copied binaries, so a
# rerun with unchanged inputs only refreshes the symlinks. Prints the hashed qcow2's path:
# what these inputs built, whichever build another checkout's run links to later. Everything is built in a temp
# dir inside the output dir and renamed into place, so a killed or concurrent run never
# leaves a half-written image behind. See README.md in this directory.
set -euo pipefail

# Debian packages this script needs (`make setup` installs them).
GUEST_IMAGE_PACKAGES="linux-image-amd64 kmod busybox-static dropbear-bin syslinux mtools dosfstools qemu-utils cpio gzip xz-utils zstd"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="${OSTACK_IMAGE_DIR:-/var/cache/ostack/images}"
NAME=ostack-test
PASSWORD=gocubsgo

# Modules the guest loads (dependencies are added and ordered automatically).
GUEST_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
failover net_failover virtio_net virtio_blk
scsi_common scsi_mod libata ata_piix libahci ahci cdrom sr_mod sd_mod isofs
button evdev"

BUSYBOX=/bin/busybox
DROPBEAR=/usr/sbin/dropbear
DROPBEARKEY=/usr/bin/dropbearkey

log() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

usage() {
    cat <<USAGE
usage: $0 [--force] [--print-packages] [--help]
  --force           rebuild even if outputs for the current input hash exist
  --print-packages  print the Debian packages this script needs and exit
environment:
  OSTACK_IMAGE_DIR      output directory (default /var/cache/ostack/images)
  OSTACK_GUEST_KERNEL   kernel version to use (default: newest /boot/vmlinuz-* with modules)
USAGE
}

FORCE=0
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        --print-packages) echo "$GUEST_IMAGE_PACKAGES"; exit 0 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

# ---------------------------------------------------------------------------- checks
need_cmds="sha256sum modinfo cpio gzip xz zstd od mkfs.vfat syslinux mcopy qemu-img ldd truncate"
for c in $need_cmds; do
    command -v "$c" >/dev/null 2>&1 \
        || die "'$c' not found; install the packages: apt-get install -y $GUEST_IMAGE_PACKAGES"
done
for f in "$BUSYBOX" "$DROPBEAR" "$DROPBEARKEY"; do
    [[ -x "$f" ]] || die "$f missing; install the packages: apt-get install -y $GUEST_IMAGE_PACKAGES"
done
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked; install busybox-static"
fi

pick_kernel() {
    if [[ -n "${OSTACK_GUEST_KERNEL:-}" ]]; then
        echo "$OSTACK_GUEST_KERNEL"
        return
    fi
    local v best=""
    while read -r v; do
        [[ -d "/lib/modules/$v/kernel" ]] && best="$v"
    done < <(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V)
    [[ -n "$best" ]] || die "no /boot/vmlinuz-* with matching /lib/modules; apt-get install -y linux-image-amd64"
    echo "$best"
}
KVER="$(pick_kernel)"
VMLINUZ="/boot/vmlinuz-$KVER"
[[ -r "$VMLINUZ" ]] || die "$VMLINUZ is not readable (run as root?)"
[[ -d "/lib/modules/$KVER" ]] || die "/lib/modules/$KVER missing"

# ------------------------------------------------------------- modules + dependency order
declare -A MOD_SEEN=()
MOD_ORDER=()
add_module() {  # depth-first: dependencies first
    local m="${1//-/_}" dep deps
    [[ -n "${MOD_SEEN[$m]:-}" ]] && return 0
    MOD_SEEN[$m]=visiting
    if grep -qE "/${m//_/[-_]}\.ko(\.[a-z]+)?\$" "/lib/modules/$KVER/modules.builtin" 2>/dev/null; then
        MOD_SEEN[$m]=builtin
        return 0
    fi
    deps="$(modinfo -k "$KVER" -F depends "$m" 2>/dev/null)" \
        || die "module $m not found for kernel $KVER"
    for dep in ${deps//,/ }; do
        add_module "$dep"
    done
    MOD_SEEN[$m]=ok
    MOD_ORDER+=("$m")
}
for m in $GUEST_MODULES; do add_module "$m"; done

# Dynamic libraries of the dropbear binaries.
collect_libs() {
    ldd "$@" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+ \(/{print $1}' | sort -u
}
mapfile -t LIBS < <(collect_libs "$DROPBEAR" "$DROPBEARKEY")
[[ ${#LIBS[@]} -gt 0 ]] || die "ldd found no libraries for $DROPBEAR"

# ------------------------------------------------------------------------ input hash
compute_hash() {
    {
        echo "kernel $KVER"
        echo "modules ${MOD_ORDER[*]}"
        (cd "$HERE" && find . -type f ! -name README.md ! -name '*~' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum)
        sha256sum "$VMLINUZ" "$BUSYBOX" "$DROPBEAR" "$DROPBEARKEY" "${LIBS[@]}"
        for m in "${MOD_ORDER[@]}"; do
            sha256sum "$(modinfo -k "$KVER" -F filename "$m")"
        done
        syslinux --version 2>&1 | head -n1
    } | sha256sum | cut -c1-12
}
HASH="$(compute_hash)"
BASE="$NAME-$HASH"

mkdir -p "$OUT_DIR"
# leftovers of runs killed with SIGKILL (temp dirs/links are never published names)
find "$OUT_DIR" -maxdepth 1 \( -name ".build-$NAME.*" -o -name ".$NAME.*.lnk" \) -mmin +60 \
    -exec rm -rf {} + 2>/dev/null || true

publish_links() {
    local ext tmp
    for ext in qcow2 vmlinux initrd; do
        tmp="$OUT_DIR/.$NAME.$ext.$$.lnk"
        ln -sfn "$BASE.$ext" "$tmp"
        mv -fT "$tmp" "$OUT_DIR/$NAME.$ext"
    done
}

if [[ $FORCE -eq 0 && -f "$OUT_DIR/$BASE.qcow2" && -f "$OUT_DIR/$BASE.vmlinux" \
      && -f "$OUT_DIR/$BASE.initrd" ]]; then
    publish_links
    log "up to date: $OUT_DIR/$BASE.{qcow2,vmlinux,initrd} (kernel $KVER)"
    echo "$OUT_DIR/$BASE.qcow2"
    exit 0
fi

# ------------------------------------------------------------------------------ build
WORK="$(mktemp -d "$OUT_DIR/.build-$NAME.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building $BASE (kernel $KVER) in $WORK"
ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc/dropbear,etc/acpi/PWRF,proc,sys,dev,run,tmp,mnt,root,home/cirros/.ssh,var/log,lib/modules/"$KVER",usr/share/udhcpc}
ln -s ../run "$ROOT/var/run"
chmod 1777 "$ROOT/tmp"
chmod 700 "$ROOT/root" "$ROOT/home/cirros/.ssh"

# busybox + applet symlinks
cp "$BUSYBOX" "$ROOT/bin/busybox"
while read -r applet; do
    [[ -e "$ROOT/$applet" || "$applet" == bin/busybox ]] && continue
    ln -s /bin/busybox "$ROOT/$applet"
done < <("$ROOT/bin/busybox" --list-full)

# dropbear + its libraries
cp "$DROPBEAR" "$ROOT/usr/sbin/dropbear"
cp "$DROPBEARKEY" "$ROOT/usr/bin/dropbearkey"
for lib in "${LIBS[@]}"; do
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib"
done

# kernel modules (decompressed), in load order
: > "$ROOT/lib/modules/$KVER/load-order"
for m in "${MOD_ORDER[@]}"; do
    src="$(modinfo -k "$KVER" -F filename "$m")"
    dst="$ROOT/lib/modules/$KVER/$m.ko"
    case "$src" in
        *.ko) cp "$src" "$dst" ;;
        *.ko.xz) xz -dc "$src" > "$dst" ;;
        *.ko.zst) zstd -qdc "$src" > "$dst" ;;
        *.ko.gz) gzip -dc "$src" > "$dst" ;;
        *) die "unknown module format: $src" ;;
    esac
    echo "$m" >> "$ROOT/lib/modules/$KVER/load-order"
done

# guest scripts and configuration
install -m 0755 "$HERE/init" "$ROOT/init"
install -m 0755 "$HERE/udhcpc.script" "$ROOT/etc/udhcpc.script"
ln -s /etc/udhcpc.script "$ROOT/usr/share/udhcpc/default.script"
install -m 0644 "$HERE/inittab" "$ROOT/etc/inittab"
install -m 0755 "$HERE/acpi-poweroff" "$ROOT/etc/acpi/PWRF/00000080"
HASHED_PW="$("$BUSYBOX" mkpasswd -m sha512 "$PASSWORD")"
cat > "$ROOT/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/bin/sh
cirros:x:1000:1000:cirros:/home/cirros:/bin/sh
PASSWD
cat > "$ROOT/etc/shadow" <<SHADOW
root:*:19000:0:99999:7:::
cirros:$HASHED_PW:19000:0:99999:7:::
SHADOW
chmod 0600 "$ROOT/etc/shadow"
cat > "$ROOT/etc/group" <<GROUP
root:x:0:
tty:x:5:
cirros:x:1000:
GROUP
printf '/bin/sh\n/bin/ash\n' > "$ROOT/etc/shells"
echo "$NAME" > "$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n' > "$ROOT/etc/hosts"
printf 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport PS1='"'"'\\u@\\h:\\w\\$ '"'"'\n' > "$ROOT/etc/profile"
cat > "$ROOT/etc/issue" <<ISSUE
$NAME test guest (kernel \\r) on \\l
login as 'cirros' user. default password: '$PASSWORD'. use 'sudo' for root.

ISSUE
cat > "$ROOT/etc/ostack-release" <<REL
NAME=$NAME
BUILD=$HASH
KERNEL=$KVER
REL

# initramfs (root:root; cirros' home is chowned at boot)
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort \
    | cpio --quiet -o -H newc -R 0:0 | gzip -9n) > "$WORK/$BASE.initrd"

# uncompressed kernel from the bzImage payload (setup header fields, boot protocol 2.08+)
extract_vmlinux() {
    local img="$1" out="$2" setup_sects poff plen off magic
    setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
    [[ "$setup_sects" -eq 0 ]] && setup_sects=4
    poff=$(od -An -tu4 -j $((0x248)) -N4 "$img" | tr -d ' ')
    plen=$(od -An -tu4 -j $((0x24c)) -N4 "$img" | tr -d ' ')
    off=$(( (setup_sects + 1) * 512 + poff ))
    magic=$(od -An -tx1 -j "$off" -N6 "$img" | tr -d ' \n')
    dd if="$img" of="$out.payload" bs=64K iflag=skip_bytes,count_bytes skip="$off" \
        count="$plen" status=none
    # Every format but gzip carries the uncompressed size in the last 4 payload bytes.
    case "$magic" in
        1f8b*) gzip -dc < "$out.payload" > "$out" 2>/dev/null || true ;;
        fd377a585a00) xz -dc --single-stream < "$out.payload" > "$out" ;;
        28b52ffd*) truncate -s $((plen - 4)) "$out.payload"; zstd -qdc < "$out.payload" > "$out" ;;
        *) die "unsupported bzImage payload (magic $magic) in $img" ;;
    esac
    rm -f "$out.payload"
    [[ "$(od -An -tx1 -N4 "$out" | tr -d ' \n')" == 7f454c46 ]] \
        || die "extracted kernel from $img is not an ELF file"
}
extract_vmlinux "$VMLINUZ" "$WORK/$BASE.vmlinux"

# bootable disk: FAT + syslinux + kernel + initramfs, no mounting
kib() { echo $(( ($(stat -c %s "$1") + 1023) / 1024 )); }
DISK_KIB=$(( $(kib "$VMLINUZ") + $(kib "$WORK/$BASE.initrd") + 2048 ))
DISK_MIB=$(( (DISK_KIB + 1023) / 1024 ))
RAW="$WORK/disk.raw"
truncate -s "${DISK_MIB}M" "$RAW"
mkfs.vfat -n OSTACKTEST "$RAW" >/dev/null
syslinux --install "$RAW"
cp "$VMLINUZ" "$WORK/vmlinuz"
cp "$WORK/$BASE.initrd" "$WORK/initrd.img"
cp "$HERE/syslinux.cfg" "$WORK/syslinux.cfg"
mcopy -i "$RAW" "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/syslinux.cfg" ::/
qemu-img convert -q -f raw -O qcow2 "$RAW" "$WORK/$BASE.qcow2"

# publish: rename (atomic on the same filesystem), then the stable symlinks
chmod 0644 "$WORK/$BASE.qcow2" "$WORK/$BASE.vmlinux" "$WORK/$BASE.initrd"
for ext in initrd vmlinux qcow2; do   # qcow2 last: its presence marks a complete set
    mv -f "$WORK/$BASE.$ext" "$OUT_DIR/$BASE.$ext"
done
publish_links
log "built $OUT_DIR/$BASE.qcow2 ($(du -k "$OUT_DIR/$BASE.qcow2" | cut -f1) KiB)," \
    "initrd $(kib "$OUT_DIR/$BASE.initrd") KiB, vmlinux $(kib "$OUT_DIR/$BASE.vmlinux") KiB"
echo "$OUT_DIR/$BASE.qcow2"
