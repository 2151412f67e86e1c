#!/usr/bin/env bash
# Install what the browser tests need: Debian's Chromium (driven by Playwright through
# executable_path, never `playwright install`) and CJK fonts so Chinese text renders.
# Does nothing when both are already present. Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! { command -v fc-list >/dev/null && fc-list :lang=zh | grep -qi "noto"; }; then
    missing+=(fonts-noto-cjk)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "browser tests: chromium and fonts-noto-cjk already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "browser tests need: ${missing[*]} (apt-get not found; install them with your package manager)" >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "installing ${missing[*]} needs root or sudo" >&2; exit 1; }
    sudo="sudo"
fi

echo "browser tests: installing ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
