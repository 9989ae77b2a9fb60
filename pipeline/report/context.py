"""Prepare what the template sees: every number already rounded, every base and method stated.

The template does no arithmetic; it lays out what this module hands it. Every figure comes
from the estimates, comparisons and findings tables the run wrote, so each number in the
report can be found in `estimates.csv`, `comparisons.csv` or `findings.csv`.
Presentation follows the Government Statistical Service's guidance: whole percentages with
the unweighted base beside them, [c] for suppressed small cells and [u] for low reliability.
A figure on a base under the questionnaire's `suppress_below` is shown as [c] alone, wherever
it would appear (text, tables, charts); the tables it comes from are already blank there.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.compare import PAIRWISE_TESTS, TEST_NAMES
from pipeline.estimates import HYPERGEOMETRIC
from pipeline.findings import SAME_ON_EVERY_BASE
from pipeline.questionnaire.model import MAX_MAIN_POINTS
from pipeline.questionnaire.vocabulary import Base, ChartOrder
from pipeline.records import BOUNDS, EstimateTable
from pipeline.report.charts import likert_chart, rate_chart
from pipeline.report.frame_tables import frame_tables
from pipeline.report.numeric_tables import numeric_tables
from pipeline.report.published import UNPUBLISHED, UNPUBLISHED_MEANING, Published, claim_rows, reconciliation
from pipeline.stats.comparisons import ADJUST_NAMES
from pipeline.stats.intervals import METHOD_NAMES
from pipeline.summaries import ValidationSummary, WeightingSummary
from pipeline.suppression import MARKER

LOW_RELIABILITY_BELOW = 30
BASE_NOUNS = {Base.ALL: "respondents", Base.ASKED: "those asked", Base.VALID: "those answering"}


def percent(value: float, digits: int = 0) -> str:
    """A proportion as a rounded percentage, e.g. 0.7073 -> '71%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"  # an en dash: no figure
    return f"{value * 100:.{digits}f}%"


def interval(low: float, high: float) -> str:
    """An interval on one line, its ends as whole percentages joined by an en dash (36, 57 -> '36\u201357%')."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (low, high)):
        return "\u2013"
    return f"{low * 100:.0f}\u2013{high * 100:.0f}%"


def level_text(level: float) -> str:
    """The confidence level as printed, e.g. 0.95 -> '95%', 0.975 -> '97.5%' (never rounded away)."""
    return f"{level * 100:.10g}%"


def shown(row, suppress: int) -> bool:
    """Whether a row's figures may be published: it exists and its base is not under the threshold."""
    return row is not None and row.n >= suppress


def suppressed_text(n: int, suppress: int) -> str:
    """What a chart's alt text says in place of a suppressed figure."""
    return f"{MARKER}, suppressed: a base of {n}, fewer than {suppress}"


