#!/usr/bin/env bash
# The demo: validate fleet-example, render what each host runs, then plan a pull request that
# scales a worker pool, exactly as a reviewer would see it.
set -euo pipefail
cli=${1:?usage: demo.sh PATH-TO-liquidmetal}
cd "$(dirname "$0")/.."
run() { echo; echo "\$ liquidmetal $*"; "$cli" "$@"; }

work=artifacts/demo
rm -rf "$work" && mkdir -p "$work"

run validate fleet-example
run render fleet-example --out "$work/rendered"
echo; echo "rendered one document per host into $work/rendered:"; ls "$work/rendered"
echo; echo "--- $work/rendered/sled-1.yaml (first 40 lines)"; head -n 40 "$work/rendered/sled-1.yaml"

# A pull request: cluster-b gets a fourth worker.
cp -r fleet-example "$work/head"
sed -i 's/^\(\s*replicas:\) 3\(\s*# demo: workers\)/\1 4\2/' "$work/head/clusters/cluster-b.yaml"
if cmp -s fleet-example/clusters/cluster-b.yaml "$work/head/clusters/cluster-b.yaml"; then
  echo "demo: could not find cluster-b's worker pool to scale" >&2; exit 1
fi
echo; echo "\$ diff -u fleet-example/clusters/cluster-b.yaml (pull request)"
diff -u fleet-example/clusters/cluster-b.yaml "$work/head/clusters/cluster-b.yaml" || true
set +e
run plan fleet-example "$work/head" --previous "$work/rendered"
code=$?
set -e
echo; echo "plan exit code: $code (0 no change, 1 changes, 2 invalid)"
[ "$code" -eq 1 ]
