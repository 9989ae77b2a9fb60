"""The SQL that DuckDB and Spark both run: the heavy pass, and the small queries of the checks.

Every query reads the view `answers`, which each engine defines over the answers file
(`connections`): a row number `row_id` in file order and one text column per column the
questionnaire uses, named `c0`, `c1`, ... (`AnswerColumns`), trimmed, '' where blank. The
texts below are built from the questionnaire alone; nothing here names a survey's columns.
The same text runs on both engines, so they compute the same statistics by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.measures import CodedVariable
from pipeline.questionnaire import Question, Questionnaire

PLAIN_NUMBER = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
"""A number written plainly. Weights and population sizes written so are read by both engines as
the memory engine reads them; any other text is looked at row by row by the memory checks."""

def literal(text: str) -> str:
    """A string literal both dialects read the same way: a quote doubled (as both read it), and
    a backslash, which Spark reads as an escape and DuckDB does not, written as chr(92)."""
    parts = [f"'{part.replace(chr(39), chr(39) * 2)}'" for part in text.split("\\")]
    return parts[0] if len(parts) == 1 else "concat(" + ", chr(92), ".join(parts) + ")"


def in_list(expression: str, values: Iterable[str]) -> str:
    """`expression IN (...)`, or FALSE for no values."""
    values = list(dict.fromkeys(values))
    if not values:
        return "FALSE"
    return f"{expression} IN ({', '.join(literal(v) for v in values)})"


@dataclass(frozen=True)
class AnswerColumns:
    """The questionnaire's columns (by its names) as the view's columns c0, c1, ..., with each
    one's name in the file."""

    names: tuple[str, ...]
    sources: tuple[str, ...]

    @staticmethod
    def of(sources: dict[str, str]) -> AnswerColumns:
        return AnswerColumns(tuple(sources), tuple(sources.values()))

    def __getitem__(self, name: str) -> str:
        return f"c{self.names.index(name)}"

    def __contains__(self, name: str) -> bool:
        return name in self.names


class QuestionnaireSql:
    """SQL expressions of a questionnaire's routing, answer statuses and coded variables."""

    def __init__(self, questionnaire: Questionnaire, columns: AnswerColumns):
        self.q = questionnaire
        self.columns = columns

    def column(self, name: str) -> str:
        return self.columns[name]

    def asked(self, question: Question) -> str:
        """Routing, as `validate.asked_mask`: each condition of the chain holds."""
        terms = []
        current = question
        while current.asked_if is not None:
            condition = current.asked_if
            terms.append(in_list(self.column(condition.question), condition.values))
            current = self.q.question(condition.question)
        return "(" + " AND ".join(terms) + ")" if terms else "TRUE"

    def answered(self, question: Question) -> str:
        """The `answered` status of `measures.status_codes`: asked, not blank, not a missing code."""
        asked = self.asked(question)
        missing = sorted(question.missing.codes)
        if question.type.is_multiple_choice and len(question.columns) > 1:
            some = " OR ".join(f"{self.column(c)} <> ''" for c in question.columns)
            first = self.column(question.columns[0])
            return f"({asked} AND ({some}) AND NOT ({in_list(first, missing)}))"
        value = self.column(question.id)
        return f"({asked} AND {value} <> '' AND NOT ({in_list(value, missing)}))"

    def status(self, question: Question, statuses: tuple[str, ...]) -> str:
        """Each row's index in `statuses` (`measures.status_codes`)."""
        answered, blank, not_asked = 0, statuses.index("blank"), statuses.index("not_asked")
        kinds = [(statuses.index(str(kind.value)), codes) for kind, codes in question.missing.items()]
        if question.type.is_multiple_choice and len(question.columns) > 1:
            all_blank = " AND ".join(f"{self.column(c)} = ''" for c in question.columns)
            first = self.column(question.columns[0])
            cases = [f"WHEN ({all_blank}) THEN {blank}"]
            cases += [f"WHEN {in_list(first, codes)} THEN {index}" for index, codes in kinds if codes]
        else:
            value = self.column(question.id)
            mapping: dict[str, int] = {}  # a code under two kinds takes the last, as index_of's mapping does
            for index, codes in kinds:
                mapping.update(dict.fromkeys(codes, index))
            mapping[""] = blank
            by_index: dict[int, list[str]] = {}
            for code, index in mapping.items():
                by_index.setdefault(index, []).append(code)
            cases = [f"WHEN {in_list(value, codes)} THEN {index}" for index, codes in by_index.items()]
        return f"CASE WHEN NOT {self.asked(question)} THEN {not_asked} {' '.join(cases)} ELSE {answered} END"

    def selected(self, question: Question, categories: tuple[str, ...]) -> str:
        """`measures.selected`: the answer is one of `categories` (any of them, for multiple choice)."""
        if question.type.is_multiple_choice:
            return "(" + " OR ".join(f"{self.column(f'{question.id}.{c}')} = {literal(question.selected)}"
                                     for c in categories) + ")"
        return "(" + in_list(self.column(question.id), categories) + ")"

    def in_base(self, question: Question, base: str) -> str:
        if base == "all":
            return "TRUE"
        if base == "asked":
            return self.asked(question)
        return self.answered(question)

    def coded(self, coded: CodedVariable) -> str:
        """A coded variable's category index 0..K-1 per row, K outside its base (`measures`)."""
        question = self.q.question(coded.question)
        k = len(coded.categories)
        if coded.complement:  # binary: a derived measure, or one option of a multiple-choice question
            measure_ids = {m.id for m in self.q.measures}
            categories = self.q.measure(coded.id).categories if coded.id in measure_ids else (coded.categories[1],)
            return (f"CASE WHEN NOT {self.in_base(question, coded.base)} THEN {k} "
                    f"WHEN {self.selected(question, categories)} THEN 1 ELSE 0 END")
        value = self.column(question.id)
        cases = " ".join(f"WHEN {value} = {literal(code)} THEN {i}" for i, code in enumerate(coded.categories))
        return f"CASE WHEN NOT {self.asked(question)} THEN {k} {cases} ELSE {k} END"

    def domain(self, variable: str, levels: tuple[str, ...]) -> str:
        """A subgroup's level index per row, len(levels) for none (`estimates.subgroup_domains`)."""
        value = self.column(variable)
        cases = " ".join(f"WHEN {value} = {literal(code)} THEN {i}" for i, code in enumerate(levels))
        return f"CASE {cases} ELSE {len(levels)} END"