def build_context(results) -> dict:
    """Everything the report template needs, as plain values."""
    q = results.questionnaire
    lookup = results.estimates
    variants = {v.name: v for v in results.variants}
    level = level_text(q.analysis.level)
    suppress = q.analysis.suppress_below
    published = Published(q)

    def figure(measure_id: str, variable: str = "", domain: str = "") -> dict | None:
        measure = q.measure(measure_id)
        category = "|".join(measure.categories)
        row = lookup.get(measure_id, category, variable, domain)
        if row is None or row.n == 0:
            return None
        fpc = lookup.get(measure_id, category, variable, domain, "fpc")
        exact = lookup.get(measure_id, category, variable, domain, "fpc", method=HYPERGEOMETRIC)
        design = lookup.get(measure_id, category, variable, domain, "design")
        bounds = lookup.get(measure_id, category, variable, domain, "bounds") if not variable else None
        n = int(row.n)
        if n < suppress:
            return _suppressed_figure(measure, n, row.base, fpc, design, bounds, suppress)
        domain_words = ""
        if variable:
            by = q.question(variable)
            domain_words = f"{by.label_of(domain)} ({by.label.lower()})"
        return {
            "mark": published.mark(measure_id, variable, domain),
            "published": published.about(measure_id, variable, domain),
            "domain": domain_words,
            "id": measure_id, "label": measure.label, "finding": measure.finding, "base_noun": BASE_NOUNS[measure.base],
            "estimate": row.estimate, "percent": percent(row.estimate),
            "count": round(row.estimate * n), "n": n, "base": row.base,
            "low": row.ci_low, "high": row.ci_high, "interval": interval(row.ci_low, row.ci_high),
            "fpc_interval": interval(fpc.ci_low, fpc.ci_high) if fpc is not None else None,
            "exact_interval": interval(exact.ci_low, exact.ci_high) if exact is not None and exact is not fpc else None,
            "weighted": percent(design.estimate) if design is not None else None,
            "weighted_interval": interval(design.ci_low, design.ci_high) if design is not None else None,
            "bounds": interval(bounds.ci_low, bounds.ci_high) if bounds is not None else None,
            "flag": "[u]" if n < LOW_RELIABILITY_BELOW else "", "suppressed": "",
        }

    headline = [f for f in (figure(m) for m in q.analysis.headline) if f]
    numeric = numeric_tables(q, lookup, tuple(variants), suppress)
    main_ids = q.analysis.main_points or q.analysis.headline[:MAX_MAIN_POINTS]
    main_figures = [f for f in (figure(m, *published.domain_of(m)) for m in main_ids) if f]
    numbers = Numbering()
    order = q.analysis.chart_order
    themes = []
    for theme in q.analysis.themes:
        figures = [f for f in (figure(m) for m in theme.measures) if f]
        scales = [q.question(qid) for qid in theme.questions
                  if q.question(qid).type.has_scale and q.question(qid).scale]
        likert = _likert_charts(lookup, scales, theme.title, suppress, order, numbers, published.unpublished())
        rates = _rate_groups(theme, figures, level, order, numbers)
        frame = (frame_tables(q, results.responses.answers)
                 if set(theme.questions) & set(q.population.variables) else [])
        for table in frame:
            table["number"] = numbers.table()
        themes.append({"id": theme.id, "title": theme.title, "summary": theme.summary, "figures": figures,
                       "likert": likert, "rates": rates, "numeric": numeric[theme.id], "frame": frame})
    provenance = results.provenance
    validation = results.validation
    survey = q.survey
    population = q.population
    comparisons = _comparisons(results.comparisons, q, suppress, level, published)
    return {
        "survey": survey, "title": survey.title, "subtitle": survey.subtitle,
        "organisations": survey.organisations, "provenance": provenance,
        "footer": ("Reconstructed data: figures illustrate the method, they are not the study's original answers"
                   if provenance.reconstructed else f"{survey.title}: {provenance.title}"),
        "level": level, "population": population, "illustration": provenance.illustration,
        "respondents": validation.rows_accepted,
        "response_rate": percent(validation.rows_accepted / population.size) if population.size else None,
        "main_points": main_points(main_figures, level),
        "unpublished": {"marker": UNPUBLISHED, "meaning": UNPUBLISHED_MEANING} if published.active else None,
        "same_on_every_base": SAME_ON_EVERY_BASE,
        "caveat": _caveat(provenance),
        "headline": headline, "themes": themes, "columns": _columns(variants, lookup),
        "subgroups": _subgroups(q, lookup, suppress, numbers, published),
        "comparisons": comparisons,
        "claims": claim_rows(q, results.findings, suppress, MARKER, percent),
        "reconciliation": reconciliation(q, results.findings),
        "appendix": _appendix(q, lookup, suppress, published),
        "free_text": _free_text(q, results.responses),
        "methods": _methods(q, variants, results, level, headline),
        "recommendations": [{"text": r.text, "reason": r.reason,
                             "evidence": [f for f in (figure(m, *published.domain_of(m)) for m in r.evidence) if f]}
                            for r in q.report_text.get("recommendations", [])],
        "introduction": q.report_text.get("introduction", survey.description),
        "limitations": q.report_text.get("limitations", ""),
        "validation": validation, "per_question": _per_question(q, validation),
        "spanning_answers": _spanning_answers(validation),
        "manifest": results.manifest,
        "created": survey.published or "2000-01-01",
        "suppress_below": suppress, "low_reliability_below": LOW_RELIABILITY_BELOW,
    }


class Numbering:
    """Figure and table numbers, in reading order."""

    def __init__(self) -> None:
        self.figures = 0
        self.tables = 0

    def figure(self) -> int:
        self.figures += 1
        return self.figures

    def table(self) -> int:
        self.tables += 1
        return self.tables


