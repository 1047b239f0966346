#!/usr/bin/env bash
# Times submitting a 1,000-run sweep through the real portal (HTTP → expand → one SQLite transaction → the fair
# dispatcher woken → response), with the in-process worker on, then how quickly pages answer while the sweep trains.
# The first sweep is the first of the process (cold JIT and EF paths); the later ones are warm.
#   bench/sweep-submit.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-3}"
source bench/lib/portal.sh
start_portal_signed_in 5198
curl() { command curl -b "$jar" "$@"; }
# Warm up the pages once (first Blazor render, JIT) so the timings below are of a warm portal.
curl -s -o /dev/null "http://127.0.0.1:$port/"; curl -s -o /dev/null "http://127.0.0.1:$port/api/runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# 100 configurations (epochs 100…1,090 in steps of 10) × 10 seeds = 1,000 runs of a small xor-prelu.
body='{"experiment":"xor-prelu","parameters":{"trials":20,"lr_points":5},"sweep":{"epochs":{"mode":"linear","start":100,"stop":1090,"count":100}},"seeds":10}'
for i in $(seq 1 "$repeats"); do
  out=$(curl -s -o "$(dirname "$db")/resp" -w '%{http_code} %{time_total}' -X POST "http://127.0.0.1:$port/api/sweeps" \
        -H 'content-type: application/json' -d "$body")
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sweep"]["id"])' "$(dirname "$db")/resp")
  queued=$(sqlite3 "$db" "SELECT COUNT(*) FROM Runs WHERE SweepId = $id" 2>/dev/null || echo '?')
  [[ -n "${PORTAL_LOG:-}" ]] && grep -o "Sweep $id: .*" "$PORTAL_LOG" | tail -1
  echo "sweep $id: HTTP ${out% *}, 1,000 runs stored and queued in ${out#* } s (runs stored: $queued)"
  # While it trains: the pages' data must still answer quickly.
  for page in "/api/sweeps/$id" "/sweeps/$id" "/sweeps" "/api/runs?take=200" "/"; do
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port$page")
    echo "  GET $page while training: $t s"
  done
  t=$(curl -s -o /dev/null -w '%{time_total}' -X POST "http://127.0.0.1:$port/api/sweeps/$id/cancel")
  echo "  cancel all 1,000: $t s"
done