def working_terms(x: str) -> tuple[str, str]:
    """A unit's terms of R's first logistic step at x, its weight over a mean weight
    (`svyglm_fit.unit_working_terms`): its working weight and working response."""
    weight = f"(({x}) * (({x}) + 0.5) / (2 * (({x}) + 1) * (({x}) + 1)))"
    return weight, f"({weight} * ln(1 + 2 * ({x})) + ({x}) / (2 * (({x}) + 1)))"


def statistics_query(items: list[str], domains: list[str], weight: str | None, group_join: str,
                     glm: tuple[list[str], str] | None = None, form: str = "unpivot") -> str:
    """The heavy pass: counts, and sums of weight deviations and their squares, per split,
    domain, variance group, item and category, in one scan of the answers.

    Each row's items are unpivoted (one row per item and category index) and grouped once per
    subgroup variable (GROUPING SETS), or once overall. `weight` is the row's weight divided by
    the largest (as `design.unit_scaled_weights`), less its group's reference `grp.ref`: the
    weight of the group's first row in file order. `group_join` joins each row to its
    variance group in the table `design_groups` (column `g`). With `glm` (per split, each row's
    weight over its domain's mean weight; and over the sample's), the sums of R's first
    logistic step's terms are added (`sufficient.GlmStartSums`): columns gw{s}, gr{s} per split
    (read in that split's rows), aw and ar. `form` "sets" gives the same rows by one grouping set
    per split and item instead of the unpivot."""
    item_columns = ", ".join(f"{expression} AS i{j}" for j, expression in enumerate(items))
    domain_columns = "".join(f", {expression} AS d{s}" for s, expression in enumerate(domains))
    deviation = weight if weight is not None else "CAST(0 AS DOUBLE)"
    names = ", ".join(f"i{j}" for j in range(len(items)))
    terms, sums = "", ""
    if glm is not None:
        by_domain, overall = glm
        columns = []
        for s, x in enumerate(by_domain):
            columns += [f"{term} AS gw{s}" if i == 0 else f"{term} AS gr{s}" for i, term in enumerate(working_terms(x))]
        columns += [f"{term} AS {name}" for term, name in zip(working_terms(overall), ("aw", "ar"), strict=True)]
        terms = ", " + ", ".join(columns)
        names_out = [f"gw{s}" for s in range(len(by_domain))] + [f"gr{s}" for s in range(len(by_domain))] + ["aw", "ar"]
        sums = "".join(f", sum({name}) AS {name}" for name in names_out)
    inner = (f"SELECT grp.g AS g, {deviation} AS dev{domain_columns}{terms}, {item_columns} "
             f"FROM answers a {group_join}")
    measures = f"count(*) AS n, sum(dev) AS dev, sum(dev * dev) AS dev2{sums}"
    if form == "sets":
        return _grouping_sets_form(len(items), len(domains), inner, measures)
    if domains:
        sets = ", ".join(f"(d{s}, g, item, code)" for s in range(len(domains)))
        grouping = f"GROUP BY GROUPING SETS ({sets})"
        split = " + ".join(f"{s} * (1 - grouping(d{s}))" for s in range(len(domains)))
        domain = "coalesce(" + ", ".join(f"d{s}" for s in range(len(domains))) + ")"
    else:
        grouping, split, domain = "GROUP BY g, item, code", "0", "0"
    return (f"SELECT {split} AS split, {domain} AS domain, g, CAST(substr(item, 2) AS INTEGER) AS item, code, "
            f"{measures} FROM ({inner}) UNPIVOT (code FOR item IN ({names})) {grouping}")


