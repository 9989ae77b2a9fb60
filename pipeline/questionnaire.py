"""Load a questionnaire definition (YAML) into frozen dataclasses, checking it as it parses.

The questionnaire is a survey's single source of truth: metadata, population frame, design
variables, questions and their codes, routing, derived measures, the analysis plan and any
published claims. Later stages never see raw dicts. Every problem found is reported
together, each naming the file, the line and the key path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import Issue, QuestionnaireError
from pipeline.yamlsource import YamlDocument, read_yaml

QUESTION_TYPES = ("single_choice", "scale", "yes_no", "multiple_choice", "numeric", "text")
MISSING_KINDS = ("dont_know", "not_applicable", "refused")
BASES = ("all", "asked", "valid")
CLAIM_STATISTICS = ("share", "respondents")
ON_INVALID = ("stop", "exclude")
WORDINGS = ("original", "paraphrase")
INTERVAL_METHODS = ("wilson", "wilson-cc", "clopper-pearson", "agresti-coull", "wald")
DESIGN_INTERVAL_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")
BLANK = "blank"
NOT_ASKED = "not_asked"

_TOP_KEYS = {"format", "survey", "population", "design", "answers", "missing_codes", "questions",
             "measures", "analysis", "claims", "report"}
_SURVEY_KEYS = {"id", "title", "subtitle", "organisations", "fieldwork", "published", "description",
                "provenance_note"}
_POPULATION_KEYS = {"size", "unit", "description", "frame"}
_FRAME_KEYS = {"variables", "cells"}
_DESIGN_KEYS = {"respondent_id", "strata", "weights", "clusters", "population_size", "weighting"}
_WEIGHTING_KEYS = {"method", "variables"}
_ANSWERS_KEYS = {"on_invalid", "delimiter"}
_QUESTION_KEYS = {"id", "text", "label", "type", "wording", "codes", "scale", "missing", "asked_if",
                  "range", "layout", "delimiter", "selected", "not_selected", "note"}
_CODE_KEYS = {"code", "label"}
_SCALE_KEYS = {"negative", "neutral", "positive"}
_ASKED_IF_KEYS = {"question", "in"}
_RANGE_KEYS = {"min", "max", "integer"}
_MEASURE_KEYS = {"id", "question", "label", "categories", "base", "description"}
_CLAIM_KEYS = {"id", "source", "wording", "statistic", "measure", "domain", "interval", "reasoning"}
_DOMAIN_KEYS = {"variable", "value"}
_INTERVAL_KEYS = {"low", "high", "include_low", "include_high"}
_ANALYSIS_KEYS = {"level", "interval", "design_interval", "fpc", "headline", "subgroups", "comparisons", "adjust",
                  "suppress_below", "themes"}
_COMPARISON_KEYS = {"measure", "by"}
_THEME_KEYS = {"id", "title", "summary", "questions", "measures"}
_REPORT_KEYS = {"introduction", "recommendations", "limitations"}


@dataclass(frozen=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Routing: the question is asked only of respondents whose answer to `question` is in `values`."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    label: str
    type: str
    wording: str
    codes: tuple[Code, ...]
    missing: dict[str, tuple[str, ...]]
    asked_if: Condition | None = None
    scale: dict[str, tuple[str, ...]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    layout: str | None = None
    delimiter: str = ";"
    selected: str = "1"
    not_selected: str = "0"
    note: str | None = None
    allow_blank: bool = False

    @property
    def code_values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    def label_of(self, code: str) -> str:
        for c in self.codes:
            if c.code == code:
                return c.label
        for kind, values in self.missing.items():
            if code in values:
                return kind.replace("_", " ")
        return code

    def missing_kind(self, code: str) -> str | None:
        """Which kind of non-answer a code stands for, or None for a substantive answer."""
        for kind, values in self.missing.items():
            if code in values:
                return kind
        return None

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns this question occupies in the answers file."""
        if self.type == "multiple_choice" and self.layout == "columns":
            return tuple(f"{self.id}.{c.code}" for c in self.codes)
        return (self.id,)


