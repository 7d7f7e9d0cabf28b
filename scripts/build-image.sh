#!/usr/bin/env bash
# Builds the Dockerfile with buildah where no registry can be reached: the CLI is published here with the machine's
# .NET SDK (the Dockerfile's "prebuilt" stage copies it), and the runtime base, named as the Dockerfile names it, is
# assembled from Debian packages with mmdebstrap and imported once. Where registries answer, `docker build .` or
# `buildah build .` builds the same file the standard way.
#
#   scripts/build-image.sh [TAG]        TAG defaults to localhost/liquidmetal:dev
#
# Runs as root (buildah's chroot isolation and mmdebstrap). Rebuilds reuse buildah's layer cache: the package layer
# stays while the base does, the CLI layer while the published files do.
set -euo pipefail

tag=${1:-localhost/liquidmetal:dev}
base=${LIQUIDMETAL_IMAGE_BASE:-localhost/debian:bookworm-slim}
cd "$(dirname "$0")/.."

publish=artifacts/image/publish
dotnet publish src/LiquidMetal.Cli -c Release -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:SatelliteResourceLanguages=en -o "$publish" -nologo -clp:ErrorsOnly

if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
    # What makes debian:bookworm-slim slim: no documentation, manual pages or translations, no apt lists.
    rootfs=$(mktemp --suffix=.tar)
    trap 'rm -f "$rootfs"' EXIT
    echo "build-image: assembling $base from Debian packages (mmdebstrap, about a minute once)"
    mmdebstrap --quiet --variant=minbase \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
        bookworm "$rootfs"
    container=$(buildah from scratch)
    buildah add --quiet "$container" "$rootfs" / >/dev/null
    buildah config --cmd bash "$container"
    buildah commit --quiet --rm "$container" "$base" >/dev/null
fi

buildah build --quiet --isolation "${BUILDAH_ISOLATION:-chroot}" --layers \
    --target prebuilt --build-arg RUNTIME_IMAGE="$base" --tag "$tag" . >/dev/null
echo "build-image: $tag, $(buildah images --format '{{.Size}}' "$tag" | head -n 1)"
