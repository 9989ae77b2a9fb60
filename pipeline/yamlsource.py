"""Read YAML keeping the line of every key, so errors can point into the file.

PyYAML's composed node tree knows where each node starts; we turn it into plain Python
values and a map from key path (e.g. ``questions[3].codes``) to line number. libyaml (C)
parses the file where it reads it as PyYAML's own parser does, a fifth of the time; anything
else, and every file with an error, is parsed by PyYAML's parser, whose words every error keeps. Duplicate
keys, which `yaml.safe_load` silently overwrites, are reported instead.

A questionnaire is a few kilobytes; the limits below are far above any real one and far
below what would hang the run or exhaust its memory: the file's size, how deep values nest
(PyYAML composes recursively), how many aliases it uses and how many values they expand to
(nine nested aliases of nine make a "billion laughs"), and how many digits a number has.
Text is read in Unicode normal form NFC, as the answers are, so identifiers match however
an editor composed their accented letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Issue, QuestionnaireError
from pipeline.rawfile import FileProblem, read_bounded, wide_encoding

MAX_QUESTIONNAIRE_BYTES = 1 << 20
MAX_YAML_DEPTH = 64
MAX_YAML_ALIASES = 1_000
MAX_YAML_VALUES = 100_000
MAX_NUMBER_DIGITS = 30
_NOT_ALLOWED = yaml.reader.Reader.NON_PRINTABLE  # the characters PyYAML's reader refuses
# What libyaml reads otherwise than PyYAML: a tab (PyYAML ends a plain scalar at it, and refuses it
# between tokens), a byte-order mark inside the text, an explicit key (`? `), a tag (`!`, `!!int`),
# and a comment right after a block scalar's indicator (`|#`).
_READ_DIFFERENTLY = re.compile(r"[\t\ufeff]|(?:^|[\s\[{,])(?:\?(?:\s|$)|!)|[|>][-+0-9]*#")


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


class _ReadDifferently(Exception):
    """YAML that libyaml reads otherwise than PyYAML's own parser, which therefore reads it."""


class _YamlLimit(Exception):
    """A limit of the questionnaire's size or shape exceeded, where the YAML event or node starts."""

    def __init__(self, code: str, found: str, expected: str, line: int | None, key: str | None = None):
        super().__init__(found)
        self.code, self.found, self.expected, self.line, self.key = code, found, expected, line, key


class _Yaml12Resolver(yaml.resolver.Resolver):
    """YAML 1.2 booleans (`yes`, `no`, `on`, `off` stay strings: they are answer codes), integers
    and floats, and dates kept as text."""


_Yaml12Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Yaml12Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# YAML 1.2 integers: decimal digits are decimal (010 is ten, not eight), 0o octal, 0x hexadecimal;
# no 1.1 sexagesimal (1:20) or underscore forms.
_YAML12_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_Yaml12Resolver.add_implicit_resolver("tag:yaml.org,2002:int", _YAML12_INT, list("-+0123456789"))
# YAML 1.2 floats: a point or an exponent (1e3 too), infinities and NaN; no 1.1 sexagesimal (1:20.5).
_YAML12_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)"
                           r"(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_Yaml12Resolver.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+.0123456789"))


class _Yaml12Constructor(yaml.constructor.SafeConstructor):
    """Safe values, with YAML 1.2 integers (`_construct_int`)."""


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


_Yaml12Constructor.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _LimitedComposer(yaml.composer.Composer):
    """Composing stops at MAX_YAML_DEPTH levels and MAX_YAML_ALIASES aliases, before Python's
    recursion limit or an alias bomb is reached. The parser under it gives the events."""

    peek_event: Callable[[], yaml.Event]
    dispose: Callable[[], None]

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            self.alias_count = getattr(self, "alias_count", 0) + 1
            if self.alias_count > MAX_YAML_ALIASES:
                raise _YamlLimit("yaml-too-complex", f"more than {MAX_YAML_ALIASES:,} aliases (*name)",
                                 f"at most {MAX_YAML_ALIASES:,} aliases in a questionnaire", line)
            return super().compose_node(parent, index)
        self.depth = getattr(self, "depth", 0) + 1
        if self.depth > MAX_YAML_DEPTH:
            raise _YamlLimit("yaml-too-complex", f"values nested more than {MAX_YAML_DEPTH} levels deep",
                             f"at most {MAX_YAML_DEPTH} levels of nesting", line)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Yaml12Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _LimitedComposer,
                    _Yaml12Constructor, _Yaml12Resolver):
    """PyYAML's own reader, scanner and parser: the words and lines of every syntax error come from here."""

    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _LimitedComposer.__init__(self)
        _Yaml12Constructor.__init__(self)
        _Yaml12Resolver.__init__(self)


