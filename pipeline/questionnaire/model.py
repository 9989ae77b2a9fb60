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
    Calfun,
    ChartOrder,
    ClaimStatistic,
    DegreesOfFreedom,
    DesignIntervalMethod,
    IntervalMethod,
    LonelyPsu,
    OnInvalid,
    OnNotConverged,
    ReplicateType,
    WeightingMethod,
)

ROW_NUMBER_ID = "(row number)"
"""The id column of answers without one: each respondent's row number (a name no question can have)."""
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
    contact: str = field(default="", metadata=key("who answers questions about the figures (a team, an email address)"))


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
class MarginLevel:
    """One level of a margin and its population count."""

    code: str = field(default="", metadata=key("a code of the margin's question", required=True))
    count: int = field(default=0, metadata=key("the population count of that code", required=True))


@dataclass(frozen=True, kw_only=True)
class Margin:
    """The population counts of one variable's levels: one table per variable, for raking or
    calibration when the joint frame of all variables is not known."""

    variable: str = field(default="", metadata=key("a question with codes", required=True))
    levels: tuple[MarginLevel, ...] = field(
        default=(), metadata=key("one `{code: C, count: N}` per code of the question", required=True)
    )


@dataclass(frozen=True, kw_only=True)
class Population:
    size: int | None = field(default=None, metadata=key("the population size", kind=Kind.NUMBER))
    unit: str = field(default="units", metadata=key("what the population counts"))
    description: str = field(default="", metadata=key("who the population is"))
    frame: Frame | None = field(default=None, metadata=key("population counts by frame variables"))
    margins: tuple[Margin, ...] = field(
        default=(), metadata=key("population counts per level of one variable each (rake and calibrate)")
    )

    @property
    def variables(self) -> tuple[str, ...]:
        return self.frame.variables if self.frame else ()

    @property
    def margin_variables(self) -> tuple[str, ...]:
        return tuple(m.variable for m in self.margins)

    def margin(self, variable: str) -> Margin | None:
        for m in self.margins:
            if m.variable == variable:
                return m
        return None

    @property
    def cells(self) -> tuple[FrameCell, ...]:
        return self.frame.cells if self.frame else ()


@dataclass(frozen=True, kw_only=True)
class Bounds:
    lower: float | None = field(default=None, metadata=key("the smallest allowed value (none: no lower bound)"))
    upper: float | None = field(default=None, metadata=key("the largest allowed value (none: no upper bound)"))


@dataclass(frozen=True, kw_only=True)
class Trim:
    lower: float | None = field(default=None, metadata=key("the smallest weight (none: no lower bound)"))
    upper: float | None = field(default=None, metadata=key("the largest weight (none: no upper bound)"))
    strict: bool = field(default=False, metadata=key("trim again until no weight is outside (R's strict)"))


@dataclass(frozen=True, kw_only=True)
class Weighting:
    method: WeightingMethod = field(
        default=WeightingMethod.NONE, metadata=key("how weights are calibrated to the population", required=True)
    )
    variables: tuple[str, ...] = field(
        default=(), metadata=key("variables of `population.frame` or `population.margins`")
    )
    calfun: Calfun = field(default=Calfun.LINEAR, metadata=key("`calibrate`: R's calfun, linear (GREG) or raking"))
    epsilon: float | None = field(
        default=None,
        metadata=key("convergence tolerance: R `rake`'s control epsilon (default: every margin within 1e-10 of its "
                     "target), or R `calibrate`'s epsilon (default 1e-7)"),
    )
    max_iterations: int | None = field(
        default=None, metadata=key("most raking passes (default 100) or calibration steps (default 50): R's maxit")
    )
    on_not_converged: OnNotConverged = field(
        default=OnNotConverged.STOP, metadata=key("stop, or go on with a warning in the outputs")
    )
    bounds: Bounds | None = field(
        default=None, metadata=key("`calibrate`: bounds on calibrated over starting weights (R's bounds)")
    )
    trim: Trim | None = field(
        default=None, metadata=key("bounds on the starting weights, before calibration (R's trimWeights)")
    )
    small_cell: int = field(
        default=5, metadata=key("a target cell or margin level with fewer respondents is named in a warning")
    )


