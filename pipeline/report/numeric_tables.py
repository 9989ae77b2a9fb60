"""The report's small tables of numeric questions: mean, total, quartiles and n, with intervals.

A theme that lists a numeric question shows its table; a ratio of the analysis plan is shown
in the theme that lists its numerator. Figures come from `estimates.csv` (the first of the
`design`, `fpc` and `srs` variants the run has), so every number can be found there.
"""

from __future__ import annotations

import math

from pipeline.records import EstimateTable
from pipeline.stats.numeric import MEAN, RATIO, TOTAL, quantile_statistic
from pipeline.suppression import MARKER

VARIANT_ORDER = ("design", "fpc", "srs")
ROWS = ((MEAN, "Mean"), (TOTAL, "Total"), (quantile_statistic(0.25), "Lower quartile"),
        (quantile_statistic(0.5), "Median"), (quantile_statistic(0.75), "Upper quartile"))
NO_FIGURE = "\u2013"  # an en dash


def number(value: float | None) -> str:
    """A figure as printed: whole numbers as they are, others to 4 significant digits, with
    thousands separated; an en dash for no figure."""
    if value is None or math.isnan(value):
        return NO_FIGURE
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return f"{value:,.{digits}f}"


def numeric_tables(q, lookup: EstimateTable, variant_names: tuple[str, ...], suppress: int) -> dict[str, list[dict]]:
    """For each theme id, the tables of its numeric questions and ratios (possibly none)."""
    variant = next((v for v in VARIANT_ORDER if v in variant_names), "srs")
    tables: dict[str, list[dict]] = {}
    for theme in q.analysis.themes:
        found = []
        for qid in theme.questions:
            question = q.question(qid)
            if question.type.is_numeric:
                found.append(_table(lookup, qid, question.label, ROWS, variant, suppress))
            found.extend(_table(lookup, r.id, r.label, ((RATIO, "Ratio"),), variant, suppress)
                         for r in q.analysis.ratios if r.numerator == qid)
        tables[theme.id] = [t for t in found if t is not None]
    return tables


def _table(lookup: EstimateTable, measure: str, label: str, rows, variant: str, suppress: int) -> dict | None:
    estimates = [(name, lookup.get(measure, "", variant=variant, statistic=statistic)) for statistic, name in rows]
    present = [(name, e) for name, e in estimates if e is not None]
    if not present:
        return None
    n = present[0][1].n
    hidden = n < suppress
    return {
        "label": label, "n": n, "base": present[0][1].base, "suppressed": hidden,
        "weighted": present[0][1].weighted,
        "rows": [{"statistic": name,
                  "estimate": MARKER if hidden else number(e.estimate),
                  "interval": MARKER if hidden else f"{number(e.ci_low)} to {number(e.ci_high)}"}
                 for name, e in present],
    }
