"""Questions as frozen, typed values: codes, missing codes, scale, routing and range.

Declared like the rest of the model (`schema.key`); the methods are what later stages ask of
a question (its columns, the label or missing kind of a code).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.questionnaire.schema import key
from pipeline.questionnaire.vocabulary import Layout, MissingKind, QuestionType, Wording


@dataclass(frozen=True, kw_only=True)
class MissingCodes:
    """Codes meaning "no substantive answer", by kind; a kind not given is None."""

    dont_know: tuple[str, ...] | None = field(
        default=None, metadata=key("don't know: a code or a list of codes", one_or_list=True)
    )
    not_applicable: tuple[str, ...] | None = field(
        default=None, metadata=key("not applicable: a code or a list of codes", one_or_list=True)
    )
    refused: tuple[str, ...] | None = field(
        default=None, metadata=key("refused: a code or a list of codes", one_or_list=True)
    )
    allow_blank: bool | None = field(
        default=None, metadata=key("a blank cell counts as no answer (default false; always true for `text`)")
    )

    def items(self) -> Iterator[tuple[MissingKind, tuple[str, ...]]]:
        """Each kind given and its codes."""
        for kind in MissingKind:
            codes = getattr(self, kind.value)
            if codes is not None:
                yield kind, codes

    @property
    def codes(self) -> frozenset[str]:
        """Every missing code, of any kind."""
        return frozenset(code for _, codes in self.items() for code in codes)

    def kind_of(self, code: str) -> MissingKind | None:
        """Which kind of non-answer a code stands for, or None for a substantive answer."""
        for kind, codes in self.items():
            if code in codes:
                return kind
        return None

    def over(self, defaults: MissingCodes) -> MissingCodes:
        """These codes, kind by kind, in place of the defaults'."""
        return MissingCodes(
            **{
                name: getattr(self, name) if getattr(self, name) is not None else getattr(defaults, name)
                for name in ("dont_know", "not_applicable", "refused", "allow_blank")
            }
        )


@dataclass(frozen=True, kw_only=True)
class Code:
    code: str = field(default="", metadata=key("the answer code as it appears in the answers file", required=True))
    label: str = field(default="", metadata=key("how tables show it", default_from="code"))


@dataclass(frozen=True, kw_only=True)
class Scale:
    """The sides of an ordered scale, each a list of codes."""

    negative: tuple[str, ...] = field(default=(), metadata=key("codes on the negative side", required=True))
    neutral: tuple[str, ...] = field(default=(), metadata=key("codes in the middle"))
    positive: tuple[str, ...] = field(default=(), metadata=key("codes on the positive side", required=True))

    def get(self, side: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The codes of a side by name, as a mapping would give them."""
        return getattr(self, side, default) if side in ("negative", "neutral", "positive") else default


@dataclass(frozen=True, kw_only=True)
class Condition:
    """Routing: the question is asked only of respondents whose answer to `question` is in `values`."""

    question: str = field(default="", metadata=key("a single-answer question with codes", required=True))
    values: tuple[str, ...] = field(
        default=(),
        metadata=key("its codes or missing codes: a code or a list", name="in", required=True, one_or_list=True),
    )


@dataclass(frozen=True, kw_only=True)
class Range:
    min: float | None = field(default=None, metadata=key("the smallest answer allowed"))
    max: float | None = field(default=None, metadata=key("the largest answer allowed"))
    integer: bool = field(default=False, metadata=key("only whole numbers"))


@dataclass(frozen=True, kw_only=True)
class Question:
    id: str = field(default="", metadata=key("its column in the answers file: letters, digits and `_`", required=True))
    type: QuestionType = field(default=QuestionType.TEXT, metadata=key("what the answers are", required=True))
    column: str | None = field(
        default=None,
        metadata=key("the answers file's name of its column where it differs from `id` (multiple choice "
                     "with `layout: columns`: `{code}` stands for each code, else `<column>.<code>`)"),
    )
    text: str = field(default="", metadata=key("the question as asked", default_from="id"))
    label: str = field(default="", metadata=key("short label for tables", default_from="text"))
    wording: Wording = field(default=Wording.ORIGINAL, metadata=key("whether `text` is as asked"))
    codes: tuple[Code, ...] = field(default=(), metadata=key("the answer codes, in order"))
    scale: Scale | None = field(default=None, metadata=key("the sides of the scale (`scale` questions only)"))
    missing: MissingCodes = field(
        default=MissingCodes(), metadata=key("missing codes replacing `missing_codes`, kind by kind")
    )
    asked_if: Condition | None = field(
        default=None, metadata=key("routing: asked only if another answer is one of some codes")
    )
    range: Range | None = field(default=None, metadata=key("allowed numbers (`numeric` questions only)"))
    layout: Layout | None = field(
        default=Layout.COLUMNS, metadata=key("multiple choice: one column per code, or one delimited column")
    )
    delimiter: str = field(
        default=";", metadata=key("multiple choice with `layout: delimited`: the text between codes")
    )
    selected: str = field(default="1", metadata=key("multiple choice with `layout: columns`: the ticked value"))
    not_selected: str = field(default="0", metadata=key("multiple choice with `layout: columns`: the not-ticked value"))
    note: str | None = field(default=None, metadata=key("anything a reader should know about the question"))

    @property
    def allow_blank(self) -> bool:
        return self.type.is_free_text or bool(self.missing.allow_blank)

    @property
    def minimum(self) -> float | None:
        return self.range.min if self.range else None

    @property
    def maximum(self) -> float | None:
        return self.range.max if self.range else None

    @property
    def integer(self) -> bool:
        return self.range.integer if self.range else False

    @property
    def code_values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    def label_of(self, code: str) -> str:
        for c in self.codes:
            if c.code == code:
                return c.label
        kind = self.missing.kind_of(code)
        return kind.replace("_", " ") if kind else code

    def missing_kind(self, code: str) -> str | None:
        """Which kind of non-answer a code stands for, or None for a substantive answer."""
        return self.missing.kind_of(code)

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns this question occupies in the answers file."""
        if self.type.is_multiple_choice and self.layout == Layout.COLUMNS:
            return tuple(f"{self.id}.{c.code}" for c in self.codes)
        return (self.id,)

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The answers file's names of `columns`, in the same order (`column`, else the same names)."""
        if self.column is None:
            return self.columns
        if self.type.is_multiple_choice and self.layout == Layout.COLUMNS:
            if "{code}" in self.column:
                return tuple(self.column.replace("{code}", c.code) for c in self.codes)
            return tuple(f"{self.column}.{c.code}" for c in self.codes)
        return (self.column,)
