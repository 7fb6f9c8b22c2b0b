"""A JSON Schema of the load format for editors, generated from the Pydantic models.

Pydantic's `model_json_schema` gives the shape (sections, records, required fields,
vocabularies as enums, slug patterns, `additionalProperties: false` from the models'
`extra="forbid"`). Three things the models check in code are written into the schema
here, so that an editor refuses at typing time what `alliancekb validate` refuses:
the EDTF date form (a regular expression, `EDTF_PATTERN`), the spellings of a boolean the
reader accepts, and the bounds of a whole number. Each field gets its description and an
example from `author.fields`.

The editor reads YAML 1.2 (the common YAML language server does): `2024-04-10` stays a
string there as it does for alliancekb, but a bare `2024` is a number. A year-only date
is therefore accepted as a number too. Other values the editor reads as numbers (a
name such as `1984`) need quotes for the editor only; alliancekb reads them as text.
"""

from __future__ import annotations

import json
import typing
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from alliancekb.author.fields import FieldDoc, fields_of, section_note
from alliancekb.load import schema as s
from alliancekb.load.all_sections import SECTIONS

#: The file name `schema --out` suggests and the template's first line points at.
SCHEMA_FILE: Final = "alliancekb.schema.json"
JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

_MONTH: Final = "(?:0[1-9]|1[0-2])"
_DAY: Final = "(?:0[1-9]|[12][0-9]|3[01]|XX)"
#: The EDTF forms `core.dates.parse_edtf` reads, as a regular expression (ECMA-262 and
#: Python alike): YYYY, YYYY-MM, YYYY-MM-DD, unspecified digits (202X, 20XX, 2024-XX,
#: 2024-XX-XX), and a final ~, ? or %. Year 0000 is refused. The calendar (30 February)
#: is checked by the loader only; tests/test_author.py holds the two in agreement.
EDTF_PATTERN: Final = (
    rf"^(?!0000)(?:[0-9]{{4}}(?:-{_MONTH}(?:-{_DAY})?|-XX(?:-XX)?)?"
    r"|[0-9]{3}X|[0-9]{2}XX)[?~%]?$"
)
UNKNOWN_PATTERN: Final = "[Uu][Nn][Kk][Nn][Oo][Ww][Nn]"
#: The spellings of a boolean the reader accepts as text (docs/yaml-format.md).
BOOLEAN_TEXTS: Final = ("true", "True", "TRUE", "false", "False", "FALSE")


def _validator_functions(alias: Any) -> set[Any]:
    """The validator functions of a public type alias of `load.schema` (`EdtfText`)."""
    return {getattr(m, "func", None) for m in typing.get_args(alias)[1:]} - {None}


# The functions that make a string a date, and a value a boolean: found through the
# public type names, so the schema follows the models if those functions are renamed.
_EDTF: Final = _validator_functions(s.EdtfText) - _validator_functions(s.ShortText)
_EDTF_OR_UNKNOWN: Final = _validator_functions(s.EdtfOrUnknown) - _validator_functions(s.ShortText)
_BOOL: Final = _validator_functions(s.Bool)


def _date_schema(unknown: bool) -> JsonSchemaValue:
    pattern = EDTF_PATTERN
    if unknown:
        pattern = f"^{UNKNOWN_PATTERN}$|{EDTF_PATTERN}"
    return {
        "anyOf": [
            {"type": "string", "pattern": pattern},
            # YAML 1.2 reads a bare year as a number; alliancekb reads it as text.
            {"type": "integer", "minimum": 1000, "maximum": 9999},
        ],
        "description": "an EDTF date: YYYY, YYYY-MM or YYYY-MM-DD, optionally ending in "
        "~ (approximate), ? (uncertain) or % (both)" + (", or unknown" if unknown else ""),
    }


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, taught the checks the models make in code."""

    def function_after_schema(
        self, schema: core_schema.AfterValidatorFunctionSchema
    ) -> JsonSchemaValue:
        function = schema["function"]["function"]
        if function in _EDTF_OR_UNKNOWN:
            return _date_schema(unknown=True)
        if function in _EDTF:
            return _date_schema(unknown=False)
        return super().function_after_schema(schema)

    def function_before_schema(
        self, schema: core_schema.BeforeValidatorFunctionSchema
    ) -> JsonSchemaValue:
        if schema["function"]["function"] in _BOOL:
            return {"anyOf": [{"type": "boolean"}, {"enum": list(BOOLEAN_TEXTS)}]}
        return super().function_before_schema(schema)

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model = schema["cls"]
        properties = json_schema.get("properties", {})
        for doc in fields_of(model):
            prop = properties.get(doc.name)
            if prop is not None:
                _describe(prop, doc)
        return json_schema


def _describe(prop: JsonSchemaValue, doc: FieldDoc) -> None:
    prop.pop("title", None)  # "Speaker Label": the name itself says it better
    if doc.description:
        prop["description"] = doc.description
    if doc.example is not None:
        prop["examples"] = [_example_value(doc)]
    low, high = doc.bounds
    # Pydantic writes the bounds of a number behind a validator as `ge`/`le`, which JSON
    # Schema does not know: put them where editors look.
    for target in (prop, *prop.get("anyOf", ())):
        for ours, theirs, bound in (("ge", "minimum", low), ("le", "maximum", high)):
            target.pop(ours, None)
            if bound is not None and target.get("type") == "integer":
                target[theirs] = bound


def _example_value(doc: FieldDoc) -> Any:
    """The example as the editor would read it: a list, a number, a boolean or text."""
    text = doc.example or ""
    if text.startswith("[") and text.endswith("]"):
        return [item.strip() for item in text[1:-1].split(",") if item.strip()]
    if doc.type_name == "whole number":
        return int(text)
    if doc.type_name == "true or false":
        return text == "true"
    return text


def document_model() -> type[BaseModel]:
    """The whole load document as one model: each section of `SECTIONS` a list of records."""
    sections: dict[str, Any] = {
        name: (list[model] | None, None)  # type: ignore[valid-type]
        for name, model in SECTIONS.items()
    }
    model: type[BaseModel] = create_model(
        "LoadDocument", __config__=ConfigDict(extra="forbid"), **sections
    )
    return model


def load_format_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a load document."""
    body = document_model().model_json_schema(by_alias=True, schema_generator=_Generator)
    for name, prop in body.get("properties", {}).items():
        prop.pop("title", None)
        prop.pop("default", None)
        prop["description"] = f"{name}: {section_note(name)}"
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"https://alliancekb.invalid/{SCHEMA_FILE}",
        **body,
        "title": "alliancekb load document",
        "description": "Facts for `alliancekb load`: each section is a list of records "
        "(docs/yaml-format.md). Generated by `alliancekb schema` from the load models.",
    }


def schema_text() -> str:
    """The schema as the file `alliancekb schema` writes: indented JSON, one final newline."""
    return json.dumps(load_format_schema(), indent=2, ensure_ascii=False) + "\n"
