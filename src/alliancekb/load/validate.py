"""The validate stage: a raw record (strings and marks) -> its model, or located problems."""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from alliancekb.core.errors import Problem
from alliancekb.load.all_sections import SECTIONS
from alliancekb.load.schema import RETRACTION_KINDS, RetractionIn, field_aliases
from alliancekb.load.yaml_reader import RawRecord, render_path


def validate(raw: RawRecord, file: str, problems: list[Problem]) -> BaseModel | None:
    """The record's model, or None with its problems (located) appended to `problems`."""
    model_type = SECTIONS[raw.section]
    try:
        return model_type.model_validate(raw.data)
    except ValidationError as exc:
        aliases = field_aliases(model_type)
        errors = []
        for error in exc.errors(include_url=False, include_input=False):
            loc = tuple(aliases.get(str(p), p) if i == 0 else p for i, p in enumerate(error["loc"]))
            if model_type is RetractionIn:
                loc, error = _retraction_loc(loc, error)
            errors.append((loc, error))
        # a misspelt field is one problem ("did you mean"), not also a missing one
        meant = {
            (loc[:-1], _did_you_mean(model_type, loc)): loc
            for loc, error in errors
            if error["type"] == "extra_forbidden"
        }
        for loc, error in errors:
            if error["type"] == "missing" and (loc[:-1], loc[-1]) in meant:
                continue
            mark = raw.mark_for(loc)
            message = _message(error, model_type, loc)
            problems.append(
                Problem(file, mark.line, mark.column, render_path(raw.where, loc), message)
            )
        return None


def _message(error: Any, model_type: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        meant = _did_you_mean(model_type, loc)
        return f"unknown field {loc[-1]!r}" + (f" (did you mean {meant!r}?)" if meant else "")
    if kind == "missing":
        return f"required field {loc[-1]!r} is missing"
    if kind in ("model_type", "dict_type"):
        fields = _fields_of(_model_at(model_type, loc))
        below = f" ({', '.join(fields)})" if fields else ""
        return (
            f"`{loc[-1]}` holds fields{below}, each on its own line indented below "
            f"`{loc[-1]}:`, not a single value"
        )
    return msg.removeprefix("Value error, ")


def _model_at(model: Any, loc: tuple[Any, ...]) -> Any:
    """The Pydantic model at `loc` inside `model` (through lists and optionals), or None."""
    for step in loc:
        if isinstance(step, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields:
            return None
        info = fields.get(step) or next((f for f in fields.values() if f.alias == step), None)
        if info is None:
            return None
        model = _inner_model(info.annotation)
    return model


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _fields_of(model: Any) -> list[str]:
    fields = getattr(model, "model_fields", None) or {}
    return [info.alias or name for name, info in fields.items()]


def _did_you_mean(model_type: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The known field an unknown one most likely means (difflib), if any is close."""
    known = _fields_of(_model_at(model_type, loc[:-1]))
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return close[0] if close else None


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