def main_points(figures: list[dict], level: str) -> list[str]:
    """Page 1's bullets: each a plain sentence with its share, its count and base, and one interval."""
    points = []
    for f in figures:
        if f["suppressed"]:
            points.append(f"{f['label']}: {MARKER}, not published: the base ({f['base_noun']}) is n = {f['n']}, "
                          "too few.")
            continue
        evidence = f"{f['count']} of {f['n']}; {level}\u00a0CI\u00a0{f['interval']}"
        mark = f" {f['mark']}" if f.get("mark") else ""
        if f.get("domain"):
            what = f["finding"] or f"\u201c{f['label']}\u201d"
            points.append(f"{f['domain']}: {f['percent']}{mark} of {f['base_noun']} {what} ({evidence}).")
        elif f["finding"]:
            points.append(f"{f['percent']}{mark} of {f['base_noun']} {f['finding']} ({evidence}).")
        else:
            points.append(f"{f['label']}: {f['percent']}{mark} of {f['base_noun']} ({evidence}).")
    return points


def _caveat(provenance) -> str:
    """One sentence on where the answers come from; the detail is in "About the data"."""
    if provenance.reconstructed:
        return ("These figures come from answers reconstructed to match the study's published results, "
                "not from its original answers: they illustrate the method (see About the data).")
    return ""


def _sorted(items: list[dict], order, key) -> list[dict]:
    """Items largest first (suppressed ones last), or as listed."""
    if order != ChartOrder.LARGEST_FIRST:
        return items
    return sorted(items, key=lambda item: (key(item) is None, -(key(item) or 0.0)))


def _rate_groups(theme, figures: list[dict], level: str, order, numbers: Numbering) -> list[dict]:
    """One chart and one table per base: measures on different bases never share an axis."""
    groups: dict[str, list[dict]] = {}
    for f in figures:
        groups.setdefault(f["base"], []).append(f)
    out = []
    for index, (base, members) in enumerate(groups.items()):
        members = _sorted(members, order, lambda f: f["estimate"])
        number = numbers.figure()
        title = (theme.message if theme.message and index == 0
                 else f"{theme.title}: shares of {members[0]['base_noun']}")
        ns = sorted({f["n"] for f in members})
        subtitle = f"Base: {base}; " + (f"n = {ns[0]}" if len(ns) == 1 else "n shown for each item")
        chart = rate_chart(f"Figure {number}: {title}", [
            dict(label=f"{f['label']} {f['mark']}" if f.get("mark") else f["label"], estimate=f["estimate"],
                 low=f["low"], high=f["high"], n=f["n"],
                 suppressed=f["suppressed"]) for f in members], level, subtitle=subtitle)
        out.append({"number": number, "title": title, "subtitle": subtitle, "chart": chart, "figures": members,
                    "table": numbers.table(), "base": base})
    return out


def _suppressed_figure(measure, n: int, base: str, fpc, design, bounds, suppress: int) -> dict:
    """A figure whose base is under the threshold: every share and interval is the marker."""
    def marker_if(row):
        return MARKER if row is not None else None

    return {
        "id": measure.id, "label": measure.label, "finding": measure.finding, "base_noun": BASE_NOUNS[measure.base],
        "estimate": None, "percent": MARKER, "count": MARKER, "n": n,
        "base": base, "low": None, "high": None, "interval": MARKER, "fpc_interval": marker_if(fpc),
        "exact_interval": None,
        "weighted": marker_if(design), "weighted_interval": marker_if(design), "bounds": marker_if(bounds),
        "flag": "", "suppressed": suppressed_text(n, suppress), "mark": "", "published": [], "domain": "",
    }


def _columns(variants: dict, estimates: EstimateTable) -> dict:
    """Which design variants and intervals the run made (the methods describe only those)."""
    return {"fpc": "fpc" in variants, "weighted": "design" in variants, "bounds": estimates.has_variant(BOUNDS),
            "exact": "fpc" in variants and HYPERGEOMETRIC in variants["fpc"].intervals}


