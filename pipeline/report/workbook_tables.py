"""The report's tables as spreadsheet tables: numbers as numbers, headers in words with units.

Each report table becomes one `SheetTable`: a title, the notes it refers to, and columns that
say what they hold and in which unit ("Percentage (%)", "Respondents in base (count)"), so
that the sheet reads without the report beside it. Shares stay proportions at full precision
(the workbook formats them as percentages); a figure on a base under the questionnaire's
`suppress_below` is the marker [c], never a number. Theme tables and subgroup tables are
long, one row per figure, which sorts and filters in a spreadsheet as a wide table does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pipeline.compare import PAIRWISE_TESTS, TEST_NAMES
from pipeline.numeric_estimates import NUMERIC_METHOD_NAMES
from pipeline.records import BOUNDS, SHARE
from pipeline.report.context import level_text
from pipeline.stats.intervals import METHOD_NAMES
from pipeline.suppression import MARKER

TEXT, PERCENT, COUNT, NUMBER, PROBABILITY = "text", "percent", "count", "number", "probability"
NOT_APPLICABLE = "[x]"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass(frozen=True)
class SheetTable:
    """One table for one sheet: its sheet name, title, notes (keys into `notes`) and rows."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    key: str
    text: str


def workbook_notes(results) -> list[Note]:
    """The notes that apply to this survey's tables, in the order they are numbered."""
    q = results.questionnaire
    level = level_text(q.analysis.level)
    names = {**METHOD_NAMES, **NUMERIC_METHOD_NAMES}
    methods = [f"{names[m]} ({m})" for m in dict.fromkeys(results.estimates.methods) if m in names]
    variants = {v.name for v in results.variants}
    notes = []
    if results.provenance.reconstructed:
        notes.append(Note("reconstructed", "These figures come from reconstructed answers, not the study's original "
                                            "data. " + q.survey.provenance_note))
    notes.append(Note("suppressed", f"[c]: the figure rests on a base of fewer than {q.analysis.suppress_below} "
                                    "respondents, so it is suppressed to protect the people who answered."))
    notes.append(Note("intervals", f"Confidence limits are of {level} confidence intervals, by the method named "
                                   f"in each row: {'; '.join(methods)}. Bases of fewer than 30 respondents give "
                                   "wide intervals: treat their figures with caution."))
    if "fpc" in variants:
        notes.append(Note("fpc", "With the finite population correction: the respondents are a large part of a "
                                 "finite population, which leaves less room for chance, so the interval is narrower. "
                                 "It assumes the respondents are like a random sample of the population."))
    if "design" in variants:
        text = "Weighted: the estimate uses the survey design's weights, strata and clusters."
        if results.provenance.illustration:
            text += " " + results.provenance.illustration
        notes.append(Note("weighted", text))
    if results.estimates.has_variant(BOUNDS):
        notes.append(Note("bounds", "Bounds over the whole population: the lowest and highest share possible "
                                    "whatever the people who did not answer would have said."))
    if any(question.type.is_multiple_choice for question in q.questions):
        notes.append(Note("multiple", "Where more than one answer could be given, shares do not sum to 100%."))
    if len(results.comparisons):
        notes.append(Note("adjusted", "p-values are adjusted for multiple testing by the method named in the "
                                      "table; a comparison is significant when its adjusted p-value is under 0.05."))
    notes.append(Note("not_applicable", f"{NOT_APPLICABLE}: not applicable, or no figure for this row (for "
                                         "example, a test of all groups at once has no pair of groups)."))
    notes.append(Note("proportions", "Shares are stored as proportions at full precision and shown as "
                                     "percentages; n is the unweighted number of respondents in the base."))
    return notes


def report_tables(results) -> list[SheetTable]:
    """Every table of the report, then the full estimates, one per sheet."""
    tables = [*(_named(t, f"Theme_{i}") for i, t in enumerate(_theme_tables(results), start=1)),
              *(_named(t, f"Subgroups_{i}") for i, t in enumerate(_subgroup_tables(results), start=1))]
    if len(results.comparisons):
        tables.append(_named(_comparisons_table(results), "Comparisons"))
    if len(results.findings):
        tables.append(_named(_claims_table(results), "Findings"))
    tables.append(_named(_answers_table(results), "Answers"))
    tables = [_not_applicable_marked(t) for t in tables]
    tables.append(_named(_estimates_table(results), "Estimates"))
    if any(e.statistic != SHARE for e in results.estimates):
        tables.append(_named(_estimates_table(results, numeric=True), "Numeric_estimates"))
    return [SheetTable(t.name, f"Table {i}: {t.title}", t.columns, t.rows, t.notes)
            for i, t in enumerate(tables, start=1)]


