#!/usr/bin/env bash
# Install the browser the UI tests drive (tests/api/test_ui_browser.py): Debian's Chromium at
# /usr/bin/chromium (and fonts for readable screenshots). Idempotent and quiet: does nothing
# when it is already there.
#
#   scripts/install-browser.sh            # as root, or with sudo available
#
# Playwright (the Python driver) comes from PyPI: `.venv/bin/pip install playwright`. Do not run
# `playwright install`: it downloads its own browser; the tests launch /usr/bin/chromium instead.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser.sh: no apt-get here; install Chromium so that $CHROMIUM exists" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser.sh: need root (or sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-liberation fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "install-browser.sh: chromium installed but $CHROMIUM is missing" >&2
    exit 1
fi
