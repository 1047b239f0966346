#!/usr/bin/python3
"""Markdown table of bench/run-all.sh results: each portal figure (median over rounds), its BARS target, met or not.
Training figures are in the -training.md file next to the raw lines (bench/summarize_training.py)."""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
by = defaultdict(list)
for r in rows:
    by[r["bench"]].append(r)


def med(bench, field, where=lambda r: True):
    v = [r[field] for r in by.get(bench, []) if isinstance(r.get(field), (int, float)) and where(r)]
    return (statistics.median(v), min(v), max(v), len(v)) if v else None


def cell(m, unit, digits=0):
    if m is None:
        return "not run"
    value, lo, hi, n = m
    f = f"{{:,.{digits}f}}"
    return f"{f.format(value)} {unit}" + (f" ({f.format(lo)}–{f.format(hi)}, {n})" if n > 1 else "")


def verdict(m, ok):
    return "–" if m is None else ("met" if ok(m[0]) else "**missed**")


lines = ["| figure | median (range, n) | target (BARS) | verdict |", "| --- | --- | --- | --- |"]


def add(name, m, unit, target, ok, digits=0):
    lines.append(f"| {name} | {cell(m, unit, digits)} | {target} | {verdict(m, ok) if target != '–' else '–'} |")


for batch in sorted({r.get("batch_ms", 0) for r in by.get("report_to_browser", [])}):
    how = "one POST per point" if batch == 0 else f"POST every {batch} ms"
    sel = lambda r, b=batch: r.get("batch_ms", 0) == b
    add(f"report → browser p50, 20 runs × 50 Hz, 50 viewers, {how}", med("report_to_browser", "p50_ms", sel), "ms", "–", lambda v: True)
    add(f"report → browser p99, 20 runs × 50 Hz, 50 viewers, {how}", med("report_to_browser", "p99_ms", sel), "ms", "p99 < 250 ms", lambda v: v < 250)
    add(f"… HTTP requests/s answered ({how})", med("report_to_browser", "requests_per_s", sel), "/s", "–", lambda v: True)
current = lambda r: r.get("variant", "current") == "current"  # bench/chart-before-after.sh also writes "before" lines
add("chart 20 runs × 100k points: mount → painted", med("chart_render", "first_paint_ms", current), "ms", "< 500 ms", lambda v: v < 500)
add("… of which the API response received (SQLite read + transfer)", med("chart_render", "body_received_ms", current), "ms", "–", lambda v: True)
add("chart zoom (drag) → re-sampled chart painted", med("chart_render", "zoom_ms", current), "ms", "–", lambda v: True)
add("cold start: process → /health 200", med("cold_start", "to_health_ms"), "ms", "< 5 s (first page)", lambda v: v < 5000)
add("cold start: process → sign-in page 200", med("cold_start", "to_first_page_ms"), "ms", "< 5 s", lambda v: v < 5000)
add("cold start: portal CPU time until /health", med("cold_start", "cpu_to_health_s"), "CPU s", "–", lambda v: True, 2)
add("idle RSS after start (signed-in home page visited)", med("cold_start", "idle_rss_mib"), "MiB", "< 300 MB", lambda v: v * 1.048576 < 300)
add("RSS after the enqueue→start runs", med("enqueue_to_start", "rss_after_runs_mib"), "MiB", "< 300 MB (idle)", lambda v: v * 1.048576 < 300)
add("enqueue → start: submit → Running pushed, p50", med("enqueue_to_start", "submit_to_running_p50_ms"), "ms", "< 1 s", lambda v: v < 1000)
add("enqueue → start: queuedAt → startedAt (server), p50", med("enqueue_to_start", "queued_to_started_p50_ms"), "ms", "< 1 s", lambda v: v < 1000)
print("\n".join(lines))
loads = [float(r["load"]) for r in rows if "load" in r]
if loads:
    print(f"\nLoad average during the live benches: {min(loads):.1f}–{max(loads):.1f} (2 cores).")
for r in by.get("portal_bench", []):
    if r == by["portal_bench"][0]:
        print("\nPortalBench (run list, leaderboard, ingestion):\n")
    print(r["line"])
for r in by.get("training", []):
    print(f"\nTraining vs PyTorch: {r['table']}")
