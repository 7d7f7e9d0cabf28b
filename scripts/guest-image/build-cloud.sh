#!/usr/bin/env bash
# Builds the LiquidMetal cloud guest into a cache folder, once: a minbase Debian bookworm
# root file system with systemd and cloud-init (raw ext4, made with mmdebstrap from Debian's
# packages), Debian's cloud kernel, and a small busybox initramfs (cloud-initrd-init) that
# loads the virtio and isofs modules and switches to the root file system; and stand-ins for
# kubeadm, containerd and the kubelet (kubeadm-standin/) that report on the serial console what
# LiquidMetal's kubeadm bootstrap did. Later runs reuse the cache and only print the paths;
# editing this script, the initramfs init, cloud.cfg or a stand-in rebuilds.
#
#   LIQUIDMETAL_CLOUD_GUEST_DIR  output folder
#                                (default ${XDG_CACHE_HOME:-$HOME/.cache}/liquidmetal/cloud-guest)
#
# Prints "kernel=<path>", "initrd=<path>" and "rootfs=<path>". Boot it with QEMU's microvm
# machine, the root file system as the first virtio disk and the kernel command line
# "console=ttyS0 root=/dev/vda rw" ("root=LABEL=lmroot" finds it wherever it is); give it a
# NoCloud data source as a second virtio disk: an ISO9660 image labelled cidata with
# meta-data, user-data and network-config (version 2). cloud-init needs nothing on the kernel
# command line. README.md here has a whole QEMU command line and the timings.
#
# Network: cloud-init renders a network-config for systemd-networkd here, because none of
# ifupdown (eni), netplan or NetworkManager is installed and networkd is the last renderer it
# tries; systemd-resolved applies the DNS servers. 22.4 accepts "to: 0.0.0.0/0" for a
# default route but not "to: default", and names the NIC's file after set-name (eth0).
#
# Needs root, mmdebstrap, e2fsprogs (mke2fs -d), apt-get, dpkg, cpio and gzip (see
# scripts/install-test-deps.sh) and the Debian mirror the host's apt uses, nothing else from
# the network. A build takes 91 to 100 s on two quiet cores (148 s while other work ran); the
# root file system is a 610 MiB sparse file holding some 275 MiB of files (184 packages).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernel.sh
. "$here/kernel.sh"
out=${LIQUIDMETAL_CLOUD_GUEST_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/liquidmetal/cloud-guest}
suite=bookworm
kernel_meta=linux-image-cloud-amd64
# Loaded by the initramfs (with their dependencies), so the root file system needs none.
wanted_modules="virtio virtio_ring virtio_mmio virtio_blk virtio_net isofs"
packages=(
    systemd-sysv udev           # udev: networkd waits for links udev has seen
    cloud-init
    iproute2 iputils-ping
    systemd-resolved            # applies the network-config's DNS servers
)

print_paths() {
    echo "kernel=$out/vmlinuz"
    echo "initrd=$out/initrd.cpio.gz"
    echo "rootfs=$out/rootfs.ext4"
}

