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
# shellcheck source=kernel.sh
. "$here/kernel.sh"
out=${LIQUIDMETAL_GUEST_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/liquidmetal/guest}
kernel_meta=linux-image-cloud-amd64
# Modules the init loads (with their dependencies); a name this kernel lacks is skipped.
wanted_modules="virtio virtio_ring virtio_mmio qemu_fw_cfg virtio_blk virtio_net button evdev"

print_paths() {
    echo "kernel=$out/vmlinuz"
    echo "initrd=$out/initramfs.cpio.gz"
}

# The stamp ties the cached image to the recipe: editing the init or this script rebuilds.
stamp=$(cat "$here/init" "$here/build.sh" "$here/kernel.sh" | sha256sum | cut -d' ' -f1)
if [[ -f $out/vmlinuz && -f $out/initramfs.cpio.gz && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
    print_paths
    exit 0
fi

for tool in apt-get apt-cache dpkg cpio gzip sha256sum; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing; run scripts/install-test-deps.sh" >&2; exit 1; }
done

resolve_kernel build.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt-get download runs as _apt where it can

echo "build.sh: building the guest image from $kernel_pkg into $out" >&2
unpack_kernel_and_busybox build.sh

root="$work/root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/etc/liquidmetal" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
install_modules "$root"

mkdir -p "$out"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -9n >"$out/initramfs.cpio.gz.tmp"
cp "$work/kernel/boot/vmlinuz-$kernel_version" "$out/vmlinuz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$kernel_version" >"$out/kernel-version"
echo "$stamp" >"$out/stamp"
print_paths
