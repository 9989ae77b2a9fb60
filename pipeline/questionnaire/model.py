"""The questionnaire as frozen, typed values: each section of the YAML file is a dataclass.

The fields are the declaration of the format (`schema.key`): their YAML key, whether they are
required, their defaults and what they mean. The properties and methods below the fields are
what later stages ask of a questionnaire; they never see the YAML.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.questionnaire.questions import MissingCodes, Question
from pipeline.questionnaire.schema import Kind, key
from pipeline.questionnaire.vocabulary import (
    Adjust,
    Base,
    ChartOrder,
    ClaimStatistic,
    DesignIntervalMethod,
    IntervalMethod,
    LonelyPsu,
    OnInvalid,
    WeightingMethod,
)

MAX_MAIN_POINTS = 6  # page 1 is a summary: three to six main points, as official-statistics releases have


@dataclass(frozen=True, kw_only=True)
class Survey:
    id: str = field(
        default="survey",
        metadata=key("letters, digits, `-` and `_`; equals the file name without `.yaml`", required=True),
    )
    title: str = field(default="", metadata=key("the survey's title", required=True))
    subtitle: str = field(default="", metadata=key("a subtitle"))
    organisations: tuple[str, ...] = field(default=(), metadata=key("who ran the survey", indexed=True))
    fieldwork: str = field(default="", metadata=key("when the answers were collected"))
    published: str = field(default="", metadata=key("when the results were published (text, not a date)"))
    description: str = field(default="", metadata=key("what the survey asked and of whom"))
    provenance_note: str = field(default="", metadata=key("where the answers come from, shown on the report"))


@dataclass(frozen=True, kw_only=True)
class FrameCell:
    """One combination of frame variables' codes and its population count."""

    values: tuple[str, ...]
    count: int


@dataclass(frozen=True, kw_only=True)
class Frame:
    variables: tuple[str, ...] = field(default=(), metadata=key("questions with codes", required=True, indexed=True))
    cells: tuple[FrameCell, ...] = field(
        default=(),
        metadata=key("one `{variable: code, ..., count: N}` per combination", required=True, kind=Kind.CELLS),
    )


@dataclass(frozen=True, kw_only=True)
class Population:
    size: int | None = field(default=None, metadata=key("the population size", kind=Kind.NUMBER))
    unit: str = field(default="units", metadata=key("what the population counts"))
    description: str = field(default="", metadata=key("who the population is"))
    frame: Frame | None = field(default=None, metadata=key("population counts by frame variables"))

    @property
    def variables(self) -> tuple[str, ...]:
        return self.frame.variables if self.frame else ()

    @property
    def cells(self) -> tuple[FrameCell, ...]:
        return self.frame.cells if self.frame else ()


@dataclass(frozen=True, kw_only=True)
class Weighting:
    method: WeightingMethod = field(
        default=WeightingMethod.NONE, metadata=key("how weights are calibrated to the frame", required=True)
    )
    variables: tuple[str, ...] = field(default=(), metadata=key("variables of `population.frame`"))


@dataclass(frozen=True, kw_only=True)
class Design:
    respondent_id: str = field(default="id", metadata=key("the column of respondent ids", required=True))
    strata: str | None = field(default=None, metadata=key("a column of strata"))
    weights: str | None = field(default=None, metadata=key("a column of positive weights"))
    clusters: str | None = field(default=None, metadata=key("a column of cluster ids"))
    nest: bool = field(default=False, metadata=key("cluster ids are numbered within each stratum (R's nest = TRUE)"))
    lonely_psu: LonelyPsu = field(
        default=LonelyPsu.FAIL,
        metadata=key("what a stratum with a single sampled PSU adds to the variance (R's survey.lonely.psu)"),
    )
    population_size: int | str | None = field(
        default=None,
        metadata=key("a whole number, or the name of a column of stratum population sizes", kind=Kind.WHOLE_OR_COLUMN),
    )
    weighting: Weighting | None = field(default=None, metadata=key("calibration of the weights to `population.frame`"))

    @property
    def weighting_method(self) -> WeightingMethod:
        return self.weighting.method if self.weighting else WeightingMethod.NONE

    @property
    def weighting_variables(self) -> tuple[str, ...]:
        return self.weighting.variables if self.weighting else ()


