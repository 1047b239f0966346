#!/usr/bin/env python3
"""Summarises Stryker.NET JSON reports: score per file and folder, and every surviving mutant (file:line, mutator,
replacement). Usage: mutation-summary.py <output folder of a target>...  (scripts/mutation-test.sh calls it)."""
import json
import os
import sys
from collections import defaultdict

KILLED = {"Killed", "Timeout"}
SCORED = KILLED | {"Survived", "NoCoverage"}


def main(folders):
    for folder in folders:
        path = os.path.join(folder, "reports", "mutation-report.json")
        if not os.path.exists(path):
            print(f"{folder}: no report")
            continue
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        per_folder = defaultdict(lambda: [0, 0])
        survivors = []
        statuses = defaultdict(int)
        for name, file in sorted(report["files"].items()):
            rel = os.path.relpath(name, os.getcwd()) if os.path.isabs(name) else name
            for m in file["mutants"]:
                statuses[m["status"]] += 1
                if m["status"] not in SCORED:
                    continue
                key = os.path.dirname(rel)
                per_folder[key][1] += 1
                if m["status"] in KILLED:
                    per_folder[key][0] += 1
                else:
                    line = m["location"]["start"]["line"]
                    survivors.append(f"{rel}:{line} [{m['status']}] {m['mutatorName']}: {m.get('replacement', '').strip()}")
        killed = sum(k for k, _ in per_folder.values())
        total = sum(t for _, t in per_folder.values())
        print(f"== {os.path.basename(folder.rstrip('/'))}: {killed}/{total} killed"
              f" ({100 * killed / total if total else 0:.1f} %); statuses {dict(statuses)}")
        for key, (k, t) in sorted(per_folder.items()):
            print(f"   {key}: {k}/{t} ({100 * k / t:.1f} %)")
        for s in survivors:
            print("   survived " + s)


if __name__ == "__main__":
    main(sys.argv[1:])
