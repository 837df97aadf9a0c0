"""The contract example in docs/subsystems/sla.md is what the command really answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from comptoir.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "subsystems" / "sla.md"


def test_documented_contract_example_matches_the_command() -> None:
    section = DOC.read_text(encoding="utf-8").split("## 6. Command-line contract", 1)[1]
    example_in, example_out = re.findall(r"```json\n(.*?)```", section, flags=re.DOTALL)[:2]
    case = json.loads(example_in)
    result = CliRunner().invoke(app, ["sla", "evaluate"], input=json.dumps(case) + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(example_out)