@dataclass(frozen=True)
class Measure:
    """A derived measure: the share of a base answering one of `categories`."""

    id: str
    question: str
    label: str
    categories: tuple[str, ...]
    base: str
    description: str | None = None


@dataclass(frozen=True)
class Claim:
    """A published figure and the interval its wording is taken to mean."""

    id: str
    source: str
    wording: str
    statistic: str
    low: float
    high: float
    include_low: bool
    include_high: bool
    reasoning: str
    measure: str | None = None
    domain: tuple[str, str] | None = None

    def contains(self, value: float) -> bool:
        above = value >= self.low if self.include_low else value > self.low
        below = value <= self.high if self.include_high else value < self.high
        return above and below

    @property
    def interval_text(self) -> str:
        left = "[" if self.include_low else "("
        right = "]" if self.include_high else ")"
        return f"{left}{self.low:g}, {self.high:g}{right}"


@dataclass(frozen=True)
class FrameCell:
    values: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class Population:
    size: int | None
    unit: str
    description: str
    variables: tuple[str, ...] = ()
    cells: tuple[FrameCell, ...] = ()


@dataclass(frozen=True)
class Design:
    respondent_id: str
    strata: str | None = None
    weights: str | None = None
    clusters: str | None = None
    population_size: int | str | None = None
    weighting_method: str = "none"
    weighting_variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    measure: str
    by: str


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    summary: str
    questions: tuple[str, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True)
