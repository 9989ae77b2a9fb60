"""How the questionnaire format is declared: one `key(...)` per field of the model.

Each field of a section in `model.py` carries a `Key` in its metadata: the YAML key, whether
it is required, its default, what it means. The field's type annotation says what kind of
value it holds (text, a number, a choice from an enum, a list, a nested section). Parsing
(`parsing.py`), the JSON Schema (`jsonschema.py`) and the key tables of
`docs/questionnaire-format.md` are all read off these declarations, so the format is written
down once.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache
from typing import Any


class _NoDefault:
    """The mark of a key declared without a default."""

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


class Kind(Enum):
    """What a YAML key holds, read off the field's annotation (or named by `Key.kind`)."""

    TEXT = "text"
    NUMBER = "number"
    WHOLE = "whole number"
    FLAG = "true or false"
    CHOICE = "choice"
    CHOICES = "choice or list of choices"
    TEXTS = "list of text"
    NUMBERS = "number or list of numbers"
    SECTION = "mapping"
    SECTIONS = "list of mappings"
    WHOLE_OR_COLUMN = "whole number or column name"
    CELLS = "list of frame cells"
    VERSION = "format version"


@dataclass(frozen=True)
class Key:
    """The declaration of one YAML key (its default is the dataclass field's default)."""

    doc: str
    name: str | None = None
    required: bool = False
    default_from: str | None = None
    indexed: bool = False
    one_or_list: bool = False
    kind: Kind | None = None


def key(doc: str, *, name: str | None = None, required: bool = False, default_from: str | None = None,
        indexed: bool = False, one_or_list: bool = False, kind: Kind | None = None) -> dict[str, Key]:
    """The metadata of a dataclass field declaring a YAML key.

    The field's default is the value when the key is absent (for a required key, the value used
    to go on checking after reporting it); ``default_from`` names the field whose value is the
    default instead; ``indexed`` puts each list item's index in its key path
    (``organisations[2]``); ``one_or_list`` lets a list be given as its single item.
    """
    return {"key": Key(doc, name, required, default_from, indexed, one_or_list, kind)}


@dataclass(frozen=True)
class Declared:
    """A declared key with what its annotation says: the field, the kind, the enum or section."""

    field: str
    key: Key
    kind: Kind
    optional: bool
    default: Any = NO_DEFAULT
    choices: type[StrEnum] | None = None
    section: type | None = None

    @property
    def name(self) -> str:
        return self.key.name or self.field

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(member.value for member in self.choices) if self.choices else ()


@cache
def declared(section: type) -> tuple[Declared, ...]:
    """The declared keys of a section, in declaration order."""
    hints = typing.get_type_hints(section)
    result = []
    for f in dataclasses.fields(section):
        declaration = f.metadata.get("key")
        if declaration is None:
            continue
        default = NO_DEFAULT if f.default is dataclasses.MISSING else f.default
        result.append(dataclasses.replace(_classify(f.name, declaration, hints[f.name]), default=default))
    return tuple(result)


def declared_key(section: type, name: str) -> Declared:
    """One declared key of a section, by its YAML name."""
    for item in declared(section):
        if item.name == name:
            return item
    raise KeyError(name)


def key_names(section: type) -> tuple[str, ...]:
    return tuple(item.name for item in declared(section))


def required_names(section: type) -> tuple[str, ...]:
    return tuple(item.name for item in declared(section) if item.key.required)


def _classify(field_name: str, declaration: Key, annotation: Any) -> Declared:
    optional = False
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        optional = type(None) in args
        rest = [a for a in args if a is not type(None)]
        annotation = rest[0] if len(rest) == 1 else tuple(rest)
    if declaration.kind is not None:
        return Declared(field_name, declaration, declaration.kind, optional)
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return Declared(field_name, declaration, Kind.CHOICE, optional, choices=annotation)
    simple = {str: Kind.TEXT, float: Kind.NUMBER, bool: Kind.FLAG, int: Kind.WHOLE}
    if annotation in simple:
        return Declared(field_name, declaration, simple[annotation], optional)
    if dataclasses.is_dataclass(annotation):
        return Declared(field_name, declaration, Kind.SECTION, optional, section=typing.cast(type, annotation))
    if typing.get_origin(annotation) is tuple:
        item = typing.get_args(annotation)[0]
        if item is str:
            return Declared(field_name, declaration, Kind.TEXTS, optional)
        if isinstance(item, type) and issubclass(item, StrEnum):
            return Declared(field_name, declaration, Kind.CHOICES, optional, choices=item)
        if item is float:
            return Declared(field_name, declaration, Kind.NUMBERS, optional)
        if dataclasses.is_dataclass(item):
            return Declared(field_name, declaration, Kind.SECTIONS, optional, section=typing.cast(type, item))
    raise TypeError(f"no kind of YAML value for {field_name}: {annotation!r}")
