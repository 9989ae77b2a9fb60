"""YAML to the questionnaire model: each section read by its declaration, then checked.

The `Reader` converts values by kind; this module adds what a declaration cannot say: which
keys belong to which question type, defaults taken from elsewhere in the file (missing codes,
`yes_no` codes), and every reference between sections (questions named by measures, routing,
the frame, the plan and the claims). Every problem is collected and raised together.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import QuestionnaireError
from pipeline.questionnaire.model import (
    MAX_MAIN_POINTS,
    Analysis,
    Answers,
    Claim,
    ClaimInterval,
    Design,
    Domain,
    Frame,
    FrameCell,
    Margin,
    Measure,
    Population,
    Questionnaire,
    Replicates,
    ReportText,
    Survey,
    Weighting,
)
from pipeline.questionnaire.questions import Code, MissingCodes, Question, Range, Scale
from pipeline.questionnaire.reading import Reader, describe
from pipeline.questionnaire.schema import declared, declared_key, required_names
from pipeline.questionnaire.vocabulary import (
    ClaimStatistic,
    DesignIntervalMethod,
    MissingKind,
    QuestionType,
    WeightingMethod,
)
from pipeline.yamlsource import YamlDocument, read_yaml


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Read and check a questionnaire file; raise QuestionnaireError listing every problem."""
    return parse_questionnaire(read_yaml(Path(path)))


def parse_questionnaire(document: YamlDocument) -> Questionnaire:
    """The questionnaire of a parsed YAML document, or QuestionnaireError listing every problem."""
    return _Parser(document).parse()


