"""The heavy pass's rows become the arrays the memory engine's pass gives."""

import numpy as np
import pandas as pd

from pipeline.engines.connections import DuckDBConnection
from pipeline.engines.design import DesignGroups
from pipeline.engines.sql_text import AnswerColumns, QuestionnaireSql
from pipeline.engines.statistics import EngineStatistics
from pipeline.measures import code_question
from pipeline.questionnaire.parsing import parse_questionnaire
from pipeline.stats.design import design_from_columns
from pipeline.stats.sufficient import sufficient_statistics
from pipeline.validate import Responses
from pipeline.yamlsource import YamlDocument


def test_engine_statistics_equal_the_memory_pass(tmp_path):
    q = parse_questionnaire(YamlDocument("t.yaml", {
        "format": 1, "survey": {"id": "t", "title": "t"},
        "design": {"respondent_id": "id", "strata": "s", "weights": "w"},
        "questions": [{"id": "a", "type": "single_choice", "codes": [{"code": "y"}, {"code": "n"}]}]}, {}))
    frame = pd.DataFrame({"id": ["1", "2", "3", "4", "5"], "s": ["p", "q", "p", "q", "q"],
                          "w": ["1.5", "2", "2.5", "2", "4"], "a": ["y", "n", "n", "y", "y"]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    columns = AnswerColumns.of({"id": "id", "s": "s", "w": "w", "a": "a"})
    connection = DuckDBConnection()
    connection.open(path, "parquet", tuple(frame.columns), columns, ",")
    table = connection.frame("SELECT c1 AS strat, count(*) AS n, min(row_id) AS first_row, "
                             "min_by(CAST(c2 AS DOUBLE), row_id) AS first_w FROM answers GROUP BY c1")
    groups = DesignGroups.ordered(table, 5, True, False)
    largest = 4.0
    reference = groups.table["first_w"].to_numpy() / largest
    connection.register("design_groups", pd.DataFrame({"g": groups.table["h"], "strat": groups.table["strat"],
                                                       "ref": reference, "wmax": largest}))
    responses = Responses(q, "t", frame, pd.Series(range(5)), 5, "utf-8")
    coded = code_question(responses, q.question("a"))
    source = EngineStatistics(connection, QuestionnaireSql(q, columns), [coded], groups, reference, True,
                              "CAST(a.c2 AS DOUBLE)")
    design = design_from_columns(weights=frame["w"].astype(float).to_numpy(), strata=np.array([0, 1, 0, 1, 1]))
    ((_, got),) = source.passes(design, [coded], 2, [], glm_start=False)
    expected = sufficient_statistics(design, coded.codes, 2)
    np.testing.assert_array_equal(got.count, expected.count)
    np.testing.assert_allclose(got.deviation, expected.deviation, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(got.deviation2, expected.deviation2, rtol=1e-15, atol=1e-16)
    np.testing.assert_array_equal(got.reference, expected.reference)
    connection.close()
