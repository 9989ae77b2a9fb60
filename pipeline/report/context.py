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
from pipeline.records import BOUNDS, EstimateTable
from pipeline.report.charts import likert_chart, rate_chart
from pipeline.report.numeric_tables import numeric_tables
from pipeline.stats.comparisons import ADJUST_NAMES
from pipeline.stats.intervals import METHOD_NAMES
from pipeline.summaries import ValidationSummary, WeightingSummary
from pipeline.suppression import MARKER

LOW_RELIABILITY_BELOW = 30


def percent(value: float, digits: int = 0) -> str:
    """A proportion as a rounded percentage, e.g. 0.7073 -> '71%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"  # an en dash: no figure
    return f"{value * 100:.{digits}f}%"


def interval(low: float, high: float) -> str:
    return f"{percent(low)} to {percent(high)}"


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
            return _suppressed_figure(measure_id, measure.label, n, row.base, fpc, design, bounds, suppress)
        return {
            "id": measure_id, "label": measure.label, "estimate": row.estimate, "percent": percent(row.estimate),
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
    themes = []
    for theme in q.analysis.themes:
        figures = [f for f in (figure(m) for m in theme.measures) if f]
        scales = [q.question(qid) for qid in theme.questions
                  if q.question(qid).type.has_scale and q.question(qid).scale]
        likert = _likert_charts(lookup, scales, theme.title, suppress)
        rates = rate_chart(theme.title, [dict(label=f["label"], estimate=f["estimate"], low=f["low"], high=f["high"],
                                              n=f["n"], suppressed=f["suppressed"]) for f in figures],
                           level) if figures else None
        themes.append({"id": theme.id, "title": theme.title, "summary": theme.summary, "figures": figures,
                       "likert": likert, "rates": rates, "numeric": numeric[theme.id]})
    provenance = results.provenance
    validation = results.validation
    survey = q.survey
    population = q.population
    return {
        "survey": survey, "title": survey.title, "subtitle": survey.subtitle,
        "organisations": survey.organisations, "provenance": provenance,
        "footer": ("Reconstructed data: figures illustrate the method, they are not the study's original answers"
                   if provenance.reconstructed else f"{survey.title}: {provenance.title}"),
        "level": level, "population": population, "illustration": provenance.illustration,
        "columns": _columns(variants, results.estimates),
        "respondents": validation.rows_accepted,
        "response_rate": percent(validation.rows_accepted / population.size) if population.size else None,
        "headline": headline, "themes": themes,
        "subgroups": _subgroups(q, lookup, suppress),
        "comparisons": _comparisons(results.comparisons, q, suppress),
        "claims": _claims(q, results.findings, suppress),
        "reconciliation": _reconciliation(q, results.findings, lookup),
        "appendix": _appendix(q, lookup, suppress),
        "free_text": _free_text(q, results.responses),
        "methods": _methods(q, variants, results, level),
        "recommendations": q.report_text.get("recommendations", []),
        "introduction": q.report_text.get("introduction", survey.description),
        "limitations": q.report_text.get("limitations", ""),
        "validation": validation, "per_question": _per_question(q, validation),
        "spanning_answers": _spanning_answers(validation),
        "manifest": results.manifest,
        "created": survey.published or "2000-01-01",
        "suppress_below": suppress, "low_reliability_below": LOW_RELIABILITY_BELOW,
    }


def _suppressed_figure(measure_id: str, label: str, n: int, base: str, fpc, design, bounds, suppress: int) -> dict:
    """A figure whose base is under the threshold: every share and interval is the marker."""
    def marker_if(row):
        return MARKER if row is not None else None

    return {
        "id": measure_id, "label": label, "estimate": None, "percent": MARKER, "count": MARKER, "n": n,
        "base": base, "low": None, "high": None, "interval": MARKER, "fpc_interval": marker_if(fpc),
        "exact_interval": None,
        "weighted": marker_if(design), "weighted_interval": marker_if(design), "bounds": marker_if(bounds),
        "flag": "", "suppressed": suppressed_text(n, suppress),
    }


def _columns(variants: dict, estimates: EstimateTable) -> dict:
    """Which optional columns the theme tables have: only those of design variants that exist."""
    return {"fpc": "fpc" in variants, "weighted": "design" in variants, "bounds": estimates.has_variant(BOUNDS),
            "exact": "fpc" in variants and HYPERGEOMETRIC in variants["fpc"].intervals}


def _likert_charts(lookup: EstimateTable, questions, title: str, suppress: int) -> list:
    """One diverging chart per answer scale (questions sharing their answer labels share a chart)."""
    groups: dict[tuple[str, ...], list] = {}
    for question in questions:
        groups.setdefault(tuple(c.label for c in question.codes), []).append(question)
    return [chart for chart in (_likert(lookup, group, title, suppress) for group in groups.values()) if chart]


def _likert(lookup: EstimateTable, questions, title: str, suppress: int):
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
        items.append({"label": question.label, **sides,
                      "suppressed": suppressed_text(base, suppress) if base < suppress else ""})
    return likert_chart(title, items) if items else None


def _subgroups(q, lookup: EstimateTable, suppress: int) -> list[dict]:
    """Headline measures by each planned subgroup, with small cells suppressed."""
    tables = []
    for variable in q.analysis.subgroups:
        question = q.question(variable)
        rows = []
        for measure_id in q.analysis.headline:
            measure = q.measure(measure_id)
            cells = []
            for code in question.code_values:
                row = lookup.get(measure_id, "|".join(measure.categories), variable, code)
                design = lookup.get(measure_id, "|".join(measure.categories), variable, code, "design")
                n = int(row.n) if row is not None else 0
                if row is None or n < suppress:
                    cells.append({"text": "[c]", "n": n, "weighted": "[c]"})
                else:
                    flag = " [u]" if n < LOW_RELIABILITY_BELOW else ""
                    cells.append({"text": percent(row.estimate) + flag, "n": n,
                                  "weighted": (percent(design.estimate) + flag) if design is not None else ""})
            rows.append({"label": measure.label, "cells": cells})
        tables.append({"variable": variable, "label": question.label,
                       "groups": [question.label_of(c) for c in question.code_values], "rows": rows})
    return tables


def _comparisons(table: pd.DataFrame, q, suppress: int) -> dict:
    """The tests in the adjusted family, each naming its test; the other statistics are in comparisons.csv."""
    rows = []
    family = table[table["in_family"].astype(bool)] if "in_family" in table else table
    for r in family.itertuples():
        label = q.measure(r.measure).label
        by = q.question(r.by) if r.by else None
        name = TEST_NAMES.get(r.test, r.test)
        common = {"measure": label, "by": by.label if by else "", "test": name, "p": f"{r.p_value:.3f}",
                  "p_adjusted": f"{r.p_adjusted:.3f}", "significant": "yes" if r.significant is True else "no"}
        if r.test in PAIRWISE_TESTS and by is not None:
            share_a = percent(r.estimate_a) if r.n_a >= suppress else MARKER
            share_b = percent(r.estimate_b) if r.n_b >= suppress else MARKER
            method = "Newcombe" if r.ci_method == "newcombe" else "design-based, t"
            difference = (f"{r.difference * 100:+.0f} points ({r.ci_low * 100:+.0f} to {r.ci_high * 100:+.0f}, "
                          f"{method})" if min(r.n_a, r.n_b) >= suppress else MARKER)
            rows.append({**common, "groups": f"{by.label_of(r.group_a)} vs {by.label_of(r.group_b)}",
                         "shares": f"{share_a} (n = {r.n_a}) vs {share_b} (n = {r.n_b})",
                         "difference": difference, "letters": r.letters})
        elif r.by:
            statistic = f"{name}: {r.statistic:.2f} ({r.df} df)" if r.df else name
            rows.append({**common, "groups": "all groups (weighted design)" if r.test.startswith("rao-scott")
                         else "all groups", "shares": "", "difference": "", "test": statistic, "letters": ""})
        else:
            shown = r.n_a >= suppress
            rows.append({**common, "groups": f"all, against {percent(r.estimate_b, 1)}",
                         "shares": f"{percent(r.estimate_a) if shown else MARKER} (n = {r.n_a})",
                         "difference": (f"{r.difference * 100:+.0f} points" if shown else MARKER), "letters": ""})
    others = sorted({TEST_NAMES.get(t, t) for t in table["test"]} - {row["test"].split(":")[0] for row in rows}) \
        if len(table) else []
    return {"rows": rows, "adjust": ADJUST_NAMES[q.analysis.adjust], "count": len(rows), "others": others}


def _claims(q, findings: pd.DataFrame, suppress: int) -> list[dict]:
    """Each claim with its reproduced figure; a figure on a base under the threshold is the marker."""
    claims = {c.id: c for c in q.claims}
    return [{
        "id": r.claim, "wording": r.wording, "source": r.source, "interval": claims[r.claim].interval_text,
        "reasoning": claims[r.claim].reasoning,
        "reproduced": (f"{int(r.reproduced)}" if r.measure == "respondents"
                       else f"{MARKER} (n = {int(r.n)})" if r.n < suppress
                       else f"{percent(r.reproduced, 1)} (n = {int(r.n)})"),
        "suppressed": r.measure != "respondents" and r.n < suppress,
        "verdict": r.verdict,
    } for r in findings.itertuples()]


def _reconciliation(q, findings: pd.DataFrame, lookup: EstimateTable) -> list[dict]:
    """For each measure behind more than one claim: how each wording follows from one count."""
    out = []
    for measure_id, group in findings[findings["measure"] != "respondents"].groupby("measure", sort=False):
        if len(group) < 2 or group["reproduced"].isna().any():
            continue
        measure = q.measure(measure_id)
        n = int(group["n"].iloc[0])
        value = float(group["reproduced"].iloc[0])
        count = round(value * n)
        out.append({"label": measure.label, "count": count, "n": n, "exact": f"{value * 100:.2f}%",
                    "truncated": f"{math.floor(value * 100)}%", "rounded": f"{value * 100:.0f}%",
                    "claims": [{"wording": r.wording, "verdict": r.verdict} for r in group.itertuples()]})
    return out


def _appendix(q, lookup: EstimateTable, suppress: int) -> list[dict]:
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
            rows.append(_appendix_row(code.label, row, suppress))
        if not rows:
            continue
        note = _appendix_note(question, rows, suppress)
        tables.append({"id": question.id, "label": question.label, "text": question.text,
                       "paraphrase": question.wording == "paraphrase", "base": rows and rows[0]["n"],
                       "rows": rows, "note": note})
    return tables


def _appendix_row(label: str, row, suppress: int) -> dict:
    """One answer's share, count and interval, or the marker for each if its base is too small."""
    n = int(row.n)
    if n < suppress:
        return {"label": label, "percent": MARKER, "estimate": None, "count": MARKER, "n": n, "interval": MARKER}
    return {"label": label, "percent": percent(row.estimate), "estimate": row.estimate,
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


def _methods(q, variants: dict, results, level: str) -> dict:
    population = q.population
    respondents = results.validation.rows_accepted
    design = variants.get("design")
    weighting = design.weighting if design else None
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