@dataclass(frozen=True, kw_only=True)
class Answers:
    on_invalid: OnInvalid = field(default=OnInvalid.STOP, metadata=key("what to do with rows holding invalid answers"))
    delimiter: str = field(default=",", metadata=key("one ASCII character, not a quote or line break"))


@dataclass(frozen=True, kw_only=True)
class Measure:
    """A derived measure: the share of a base answering one of `categories`."""

    id: str = field(default="", metadata=key("unique across questions and measures", required=True))
    question: str = field(default="", metadata=key("a question with codes", required=True))
    categories: tuple[str, ...] = field(default=(), metadata=key("codes of that question", required=True))
    label: str = field(default="", metadata=key("how tables show it", default_from="id"))
    base: Base = field(
        default=Base.VALID, metadata=key("the denominator: all respondents, those asked, or valid answers")
    )
    description: str | None = field(default=None, metadata=key("what the measure is"))
    finding: str = field(
        default="",
        metadata=key("how a main point states it, after `71% of respondents`, e.g. `felt pressured`; "
                     "default: the label, then the figure"),
    )


@dataclass(frozen=True, kw_only=True)
class Domain:
    """Respondents whose answer to `variable` is `value`; unpacks as (variable, value)."""

    variable: str = field(default="", metadata=key("a question with codes", required=True))
    value: str = field(default="", metadata=key("one of its codes", required=True))

    def __iter__(self) -> Iterator[str]:
        return iter((self.variable, self.value))


