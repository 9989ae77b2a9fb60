"""The study's reproduction: every published claim is met by the reconstructed answers."""

import numpy as np
import pandas as pd
import pytest

from pipeline.estimates import estimate_all
from pipeline.findings import check_claims
from pipeline.run import load_and_check


@pytest.fixture
def study(study_questionnaire, study_answers):
    questionnaire, _, responses = load_and_check(study_questionnaire, study_answers)
    estimates = estimate_all(responses)
    return questionnaire, responses, estimates


def test_every_claim_is_met(study):
    questionnaire, responses, estimates = study
    findings = check_claims(questionnaire, estimates, len(responses.answers), responses)
    assert len(findings) >= 9
    assert list(findings["verdict"]) == ["met"] * len(findings)
    assert (findings["other_bases"].iloc[1:] != "").all()  # every share claim says how it fares on other bases


def test_the_70_per_cent_of_directors_is_checked_on_directors_and_the_71_per_cent_on_everyone(study):
    questionnaire, responses, estimates = study
    findings = check_claims(questionnaire, estimates, len(responses.answers), responses).set_index("claim")
    directors, everyone = findings.loc["pressure_70"], findings.loc["pressure_71"]
    assert (directors.n, round(directors.reproduced * directors.n)) == (41, 29)  # 70.7%, truncated to 70
    assert (everyone.n, round(everyone.reproduced * everyone.n)) == (82, 58)  # 70.7%, rounded to 71


def test_a_claim_met_on_all_respondents_but_not_on_valid_answers_says_so(study):
    questionnaire, responses, estimates = study
    findings = check_claims(questionnaire, estimates, len(responses.answers), responses).set_index("claim")
    assert findings.loc["laa_timescales", "verdict"] == "met"  # 39 of 82 = 47.6%: "almost half"
    assert findings.loc["laa_timescales", "other_bases"] == "valid: 39 of 77 (50.6%), not met"


def test_pressure_is_58_of_82_which_is_both_70_and_71_per_cent(study):
    _, _, estimates = study
    frame = estimates.frame()
    row = frame[(frame.measure == "go_pressured") & (frame.domain == "") & (frame.variant == "srs")]
    assert int(row.n.iloc[0]) == 82
    assert row.estimate.iloc[0] * 82 == pytest.approx(58)
    assert int(row.estimate.iloc[0] * 100) == 70  # truncated: "70 per cent"
    assert round(row.estimate.iloc[0] * 100) == 71  # rounded: "71%"


def test_one_fewer_pressured_answer_breaks_the_71_per_cent_claim(tmp_path, study_questionnaire, study_answers):
    frame = pd.read_csv(study_answers, dtype=str, keep_default_na=False)
    first_yes = frame.index[(frame.go_pressure == "yes") & (frame.role == "dcs")][0]
    frame.loc[first_yes, "go_pressure"] = "no"
    for column in [c for c in frame.columns if c.startswith("go_pressure_indicators.")]:
        frame.loc[first_yes, column] = ""
    changed = tmp_path / "answers.csv"
    frame.to_csv(changed, index=False)
    questionnaire, responses, = load_and_check(study_questionnaire, changed)[::2]
    findings = check_claims(questionnaire, estimate_all(responses), len(responses.answers)).set_index("claim")
    assert findings.loc["pressure_71", "verdict"] == "not met"  # 57/82 = 69.5%
    assert findings.loc["pressure_70", "verdict"] == "not met"  # 28/41 directors = 68.3%
    assert findings.loc["nis_improve", "verdict"] == "met"


def test_estimates_have_fpc_weighted_and_bounds_rows(study):
    _, _, estimates = study
    frame = estimates.frame()
    rows = frame[(frame.measure == "go_pressured") & (frame.domain == "")]
    methods = {(m, w, f) for m, w, f in zip(rows.ci_method, rows.weighted, rows.fpc, strict=True)}
    assert methods == {("wilson", False, False), ("logit", False, True), ("logit", True, True),
                       ("hypergeometric", False, True), ("hypergeometric", True, True),
                       ("nonresponse-bounds", False, False)}
    # the exact interval of 58 of 82 sampled from 150: 95 to 116 of the 150 authorities (R: the K in 0:150
    # with phyper(57, K, 150 - K, 82, lower.tail = FALSE) and phyper(58, K, 150 - K, 82) both >= 0.025)
    exact = rows[(rows.ci_method == "hypergeometric") & ~rows.weighted].iloc[0]
    assert (round(exact.ci_low * 150), round(exact.ci_high * 150)) == (95, 116)
    weighted_exact = rows[(rows.ci_method == "hypergeometric") & rows.weighted].iloc[0]
    assert np.isnan(weighted_exact.ci_low) and "unweighted sample of a known population" in weighted_exact.note
    fpc = rows[rows.fpc & ~rows.weighted].iloc[0]
    p = 58 / 82
    assert fpc.se == pytest.approx(((1 - 82 / 150) * p * (1 - p) / 81) ** 0.5, rel=1e-12)
    bounds = rows[rows.ci_method == "nonresponse-bounds"].iloc[0]
    assert (bounds.ci_low, bounds.ci_high) == (pytest.approx(58 / 150), pytest.approx(126 / 150))


def test_raked_weights_meet_the_frame_margins(study_questionnaire, study_answers):
    from pipeline.survey_design import design_variants

    questionnaire, _, responses = load_and_check(study_questionnaire, study_answers)
    (design,) = [v for v in design_variants(responses) if v.weighted]
    weights = design.design.weights
    frame = pd.DataFrame([dict(zip(questionnaire.population.variables, c.values, strict=True), count=c.count)
                          for c in questionnaire.population.cells])
    for variable in questionnaire.design.weighting_variables:
        got = pd.Series(weights).groupby(responses.answers[variable].to_numpy()).sum()
        expected = frame.groupby(variable)["count"].sum()
        assert got.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy(), rel=1e-9)
    assert weights.sum() == pytest.approx(150)


def test_the_count_of_designated_targets_has_a_mean_total_and_quartiles_under_each_variant(study):
    _, responses, estimates = study
    counts = responses.numeric["laa_children_targets"].dropna().to_numpy()
    srs = estimates.get("laa_children_targets", "", statistic="mean")
    assert (srs.n, srs.estimate) == (len(counts), pytest.approx(counts.mean()))
    for p in (0.25, 0.5, 0.75):  # with equal weights R's rule is the inverse of the empirical distribution
        quartile = estimates.get("laa_children_targets", "", statistic=f"quantile:{p}")
        assert quartile.estimate == np.quantile(counts, p, method="inverted_cdf")
    fpc_total = estimates.get("laa_children_targets", "", variant="fpc", statistic="total")
    assert fpc_total.estimate == pytest.approx(counts.sum() * 150 / 82) and fpc_total.fpc  # N / n of 82 of 150
    design_mean = estimates.get("laa_children_targets", "", variant="design", statistic="mean")
    assert design_mean.weighted and 0 < design_mean.deff < 2 and design_mean.ess <= len(counts)
