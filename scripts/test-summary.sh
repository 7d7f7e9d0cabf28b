#!/usr/bin/env bash
# Prints the skipped count, then the closing line CI reads, "N passed, N failed", summed over every TRX file in a folder.
set -euo pipefail
dir=${1:?usage: test-summary.sh RESULTS_DIR}
passed=0 failed=0 skipped=0 files=0
shopt -s nullglob
for trx in "$dir"/*.trx; do
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get total) - $(get executed)))
done
if [ "$files" -eq 0 ]; then
  echo "no test results in $dir: the test run did not start" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$skipped skipped (not run on this machine; each says why in the test output)"
echo "$passed passed, $failed failed"
