"""Multistage cluster samples through the whole pipeline, as R's
`svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2)` computes them: shares overall and by
subgroup, every `svyciprop` method, the Rao-Scott test, lonely units after the first stage,
and the input errors a multistage declaration can hold.

Data: R's `apiclus2` (40 of 757 school districts, then up to 5 schools of each), with a
first-stage stratification of the districts (tests/reference/api_clus2_stages.csv). Reference
values: tests/reference/reference_multistage.csv (make_reference_multistage.R, the R call
beside each value). Tolerances as tests/reference/README.md states them.
"""

from __future__ import annotations

from functools import cache
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.cli import main
from pipeline.records import CSV_COLUMNS
from pipeline.run import analyse

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")
REL = 1e-10
COLUMNS = (*CSV_COLUMNS, "df")
YES_NO = [{"code": "No", "label": "No"}, {"code": "Yes", "label": "Yes"}]
STYPES = [{"code": "E", "label": "Elementary"}, {"code": "H", "label": "High"}, {"code": "M", "label": "Middle"}]
MEASURES = {"sch.wide": "sch_wide", "awards": "awards", "stype": "stype", "comp.imp": "comp_imp",
            "small.k3": "small_k3"}
DESIGNS = {
    "clus2": {"respondent_id": "cds", "clusters": ["dnum", "snum"], "population_size": ["fpc1", "fpc2"]},
    "strat": {"respondent_id": "cds", "strata": "dstrat", "clusters": ["dnum", "snum"],
              "population_size": ["fpc1s", "fpc2"]},
}


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "reference_multistage.csv", dtype=str, keep_default_na=False)


def rows_of(name: str = "api_clus2_stages.csv") -> list[dict]:
    frame = pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)
    return frame.rename(columns={k: v for k, v in MEASURES.items()}).to_dict("records")


def keep(rows: list[dict], design: dict) -> list[dict]:
    """The rows with only the columns the design and the questions use."""
    used = {design["respondent_id"], design.get("strata"), design.get("weights"), *design["clusters"],
            *design.get("population_size", []), *(q["id"] for q in questions(rows[0]))}
    return [{k: v for k, v in r.items() if k in used} for r in rows]


def questions(columns) -> list[dict]:
    chosen = [{"id": "stype", "type": "single_choice", "codes": STYPES},
              {"id": "sch_wide", "type": "single_choice", "codes": YES_NO},
              {"id": "awards", "type": "single_choice", "codes": YES_NO},
              {"id": "comp_imp", "type": "single_choice", "codes": YES_NO},
              {"id": "small_k3", "type": "single_choice", "codes": YES_NO, "missing": {"allow_blank": True}}]
    return [q for q in chosen if q["id"] in columns]


def survey(folder: Path, design: str, method: str = "logit", rows: list[dict] | None = None,
           **analysis) -> tuple[Path, Path]:
    rows = rows if rows is not None else rows_of()
    plan = {"fpc": True, "design_interval": method, "subgroups": ["stype"], **analysis}
    measures = [{"id": f"{q}_yes", "question": q, "categories": ["Yes"]} for q in ("sch_wide", "awards")]
    plan.setdefault("comparisons", [{"measure": m["id"], "by": "stype"} for m in measures])
    return write_survey(folder, f"apiclus2_{design}", keep(rows, DESIGNS[design]), DESIGNS[design],
                        questions(rows[0]), plan,
                        measures=measures)


def design_rows(estimates: pd.DataFrame) -> pd.DataFrame:
    return estimates[estimates["weighted"]]


def check_share(estimates: pd.DataFrame, expected: pd.Series, interval: str | None = None) -> None:
    rows = design_rows(estimates)
    got = rows[(rows["measure"] == MEASURES[expected["measure"]]) & (rows["category"] == expected["category"])
               & (rows["domain"] == expected["domain"])
               & (rows["domain_variable"] == ("stype" if expected["domain"] else ""))]
    assert len(got) == 1, (expected["case"], expected["measure"], expected["category"], expected["domain"])
    row = got.iloc[0]
    exact = interval not in ("logit", "likelihood")  # R's estimate there comes from its logistic fit
    assert row["estimate"] == pytest.approx(float(expected["estimate"]), **(dict(rel=REL) if exact
                                                                           else dict(rel=0, abs=1e-8)))
    assert row["se"] == pytest.approx(float(expected["se"]), rel=REL)
    if expected["df"] and expected["df"] != "Inf":
        assert row["df"] == float(expected["df"])
    if interval:
        tolerance = dict(rel=0, abs=1e-8) if interval == "likelihood" else dict(rel=REL)
        assert row["ci_low"] == pytest.approx(float(expected["ci_low"]), **tolerance)
        assert row["ci_high"] == pytest.approx(float(expected["ci_high"]), **tolerance)


def cases(*names: str) -> list[pd.Series]:
    table = reference()
    selected = [r for _, r in table[table["case"].isin(names)].iterrows()]
    assert selected, names
    return selected


