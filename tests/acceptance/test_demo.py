"""`comptoir demo` end to end: the corpus flows through the public HTTP path and lands in the inbox."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.conftest import free_port, wait_for_port


def test_demo_streams_the_corpus_into_the_inbox(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "comptoir.cli", "demo", "--port", str(port), "--speed", "40",
         "--data-dir", str(tmp_path / "demo")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, timeout=60)
        assert process.stdout is not None
        banner = ""
        while "API token" not in banner:
            banner += process.stdout.readline()
        token = re.search(r"API token:\s+(\S+)", banner)
        assert token and f"http://127.0.0.1:{port}/" in banner
        headers = {"Authorization": f"Bearer {token.group(1)}"}
        deadline = time.monotonic() + 120
        processed = 0
        while time.monotonic() < deadline:
            rows = httpx.get(
                f"http://127.0.0.1:{port}/api/v1/conversations?sort=recent&limit=500&noise=include",
                headers=headers,
                timeout=10,
            ).json()["conversations"]
            processed = len(rows)
            if processed >= 150:
                break
            time.sleep(1)
        assert processed >= 150
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10, follow_redirects=True)
        assert page.status_code == 200  # the workspace (its login page first)
        languages = {row["language"] for row in rows}
        assert {"fr", "en"} <= languages
        assert {row["visibility"] for row in rows} == {"public", "private"}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
