"""Serving processes freeze their start-up objects and collect the young generation less often."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import gc, json
from comptoir.web.gc_tuning import YOUNG_THRESHOLD, tune_gc_for_serving
before = gc.get_threshold()
tune_gc_for_serving()
print(json.dumps({"frozen": gc.get_freeze_count(), "before": before, "after": gc.get_threshold(),
                  "young": YOUNG_THRESHOLD}))
"""


def test_tune_gc_for_serving_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    # In a fresh interpreter: freezing inside the test process would keep the suite's garbage forever.
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["frozen"] > 1000
    assert result["after"] == [result["young"], *result["before"][1:]]
    assert result["young"] > result["before"][0]
