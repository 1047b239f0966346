#!/usr/bin/env bash
# Times catalog runs end to end through the real portal: submit over HTTP, train in the in-process worker,
# read startedAt/finishedAt back. Prints one line per run and the median.
#   bench/run-duration.sh [experiment] [repeats] [parameters-json]
#   bench/run-duration.sh xor-prelu 5 '{}'
set -euo pipefail
cd "$(dirname "$0")/.."
experiment="${1:-xor-prelu}"; repeats="${2:-5}"; params="${3:-{\}}"
source bench/lib/portal.sh
start_portal_signed_in 5197
curl() { command curl -b "$jar" "$@"; }
durations=()
for i in $(seq 1 "$repeats"); do
  id=$(curl -sf -X POST "http://127.0.0.1:$port/api/runs" -H 'content-type: application/json' \
        -d "{\"experiment\":\"$experiment\",\"parameters\":$params,\"seed\":$i}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  while :; do
    run=$(curl -sf "http://127.0.0.1:$port/api/runs/$id")
    status=$(echo "$run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [[ "$status" == Queued || "$status" == Running ]] || break
    sleep 0.1
  done
  seconds=$(echo "$run" | python3 -c '
import json,sys,datetime as d
r=json.load(sys.stdin); p=lambda s: d.datetime.fromisoformat(s)
print("%.2f" % (p(r["finishedAt"]) - p(r["startedAt"])).total_seconds())')
  echo "run $id seed $i: $status in ${seconds} s — $(echo "$run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')"
  durations+=("$seconds")
done
printf '%s\n' "${durations[@]}" | sort -n | awk '{a[NR]=$1} END {print "median " a[int((NR+1)/2)] " s over " NR " runs (first run includes TorchSharp warm-up)"}'
