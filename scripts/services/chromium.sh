#!/usr/bin/env bash
# Install Debian's Chromium (driven by Playwright with executable_path=/usr/bin/chromium) for browser tests.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
fi
/usr/bin/chromium --version >&2
