#!/usr/bin/env bash
# Logs a run trained "elsewhere" to LayerLab over HTTP: create it, log 100 steps of a fake loss in batches,
# upload a small artifact, end it Succeeded with a summary. Needs bash, curl and awk (no jq).
#   LAYERLAB_URL=http://127.0.0.1:5000 LAYERLAB_TOKEN=ll_... examples/log-external-run.sh
# The token needs the read and write scopes (create one on the Tokens page or with POST /api/tokens).
set -euo pipefail
: "${LAYERLAB_URL:?set LAYERLAB_URL, e.g. http://127.0.0.1:5000}"
: "${LAYERLAB_TOKEN:?set LAYERLAB_TOKEN to an API token with the write scope}"
url="${LAYERLAB_URL%/}"

# curl wrapper: fails (and prints the server's answer) on any non-2xx status.
api() {
  local method="$1" path="$2"; shift 2
  local out status
  out="$(mktemp)"
  status="$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $LAYERLAB_TOKEN" "$@" "$url$path")"
  if [[ "$status" != 2* ]]; then
    echo "$method $path -> HTTP $status: $(cat "$out")" >&2
    rm -f "$out"; exit 1
  fi
  cat "$out"; rm -f "$out"
}

run_json="$(api POST /api/runs/external -H 'Content-Type: application/json' \
  -d '{"name":"curl example","parameters":{"lr":0.05,"optimizer":"sgd","batch_size":32,"augment":false},"tags":["example"]}')"
run_id="$(printf '%s' "$run_json" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)"
echo "created external run $run_id: $url/runs/$run_id"

# 100 steps, sent as 10 batches of 10 points (one request per batch keeps the overhead low).
for batch in $(seq 0 9); do
  points="$(awk -v b="$batch" 'BEGIN {
    sep = "";
    for (i = 0; i < 10; i++) {
      step = b * 10 + i;
      loss = 2.0 * exp(-step / 30.0) + 0.05 * sin(step);
      printf "%s{\"key\":\"loss\",\"step\":%d,\"value\":%.6f}", sep, step, loss;
      sep = ",";
    }
  }')"
  api POST "/api/runs/$run_id/metrics" -H 'Content-Type: application/json' -d "{\"points\":[$points]}" >/dev/null
done
echo "logged 100 steps of loss"

artifact="$(mktemp)"
printf 'lr=0.05\noptimizer=sgd\n' > "$artifact"
api POST "/api/runs/$run_id/artifacts" -F "file=@$artifact;filename=config.txt" >/dev/null
rm -f "$artifact"
echo "uploaded config.txt"

api PUT "/api/runs/$run_id/status" -H 'Content-Type: application/json' \
  -d '{"status":"Succeeded","summary":{"final_loss":0.07}}' >/dev/null
echo "run $run_id Succeeded"
