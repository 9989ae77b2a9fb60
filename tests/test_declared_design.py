"""The design as declared, computed as R computes it, or refused as R refuses it.

Surveys are built from R's own `apistrat` and `apiclus1` files (tests/reference) and run
through the whole pipeline; the figures are compared with R values in
tests/reference/reference_design.csv (tests/reference/make_reference_design.R, the R call
beside each value).
"""

from __future__ import annotations

from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_files import write_survey

from pipeline.cli import main
from pipeline.run import analyse

REFERENCE = Path(__file__).resolve().parent / "reference"
R_VALUES = pd.read_csv(REFERENCE / "reference_design.csv", dtype={"estimate": str, "se": str})
REL = 1e-10

YES_NO = [{"code": "No", "label": "No"}, {"code": "Yes", "label": "Yes"}]
STYPES = [{"code": "E", "label": "Elementary"}, {"code": "H", "label": "High"}, {"code": "M", "label": "Middle"}]


def apistrat_rows(with_weights: bool = False) -> list[dict]:
    frame = pd.read_csv(REFERENCE / "api_strat.csv", dtype=str, keep_default_na=False)
    columns = {"cds": "cds", "stype": "stype", "sch.wide": "sch_wide", "awards": "awards", "fpc": "fpc"}
    if with_weights:
        columns["pw"] = "pw"
    return frame[list(columns)].rename(columns=columns).to_dict("records")


def apistrat_survey(folder: Path, rows: list[dict] | None = None, with_weights: bool = False,
                    **design) -> tuple[Path, Path]:
    rows = rows if rows is not None else apistrat_rows(with_weights)
    declared = {"respondent_id": "cds", "strata": "stype", "population_size": "fpc", **design}
    if with_weights:
        declared["weights"] = "pw"
    questions = [{"id": "stype", "type": "single_choice", "codes": STYPES},
                 {"id": "sch_wide", "type": "single_choice", "codes": YES_NO},
                 {"id": "awards", "type": "single_choice", "codes": YES_NO}]
    return write_survey(folder, "apistrat", rows, declared, questions)


def design_rows(estimates: pd.DataFrame) -> pd.DataFrame:
    return estimates[estimates["weighted"] & (estimates["domain_variable"] == "")]


def assert_matches_r(estimates: pd.DataFrame, case: str, measures: dict[str, str]) -> None:
    expected = R_VALUES[R_VALUES["case"] == case]
    assert len(expected) > 0
    rows = design_rows(estimates)
    for _, r in expected.iterrows():
        got = rows[(rows["measure"] == measures[r["measure"]]) & (rows["category"] == r["category"])]
        assert len(got) == 1, (case, r["measure"], r["category"])
        assert got["estimate"].iloc[0] == pytest.approx(float(r["estimate"]), rel=REL)
        if float(r["se"]) == 0:
            assert got["se"].iloc[0] == 0.0, "R's standard error is exactly 0"
        else:
            assert got["se"].iloc[0] == pytest.approx(float(r["se"]), rel=REL)


MEASURES = {"sch.wide": "sch_wide", "awards": "awards", "stype": "stype"}


def test_strata_with_population_sizes_and_no_weights_derive_weights_as_r(tmp_path):
    results = analyse(*apistrat_survey(tmp_path), command="test")
    assert_matches_r(results.estimates.frame(), "derived_weights_strat", MEASURES)
    design = next(v for v in results.variants if v.name == "design")
    assert "N_h/n_h" in design.description


def test_clusters_with_a_population_size_and_no_weights_derive_weights_as_r(tmp_path):
    frame = pd.read_csv(REFERENCE / "api_clus1.csv", dtype=str, keep_default_na=False)
    rows = frame[["cds", "dnum", "sch.wide", "awards"]].rename(columns={"sch.wide": "sch_wide"}).to_dict("records")
    questions = [{"id": "sch_wide", "type": "single_choice", "codes": YES_NO},
                 {"id": "awards", "type": "single_choice", "codes": YES_NO}]
    paths = write_survey(tmp_path, "apiclus1", rows,
                         {"respondent_id": "cds", "clusters": "dnum", "population_size": 757}, questions)
    results = analyse(*paths, command="test")
    assert_matches_r(results.estimates.frame(), "derived_weights_clus1", MEASURES)


def test_a_variable_constant_within_strata_has_exactly_zero_standard_error(tmp_path):
    results = analyse(*apistrat_survey(tmp_path, with_weights=True), command="test")
    assert_matches_r(results.estimates.frame(), "stratum_variable", MEASURES)


def run_cli(paths: tuple[Path, Path], out: Path, capsys) -> tuple[int, str]:
    code = main(["estimate", str(paths[0]), str(paths[1]), "--out", str(out)])
    return code, capsys.readouterr().err


