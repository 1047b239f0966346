#!/usr/bin/env bash
# Installs what LayerLab needs on a fresh Debian/Ubuntu machine, and says what it does.
# Idempotent: every step checks first and skips when the machine already has it.
#   scripts/setup-machine.sh          -> runtime needs (libstdc++ for TorchSharp)
#   scripts/setup-machine.sh --test   -> also Chromium for the browser tests and the PostgreSQL server for the
#                                        scale-out tests (they start their own throw-away cluster; none is left running)
set -euo pipefail

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

say() { echo "[setup] $*"; }
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

apt_updated=0
apt_update_once() {
  if [[ $apt_updated -eq 0 ]]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

# --- .NET SDK --------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  say "ERROR: the .NET 10 SDK is not on PATH. Install it (https://dot.net) and re-run." >&2
  exit 1
fi

# --- libstdc++ with GLIBCXX_3.4.32 (TorchSharp 0.107's native library needs GCC 13+) ---
libstdcxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}' || true)
libstdcxx=${libstdcxx:-/usr/lib/x86_64-linux-gnu/libstdc++.so.6}
if grep -q GLIBCXX_3.4.32 "$libstdcxx" 2>/dev/null; then
  say "libstdc++ already provides GLIBCXX_3.4.32 - nothing to do"
else
  . /etc/os-release
  if [[ "${ID:-}" == "debian" && "${VERSION_CODENAME:-}" == "bookworm" ]]; then
    say "libstdc++ lacks GLIBCXX_3.4.32 (TorchSharp needs GCC 13's): installing libstdc++6 from Debian trixie at low pin priority (this also updates libc6)"
    echo "deb http://deb.debian.org/debian trixie main" | $SUDO tee /etc/apt/sources.list.d/trixie.list >/dev/null
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/trixie-low >/dev/null
    apt_updated=0
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 >/dev/null
    say "libstdc++6 from trixie installed"
  else
    say "WARNING: libstdc++ lacks GLIBCXX_3.4.32 and this is not Debian 12; install GCC 13+'s libstdc++6 (Ubuntu 24.04 / Debian 13 have it)" >&2
  fi
fi

# --- Chromium for browser tests ------------------------------------------------------
if [[ $want_test -eq 1 ]]; then
  if [[ -x /usr/bin/chromium ]]; then
    say "Chromium already at /usr/bin/chromium"
  else
    say "installing Debian's chromium for the browser tests (headless, driven by Playwright)"
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
    say "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
  fi
fi
# --- PostgreSQL server for the scale-out tests ------------------------------------------------------
# The tests initdb a temporary cluster on a loopback port as the `postgres` OS user and delete it afterwards;
# the package's own default cluster is not needed, so it is stopped if the install started one.
if [[ $want_test -eq 1 ]]; then
  if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    say "PostgreSQL server already installed ($(ls /usr/lib/postgresql | tr '\n' ' '))"
  else
    say "installing Debian's PostgreSQL server for the scale-out tests (the tests run their own temporary cluster)"
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    if command -v pg_lsclusters >/dev/null 2>&1; then
      pg_lsclusters -h 2>/dev/null | while read -r version name _; do $SUDO pg_ctlcluster "$version" "$name" stop 2>/dev/null || true; done
    fi
    say "PostgreSQL installed: $(ls /usr/lib/postgresql)"
  fi
fi
# --- The default text dataset (tiny-lm) ------------------------------------------------------
# The King James Bible (1611; public domain) from Debian's bible-kjv-text, printed to plain UTF-8 text by the bible
# program of bible-kjv (its data file is compressed). Installed here, never downloaded at run time; the portal
# registers it as the built-in dataset "kjv-bible" on its next start (LayerLab:Datasets:DefaultTextPath).
kjv_text=/usr/local/share/layerlab/datasets/kjv-bible.txt
if [[ -s "$kjv_text" ]]; then
  say "default dataset already at $kjv_text"
else
  if ! command -v bible >/dev/null 2>&1 || [[ ! -f /usr/lib/bible.data ]]; then
    say "installing Debian's bible-kjv + bible-kjv-text (the default text dataset: King James Bible, public domain)"
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq bible-kjv bible-kjv-text >/dev/null
  fi
  $SUDO mkdir -p "$(dirname "$kjv_text")"
  # Fixed line width so every machine prints the same bytes (the same SHA-256); written beside and renamed, so a
  # failed print never leaves a half file that a later run would take as installed.
  bible -l80 Gen1:1-Rev22:21 </dev/null | $SUDO tee "$kjv_text.part" >/dev/null
  $SUDO mv "$kjv_text.part" "$kjv_text"
  say "default dataset written: $kjv_text ($(wc -c <"$kjv_text") bytes, sha256 $(sha256sum "$kjv_text" | cut -c1-16)...)"
fi
say "machine ready"
