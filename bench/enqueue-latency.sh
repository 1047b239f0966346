#!/usr/bin/env bash
# Enqueue → start latency with an idle worker: submit a tiny run over HTTP, wait until it ends, repeat; each run's
# queuedAt → startedAt (both stamped by the portal: submission stored → worker claimed it) goes through the queue
# dispatcher, Hangfire and the claim. Also prints the client-side submit → startedAt (adds the HTTP round trip).
#   bench/enqueue-latency.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-20}"
source bench/lib/portal.sh
start_portal_signed_in 5198
export PORT=$port JAR=$jar REPEATS=$repeats
python3 - <<'PY'
import http.cookiejar, json, os, statistics, time, urllib.request, datetime as d
port, repeats = os.environ["PORT"], int(os.environ["REPEATS"])
jar = http.cookiejar.MozillaCookieJar(os.environ["JAR"]); jar.load(ignore_discard=True, ignore_expires=True)
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
base = f"http://127.0.0.1:{port}"
def call(path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"content-type": "application/json"}, method="GET" if body is None else "POST")
    with opener.open(req) as r: return json.load(r)
server, client = [], []
for i in range(repeats + 1):   # the first run warms TorchSharp and the JIT: reported, not counted
    sent = d.datetime.now(d.timezone.utc)
    run = call("/api/runs", {"experiment": "xor-prelu", "parameters": {"trials": 5, "epochs": 10, "lr_points": 2}, "seed": i})
    while run["status"] in ("Queued", "Running"):
        time.sleep(0.05); run = call(f"/api/runs/{run['id']}")
    q, s = d.datetime.fromisoformat(run["queuedAt"]), d.datetime.fromisoformat(run["startedAt"])
    ms, cms = (s - q).total_seconds() * 1000, (s - sent).total_seconds() * 1000
    print(f"run {run['id']}: {run['status']}, queued→started {ms:.1f} ms, submit→started {cms:.1f} ms" + (" (warm-up)" if i == 0 else ""))
    if i: server.append(ms); client.append(cms)
q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]
print(f"queued→started: median {statistics.median(server):.1f} ms, p90 {q(server, .9):.1f} ms, max {max(server):.1f} ms over {len(server)} runs")
print(f"submit→started (client clock): median {statistics.median(client):.1f} ms, max {max(client):.1f} ms")
PY
