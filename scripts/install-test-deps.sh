#!/usr/bin/env bash
# Installs the Debian packages the tests need: QEMU to boot real microVMs, cpio to build the
# guest initramfs (scripts/guest-image/build.sh downloads the kernel and busybox .debs itself,
# so neither needs installing); mmdebstrap and e2fsprogs to build the cloud
# guest's root file system (build-cloud.sh), genisoimage for its NoCloud cidata volumes,
# iproute2 for the agent's bridges and taps and the tests' namespaces, iputils-ping for the demo's pings, cloud-init for
# checking the user-data and network-config the agent writes, age and openssl to check the reconciler's
# encrypted cluster secrets and certificates with tools that are not ours, for the Debian package's test what the
# package depends on (adduser, libssl3) and systemd for systemd-analyze, Go with sprig and yaml.v2 (sources) to build
# tests/helm-render, which renders the Helm chart as helm does, buildah to build the container image (its base
# assembled with mmdebstrap), and cmark-gfm and chromium to render the status branch's README in a browser. Idempotent: exits at once when all are there.
set -euo pipefail

packages=(qemu-system-x86 cpio mmdebstrap e2fsprogs genisoimage iproute2 iputils-ping cloud-init age openssl adduser libssl3 systemd
    golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev buildah cmark-gfm chromium)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-test-deps: ${packages[*]} already installed"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-test-deps: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi

echo "install-test-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The host wants cloud-init's commands, not cloud-init configuring the host at its next boot.
if [[ " ${missing[*]} " == *" cloud-init "* ]]; then
    "${sudo[@]}" touch /etc/cloud/cloud-init.disabled
fi
echo "install-test-deps: done"