def _likert_charts(lookup: EstimateTable, questions, title: str, suppress: int, order,
                   numbers: Numbering, mark: str = "") -> list[dict]:
    """One diverging chart per answer scale (questions sharing their answer labels share a chart)."""
    groups: dict[tuple[str, ...], list] = {}
    for question in questions:
        groups.setdefault(tuple(c.label for c in question.codes), []).append(question)
    charts = []
    for group in groups.values():
        items = _likert_items(lookup, group, suppress)
        for item in items:
            item["label"] = f"{item['label']} {mark}" if mark and not item["suppressed"] else item["label"]
        if not items:
            continue
        items = _sorted(items, order, lambda item: None if item["suppressed"] else
                        sum(share for _, share in item["positive"]))
        number = numbers.figure()
        heading = f"{title}: answers on the scale from {items[0]['negative'][0][0].lower()} " \
                  f"to {items[0]['positive'][-1][0].lower()}" if items[0]["negative"] and items[0]["positive"] \
            else f"{title}: answers on the scale"
        ns = sorted({item["n"] for item in items})
        subtitle = ("Base: valid answers (don't know, refused and blank excluded); "
                    + (f"n = {ns[0]}" if len(ns) == 1 else "n shown for each item"))
        charts.append({"number": number, "title": heading, "subtitle": subtitle,
                       "chart": likert_chart(f"Figure {number}: {heading}", items, subtitle=subtitle)})
    return charts


def _likert_items(lookup: EstimateTable, questions, suppress: int) -> list[dict]:
    items = []
    for question in questions:
        sides: dict[str, list[tuple[str, float]]] = {}
        bases = []
        for side in ("negative", "neutral", "positive"):
            sides[side] = []
            for code in question.scale.get(side, ()):
                row = lookup.get(question.id, code)
                bases.append(int(row.n) if row is not None else 0)
                share = row.estimate if row is not None and shown(row, suppress) else 0.0
                sides[side].append((question.label_of(code), share))
        base = max(bases, default=0)
        items.append({"label": question.label, **sides, "n": base,
                      "suppressed": suppressed_text(base, suppress) if base < suppress else ""})
    return items


COLUMNS_PER_SUBGROUP_TABLE = 4  # more groups than this are split over several tables, so none is cut off


def _subgroups(q, lookup: EstimateTable, suppress: int, numbers: Numbering,
               published: Published | None = None) -> list[dict]:
    """Headline measures by each planned subgroup, with small cells suppressed; wide ones in parts."""
    tables = []
    for variable in q.analysis.subgroups:
        question = q.question(variable)
        codes = list(question.code_values)
        parts = [codes[i:i + COLUMNS_PER_SUBGROUP_TABLE] for i in range(0, len(codes), COLUMNS_PER_SUBGROUP_TABLE)]
        for index, part in enumerate(parts):
            rows = []
            for measure_id in q.analysis.headline:
                measure = q.measure(measure_id)
                cells = []
                for code in part:
                    row = lookup.get(measure_id, "|".join(measure.categories), variable, code)
                    n = int(row.n) if row is not None else 0
                    if row is None or n < suppress:
                        cells.append({"text": MARKER, "n": n})
                    else:
                        flag = " [u]" if n < LOW_RELIABILITY_BELOW else ""
                        mark = published.mark(measure_id, variable, code) if published else ""
                        cells.append({"text": percent(row.estimate) + flag + (f" {mark}" if mark else ""), "n": n,
                                      "mark": mark})
                rows.append({"label": measure.label, "cells": cells})
            tables.append({"variable": variable, "label": question.label, "number": numbers.table(),
                           "part": f"part {index + 1} of {len(parts)}" if len(parts) > 1 else "",
                           "groups": [question.label_of(c) for c in part], "rows": rows})
    return tables


