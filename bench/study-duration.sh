#!/usr/bin/env bash
# Runs declared studies end to end through the real portal (default settings: one in-process worker), one after
# the other: POST /api/studies, poll GET /api/studies/{id} until Finished, print wall time, verdict and estimate,
# and keep each study's JSON and CSV under bench/results/studies/.
#   bench/study-duration.sh xor-prelu/success-vs-lr [icl-task-count/tasks-vs-d ...] [-- overrides-json]
set -euo pipefail
cd "$(dirname "$0")/.."
overrides='{}'; studies=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--" ]]; then overrides="$2"; shift 2; else studies+=("$1"); shift; fi
done
source bench/lib/portal.sh
start_portal_signed_in 5199
curl() { command curl -b "$jar" "$@"; }
out=bench/results/studies; mkdir -p "$out"
lscpu | grep 'Model name' || true
for item in "${studies[@]}"; do
  experiment="${item%%/*}"; study="${item#*/}"
  start=$(date +%s.%N); load_before=$(cut -d' ' -f1 /proc/loadavg)
  id=$(curl -sf -X POST "http://127.0.0.1:$port/api/studies" -H 'content-type: application/json' \
        -d "{\"experiment\":\"$experiment\",\"study\":\"$study\",\"overrides\":$overrides}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  while :; do
    json=$(curl -sf "http://127.0.0.1:$port/api/studies/$id")
    [[ "$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" == Finished ]] && break
    sleep 2
  done
  end=$(date +%s.%N)
  echo "$json" > "$out/$experiment-$study.json"
  curl -sf "http://127.0.0.1:$port/api/studies/$id/csv" > "$out/$experiment-$study.csv"
  elapsed=$(echo "$end - $start" | bc); load_after=$(cut -d' ' -f1 /proc/loadavg)
  ELAPSED="$elapsed" LOAD="$load_before → $load_after" python3 -c '
import json, os, sys
s = json.load(sys.stdin); p = s["progress"]; v = s["verdict"]
print("%s/%s: %d runs (%d ok, %d failed) in %.0f s (estimate %.0f s; load average %s)" % (
    s["experiment"], s["study"], p["total"], p["succeeded"], p["failed"], float(os.environ["ELAPSED"]), s["estimatedSeconds"], os.environ["LOAD"]))
print("  %s: %s" % (v["outcome"], v["text"]))' <<<"$json"
done
