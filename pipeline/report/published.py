"""What the study published, and what it did not: one marker, the claims in words, the reconciliation.

A reproduction of a published study computes many figures the study never gave: shares on
other bases, subgroup splits, answers to questions behind its recommendations. A reader must
be able to tell those from the published ones at a glance, in charts and tables alike, so each
unpublished figure carries one marker, defined once here; a published one carries its
published wording and source. Without claims (a survey that is not a reproduction) nothing is
marked.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.findings import SAME_ON_EVERY_BASE

UNPUBLISHED = "[np]"
UNPUBLISHED_MEANING = "the study did not publish that figure"


class Published:
    """The published claims by the figure they are about: (measure, subgroup variable, group)."""

    def __init__(self, q) -> None:
        self.active = bool(q.claims)
        self.claims: dict[tuple[str, str, str], list] = {}
        for claim in q.claims:
            if claim.measure is not None:
                variable, value = claim.domain or ("", "")
                self.claims.setdefault((claim.measure, variable, value), []).append(claim)

    def about(self, measure_id: str, variable: str = "", value: str = "") -> list[dict]:
        """The published wording and source of each claim about this figure (none: not published)."""
        return [{"wording": c.wording, "source": c.source}
                for c in self.claims.get((measure_id, variable, value), [])]

    def mark(self, measure_id: str, variable: str = "", value: str = "") -> str:
        """The marker if the study did not publish this figure, else ''."""
        if not self.active or (measure_id, variable, value) in self.claims:
            return ""
        return UNPUBLISHED

    def unpublished(self) -> str:
        """The marker for a figure no claim can be about (a single answer's share, a chart segment)."""
        return UNPUBLISHED if self.active else ""

    def domain_of(self, measure_id: str) -> tuple[str, str]:
        """The one subgroup every claim on this measure names, or ('', '') (overall, or mixed)."""
        domains = {(v, g) for (m, v, g) in self.claims if m == measure_id}
        return next(iter(domains)) if len(domains) == 1 else ("", "")


def interval_words(low: float, high: float, include_low: bool, include_high: bool, share: bool = True) -> str:
    """A claim's interval in words: [0.7, 0.71) -> '70% to under 71%'; (0.5, 1] -> 'over 50%'."""
    def number(value: float) -> str:
        return f"{value * 100:.10g}%" if share else f"{value:.10g}"

    if low == high:
        return f"exactly {number(low)}"
    top = 1.0 if share else math.inf
    if high >= top and include_high:
        return f"{number(low)} or more" if include_low else f"over {number(low)}"
    start = number(low) if include_low else f"over {number(low)}"
    joint = " to " if include_low else " and "
    end = number(high) if include_high else f"under {number(high)}"
    return f"{start}{joint}{end}"


def base_flag(verdict: str, other_bases: str) -> str:
    """A sentence when the verdict differs on another base (the claim holds only by a choice of base)."""
    if not other_bases or other_bases == SAME_ON_EVERY_BASE:
        return ""
    differs = [part for part in other_bases.split("; ")
               if part.endswith(", not met") != (verdict == "not met")]
    if not differs:
        return ""
    return "Verdict differs on another base: " + "; ".join(differs) + "."


def claim_rows(q, findings: pd.DataFrame, suppress: int, marker: str, percent) -> list[dict]:
    """Each claim as the reproduction check shows it: wording, source, interval in words, figure, verdict."""
    claims = {c.id: c for c in q.claims}
    rows = []
    for r in findings.itertuples():
        claim = claims[r.claim]
        count_claim = r.measure == "respondents"
        small = not count_claim and r.n < suppress
        base = "" if count_claim else _base_words(q, claim)
        rows.append({
            "id": r.claim, "wording": r.wording, "source": r.source, "reasoning": claim.reasoning,
            "interval": interval_words(claim.low, claim.high, claim.include_low, claim.include_high,
                                       share=not count_claim),
            "reproduced": (f"{int(r.reproduced)}" if count_claim else f"{marker} (n = {int(r.n)})" if small
                           else f"{round(r.reproduced * r.n)} of {int(r.n)} ({percent(r.reproduced, 1)})"),
            "base": base, "suppressed": small, "verdict": r.verdict,
            "other_bases": getattr(r, "other_bases", "") or "",
            "flag": base_flag(r.verdict, getattr(r, "other_bases", "") or ""),
        })
    return rows


def _base_words(q, claim) -> str:
    measure = q.measure(claim.measure)
    if claim.domain is None:
        return {"all": "all respondents", "asked": "those asked",
                "valid": "those giving a valid answer"}[measure.base]
    variable, value = claim.domain
    question = q.question(variable)
    who = f"respondents whose \u201c{question.label}\u201d is \u201c{question.label_of(value)}\u201d"
    return who + {"all": "", "asked": " who were asked", "valid": " who gave a valid answer"}[measure.base]


def reconciliation(q, findings: pd.DataFrame) -> list[dict]:
    """For each measure behind more than one claim: how each wording follows from its own count and base."""
    out = []
    share = findings[findings["measure"] != "respondents"]
    claims = {c.id: c for c in q.claims}
    for measure_id, group in share.groupby("measure", sort=False):
        if len(group) < 2 or group["reproduced"].isna().any():
            continue
        lines = []
        for r in group.itertuples():
            claim = claims[r.claim]
            value, n = float(r.reproduced), int(r.n)
            lines.append({
                "wording": r.wording, "source": r.source, "base": _base_words(q, claim),
                "count": round(value * n), "n": n, "exact": f"{value * 100:.2f}%",
                "truncated": f"{math.floor(value * 100)}%", "rounded": f"{value * 100:.0f}%",
                "interval": interval_words(claim.low, claim.high, claim.include_low, claim.include_high),
                "verdict": r.verdict})
        out.append({"label": q.measure(measure_id).label, "claims": lines})
    return out
