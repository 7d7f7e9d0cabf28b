#!/usr/bin/env bash
# Two sleds on one switch, by hand: boots one cloud guest (build-cloud.sh) in each of two
# network namespaces and checks that cloud-init gave each its address, gateway, DNS server
# and hostname from a NoCloud cidata volume, and that each guest can ping the other.
#
#   namespace A: bridge br0 -- tap0 -- QEMU microvm "node-a" 10.77.0.11/24
#        |  veth pair (the switch between the sleds)
#   namespace B: bridge br0 -- tap0 -- QEMU microvm "node-b" 10.77.0.12/24
#
# Each tap is made beforehand (ip tuntap add ... mode tap) and opened by QEMU with
# ifname=tap0,script=no,downscript=no, as the agent does. Each guest's runcmd prints
#   LIQUIDMETAL-NET host=<hostname> addr=<cidr> gw=<gateway> dns=<servers>
#   LIQUIDMETAL-PING-OK <peer>            (or LIQUIDMETAL-PING-FAILED <peer>)
# on its serial console; this script reads both consoles for them and prints, per guest, the
# seconds from QEMU's start to the kernel, systemd, systemd-networkd-wait-online being done
# (the address is up), cloud-init's network stage, the ping and cloud-init's "finished". Namespaces, taps and QEMU processes go
# on every exit path; the logs stay when something failed (or LIQUIDMETAL_KEEP_LOGS=1).
#
#   LIQUIDMETAL_ACCEL    kvm or tcg (default: kvm when /dev/kvm is usable, else tcg)
#   LIQUIDMETAL_TIMEOUT  seconds to wait for both guests (default 600)
#
# Needs root, qemu-system-x86, iproute2 and genisoimage (scripts/install-test-deps.sh); builds
# the guest first if it is not cached. Under TCG on two cores, one guest on each, a whole run
# took 36 to 44 s on a quiet machine (cloud-init "finished", ping included, 35 to 42 s after
# each QEMU started) and 62 to 74 s while other work kept the load average at 3 to 9.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout=${LIQUIDMETAL_TIMEOUT:-600}
accel=${LIQUIDMETAL_ACCEL:-}
if [[ -z $accel ]]; then
    if [[ -r /dev/kvm && -w /dev/kvm ]]; then accel=kvm; else accel=tcg; fi
fi

[[ $(id -u) -eq 0 ]] || { echo "try-cloud-net.sh: needs root (network namespaces, taps)" >&2; exit 1; }
for tool in qemu-system-x86_64 ip genisoimage; do
    command -v "$tool" >/dev/null || { echo "try-cloud-net.sh: $tool is missing; run scripts/install-test-deps.sh" >&2; exit 1; }
done

guest=$("$here/build-cloud.sh")
kernel=$(sed -n 's/^kernel=//p' <<<"$guest")
initrd=$(sed -n 's/^initrd=//p' <<<"$guest")
rootfs=$(sed -n 's/^rootfs=//p' <<<"$guest")

# The guests: name, address, MAC (02: locally administered, then the address in hex).
names=(node-a node-b)
addresses=(10.77.0.11 10.77.0.12)
macs=(02:00:0a:4d:00:0b 02:00:0a:4d:00:0c)
prefix=24
gateway=10.77.0.1
dns=10.77.0.1

work=$(mktemp -d "${TMPDIR:-/tmp}/try-cloud-net.XXXXXX")
# Namespace names carry this run's id, so two runs (or two people) on one machine never meet.
run_id=$$
namespaces=()
pids=()
passed=false