@dataclass(frozen=True, kw_only=True)
class Replicates:
    """Replicate-weight columns of the answers file, as R's `svrepdesign(combined.weights = TRUE)`."""

    type: ReplicateType = field(
        default=ReplicateType.JK1, metadata=key("how the replicates were made (R's svrepdesign type)", required=True))
    columns: tuple[str, ...] = field(default=(), metadata=key("replicate-weight columns, in replicate order"))
    prefix: str | None = field(
        default=None, metadata=key("replicate-weight columns named by this prefix and a number (`repwt1`, "
                                   "`repwt2`, ...), in the number's order, after `columns`"))
    rho: float | None = field(default=None, metadata=key("Fay's rho, from 0 to below 1 (type `fay` only)"))
    scale: float | None = field(
        default=None, metadata=key("the variance's overall multiplier (default by type, as R's svrepdesign)"))
    rscales: tuple[float, ...] | None = field(
        default=None, metadata=key("each replicate's multiplier, or one for all (default 1; required for `jkn`)"))
    mse: bool = field(
        default=False, metadata=key("deviations from the full-sample estimate, not the replicates' mean (R's mse)"))

    def names_column(self, name: str) -> bool:
        """Whether a column of the answers file is one of these replicate columns."""
        return name in self.columns or bool(self.prefix and name in self.columns_in((name,)))

    def columns_in(self, header: tuple[str, ...]) -> tuple[str, ...]:
        """The replicate columns of a file with this header: `columns`, then the prefix's in number order."""
        chosen = list(self.columns)
        if self.prefix:
            numbered = [(int(name[len(self.prefix):]), name) for name in header
                        if name.startswith(self.prefix) and name[len(self.prefix):].isdigit()
                        and name[len(self.prefix):].isascii() and name not in chosen]
            chosen.extend(name for _, name in sorted(numbered))
        return tuple(chosen)


@dataclass(frozen=True, kw_only=True)
class Design:
    respondent_id: str | None = field(
        default="id",
        metadata=key("the column of respondent ids; null when the file has none (the row number is then the id)",
                     required=True),
    )
    strata: str | None = field(default=None, metadata=key("a column of strata"))
    weights: str | None = field(default=None, metadata=key("a column of positive weights"))
    clusters: tuple[str, ...] = field(
        default=(),
        metadata=key("a column of cluster ids, or a list of columns, one per stage of a multistage sample",
                     one_or_list=True),
    )
    nest: bool = field(default=False, metadata=key("cluster ids are numbered within each stratum (R's nest = TRUE)"))
    lonely_psu: LonelyPsu = field(
        default=LonelyPsu.FAIL,
        metadata=key("what a stratum with a single sampled PSU adds to the variance (R's survey.lonely.psu)"),
    )
    population_size: int | str | tuple[int | str, ...] | None = field(
        default=None,
        metadata=key("a whole number, or the name of a column of stratum population sizes; a list of those, "
                     "one per stage, for a multistage sample", kind=Kind.WHOLE_OR_COLUMN),
    )
    weighting: Weighting | None = field(
        default=None, metadata=key("calibration of the weights to `population.frame` or `population.margins`")
    )
    replicates: Replicates | None = field(
        default=None, metadata=key("replicate-weight columns; `weights` is then the full-sample weights"))

    @property
    def first_clusters(self) -> str | None:
        """The column of primary sampling units (the first stage's clusters), if clustered."""
        return self.clusters[0] if self.clusters else None

    @property
    def stage_sizes(self) -> tuple[int | str, ...]:
        """The population size of each stage (one for a single value; none when not given)."""
        size = self.population_size
        if size is None:
            return ()
        return size if isinstance(size, tuple) else (size,)

    @property
    def first_size(self) -> int | str | None:
        """The first stage's population size (of strata, or of the whole sample)."""
        return self.stage_sizes[0] if self.stage_sizes else None

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
    sheet: str | None = field(
        default=None, metadata=key("the workbook's sheet of answers (`.xlsx`); default the first")
    )


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
class ShareTest:
    measure: str = field(default="", metadata=key("a measure id", required=True))
    value: float = field(default=0.5, metadata=key("the share it is tested against, above 0 and below 1",
                                                   required=True))