@pytest.mark.parametrize("method", METHODS)
def test_two_stage_sample_matches_r_for_every_svyciprop_method(tmp_path, method):
    results = analyse(*survey(tmp_path, "clus2", method), command="test")
    estimates = results.estimates.frame(COLUMNS)
    for expected in cases("ciprop_multistage_clus2", "ciprop_multistage_clus2_missing",
                          "ciprop_multistage_clus2_by_stype"):
        if expected["call"].find(f"method='{method}'") >= 0:
            check_share(estimates, expected, method)
    if method == "logit":
        for expected in cases("multistage_clus2", "multistage_clus2_by_stype"):
            check_share(estimates, expected)


@pytest.mark.parametrize("method", ["logit", "likelihood", "beta"])
def test_stratified_two_stage_sample_matches_r(tmp_path, method):
    estimates = analyse(*survey(tmp_path, "strat", method), command="test").estimates.frame(COLUMNS)
    for expected in cases("ciprop_multistage_strat"):
        if f"method='{method}'" in expected["call"]:
            check_share(estimates, expected, method)
    for expected in cases("multistage_strat", "multistage_strat_by_stype"):
        check_share(estimates, expected)


@pytest.mark.parametrize("design", ["clus2", "strat"])
def test_rao_scott_test_uses_the_multistage_covariance(tmp_path, design):
    comparisons = analyse(*survey(tmp_path, design), command="test").comparisons
    for expected in cases(f"raoscott_multistage_{design}"):
        got = comparisons[(comparisons["measure"] == f"{MEASURES[expected['measure']]}_yes")
                          & (comparisons["test"] == "rao-scott-f")]
        assert len(got) == 1
        assert got["statistic"].iloc[0] == pytest.approx(float(expected["statistic"]), rel=REL)
        assert [float(v) for v in got["df"].iloc[0].split()] == pytest.approx(  # comparisons.csv prints 6 digits
            [float(v) for v in expected["df"].split()], rel=1e-5)
        assert got["p_value"].iloc[0] == pytest.approx(float(expected["p_value"]), rel=REL)


def lonely_survey(folder: Path, rule: str | None) -> tuple[Path, Path]:
    rows = rows_of("api_clus2_lonely_stage2.csv")
    design = {"respondent_id": "cds", "clusters": ["dnum", "snum"], "population_size": ["fpc1", "fpc2"]}
    if rule:
        design["lonely_psu"] = rule
    return write_survey(folder, "lonely", keep(rows, design), design, questions(rows[0]), {"fpc": True})


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust"])
def test_a_lonely_second_stage_unit_follows_the_chosen_rule_as_r(tmp_path, rule):
    results = analyse(*lonely_survey(tmp_path, rule), command="test")
    for expected in cases(f"multistage_lonely_{rule}"):
        check_share(results.estimates.frame(COLUMNS), expected)
    design = next(v for v in results.variants if v.name == "design")
    assert f"'{rule}' rule" in design.description


