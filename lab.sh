#!/usr/bin/env bash
# LayerLab's two commands. Each installs what it needs on a fresh machine first and says what it does.
#   ./lab.sh start   start the portal: SQLite file in data/, in-process Hangfire worker, CPU (CUDA when present)
#   ./lab.sh worker  start a remote training worker (PostgreSQL job storage, reports to a portal; see README)
#   ./lab.sh test    build and run every test: unit, integration (real host + SQLite), browser (headless Chromium)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
source scripts/runtime-env.sh   # GC budget and glibc malloc thresholds for training (why: see the file)

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
