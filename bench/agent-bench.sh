#!/usr/bin/env bash
# The host agent's benchmarks (issue 3), against the real `liquidmetal agent` executable:
#  (a) Apply -> Running on the qemu provider against a bare boot of the same guest with the same QEMU
#      command line started by hand, alternated in one run (needs QEMU and the guest image: make test-deps);
#  (b) GetStatus and Apply latency, p50/p99, with the sim provider and 100 VMs over gRPC on loopback;
#  (c) the agent's memory with those 100 VMs.
set -euo pipefail
cli=${1:?usage: agent-bench.sh PATH-TO-liquidmetal PATH-TO-liquidmetal-bench}
bench=${2:?usage: agent-bench.sh PATH-TO-liquidmetal PATH-TO-liquidmetal-bench}
guest=${LIQUIDMETAL_GUEST_DIR:-$HOME/.cache/liquidmetal/guest}
status=0
echo "== (b), (c): latency and memory, sim provider"
"$bench" agent-latency "$cli" "${VMS:-100}" "${CALLS:-2000}" || status=1
echo
echo "== (a): boot through the agent against a bare boot"
if command -v qemu-system-x86_64 >/dev/null && [ -f "$guest/vmlinuz" ]; then
  "$bench" agent-boot "$cli" "$guest/vmlinuz" "$guest/initramfs.cpio.gz" "${ROUNDS:-9}" || status=1
else
  echo "skipped: needs qemu-system-x86_64 and the guest image in $guest (run: make test-deps)"
fi
exit "$status"
