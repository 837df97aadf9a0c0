"""Triage speed and footprint benchmark; prints one JSON object.

    .venv/bin/python bench/triage.py [--messages 5000] [--single 1000] [--classify-lines 100000]

msg/s per core: ``analyze_batch`` in one process pinned to one thread (BLAS threads = 1). p99: ``analyze`` one
message at a time. Load time and RSS added: measured in a fresh subprocess (import + load of every model).
Messages: the care_gold_dev + UMSAB texts when ../shared/data is present (repeated), else the seed examples.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"

LOAD_SNIPPET = """
import json, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
before = rss()
t = time.perf_counter()
from comptoir.triage import TriageInput, analyze, load
load()
loaded = time.perf_counter() - t
analyze(TriageInput(text='Plus d internet depuis ce matin'))
first = time.perf_counter() - t
print(json.dumps({"load_s": loaded, "first_result_s": first, "rss_before_mb": before, "rss_after_mb": rss()}))
"""


def texts() -> list[str]:
    if SHARED.is_dir():
        from comptoir.triage import datasets as ds

        out = [e.text for e in ds.care_gold(SHARED / "care_gold_dev" / "care_gold_dev.csv")]
        out += [e.text for e in ds.umsab(SHARED, "fr")] + [e.text for e in ds.umsab(SHARED, "en")]
        return out
    from comptoir.triage.datasets import seed_examples

    return [e.text for e in seed_examples()]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def bench_load(runs: int = 3) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], capture_output=True, text=True, check=True)
        samples.append(json.loads(out.stdout))
    best = min(samples, key=lambda s: s["load_s"])
    return {
        "model_load_s": round(statistics.median(s["load_s"] for s in samples), 3),
        "model_load_s_best": round(best["load_s"], 3),
        "first_result_s": round(statistics.median(s["first_result_s"] for s in samples), 3),
        "rss_added_mb": round(statistics.median(s["rss_after_mb"] - s["rss_before_mb"] for s in samples), 1),
    }


def bench_classify(lines: int, pool: list[str]) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for n in range(lines):
            fh.write(json.dumps({"id": str(n), "text": pool[n % len(pool)]}) + "\n")
        path = fh.name
    t = time.perf_counter()
    with open(path, encoding="utf-8") as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "comptoir.cli", "triage", "classify"],
            stdin=stdin, stdout=subprocess.PIPE, check=True,
        )
    elapsed = time.perf_counter() - t
    os.unlink(path)
    out_lines = proc.stdout.count(b"\n")
    max_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "classify_lines": lines,
        "classify_output_lines": out_lines,
        "classify_s": round(elapsed, 1),
        "classify_msg_per_s": round(lines / elapsed, 1),
        "classify_max_rss_mb": round(max_rss, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--classify-lines", type=int, default=0)
    args = parser.parse_args()

    result: dict[str, object] = {
        "bench": "triage",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    result.update(bench_load())

    from comptoir.triage import TriageInput, analyze, analyze_batch, load

    load()
    pool = texts()
    items = [TriageInput(text=pool[n % len(pool)]) for n in range(args.messages)]
    analyze_batch(items[:256])
    cpu0, t0 = time.process_time(), time.perf_counter()
    analyze_batch(items)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    result["batch_messages"] = args.messages
    result["batch_msg_per_s_wall"] = round(args.messages / wall, 1)
    result["batch_msg_per_s_per_core"] = round(args.messages / cpu, 1)

    latencies = []
    for n in range(args.single):
        t = time.perf_counter()
        analyze(items[n % len(items)])
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    result["single_p50_ms"] = round(latencies[len(latencies) // 2], 2)
    result["single_p99_ms"] = round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2)
    result["single_max_ms"] = round(latencies[-1], 2)
    if args.classify_lines:
        result.update(bench_classify(args.classify_lines, pool))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
