#!/usr/bin/python3
"""Markdown summary of bench/training-vs-pytorch.sh JSON lines: medians per (case, threads, impl) and ratios."""
import json
import statistics
import sys
from collections import defaultdict

IMPLS = ["torchsharp", "torchsharp_passive", "pytorch", "pytorch_passive"]
HIGHER_IS_BETTER = {"gflops", "model_steps_per_s"}
ORDER = ["mm512", "mm1024", "add4", "add4_inplace", "xor_5200models", "xor_20800models", "xor_5200models_matmulform", "tiny_batched", "tiny_loop",
         "icl_linreg", "lm1", "lm4", "xor_default_run"]

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
vals = defaultdict(list)
extra = defaultdict(list)
units = {}
for r in rows:
    key = (r["case"], r["threads"], r["impl"])
    vals[key].append(r["value"])
    units[r["case"]] = (r["metric"], r["unit"])
    if "gflops" in r and r["metric"] != "gflops":
        extra[key].append((r["gflops"], r["tokens_per_s"]))


def med(key):
    v = vals.get(key)
    return statistics.median(v) if v else None


def fmt(x):
    if x is None:
        return "–"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def spread(key):
    v = vals.get(key)
    if not v:
        return "–"
    return f"{fmt(statistics.median(v))} ({fmt(min(v))}–{fmt(max(v))})" if len(v) > 1 else fmt(v[0])


cases = sorted({r["case"] for r in rows}, key=lambda c: ORDER.index(c) if c in ORDER else 99)
print("| case | unit | threads | TorchSharp | TorchSharp PASSIVE | PyTorch | PyTorch PASSIVE | TorchSharp ÷ PyTorch-best (time) | best TorchSharp ÷ PyTorch-best |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for case in cases:
    metric, unit = units[case]
    for t in (1, 2):
        ts = med((case, t, "torchsharp"))
        if ts is None:
            continue
        py = [m for m in (med((case, t, "pytorch")), med((case, t, "pytorch_passive"))) if m is not None]
        tsp = med((case, t, "torchsharp_passive"))
        hib = metric in HIGHER_IS_BETTER
        ts_best = ts if tsp is None else (max(ts, tsp) if hib else min(ts, tsp))
        ratio = ratio_best = "–"
        if py:
            best = max(py) if hib else min(py)
            ratio = f"{(best / ts if hib else ts / best):.2f}×"
            ratio_best = f"{(best / ts_best if hib else ts_best / best):.2f}×"
        print(f"| {case} | {unit} | {t} | {spread((case, t, 'torchsharp'))} | {spread((case, t, 'torchsharp_passive'))} | "
              f"{spread((case, t, 'pytorch'))} | {spread((case, t, 'pytorch_passive'))} | {ratio} | {ratio_best} |")
print()
print("Ratio > 1: TorchSharp takes longer (or does less per second) than the better of the two PyTorch settings; "
      "the last column uses the better TorchSharp setting too. Cells: median (min–max) over rounds.")
print()
print("| derived | threads | TorchSharp | TorchSharp PASSIVE | PyTorch | PyTorch PASSIVE |")
print("| --- | --- | --- | --- | --- | --- |")
for t in (1, 2):
    cells = []
    for impl in IMPLS:
        b, l = med(("tiny_batched", t, impl)), med(("tiny_loop", t, impl))
        cells.append(f"{b / l:,.0f}×" if b and l else "–")
    print(f"| tiny: 1,024 batched ÷ one at a time (models·steps/s) | {t} | " + " | ".join(cells) + " |")
for t in (1, 2):
    machine = max([m for m in (med(("mm1024", t, i)) for i in IMPLS) if m is not None] or [0])
    for lm in ("lm1", "lm4"):
        cells = []
        for impl in IMPLS:
            e = extra.get((lm, t, impl))
            if not e or not machine:
                cells.append("–")
                continue
            g = statistics.median(x[0] for x in e)
            tok = statistics.median(x[1] for x in e)
            cells.append(f"{g:.1f} GFLOP/s = {100 * g / machine:.0f}% ({tok:,.0f} tok/s)")
        print(f"| {lm}: achieved ÷ machine mm1024 ({machine:.0f} GFLOP/s, best impl) | {t} | " + " | ".join(cells) + " |")