class _Parser(Reader):
    def parse(self) -> Questionnaire:
        top = self.keys(Questionnaire, self.doc.data, "")
        version = declared_key(Questionnaire, "format").default
        if self.value(declared_key(Questionnaire, "format"), top, "") != version:
            self.fail("unsupported-format", "format", f"format {top.get('format')!r}", f"format {version}")
        survey = self.survey(top.get("survey") or {})
        missing_defaults = self.missing_codes(top.get("missing_codes"), "missing_codes")
        questions = self.questions(top.get("questions"), missing_defaults)
        by_id = {q.id: q for q in questions}
        population = self.population(top.get("population") or {}, by_id)
        design = self.design(top.get("design") or {}, by_id, population)
        answers = self.read(Answers, top.get("answers") or {}, "answers")
        measures = self.measures(top.get("measures"), by_id)
        analysis = self.analysis(top.get("analysis") or {}, by_id, {m.id for m in measures})
        self.check_exact_interval(analysis, design)
        claims = self.claims(top.get("claims"), {m.id for m in measures}, by_id)
        report = self.read(ReportText, top.get("report") or {}, "report")
        for i, recommendation in enumerate(report.recommendations or ()):
            for j, m in enumerate(recommendation.evidence):
                self.require_measure(m, f"report.recommendations[{i}].evidence[{j}]", {m.id for m in measures})
        if design.replicates is not None and "likelihood" in analysis.design_interval:
            self.fail("replicate-interval", "analysis.design_interval",
                      "the likelihood interval with replicate weights",
                      "logit, xlogit, asin, beta or mean: the likelihood interval is not computed on replicate designs")
        delimiter = answers.delimiter
        if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
            self.fail("invalid-value", "answers.delimiter", repr(delimiter),
                      "one ASCII character other than a quote or a line break, such as ',' or ';'")
        self.check_routing(questions)
        if self.issues:
            raise QuestionnaireError(self.issues)
        return Questionnaire(path=self.doc.path, format=version, survey=survey, population=population, design=design,
                             answers=answers, missing_codes=missing_defaults, questions=tuple(questions),
                             measures=tuple(measures), analysis=analysis, claims=tuple(claims), report=report)

    def survey(self, raw: Any) -> Survey:
        survey = self.read(Survey, raw, "survey")
        stem = Path(self.doc.path).stem
        if survey.id and not survey.id.replace("_", "").replace("-", "").isalnum():
            self.fail("invalid-value", "survey.id", f"'{survey.id}'",
                      "letters, digits, '-' and '_' only (it names the report folder)")
        elif isinstance(raw, dict) and raw.get("id") is not None and survey.id != stem:
            self.fail("survey-id-mismatch", "survey.id", f"'{survey.id}'",
                      f"'{stem}', the questionnaire's file name without its extension")
        return survey

    def missing_codes(self, raw: Any, key: str) -> MissingCodes:
        """Missing codes as given; a kind given as null means no codes of that kind."""
        if raw is None:
            return MissingCodes()
        entry = self.keys(MissingCodes, raw, key)
        values = self.values(MissingCodes, entry, key, only=tuple(kind.value for kind in MissingKind))
        if "allow_blank" in entry:
            values["allow_blank"] = self.flag(entry["allow_blank"], f"{key}.allow_blank", False)
        return MissingCodes(**values)

    def questions(self, raw: Any, missing_defaults: MissingCodes) -> list[Question]:
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

    def question(self, raw: Any, key: str, missing_defaults: MissingCodes) -> Question | None:
        entry = self.keys(Question, raw, key)
        if not all(name in entry for name in required_names(Question)):
            return None
        values = self.values(Question, entry, key, only=("id", "type", "column", "text", "label", "wording",
                                                          "delimiter", "selected", "not_selected", "note", "asked_if"))
        qid, qtype = values["id"], values["type"]
        if not qid or not all(ch.isalnum() or ch == "_" for ch in qid):
            self.fail("invalid-id", f"{key}.id", f"'{qid}'", "letters, digits and '_' (it is a column name)")
        codes = self.codes(entry.get("codes"), f"{key}.codes", qtype)
        own = self.missing_codes(entry.get("missing"), f"{key}.missing")
        missing = own.over(missing_defaults)
        code_set = {c.code for c in codes}
        for kind, missing_values in missing.items():
            for v in missing_values:
                if v in code_set:
                    self.fail("code-conflict", f"{key}.missing.{kind}", f"'{v}', also an answer code",
                              "missing codes distinct from answer codes")
        scale = None
        if qtype.has_scale:
            scale = self.scale(entry.get("scale"), f"{key}.scale", code_set)
        elif "scale" in entry:
            self.fail("unexpected-key", f"{key}.scale", f"a scale on a {qtype} question", "scale only on type scale")
        if qtype.requires_codes and not codes:
            self.fail("missing-key", f"{key}.codes", "no answer codes", f"a list of codes for a {qtype} question")
        answer_range = None
        if "range" in entry:
            if not qtype.has_range:
                self.fail("unexpected-key", f"{key}.range", f"a range on a {qtype} question", "range only on numeric")
            answer_range = self.read(Range, entry["range"], f"{key}.range")
            low, high = answer_range.min, answer_range.max
            if low is not None and high is not None and low > high:
                self.fail("invalid-range", f"{key}.range", f"min {low:g} above max {high:g}", "min <= max")
        layout = None
        if qtype.has_layout:
            layout = self.value(declared_key(Question, "layout"), entry, key)
        if values["column"] is not None and not values["column"].strip():
            self.fail("invalid-value", f"{key}.column", repr(values["column"]),
                      "the answers file's name of the column, not blank")
        if not values["delimiter"]:
            self.fail("invalid-value", f"{key}.delimiter", repr(values["delimiter"]),
                      "the text separating codes, such as ';'")
        return Question(**{**values, "note": values["note"] or None}, codes=codes, scale=scale, missing=missing,
                        range=answer_range, layout=layout)

    def codes(self, raw: Any, key: str, qtype: QuestionType) -> tuple[Code, ...]:
        if raw is None and qtype.default_codes:
            return tuple(Code(code=code, label=label) for code, label in qtype.default_codes)
        if raw is not None and not qtype.has_codes:
            self.fail("unexpected-key", key, f"answer codes on a {qtype} question", "no codes")
            return ()
        codes: list[Code] = []
        seen: set[str] = set()
        for i, item in enumerate(self.sequence(raw, key)):
            entry = self.keys(Code, item, f"{key}[{i}]")
            if "code" not in entry:
                continue
            code = Code(**self.values(Code, entry, f"{key}[{i}]"))
            if code.code in seen:
                self.fail("duplicate-code", f"{key}[{i}].code", f"code '{code.code}' again", "each code once")
                continue
            seen.add(code.code)
            codes.append(code)
        return tuple(codes)

    def scale(self, raw: Any, key: str, code_set: set[str]) -> Scale:
        scale = self.read(Scale, raw, key)
        for item in declared(Scale):
            for v in scale.get(item.name):
                if v not in code_set:
                    self.fail("undefined-code", f"{key}.{item.name}", f"'{v}'", "one of the question's codes: "
                              + ", ".join(sorted(code_set)))
        return scale

    def population(self, raw: Any, questions: dict[str, Question]) -> Population:
        entry = self.keys(Population, raw, "population")
        values = self.values(Population, entry, "population", only=("size", "unit", "description"))
        size = self.whole_count(values["size"], entry.get("size"), "population.size", minimum=1)
        frame = None
        if entry.get("frame") is not None:
            frame = self.frame(entry["frame"], questions)
            total = sum(c.count for c in frame.cells)
            if size is not None and frame.cells and total != size:
                self.fail("frame-total", "population.frame.cells", f"cells summing to {total}",
                          f"the population size {size:g}")
        margins = self.margins(entry, questions, size, frame)
        return Population(**{**values, "size": int(size) if size is not None else None}, frame=frame,
                          margins=margins)

    def margins(self, entry: dict, questions: dict[str, Question], size: float | None,
                frame: Frame | None) -> tuple[Margin, ...]:
        """The margins, each a question's codes with population counts; all with one total."""
        margins = self.value(declared_key(Population, "margins"), entry, "population")
        seen: set[str] = set()
        totals: list[tuple[str, int]] = []
        for i, margin in enumerate(margins):
            key = f"population.margins[{i}]"
            if margin.variable in seen:
                self.fail("duplicate-id", f"{key}.variable", f"'{margin.variable}' again", "one margin per variable")
            seen.add(margin.variable)
            question = self.require_question(margin.variable, f"{key}.variable", questions, categorical=True)
            codes: set[str] = set()
            for j, level in enumerate(margin.levels):
                if question is not None and level.code not in question.code_values:
                    self.fail("undefined-code", f"{key}.levels[{j}].code", f"'{level.code}'",
                              f"a code of question '{margin.variable}'")
                if level.code in codes:
                    self.fail("duplicate-code", f"{key}.levels[{j}].code", f"code '{level.code}' again",
                              "each code once")
                codes.add(level.code)
                if level.count < 0:
                    self.fail("invalid-value", f"{key}.levels[{j}].count", f"{level.count}",
                              "a whole number of at least 0")
            totals.append((key, sum(level.count for level in margin.levels)))
        expected = size if size is not None else (sum(c.count for c in frame.cells) if frame and frame.cells
                                                   else (totals[0][1] if totals else None))
        for key, total in totals:
            if expected is not None and total != expected:
                self.fail("margin-total", f"{key}.levels", f"counts summing to {total}",
                          f"{expected:g}, the population size (every margin counts the same population)")
        return margins

    def whole_count(self, number: float | None, given: Any, key: str, minimum: int) -> float | None:
        """A count of people: a whole number of at least `minimum`, never silently truncated."""
        if number is None:
            return None
        if not float(number).is_integer() or number < minimum:
            self.fail("invalid-value", key, f"{given}", f"a whole number of at least {minimum}")
            return None
        return number

    def frame(self, raw: Any, questions: dict[str, Question]) -> Frame:
        entry = self.keys(Frame, raw, "population.frame")
        variables = self.value(declared_key(Frame, "variables"), entry, "population.frame")
        for v in variables:
            self.require_question(v, "population.frame.variables", questions, categorical=True)
        cells: list[FrameCell] = []
        for i, cell in enumerate(self.sequence(entry.get("cells"), "population.frame.cells")):
            key = f"population.frame.cells[{i}]"
            cell = self.mapping(cell, key, set(variables) | {"count"}, (*variables, "count"))
            if not cell or any(v not in cell for v in (*variables, "count")):
                continue
            values = tuple(self.text(cell[v], f"{key}.{v}") for v in variables)
            for var, value in zip(variables, values, strict=True):
                if var in questions and value not in questions[var].code_values:
                    self.fail("undefined-code", f"{key}.{var}", f"'{value}'", f"a code of question '{var}'")
            count = self.whole_count(self.number(cell["count"], f"{key}.count", 0), cell["count"], f"{key}.count",
                                     minimum=0)
            cells.append(FrameCell(values=values, count=int(count or 0)))
        return Frame(variables=variables, cells=tuple(cells))

    def design(self, raw: Any, questions: dict[str, Question], population: Population) -> Design:
        entry = self.keys(Design, raw, "design")
        values = self.values(Design, entry, "design", only=("respondent_id", "strata", "weights", "clusters", "nest",
                                                                   "lonely_psu"))
        if isinstance(raw, dict) and "respondent_id" in raw and raw["respondent_id"] is None:
            values["respondent_id"] = None  # no id column: the row number is the id
        if entry.get("respondent_id") is not None and values["respondent_id"] in questions:
            self.fail("id-conflict", "design.respondent_id", f"'{values['respondent_id']}', also a question id",
                      "a respondent id column distinct from the questions")
        size = self.population_sizes(entry.get("population_size"))
        stages = len(values["clusters"])
        given = len(size) if isinstance(size, tuple) else 1
        if size is not None and given != max(stages, 1):
            self.fail("stage-count-mismatch", "design.population_size",
                      f"population sizes for {given} stage(s), with clusters at {stages} stage(s)",
                      "one population size per stage of `design.clusters`, first stage first "
                      "(R's svydesign(id = ~psu + ssu, fpc = ~N1 + N2)), or none")
            size = None
        weighting = None
        if entry.get("weighting") is not None:
            weighting = self.read(Weighting, entry["weighting"], "design.weighting")
            self.check_weighting(weighting, entry["weighting"], population)
        replicates = None
        if entry.get("replicates") is not None:
            replicates = self.replicates(entry["replicates"], values, size, weighting, questions)
        return Design(**values, population_size=size, weighting=weighting, replicates=replicates)

    def replicates(self, raw: Any, design: dict[str, Any], size: Any, weighting: Weighting | None,
                   questions: dict[str, Question]) -> Replicates:
        """The replicate-weight declaration, with R's svrepdesign rules for each type's options."""
        key = "design.replicates"
        replicates = self.read(Replicates, raw, key)
        if not design.get("weights"):
            self.fail("replicates-need-weights", f"{key}", "replicate weights without `design.weights`",
                      "`design.weights` naming the full-sample weights column (R's svrepdesign(weights = ...))")
        others = [name for name, given in (("strata", design.get("strata")), ("clusters", design.get("clusters")),
                                           ("population_size", size), ("weighting", weighting)) if given]
        if others:
            self.fail("replicates-with-design", key, "replicate weights with " + ", ".join(
                f"`design.{name}`" for name in others),
                "either replicate weights or strata, clusters, population sizes and weighting: replicate weights "
                "already carry the design (R's svrepdesign takes no strata or clusters)")
        if not replicates.columns and not replicates.prefix:
            self.fail("no-replicate-columns", key, "neither `columns` nor `prefix`",
                      "the replicate-weight columns, listed in `columns` or named by `prefix` and a number")
        for column in replicates.columns:
            if column in questions or column in (design.get("respondent_id"), design.get("weights")):
                self.fail("id-conflict", f"{key}.columns", f"'{column}', also a question or design column",
                          "replicate-weight columns distinct from the questions and other design columns")
        kind = replicates.type
        if replicates.rho is not None and not 0 <= replicates.rho < 1:
            self.fail("invalid-rho", f"{key}.rho", f"{replicates.rho:g}", "Fay's rho from 0 to below 1")
        unused = []
        if kind == "fay" and replicates.rho is None:
            self.fail("replicate-option", f"{key}.rho", "no rho for type fay", "Fay's rho (R: svrepdesign(rho = ...))")
        if kind != "fay" and replicates.rho is not None:
            unused.append("rho")
        if kind in ("brr", "fay", "successive-difference", "acs") and replicates.scale is not None:
            unused.append("scale")
        if kind in ("successive-difference", "acs") and replicates.rscales is not None:
            unused.append("rscales")
        for name in unused:
            self.fail("replicate-option", f"{key}.{name}", f"`{name}` with type {kind}",
                      f"no `{name}`: type {kind} sets it itself (R's svrepdesign ignores it)")
        if kind == "jkn" and replicates.rscales is None:
            self.fail("replicate-option", f"{key}.rscales", "no rscales for type jkn",
                      "each replicate's (n_h - 1)/n_h, as R's svrepdesign(type = \"JKn\") requires")
        if replicates.scale is not None and not replicates.scale > 0:
            self.fail("replicate-option", f"{key}.scale", f"{replicates.scale:g}", "a positive scale")
        if replicates.rscales is not None and any(not r >= 0 for r in replicates.rscales):
            self.fail("replicate-option", f"{key}.rscales", ", ".join(f"{r:g}" for r in replicates.rscales),
                      "rscales of at least 0")
        if replicates.rscales is not None and replicates.columns and not replicates.prefix and len(
                replicates.rscales) not in (1, len(replicates.columns)):
            self.fail("rscales-length", f"{key}.rscales", f"{len(replicates.rscales)} rscales for "
                      f"{len(replicates.columns)} replicate columns", "one rscale, or one per replicate column")
        return replicates

    def population_sizes(self, size: Any) -> int | str | tuple[int | str, ...] | None:
        """A whole number or a column name, or a list of those, one per stage (a list of one is
        its single item)."""
        expected = "a whole number or the name of a column of stratum population sizes"
        if isinstance(size, list):
            wrong = [item for item in size if not isinstance(item, (int, str)) or isinstance(item, bool)]
            if not size or wrong:
                self.fail("wrong-type", "design.population_size", describe(wrong[0]) if wrong else "an empty list",
                          f"{expected}, or a list of those, one per stage")
                return None
            return size[0] if len(size) == 1 else tuple(size)
        if (size is not None and not isinstance(size, (int, str))) or isinstance(size, bool):
            self.fail("wrong-type", "design.population_size", describe(size), expected)
            return None
        return size

    def check_weighting(self, weighting: Weighting, raw: Any, population: Population) -> None:
        """Variables with population counts for the method, and controls within their ranges."""
        method = weighting.method
        key = "design.weighting"
        for v in weighting.variables:
            if method == WeightingMethod.POSTSTRATIFY and v not in population.variables:
                self.fail("undefined-reference", f"{key}.variables", f"'{v}'",
                          "a variable of population.frame (post-stratification needs the joint frame's cells)")
            elif v not in population.variables and v not in population.margin_variables:
                self.fail("undefined-reference", f"{key}.variables", f"'{v}'",
                          "a variable of population.frame or of population.margins")
        if method == WeightingMethod.POSTSTRATIFY and not population.cells:
            self.fail("missing-key", "population.frame", "no population frame", f"frame counts to {method} to")
        elif method != WeightingMethod.NONE and not (population.cells or population.margins):
            self.fail("missing-key", "population.margins", "no population frame or margins",
                      f"population counts to {method} to")
        if method != WeightingMethod.NONE and not weighting.variables:
            self.fail("missing-key", f"{key}.variables", "no variables", f"the variables to {method} to")
        if isinstance(raw, dict):
            for name, allowed in (("calfun", WeightingMethod.CALIBRATE), ("bounds", WeightingMethod.CALIBRATE)):
                if raw.get(name) is not None and method != allowed:
                    self.fail("unexpected-key", f"{key}.{name}", f"{name} with method {method}",
                              f"{name} only with method calibrate")
            for name in ("epsilon", "max_iterations"):
                if raw.get(name) is not None and method not in (WeightingMethod.RAKE, WeightingMethod.CALIBRATE):
                    self.fail("unexpected-key", f"{key}.{name}", f"{name} with method {method}",
                              f"{name} only with method rake or calibrate")
        if weighting.epsilon is not None and weighting.epsilon <= 0:
            self.fail("invalid-value", f"{key}.epsilon", f"{weighting.epsilon:g}", "a number above 0")
        if weighting.max_iterations is not None and weighting.max_iterations < 1:
            self.fail("invalid-value", f"{key}.max_iterations", f"{weighting.max_iterations}", "at least 1")
        if weighting.small_cell < 0:
            self.fail("invalid-value", f"{key}.small_cell", f"{weighting.small_cell}", "a whole number of at least 0")
        for name, section in (("bounds", weighting.bounds), ("trim", weighting.trim)):
            if section is None:
                continue
            if section.lower is None and section.upper is None:
                self.fail("missing-key", f"{key}.{name}", "neither lower nor upper", "lower, upper or both")
            elif section.lower is not None and section.upper is not None and section.lower >= section.upper:
                self.fail("invalid-range", f"{key}.{name}", f"lower {section.lower:g} not below upper "
                          f"{section.upper:g}", "lower < upper")
        bounds = weighting.bounds
        if bounds is not None and ((bounds.lower is not None and bounds.lower > 1)
                                   or (bounds.upper is not None and bounds.upper < 1)):
            self.fail("invalid-range", f"{key}.bounds", f"[{bounds.lower}, {bounds.upper}]",
                      "bounds on calibrated over starting weights that include 1")

    def measures(self, raw: Any, questions: dict[str, Question]) -> list[Measure]:
        measures: list[Measure] = []
        seen: set[str] = set(questions)
        for i, item in enumerate(self.sequence(raw, "measures")):
            key = f"measures[{i}]"
            entry = self.keys(Measure, item, key)
            if not all(name in entry for name in required_names(Measure)):
                continue
            known = self.values(Measure, entry, key, only=("id",))
            if known["id"] in seen:
                self.fail("duplicate-id", f"{key}.id", f"id '{known['id']}' again",
                          "ids unique across questions and measures")
                continue
            seen.add(known["id"])
            measure = Measure(**self.values(Measure, entry, key, known=known))
            question = self.require_question(measure.question, f"{key}.question", questions, categorical=True)
            if question is not None:
                for c in measure.categories:
                    if c not in question.code_values:
                        self.fail("undefined-code", f"{key}.categories", f"'{c}'",
                                  f"a code of question '{measure.question}': " + ", ".join(question.code_values))
            measures.append(replace(measure, description=measure.description or None))
        return measures

    def analysis(self, raw: Any, questions: dict[str, Question], measure_ids: set[str]) -> Analysis:
        analysis = self.read(Analysis, raw, "analysis")
        if not 0.5 <= analysis.level < 1:
            self.fail("invalid-value", "analysis.level", f"{analysis.level:g}", "a confidence level between 0.5 and 1")
            analysis = replace(analysis, level=0.95)
        for m in analysis.headline:
            self.require_measure(m, "analysis.headline", measure_ids)
        for m in analysis.main_points:
            self.require_measure(m, "analysis.main_points", measure_ids)
        if len(analysis.main_points) > MAX_MAIN_POINTS:
            self.fail("invalid-value", "analysis.main_points", f"{len(analysis.main_points)} measures",
                      f"at most {MAX_MAIN_POINTS}, so that page 1 stays a summary")
        for s in analysis.subgroups:
            self.require_question(s, "analysis.subgroups", questions, categorical=True)
        for i, comparison in enumerate(analysis.comparisons):
            key = f"analysis.comparisons[{i}]"
            if comparison.measure:
                self.require_measure(comparison.measure, f"{key}.measure", measure_ids)
            if comparison.by:
                self.require_question(comparison.by, f"{key}.by", questions, categorical=True)
        for i, test in enumerate(analysis.share_tests):
            key = f"analysis.share_tests[{i}]"
            if test.measure:
                self.require_measure(test.measure, f"{key}.measure", measure_ids)
            if not 0 < test.value < 1:
                self.fail("invalid-value", f"{key}.value", f"{test.value:g}", "a share above 0 and below 1")
        taken = set(questions) | measure_ids
        for i, ratio in enumerate(analysis.ratios):
            key = f"analysis.ratios[{i}]"
            if ratio.id in taken:
                self.fail("duplicate-id", f"{key}.id", f"id '{ratio.id}' again",
                          "ids unique across questions, measures and ratios")
            taken.add(ratio.id)
            for part in ("numerator", "denominator"):
                self.require_question(getattr(ratio, part), f"{key}.{part}", questions, numeric=True)
        for i, theme in enumerate(analysis.themes):
            key = f"analysis.themes[{i}]"
            for q in theme.questions:
                self.require_question(q, f"{key}.questions", questions)
            for m in theme.measures:
                self.require_measure(m, f"{key}.measures", measure_ids)
        return analysis

    def check_exact_interval(self, analysis: Analysis, design: Design) -> None:
        """The hypergeometric interval needs an unweighted sample of a known population (the `fpc` variant),
        and cannot be the main interval of a weighted design, where it does not apply."""
        if DesignIntervalMethod.HYPERGEOMETRIC not in analysis.design_interval:
            return
        simple = not (design.weights or design.strata or design.clusters)
        if not (analysis.fpc and isinstance(design.population_size, int) and simple):
            self.fail("invalid-value", "analysis.design_interval", "'hypergeometric'",
                      "hypergeometric only for an unweighted sample of a known population: design.population_size "
                      "a whole number, analysis.fpc true, and no weights, strata or clusters")
        elif analysis.design_interval[0] == DesignIntervalMethod.HYPERGEOMETRIC and \
                design.weighting_method != WeightingMethod.NONE:
            self.fail("invalid-value", "analysis.design_interval", "'hypergeometric' first",
                      "a design-based method first (it is the weighted design's main interval; the hypergeometric "
                      "one applies only to the unweighted rows with the finite population correction)")

    def claims(self, raw: Any, measure_ids: set[str], questions: dict[str, Question]) -> list[Claim]:
        claims: list[Claim] = []
        seen: set[str] = set()
        for i, item in enumerate(self.sequence(raw, "claims")):
            key = f"claims[{i}]"
            entry = self.keys(Claim, item, key)
            if not all(name in entry for name in ("id", "statistic", "interval")):
                continue
            values = self.values(Claim, entry, key, only=("id",))
            if values["id"] in seen:
                self.fail("duplicate-id", f"{key}.id", f"claim id '{values['id']}' again", "unique claim ids")
                continue
            seen.add(values["id"])
            values = self.values(Claim, entry, key, only=("statistic", "measure"), known=values)
            if values["statistic"] == ClaimStatistic.SHARE:
                if values["measure"] is None:
                    self.fail("missing-key", f"{key}.measure", "no value", "the measure a share claim concerns")
                elif values["measure"]:
                    self.require_measure(values["measure"], f"{key}.measure", measure_ids)
            values = self.values(Claim, entry, key, only=("domain",), known=values)
            domain: Domain | None = values["domain"]
            if domain is not None:
                q = self.require_question(domain.variable, f"{key}.domain.variable", questions, categorical=True)
                if q is not None and domain.value not in q.code_values:
                    self.fail("undefined-code", f"{key}.domain.value", f"'{domain.value}'",
                              f"a code of question '{domain.variable}'")
            interval = self.read(ClaimInterval, entry["interval"], f"{key}.interval")
            if interval.low > interval.high:
                self.fail("invalid-range", f"{key}.interval", f"low {interval.low:g} above high {interval.high:g}",
                          "low <= high")
            values = self.values(Claim, entry, key, only=("source", "wording", "reasoning"), known=values)
            claims.append(Claim(**values, interval=interval))
        return claims

    # -- references -----------------------------------------------------------------------
    def require_measure(self, measure_id: str, key: str, measure_ids: set[str]) -> None:
        if measure_id not in measure_ids:
            self.fail("undefined-reference", key, f"'{measure_id}'", "a measure id")

    def require_question(self, qid: str, key: str, questions: dict[str, Question],
                         categorical: bool = False, numeric: bool = False) -> Question | None:
        question = questions.get(qid)
        if question is None:
            self.fail("undefined-reference", key, f"'{qid}'", "the id of a question defined under questions")
            return None
        if categorical and not question.type.has_codes:
            self.fail("wrong-question-type", key, f"'{qid}', a {question.type} question",
                      "a question with answer codes")
            return None
        if numeric and not question.type.is_numeric:
            self.fail("wrong-question-type", key, f"'{qid}', a {question.type} question", "a numeric question")
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
            if not target.type.is_categorical:
                self.fail("wrong-question-type", f"{key}.question", f"'{target.id}', a {target.type} question",
                          "a single-answer question with codes")
                continue
            allowed = set(target.code_values) | target.missing.codes
            for value in q.asked_if.values:
                if value not in allowed:
                    self.fail("undefined-code", f"{key}.in", f"'{value}'", f"a code of question '{target.id}'")
        for q in questions:
            seen = [q.id]
            current = q
            while current.asked_if is not None and current.asked_if.question in by_id:
                nxt = current.asked_if.question
                if nxt in seen:
                    cycle = " -> ".join([*seen[seen.index(nxt):], nxt])
                    if q.id == min(seen[seen.index(nxt):]):
                        self.fail("routing-cycle", f"questions[{index[q.id]}].asked_if", f"a cycle {cycle}",
                                  "routing that refers only to questions asked before")
                    break
                seen.append(nxt)
                current = by_id[nxt]