def test_a_stratum_with_a_single_psu_stops_naming_the_stratum(tmp_path, out_dir, capsys):
    rows = [r for r in apistrat_rows() if r["stype"] != "H"] + [next(r for r in apistrat_rows() if r["stype"] == "H")]
    code, err = run_cli(apistrat_survey(tmp_path, rows), out_dir, capsys)
    assert code == 2
    assert "[lonely-psu]" in err and "stratum 'H'" in err
    assert "Traceback" not in err
    assert not (out_dir).exists()


def test_a_single_psu_stratum_taken_whole_still_stops_without_the_fpc(tmp_path, out_dir, capsys):
    rows = [r for r in apistrat_rows() if r["stype"] != "H"]
    lone = dict(next(r for r in apistrat_rows() if r["stype"] == "H"), fpc="1")
    paths = apistrat_survey(tmp_path, [*rows, lone])
    paths[0].write_text(paths[0].read_text(encoding="utf-8").replace("fpc: true", "fpc: false"), encoding="utf-8")
    code, err = run_cli(paths, out_dir, capsys)
    assert code == 2 and "[lonely-psu]" in err and "stratum 'H'" in err


def test_a_single_psu_stratum_taken_whole_adds_no_variance(tmp_path):
    rows = [r for r in apistrat_rows() if r["stype"] != "H"]
    lone = dict(next(r for r in apistrat_rows() if r["stype"] == "H"), fpc="1")
    results = analyse(*apistrat_survey(tmp_path, [*rows, lone]), command="test")
    assert len(design_rows(results.estimates.frame())) > 0


@pytest.mark.parametrize("where", ["stratum", "overall", "clusters"])
def test_a_population_smaller_than_the_sample_is_an_input_error(tmp_path, out_dir, capsys, where):
    if where == "stratum":
        rows = [dict(r, fpc="20") if r["stype"] == "M" else r for r in apistrat_rows()]
        paths, named = apistrat_survey(tmp_path, rows), "stratum 'M'"
    elif where == "overall":
        rows = [{"cds": r["cds"], "sch_wide": r["sch_wide"]} for r in apistrat_rows()]
        paths = write_survey(tmp_path, "small", rows, {"respondent_id": "cds", "population_size": 150},
                             [{"id": "sch_wide", "type": "single_choice", "codes": YES_NO}])
        named = "key design.population_size"
    else:
        frame = pd.read_csv(REFERENCE / "api_clus1.csv", dtype=str, keep_default_na=False)
        rows = frame[["cds", "dnum", "sch.wide"]].rename(columns={"sch.wide": "sch_wide"}).to_dict("records")
        paths = write_survey(tmp_path, "clusters", rows,
                             {"respondent_id": "cds", "clusters": "dnum", "population_size": 10},
                             [{"id": "sch_wide", "type": "single_choice", "codes": YES_NO}])
        named = "15 sampled clusters"
    code, err = run_cli(paths, out_dir, capsys)
    assert code == 2, err
    assert "[population-too-small]" in err and named in err
    assert "Traceback" not in err


def test_population_sizes_that_vary_within_a_stratum_are_an_input_error(tmp_path, out_dir, capsys):
    rows = apistrat_rows()
    rows[0] = dict(rows[0], fpc=str(int(rows[0]["fpc"]) + 1))
    code, err = run_cli(apistrat_survey(tmp_path, rows), out_dir, capsys)
    assert code == 2
    assert "[inconsistent-population-size]" in err and f"stratum '{rows[0]['stype']}'" in err


def test_a_single_population_size_with_strata_is_refused_not_guessed(tmp_path, out_dir, capsys):
    rows = [{k: v for k, v in r.items() if k != "fpc"} for r in apistrat_rows()]
    code, err = run_cli(apistrat_survey(tmp_path, rows, population_size=6194), out_dir, capsys)
    assert code == 2
    assert "[population-size-needs-strata]" in err


def test_no_survey_code_collides_with_an_internal_category(tmp_path):
    """A first code named like the pipeline's own complement categories is still estimated."""
    codes = [{"code": "other", "label": "Other"}, {"code": "not_selected", "label": "Not selected"},
             {"code": "x", "label": "X"}]
    answers = ["other"] * 5 + ["not_selected"] * 3 + ["x"] * 2
    rows = [{"rid": f"r{i}", "pick": a} for i, a in enumerate(answers)]
    paths = write_survey(tmp_path, "collide", rows, {"respondent_id": "rid"},
                         [{"id": "pick", "type": "single_choice", "codes": codes}])
    estimates = analyse(*paths, command="test").estimates.frame()
    shares = estimates[estimates["measure"] == "pick"].set_index("category")["estimate"]
    assert shares.to_dict() == pytest.approx({"other": 0.5, "not_selected": 0.3, "x": 0.2})
    assert np.isclose(shares.sum(), 1.0)


