#!/usr/bin/env bash
# Builds liquidmetal_<version>_amd64.deb with dpkg-deb from a self-contained linux-x64 publish of the CLI
# (make deb). Prints the package's path. The version is what the program says (`liquidmetal --version`),
# without its build metadata, unless DEB_VERSION gives one.
set -euo pipefail

publish=${1:?usage: build-deb.sh PUBLISH_DIR OUT_DIR}
out=${2:?usage: build-deb.sh PUBLISH_DIR OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
maintainer=${DEB_MAINTAINER:-LiquidMetal developers <liquidmetal@localhost>}

[ -x "$publish/liquidmetal" ] || { echo "build-deb: no executable $publish/liquidmetal (make deb publishes it)" >&2; exit 1; }
version=${DEB_VERSION:-$("$publish/liquidmetal" --version)}
version=${version%%+*}

stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/usr/lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/liquidmetal" \
    "$stage/usr/share/doc/liquidmetal"

# The program and its runtime in their own folder, on PATH through a link (the host finds its files beside the
# link's target). LTTng tracing support is left out: it needs liblttng-ust, which nothing here installs.
cp -a "$publish" "$stage/usr/lib/liquidmetal"
rm -f "$stage/usr/lib/liquidmetal/libcoreclrtraceptprovider.so"
ln -s ../lib/liquidmetal/liquidmetal "$stage/usr/bin/liquidmetal"

install -m 0644 "$here"/systemd/liquidmetal-agent.service "$here"/systemd/liquidmetal-reconciler.service "$stage/lib/systemd/system/"
install -m 0644 "$here"/config/agent.env "$here"/config/reconciler.env "$stage/etc/liquidmetal/"
install -m 0644 "$here/debian/conffiles" "$stage/DEBIAN/conffiles"
install -m 0755 "$here"/debian/postinst "$here"/debian/prerm "$here"/debian/postrm "$stage/DEBIAN/"
printf 'LiquidMetal %s, with the .NET runtime (MIT) and the libraries listed in /usr/lib/liquidmetal/liquidmetal.deps.json.\n' \
    "$version" >"$stage/usr/share/doc/liquidmetal/copyright"

# Modes as policy wants them whatever the umask of the checkout: directories 755, files 644 unless executable.
find "$stage" -path "$stage/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
find "$stage/usr/lib/liquidmetal" -type f ! -perm -u+x -exec chmod 0644 {} +
find "$stage/usr/lib/liquidmetal" -type f -perm -u+x -exec chmod 0755 {} +

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
    "$here/debian/control.in" >"$stage/DEBIAN/control"

deb="$out/liquidmetal_${version}_amd64.deb"
rm -f "$out"/liquidmetal_*_amd64.deb
# Owned by root whoever builds it. zstd, which dpkg reads since Debian 12 (and the libssl3 the runtime needs is
# no older): 53 MB in 2 s here, where xz takes 18 s for 46 MB (-z3) and about a minute for 42 MB (its default).
dpkg-deb --root-owner-group -Zzstd -z9 --build "$stage" "$deb" >/dev/null
rm -rf "$stage"
echo "$deb"
