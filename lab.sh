#!/usr/bin/env bash
# LayerLab's two commands. Each installs what it needs on a fresh machine first and says what it does.
#   ./lab.sh start   start the portal: SQLite file in data/, in-process Hangfire worker, CPU (CUDA when present)
#   ./lab.sh worker  start a remote training worker (PostgreSQL job storage, reports to a portal; see README)
#   ./lab.sh test    build and run every test: unit, integration (real host + SQLite), browser (headless Chromium)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# A 128 MB gen0 budget makes garbage collections ~20x rarer during training. Why: TorchSharp 0.107 can free a
# temporary native Scalar while libtorch still reads it if a GC lands mid-call (rare "Scalar.h" errors; upstream
# dotnet/TorchSharp PR 1434). Fewer GCs, far fewer chances. Our own hot loops also pin their Scalars (ScalarPins).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x8000000}"
# glibc malloc: serve blocks up to 64 MB from the heap (not fresh mmap/munmap each time) and give heap memory back to
# the OS only above 256 MB free. Why: libtorch's per-step temporaries (hundreds of KB to MBs) were otherwise returned
# and page-faulted in again every training step: the 1-layer LM step ran 1.13–1.23x PyTorch's time, ~0.85x with
# these (docs/benchmarks.md, bench/malloc-tunables.sh). Cost: up to that much freed memory stays in the process.
# Read by glibc at process start, so it has to be in the environment, not set from C#.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456}"

cmd="${1:-}"
case "$cmd" in
  start)
    scripts/setup-machine.sh
    scripts/install-web-assets.sh
    echo "[lab] building (Release)"
    dotnet build src/Web/LayerLab.Web.csproj -c Release -nologo -v quiet
    echo "[lab] starting LayerLab on $(grep -o '"Urls": *"[^"]*"' appsettings.json | cut -d'"' -f4) (Ctrl+C stops; override with --urls)"
    shift
    exec dotnet src/Web/bin/Release/net10.0/LayerLab.Web.dll "$@"
    ;;
  worker)
    scripts/setup-machine.sh
    echo "[lab] building the worker (Release)"
    dotnet build src/Worker/LayerLab.Worker.csproj -c Release -nologo -v quiet
    shift
    exec dotnet src/Worker/bin/Release/net10.0/LayerLab.Worker.dll "$@"
    ;;
  test)
    scripts/setup-machine.sh --test
    scripts/install-web-assets.sh
    shift
    exec scripts/run-tests.sh "$@"
    ;;
  *)
    echo "usage: ./lab.sh start | worker | test" >&2
    exit 2
    ;;
esac