def _comparisons(table: pd.DataFrame, q, suppress: int, level: str, published: Published | None = None) -> dict:
    """Each test of the plan as one sentence naming its method, grouped by measure and subgroup."""
    adjust = ADJUST_NAMES[q.analysis.adjust]
    groups: dict[tuple[str, str], dict] = {}
    family = table[table["in_family"].astype(bool)] if "in_family" in table else table
    for r in family.itertuples():
        label = q.measure(r.measure).label
        by = q.question(r.by) if r.by else None
        heading = f"{label}, by {by.label.lower()}" if by is not None else f"{label}, against a set value"
        group = groups.setdefault((r.measure, r.by), {"heading": heading, "sentences": [], "fisher": [],
                                                       "design": []})
        if by is None:
            group["sentences"].append(_share_test_sentence(r, suppress))
        elif r.test in PAIRWISE_TESTS:
            marks = ((published.mark(r.measure, r.by, r.group_a), published.mark(r.measure, r.by, r.group_b))
                     if published else ("", ""))
            group["sentences"].append(_pair_sentence(r, by, suppress, level, marks))
            group["fisher" if r.test == "fisher" else "design"].append(bool(r.significant))
        else:
            group["sentences"].append(_design_test_sentence(r, by))
            group["design"].append(bool(r.significant))
    shown = {TEST_NAMES.get(t, t) for t in family["test"]} if len(family) else set()
    others = sorted({TEST_NAMES.get(t, t) for t in table["test"]} - shown) if len(table) else []
    disagreements = [g["heading"] for g in groups.values()
                     if g["fisher"] and g["design"] and any(g["fisher"]) != any(g["design"])]
    return {"groups": list(groups.values()), "adjust": adjust, "count": len(family), "others": others,
            "alpha": f"{round(1 - q.analysis.level, 10):g}",
            "disagreements": disagreements}


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _pair_sentence(r, by, suppress: int, level: str, marks: tuple[str, str] = ("", "")) -> str:
    """A pair of groups: their shares, the difference with its interval, and the test, named."""
    a, b = by.label_of(r.group_a), by.label_of(r.group_b)
    fisher = r.test == "fisher"
    test = "Fisher's exact test" if fisher else "the design-based t test of the difference (R's svycontrast)"
    interval = "Newcombe" if fisher else "design-based"
    if min(r.n_a, r.n_b) < suppress:
        return (f"{a} v {b}: {MARKER}, a group of fewer than {suppress} (n = {r.n_a} and {r.n_b}); "
                f"{test}, adjusted {_p(r.p_adjusted)}.")
    points = round(r.difference * 100)
    direction = "no different from" if points == 0 else "higher than" if points > 0 else "lower than"
    verdict = "a significant difference" if r.significant else "not a significant difference"
    mark_a, mark_b = (f" {m}" if m else "" for m in marks)
    return (f"{a} {percent(r.estimate_a)}{mark_a} (n = {r.n_a}) was {direction} {b} {percent(r.estimate_b)}{mark_b} "
            f"(n = {r.n_b}): a difference of {abs(points)} points ({level} CI {_points(r.ci_low)} to "
            f"{_points(r.ci_high)}, {interval}); {test} {_p(r.p_value)}, adjusted {_p(r.p_adjusted)}, "
            f"{verdict}.")


def _share_test_sentence(r, suppress: int) -> str:
    """A share tested against a value: the share, the value, and the test, named."""
    test = TEST_NAMES.get(r.test, r.test)
    if r.n_a < suppress:
        return f"{MARKER}: fewer than {suppress} respondents (n = {r.n_a}); {test}, adjusted {_p(r.p_adjusted)}."
    verdict = "significantly different" if r.significant else "not significantly different"
    return (f"{percent(r.estimate_a)} (n = {r.n_a}) against {percent(r.estimate_b, 1)}: {test} {_p(r.p_value)}, "
            f"adjusted {_p(r.p_adjusted)}, {verdict}.")


def _points(share: float) -> str:
    """A difference of shares in whole percentage points; a negative one that rounds to zero is 0, not -0."""
    text = f"{share * 100:.0f}"
    return "0" if text == "-0" else text


def _design_test_sentence(r, by) -> str:
    verdict = "a significant difference" if r.significant else "not a significant difference"
    return (f"Across all groups of {by.label.lower()}, using the sample design: Rao-Scott F = {r.statistic:.2f} "
            f"on {r.df} degrees of freedom, {_p(r.p_value)}, adjusted {_p(r.p_adjusted)}, {verdict}.")


def _appendix(q, lookup: EstimateTable, suppress: int, published: Published | None = None) -> list[dict]:
    tables = []
    for question in q.questions:
        if not question.type.has_codes:
            continue
        rows = []
        for code in question.codes:
            measure = question.id if not question.type.is_multiple_choice else f"{question.id}.{code.code}"
            row = lookup.get(measure, code.code)
            if row is None:
                continue
            rows.append(_appendix_row(code.label, row, suppress,
                                      _answer_mark(q, lookup, question, code.code, row, published)))
        if not rows:
            continue
        note = _appendix_note(question, rows, suppress)
        tables.append({"id": question.id, "label": question.label, "text": question.text,
                       "paraphrase": question.wording == "paraphrase" and question.id not in q.population.variables,
                       "base": rows and rows[0]["n"],
                       "rows": rows, "note": note})
    return tables


