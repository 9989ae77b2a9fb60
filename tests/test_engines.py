"""Every engine gives the memory engine's estimates (to 1e-12 relative) and stops on the same
bad input with the same issues: DuckDB and Spark (`local[2]`, one session for the module),
on CSV and Parquet, with subgroups, strata, clusters, population sizes and a lonely PSU."""

from __future__ import annotations

import csv
import json
import os
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.cli import main

ENGINES = ("duckdb", "spark")
ROWS = 100_000


def generate(folder, rows: int = ROWS, seed: int = 7, lonely: bool = True) -> dict[str, list[str]]:
    """Seeded answers: 6 strata of clusters (one stratum with a single cluster), weights constant
    within clusters, population sizes per stratum, a subgroup, a routed question, a scale with
    don't know and blanks, and a multiple-choice question in columns."""
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 6, rows)
    clusters = rng.integers(0, 8, rows)
    if lonely:
        clusters[strata == 5] = 0
    cluster_weight = rng.uniform(1, 5, (6, 8)).round(6)
    population = {h: 40 + 10 * h for h in range(6)}
    role = rng.choice(["manager", "staff"], rows, p=[0.3, 0.7])
    satisfied = rng.choice(["1", "2", "3", "4", "5", "8", ""], rows, p=[0.1, 0.2, 0.2, 0.25, 0.15, 0.05, 0.05])
    follow = np.where(np.isin(satisfied, ["1", "2"]), rng.choice(["yes", "no"], rows), "")
    ticks = rng.random((rows, 3)) < [0.5, 0.3, 0.1]
    return {
        "id": [f"r{i}" for i in range(rows)],
        "stratum": [f"S{h}" for h in strata],
        "cluster": [f"C{c}" for c in clusters],
        "weight": [repr(float(w)) for w in cluster_weight[strata, clusters]],
        "pop": [str(population[h]) for h in strata],
        "role": list(role),
        "satisfied": list(satisfied),
        "follow": list(follow),
        **{f"channels.{c}": list(np.where(ticks[:, j], "1", "0")) for j, c in enumerate("abc")},
    }


def codes(*values: str) -> list[dict[str, str]]:
    return [{"code": value} for value in values]


QUESTIONS = [
    {"id": "role", "type": "single_choice", "codes": codes("manager", "staff")},
    {"id": "satisfied", "type": "scale", "codes": codes("1", "2", "3", "4", "5"),
     "scale": {"negative": ["1", "2"], "neutral": ["3"], "positive": ["4", "5"]},
     "missing": {"dont_know": "8", "allow_blank": True}},
    {"id": "follow", "type": "single_choice", "codes": codes("yes", "no"), "asked_if": {"question": "satisfied",
                                                                                   "in": ["1", "2"]}},
    {"id": "channels", "type": "multiple_choice", "codes": codes("a", "b", "c")},
]
MEASURES = [{"id": "content", "label": "Satisfied", "question": "satisfied", "categories": ["4", "5"]},
            {"id": "unhappy_all", "label": "Unhappy, of all", "question": "satisfied", "categories": ["1", "2"],
             "base": "all"}]


def write(folder, name: str, columns: dict[str, list[str]], design: dict, analysis: dict,
          parquet: bool = False):
    q_path = folder / f"{name}.yaml"
    q_path.write_text(yaml.safe_dump({"format": 1, "survey": {"id": name, "title": name}, "design": design,
                                      "questions": QUESTIONS, "measures": MEASURES, "analysis": analysis},
                                     sort_keys=False), encoding="utf-8")
    frame = pd.DataFrame(columns)
    if parquet:
        a_path = folder / f"{name}.parquet"
        frame.to_parquet(a_path, index=False)
    else:
        a_path = folder / f"{name}.csv"
        frame.to_csv(a_path, index=False, quoting=csv.QUOTE_MINIMAL)
    return q_path, a_path


CLUSTERED = {"respondent_id": "id", "strata": "stratum", "clusters": "cluster", "weights": "weight",
             "population_size": "pop", "lonely_psu": "adjust", "nest": True}
ANALYSIS = {"subgroups": ["role"], "interval": ["wilson", "clopper-pearson", "agresti-coull", "wald", "wilson-cc"],
            "design_interval": ["logit", "likelihood", "asin", "beta", "mean", "xlogit"]}