def _grouping_sets_form(n_items: int, n_domains: int, inner: str, measures: str) -> str:
    """The same pass as one GROUP BY with a grouping set per split and item (no unpivot)."""
    splits = range(n_domains) if n_domains else [None]
    sets = ", ".join(f"({'' if s is None else f'd{s}, '}g, i{j})" for s in splits for j in range(n_items))
    split = " + ".join(f"{s} * (1 - grouping(d{s}))" for s in range(n_domains)) if n_domains else "0"
    domain = "coalesce(" + ", ".join(f"d{s}" for s in range(n_domains)) + ")" if n_domains else "0"
    item = " + ".join(f"{j} * (1 - grouping(i{j}))" for j in range(n_items))
    code = "coalesce(" + ", ".join(f"i{j}" for j in range(n_items)) + ")" if n_items > 1 else "i0"
    return (f"SELECT {split} AS split, {domain} AS domain, g, {item} AS item, {code} AS code, {measures} "
            f"FROM ({inner}) GROUP BY GROUPING SETS ({sets})")


def domain_weights_query(domains: list[str], weight: str, group_join: str) -> str:
    """Per split and domain: rows and the sum of weights over the largest (for R's mean weights)."""
    if not domains:
        return f"SELECT 0 AS split, 0 AS domain, count(*) AS n, sum({weight}) AS w FROM answers a {group_join}"
    inner = ", ".join(f"{expression} AS d{s}" for s, expression in enumerate(domains))
    sets = ", ".join(f"(d{s})" for s in range(len(domains)))
    split = " + ".join(f"{s} * (1 - grouping(d{s}))" for s in range(len(domains)))
    domain = "coalesce(" + ", ".join(f"d{s}" for s in range(len(domains))) + ")"
    return (f"SELECT {split} AS split, {domain} AS domain, count(*) AS n, sum(w) AS w FROM "
            f"(SELECT {weight} AS w, {inner} FROM answers a {group_join}) GROUP BY GROUPING SETS ({sets})")


def design_groups_query(strata: str | None, clusters: str | None, weight: str | None, size: str | None) -> str:
    """One row per stratum and cluster (the design's PSU groups): rows, the first row, the first
    row's weight, the smallest and largest weight and population size."""
    keys = [f"{c} AS {name}" for c, name in ((strata, "strat"), (clusters, "clus")) if c]
    by = [name for c, name in ((strata, "strat"), (clusters, "clus")) if c]
    w = f"try_cast({weight} AS DOUBLE)" if weight else "CAST(1 AS DOUBLE)"
    f = f"try_cast({size} AS DOUBLE)" if size else "CAST(NULL AS DOUBLE)"
    select = ", ".join([*keys, "count(*) AS n", "min(row_id) AS first_row", f"min_by({w}, row_id) AS first_w",
                        f"min({w}) AS min_w", f"max({w}) AS max_w", f"min({f}) AS min_f", f"max({f}) AS max_f"])
    group = f" GROUP BY {', '.join(by)}" if by else ""
    return f"SELECT {select} FROM answers{group}"