cleanup() {
    local pid ns
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    # Deleting a namespace deletes its bridge, tap and veth end with it.
    for ns in "${namespaces[@]}"; do
        ip netns delete "$ns" 2>/dev/null || true
    done
    if [[ $passed == true && -z ${LIQUIDMETAL_KEEP_LOGS:-} ]]; then
        rm -rf "$work"
    else
        echo "try-cloud-net.sh: logs kept in $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two sleds, each a namespace with a bridge; a veth pair joins the bridges.
for i in 0 1; do
    ns="lm-sled$i-$run_id"
    ip netns add "$ns"
    namespaces+=("$ns")
    ip -n "$ns" link set lo up
    ip -n "$ns" link add br0 type bridge forward_delay 0 stp_state 0
    ip -n "$ns" tuntap add dev tap0 mode tap
    ip -n "$ns" link set tap0 master br0
done
ip -n "${namespaces[0]}" link add uplink type veth peer name uplink netns "${namespaces[1]}"
for ns in "${namespaces[@]}"; do
    ip -n "$ns" link set uplink master br0
    for link in br0 tap0 uplink; do
        ip -n "$ns" link set "$link" up
    done
done

# One NoCloud volume per guest.
for i in 0 1; do
    name=${names[$i]} address=${addresses[$i]} mac=${macs[$i]}
    peer=${addresses[$((1 - i))]}
    seed="$work/$name/cidata"
    mkdir -p "$seed"
    cat >"$seed/meta-data" <<EOF
instance-id: $name
local-hostname: $name
EOF
    cat >"$seed/network-config" <<EOF
version: 2
ethernets:
  eth0:
    match:
      macaddress: "$mac"
    set-name: eth0
    addresses: [$address/$prefix]
    routes:
      - to: 0.0.0.0/0
        via: $gateway
    nameservers:
      addresses: [$dns]
      search: [sleds.test]
EOF
    # The peer boots at the same time, so ping until it answers (or two minutes pass).
    cat >"$seed/user-data" <<EOF
#cloud-config
write_files:
  - path: /usr/local/sbin/liquidmetal-ping-peer
    permissions: "0755"
    content: |
      #!/bin/sh
      peer=\$1
      addr=\$(ip -4 -o addr show dev eth0 | awk '{ print \$4 }')
      gw=\$(ip -4 route show default | awk '{ print \$3 }')
      dns=\$(resolvectl dns eth0 | sed 's/^[^:]*: *//')
      printf '\nLIQUIDMETAL-NET host=%s addr=%s gw=%s dns=%s\n' "\$(hostname)" "\$addr" "\$gw" "\$dns" >/dev/console
      tries=0
      while [ \$tries -lt 120 ]; do
        if ping -c 1 -W 1 "\$peer" >/dev/null 2>&1; then
          printf '\nLIQUIDMETAL-PING-OK %s\n' "\$peer" >/dev/console
          exit 0
        fi
        tries=\$((tries + 1))
        sleep 1
      done
      printf '\nLIQUIDMETAL-PING-FAILED %s\n' "\$peer" >/dev/console
      exit 1
runcmd:
  - [/usr/local/sbin/liquidmetal-ping-peer, "$peer"]
EOF
    genisoimage -quiet -output "$work/$name/cidata.iso" -volid cidata -joliet -rock \
        "$seed/meta-data" "$seed/user-data" "$seed/network-config"
done

# The agent's command line (QemuCommandLine.cs) plus the cidata volume as a second disk.
start_ns=()
for i in 0 1; do
    name=${names[$i]} dir="$work/${names[$i]}"
    args=(
        -name "guest=$name,debug-threads=off"
        -M microvm -accel "$accel"
    )
    [[ $accel == kvm ]] && args+=(-cpu host)
    # shellcheck disable=SC2054 # commas separate QEMU sub-options, not array items
    args+=(
        -m 512M -smp 1
        -nodefaults -no-user-config -nographic
        -kernel "$kernel" -initrd "$initrd"
        -append "console=ttyS0 tsc_early_khz=2600000 liquidmetal.id=$name root=/dev/vda rw"
        -chardev "socket,id=console,path=$dir/console.sock,server=on,wait=off,logfile=$dir/console.log"
        -serial chardev:console
        -qmp "unix:$dir/qmp.sock,server=on,wait=off"
        -drive "id=root,file=$rootfs,format=raw,if=none,snapshot=on"
        -device virtio-blk-device,drive=root
        -drive "id=cidata,file=$dir/cidata.iso,format=raw,if=none,readonly=on"
        -device virtio-blk-device,drive=cidata
        -netdev tap,id=net0,ifname=tap0,script=no,downscript=no
        -device "virtio-net-device,netdev=net0,mac=${macs[$i]}"
    )
    printf '%q ' qemu-system-x86_64 "${args[@]}" >"$dir/qemu.cmdline"
    start_ns+=("$(date +%s%N)")
    ip netns exec "${namespaces[$i]}" qemu-system-x86_64 "${args[@]}" >"$dir/qemu.out" 2>&1 &
    pids+=("$!")
done

# What to time on each console, in boot order: label and extended regular expression.
labels=(kernel systemd network-up cloud-init-net ping cloud-init-done)
patterns=(
    'Linux version'
    'Welcome to'
    'Finished.*Wait for Network to be Configured'
    "Cloud-init v\\. [0-9.]+ running 'init' "
    'LIQUIDMETAL-PING-(OK|FAILED)'
    'Cloud-init v\. [0-9.]+ finished at'
)
declare -A seen=()
deadline=$((SECONDS + timeout))
failure=
while :; do
    now=$(date +%s%N)
    done_count=0
    for i in 0 1; do
        log="$work/${names[$i]}/console.log"
        for j in "${!labels[@]}"; do
            key="$i.${labels[$j]}"
            if [[ -z ${seen[$key]:-} ]] && grep -a -q -E "${patterns[$j]}" "$log" 2>/dev/null; then
                seen[$key]=$(( (now - start_ns[i]) / 1000000 ))
            fi
        done
        [[ -n ${seen[$i.cloud-init-done]:-} ]] && done_count=$((done_count + 1))
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            failure="QEMU for ${names[$i]} exited early: $(tail -n 3 "$work/${names[$i]}/qemu.out")"
        elif grep -a -q -E 'LIQUIDMETAL-INITRD-FAILED|Kernel panic' "$log" 2>/dev/null; then
            failure="${names[$i]} did not boot: $(grep -a -m1 -E 'LIQUIDMETAL-INITRD-FAILED|Kernel panic' "$log")"
        fi
    done
    [[ -n $failure || $done_count -eq 2 ]] && break
    if (( SECONDS >= deadline )); then
        failure="timed out after $timeout s"
        break
    fi
    sleep 0.2
done

echo "try-cloud-net.sh: accel=$accel; seconds from QEMU start:"
printf '  %-8s' guest
printf ' %16s' "${labels[@]}"
echo
for i in 0 1; do
    printf '  %-8s' "${names[$i]}"
    for label in "${labels[@]}"; do
        ms=${seen[$i.$label]:-}
        if [[ -n $ms ]]; then printf ' %16s' "$(printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100)))"; else printf ' %16s' -; fi
    done
    echo
done

# Each guest must report the address, gateway, DNS server and hostname it was given, and
# have reached its peer.
for i in 0 1; do
    log="$work/${names[$i]}/console.log"
    want_net="LIQUIDMETAL-NET host=${names[$i]} addr=${addresses[$i]}/$prefix gw=$gateway dns=$dns"
    want_ping="LIQUIDMETAL-PING-OK ${addresses[$((1 - i))]}"
    got_net=$(grep -a -o -m1 'LIQUIDMETAL-NET .*' "$log" | tr -d '\r' || true)
    echo "  ${names[$i]}: ${got_net:-no LIQUIDMETAL-NET line}"
    if [[ $got_net != "$want_net" ]]; then
        failure="${failure:+$failure; }${names[$i]} reported '${got_net:-nothing}', expected '$want_net'"
    fi
    if grep -a -q -x -F "$want_ping" <(tr -d '\r' <"$log"); then
        echo "  ${names[$i]}: $want_ping"
    else
        failure="${failure:+$failure; }${names[$i]} did not print '$want_ping'"
    fi
done

if [[ -n $failure ]]; then
    echo "try-cloud-net.sh: FAILED: $failure" >&2
    exit 1
fi
passed=true
echo "try-cloud-net.sh: passed in $SECONDS s"
