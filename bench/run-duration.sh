#!/usr/bin/env bash
# Times catalog runs end to end through the real portal: submit over HTTP, train in the in-process worker,
# read startedAt/finishedAt back. Prints one line per run and the median.
#   bench/run-duration.sh [experiment] [repeats] [parameters-json]
#   bench/run-duration.sh xor-prelu 5 '{}'
set -euo pipefail
cd "$(dirname "$0")/.."
experiment="${1:-xor-prelu}"; repeats="${2:-5}"; params="${3:-{\}}"
port=5197; db=$(mktemp -d)/bench.db
dotnet build src/Web -c Release -nologo -v quiet >/dev/null
pass="bench-$RANDOM-$RANDOM"; jar=$(dirname "$db")/cookies
LayerLab__Database="Data Source=$db" LayerLab__Admin__Email=bench@lab.local LayerLab__Admin__Password="$pass" \
  dotnet src/Web/bin/Release/net10.0/LayerLab.Web.dll --urls "http://127.0.0.1:$port" >"${PORTAL_LOG:-/dev/null}" 2>&1 &
pid=$!; trap 'kill $pid 2>/dev/null; rm -rf "$(dirname "$db")"' EXIT
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
# Sign in through the form like a browser (antiforgery token + cookie); every API call below carries the cookie.
token=$(curl -s -c "$jar" "http://127.0.0.1:$port/account/signin" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "http://127.0.0.1:$port/account/signin" \
  --data-urlencode email=bench@lab.local --data-urlencode "password=$pass" --data-urlencode "__RequestVerificationToken=$token"
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
