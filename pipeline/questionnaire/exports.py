"""The declaration written out: a JSON Schema for editors and key tables for the docs.

Both are read off `schema.declared`, so neither can drift from what the parser accepts:
`docs/questionnaire.schema.json` is `json_schema()` (`python -m pipeline schema`), and a test
compares the key tables of `docs/questionnaire-format.md` with `key_rows()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, is_dataclass
from enum import Enum
from typing import Any

from pipeline.questionnaire.model import Questionnaire
from pipeline.questionnaire.schema import NO_DEFAULT, Declared, Kind, declared

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TEXT: dict[str, Any] = {"type": ["string", "number"]}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the questionnaire format, for editors' completion and checks.

    It checks the shape of the file (keys, kinds, allowed values); references between sections
    (a measure naming a question, routing) are checked by `load_questionnaire` alone.
    """
    definitions: dict[str, Any] = {}
    root = _object(Questionnaire, definitions)
    return {"$schema": SCHEMA_DIALECT, "title": "Survey questionnaire",
            "description": "The questionnaire format of docs/questionnaire-format.md.", **root,
            "$defs": dict(sorted(definitions.items()))}


def schema_text() -> str:
    """The JSON Schema as committed in `docs/questionnaire.schema.json`."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _object(section: type, definitions: dict[str, Any]) -> dict[str, Any]:
    properties = {item.name: _property(item, definitions) for item in declared(section)}
    required = [item.name for item in declared(section) if item.key.required]
    return {"type": "object", "properties": properties, **({"required": required} if required else {}),
            "additionalProperties": False}


def _reference(section: type, definitions: dict[str, Any]) -> dict[str, Any]:
    name = section.__name__
    if name not in definitions:
        definitions[name] = {}
        definitions[name] = _object(section, definitions)
    return {"$ref": f"#/$defs/{name}"}


def _property(item: Declared, definitions: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any]
    if item.kind is Kind.TEXT:
        value = dict(_TEXT)
    elif item.kind in (Kind.NUMBER, Kind.WHOLE):
        value = {"type": "number"}
    elif item.kind is Kind.FLAG:
        value = {"type": "boolean"}
    elif item.kind is Kind.CHOICE:
        value = {"enum": list(item.allowed)}
    elif item.kind is Kind.CHOICES:
        one = {"enum": list(item.allowed)}
        value = {"anyOf": [one, {"type": "array", "items": one, "minItems": 1, "uniqueItems": True}]}
    elif item.kind is Kind.TEXTS:
        texts = {"type": "array", "items": _TEXT}
        value = {"anyOf": [_TEXT, texts]} if item.key.one_or_list else texts
    elif item.kind is Kind.NUMBERS:
        value = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}}]}
    elif item.kind is Kind.SECTION:
        value = _reference(item.section, definitions)  # type: ignore[arg-type]
    elif item.kind is Kind.SECTIONS:
        value = {"type": "array", "items": _reference(item.section, definitions)}  # type: ignore[arg-type]
    elif item.kind is Kind.WHOLE_OR_COLUMN:
        one = {"type": ["integer", "string"]}
        value = {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}
    elif item.kind is Kind.CELLS:
        value = {"type": "array", "items": {"type": "object", "properties": {"count": {"type": "number"}},
                                            "required": ["count"], "additionalProperties": _TEXT}}
    else:
        value = {"const": item.default}
        return {**value, "description": item.key.doc, "default": item.default}
    if not item.key.required:
        value = {"anyOf": [value, {"type": "null"}]}
    value["description"] = item.key.doc
    default = _default(item)
    if default is not None:
        value["default"] = default
    return value


def _default(item: Declared) -> Any:
    """The documented default: a plain value given when the key is absent, else None."""
    default = item.default
    if item.key.required or default is NO_DEFAULT or default in (None, "", ()) or is_dataclass(default):
        return None
    if isinstance(default, tuple) and len(default) == 1 and isinstance(default[0], Enum):
        return default[0].value  # a list of one choice is written as the choice
    return default.value if isinstance(default, Enum) else default


@dataclass(frozen=True)
class KeyRow:
    """One row of a key table in the docs."""

    key: str
    kind: str
    required: str
    default: str
    what: str

    def markdown(self) -> str:
        return f"| `{self.key}` | {self.kind} | {self.required} | {self.default} | {self.what} |"


KEY_TABLE_HEADER = "| key | kind | required | default | what |"
KEY_TABLE_RULE = "|---|---|---|---|---|"


def key_rows() -> list[KeyRow]:
    """Every declared key, by its path in the file (`questions[].codes[].code`), in declaration order."""
    rows: list[KeyRow] = []
    _rows(Questionnaire, "", rows, {})
    return rows


def key_table() -> str:
    """Every key row as one Markdown table (the docs split it by section)."""
    return "\n".join([KEY_TABLE_HEADER, KEY_TABLE_RULE, *(row.markdown() for row in key_rows())]) + "\n"


def _rows(section: type, prefix: str, rows: list[KeyRow], seen: dict[type, str]) -> None:
    for item in declared(section):
        path = f"{prefix}{item.name}"
        nested = item.section if item.kind in (Kind.SECTION, Kind.SECTIONS) else None
        what = item.key.doc
        if nested is not None and nested in seen:
            what += f"; the keys of `{seen[nested]}`"
        rows.append(KeyRow(path, _kind_text(item), "yes" if item.key.required else "no", _default_text(item), what))
        if nested is not None and nested not in seen:
            seen[nested] = path
            _rows(nested, path + ("[]." if item.kind is Kind.SECTIONS else "."), rows, seen)


def _kind_text(item: Declared) -> str:
    if item.kind in (Kind.CHOICE, Kind.CHOICES):
        names = [f"`{name}`" for name in item.allowed]
        one = ", ".join(names[:-1]) + " or " + names[-1]
        return one if item.kind is Kind.CHOICE else one + ", or a list of them (the first is the main one)"
    if item.kind is Kind.TEXTS and item.key.one_or_list:
        return "text or list of text"
    if item.kind is Kind.VERSION:
        return "number"
    if item.kind is Kind.WHOLE_OR_COLUMN:
        return "whole number or column name, or a list of them"
    return item.kind.value


def _default_text(item: Declared) -> str:
    if item.key.default_from:
        return f"`{item.key.default_from}`"
    default = _default(item)
    if default is None:
        return ""
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"
