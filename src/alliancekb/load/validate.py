"""The validate stage: a raw record (strings and marks) -> its model, or located problems."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from alliancekb.core.errors import Problem
from alliancekb.load.schema import RETRACTION_KINDS, SECTIONS, RetractionIn, field_aliases
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
            if model_type is RetractionIn:
                loc, error = _retraction_loc(loc, error)
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


def _retraction_loc(loc: tuple[Any, ...], error: Any) -> tuple[tuple[Any, ...], Any]:
    """A retraction's error located in the record, not under its union tag.

    Pydantic puts the `kind` chosen in front (`("membership", "reason")`): dropped, so
    the problem names `retracted[0].reason` at its line. A missing or unknown kind is put
    at `kind`, with the kinds there are.
    """
    if loc and loc[0] in RETRACTION_KINDS:
        return loc[1:], error
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        kinds = ", ".join(RETRACTION_KINDS)
        return ("kind",), {
            **error,
            "type": "kind",
            "msg": f"a retraction's kind is one of: {kinds}",
        }
    return loc, error
