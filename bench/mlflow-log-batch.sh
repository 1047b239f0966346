#!/usr/bin/env bash
# MLflow log-batch vs LayerLab's own metric API over HTTP: 20 clients x 1,000-point batches, points/s stored
# (BARS "Portal": >= 100,000 points/s for both). Starts the Release portal on a temporary SQLite file, makes a write
# token for its throwaway admin, then runs bench/mlflow_log_batch.py (alternating rounds; medians).
#   bench/mlflow-log-batch.sh [--clients 20] [--batches 20] [--rounds 3]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/runtime-env.sh
source bench/lib/portal.sh
start_portal_signed_in "${BENCH_PORT:-5197}"
token=$(command curl -sf -b "$jar" -H 'Content-Type: application/json' \
  -d '{"name":"bench","scopes":["read","write"],"expiresInDays":1}' "http://127.0.0.1:$port/api/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "[mlflow-log-batch] portal pid $pid on :$port, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)" >&2
python3 bench/mlflow_log_batch.py --url "http://127.0.0.1:$port" --token "$token" --db "$db" "$@"
