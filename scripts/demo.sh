#!/usr/bin/env bash
# The demo: validate fleet-example, render what each host runs, plan a pull request that scales a
# worker pool, then run the real loop: a fleet repo, one `liquidmetal agent` per host, `liquidmetal
# reconcile`, the change pushed and converged, and the status branch's history at the end.
# The agents boot real QEMU microVMs (the test guest image) where QEMU and the image are installed
# (`make test-deps`), else they simulate them (the sim provider) and say so. DEMO_PROVIDER=sim|qemu forces one.
set -euo pipefail
cli=$(realpath "${1:?usage: demo.sh PATH-TO-liquidmetal}")
cd "$(dirname "$0")/.."
run() { echo; echo "\$ liquidmetal $*"; "$cli" "$@"; }
say() { echo; echo "== $*"; }

work=artifacts/demo
rm -rf "$work" && mkdir -p "$work"
work=$(realpath "$work")

say "1. validate and render fleet-example"
run validate fleet-example
run render fleet-example --out "$work/rendered"
echo; echo "one document per host in $work/rendered:"; ls "$work/rendered"
echo; echo "--- sled-1.yaml (first 30 lines)"; head -n 30 "$work/rendered/sled-1.yaml"

say "2. a pull request: cluster-b gets a fourth worker"
cp -r fleet-example "$work/head"
sed -i 's/^\(\s*replicas:\) 3\(\s*# demo: workers\)/\1 4\2/' "$work/head/clusters/cluster-b.yaml"
if cmp -s fleet-example/clusters/cluster-b.yaml "$work/head/clusters/cluster-b.yaml"; then
  echo "demo: could not find cluster-b's worker pool to scale" >&2; exit 1
fi
diff -u fleet-example/clusters/cluster-b.yaml "$work/head/clusters/cluster-b.yaml" || true
set +e
run plan fleet-example "$work/head" --previous "$work/rendered" --format markdown
code=$?
set -e
echo; echo "plan exit code: $code (0 no change, 1 changes, 2 invalid)"
[ "$code" -eq 1 ]

say "2b. kubeadm: cluster-b without its own user-data is bootstrapped by LiquidMetal; then a pull request upgrades its Kubernetes"
cp -r fleet-example "$work/kubeadm"
awk '/^  bootstrap:/ { skip = 1; next } skip && /^  [a-z]/ { skip = 0 } !skip' fleet-example/clusters/cluster-b.yaml >"$work/kubeadm/clusters/cluster-b.yaml"
run validate "$work/kubeadm"
run render "$work/kubeadm" --out "$work/kubeadm-rendered" >/dev/null
echo; echo "--- cluster-b-cp-1's cloud-config (its CA keys and token are slots the reconciler fills when it applies; Git never holds them):"
awk '/^  - id: cluster-b-cp-1$/ { on = 1 } on && /userData:/ { print_it = 1 } print_it { print } print_it && ++n == 24 { exit }' "$work/kubeadm-rendered/sled-1.yaml" || true
cp -r "$work/kubeadm" "$work/kubeadm-head"
sed -i 's/^spec:$/spec:\n  kubernetes:\n    version: v1.32.1/' "$work/kubeadm-head/clusters/cluster-b.yaml"
set +e
run plan "$work/kubeadm" "$work/kubeadm-head" --previous "$work/kubeadm-rendered" | sed -n '1,8p'
set -e

guest=${LIQUIDMETAL_GUEST_DIR:-$HOME/.cache/liquidmetal/guest}
cloud=${LIQUIDMETAL_CLOUD_GUEST_DIR:-$HOME/.cache/liquidmetal/cloud-guest}
provider=${DEMO_PROVIDER:-}
if [ -z "$provider" ]; then
  if command -v qemu-system-x86_64 >/dev/null && [ -f "$guest/vmlinuz" ]; then provider=qemu; else provider=sim; fi
fi
if [ "$provider" = qemu ]; then
  say "3. the real loop: five agents booting real QEMU microVMs (TCG: a few seconds each), a fleet repo, the reconciler"
  images="$guest"
