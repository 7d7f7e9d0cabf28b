#!/usr/bin/env bash
# Installs a liquidmetal .deb with dpkg, checks what it made, runs it, then removes and purges it and checks that
# nothing is left. All of it happens in a throwaway copy of this machine's root: a private mount namespace with
# overlays on /etc, /usr and /var, so dpkg, adduser and the maintainer scripts run for real while the machine
# itself never changes, whether the checks pass or not. systemd, if it runs here, is hidden from the scripts, and the
# services it starts briefly have a network namespace of their own (loopback only: no port here is taken).
#
# Usage (as root): packaging/test-deb.sh artifacts/deb/liquidmetal_<version>_amd64.deb
# Exit 0 when every check passed; 1 with each failure on stderr; 2 when it cannot run here.
set -euo pipefail

deb=$(realpath "${1:?usage: test-deb.sh PACKAGE.deb}")
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${LM_TEST_DEB_SCRATCH:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "test-deb: needs root (dpkg, adduser and mounts)" >&2; exit 2; }
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
        { echo "test-deb: needs overlayfs for its throwaway root" >&2; exit 2; }
    scratch=$(mktemp -d /tmp/lm-test-deb.XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
    status=0
    LM_TEST_DEB_SCRATCH=$scratch unshare --mount --propagation private --net -- "$0" "$deb" || status=$?
    exit "$status"
fi

# ---- inside the namespaces ----
scratch=$LM_TEST_DEB_SCRATCH
ip link set lo up
mkdir -p "$scratch/original"
mount --bind / "$scratch/original" # the machine as it was, to compare with at the end
for dir in etc usr var; do
    mkdir -p "$scratch/upper/$dir" "$scratch/work/$dir"
    mount -t overlay "lm-test-$dir" -o "lowerdir=/$dir,upperdir=$scratch/upper/$dir,workdir=$scratch/work/$dir" "/$dir"
done
# The maintainer scripts talk to systemd when /run/systemd/system exists: here it does, in a /run of the
# namespace's own, and their systemctl is a stand-in that notes what it was asked (systemd itself, if it runs on
# this machine, never hears of the throwaway units).
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system "$scratch/bin"
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$scratch/systemctl.log" >"$scratch/bin/systemctl"
chmod +x "$scratch/bin/systemctl"
export PATH="$scratch/bin:$PATH"

checks=0
failures=0
fail() {
    echo "test-deb: FAIL: $*" >&2
    failures=$((failures + 1))
}
expect() { # expect WHAT ACTUAL WANTED
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
}
step() { echo "test-deb: $*"; }
run() { # run WHAT COMMAND...: the command must exit 0; its output is shown only when it does not
    checks=$((checks + 1))
    local output
    output=$("${@:2}" 2>&1) || fail "$1: '${*:2}' failed: $output"
}
mode() { stat -c '%a %U:%G' "$1" 2>/dev/null || echo missing; }
exists() { if [ -e "$1" ] || [ -L "$1" ]; then echo present; else echo absent; fi; }
systemctl_asked() { # what the maintainer scripts asked systemctl since the last call, on one line
    local asked
    asked=$(paste -sd';' "$scratch/systemctl.log" 2>/dev/null || true)
    rm -f "$scratch/systemctl.log"
    echo "$asked"
}
package_status() { dpkg-query -W -f='${db:Status-Abbrev}' liquidmetal 2>/dev/null || echo unknown; }

units=(/lib/systemd/system/liquidmetal-agent.service /lib/systemd/system/liquidmetal-reconciler.service)
confs=(/etc/liquidmetal/agent.env /etc/liquidmetal/reconciler.env)

step "install $(basename "$deb")"
run "dpkg -i" dpkg -i "$deb"
expect "package status" "$(package_status)" "ii "
[ "$(package_status)" = "ii " ] || { echo "test-deb: cannot go on without the package installed" >&2; exit 1; }
expect "systemctl on install (nothing enabled or started)" "$(systemctl_asked)" "daemon-reload"
for conf in "${confs[@]}"; do
    checks=$((checks + 1))
    dpkg-query -W -f='${Conffiles}\n' liquidmetal | grep -q "^ $conf " || fail "$conf is not a conffile"
done

step "the user, files and folders"
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd liquidmetal || echo ::::::)"
checks=$((checks + 1))
{ [ -n "$uid" ] && [ "$uid" -lt 1000 ]; } || fail "liquidmetal is not a system user (uid '$uid')"
expect "liquidmetal's group" "$(getent group "$gid" | cut -d: -f1)" liquidmetal
expect "liquidmetal's home" "$home" /var/lib/liquidmetal/reconciler
expect "liquidmetal's shell" "$shell" /usr/sbin/nologin
expect "/usr/bin/liquidmetal" "$(readlink -f /usr/bin/liquidmetal)" /usr/lib/liquidmetal/liquidmetal
while read -r path wanted; do
    expect "$path" "$(mode "$path")" "$wanted"
