# Sourced by build.sh and build-cloud.sh: Debian's cloud kernel and busybox, and the kernel
# modules an initramfs loads before anything else can. Part of both images' stamps.

# Sets kernel_pkg and kernel_version from the package behind $kernel_meta; $1 names the caller
# in messages. A fresh machine may have no package lists yet: then apt-get update, once.
resolve_kernel() {
    local who=$1
    kernel_pkg=$(apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    if [[ -z $kernel_pkg ]]; then
        apt-get update -qq >&2
        kernel_pkg=$(apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    fi
    [[ -n $kernel_pkg ]] || { echo "$who: cannot resolve the package behind $kernel_meta" >&2; exit 1; }
    kernel_version=${kernel_pkg#linux-image-}
}

# Downloads and unpacks the kernel and busybox-static into $work (kernel/, busybox/); sets
# busybox and moddir, and makes modules.dep (the .deb ships none: its postinst runs depmod).
unpack_kernel_and_busybox() {
    local who=$1
    (cd "$work" && apt-get download -qq "$kernel_pkg" busybox-static >&2 2>/dev/null) \
        || (cd "$work" && apt-get download "$kernel_pkg" busybox-static >&2)
    dpkg -x "$work"/linux-image-*.deb "$work/kernel"
    dpkg -x "$work"/busybox-static_*.deb "$work/busybox"
    busybox="$work/busybox/bin/busybox"
    moddir="$work/kernel/lib/modules/$kernel_version"
    [[ -d $moddir ]] || moddir="$work/kernel/usr/lib/modules/$kernel_version"
    [[ -d $moddir ]] || { echo "$who: no modules for $kernel_version in $kernel_pkg" >&2; exit 1; }
    "$busybox" depmod -b "${moddir%/lib/modules/*}" "$kernel_version"
}

# Copies $wanted_modules and their dependencies into $1/lib/modules, uncompressed (busybox
# insmod reads plain modules only), and lists them in load order, dependencies first, each
# once, in $1/etc/liquidmetal/modules.load. A module built into the kernel has no line in
# modules.dep and is skipped.
install_modules() {
    local into=$1 name path
    mkdir -p "$into/lib/modules" "$into/etc/liquidmetal"
    : >"$into/etc/liquidmetal/modules.load"
    declare -gA installed_modules=()
    for name in $wanted_modules; do
        path=$(awk -F: -v n="$name" '$1 ~ ("/" n "\\.ko(\\.[a-z]+)?$") { print $1; exit }' "$moddir/modules.dep")
        [[ -n $path ]] && install_module "$into" "$path"
    done
    return 0
}

install_module() {
    local into=$1 path=$2 dep base
    [[ -n ${installed_modules[$path]:-} ]] && return 0
    installed_modules[$path]=1
    for dep in $(awk -v p="$path:" '$1 == p { $1 = ""; print; exit }' "$moddir/modules.dep"); do
        install_module "$into" "$dep"
    done
    base=$(basename "$path")
    case "$base" in
        *.ko.xz) "$busybox" unxz -c "$moddir/$path" >"$into/lib/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.gz) gzip -dc "$moddir/$path" >"$into/lib/modules/${base%.gz}"; base=${base%.gz} ;;
        *) cp "$moddir/$path" "$into/lib/modules/$base" ;;
    esac
    echo "$base" >>"$into/etc/liquidmetal/modules.load"
}