def run_cli(paths: tuple[Path, Path], out: Path, capsys) -> tuple[int, str]:
    code = main(["estimate", str(paths[0]), str(paths[1]), "--out", str(out)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("rule, code", [(None, "lonely-psu"), ("average", "lonely-unit-average")])
def test_a_lonely_second_stage_unit_stops_under_fail_and_average(tmp_path, out_dir, capsys, rule, code):
    exit_code, err = run_cli(lonely_survey(tmp_path, rule), out_dir, capsys)
    assert exit_code == 2
    assert f"[{code}]" in err and "cluster '83' of dnum" in err and "stage 2" in err
    assert "Traceback" not in err


def edited(rows: list[dict], change) -> list[dict]:
    return [change(dict(r)) for r in rows]


@pytest.mark.parametrize("problem, code, named", [
    ("size varies", "inconsistent-population-size", "cluster '83' of dnum"),
    ("size too small", "population-too-small", "cluster '83' of dnum"),
])
def test_second_stage_population_sizes_are_checked(tmp_path, out_dir, capsys, problem, code, named):
    first = {"size varies": lambda r: dict(r, fpc2="4") if r["snum"] == "4958" else r,
             "size too small": lambda r: dict(r, fpc2="2") if r["dnum"] == "83" else r}[problem]
    exit_code, err = run_cli(survey(tmp_path, "clus2", rows=edited(rows_of(), first)), out_dir, capsys)
    assert exit_code == 2
    assert f"[{code}]" in err and named in err and "stage 2 (snum)" in err


@pytest.mark.parametrize("sizes", [["fpc1"], "fpc1", ["fpc1", "fpc2", "fpc2"]])
def test_population_sizes_must_match_the_stages(tmp_path, out_dir, capsys, sizes):
    design = dict(DESIGNS["clus2"], population_size=sizes)
    rows = keep(rows_of(), DESIGNS["clus2"])
    paths = write_survey(tmp_path, "stages", rows, design, questions(rows[0]), {"fpc": True})
    exit_code, err = run_cli(paths, out_dir, capsys)
    assert exit_code == 2 and "[stage-count-mismatch]" in err and "design.population_size" in err


def test_second_stage_ids_are_nested_in_the_first_as_r_nests_them(tmp_path):
    """School numbers restarting at 1 in every district give the same figures (R's svydesign
    interacts each stage's ids with the stages above)."""
    renumbered = []
    seen: dict[str, int] = {}
    for r in rows_of():
        seen[r["dnum"]] = seen.get(r["dnum"], 0) + 1
        renumbered.append(dict(r, snum=str(seen[r["dnum"]])))
    original = design_rows(analyse(*survey(tmp_path, "clus2"), command="test").estimates.frame(COLUMNS))
    (tmp_path / "renumbered").mkdir()
    again = design_rows(analyse(*survey(tmp_path / "renumbered", "clus2", rows=renumbered),
                                command="test").estimates.frame(COLUMNS))
    assert np.allclose(original["se"].to_numpy(float), again["se"].to_numpy(float), rtol=1e-13, equal_nan=True)


def test_without_the_fpc_the_variance_is_the_first_stages_as_r_computes_it(tmp_path):
    """R: svydesign(id = ~dnum + snum, weights = ~pw) has no later-stage variance; weights given."""
    design = dict(DESIGNS["clus2"], weights="pw")
    rows = keep(rows_of(), design)
    paths = write_survey(tmp_path, "nofpc", rows, design, questions(rows[0]), {"fpc": False})
    results = analyse(*paths, command="test")
    variant = next(v for v in results.variants if v.name == "design")
    assert not variant.design.stages and "first stage's clusters only" in variant.description
    (tmp_path / "one").mkdir()
    one_design = {"respondent_id": "cds", "clusters": ["dnum"], "weights": "pw"}
    one_stage = write_survey(tmp_path / "one", "nofpc", keep(rows, one_design), one_design,
                             questions(rows[0]), {"fpc": False})
    expected = design_rows(analyse(*one_stage, command="test").estimates.frame(COLUMNS))
    assert np.array_equal(design_rows(results.estimates.frame(COLUMNS))["se"].to_numpy(float),
                          expected["se"].to_numpy(float), equal_nan=True)


@pytest.mark.parametrize("method", METHODS)
def test_infinite_degrees_of_freedom_give_rs_normal_quantile_intervals(tmp_path, method):
    """`analysis.df: inf` as R's svyciprop(..., df = Inf); R's beta method keeps the design's df."""
    estimates = analyse(*survey(tmp_path, "clus2", method, df="inf"), command="test").estimates.frame(COLUMNS)
    for expected in cases("ciprop_multistage_clus2_df_inf"):
        if f"method='{method}'" in expected["call"]:
            check_share(estimates, expected, method)
            row = design_rows(estimates)
            row = row[(row["measure"] == "sch_wide") & (row["category"] == "Yes") & (row["domain"] == "")]
            assert row["df"].iloc[0] == (39 if method == "beta" else np.inf)


def test_post_stratified_two_stage_sample_matches_r(tmp_path):
    """R: postStratify(svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2), ~stype, apipop's counts)."""
    design = dict(DESIGNS["clus2"], weighting={"method": "poststratify", "variables": ["stype"]})
    rows = keep(rows_of(), DESIGNS["clus2"])
    frame = {"variables": ["stype"], "cells": [{"stype": "E", "count": 4421}, {"stype": "H", "count": 755},
                                               {"stype": "M", "count": 1018}]}
    paths = write_survey(tmp_path, "poststrat", rows, design, questions(rows[0]), {"fpc": True},
                         population={"frame": frame})
    estimates = analyse(*paths, command="test").estimates.frame(COLUMNS)
    for expected in cases("multistage_poststrat"):
        check_share(estimates, expected)


def test_a_multistage_survey_with_infinite_df_runs_to_a_pdf_whose_methods_say_so(tmp_path, out_dir, capsys):
    code = main(["report", *map(str, survey(tmp_path, "strat", df="inf")), "--out", str(out_dir)])
    assert code == 0, capsys.readouterr().err
    assert (out_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    html = unescape((out_dir / "report.html").read_text(encoding="utf-8"))
    methods = " ".join(html[html.index("Methods"):].split())
    assert "2-stage cluster sample (40 units of dnum, 126 units of snum)" in methods
    assert "product over the stages" in methods and "R's multistage formula" in methods
    assert "infinite degrees of freedom" in methods


def test_three_stages_with_lonely_units_at_the_second_follow_rs_recursion(tmp_path):
    """Counties, districts, schools, every stage's population from apipop; counties with one
    sampled district under R's 'adjust' rule (the recursion applied twice)."""
    rows = rows_of("api_clus3_stages.csv")
    design = {"respondent_id": "cds", "clusters": ["cnum", "dnum", "snum"],
              "population_size": ["n_county", "n_district", "n_school"], "lonely_psu": "adjust"}
    paths = write_survey(tmp_path, "three", rows, design, questions(rows[0]), {"fpc": True})
    results = analyse(*paths, command="test")
    for expected in cases("multistage_three_stages"):
        check_share(results.estimates.frame(COLUMNS), expected)
    variant = next(v for v in results.variants if v.name == "design")
    assert len(variant.design.stages) == 2
    assert "later stage: the 'adjust' rule" in variant.description