done <<'EOF'
/usr/lib/liquidmetal/liquidmetal 755 root:root
/usr/lib/liquidmetal/liquidmetal.dll 644 root:root
/lib/systemd/system/liquidmetal-agent.service 644 root:root
/lib/systemd/system/liquidmetal-reconciler.service 644 root:root
/etc/liquidmetal/agent.env 644 root:root
/etc/liquidmetal/reconciler.env 644 root:root
/etc/liquidmetal/agent 700 root:root
/etc/liquidmetal/reconciler 750 root:liquidmetal
/var/lib/liquidmetal 755 root:root
/var/lib/liquidmetal/agent 700 root:root
/var/lib/liquidmetal/images 755 root:root
/var/lib/liquidmetal/reconciler 750 liquidmetal:liquidmetal
EOF

step "run the installed program"
run "liquidmetal --help" liquidmetal --help
checks=$((checks + 1))
for command in validate render plan status reconcile agent; do
    liquidmetal --help | grep -q "^  $command " || fail "liquidmetal --help does not list $command"
done
run "validate as user liquidmetal" setpriv --reuid liquidmetal --regid liquidmetal --clear-groups \
    liquidmetal validate "$here/../fleet-example"

step "start each service's command as its unit does (ExecStart, Environment, its env file, user, capabilities)"
# Until it serves (its first line saying so), then SIGTERM: it must stop with exit 0.
serve() { # serve NAME UNIT READY-TEXT RUNNER...
    local name=$1 unit=/lib/systemd/system/$2 ready=$3 log="$scratch/$1.log" pid
    shift 3
    (
        eval "$(sed -n 's/^Environment=/export /p' "$unit")"
        set -a
        # shellcheck disable=SC1090
        . "/etc/liquidmetal/$name.env"
        set +a
        eval "set -- $* $(sed -n 's/^ExecStart=//p' "$unit")"
        exec "$@"
    ) >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 60); do
        grep -q "$ready" "$log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    checks=$((checks + 1))
    grep -q "$ready" "$log" || fail "$name did not start as its unit runs it: $(cat "$log")"
    kill -TERM "$pid" 2>/dev/null || true
    local code=0
    wait "$pid" || code=$?
    expect "$name's exit code on SIGTERM" "$code" 0
}
serve agent liquidmetal-agent.service "listening on" setpriv --bounding-set=-all,+net_admin --no-new-privs --
git init --quiet --bare --initial-branch=main "$scratch/fleet.git"
cp -r "$here/../fleet-example" "$scratch/"
git -C "$scratch/fleet-example" init --quiet --initial-branch=main
git -C "$scratch/fleet-example" add -A
git -C "$scratch/fleet-example" -c user.name=test -c user.email=test@example.com commit --quiet -m fleet
git -C "$scratch/fleet-example" push --quiet "$scratch/fleet.git" main
chown -R liquidmetal:liquidmetal "$scratch/fleet.git"
sed -i "s|^LIQUIDMETAL_REPO=.*|LIQUIDMETAL_REPO=$scratch/fleet.git|" /etc/liquidmetal/reconciler.env
serve reconciler liquidmetal-reconciler.service "^reconciling " \
    setpriv --reuid liquidmetal --regid liquidmetal --init-groups --bounding-set=-all --no-new-privs --
