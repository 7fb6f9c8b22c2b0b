"""The validate stage: a raw record (strings and marks) -> its model, or located problems."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from alliancekb.core.errors import Problem
from alliancekb.load.schema import SECTIONS, field_aliases
from alliancekb.load.yaml_reader import RawRecord, render_path


def validate(raw: RawRecord, file: str, problems: list[Problem]) -> BaseModel | None:
    """The record's model, or None with its problems (located) appended to `problems`."""
    model_type = SECTIONS[raw.section]
    try:
        return model_type.model_validate(raw.data)
    except ValidationError as exc:
        aliases = field_aliases(model_type)
        for error in exc.errors(include_url=False, include_input=False):
            loc = tuple(aliases.get(str(p), p) if i == 0 else p for i, p in enumerate(error["loc"]))
            mark = raw.mark_for(loc)
            problems.append(
                Problem(file, mark.line, mark.column, render_path(raw.where, loc), _message(error))
            )
        return None


def _message(error: Any) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}"
    if kind == "missing":
        return f"required field {error['loc'][-1]!r} is missing"
    return msg.removeprefix("Value error, ")
