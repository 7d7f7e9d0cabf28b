#!/usr/bin/env bash
# Builds the LiquidMetal guest image (a Debian cloud kernel and a busybox initramfs whose
# init prints the ready marker) into a cache folder, once. Later runs reuse it and only
# print the paths.
#
#   LIQUIDMETAL_GUEST_DIR   output folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/liquidmetal/guest)
#
# Prints "kernel=<path>" and "initrd=<path>". Needs apt-get, dpkg, cpio and gzip (see
# scripts/install-test-deps.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${LIQUIDMETAL_GUEST_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/liquidmetal/guest}
kernel_meta=linux-image-cloud-amd64
# Modules the init loads (with their dependencies); a name this kernel lacks is skipped.
wanted_modules="virtio virtio_ring virtio_mmio qemu_fw_cfg virtio_blk virtio_net button evdev"

print_paths() {
    echo "kernel=$out/vmlinuz"
    echo "initrd=$out/initramfs.cpio.gz"
}

# The stamp ties the cached image to the recipe: editing the init or this script rebuilds.
stamp=$(cat "$here/init" "$here/build.sh" | sha256sum | cut -d' ' -f1)
if [[ -f $out/vmlinuz && -f $out/initramfs.cpio.gz && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
    print_paths
    exit 0
fi

for tool in apt-get apt-cache dpkg cpio gzip sha256sum; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing; run scripts/install-test-deps.sh" >&2; exit 1; }
done

resolve_kernel_package() {
    apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
kernel_pkg=$(resolve_kernel_package)
if [[ -z $kernel_pkg ]]; then
    # A fresh machine may have no package lists yet.
    apt-get update -qq >&2
    kernel_pkg=$(resolve_kernel_package)
fi
[[ -n $kernel_pkg ]] || { echo "build.sh: cannot resolve the package behind $kernel_meta" >&2; exit 1; }
kernel_version=${kernel_pkg#linux-image-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt-get download runs as _apt where it can

echo "build.sh: building the guest image from $kernel_pkg into $out" >&2
(cd "$work" && apt-get download -qq "$kernel_pkg" busybox-static >&2 2>/dev/null) \
    || (cd "$work" && apt-get download "$kernel_pkg" busybox-static >&2)
dpkg -x "$work"/linux-image-*.deb "$work/kernel"
dpkg -x "$work"/busybox-static_*.deb "$work/busybox"
busybox="$work/busybox/bin/busybox"

moddir="$work/kernel/lib/modules/$kernel_version"
[[ -d $moddir ]] || moddir="$work/kernel/usr/lib/modules/$kernel_version"
[[ -d $moddir ]] || { echo "build.sh: no modules for $kernel_version in $kernel_pkg" >&2; exit 1; }
# The .deb ships no modules.dep (its postinst runs depmod), so make one.
"$busybox" depmod -b "${moddir%/lib/modules/*}" "$kernel_version"

# Emits module paths (relative to $moddir) dependencies first, each once.
declare -A seen=()
load_order=()
add_module_path() {
    local path=$1 line dep
    [[ -n ${seen[$path]:-} ]] && return 0
    seen[$path]=1
    line=$(grep -m1 -E "^${path//./\\.}:" "$moddir/modules.dep" || true)
    for dep in ${line#*:}; do
        add_module_path "$dep"
    done
    load_order+=("$path")
}
for name in $wanted_modules; do
    path=$(grep -m1 -oE "^[^:]*/${name}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | tr -d ':' || true)
    [[ -n $path ]] && add_module_path "$path"
done

root="$work/root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/etc/liquidmetal" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
: >"$root/etc/liquidmetal/modules.load"
for path in "${load_order[@]}"; do
    # Busybox insmod cannot read compressed modules; this kernel ships them plain, but
    # a later one might not.
    base=$(basename "$path")
    case "$base" in
        *.ko.xz) "$busybox" unxz -c "$moddir/$path" >"$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.gz) gzip -dc "$moddir/$path" >"$root/lib/modules/${base%.gz}"; base=${base%.gz} ;;
        *) cp "$moddir/$path" "$root/lib/modules/$base" ;;
    esac
    echo "$base" >>"$root/etc/liquidmetal/modules.load"
done

mkdir -p "$out"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -9n >"$out/initramfs.cpio.gz.tmp"
cp "$work/kernel/boot/vmlinuz-$kernel_version" "$out/vmlinuz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$kernel_version" >"$out/kernel-version"
echo "$stamp" >"$out/stamp"
print_paths
