#!/usr/bin/env bash
# Shared by scripts/demo and scripts/test: create .venv if missing and install Comptoir into it.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EXTRAS="${1:-}"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
STAMP=".venv/.comptoir-installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    if [ -n "$EXTRAS" ]; then
        .venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
    else
        .venv/bin/python -m pip install --quiet -e .
    fi
    touch "$STAMP"
fi