stamp=$(cat "$here/build-cloud.sh" "$here/kernel.sh" "$here/cloud-initrd-init" "$here/cloud.cfg" "$here"/kubeadm-standin/* | sha256sum | cut -d' ' -f1)
if [[ -f $out/vmlinuz && -f $out/initrd.cpio.gz && -f $out/rootfs.ext4 && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
    print_paths
    exit 0
fi

[[ $(id -u) -eq 0 ]] || { echo "build-cloud.sh: needs root (mmdebstrap --mode=root, mke2fs -d keeping owners)" >&2; exit 1; }
for tool in mmdebstrap mke2fs apt-get apt-cache dpkg cpio gzip sha256sum chroot; do
    command -v "$tool" >/dev/null || { echo "build-cloud.sh: $tool is missing; run scripts/install-test-deps.sh" >&2; exit 1; }
done

started=$SECONDS
resolve_kernel build-cloud.sh

# The Debian mirrors apt already uses for $suite, $suite-updates and $suite-security, read
# from apt's own view of its sources (one line per index, then its release line): so a host
# that reaches Debian through its own mirror builds through it too, and other sources the
# host has (third-party repositories) stay out of the image.
sources=$(apt-cache policy | awk -v suite="$suite" '
    $2 ~ /:\/\// && $3 ~ "^" suite "(-updates|-security)?/main$" { uri = $2; split($3, parts, "/"); dist = parts[1]; next }
    uri != "" && /release / && /o=Debian/ { if (!seen[uri " " dist]++) print "deb " uri " " dist " main"; uri = "" ; next }
    { uri = "" }')
if ! grep -q " $suite main\$" <<<"$sources"; then
    echo "build-cloud.sh: apt knows no Debian $suite mirror here; using mmdebstrap's default" >&2
    sources=
fi

work=$(mktemp -d)
# mmdebstrap mounts /dev, /proc and /sys inside the root while it works and unmounts them
# when it stops; should one stay mounted (mmdebstrap killed outright), removing the work
# folder must not reach through it into the host's.
trap 'rm -rf --one-file-system "$work"' EXIT
chmod 755 "$work"  # apt-get download runs as _apt where it can
root="$work/rootfs"

echo "build-cloud.sh: building the cloud guest ($suite, $kernel_pkg) into $out" >&2
mirror_args=()
while IFS= read -r line; do
    [[ -n $line ]] && mirror_args+=("$line")
done <<<"$sources"
# Documentation, manual pages and translations are no use in a guest nobody logs into.
mmdebstrap --mode=root --variant=minbase --format=directory --quiet \
    --include="$(IFS=,; echo "${packages[*]}")" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    "$suite" "$root" "${mirror_args[@]}" >&2

# The guest's own settings. Each boot is a first boot (the agent mounts the image with
# snapshot=on), so everything here is about making that boot short.
install -m 644 "$here/cloud.cfg" "$root/etc/cloud/cloud.cfg.d/90-liquidmetal.cfg"
# By label: the root disk is /dev/vda only while it is the first virtio disk on QEMU's command
# line (disks take vda, vdb... in command-line order on microvm).
echo 'LABEL=lmroot / ext4 rw,noatime 0 0' >"$root/etc/fstab"
echo localhost >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/90-liquidmetal.conf"
chroot "$root" systemctl enable --quiet systemd-networkd.service systemd-resolved.service
# Units a throwaway node never needs at boot: timers, a getty on a VGA console a microvm does
# not have, logins, and modprobe@ units for modules that are not in the image (each is a
# process, which costs most of a second under TCG).
chroot "$root" systemctl mask --quiet apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer getty@tty1.service systemd-logind.service \
    systemd-pstore.service systemd-network-generator.service modprobe@configfs.service \
    modprobe@dm_mod.service modprobe@drm.service modprobe@efi_pstore.service modprobe@fuse.service \
    modprobe@loop.service
# cloud-init 22.4's networkd renderer writes IPv6AcceptRA= only for DHCPv6, so a static
# network-config leaves router advertisements on, and systemd-networkd-wait-online then waits
# out three router solicitations (12 s) before cloud-init's network stage may start. The
# guest's one NIC is named eth0 (its network-config says set-name: eth0), so its file is
# 10-cloud-init-eth0.network and this drop-in turns that off.
mkdir -p "$root/etc/systemd/network/10-cloud-init-eth0.network.d"
printf '[Network]\nIPv6AcceptRA=no\n' >"$root/etc/systemd/network/10-cloud-init-eth0.network.d/90-liquidmetal.conf"
# The node image's side of the agent's contract: once cloud-init has read the user-data and
# applied the network (its config stage), print the ready marker on the serial console with the
# VM id from the kernel command line and the SHA-256 of the user-data cloud-init read. The agent
# marks the VM Running on it, or Failed when the hash is not the spec's.
mkdir -p "$root/usr/local/sbin"
cat >"$root/usr/local/sbin/liquidmetal-ready" <<'READY'
#!/bin/sh
id=$(sed -n 's/.*liquidmetal\.id=\([^ ]*\).*/\1/p' /proc/cmdline)
hash=$(cat /var/lib/cloud/instance/user-data.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
echo "LIQUIDMETAL-READY id=$id userdata-sha256=$hash" >/dev/ttyS0
READY
chmod 755 "$root/usr/local/sbin/liquidmetal-ready"
cat >"$root/etc/systemd/system/liquidmetal-ready.service" <<'UNIT'
[Unit]
Description=Tell the LiquidMetal agent this node is up
After=cloud-config.service
Wants=cloud-config.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/liquidmetal-ready

[Install]
WantedBy=cloud-init.target
UNIT
chroot "$root" systemctl enable --quiet liquidmetal-ready.service
# Stand-ins for kubeadm, containerd and the kubelet, which this guest does not have
# (kubeadm-standin/): they let LiquidMetal's kubeadm bootstrap run here and print, on the serial
# console, how it called them and what it found. Nothing of them runs unless a node's cloud-config
# writes the kubeadm bootstrap script, so other guests' consoles stay as they were.
install -m 755 "$here/kubeadm-standin/kubeadm" "$root/usr/local/bin/kubeadm"
install -m 755 "$here/kubeadm-standin/liquidmetal-standin-report" "$root/usr/local/sbin/liquidmetal-standin-report"
install -m 644 -t "$root/etc/systemd/system" "$here/kubeadm-standin/containerd.service" \
    "$here/kubeadm-standin/kubelet.service" "$here/kubeadm-standin/liquidmetal-standin-report.service"
chroot "$root" systemctl enable --quiet liquidmetal-standin-report.service
# mmdebstrap left the host's resolv.conf; systemd-resolved's stub takes its place.
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/log/"*.log
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package} ${Version}\n' >"$work/packages"

# A raw ext4 image: the files' size plus room for what cloud-init and the journal write.
used_kib=$(du -sk "$root" | cut -f1)
size_mib=$(( used_kib * 2 / 1024 + 64 ))
mke2fs -q -t ext4 -L lmroot -m 0 -E root_owner=0:0 -d "$root" "$work/rootfs.ext4" "${size_mib}M" >&2

# Kernel and initramfs.
unpack_kernel_and_busybox build-cloud.sh

initrd="$work/initrd"
mkdir -p "$initrd/bin" "$initrd/lib/modules" "$initrd/etc/liquidmetal"
cp "$busybox" "$initrd/bin/busybox"
install -m 755 "$here/cloud-initrd-init" "$initrd/init"
install_modules "$initrd"

mkdir -p "$out"
(cd "$initrd" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -9n >"$out/initrd.cpio.gz.tmp"
cp "$work/kernel/boot/vmlinuz-$kernel_version" "$out/vmlinuz.tmp"
mv "$work/rootfs.ext4" "$out/rootfs.ext4.tmp"
mv "$out/initrd.cpio.gz.tmp" "$out/initrd.cpio.gz"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/rootfs.ext4.tmp" "$out/rootfs.ext4"
echo "$kernel_version" >"$out/kernel-version"
cp "$work/packages" "$out/packages"
echo "$stamp" >"$out/stamp"
echo "build-cloud.sh: built in $(( SECONDS - started )) s ($(du -k --apparent-size "$out/rootfs.ext4" | cut -f1) KiB image, $used_kib KiB of files)" >&2
print_paths
