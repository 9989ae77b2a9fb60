"""`estimate --engine duckdb` end to end on a small survey: the memory engine's estimates."""

import pandas as pd

from pipeline.cli import main
from tests.survey_files import write_survey


def test_duckdb_estimates_equal_the_memory_engines(tmp_path, tmp_path_factory):
    rows = [{"id": str(i), "s": "ab"[i % 2], "w": str(1 + i % 3), "a": "yn"[i % 3 == 0]} for i in range(40)]
    q_path, a_path = write_survey(tmp_path, "small", rows, {"respondent_id": "id", "strata": "s", "weights": "w"},
                                  [{"id": "a", "type": "single_choice", "codes": [{"code": "y"}, {"code": "n"}]}],
                                  {"design_interval": ["logit", "beta"]})
    out = tmp_path_factory.mktemp("outputs")
    assert main(["estimate", str(q_path), str(a_path), "--out", str(out / "memory")]) == 0
    assert main(["estimate", str(q_path), str(a_path), "--out", str(out / "duckdb"), "--engine", "duckdb"]) == 0
    expected = pd.read_csv(out / "memory" / "estimates.csv")
    got = pd.read_csv(out / "duckdb" / "estimates.csv")
    pd.testing.assert_frame_equal(got, expected, rtol=1e-12)