class Analysis:
    level: float = 0.95
    interval: str = "wilson"
    design_interval: str = "logit"
    fpc: bool = True
    headline: tuple[str, ...] = ()
    subgroups: tuple[str, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    adjust: str = "holm"
    suppress_below: int = 5
    themes: tuple[Theme, ...] = ()


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    subtitle: str
    organisations: tuple[str, ...]
    fieldwork: str
    published: str
    description: str
    provenance_note: str


@dataclass(frozen=True)
class Questionnaire:
    path: str
    survey: Survey
    population: Population
    design: Design
    questions: tuple[Question, ...]
    measures: tuple[Measure, ...]
    analysis: Analysis
    claims: tuple[Claim, ...]
    on_invalid: str = "stop"
    delimiter: str = ","
    report_text: dict[str, Any] = field(default_factory=dict)

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


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Read and check a questionnaire file; raise QuestionnaireError listing every problem."""
    document = read_yaml(Path(path))
    return _Parser(document).parse()


class _Parser:
    """Walks the YAML value, collecting issues instead of stopping at the first."""

    def __init__(self, document: YamlDocument):
        self.doc = document
        self.issues: list[Issue] = []

    # -- small checks -------------------------------------------------------------------
    def fail(self, code: str, key: str, found: str, expected: str, hint: str | None = None) -> None:
        self.issues.append(self.doc.issue(code, key, found, expected, hint))

    def mapping(self, value: Any, key: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail("wrong-type", key or "(top level)", _describe(value), "a mapping of keys to values")
            return {}
        for name in value:
            if name not in allowed:
                self.fail("unknown-key", _join(key, name), f"the key '{name}'",
                          "one of: " + ", ".join(sorted(allowed)))
        for name in required:
            if name not in value or value[name] is None:
                self.fail("missing-key", _join(key, name), "no value", f"the key '{name}'")
        return value

    def text(self, value: Any, key: str, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail("wrong-type", key, _describe(value), "text")
            return default
        return str(value)

    def sequence(self, value: Any, key: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail("wrong-type", key, _describe(value), "a list")
            return []
        return value

    def number(self, value: Any, key: str, default: float | None = None) -> float | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail("wrong-type", key, _describe(value), "a number")
            return default
        if not math.isfinite(value):
            self.fail("invalid-value", key, f"{value}", "a finite number")
            return default
        return float(value)

    def choice(self, value: Any, key: str, allowed: tuple[str, ...], default: str) -> str:
        if value is None:
            return default
        if value not in allowed:
            self.fail("invalid-value", key, f"'{value}'", "one of: " + ", ".join(allowed))
            return default
        return str(value)

    def flag(self, value: Any, key: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail("wrong-type", key, _describe(value), "true or false")
            return default
        return value

    # -- sections -----------------------------------------------------------------------
    def parse(self) -> Questionnaire:
        top = self.mapping(self.doc.data, "", _TOP_KEYS, ("survey", "design", "questions"))
        if top.get("format", 1) != 1:
            self.fail("unsupported-format", "format", f"format {top.get('format')!r}", "format 1")
        survey = self.survey(top.get("survey") or {})
        missing_defaults = self.missing_codes(top.get("missing_codes"), "missing_codes", {})
        questions = self.questions(top.get("questions"), missing_defaults)
        by_id = {q.id: q for q in questions}
        population = self.population(top.get("population") or {}, by_id)
        design = self.design(top.get("design") or {}, by_id, population)
        answers = self.mapping(top.get("answers") or {}, "answers", _ANSWERS_KEYS)
        measures = self.measures(top.get("measures"), by_id)
        analysis = self.analysis(top.get("analysis") or {}, by_id, {m.id for m in measures})
        claims = self.claims(top.get("claims"), {m.id for m in measures}, by_id)
        report_text = self.mapping(top.get("report") or {}, "report", _REPORT_KEYS)
        on_invalid = self.choice(answers.get("on_invalid"), "answers.on_invalid", ON_INVALID, "stop")
        delimiter = self.text(answers.get("delimiter"), "answers.delimiter", ",")
        if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
            self.fail("invalid-value", "answers.delimiter", repr(delimiter),
                      "one ASCII character other than a quote or a line break, such as ',' or ';'")
        self.check_routing(questions)
        if self.issues:
            raise QuestionnaireError(self.issues)
        return Questionnaire(
            path=self.doc.path, survey=survey, population=population, design=design,
            questions=tuple(questions), measures=tuple(measures), analysis=analysis,
            claims=tuple(claims), on_invalid=on_invalid, delimiter=delimiter,
            report_text=dict(report_text),
        )

    def survey(self, raw: Any) -> Survey:
        raw = self.mapping(raw, "survey", _SURVEY_KEYS, ("id", "title"))
        survey_id = self.text(raw.get("id"), "survey.id", "survey")
        if survey_id and not survey_id.replace("_", "").replace("-", "").isalnum():
            self.fail("invalid-value", "survey.id", f"'{survey_id}'",
                      "letters, digits, '-' and '_' only (it names the report folder)")
        elif raw.get("id") is not None and survey_id != Path(self.doc.path).stem:
            self.fail("survey-id-mismatch", "survey.id", f"'{survey_id}'",
                      f"'{Path(self.doc.path).stem}', the questionnaire's file name without its extension")
        organisations = [self.text(o, f"survey.organisations[{i}]")
                         for i, o in enumerate(self.sequence(raw.get("organisations"), "survey.organisations"))]
        return Survey(
            id=survey_id, title=self.text(raw.get("title"), "survey.title"),
            subtitle=self.text(raw.get("subtitle"), "survey.subtitle"),
            organisations=tuple(organisations),
            fieldwork=self.text(raw.get("fieldwork"), "survey.fieldwork"),
            published=self.text(raw.get("published"), "survey.published"),
            description=self.text(raw.get("description"), "survey.description"),
            provenance_note=self.text(raw.get("provenance_note"), "survey.provenance_note"),
        )

    def missing_codes(self, raw: Any, key: str, defaults: dict[str, Any]) -> dict[str, Any]:
        if raw is None:
            return dict(defaults)
        raw = self.mapping(raw, key, set(MISSING_KINDS) | {"allow_blank"})
        result = dict(defaults)
        if "allow_blank" in raw:
            result["allow_blank"] = self.flag(raw["allow_blank"], f"{key}.allow_blank", False)
        for kind in MISSING_KINDS:
            if kind in raw:
                values = raw[kind] if isinstance(raw[kind], list) else [raw[kind]]
                result[kind] = tuple(self.text(v, f"{key}.{kind}") for v in values if v is not None)
        return result

    def questions(self, raw: Any, missing_defaults: dict[str, tuple[str, ...]]) -> list[Question]:
        items = self.sequence(raw, "questions")
        if raw is not None and not items:
            self.fail("no-questions", "questions", "an empty list", "at least one question")
        questions: list[Question] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(items):
            key = f"questions[{i}]"
            q = self.question(item, key, missing_defaults)
            if q is None:
                continue
            if q.id in seen:
                self.fail("duplicate-id", f"{key}.id", f"question id '{q.id}' again",
                          f"unique question ids ('{q.id}' is already {seen[q.id]})")
                continue
            seen[q.id] = key
            questions.append(q)
        return questions

    def question(self, raw: Any, key: str, missing_defaults: dict[str, tuple[str, ...]]) -> Question | None:
        raw = self.mapping(raw, key, _QUESTION_KEYS, ("id", "type"))
        if "id" not in raw or "type" not in raw:
            return None
        qid = self.text(raw["id"], f"{key}.id")
        if not qid or not all(ch.isalnum() or ch == "_" for ch in qid):
            self.fail("invalid-id", f"{key}.id", f"'{qid}'", "letters, digits and '_' (it is a column name)")
        qtype = self.choice(raw["type"], f"{key}.type", QUESTION_TYPES, "text")
        codes = self.codes(raw.get("codes"), f"{key}.codes", qtype)
        missing = self.missing_codes(raw.get("missing"), f"{key}.missing", missing_defaults)
        allow_blank = bool(missing.pop("allow_blank", qtype == "text"))
        code_set = {c.code for c in codes}
        for kind, values in missing.items():
            for v in values:
                if v in code_set:
                    self.fail("code-conflict", f"{key}.missing.{kind}", f"'{v}', also an answer code",
                              "missing codes distinct from answer codes")
        scale = None
        if qtype == "scale":
            scale = self.scale(raw.get("scale"), f"{key}.scale", code_set)
        elif "scale" in raw:
            self.fail("unexpected-key", f"{key}.scale", f"a scale on a {qtype} question", "scale only on type scale")
        if qtype in ("single_choice", "scale", "multiple_choice") and not codes:
            self.fail("missing-key", f"{key}.codes", "no answer codes", f"a list of codes for a {qtype} question")
        minimum = maximum = None
        integer = False
        if "range" in raw:
            if qtype != "numeric":
                self.fail("unexpected-key", f"{key}.range", f"a range on a {qtype} question", "range only on numeric")
            rng = self.mapping(raw["range"], f"{key}.range", _RANGE_KEYS)
            minimum = self.number(rng.get("min"), f"{key}.range.min")
            maximum = self.number(rng.get("max"), f"{key}.range.max")
            integer = self.flag(rng.get("integer"), f"{key}.range.integer", False)
            if minimum is not None and maximum is not None and minimum > maximum:
                self.fail("invalid-range", f"{key}.range", f"min {minimum:g} above max {maximum:g}", "min <= max")
        layout = None
        if qtype == "multiple_choice":
            layout = self.choice(raw.get("layout"), f"{key}.layout", ("columns", "delimited"), "columns")
        delimiter = self.text(raw.get("delimiter"), f"{key}.delimiter", ";")
        if not delimiter:
            self.fail("invalid-value", f"{key}.delimiter", repr(delimiter), "the text separating codes, such as ';'")
        asked_if = None
        if raw.get("asked_if") is not None:
            cond = self.mapping(raw["asked_if"], f"{key}.asked_if", _ASKED_IF_KEYS, ("question", "in"))
            values = cond.get("in")
            values = values if isinstance(values, list) else [values]
            asked_if = Condition(self.text(cond.get("question"), f"{key}.asked_if.question"),
                                 tuple(self.text(v, f"{key}.asked_if.in") for v in values if v is not None))
        return Question(
            id=qid, text=self.text(raw.get("text"), f"{key}.text", qid),
            label=self.text(raw.get("label"), f"{key}.label", self.text(raw.get("text"), f"{key}.text", qid)),
            type=qtype, wording=self.choice(raw.get("wording"), f"{key}.wording", WORDINGS, "original"),
            codes=codes, missing=missing, asked_if=asked_if, scale=scale,
            minimum=minimum, maximum=maximum, integer=integer, layout=layout,
            delimiter=delimiter,
            selected=self.text(raw.get("selected"), f"{key}.selected", "1"),
            not_selected=self.text(raw.get("not_selected"), f"{key}.not_selected", "0"),
            note=self.text(raw.get("note"), f"{key}.note") or None,
            allow_blank=allow_blank or qtype == "text",
        )

    def codes(self, raw: Any, key: str, qtype: str) -> tuple[Code, ...]:
        if raw is None and qtype == "yes_no":
            return (Code("yes", "Yes"), Code("no", "No"))
        if raw is not None and qtype in ("numeric", "text"):
            self.fail("unexpected-key", key, f"answer codes on a {qtype} question", "no codes")
            return ()
        codes: list[Code] = []
        seen: set[str] = set()
        for i, item in enumerate(self.sequence(raw, key)):
            entry = self.mapping(item, f"{key}[{i}]", _CODE_KEYS, ("code",))
            if "code" not in entry:
                continue
            code = self.text(entry["code"], f"{key}[{i}].code")
            if code in seen:
                self.fail("duplicate-code", f"{key}[{i}].code", f"code '{code}' again", "each code once")
                continue
            seen.add(code)
            codes.append(Code(code, self.text(entry.get("label"), f"{key}[{i}].label", code)))
        return tuple(codes)

    def scale(self, raw: Any, key: str, code_set: set[str]) -> dict[str, tuple[str, ...]]:
        raw = self.mapping(raw, key, _SCALE_KEYS, ("negative", "positive"))
        result: dict[str, tuple[str, ...]] = {}
        for side in ("negative", "neutral", "positive"):
            values = tuple(self.text(v, f"{key}.{side}") for v in self.sequence(raw.get(side), f"{key}.{side}"))
            for v in values:
                if v not in code_set:
                    self.fail("undefined-code", f"{key}.{side}", f"'{v}'", "one of the question's codes: "
                              + ", ".join(sorted(code_set)))
            result[side] = values
        return result

    def population(self, raw: Any, questions: dict[str, Question]) -> Population:
        raw = self.mapping(raw, "population", _POPULATION_KEYS)
        size = self.number(raw.get("size"), "population.size")
        variables: tuple[str, ...] = ()
        cells: list[FrameCell] = []
        if raw.get("frame") is not None:
            frame = self.mapping(raw["frame"], "population.frame", _FRAME_KEYS, ("variables", "cells"))
            variables = tuple(self.text(v, f"population.frame.variables[{i}]")
                              for i, v in enumerate(self.sequence(frame.get("variables"), "population.frame.variables")))
            for v in variables:
                self.require_question(v, "population.frame.variables", questions, categorical=True)
            for i, cell in enumerate(self.sequence(frame.get("cells"), "population.frame.cells")):
                ckey = f"population.frame.cells[{i}]"
                cell = self.mapping(cell, ckey, set(variables) | {"count"}, tuple(variables) + ("count",))
                if not cell or any(v not in cell for v in variables + ("count",)):
                    continue
                values = tuple(self.text(cell[v], f"{ckey}.{v}") for v in variables)
                for var, value in zip(variables, values):
                    if var in questions and value not in questions[var].code_values:
                        self.fail("undefined-code", f"{ckey}.{var}", f"'{value}'",
                                  f"a code of question '{var}'")
                count = self.number(cell["count"], f"{ckey}.count", 0)
                cells.append(FrameCell(values, int(count or 0)))
            total = sum(c.count for c in cells)
            if size is not None and cells and total != size:
                self.fail("frame-total", "population.frame.cells", f"cells summing to {total}",
                          f"the population size {size:g}")
        return Population(size=int(size) if size is not None else None,
                          unit=self.text(raw.get("unit"), "population.unit", "units"),
                          description=self.text(raw.get("description"), "population.description"),
                          variables=variables, cells=tuple(cells))

    def design(self, raw: Any, questions: dict[str, Question], population: Population) -> Design:
        raw = self.mapping(raw, "design", _DESIGN_KEYS, ("respondent_id",))
        names = {}
        for name in ("respondent_id", "strata", "weights", "clusters"):
            value = raw.get(name)
            names[name] = self.text(value, f"design.{name}") if value is not None else None
        if names["respondent_id"] in questions:
            self.fail("id-conflict", "design.respondent_id", f"'{names['respondent_id']}', also a question id",
                      "a respondent id column distinct from the questions")
        size = raw.get("population_size")
        if size is not None and not isinstance(size, (int, str)) or isinstance(size, bool):
            self.fail("wrong-type", "design.population_size", _describe(size),
                      "a whole number or the name of a column of stratum population sizes")
            size = None
        method = "none"
        variables: tuple[str, ...] = ()
        if raw.get("weighting") is not None:
            w = self.mapping(raw["weighting"], "design.weighting", _WEIGHTING_KEYS, ("method",))
            method = self.choice(w.get("method"), "design.weighting.method", ("none", "poststratify", "rake"), "none")
            variables = tuple(self.text(v, "design.weighting.variables")
                              for v in self.sequence(w.get("variables"), "design.weighting.variables"))
            for v in variables:
                if v not in population.variables:
                    self.fail("undefined-reference", "design.weighting.variables", f"'{v}'",
                              "a variable of population.frame")
            if method != "none" and not population.cells:
                self.fail("missing-key", "population.frame", "no population frame",
                          f"frame counts to {method} to")
        return Design(respondent_id=names["respondent_id"] or "id", strata=names["strata"],
                      weights=names["weights"], clusters=names["clusters"], population_size=size,
                      weighting_method=method, weighting_variables=variables)

    def measures(self, raw: Any, questions: dict[str, Question]) -> list[Measure]:
        measures: list[Measure] = []
        seen: set[str] = set(questions)
        for i, item in enumerate(self.sequence(raw, "measures")):
            key = f"measures[{i}]"
            entry = self.mapping(item, key, _MEASURE_KEYS, ("id", "question", "categories"))
            if not all(k in entry for k in ("id", "question", "categories")):
                continue
            mid = self.text(entry["id"], f"{key}.id")
            if mid in seen:
                self.fail("duplicate-id", f"{key}.id", f"id '{mid}' again", "ids unique across questions and measures")
                continue
            seen.add(mid)
            qid = self.text(entry["question"], f"{key}.question")
            categories = tuple(self.text(c, f"{key}.categories")
                               for c in self.sequence(entry["categories"], f"{key}.categories"))
            question = self.require_question(qid, f"{key}.question", questions, categorical=True)
            if question is not None:
                for c in categories:
                    if c not in question.code_values:
                        self.fail("undefined-code", f"{key}.categories", f"'{c}'",
                                  f"a code of question '{qid}': " + ", ".join(question.code_values))
            measures.append(Measure(
                id=mid, question=qid, label=self.text(entry.get("label"), f"{key}.label", mid),
                categories=categories, base=self.choice(entry.get("base"), f"{key}.base", BASES, "valid"),
                description=self.text(entry.get("description"), f"{key}.description") or None))
        return measures

    def analysis(self, raw: Any, questions: dict[str, Question], measure_ids: set[str]) -> Analysis:
        raw = self.mapping(raw, "analysis", _ANALYSIS_KEYS)
        level = self.number(raw.get("level"), "analysis.level", 0.95)
        if level is not None and not 0.5 <= level < 1:
            self.fail("invalid-value", "analysis.level", f"{level:g}", "a confidence level between 0.5 and 1")
            level = 0.95
        headline = tuple(self.text(m, "analysis.headline") for m in self.sequence(raw.get("headline"), "analysis.headline"))
        for m in headline:
            if m not in measure_ids:
                self.fail("undefined-reference", "analysis.headline", f"'{m}'", "a measure id")
        subgroups = tuple(self.text(s, "analysis.subgroups") for s in self.sequence(raw.get("subgroups"), "analysis.subgroups"))
        for s in subgroups:
            self.require_question(s, "analysis.subgroups", questions, categorical=True)
        comparisons = []
        for i, item in enumerate(self.sequence(raw.get("comparisons"), "analysis.comparisons")):
            key = f"analysis.comparisons[{i}]"
            entry = self.mapping(item, key, _COMPARISON_KEYS, ("measure", "by"))
            measure, by = self.text(entry.get("measure"), f"{key}.measure"), self.text(entry.get("by"), f"{key}.by")
            if measure and measure not in measure_ids:
                self.fail("undefined-reference", f"{key}.measure", f"'{measure}'", "a measure id")
            if by:
                self.require_question(by, f"{key}.by", questions, categorical=True)
            comparisons.append(Comparison(measure, by))
        themes = []
        for i, item in enumerate(self.sequence(raw.get("themes"), "analysis.themes")):
            key = f"analysis.themes[{i}]"
            entry = self.mapping(item, key, _THEME_KEYS, ("id", "title"))
            qs = tuple(self.text(q, f"{key}.questions") for q in self.sequence(entry.get("questions"), f"{key}.questions"))
            for q in qs:
                self.require_question(q, f"{key}.questions", questions)
            ms = tuple(self.text(m, f"{key}.measures") for m in self.sequence(entry.get("measures"), f"{key}.measures"))
            for m in ms:
                if m not in measure_ids:
                    self.fail("undefined-reference", f"{key}.measures", f"'{m}'", "a measure id")
            themes.append(Theme(self.text(entry.get("id"), f"{key}.id"), self.text(entry.get("title"), f"{key}.title"),
                                self.text(entry.get("summary"), f"{key}.summary"), qs, ms))
        suppress = self.number(raw.get("suppress_below"), "analysis.suppress_below", 5)
        return Analysis(
            level=level or 0.95,
            interval=self.choice(raw.get("interval"), "analysis.interval", INTERVAL_METHODS, "wilson"),
            design_interval=self.choice(raw.get("design_interval"), "analysis.design_interval",
                                        DESIGN_INTERVAL_METHODS, "logit"),
            fpc=self.flag(raw.get("fpc"), "analysis.fpc", True),
            headline=headline, subgroups=subgroups, comparisons=tuple(comparisons),
            adjust=self.choice(raw.get("adjust"), "analysis.adjust", ("holm", "bh"), "holm"),
            suppress_below=int(suppress or 0), themes=tuple(themes))

    def claims(self, raw: Any, measure_ids: set[str], questions: dict[str, Question]) -> list[Claim]:
        claims: list[Claim] = []
        seen: set[str] = set()
        for i, item in enumerate(self.sequence(raw, "claims")):
            key = f"claims[{i}]"
            entry = self.mapping(item, key, _CLAIM_KEYS, ("id", "source", "wording", "statistic", "interval", "reasoning"))
            if not all(k in entry for k in ("id", "statistic", "interval")):
                continue
            cid = self.text(entry["id"], f"{key}.id")
            if cid in seen:
                self.fail("duplicate-id", f"{key}.id", f"claim id '{cid}' again", "unique claim ids")
                continue
            seen.add(cid)
            statistic = self.choice(entry["statistic"], f"{key}.statistic", CLAIM_STATISTICS, "share")
            measure = self.text(entry["measure"], f"{key}.measure") if entry.get("measure") is not None else None
            if statistic == "share":
                if measure is None:
                    self.fail("missing-key", f"{key}.measure", "no value", "the measure a share claim concerns")
                elif measure and measure not in measure_ids:
                    self.fail("undefined-reference", f"{key}.measure", f"'{measure}'", "a measure id")
            domain = None
            if entry.get("domain") is not None:
                d = self.mapping(entry["domain"], f"{key}.domain", _DOMAIN_KEYS, ("variable", "value"))
                variable = self.text(d.get("variable"), f"{key}.domain.variable")
                value = self.text(d.get("value"), f"{key}.domain.value")
                q = self.require_question(variable, f"{key}.domain.variable", questions, categorical=True)
                if q is not None and value not in q.code_values:
                    self.fail("undefined-code", f"{key}.domain.value", f"'{value}'", f"a code of question '{variable}'")
                domain = (variable, value)
            interval = self.mapping(entry["interval"], f"{key}.interval", _INTERVAL_KEYS, ("low", "high"))
            low = self.number(interval.get("low"), f"{key}.interval.low", 0.0)
            high = self.number(interval.get("high"), f"{key}.interval.high", 1.0)
            if low is not None and high is not None and low > high:
                self.fail("invalid-range", f"{key}.interval", f"low {low:g} above high {high:g}", "low <= high")
            claims.append(Claim(
                id=cid, source=self.text(entry.get("source"), f"{key}.source"),
                wording=self.text(entry.get("wording"), f"{key}.wording"), statistic=statistic,
                low=low or 0.0, high=high if high is not None else 1.0,
                include_low=self.flag(interval.get("include_low"), f"{key}.interval.include_low", True),
                include_high=self.flag(interval.get("include_high"), f"{key}.interval.include_high", False),
                reasoning=self.text(entry.get("reasoning"), f"{key}.reasoning"),
                measure=measure, domain=domain))
        return claims

    def require_question(self, qid: str, key: str, questions: dict[str, Question],
                         categorical: bool = False) -> Question | None:
        question = questions.get(qid)
        if question is None:
            self.fail("undefined-reference", key, f"'{qid}'", "the id of a question defined under questions")
            return None
        if categorical and question.type in ("numeric", "text"):
            self.fail("wrong-question-type", key, f"'{qid}', a {question.type} question",
                      "a question with answer codes")
            return None
        return question

    def check_routing(self, questions: list[Question]) -> None:
        by_id = {q.id: q for q in questions}
        index = {q.id: i for i, q in enumerate(questions)}
        for q in questions:
            if q.asked_if is None:
                continue
            key = f"questions[{index[q.id]}].asked_if"
            target = by_id.get(q.asked_if.question)
            if target is None:
                self.fail("undefined-reference", f"{key}.question", f"'{q.asked_if.question}'",
                          "the id of a question defined under questions")
                continue
            if target.type in ("numeric", "text", "multiple_choice"):
                self.fail("wrong-question-type", f"{key}.question", f"'{target.id}', a {target.type} question",
                          "a single-answer question with codes")
                continue
            allowed = set(target.code_values) | {v for vs in target.missing.values() for v in vs}
            for value in q.asked_if.values:
                if value not in allowed:
                    self.fail("undefined-code", f"{key}.in", f"'{value}'", f"a code of question '{target.id}'")
        for q in questions:
            seen = [q.id]
            current = q
            while current.asked_if is not None and current.asked_if.question in by_id:
                nxt = current.asked_if.question
                if nxt in seen:
                    cycle = " -> ".join(seen[seen.index(nxt):] + [nxt])
                    if q.id == min(seen[seen.index(nxt):]):
                        self.fail("routing-cycle", f"questions[{index[q.id]}].asked_if", f"a cycle {cycle}",
                                  "routing that refers only to questions asked before")
                    break
                seen.append(nxt)
                current = by_id[nxt]


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else str(name)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"'{value}'"
