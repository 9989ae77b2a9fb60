"""The checks by SQL: design problems found from one row per stratum and cluster."""

import pandas as pd
import pytest

from pipeline.engines.checks import check_header, design_problem, line_numbers
from pipeline.engines.design import DesignGroups
from pipeline.errors import AnswersError
from pipeline.questionnaire.parsing import parse_questionnaire
from pipeline.yamlsource import YamlDocument


def questionnaire(**design):
    return parse_questionnaire(YamlDocument("t.yaml", {
        "format": 1, "survey": {"id": "t", "title": "t"}, "design": {"respondent_id": "id", **design},
        "questions": [{"id": "a", "type": "single_choice", "codes": [{"code": "y"}]}]}, {}))


def groups(min_f, max_f, n=(3, 1)):
    table = pd.DataFrame({"strat": ["p", "q"], "n": list(n), "first_row": [0, 1], "min_f": min_f, "max_f": max_f})
    return DesignGroups.ordered(table, sum(n), True, False)


def test_design_problems_are_seen_from_the_groups():
    q = questionnaire(strata="s", population_size="N", lonely_psu="adjust")
    assert not design_problem(q, groups([10.0, 10.0], [10.0, 10.0]))
    assert design_problem(q, groups([10.0, 10.0], [11.0, 10.0]))      # varies within a stratum
    assert design_problem(q, groups([2.0, 10.0], [2.0, 10.0]))        # smaller than its sample
    assert design_problem(questionnaire(strata="s"), groups([None, None], [None, None]))  # a lonely PSU


def test_a_missing_column_is_named_as_the_memory_engine_names_it():
    with pytest.raises(AnswersError) as error:
        check_header("a.csv", ("id",), "csv", questionnaire())
    assert error.value.issues[0].code == "missing-column"


def test_rows_are_named_by_their_first_physical_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,a\n1,"x\ny"\n\n2,z\n')
    assert line_numbers(str(path), "csv", pd.Series([0, 1]).to_numpy()).tolist() == [2, 5]
    assert line_numbers(str(path), "parquet", pd.Series([0, 1]).to_numpy()).tolist() == [1, 2]
