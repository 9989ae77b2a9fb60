"""Read YAML keeping the line of every key, so errors can point into the file.

PyYAML's composed node tree knows where each node starts; we turn it into plain Python
values and a map from key path (e.g. ``questions[3].codes``) to line number. Duplicate
keys, which `yaml.safe_load` silently overwrites, are reported instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Issue, QuestionnaireError


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its plain value and where each key path starts."""

    path: str
    data: Any
    lines: dict[str, int]

    def line(self, key_path: str) -> int | None:
        """The line of a key path, or of its nearest enclosing path."""
        path = key_path
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def issue(self, code: str, key_path: str, found: str, expected: str, hint: str | None = None) -> Issue:
        return Issue(code=code, file=self.path, line=self.line(key_path), key=key_path,
                     found=found, expected=expected, hint=hint)


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (`yes`, `no`, `on`, `off` stay strings: they are answer
    codes) and dates kept as text."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# YAML 1.2 integers: decimal digits are decimal (010 is ten, not eight), 0o octal, 0x hexadecimal;
# no 1.1 sexagesimal (1:20) or underscore forms.
_YAML12_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", _YAML12_INT, list("-+0123456789"))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class WrittenInt(int):
    """A whole number that keeps the text it was written as (`07`), for keys read as text."""

    written: str


class WrittenFloat(float):
    """A number that keeps the text it was written as (`1.50`), for keys read as text."""

    written: str


def _keep_written(value: Any, node: yaml.Node) -> Any:
    """A plain number keeps its text: codes such as `07` are text, and answers are read as text."""
    if not isinstance(node, yaml.ScalarNode) or node.style is not None or isinstance(value, bool):
        return value
    kept: Any
    if isinstance(value, int):
        kept = WrittenInt(value)
    elif isinstance(value, float):
        kept = WrittenFloat(value)
    else:
        return value
    kept.written = str(node.value)
    return kept


def read_yaml(path: Path) -> YamlDocument:
    """Parse a YAML file into a YamlDocument; malformed YAML is a QuestionnaireError."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise QuestionnaireError(Issue("file-not-found", name, "no such file", "a readable YAML file")) from None
    except OSError as exc:
        raise QuestionnaireError(Issue("unreadable-file", name, (exc.strerror or "a file that cannot be read").lower(),
                                       "a readable YAML file")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        raise QuestionnaireError(Issue("yaml-encoding", name, f"the byte 0x{raw[start]:02x} at column {column}",
                                       "a UTF-8 text file", line=line)) from None
    try:
        node = yaml.compose(text, Loader=_Yaml12Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem_line: int | None = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark.line + 1 != problem_line:
            problem = f"{context} started on line {context_mark.line + 1}: {problem}"
        raise QuestionnaireError(Issue("yaml-syntax", name, f"invalid YAML ({problem})",
                                       "well-formed YAML", line=problem_line)) from None
    if node is None:
        raise QuestionnaireError(Issue("yaml-empty", name, "an empty file", "a questionnaire mapping", line=1))
    lines: dict[str, int] = {}
    duplicates: list[Issue] = []
    data = _to_python(node, "", lines, duplicates, name)
    if duplicates:
        raise QuestionnaireError(duplicates)
    return YamlDocument(name, data, lines)


def _to_python(node: yaml.Node, path: str, lines: dict[str, int], duplicates: list[Issue], name: str) -> Any:
    if path:
        lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in result:
                duplicates.append(Issue("duplicate-key", name, f"the key '{key}' a second time",
                                        "each key once per mapping", line=key_node.start_mark.line + 1, key=child))
            lines[child] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, child, lines, duplicates, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, f"{path}[{i}]", lines, duplicates, name) for i, item in enumerate(node.value)]
    try:
        return _keep_written(_Yaml12Loader("").construct_object(node, deep=True), node)
    except (yaml.YAMLError, ValueError, KeyError, AttributeError):
        # An explicit tag the value does not fit (`!!int abc`) or that safe YAML does not allow (`!foo`).
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise QuestionnaireError(Issue("yaml-syntax", name, f"the value '{node.value}' tagged {tag}",
                                       "a plain value without a YAML tag", line=node.start_mark.line + 1,
                                       key=path or None)) from None