@pytest.fixture(scope="module")
def spark_session():
    """One Spark session for the module (about 10 s to start)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pipeline.engines.connections import SparkConnection

    connection = SparkConnection("local[2]")
    yield connection.spark
    connection.spark.stop()


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engines")
    return folder, generate(folder)


def run(q_path, a_path, out, engine: str, capsys) -> tuple[int, str]:
    code = main(["estimate", str(q_path), str(a_path), "--out", str(out), "--engine", engine])
    return code, capsys.readouterr().err


def assert_engines_give_the_memory_estimates(q_path, a_path, outputs, capsys, engines=ENGINES) -> None:
    """The memory engine, then each of `engines`, on the same files: every run exits 0, and each
    engine's estimates.csv is the memory engine's (outputs in `outputs/<engine>`)."""
    code, err = run(q_path, a_path, outputs / "memory", "memory", capsys)
    assert code == 0, err
    for engine in engines:
        code, err = run(q_path, a_path, outputs / engine, engine, capsys)
        assert code == 0, err
        assert_same_estimates(outputs / "memory", outputs / engine)


def assert_same_estimates(expected_dir, actual_dir) -> None:
    expected = pd.read_csv(expected_dir / "estimates.csv", keep_default_na=False)
    actual = pd.read_csv(actual_dir / "estimates.csv", keep_default_na=False)
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        numbers = pd.to_numeric(expected[column].replace("", np.nan), errors="coerce")
        given = (expected[column].astype(str) != "").sum()
        if column not in ("category", "domain") and numbers.notna().sum() == given and numbers.notna().any():
            np.testing.assert_allclose(pd.to_numeric(actual[column].replace("", np.nan)).to_numpy(float),
                                       numbers.to_numpy(float), rtol=1e-12, atol=1e-15, equal_nan=True, err_msg=column)
        else:
            assert actual[column].astype(str).tolist() == expected[column].astype(str).tolist(), column


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_engine_gives_the_memory_engines_estimates(survey, fmt, spark_session, tmp_path_factory, capsys):
    folder, columns = survey
    q_path, a_path = write(folder, f"clustered_{fmt}", columns, CLUSTERED, ANALYSIS, parquet=fmt == "parquet")
    outputs = tmp_path_factory.mktemp("outputs")
    assert_engines_give_the_memory_estimates(q_path, a_path, outputs, capsys)
    for engine in ENGINES:
        validation = json.loads((outputs / engine / "validation.json").read_text())
        assert validation == json.loads((outputs / "memory" / "validation.json").read_text())


def test_stratified_fpc_without_clusters_and_derived_weights(survey, spark_session, tmp_path_factory, capsys):
    folder, columns = survey
    design = {"respondent_id": "id", "strata": "stratum", "population_size": "pop"}
    small = {name: values[:2000] for name, values in columns.items()}
    small["pop"] = [str(int(p) * 100) for p in small["pop"]]
    q_path, a_path = write(folder, "stratified", small, design, {"subgroups": ["role"]})
    outputs = tmp_path_factory.mktemp("outputs")
    assert_engines_give_the_memory_estimates(q_path, a_path, outputs, capsys)


def test_simple_random_sample_with_a_population_size(survey, tmp_path_factory, capsys):
    folder, columns = survey
    small = {name: values[:500] for name, values in columns.items()}
    q_path, a_path = write(folder, "srs", small, {"respondent_id": "id", "population_size": 5000},
                           {"design_interval": ["logit", "hypergeometric"]})
    outputs = tmp_path_factory.mktemp("outputs")
    assert_engines_give_the_memory_estimates(q_path, a_path, outputs, capsys, engines=("duckdb",))


def test_clusters_with_one_population_size(survey, tmp_path_factory, capsys):
    folder, columns = survey
    small = {name: values[:3000] for name, values in columns.items()}
    q_path, a_path = write(folder, "clusters_n", small, {"respondent_id": "id", "clusters": "cluster",
                                                         "population_size": 500}, {"subgroups": ["role"]})
    outputs = tmp_path_factory.mktemp("outputs")
    assert_engines_give_the_memory_estimates(q_path, a_path, outputs, capsys, engines=("duckdb",))


def _broken(columns: dict[str, list[str]], rows: int = 300) -> dict[str, list[str]]:
    small = {name: list(values[:rows]) for name, values in columns.items()}
    small["satisfied"][3] = "7"                       # an unknown code
    small["role"][10] = ""                            # a blank where blanks are not allowed
    small["id"][20] = small["id"][5]                  # a repeated id
    small["weight"][30] = "heavy"                     # a weight that is not a number
    small["weight"][31] = "-2"                        # a weight below zero
    small["follow"][40] = "yes" if small["satisfied"][40] not in ("1", "2") else small["follow"][40]
    small["satisfied"][40] = "4"
    small["follow"][40] = "yes"                       # answered where routing does not ask
    small["channels.b"][50] = "x"                     # not a tick
    small["pop"][60] = "0"                            # an invalid population size
    small["id"][70] = ""                              # a blank id
    return small


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_bad_rows_give_the_memory_engines_issues(survey, fmt, spark_session, tmp_path_factory, capsys):
    folder, columns = survey
    q_path, a_path = write(folder, f"broken_{fmt}", _broken(columns), CLUSTERED, ANALYSIS, parquet=fmt == "parquet")
    outputs = tmp_path_factory.mktemp("outputs")
    code, expected = run(q_path, a_path, outputs / "memory", "memory", capsys)
    assert code == 2 and "invalid-code" in expected and "duplicate-id" in expected
    for engine in ENGINES:
        assert run(q_path, a_path, outputs / engine, engine, capsys) == (2, expected)


def test_design_problems_give_the_memory_engines_issues(survey, tmp_path_factory, capsys):
    folder, columns = survey
    small = {name: list(values[:400]) for name, values in columns.items()}
    first = small["stratum"][0]
    other = next(i for i, s in enumerate(small["stratum"]) if s == first and i > 0)
    small["pop"][other] = "999"                       # a population size that varies within a stratum
    design = dict(CLUSTERED, lonely_psu="fail")
    q_path, a_path = write(folder, "varying_pop", small, design, ANALYSIS)
    outputs = tmp_path_factory.mktemp("outputs")
    code, expected = run(q_path, a_path, outputs / "memory", "memory", capsys)
    assert code == 2 and "inconsistent-population-size" in expected
    assert run(q_path, a_path, outputs / "duckdb", "duckdb", capsys) == (2, expected)
    small["pop"][other] = small["pop"][0]
    q_path, a_path = write(folder, "lonely", small, design, ANALYSIS)   # stratum S5 has one cluster
    code, expected = run(q_path, a_path, outputs / "memory2", "memory", capsys)
    assert code == 2 and "lonely-psu" in expected
    assert run(q_path, a_path, outputs / "duckdb2", "duckdb", capsys) == (2, expected)


def test_a_missing_column_and_a_broken_file_give_the_memory_engines_issues(survey, tmp_path_factory, capsys):
    folder, columns = survey
    small = {name: list(values[:50]) for name, values in columns.items() if name != "role"}
    q_path, a_path = write(folder, "no_role", small, CLUSTERED, ANALYSIS)
    outputs = tmp_path_factory.mktemp("outputs")
    code, expected = run(q_path, a_path, outputs / "memory", "memory", capsys)
    assert code == 2 and "missing-column" in expected
    assert run(q_path, a_path, outputs / "duckdb", "duckdb", capsys) == (2, expected)
    small = {name: list(values[:50]) for name, values in columns.items()}
    q_path, a_path = write(folder, "ragged", small, CLUSTERED, ANALYSIS)
    a_path.write_text(a_path.read_text() + "extra,1,2\n")
    code, expected = run(q_path, a_path, outputs / "memory2", "memory", capsys)
    assert code == 2 and "wrong-field-count" in expected
    assert run(q_path, a_path, outputs / "duckdb2", "duckdb", capsys) == (2, expected)
    small["role"][7] = "staff\nmanager"                 # a quoted line break in a column of codes
    q_path, a_path = write(folder, "spanning", small, CLUSTERED, ANALYSIS)
    code, expected = run(q_path, a_path, outputs / "memory3", "memory", capsys)
    assert code == 2 and "quoted-line-break" in expected
    assert run(q_path, a_path, outputs / "duckdb3", "duckdb", capsys) == (2, expected)


def test_what_an_engine_cannot_do_stops_the_run(survey, tmp_path_factory, capsys):
    folder, columns = survey
    small = {name: list(values[:50]) for name, values in columns.items()}
    design = {"respondent_id": "id", "strata": "stratum", "clusters": ["cluster", "id"], "weights": "weight",
              "nest": True}
    q_path, a_path = write(folder, "unsupported", small, design,
                           {"comparisons": [{"measure": "content", "by": "role"}]})
    code, err = run(q_path, a_path, tmp_path_factory.mktemp("outputs") / "out", "duckdb", capsys)
    assert code == 2
    assert "[engine-unsupported]" in err and "multistage" in err and "comparisons" in err


def test_weights_varying_within_clusters_with_the_logistic_intervals(survey, spark_session, tmp_path_factory,
                                                                     capsys):
    """Where weights vary within PSU groups, R's logit and likelihood intervals start from per-unit
    terms (`GlmStartSums`), which the engines sum in SQL too."""
    folder, columns = survey
    small = {name: list(values[:20_000]) for name, values in columns.items()}
    rng = np.random.default_rng(3)
    small["weight"] = [repr(float(w) * float(f)) for w, f in zip(small["weight"], rng.uniform(0.5, 2, 20_000),
                                                                 strict=True)]
    analysis = {"subgroups": ["role"], "design_interval": ["logit", "likelihood", "beta"]}
    q_path, a_path = write(folder, "varying", small, CLUSTERED, analysis)
    outputs = tmp_path_factory.mktemp("outputs")
    assert_engines_give_the_memory_estimates(q_path, a_path, outputs, capsys)