def test_the_methods_section_says_how_the_weights_were_derived(tmp_path):
    from pipeline.report.context import build_context
    from pipeline.report.render import render_html

    html = unescape(render_html(build_context(analyse(*apistrat_survey(tmp_path), command="test"))))
    methods = html[html.index("Sample design</h3>"):]
    assert "N_h/n_h derived from each stratum's population size" in methods[:2000]


def test_post_stratification_of_unequal_weights_removes_weighted_post_stratum_means_as_r(tmp_path):
    """R's svyrecvar removes each post-stratum's mean weighted by the weights; a plain mean is
    right only when the weights before calibration are equal."""
    rows = [{k: v for k, v in r.items() if k != "fpc"} for r in apistrat_rows(with_weights=True)]
    questions = [{"id": "stype", "type": "single_choice", "codes": STYPES},
                 {"id": "sch_wide", "type": "single_choice", "codes": YES_NO},
                 {"id": "awards", "type": "single_choice", "codes": YES_NO}]
    population = {"size": 6194, "unit": "schools",
                  "frame": {"variables": ["awards"], "cells": [{"awards": "No", "count": 2027},
                                                               {"awards": "Yes", "count": 4167}]}}
    design = {"respondent_id": "cds", "strata": "stype", "weights": "pw",
              "weighting": {"method": "poststratify", "variables": ["awards"]}}
    paths = write_survey(tmp_path, "apistrat", rows, design, questions, {"fpc": False}, population=population)
    assert_matches_r(analyse(*paths, command="test").estimates.frame(), "poststrat_varying_weights", MEASURES)


def test_cluster_ids_repeated_across_strata_stop_unless_nesting_is_declared(tmp_path, out_dir, capsys):
    """R's svydesign stops on PSU codes shared by strata unless nest = TRUE; so does the pipeline."""
    rows = [{"rid": f"r{i}", "stratum": "ab"[i // 4], "psu": str(i // 2 % 2 + 1), "q": "Yes" if i % 3 else "No"}
            for i in range(8)]
    questions = [{"id": "q", "type": "single_choice", "codes": YES_NO}]
    design = {"respondent_id": "rid", "strata": "stratum", "clusters": "psu"}
    code, err = run_cli(write_survey(tmp_path, "nested", rows, design, questions, {"fpc": False}), out_dir, capsys)
    assert code == 2 and "[clusters-not-nested]" in err and "'1' in strata 'a', 'b'" in err
    (tmp_path / "declared").mkdir()
    nested = write_survey(tmp_path / "declared", "nested", rows, {**design, "nest": True}, questions, {"fpc": False})
    design_variant = next(v for v in analyse(*nested, command="test").variants if v.name == "design")
    assert design_variant.design.n_clusters == 4 and design_variant.design.df == 2


def test_a_design_without_population_sizes_is_said_to_sample_psus_with_replacement(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "fpc"} for r in apistrat_rows(with_weights=True)]
    questions = [{"id": "stype", "type": "single_choice", "codes": STYPES},
                 {"id": "sch_wide", "type": "single_choice", "codes": YES_NO},
                 {"id": "awards", "type": "single_choice", "codes": YES_NO}]
    paths = write_survey(tmp_path, "apistrat", rows, {"respondent_id": "cds", "strata": "stype", "weights": "pw"},
                         questions, {"fpc": False})
    design = next(v for v in analyse(*paths, command="test").variants if v.name == "design")
    assert "sampled with replacement" in design.description


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
@pytest.mark.parametrize("fpc", [True, False])
def test_each_lonely_psu_rule_gives_rs_standard_error(tmp_path, rule, fpc):
    """apistrat keeping one high school: stratum H has a single PSU; R's options(survey.lonely.psu)."""
    frame = pd.read_csv(REFERENCE / "api_strat_lonely.csv", dtype=str, keep_default_na=False)
    rows = frame.rename(columns={"sch.wide": "sch_wide"}).to_dict("records")
    if not fpc:
        rows = [{k: v for k, v in r.items() if k != "fpc"} for r in rows]
    design = {"respondent_id": "cds", "strata": "stype", "weights": "pw", "lonely_psu": rule,
              **({"population_size": "fpc"} if fpc else {})}
    questions = [{"id": "stype", "type": "single_choice", "codes": STYPES},
                 {"id": "sch_wide", "type": "single_choice", "codes": YES_NO}]
    results = analyse(*write_survey(tmp_path, "lonely", rows, design, questions, {"fpc": fpc}), command="test")
    assert_matches_r(results.estimates.frame()[lambda t: t["measure"] == "sch_wide"],
                     f"lonely_{rule}" if fpc else f"lonely_nofpc_{rule}", MEASURES)
    design_variant = next(v for v in results.variants if v.name == "design")
    assert f"'{rule}' rule of R's survey.lonely.psu" in design_variant.description