def _answer_mark(q, lookup: EstimateTable, question, code: str, row, published: Published | None) -> str:
    """The unpublished marker, unless a published claim is about this very share (same answer, same base n)."""
    if published is None or not published.active:
        return ""
    for measure in q.measures:
        if measure.question != question.id or measure.categories != (code,) or published.mark(measure.id):
            continue
        claimed = lookup.get(measure.id, code)
        if claimed is not None and int(claimed.n) == int(row.n):
            return ""
    return published.unpublished()


def _appendix_row(label: str, row, suppress: int, mark: str = "") -> dict:
    """One answer's share, count and interval, or the marker for each if its base is too small."""
    n = int(row.n)
    if n < suppress:
        return {"label": label, "percent": MARKER, "estimate": None, "count": MARKER, "n": n, "interval": MARKER,
                "mark": ""}
    return {"label": label, "percent": percent(row.estimate) + (f" {mark}" if mark else ""), "mark": mark,
            "estimate": row.estimate,
            "count": round(row.estimate * n), "n": n, "interval": interval(row.ci_low, row.ci_high)}


def _appendix_note(question, rows: list[dict], suppress: int) -> str:
    """Why the shown shares do not add up to 100%, when they do not."""
    if any(r["estimate"] is None for r in rows):
        return f"{MARKER}: fewer than {suppress} in the base, so the figures are suppressed."
    if question.type.is_multiple_choice:
        return "More than one answer could be given, so shares do not sum to 100%."
    rounded_total = sum(round(r["estimate"] * 100) for r in rows)
    if rounded_total != 100:
        return f"Rounded shares sum to {rounded_total}%, not 100%, because of rounding."
    return ""


def _free_text(q, responses) -> list[dict]:
    """Free-text answers as given (the template escapes them), in file order."""
    out = []
    for question in q.questions:
        if not question.type.is_free_text:
            continue
        answers = [a for a in responses.answers[question.id] if a]
        out.append({"label": question.label, "text": question.text, "answers": answers})
    return out


def _methods(q, variants: dict, results, level: str, headline: list[dict]) -> dict:
    population = q.population
    respondents = results.validation.rows_accepted
    design = variants.get("design")
    weighting = design.weighting if design else None
    example = next((f for f in headline if not f["suppressed"]), None)
    return {
        "srs_method": METHOD_NAMES[q.analysis.interval[0]],
        "design_method": METHOD_NAMES[q.analysis.design_interval[0]],
        "fpc": "fpc" in variants or (design is not None and design.fpc),
        "sampling_fraction": percent(respondents / population.size) if population.size else None,
        "fpc_factor": f"{1 - respondents / population.size:.2f}" if population.size else None,
        "df": design.replicates.df if design is not None and design.replicates is not None else (
            design or variants.get("fpc") or variants["srs"]).design.df,
        "df_words": _df_words(q, design.replicates.df if design is not None and design.replicates is not None else (
            design or variants.get("fpc") or variants["srs"]).design.df),
        "weighting": None if not weighting else {
            "method": weighting.method, "iterations": weighting.iterations,
            "text": weighting_text(q, weighting), "variance": weighting_variance_text(weighting),
            "warnings": list(weighting.warnings),
            "design_effect": f"{weighting.design_effect:.2f}",
            "effective_sample_size": f"{weighting.effective_sample_size:.0f}",
            "min_weight": f"{weighting.min_weight:.2f}", "max_weight": f"{weighting.max_weight:.2f}",
            "variables": ", ".join(q.question(v).label.lower() for v in weighting.variables)},
        "design_description": design.description if design else None,
        "lonely_psu": str(q.design.lonely_psu),
        "adjust": ADJUST_NAMES[q.analysis.adjust],
        "bounds": bool(population.size),
        "tail": f"{(1 - q.analysis.level) / 2 * 100:.10g}%",
        "numeric": any(question.type.is_numeric for question in q.questions),
        "example": example,
        "variants": bool(example and (example["fpc_interval"] or example["weighted"] or example["bounds"])),
        "numeric_variance": _numeric_variance_words(design),
        "replicates": design is not None and design.replicates is not None,
        "infinite_df": q.analysis.df == "inf",
        "numeric_intervals": _numeric_interval_words(q),
    }


