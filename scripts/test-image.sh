#!/usr/bin/env bash
# Checks a built liquidmetal image as the chart runs it: the user and entrypoint of its configuration, then
# `liquidmetal --help` and `liquidmetal validate` on fleet-example run in the image's root as UID/GID 10001, that root
# mounted read-only with a tmpfs on /tmp (the chart's emptyDir) and the fleet bound in; then git, ssh and gpg there,
# no .NET SDK, and the size. buildah mounts the image; the process runs under chroot in a mount namespace of its
# own, which is what an OCI runtime would set up, so the checks hold where crun or runc cannot start a container.
#
# Usage (as root): scripts/test-image.sh [IMAGE]    IMAGE defaults to localhost/liquidmetal:dev
# Exit 0 when every check passed (last line "N passed, 0 failed"); 1 with each failure on stderr; 2 when it cannot run.
set -euo pipefail

image=${1:-localhost/liquidmetal:dev}
repo=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test-image: needs root (buildah mount, chroot)" >&2; exit 2; }

checks=0
failures=0
fail() {
    echo "test-image: FAIL: $*" >&2
    failures=$((failures + 1))
}
expect() { # expect WHAT ACTUAL WANTED
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
}

expect "user" "$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$image")" "10001:10001"
expect "entrypoint" "$(buildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$image")" "[liquidmetal]"

container=$(buildah from --pull-never "$image")
trap 'buildah umount "$container" >/dev/null 2>&1; buildah rm "$container" >/dev/null 2>&1' EXIT
root=$(buildah mount "$container")

# in_image COMMAND...: runs COMMAND in the image as the chart does; prints its output, returns its exit code.
in_image() {
    unshare --mount --propagation private --fork -- bash -c '
        set -e
        root=$1 fleet=$2
        shift 2
        mount --bind "$root" "$root"
        mount -o remount,bind,ro "$root"
        mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
        mount -t tmpfs -o mode=0755,uid=10001,gid=10001 tmpfs "$root/var/lib/liquidmetal/mirror"
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mkdir "$root/tmp/fleet"
        mount --bind -o ro "$fleet" "$root/tmp/fleet"
        exec chroot --userspec=10001:10001 "$root" /usr/bin/env -i HOME=/tmp \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
    ' in-image "$root" "$repo/fleet-example" "$@" 2>&1
}

checks=$((checks + 1))
help=$(in_image sh -c 'cd /var/lib/liquidmetal && liquidmetal --help') || fail "liquidmetal --help: $help"
case $help in *reconcile*) ;; *) fail "liquidmetal --help does not name reconcile: $help" ;; esac

checks=$((checks + 1))
valid=$(in_image liquidmetal validate /tmp/fleet) || fail "liquidmetal validate fleet-example: $valid"
echo "test-image: validate: $valid"

expect "runs as" "$(in_image id -u):$(in_image id -g)" "10001:10001"
expect "root is read-only" "$(in_image sh -c 'touch /opt/x 2>/dev/null && echo writable || echo read-only')" "read-only"
for tool in 'git --version' 'ssh -V' 'ssh-keygen -Y 2>&1 | grep -q find-principals' 'gpg --version'; do
    checks=$((checks + 1))
    out=$(in_image sh -c "$tool") || fail "'$tool' fails in the image: $out"
done
checks=$((checks + 1))
sdk=$(find "$root" -xdev \( -name 'dotnet' -o -name 'sdk' -path '*dotnet*' -o -name 'Microsoft.NET.Sdk' \) -print -quit)
[ -z "$sdk" ] || fail "a .NET SDK or host is in the image: $sdk"
expect "passwd" "$(grep '^liquidmetal:' "$root/etc/passwd" | cut -d: -f3,4)" "10001:10001"

echo "test-image: $image, $(buildah images --format '{{.Size}}' "$image" | head -n 1), $(du -sm --apparent-size "$root" | cut -f1) MiB on disk"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