@dataclass(frozen=True, kw_only=True)
class Ratio:
    """The ratio of two numeric questions' totals (R's `svyratio`), e.g. spending per visit."""

    id: str = field(default="", metadata=key("unique across questions, measures and ratios", required=True))
    numerator: str = field(default="", metadata=key("a numeric question", required=True))
    denominator: str = field(default="", metadata=key("a numeric question", required=True))
    label: str = field(default="", metadata=key("how tables show it", default_from="id"))


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
    interval: tuple[IntervalMethod, ...] = field(
        default=(IntervalMethod.WILSON,), metadata=key("interval of unweighted shares; a list gives a row per method")
    )
    design_interval: tuple[DesignIntervalMethod, ...] = field(
        default=(DesignIntervalMethod.LOGIT,),
        metadata=key("design-based interval, as R survey's `svyciprop`, or `hypergeometric` (exact, for the "
                     "unweighted sample of a known population); a list gives a row per method"),
    )
    fpc: bool = field(default=True, metadata=key("apply the finite population correction"))
    df: DegreesOfFreedom = field(
        default=DegreesOfFreedom.DESIGN,
        metadata=key("degrees of freedom of design-based intervals: the design's (R's `degf`), or `inf` for normal "
                     "quantiles (R's `df = Inf`)"),
    )
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
    share_tests: tuple[ShareTest, ...] = field(
        default=(), metadata=key("a measure's share tested against a value (R's binom.test and prop.test)"))
    ratios: tuple[Ratio, ...] = field(default=(), metadata=key("ratios of two numeric questions to estimate"))
    adjust: Adjust = field(default=Adjust.HOLM, metadata=key("multiple-comparison adjustment"))
    suppress_below: int = field(default=5, metadata=key("smallest base whose figures are published"))
    themes: tuple[Theme, ...] = field(default=(), metadata=key("sections of the report"))


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """A recommendation of the study, the reason it gave, and the survey evidence it rests on."""

    text: str = field(default="", metadata=key("the recommendation", required=True))
    reason: str = field(default="", metadata=key("the reason the study gave for it"))
    evidence: tuple[str, ...] = field(
        default=(), metadata=key("measure ids it rests on; none: the report says \"no survey measure\""))


@dataclass(frozen=True, kw_only=True)
class ReportText:
    introduction: str | None = field(default=None, metadata=key("opening paragraph; default `survey.description`"))
    recommendations: tuple[Recommendation, ...] | None = field(
        default=None, metadata=key("the study's recommendations, each with its reason and evidence"))
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
    def id_column(self) -> str:
        """The column of respondent ids once the answers are read: the file's, or the row numbers'."""
        return self.design.respondent_id if self.design.respondent_id is not None else ROW_NUMBER_ID

    @property
    def column_sources(self) -> dict[str, str]:
        """Each column the analysis uses, by its name here, and the answers file's name of it, in order."""
        sources = {name: name for name in self.expected_columns}
        for q in self.questions:
            sources.update(zip(q.columns, q.source_columns, strict=True))
        return sources

    @property
    def expected_columns(self) -> tuple[str, ...]:
        """Every column the answers are checked by, in questionnaire order (named by question id)."""
        columns = [self.design.respondent_id] if self.design.respondent_id is not None else []
        for name in (self.design.strata, self.design.weights, *self.design.clusters,
                     *(size for size in self.design.stage_sizes if isinstance(size, str))):
            if name and name not in columns:
                columns.append(name)
        if self.design.replicates is not None:  # columns found by prefix are matched against the file's header
            columns.extend(c for c in self.design.replicates.columns if c not in columns)
        for q in self.questions:
            columns.extend(q.columns)
        return tuple(columns)
