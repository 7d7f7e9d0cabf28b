#!/usr/bin/env bash
# The fleet-core benchmark: generated fleets of 100, 1,000 and 5,000 hosts (about 20 microVMs per host,
# two clusters per host) loaded, validated, placed and rendered by `liquidmetal render --out`.
# Wall time is measured around the whole process (startup included), median of RUNS; peak memory is
# the process's own high-water mark (VmHWM) as `render --stats` reports it.
# Targets (issue 2): 1,000 hosts under 2 s and 1 GiB; 5,000 hosts under 6x the 1,000-host time.
set -euo pipefail
cli=${1:?usage: render-bench.sh PATH-TO-liquidmetal PATH-TO-liquidmetal-bench}
gen=${2:?usage: render-bench.sh PATH-TO-liquidmetal PATH-TO-liquidmetal-bench}
runs=${RUNS:-5}
work=${BENCH_DIR:-artifacts/bench}
mkdir -p "$work"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A wall rss
for hosts in 100 1000 5000; do
  fleet="$work/fleet-$hosts"
  [ -f "$fleet/fleet.yaml" ] || "$gen" generate --hosts "$hosts" --out "$fleet" >/dev/null
  "$cli" render "$fleet" --out "$work/out-$hosts" >/dev/null # warm the page cache
  times=() peaks=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    stats=$("$cli" render "$fleet" --out "$work/out-$hosts" --stats 2>&1 >/dev/null)
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
    peaks+=("$(echo "$stats" | grep -o 'peak RSS [0-9]*' | grep -o '[0-9]*')")
  done
  wall[$hosts]=$(printf '%s\n' "${times[@]}" | median)
  rss[$hosts]=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -n 1)
  vms=$(echo "$stats" | grep -o '[0-9]* microVMs' | grep -o '[0-9]*')
  printf '%5d hosts %6d microVMs: wall %5d ms (median of %d), peak RSS %4d MiB   [%s]\n' \
    "$hosts" "$vms" "${wall[$hosts]}" "$runs" "${rss[$hosts]}" "$(echo "$stats" | sed 's/^stats: //; s/, peak RSS.*//')"
done

ratio=$(awk -v a="${wall[5000]}" -v b="${wall[1000]}" 'BEGIN {printf "%.2f", a / b}')
echo "5,000 / 1,000 hosts: ${ratio}x (n log n would be about 5.9x)"
status=0
[ "${wall[1000]}" -lt 2000 ] || { echo "MISSED: 1,000 hosts took ${wall[1000]} ms (target < 2000 ms)"; status=1; }
[ "${rss[1000]}" -lt 1024 ] || { echo "MISSED: 1,000 hosts peaked at ${rss[1000]} MiB (target < 1024 MiB)"; status=1; }
awk -v r="$ratio" 'BEGIN {exit !(r < 6)}' || { echo "MISSED: 5,000 hosts took ${ratio}x the 1,000-host time (target < 6x)"; status=1; }
[ "$status" -eq 0 ] && echo "all targets met"
exit "$status"