# libyaml's parser, or None when PyYAML was built without it (its wheels have it)
_LIBYAML: Callable[[str], _LimitedComposer] | None = None
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _LibyamlLoader(_LimitedComposer, CParser, _Yaml12Constructor, _Yaml12Resolver):
        """libyaml's scanner and parser (in C, a fifth of the time) under the same composer, limits,
        resolver and constructor: the same nodes, lines and values as PyYAML's parser gives.

        Where the two read YAML differently, this loader gives up (`_ReadDifferently`) before
        any value is used: see `_compose`."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            _LimitedComposer.__init__(self)
            _Yaml12Constructor.__init__(self)
            _Yaml12Resolver.__init__(self)
            self.flow_depth = 0

        def compose_scalar_node(self, anchor):
            node = super().compose_scalar_node(anchor)
            if node.style == "":  # libyaml's style of a plain scalar, which PyYAML's parser gives as None
                node.style = None
                if self.flow_depth and "?" in node.value:  # PyYAML ends a plain scalar in [ ] or { } at a ?
                    raise _ReadDifferently
            return node

        def compose_sequence_node(self, anchor):
            return self._in_collection(super().compose_sequence_node, anchor)

        def compose_mapping_node(self, anchor):
            return self._in_collection(super().compose_mapping_node, anchor)

        def _in_collection(self, compose, anchor):
            flow = bool(getattr(self.peek_event(), "flow_style", False))
            self.flow_depth += flow
            try:
                return compose(anchor)
            finally:
                self.flow_depth -= flow

    _LIBYAML = _LibyamlLoader


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


def read_yaml(path: Path, max_bytes: int = MAX_QUESTIONNAIRE_BYTES) -> YamlDocument:
    """Parse a YAML file into a YamlDocument; malformed YAML, or YAML beyond the limits, is a QuestionnaireError."""
    name = str(path)
    try:
        raw = read_bounded(path, max_bytes)
    except FileProblem as unread:
        expected = f"a readable YAML file (a regular file of at most {max_bytes:,} bytes)"
        raise QuestionnaireError(unread.issue(name, expected)) from None
    text = _decode(raw, name)
    try:
        node = _compose(text)
    except _YamlLimit as limit:
        raise QuestionnaireError(Issue(limit.code, name, limit.found, limit.expected, line=limit.line,
                                       key=limit.key)) from None
    except yaml.reader.ReaderError as exc:
        raise QuestionnaireError(_unprintable(text, exc, name)) from None
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
    try:
        data = _Converter(name, lines, duplicates).value(node, "", 0)
    except _YamlLimit as limit:
        raise QuestionnaireError(Issue(limit.code, name, limit.found, limit.expected, line=limit.line,
                                       key=limit.key)) from None
    if duplicates:
        raise QuestionnaireError(duplicates)
    return YamlDocument(name, data, lines)


def _decode(raw: bytes, name: str) -> str:
    """The file's text in NFC; UTF-16, UTF-32 and other non-UTF-8 bytes are named, with their line."""
    wide = wide_encoding(raw)
    if wide is not None:
        raise QuestionnaireError(Issue("yaml-encoding", name, f"a {wide} file", "a UTF-8 text file",
                                       hint="save the file as UTF-8"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        raise QuestionnaireError(Issue("yaml-encoding", name, f"the byte 0x{raw[start]:02x} at column {column}",
                                       "a UTF-8 text file", line=line)) from None
    return unicodedata.normalize("NFC", text)


def _compose(text: str) -> yaml.Node | None:
    """The YAML node tree, composed within MAX_YAML_DEPTH and MAX_YAML_ALIASES.

    libyaml parses it where it reads it as PyYAML does. A file it finds a problem in, or that
    it might read otherwise (`_READ_DIFFERENTLY`, `_ReadDifferently`), or with a character YAML
    does not allow, is parsed by PyYAML's own parser: the values, lines and the words of every
    error are PyYAML's, as they always were.
    """
    if _LIBYAML is not None and _NOT_ALLOWED.search(text) is None and _READ_DIFFERENTLY.search(text) is None:
        try:
            node = _composed(_LIBYAML(text))
            if not isinstance(node, yaml.ScalarNode):  # a lone scalar is no questionnaire: PyYAML says where it is
                return node
        except (yaml.YAMLError, _YamlLimit, _ReadDifferently):
            pass
    return _composed(_Yaml12Loader(text))


def _composed(loader: _LimitedComposer) -> yaml.Node | None:
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _unprintable(text: str, exc: yaml.reader.ReaderError, name: str) -> Issue:
    """A character YAML does not allow in a file (a NUL byte, a control character), by line and column."""
    position = min(exc.position, len(text))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    what = "a NUL byte (U+0000)" if exc.character == 0 else f"the control character U+{exc.character:04X}"
    return Issue("yaml-encoding", name, f"{what} at column {column}",
                 "text without control characters (YAML allows tabs and line breaks only)", line=line)


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Converter:
    """Turns composed nodes into plain values, recording each key path's line and every duplicate key.

    Aliases share one node, so a small file can stand for a huge tree: values are counted as
    they are made, and conversion stops at MAX_YAML_VALUES (and at MAX_YAML_DEPTH, which a
    recursive alias would otherwise exceed).
    """

    def __init__(self, name: str, lines: dict[str, int], duplicates: list[Issue]):
        self.name, self.lines, self.duplicates = name, lines, duplicates
        self.values = 0
        self.constructor = _Yaml12Constructor()

    def value(self, node: yaml.Node, path: str, depth: int) -> Any:
        self._count(node, path, depth)
        if path:
            self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        return _scalar(node, path, self.name, self.constructor)

    def _count(self, node: yaml.Node, path: str, depth: int) -> None:
        self.values += 1
        line = node.start_mark.line + 1
        if self.values > MAX_YAML_VALUES:  # named by its top-level key: paths inside an expansion mean little
            section = re.split(r"[.\[]", path)[0]
            raise _YamlLimit("yaml-too-complex", f"more than {MAX_YAML_VALUES:,} values once aliases are expanded",
                             f"at most {MAX_YAML_VALUES:,} values in a questionnaire",
                             self.lines.get(section, line), section or None)
        if depth > MAX_YAML_DEPTH:
            raise _YamlLimit("yaml-too-complex", f"values nested more than {MAX_YAML_DEPTH} levels deep "
                             "(an alias inside its own anchor?)", f"at most {MAX_YAML_DEPTH} levels of nesting",
                             line, path or None)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in result:
                self.duplicates.append(Issue("duplicate-key", self.name, f"the key '{key}' a second time",
                                             "each key once per mapping", line=key_node.start_mark.line + 1,
                                             key=child))
            self.lines[child] = key_node.start_mark.line + 1
            result[key] = self.value(value_node, child, depth + 1)
        return result


def _scalar(node: yaml.Node, path: str, name: str, constructor: _Yaml12Constructor) -> Any:
    """A scalar's value; numbers longer than MAX_NUMBER_DIGITS digits are refused before conversion."""
    if node.tag in _NUMBER_TAGS and sum(c.isalnum() for c in str(node.value)) > MAX_NUMBER_DIGITS:
        raise QuestionnaireError(Issue("number-too-long", name, f"a number of {len(str(node.value)):,} characters "
                                       f"('{node.value}')", f"a number of at most {MAX_NUMBER_DIGITS} digits",
                                       line=node.start_mark.line + 1, key=path or None))
    try:
        return _keep_written(constructor.construct_object(node, deep=True), node)
    except (yaml.YAMLError, ValueError, KeyError, AttributeError):
        # An explicit tag the value does not fit (`!!int abc`) or that safe YAML does not allow (`!foo`).
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise QuestionnaireError(Issue("yaml-syntax", name, f"the value '{node.value}' tagged {tag}",
                                       "a plain value without a YAML tag", line=node.start_mark.line + 1,
                                       key=path or None)) from None