def _numeric_variance_words(design) -> str:
    """Where the standard errors of numeric estimates come from, as the methods say it."""
    if design is not None and design.replicates is not None:
        return ("from the replicate weights: each estimate recomputed with every replicate's weights (a subgroup's "
                "within the subgroup), as R's svymean, svytotal, svyratio and svyquantile do on a svrepdesign")
    if design is not None and design.design.stages:
        return ("from the design (Taylor linearisation with R's multistage formula, every stage's variance added, "
                "as R's svymean and svytotal; ratios of two questions as R's svyratio)")
    return ("from the design (Taylor linearisation, as R's svymean and svytotal; ratios of two questions as R's "
            "svyratio)")


def _numeric_interval_words(q) -> str:
    """The intervals of means, totals and ratios: t on the base's degrees of freedom, or normal."""
    if q.analysis.df == "inf":
        return "normal intervals (infinite degrees of freedom, as R's confint(..., df = Inf))"
    return "t intervals on the base's degrees of freedom"


def _df_words(q, df: int) -> str:
    """The degrees of freedom design-based intervals use, as the methods name them."""
    if q.analysis.df == "inf":
        beta = (" (the beta method keeps the design's, as R's does)" if q.analysis.design_interval == "beta" else "")
        return f"infinite degrees of freedom, normal quantiles as R's df = Inf gives them{beta}"
    return f"{df} degrees of freedom (the design's primary sampling units less its strata, R's degf)"


def _counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def weighting_text(q, weighting: WeightingSummary) -> str:
    """What was done to the weights, and how it converged, in sentences (R's function named)."""
    w = q.design.weighting
    sentences = []
    if weighting.trimmed:
        lower = "" if w.trim.lower is None else f"at least {w.trim.lower:g}"
        upper = "" if w.trim.upper is None else f"at most {w.trim.upper:g}"
        bounds = " and ".join(b for b in (lower, upper) if b)
        sentences.append(f"{_counted(weighting.trimmed, 'weight was', 'weights were')} trimmed to {bounds}, the "
                         "excess shared among the others (R's trimWeights"
                         + (", strict)." if w.trim.strict else ")."))
    if weighting.variables:
        variables = ", ".join(q.question(v).label.lower() for v in weighting.variables)
        if weighting.key == "poststratify":
            sentences.append(f"Weights were post-stratified to the population's counts by {variables} (R's "
                             "postStratify), which meets every cell's count in one step.")
        elif weighting.key == "rake":
            outcome = ("converged after" if weighting.converged else "did not converge within")
            sentences.append(f"Weights were raked to the population's counts of {variables}, one margin per "
                             f"variable (R's rake); raking {outcome} "
                             f"{_counted(weighting.iterations, 'pass', 'passes')} over the margins "
                             f"(convergence: {weighting.criterion}).")
        else:
            calfun = "linear" if weighting.method.startswith("linear") else "raking"
            if weighting.criterion.startswith("exact"):
                outcome = "linear calibration is exact in one step"
            else:
                outcome = (("it converged after " if weighting.converged else "it did not converge within ")
                           + _counted(weighting.iterations, "Newton step", "Newton steps")
                           + f" (convergence: {weighting.criterion})")
            sentences.append(f"Weights were calibrated to the population's counts of {variables} by "
                             f"{weighting.method} (R's calibrate, calfun = \"{calfun}\"); {outcome}.")
        if weighting.targets_met:
            sentences.append("Every weighted total equals its population count (validation.json lists each).")
    return " ".join(sentences)


def weighting_variance_text(weighting: WeightingSummary) -> str:
    if not weighting.variables:
        return "Standard errors treat the trimmed weights as given."
    if weighting.key == "calibrate":
        return ("Standard errors use the residuals of the regression on the calibration variables, as R's "
                "calibrate (Taylor linearisation).")
    return "Standard errors use the calibration residuals (Taylor linearisation)."


def _spanning_answers(validation: ValidationSummary) -> dict:
    """How many answers run over more than one line of the answers file, and on which lines."""
    records = validation.lines.records_spanning_lines if validation.lines else ()
    return {"count": sum(len(r.columns) for r in records),
            "where": [f"{', '.join(r.columns)}: lines {r.first_line}\u2013{r.last_line}" for r in records]}


def _per_question(q, validation: ValidationSummary) -> list[dict]:
    return [{"id": qid, "label": q.question(qid).label, **counts.to_json()}
            for qid, counts in validation.per_question.items()]