def _not_applicable_marked(table: SheetTable) -> SheetTable:
    """A report table with [x] in each cell that has no figure, and the note saying so if any has.

    (The estimates sheet keeps estimates.csv's blanks, which its note column explains.)
    """
    if not any(value is None for row in table.rows for value in row):
        return table
    rows = [tuple(NOT_APPLICABLE if value is None else value for value in row) for row in table.rows]
    return SheetTable(table.name, table.title, table.columns, rows, (*table.notes, "not_applicable"))


def _named(table: SheetTable, name: str) -> SheetTable:
    return SheetTable(name, table.title, table.columns, table.rows, table.notes)


def _share(row, suppress: int):
    """A proportion, or the marker when the base is too small; blank when there is no such figure."""
    if row is None:
        return None
    return MARKER if row.n < suppress else _number(row.estimate)


def _limits(row, suppress: int) -> tuple:
    if row is None:
        return None, None
    if row.n < suppress:
        return MARKER, MARKER
    return _number(row.ci_low), _number(row.ci_high)


def _number(value):
    """A finite float, or None (a blank cell) for NaN."""
    if value is None or value == "":
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _text(value) -> str | None:
    """A value as text, or None (a blank cell) when it is missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return str(value)


def _theme_tables(results) -> list[SheetTable]:
    q, lookup, suppress = results.questionnaire, results.estimates, results.questionnaire.analysis.suppress_below
    variants = {v.name for v in results.variants}
    level = level_text(q.analysis.level)
    columns = [Column("Measure"), Column("Base"), Column("Percentage (%)", PERCENT),
               Column("Respondents in base (count)", COUNT),
               Column(f"Lower limit, {level} confidence interval (%)", PERCENT),
               Column(f"Upper limit, {level} confidence interval (%)", PERCENT)]
    notes = ["suppressed", "intervals"]
    optional = []
    if "fpc" in variants:
        optional.append(("fpc", ["Lower limit with finite population correction (%) [note {fpc}]",
                                 "Upper limit with finite population correction (%) [note {fpc}]"]))
    if "design" in variants:
        optional.append(("design", ["Weighted percentage (%) [note {weighted}]",
                                    "Weighted lower limit (%) [note {weighted}]",
                                    "Weighted upper limit (%) [note {weighted}]"]))
    if lookup.has_variant(BOUNDS):
        optional.append((BOUNDS, ["Lowest possible share of the whole population (%) [note {bounds}]",
                                  "Highest possible share of the whole population (%) [note {bounds}]"]))
    for _, headers in optional:
        columns += [Column(h, PERCENT) for h in headers]
    tables = []
    for theme in q.analysis.themes:
        rows = []
        for measure_id in theme.measures:
            measure = q.measure(measure_id)
            category = "|".join(measure.categories)
            row = lookup.get(measure_id, category)
            if row is None:
                continue
            values = [measure.label, row.base, _share(row, suppress), int(row.n), *_limits(row, suppress)]
            for variant, _ in optional:
                other = lookup.get(measure_id, category, "", "", variant)
                if variant == "design":
                    values += [_share(other, suppress), *_limits(other, suppress)]
                else:
                    values += list(_limits(other, suppress))
            rows.append(tuple(values))
        if rows:
            tables.append(SheetTable("", theme.title, tuple(columns), rows, tuple(notes)))
    return tables


def _subgroup_tables(results) -> list[SheetTable]:
    q, lookup, suppress = results.questionnaire, results.estimates, results.questionnaire.analysis.suppress_below
    weighted = any(v.name == "design" for v in results.variants)
    level = level_text(q.analysis.level)
    tables = []
    for variable in q.analysis.subgroups:
        question = q.question(variable)
        columns = [Column("Measure"), Column(question.label), Column("Percentage (%)", PERCENT),
                   Column("Respondents in base (count)", COUNT),
                   Column(f"Lower limit, {level} confidence interval (%)", PERCENT),
                   Column(f"Upper limit, {level} confidence interval (%)", PERCENT)]
        if weighted:
            columns.append(Column("Weighted percentage (%) [note {weighted}]", PERCENT))
        rows = []
        for measure_id in q.analysis.headline:
            measure = q.measure(measure_id)
            category = "|".join(measure.categories)
            for code in question.code_values:
                row = lookup.get(measure_id, category, variable, code)
                values = [measure.label, question.label_of(code), _share(row, suppress),
                          int(row.n) if row is not None else 0, *_limits(row, suppress)]
                if weighted:
                    values.append(_share(lookup.get(measure_id, category, variable, code, "design"), suppress))
                rows.append(tuple(values))
        tables.append(SheetTable("", f"Headline measures by {question.label}", tuple(columns), rows,
                                 ("suppressed", "intervals")))
    return tables


def _comparisons_table(results) -> SheetTable:
    q, suppress = results.questionnaire, results.questionnaire.analysis.suppress_below
    columns = (Column("Measure id"), Column("Measure"), Column("Category codes"), Column("Compared by"),
               Column("Group A code"), Column("Group A"), Column("Group B code"), Column("Group B"),
               Column("Group A percentage (%)", PERCENT), Column("Group A respondents (count)", COUNT),
               Column("Group B percentage (%)", PERCENT), Column("Group B respondents (count)", COUNT),
               Column("Difference, A minus B (percentage points)", PERCENT),
               Column("Lower limit of the difference (percentage points)", PERCENT),
               Column("Upper limit of the difference (percentage points)", PERCENT),
               Column("Test"), Column("Test statistic", NUMBER), Column("Degrees of freedom"),
               Column("p-value", PROBABILITY), Column("Adjusted p-value [note {adjusted}]", PROBABILITY),
               Column("Adjustment method"), Column("Significant after adjustment"))
    rows = []
    for r in results.comparisons.itertuples():
        by = q.question(r.by) if r.by else None
        pair = r.test in PAIRWISE_TESTS
        small = pair and min(r.n_a, r.n_b) < suppress
        family = bool(r.in_family)
        if by is None:  # a share tested against a value
            group_a: str = "all respondents"
            group_b: str | None = f"the value {r.group_b}"
        else:
            group_a = by.label_of(r.group_a) if pair else "all groups"
            group_b = by.label_of(r.group_b) if pair else None
        rows.append((
            r.measure, q.measure(r.measure).label, r.category, by.label if by is not None else "",
            _text(r.group_a) if pair else None, group_a, _text(r.group_b) if pair else None, group_b,
            (MARKER if r.n_a < suppress else _number(r.estimate_a)) if pair or by is None else None,
            int(r.n_a) if pair or by is None else None,
            (MARKER if r.n_b < suppress else _number(r.estimate_b)) if pair else (
                _number(r.estimate_b) if by is None else None),
            int(r.n_b) if pair else None,
            *((MARKER, MARKER, MARKER) if small else (_number(r.difference), _number(r.ci_low), _number(r.ci_high))),
            TEST_NAMES.get(r.test, r.test), _number(r.statistic), _text(r.df),
            _number(r.p_value), _number(r.p_adjusted) if family else None, r.adjust_method if family else None,
            ("yes" if r.significant else "no") if family else None))
    return SheetTable("", "Comparisons between groups in the analysis plan", columns, rows,
                      ("suppressed", "adjusted"))


def _claims_table(results) -> SheetTable:
    suppress = results.questionnaire.analysis.suppress_below
    columns = (Column("Claim"), Column("As published"), Column("Source"),
               Column("Reproduced percentage (%)", PERCENT), Column("Reproduced count", COUNT),
               Column("Respondents in base (count)", COUNT), Column("Verdict"))
    rows = []
    for r in results.findings.itertuples():
        value = _number(r.reproduced)
        if r.measure == "respondents":
            share, count = None, (int(value) if value is not None else None)
        else:
            share, count = (MARKER if r.n < suppress else value), None
        rows.append((r.claim, r.wording, r.source, share, count, int(r.n), r.verdict))
    return SheetTable("", "Published claims against reproduced figures", columns, rows, ("suppressed",))


def _answers_table(results) -> SheetTable:
    q, lookup, suppress = results.questionnaire, results.estimates, results.questionnaire.analysis.suppress_below
    level = level_text(q.analysis.level)
    columns = (Column("Question id"), Column("Question"), Column("Answer"), Column("Percentage (%)", PERCENT),
               Column("Respondents in base (count)", COUNT),
               Column(f"Lower limit, {level} confidence interval (%)", PERCENT),
               Column(f"Upper limit, {level} confidence interval (%)", PERCENT))
    rows = []
    for question in q.questions:
        if not question.type.has_codes:
            continue
        for code in question.codes:
            measure = question.id if not question.type.is_multiple_choice else f"{question.id}.{code.code}"
            row = lookup.get(measure, code.code)
            if row is not None:
                rows.append((question.id, question.text or question.label, code.label, _share(row, suppress),
                             int(row.n), *_limits(row, suppress)))
    notes = ("suppressed", "intervals") + (("multiple",) if any(
        question.type.is_multiple_choice for question in q.questions) else ())
    return SheetTable("", "Every question: shares of valid answers (unweighted)", columns, rows, notes)


ESTIMATE_COLUMNS = (
    ("survey", Column("Survey id")), ("measure", Column("Measure id")), ("measure_label", Column("Measure")),
    ("category", Column("Category codes")), ("category_label", Column("Categories")),
    ("domain_variable", Column("Subgroup question id")), ("domain_variable_label", Column("Subgroup question")),
    ("domain", Column("Subgroup code")), ("domain_label", Column("Subgroup")),
    ("n", Column("Respondents in base (count)", COUNT)), ("base", Column("Base")),
    ("estimate", Column("Estimate (%)", PERCENT)), ("se", Column("Standard error (percentage points)", PERCENT)),
    ("ci_low", Column("Lower confidence limit (%)", PERCENT)), ("ci_high", Column("Upper confidence limit (%)",
                                                                                    PERCENT)),
    ("ci_method", Column("Interval method")), ("weighted", Column("Weighted")),
    ("fpc", Column("Finite population correction")), ("note", Column("Note")), ("variant", Column("Design variant")),
    ("statistic", Column("Statistic")), ("deff", Column("Design effect (ratio)", NUMBER)),
    ("ess", Column("Effective sample size (count)", NUMBER)),
)
# numeric questions' means, totals, quantiles and ratios are in the answers' units, not percentages
NUMERIC_ESTIMATE_COLUMNS = tuple(
    (name, Column(column.header.replace(" (%)", " (answers' units)").replace(" (percentage points)",
                                                                                " (answers' units)"), NUMBER)
     if name in ("estimate", "se", "ci_low", "ci_high") else column)
    for name, column in ESTIMATE_COLUMNS)


def _estimates_table(results, numeric: bool = False) -> SheetTable:
    """Every share (or, with `numeric`, every mean, total, quantile and ratio), as estimates.csv
    has it, with the questionnaire's labels beside its ids."""
    labels = _Labels(results.questionnaire)
    columns = NUMERIC_ESTIMATE_COLUMNS if numeric else ESTIMATE_COLUMNS
    rows = []
    for e in results.estimates:
        if (e.statistic != SHARE) != numeric:
            continue
        record = {name: getattr(e, name, None) for name, _ in columns if not name.endswith("_label")}
        record.update(survey=results.questionnaire.survey.id, measure_label=labels.measure(e.measure),
                      category_label=labels.categories(e.measure, e.category),
                      domain_variable_label=labels.question(e.domain_variable),
                      domain_label=labels.code(e.domain_variable, e.domain))
        for name in ("estimate", "se", "ci_low", "ci_high", "deff", "ess"):
            record[name] = _number(record[name])
        record["weighted"] = "yes" if record["weighted"] else "no"
        record["fpc"] = "yes" if record["fpc"] else "no"
        rows.append(tuple(record[name] for name, _ in columns))
    if numeric:
        return SheetTable("", "Every mean, total, quantile and ratio of numeric questions, in the answers' units, "
                          "by subgroup and design variant", tuple(column for _, column in columns), rows,
                          ("suppressed", "intervals"))
    return SheetTable("", "Every share, by measure, category, subgroup and design variant",
                      tuple(column for _, column in columns), rows, ("suppressed", "intervals", "proportions"))


class _Labels:
    """The questionnaire's words for the ids an estimate carries; an id without words stays itself."""

    def __init__(self, q):
        self.questions = {question.id: question for question in q.questions}
        self.measures = {measure.id: measure for measure in q.measures}

    def question(self, question_id: str) -> str:
        question = self.questions.get(question_id)
        return question.label if question is not None else question_id

    def code(self, question_id: str, code: str) -> str:
        question = self.questions.get(question_id)
        return question.label_of(code) if question is not None and code else code

    def _source(self, measure_id: str):
        """The question a measure counts answers of, and the label of the measure itself."""
        if measure_id in self.measures:
            measure = self.measures[measure_id]
            return self.questions.get(measure.question), measure.label
        if measure_id in self.questions:
            return self.questions[measure_id], self.questions[measure_id].label
        stem, _, code = measure_id.rpartition(".")
        if stem in self.questions:
            question = self.questions[stem]
            return question, f"{question.label}: {question.label_of(code)}"
        return None, measure_id

    def measure(self, measure_id: str) -> str:
        return self._source(measure_id)[1]

    def categories(self, measure_id: str, category: str) -> str:
        question = self._source(measure_id)[0]
        if question is None:
            return category
        return " or ".join(question.label_of(code) for code in category.split("|"))
