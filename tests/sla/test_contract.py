"""`comptoir sla evaluate`: the JSON Lines contract, through the CLI runner."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from typer.testing import CliRunner

from comptoir.cli import app

WEEK = {
    "mon": [["09:00", "18:00"]],
    "tue": [["09:00", "12:30"], ["13:30", "18:00"]],
    "wed": [["09:00", "18:00"]],
    "thu": [["09:00", "18:00"]],
    "fri": [["09:00", "18:00"]],
    "sat": [],
    "sun": [],
}
CALENDAR = {"timezone": "Europe/Paris", "hours": WEEK, "holidays": ["2026-04-06"], "holiday_country": "FR"}
POLICY = {
    "first_response_minutes": 60,
    "next_response_minutes": 120,
    "resolution_minutes": 1440,
    "business_hours": True,
}


def run(cases: list[Any]) -> list[dict[str, Any]]:
    lines = [case if isinstance(case, str) else json.dumps(case) for case in cases]
    result = CliRunner().invoke(app, ["sla", "evaluate"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def case(events: list[dict[str, Any]], now: str, **policy: Any) -> dict[str, Any]:
    return {"calendar": CALENDAR, "policy": {**POLICY, **policy}, "events": events, "now": now}


def test_issue_example_friday_evening() -> None:
    [out] = run(
        [
            case(
                [
                    {"at": "2026-03-20T16:55:00Z", "type": "customer_message"},
                    {"type": "auto_reply"},
                    {"at": "2026-03-20T17:00:00Z", "type": "note"},
                    {"at": "2026-03-23T08:45:00Z", "type": "agent_reply"},
                ],
                "2026-03-25T00:00:00Z",
            )
        ]
    )
    assert out == {
        "first_response": {
            "due_at": "2026-03-23T08:55:00Z",
            "met_at": "2026-03-23T08:45:00Z",
            "breached": False,
            "business_seconds": 3000,
        },
        "next_response": {"due_at": None, "met_at": None, "breached": False},
        # 1440 business minutes: Fri 5 min, Mon 540, Tue 480 (lunch closed), Wed 415 → Wed 15:55 CET.
        "resolution": {"due_at": "2026-03-25T14:55:00Z", "met_at": None, "breached": False},
    }


def test_easter_monday_and_running_clock_business_seconds() -> None:
    [out] = run([case([{"at": "2026-04-03T15:55:00Z", "type": "customer_message"}], "2026-04-07T07:00:00Z")])
    # Fri 17:55 CEST; Easter Monday closed → due Tue 09:55 CEST; at now (Tue 09:00) 5 min counted.
    assert out["first_response"] == {
        "due_at": "2026-04-07T07:55:00Z",
        "met_at": None,
        "breached": False,
        "business_seconds": 300,
    }


def test_calendar_time_policy_and_dst() -> None:
    [out] = run(
        [
            case(
                [{"at": "2026-03-28T12:00:00Z", "type": "customer_message"}],
                "2026-03-29T12:00:01Z",
                business_hours=False,
                first_response_minutes=1440,
            )
        ]
    )
    assert out["first_response"]["due_at"] == "2026-03-29T12:00:00Z"
    assert out["first_response"]["breached"] is True
    assert out["first_response"]["business_seconds"] == 86_401


def test_reply_exactly_at_due_is_on_time() -> None:
    events = [
        {"at": "2026-03-23T09:00:00Z", "type": "customer_message"},
        {"at": "2026-03-23T10:00:00Z", "type": "agent_reply"},
        {"at": "2026-03-23T10:30:00Z", "type": "customer_message"},
        {"at": "2026-03-23T12:30:00Z", "type": "agent_reply"},
    ]
    [out] = run([case(events, "2026-03-24T00:00:00Z")])
    assert out["first_response"]["breached"] is False
    assert out["first_response"]["met_at"] == out["first_response"]["due_at"] == "2026-03-23T10:00:00Z"
    assert out["next_response"] == {
        "due_at": "2026-03-23T12:30:00Z",
        "met_at": "2026-03-23T12:30:00Z",
        "breached": False,
    }


def test_pause_reopen_and_null_targets() -> None:
    events = [
        {"at": "2026-03-23T09:00:00Z", "type": "customer_message"},
        {"at": "2026-03-23T09:10:00Z", "type": "agent_reply"},
        {"at": "2026-03-23T09:20:00Z", "type": "status", "status": "pending"},
    ]
    [paused, reopened] = run(
        [
            case(events, "2026-03-30T00:00:00Z", next_response_minutes=None),
            case(
                [
                    *events,
                    {"at": "2026-03-23T09:30:00Z", "type": "status", "status": "resolved"},
                    {"at": "2026-03-24T09:00:00Z", "type": "customer_message"},
                ],
                "2026-03-24T09:30:00Z",
            ),
        ]
    )
    assert paused["resolution"] == {"due_at": None, "met_at": None, "breached": False}
    assert paused["next_response"] == {"due_at": None, "met_at": None, "breached": False}
    assert reopened["first_response"] == {
        "due_at": "2026-03-24T10:00:00Z",
        "met_at": None,
        "breached": False,
        "business_seconds": 1800,
    }
    assert reopened["resolution"]["met_at"] is None


def test_invalid_lines_get_error_lines_and_the_run_continues_in_order() -> None:
    good = case([{"at": "2026-03-23T09:00:00Z", "type": "customer_message"}], "2026-03-23T09:30:00Z")
    outputs = run(
        [
            good,
            "{not json",
            {"calendar": {"timezone": "Mars/Olympus", "hours": {}}, "policy": {}, "events": []},
            case([{"at": "2026-03-23T09:00:00", "type": "customer_message"}], "2026-03-23T09:30:00Z"),
            case([{"at": "2026-03-23T09:00:00Z", "type": "phone_call"}], "2026-03-23T09:30:00Z"),
            case(
                [{"at": "2026-03-23T09:00:00Z", "type": "status", "status": "closed"}], "2026-03-23T09:30:00Z"
            ),
            {**good, "policy": {"first_response_minutes": "soon"}},
            [1, 2, 3],
            "",
            good,
        ]
    )
    assert len(outputs) == 9  # the blank line is not a case
    assert outputs[0] == outputs[8]
    assert outputs[0]["first_response"]["due_at"] == "2026-03-23T10:00:00Z"
    codes = [line["error"]["code"] for line in outputs[1:8]]
    assert codes == ["invalid_json"] + ["validation_error"] * 6
    assert [line["error"]["line"] for line in outputs[1:8]] == [2, 3, 4, 5, 6, 7, 8]
    assert "time zone" in outputs[2]["error"]["message"]
    assert "no time zone" in outputs[3]["error"]["message"]


def test_output_timestamps_are_utc_z_to_the_second() -> None:
    [out] = run(
        [
            {
                "calendar": {"timezone": "America/New_York", "hours": {"mon": [["09:00", "17:00"]]}},
                "policy": {"first_response_minutes": 0.5},
                "events": [{"at": "2026-03-23T09:00:00-04:00", "type": "customer_message"}],
                "now": "2026-03-23T13:00:10+00:00",
            }
        ]
    )
    assert out["first_response"]["due_at"] == "2026-03-23T13:00:30Z"
    assert out["first_response"]["business_seconds"] == 10
    assert out["resolution"] == {"due_at": None, "met_at": None, "breached": False}


def test_real_process_pipes_bytes_and_survives_invalid_utf8() -> None:
    good = json.dumps(
        case([{"at": "2026-03-23T09:00:00Z", "type": "customer_message"}], "2026-03-23T09:30:00Z")
    )
    payload = good.encode() + b"\n" + b'{"calendar": "\xff\xfe"}\r\n' + good.encode() + b"\r\n"
    completed = subprocess.run(
        [sys.executable, "-m", "comptoir.cli", "sla", "evaluate"],
        input=payload,
        capture_output=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0] == lines[2] and "first_response" in lines[0]
    assert lines[1]["error"]["code"] == "invalid_json" and lines[1]["error"]["line"] == 2
