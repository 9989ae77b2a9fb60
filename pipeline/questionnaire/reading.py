"""Reading YAML values by their declared kind, collecting issues instead of stopping.

`Reader` knows nothing of particular sections: it checks a mapping's keys against a section's
declaration (`schema.declared`) and converts each value by its kind, falling back to the
declared default after reporting a problem, so that one run can report every problem.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from pipeline.errors import Issue
from pipeline.questionnaire.schema import NO_DEFAULT, Declared, Kind, declared, key_names, required_names
from pipeline.yamlsource import YamlDocument

T = TypeVar("T")


class Reader:
    """Converts the values of one YAML document, remembering every issue found."""

    def __init__(self, document: YamlDocument):
        self.doc = document
        self.issues: list[Issue] = []

    def fail(self, code: str, key: str, found: str, expected: str, hint: str | None = None) -> None:
        self.issues.append(self.doc.issue(code, key, found, expected, hint))

    # -- one value ------------------------------------------------------------------------
    def mapping(self, value: Any, key: str, allowed: set[str], required: tuple[str, ...] = (),
                nullable: frozenset[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.fail("wrong-type", key or "(top level)", describe(value), "a mapping of keys to values")
            return {}
        for name in value:
            if name not in allowed:
                self.fail("unknown-key", join(key, name), f"the key '{name}'",
                          "one of: " + ", ".join(sorted(allowed)))
        for name in required:
            if name not in value or (value[name] is None and name not in nullable):
                self.fail("missing-key", join(key, name), "no value", f"the key '{name}'")
        return value

    def text(self, value: Any, key: str, default: Any = "") -> Any:
        if value is None:
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail("wrong-type", key, describe(value), "text")
            return default
        return getattr(value, "written", None) or str(value)

    def sequence(self, value: Any, key: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail("wrong-type", key, describe(value), "a list")
            return []
        return value

    def number(self, value: Any, key: str, default: float | None = None) -> float | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail("wrong-type", key, describe(value), "a number")
            return default
        if not math.isfinite(value):
            self.fail("invalid-value", key, f"{value}", "a finite number")
            return default
        return float(value)

    def choice(self, value: Any, key: str, allowed: type[T], default: T) -> T:
        if value is None:
            return default
        names = tuple(member.value for member in allowed)  # type: ignore[attr-defined]
        if value not in names:
            self.fail("invalid-value", key, f"'{value}'", "one of: " + ", ".join(names))
            return default
        return allowed(str(value))  # type: ignore[call-arg]

    def flag(self, value: Any, key: str, default: Any) -> Any:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail("wrong-type", key, describe(value), "true or false")
            return default
        return value

    # -- by declaration -------------------------------------------------------------------
    def keys(self, section: type, raw: Any, key: str, extra: tuple[str, ...] = ()) -> dict:
        """The mapping at `key`, its keys checked against the section's declaration."""
        nullable = frozenset(item.name for item in declared(section) if item.optional and item.key.required)
        return self.mapping(raw, key, set(key_names(section)) | set(extra), required_names(section), nullable)

    def read(self, section: type[T], raw: Any, key: str) -> T:
        """A whole section, every key read by its kind."""
        entry = self.keys(section, raw, key)
        return section(**self.values(section, entry, key))

    def values(self, section: type, entry: dict, key: str, only: tuple[str, ...] | None = None,
               known: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `known` values and the section's other fields (or the `only` ones) read from a checked mapping."""
        values: dict[str, Any] = dict(known or {})
        for item in declared(section):
            if item.field not in values and (only is None or item.field in only):
                default = values.get(item.key.default_from) if item.key.default_from else item.default
                values[item.field] = self.value(item, entry, key, default)
        return values

    def value(self, item: Declared, entry: dict, key: str, default: Any = NO_DEFAULT) -> Any:
        """One declared key of a mapping, converted by its kind."""
        default = item.default if default is NO_DEFAULT else default
        default = None if default is NO_DEFAULT else default
        path = join(key, item.name)
        given = entry.get(item.name)
        if item.kind is Kind.TEXT:
            return self.text(given, path, default) if default is not None or given is None else self.text(given, path)
        if item.kind is Kind.NUMBER:
            return self.number(given, path, default)
        if item.kind is Kind.WHOLE:
            number = self.number(given, path, default)
            if number is not None and not float(number).is_integer():
                self.fail("invalid-value", path, f"{given}", "a whole number")
                return default
            return int(number) if number is not None else None
        if item.kind is Kind.FLAG:
            return self.flag(given, path, default)
        if item.kind is Kind.CHOICE:
            return self.choice(given, path, item.choices, default)  # type: ignore[arg-type]
        if item.kind is Kind.CHOICES:
            return self.choices(item, given, path, default)
        if item.kind is Kind.TEXTS:
            return self.texts(item, entry, path, default)
        if item.kind is Kind.NUMBERS:
            return self.numbers(given, path, default)
        if item.kind is Kind.SECTION:
            return default if given is None else self.read(item.section, given, path)  # type: ignore[arg-type]
        if item.kind is Kind.SECTIONS:
            return tuple(self.read(item.section, raw, f"{path}[{i}]")  # type: ignore[arg-type]
                         for i, raw in enumerate(self.sequence(given, path)))
        if item.kind is Kind.VERSION:
            return entry.get(item.name, default)
        raise TypeError(f"{item.field}: {item.kind} is read by its section")

    def choices(self, item: Declared, given: Any, path: str, default: Any) -> tuple:
        """One choice, or a list of distinct choices (the first is the main one); none given is the default."""
        if given is None:
            return default
        if not isinstance(given, list):
            return (self.choice(given, path, item.choices, None) or default[0],)  # type: ignore[arg-type]
        if not given:
            self.fail("invalid-value", path, "an empty list",
                      "one of: " + ", ".join(item.allowed) + ", or a list of them")
            return default
        chosen = []
        for i, value in enumerate(given):
            one = self.choice(value, f"{path}[{i}]", item.choices, None)  # type: ignore[arg-type]
            if one is not None and one in chosen:
                self.fail("invalid-value", f"{path}[{i}]", f"'{value}' again", "each method once")
            elif one is not None:
                chosen.append(one)
        return tuple(chosen) or default

    def numbers(self, given: Any, path: str, default: Any) -> tuple[float, ...] | None:
        """One number, or a list of numbers (a single number is a list of one)."""
        if given is None:
            return default
        items = given if isinstance(given, list) else [given]
        values = [self.number(v, f"{path}[{i}]" if isinstance(given, list) else path) for i, v in enumerate(items)]
        if any(v is None for v in values):
            return default
        return tuple(float(v) for v in values if v is not None)

    def texts(self, item: Declared, entry: dict, path: str, default: Any) -> tuple[str, ...] | None:
        """A list of text; `one_or_list` keys may give a single item, and a null one means none."""
        if item.key.one_or_list:
            if item.name not in entry:
                return default
            given = entry[item.name]
            return tuple(self.text(v, path) for v in (given if isinstance(given, list) else [given]) if v is not None)
        if entry.get(item.name) is None and default is None:
            return None
        items = self.sequence(entry.get(item.name), path)
        return tuple(self.text(v, f"{path}[{i}]" if item.key.indexed else path) for i, v in enumerate(items))


def join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else str(name)


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"'{value}'"
