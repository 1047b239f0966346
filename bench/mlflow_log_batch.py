#!/usr/bin/env python3
"""HTTP metric ingestion, 20 clients x 1,000-point batches: LayerLab's own API against MLflow's log-batch, same portal,
alternating rounds (this machine is noisy: compare medians of the same run). Run by bench/mlflow-log-batch.sh.

Each client owns one run per round and sends pre-built bodies (unique (key, step) per run, so every point is new and
stored) over one keep-alive connection; a 200 means the points are committed. Points/s = points counted in SQLite
afterwards / wall time from the first request to the last answer. Prints one JSON line per round and a summary.
"""
import argparse, http.client, json, sqlite3, statistics, sys, threading, time
from urllib.parse import urlparse

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--token", required=True)
p.add_argument("--db", required=True)
p.add_argument("--clients", type=int, default=20)
p.add_argument("--batches", type=int, default=20, help="batches per client per round")
p.add_argument("--points", type=int, default=1000, help="points per batch (MLflow's limit is 1,000)")
p.add_argument("--rounds", type=int, default=3, help="rounds per API, alternating")
p.add_argument("--warmup", type=int, default=1, help="unmeasured rounds per API first (JIT, SQLite cache)")
a = p.parse_args()
u = urlparse(a.url)
HEADERS = {"Authorization": f"Bearer {a.token}", "Content-Type": "application/json"}
KEYS = 10
T0 = 1764972000000


def call(conn, path, body):
    conn.request("POST", path, body=body, headers=HEADERS)
    r = conn.getresponse()
    data = r.read()
    if r.status not in (200, 201):
        raise RuntimeError(f"{path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else {}


def bodies(api, run_id):
    """Batch b holds steps b*100 .. b*100+99 of keys m0..m9: 1,000 new points."""
    per_key = a.points // KEYS
    out = []
    for b in range(a.batches):
        pts = [(f"m{k}", b * per_key + s, 0.5 + s * 1e-3) for s in range(per_key) for k in range(KEYS)]
        if api == "layerlab":
            doc = {"points": [{"key": k, "step": s, "value": v, "time": T0 + s} for k, s, v in pts]}
            out.append(json.dumps(doc).encode())
        else:  # exactly what MLflow's Python client sends for log_batch (message_to_json, then requests json=)
            doc = {"run_id": run_id, "metrics": [{"key": k, "value": v, "timestamp": T0 + s, "step": s} for k, s, v in pts]}
            out.append(json.dumps(doc).encode())
    return out


def create_run(conn, api, i, rnd):
    if api == "layerlab":
        return str(call(conn, "/api/runs/external", json.dumps({"name": f"bench-ll-{rnd}-{i}"}))["id"])
    body = json.dumps({"experiment_id": "0", "user_id": "bench", "start_time": T0, "run_name": f"bench-mlflow-{rnd}-{i}"})
    return call(conn, "/api/2.0/mlflow/runs/create", body)["run"]["info"]["run_id"]


def one_round(api, rnd):
    conns = [http.client.HTTPConnection(u.hostname, u.port, timeout=120) for _ in range(a.clients)]
    runs = [create_run(c, api, i, rnd) for i, c in enumerate(conns)]
    prepared = [bodies(api, r) for r in runs]
    path = (lambda r: f"/api/runs/{r}/metrics") if api == "layerlab" else (lambda r: "/api/2.0/mlflow/runs/log-batch")
    start = threading.Barrier(a.clients + 1)
    errors = []

    def client(i):
        start.wait()
        try:
            for body in prepared[i]:
                call(conns[i], path(runs[i]), body)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for c in conns:
        c.close()
    if errors:
        raise errors[0]
    with sqlite3.connect(a.db) as db:
        stored = db.execute(f"SELECT COUNT(*) FROM MetricPoints WHERE RunId IN ({','.join(runs)})").fetchone()[0]
    expected = a.clients * a.batches * (a.points // KEYS) * KEYS
    result = {"api": api, "round": rnd, "clients": a.clients, "batch": a.points, "stored": stored, "expected": expected,
              "seconds": round(wall, 3), "points_per_s": round(stored / wall)}
    print(json.dumps(result), flush=True)
    return result


results = {"layerlab": [], "mlflow": []}
for rnd in range(-a.warmup, a.rounds):
    for api in ("layerlab", "mlflow") if rnd % 2 == 0 else ("mlflow", "layerlab"):
        result = one_round(api, rnd)
        if rnd >= 0:
            results[api].append(result)
summary = {api: statistics.median(r["points_per_s"] for r in rs) for api, rs in results.items()}
ok = all(r["stored"] == r["expected"] for rs in results.values() for r in rs)
print(f"median points/s stored: LayerLab API {summary['layerlab']:,.0f}, MLflow log-batch {summary['mlflow']:,.0f} "
      f"(ratio {summary['mlflow'] / summary['layerlab']:.2f}); every point stored: {ok}", file=sys.stderr)
sys.exit(0 if ok else 1)