@dataclass(frozen=True, kw_only=True)
class ClaimInterval:
    low: float = field(default=0.0, metadata=key("the lower end", required=True))
    high: float = field(default=1.0, metadata=key("the upper end, at least `low`", required=True))
    include_low: bool = field(default=True, metadata=key("whether `low` itself meets the claim"))
    include_high: bool = field(default=False, metadata=key("whether `high` itself meets the claim"))


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A published figure and the interval its wording is taken to mean."""

    id: str = field(default="", metadata=key("unique among claims", required=True))
    source: str = field(default="", metadata=key("where it was published", required=True))
    wording: str = field(default="", metadata=key("the published words", required=True))
    statistic: ClaimStatistic = field(
        default=ClaimStatistic.SHARE, metadata=key("what the claim states", required=True)
    )
    measure: str | None = field(default=None, metadata=key("a measure id (required for `share`)"))
    domain: Domain | None = field(default=None, metadata=key("only respondents with one answer to a question"))
    interval: ClaimInterval = field(
        default=ClaimInterval(), metadata=key("what the wording is taken to mean", required=True)
    )
    reasoning: str = field(default="", metadata=key("why this interval", required=True))

    @property
    def low(self) -> float:
        return self.interval.low

    @property
    def high(self) -> float:
        return self.interval.high

    @property
    def include_low(self) -> bool:
        return self.interval.include_low

    @property
    def include_high(self) -> bool:
        return self.interval.include_high

    def contains(self, value: float) -> bool:
        above = value >= self.low if self.include_low else value > self.low
        below = value <= self.high if self.include_high else value < self.high
        return above and below

    @property
    def interval_text(self) -> str:
        left = "[" if self.include_low else "("
        right = "]" if self.include_high else ")"
        return f"{left}{self.low:g}, {self.high:g}{right}"


@dataclass(frozen=True, kw_only=True)
class Comparison:
    measure: str = field(default="", metadata=key("a measure id", required=True))
    by: str = field(default="", metadata=key("a question with codes", required=True))


@dataclass(frozen=True, kw_only=True)
class Theme:
    id: str = field(default="", metadata=key("the section's id", required=True))
    title: str = field(default="", metadata=key("the section's title", required=True))
    summary: str = field(default="", metadata=key("what the section covers"))
    questions: tuple[str, ...] = field(default=(), metadata=key("question ids"))
    measures: tuple[str, ...] = field(default=(), metadata=key("measure ids"))
    message: str = field(
        default="",
        metadata=key("the title of the section's first bar chart, stating what it shows; default a neutral title"),
    )


@dataclass(frozen=True, kw_only=True)
class Analysis:
    level: float = field(default=0.95, metadata=key("confidence level, from 0.5 to below 1"))
    interval: IntervalMethod = field(default=IntervalMethod.WILSON, metadata=key("interval of unweighted shares"))
    design_interval: DesignIntervalMethod = field(
        default=DesignIntervalMethod.LOGIT, metadata=key("design-based interval, as R survey's `svyciprop`")
    )
    fpc: bool = field(default=True, metadata=key("apply the finite population correction"))
    headline: tuple[str, ...] = field(default=(), metadata=key("measure ids shown first"))
    main_points: tuple[str, ...] = field(
        default=(),
        metadata=key("measure ids of page 1's main points, at most six; default the first six headline ones"),
    )
    chart_order: ChartOrder = field(
        default=ChartOrder.LARGEST_FIRST, metadata=key("order of the items in charts and the tables beside them")
    )
    subgroups: tuple[str, ...] = field(default=(), metadata=key("questions with codes to break estimates down by"))
    comparisons: tuple[Comparison, ...] = field(default=(), metadata=key("differences between groups to test"))
    adjust: Adjust = field(default=Adjust.HOLM, metadata=key("multiple-comparison adjustment"))
    suppress_below: int = field(default=5, metadata=key("smallest base whose figures are published"))
    themes: tuple[Theme, ...] = field(default=(), metadata=key("sections of the report"))


@dataclass(frozen=True, kw_only=True)
class ReportText:
    introduction: str | None = field(default=None, metadata=key("opening paragraph; default `survey.description`"))
    recommendations: tuple[str, ...] | None = field(default=None, metadata=key("one recommendation per item"))
    limitations: str | None = field(default=None, metadata=key("what the figures cannot show"))


@dataclass(frozen=True, kw_only=True)
class Questionnaire:
    path: str
    format: int = field(default=1, metadata=key("format version; only `1`, the default", kind=Kind.VERSION))
    survey: Survey = field(default=Survey(), metadata=key("metadata", required=True))
    population: Population = field(default=Population(), metadata=key("the population and its frame"))
    design: Design = field(
        default=Design(), metadata=key("the respondent id column and design variables", required=True)
    )
    answers: Answers = field(default=Answers(), metadata=key("how the answers file is read and checked"))
    missing_codes: MissingCodes = field(
        default=MissingCodes(), metadata=key("default non-answer codes for every question")
    )
    questions: tuple[Question, ...] = field(default=(), metadata=key("the questions, in order", required=True))
    measures: tuple[Measure, ...] = field(default=(), metadata=key("derived measures (shares of a base)"))
    analysis: Analysis = field(default=Analysis(), metadata=key("the analysis plan"))
    claims: tuple[Claim, ...] = field(default=(), metadata=key("published figures to check"))
    report: ReportText = field(default=ReportText(), metadata=key("report text"))

    @property
    def on_invalid(self) -> OnInvalid:
        return self.answers.on_invalid

    @property
    def delimiter(self) -> str:
        return self.answers.delimiter

    @property
    def report_text(self) -> dict[str, Any]:
        """The report keys given in the file (a missing one falls back where it is used)."""
        given = {
            "introduction": self.report.introduction,
            "recommendations": self.report.recommendations,
            "limitations": self.report.limitations,
        }
        return {name: value for name, value in given.items() if value is not None}

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    @property
    def expected_columns(self) -> tuple[str, ...]:
        """Every column the answers file must have, in questionnaire order."""
        columns = [self.design.respondent_id]
        for name in (self.design.strata, self.design.weights, self.design.clusters):
            if name and name not in columns:
                columns.append(name)
        if isinstance(self.design.population_size, str) and self.design.population_size not in columns:
            columns.append(self.design.population_size)
        for q in self.questions:
            columns.extend(q.columns)
        return tuple(columns)
