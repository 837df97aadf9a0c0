"""Reading administration form values: a refused value is a :class:`FormError` whose ``kind`` picks the message."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData

from comptoir.errors import ComptoirError, NotFound, ValidationFailed
from comptoir.web.ui.people import CurrentAgent


class FormError(ValidationFailed):
    """A form value the screen refuses before calling an action; ``kind`` picks the translated message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, details={"kind": kind})


def as_form_error(exc: ValidationFailed) -> ComptoirError:
    """An action's refusal that names its ``kind`` shows that kind's message; others the generic one."""
    kind = exc.details.get("kind") if isinstance(exc.details, dict) else None
    return FormError(str(kind), str(exc)) if kind else exc


def fields(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields of a posted form ("" when absent, like ``Form("")``)."""
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values


def brand_of(agent: CurrentAgent, value: str | int | None) -> int:
    """One of the agent's brands (the first when none is named); another brand is NotFound."""
    if value is None or value == "":
        if not agent.brand_ids:
            raise NotFound("no brand")
        return agent.brand_ids[0]
    text = str(value)
    if not text.isdigit() or int(text) not in agent.brand_ids:
        raise NotFound(f"brand {text} not found")
    return int(text)


def id_of(value: str, what: str) -> int:
    """The id of the object a form acts on; anything else is NotFound (404), like an id of another brand."""
    if not value.strip().isdigit():
        raise NotFound(f"{what} not found")
    return int(value.strip())


def required(value: str, message: str) -> str:
    if not value.strip():
        raise FormError("required", message)
    return value.strip()


def optional_int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise FormError("number", f"{field}: expected a whole number")
    return int(value)


def json_object(value: str, field: str) -> dict[str, Any]:
    if not value.strip():
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise FormError("json", f"{field}: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise FormError("json", f"{field}: expected a JSON object {{...}}")
    return data


def minutes(value: str, field: str) -> float | None:
    """A non-negative number ("," accepted as the decimal sign); None when empty."""
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise FormError("number", f"{field}: expected a number of minutes") from exc
    if number < 0:
        raise FormError("number", f"{field}: expected a number of minutes ≥ 0")
    return int(number) if number.is_integer() else number


def compact_json(value: dict[str, Any]) -> str:
    """One line per key, nested values on one line: readable in a textarea and in the example."""
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            inner = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in item.items()]
            lines.append(f"  {json.dumps(key)}: {{\n" + ",\n".join(inner) + "\n  }")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(item, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}"