else
  say "3. the real loop: five agents with SIMULATED VMs (QEMU or the guest image is missing: run make test-deps for real ones), a fleet repo, the reconciler"
  images=/var/lib/liquidmetal/images
fi
# Agents keep their state (and QEMU its control sockets) in a short folder: socket paths must fit in 107 bytes.
agents=$(mktemp -d /tmp/lm-demo.XXXXXX)
pids=()
made_bridge=
cleanup() {
  # The guests' serial consoles stay for reading after the demo: artifacts/demo/consoles/<host>-<vm>.log.
  mkdir -p "$work/consoles"
  for log in "$agents"/*/vms/*/console.log; do
    [ -f "$log" ] || continue
    vm=${log%/console.log}; host=${vm%/vms/*}
    cp "$log" "$work/consoles/${host##*/}-${vm##*/}.log"
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # VMs outlive their agents by design; the demo's do not outlive the demo, nor do the taps their agents made.
  pkill -f -- "$agents/" 2>/dev/null || true
  sleep 0.5
  for tap in $(ip -o link show 2>/dev/null | grep -o 'lm[0-9a-f]\{13\}' | sort -u); do
    grep -qs -- "$agents/" "/sys/class/net/$tap/ifalias" && ip link delete "$tap" 2>/dev/null || true
  done
  [ -n "$made_bridge" ] && ip link delete "$made_bridge" 2>/dev/null || true
  rm -rf "$agents"
}
trap cleanup EXIT
if [ "$provider" = qemu ]; then
  # The fleet's network says its VMs join bridge br-lab on every sled; here the five "sleds" share this machine, so
  # one bridge stands for the site's switch. An agent refuses a VM whose bridge is missing, so make it for the demo.
  if ! ip link show br-lab >/dev/null 2>&1; then
    # 10.20.1.1 is the network's gateway: this machine, so it can reach every node at its rendered address.
    { ip link add br-lab type bridge && made_bridge=br-lab && ip addr add 10.20.1.1/24 dev br-lab && ip link set br-lab up; } \
      || { echo "demo: could not create bridge br-lab (the QEMU demo runs as root: taps and bridges need CAP_NET_ADMIN)" >&2; exit 1; }
  fi
fi
git init --quiet --bare --initial-branch=main "$work/fleet.git"
git clone --quiet "$work/fleet.git" "$work/clone" 2>/dev/null
cp -r fleet-example/. "$work/clone/"
cloud_dir=()
[ -d "$cloud" ] && cloud_dir=(--image-dir "$cloud")
for host in sled-1 sled-2 sled-3 sled-4 sled-5; do
  log="$work/agent-$host.log"
  "$cli" agent --state-dir "$agents/$host" --listen 127.0.0.1:0 --host-name "$host" --provider "$provider" --accel tcg \
    --image-dir "$images" "${cloud_dir[@]}" --cpu 32 --memory-mib 98304 --bootstrap-hook /bin/true --boot-deadline 480 >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q ' listening on ' "$log" && break; sleep 0.1; done
  url=$(grep -o 'listening on [^ ]*' "$log" | head -n 1 | cut -d' ' -f3 || true)
  [ -n "$url" ] || { echo "agent for $host did not start:"; cat "$log"; exit 1; }
  echo "agent for $host at $url (log: $log)"
  sed -i "s|https://$host.openedge-lab.example:7443|${url%/}|" "$work/clone/hosts/$host.yaml"
done
if [ "$provider" = qemu ]; then
  # The guest image stands in for a Kubernetes node image: same boot, same user-data path, no root disk.
  sed -i "s|kernel: .*|kernel: $guest/vmlinuz|; s|initrd: .*|initrd: $guest/initramfs.cpio.gz|; /rootVolume:/d" "$work/clone/fleet.yaml"
fi
git -C "$work/clone" add -A
git -C "$work/clone" -c user.name=Demo -c user.email=demo@example.com commit --quiet -m "fleet-example on this machine"
git -C "$work/clone" push --quiet origin main
run reconcile --repo "$work/fleet.git" --mirror "$work/mirror.git" --once --wait 180
run status --repo "$work/fleet.git" --nodes

say "4. the pull request merged: push, reconcile, converge"
cp "$work/head/clusters/cluster-b.yaml" "$work/clone/clusters/cluster-b.yaml"
git -C "$work/clone" -c user.name=Demo -c user.email=demo@example.com commit --quiet -am "cluster-b: a fourth worker"
git -C "$work/clone" push --quiet origin main
run reconcile --repo "$work/fleet.git" --mirror "$work/mirror.git" --once --wait 180
run status --repo "$work/fleet.git"
if [ "$provider" = qemu ]; then
  echo; echo "the guests' serial consoles say they booted with their rendered user-data:"
  grep -h "LIQUIDMETAL-READY" "$agents"/*/vms/*/console.log | head -n 20
fi

if [ "$provider" = qemu ] && [ -f "$cloud/rootfs.ext4" ] && [ -n "$made_bridge" ]; then
  say "5. networks for real: cluster-c, two Debian guests whose cloud-init takes its rendered address and hostname from the agent's NoCloud disk"
  cat >"$work/clone/clusters/cluster-c.yaml" <<CLUSTER
apiVersion: liquidmetal.dev/v1alpha1
kind: Cluster
metadata:
  name: cluster-c
spec:
  network: openedge-lab
  hostSelector:
    matchLabels:
      liquidmetal.dev/site: openedge-lab
  image: {kernel: $cloud/vmlinuz, initrd: $cloud/initrd.cpio.gz, rootVolume: $cloud/rootfs.ext4}
  controlPlane: {replicas: 1, vcpu: 1, memoryMiB: 512, vip: 10.20.1.12}
  workerPools:
    - {name: workers, replicas: 1, vcpu: 1, memoryMiB: 512}
  bootstrap:
    userData: |
      #cloud-config
      runcmd:
        - echo "LIQUIDMETAL-DEMO \$(hostname) has \$(ip -4 -o addr show dev eth0 | awk '{print \$4}')" > /dev/ttyS0
        - for i in \$(seq 60); do ping -c 1 -W 1 10.20.1.1 >/dev/null 2>&1 && echo "LIQUIDMETAL-DEMO \$(hostname) pinged the gateway 10.20.1.1" > /dev/ttyS0 && break; sleep 1; done
CLUSTER
  git -C "$work/clone" add -A
  git -C "$work/clone" -c user.name=Demo -c user.email=demo@example.com commit --quiet -m "cluster-c: two Debian cloud-init nodes"
  git -C "$work/clone" push --quiet origin main
  run reconcile --repo "$work/fleet.git" --mirror "$work/mirror.git" --once --wait 480
  run status --repo "$work/fleet.git" --nodes
  echo; echo "this machine is the network's gateway (10.20.1.1 on br-lab) and pings each cluster-c node at its rendered address:"
  command -v ping >/dev/null || echo "  (no ping here: make test-deps installs iputils-ping)"
  "$cli" status --repo "$work/fleet.git" --nodes | awk '$2 == "cluster-c" && $5 ~ /\// { split($5, a, "/"); print $1, a[1] }' | while read -r node address; do
    # Running means cloud-init has read its data; networkd may take a few seconds more to answer.
    answered=
    for _ in $(seq 60); do ping -c 1 -W 1 "$address" >/dev/null 2>&1 && answered=yes && break; done
    if [ -n "$answered" ]; then echo "  ping $address ($node): ok"; else echo "  ping $address ($node): no answer within a minute"; fi
  done
  # Their runcmd (cloud-init's last stage) may still be running: give both a minute to say they reached the gateway.
  for _ in $(seq 60); do
    [ "$(cat "$agents"/*/vms/cluster-c-*/console.log 2>/dev/null | grep -c 'pinged the gateway')" -ge 2 ] && break
    sleep 1
  done
  echo; echo "and the guests say, on their serial consoles:"
  grep -h "LIQUIDMETAL-DEMO" "$agents"/*/vms/cluster-c-*/console.log | tr -d '\r' || true
fi

say "6. the status branch, as anyone can read it"
git --git-dir "$work/fleet.git" log --format='%h %s%n    %(trailers:key=Fleet-Revision,valueonly,separator=)' liquidmetal/status
