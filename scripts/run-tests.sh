#!/usr/bin/env bash
# Builds once in Release, runs every test project, prints one closing line "Tests: N passed, N failed, N skipped".
# Screenshots and logs of the browser tests land in test-results/.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
# The tests train as the portal does: same GC budget and malloc thresholds (see the file).
source scripts/runtime-env.sh
echo "[test] building Portal.sln (Release)"
if ! dotnet build Portal.sln -c Release -nologo -v quiet; then
  echo "Tests: 0 passed, 1 failed, 0 skipped (build failed)"
  exit 1
fi
log=test-results/dotnet-test.log
# Test projects run one after another (-m:1): the browser tests time their waits and 2 cores are few.
dotnet test Portal.sln -c Release --no-build -nologo -m:1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
  END { print p+0, f+0, s+0 }' "$log")
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $status -eq 0 && $passed -eq 0 ]]; then echo "no test ran" >&2; exit 1; fi
exit $status