def duplicate_ids_query(id_column: str) -> str:
    """How many non-blank ids occur more than once."""
    return (f"SELECT count(*) FROM (SELECT {id_column} FROM answers WHERE {id_column} <> '' "
            f"GROUP BY {id_column} HAVING count(*) > 1) repeated")


def repeated_ids_condition(id_column: str) -> str:
    """The rows whose id occurs more than once (all of them, the first included)."""
    return (f"{id_column} IN (SELECT {id_column} FROM answers WHERE {id_column} <> '' "
            f"GROUP BY {id_column} HAVING count(*) > 1)")


def suspect_rows(sql: QuestionnaireSql) -> str:
    """Rows the memory checks might flag (`validate.check_answers`): every row they flag is
    among them, and rows of plain valid answers never are. Blank ids, blank design values,
    weights and population sizes that are not plain numbers in range, and for each question's
    column: an answer where routing does not ask, a blank where not allowed, a code that is
    neither a valid nor a missing code."""
    q = sql.q
    d = q.design
    terms = []
    if d.respondent_id is not None:
        terms.append(f"{sql.column(q.id_column)} = ''")
    terms.extend(f"{sql.column(column)} = ''" for column in (d.strata, *d.clusters) if column)
    if d.weights:
        w = sql.column(d.weights)
        terms.append(f"NOT (rlike({w}, {literal(PLAIN_NUMBER)}) AND try_cast({w} AS DOUBLE) > 0 "
                     f"AND try_cast({w} AS DOUBLE) < CAST('1e308' AS DOUBLE))")
    for size in d.stage_sizes:
        if isinstance(size, str):
            f = sql.column(size)
            terms.append(f"NOT (rlike({f}, {literal(PLAIN_NUMBER)}) AND try_cast({f} AS DOUBLE) >= 1 "
                         f"AND try_cast({f} AS DOUBLE) < CAST('1e308' AS DOUBLE))")
    for question in q.questions:
        asked = sql.asked(question)
        allowed = None
        if question.type.is_categorical:
            allowed = (*question.code_values, *sorted(question.missing.codes))
        elif question.type.is_multiple_choice:
            allowed = (question.selected, question.not_selected, *sorted(question.missing.codes))
        for column in question.columns:
            value = sql.column(column)
            terms.append(f"({value} <> '' AND NOT {asked})")
            if not question.allow_blank:
                terms.append(f"({value} = '' AND {asked})")
            if allowed is not None:
                terms.append(f"({value} <> '' AND NOT ({in_list(value, allowed)}))")
    return " OR ".join(terms) if terms else "FALSE"


def summary_query(sql: QuestionnaireSql, statuses: tuple[str, ...], suspect: str, unusual: str) -> str:
    """Rows, suspect rows, rows with unusual text (`unusual_text`), and for each question the
    rows of each answer status."""
    parts = ["count(*) AS n_rows", f"sum(CASE WHEN {suspect} THEN 1 ELSE 0 END) AS n_suspect",
             f"sum(CASE WHEN {unusual} THEN 1 ELSE 0 END) AS n_unusual"]
    for i, question in enumerate(sql.q.questions):
        status = sql.status(question, statuses)
        parts.extend(f"sum(CASE WHEN ({status}) = {k} THEN 1 ELSE 0 END) AS s{i}_{k}" for k in range(len(statuses)))
    return f"SELECT {', '.join(parts)} FROM answers"


def unusual_text(columns: list[str], limit: int) -> str:
    """Values the memory reader treats specially, in columns not checked against codes: a line
    break (a quoted value spanning lines) or more than `limit` characters. Either sends the file
    to the memory reader for its message. (In a column of codes such a value matches no code,
    so its row is a suspect row, looked at in memory.)"""
    if not columns:
        return "FALSE"
    return " OR ".join(f"(instr({c}, chr(10)) > 0 OR instr({c}, chr(13)) > 0 OR length({c}) > {limit})"
                       for c in columns)
