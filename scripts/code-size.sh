#!/usr/bin/env bash
# File count, lines and the largest files of the C#/Razor sources (generated migrations apart), then the folder
# dependency graph of src/Web and src/Training. Usage: scripts/code-size.sh [ROOT]   (default: the repository root)
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"
for part in src/Web src/Training src/Data src/Worker tests; do
  files=$(find "$part" \( -name bin -o -name obj -o -name Migrations \) -prune -o \( -name '*.cs' -o -name '*.razor' \) -print)
  printf '%-14s %4d files %7d lines\n' "$part" "$(echo "$files" | grep -c .)" "$(echo "$files" | xargs cat | wc -l)"
done
echo "largest files (lines):"
find src \( -name bin -o -name obj -o -name Migrations \) -prune -o \( -name '*.cs' -o -name '*.razor' \) -print | xargs wc -l | grep -v ' total$' | sort -rn | head -10
python3 "$(dirname "${BASH_SOURCE[0]}")/folder-deps.py" . src/Web src/Training