checks=$((checks + 1))
compgen -G "/var/lib/liquidmetal/reconciler/liquidmetal/mirrors/*.git" >/dev/null ||
    fail "the reconciler made no mirror in its state folder"

step "systemd-analyze verify the installed units"
checks=$((checks + 1))
if verify=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) && [ -z "$verify" ]; then :; else
    fail "systemd-analyze verify: ${verify:-exit code not 0}"
fi

step "enable the services as systemctl enable would: a link each (purge must remove them)"
mkdir -p /etc/systemd/system/multi-user.target.wants
for unit in "${units[@]}"; do
    ln -s "$unit" "/etc/systemd/system/multi-user.target.wants/$(basename "$unit")"
done

step "install again (an upgrade in place: the scripts run a second time)"
run "dpkg -i again" dpkg -i "$deb"
expect "package status after reinstall" "$(package_status)" "ii "
expect "systemctl on upgrade" "$(systemctl_asked)" \
    "daemon-reload;try-restart liquidmetal-agent.service liquidmetal-reconciler.service"

step "remove"
run "dpkg -r" dpkg -r liquidmetal
expect "package status after remove" "$(package_status)" "rc "
expect "systemctl on remove" "$(systemctl_asked)" "stop liquidmetal-agent.service liquidmetal-reconciler.service;daemon-reload"
for path in /usr/bin/liquidmetal /usr/lib/liquidmetal "${units[@]}"; do
    expect "$path after remove" "$(exists "$path")" absent
done
for path in "${confs[@]}" /var/lib/liquidmetal/reconciler; do
    expect "$path after remove (kept until purge)" "$(exists "$path")" present
done
checks=$((checks + 1))
getent passwd liquidmetal >/dev/null || fail "user liquidmetal is gone after remove (it goes on purge)"

step "purge"
run "dpkg -P" dpkg -P liquidmetal
expect "package status after purge" "$(package_status)" unknown
expect "systemctl on purge" "$(systemctl_asked)" "daemon-reload"
for path in /etc/liquidmetal /var/lib/liquidmetal; do
    expect "$path after purge" "$(exists "$path")" absent
done
for unit in "${units[@]}"; do
    expect "enablement link of $(basename "$unit") after purge" \
        "$(exists "/etc/systemd/system/multi-user.target.wants/$(basename "$unit")")" absent
done
expect "user liquidmetal after purge" "$(getent passwd liquidmetal || echo absent)" absent
expect "group liquidmetal after purge" "$(getent group liquidmetal || echo absent)" absent

step "nothing left: every file the package's life changed is dpkg's own record or as it was"
checks=$((checks + 1))
left=()
while IFS= read -r -d '' entry; do
    path=${entry#"$scratch/upper/"}
    case "$path" in
    var/lib/dpkg/* | var/log/dpkg.log) continue ;; # dpkg's database and log: it remembers what it did
    etc/passwd- | etc/group- | etc/shadow- | etc/gshadow-) continue ;; # the account tools' backups
    esac
    original="$scratch/original/$path"
    if [ -d "$entry" ] && [ ! -L "$entry" ]; then
        [ -d "$original" ] || left+=("/$path/")
    elif [ -c "$entry" ]; then
        left+=("/$path (deleted)") # an overlay whiteout: a file of the machine is gone
    elif [ -L "$entry" ]; then
        [ "$(readlink "$entry")" = "$(readlink "$original" 2>/dev/null)" ] || left+=("/$path")
    else
        cmp -s "$entry" "$original" || left+=("/$path")
    fi
done < <(find "$scratch/upper" -mindepth 2 -print0)
[ ${#left[@]} -eq 0 ] || fail "left behind or changed after purge: ${left[*]}"

echo "test-deb: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
