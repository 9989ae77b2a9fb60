"""The SQL texts: literals both dialects read alike, routing and codes as the memory engine's."""

import duckdb
import numpy as np
import pandas as pd

from pipeline.engines.sql_text import (
    AnswerColumns,
    QuestionnaireSql,
    in_list,
    literal,
    statistics_query,
    suspect_rows,
)
from pipeline.measures import code_question
from pipeline.questionnaire.parsing import parse_questionnaire
from pipeline.validate import Responses
from pipeline.yamlsource import YamlDocument


def questionnaire():
    return parse_questionnaire(YamlDocument("t.yaml", {
        "format": 1, "survey": {"id": "t", "title": "t"}, "design": {"respondent_id": "id"},
        "questions": [
            {"id": "a", "type": "single_choice", "codes": [{"code": "y"}, {"code": "n"}],
             "missing": {"dont_know": "9"}},
            {"id": "b", "type": "single_choice", "codes": [{"code": "1"}, {"code": "2"}],
             "asked_if": {"question": "a", "in": "y"}, "missing": {"allow_blank": True}}]}, {}))


def table(rows):
    db = duckdb.connect()
    db.execute("CREATE MACRO rlike(s, p) AS regexp_matches(s, p)")
    frame = pd.DataFrame(rows, columns=["c0", "c1", "c2"])
    frame.insert(0, "row_id", range(len(frame)))
    db.register("answers", frame)
    return db


def test_literals_keep_quotes_backslashes_and_any_text():
    db = duckdb.connect()
    for text in ["plain", "it's", "back\\slash", "tab\tand\u3000wide", ""]:
        assert db.execute(f"SELECT {literal(text)}").fetchone()[0] == text
    assert in_list("x", []) == "FALSE"


def test_routing_and_codes_match_the_memory_engine():
    q = questionnaire()
    sql = QuestionnaireSql(q, AnswerColumns.of({"id": "id", "a": "a", "b": "b"}))
    rows = [("1", "y", "1"), ("2", "n", ""), ("3", "y", "2"), ("4", "9", ""), ("5", "y", "")]
    db = table(rows)
    coded = code_question(Responses(q, "t.csv", pd.DataFrame(rows, columns=["id", "a", "b"]), pd.Series(range(5)),
                                    5, "utf-8"), q.question("b"))
    got = [r[0] for r in db.execute(f"SELECT {sql.coded(coded)} FROM answers ORDER BY row_id").fetchall()]
    expected = np.where(coded.codes < 0, 2, coded.codes).tolist()
    assert got == expected == [0, 2, 1, 2, 2]


def test_suspect_rows_hold_every_bad_row_and_no_good_one():
    q = questionnaire()
    sql = QuestionnaireSql(q, AnswerColumns.of({"id": "id", "a": "a", "b": "b"}))
    rows = [("1", "y", "1"), ("2", "n", "1"), ("3", "x", ""), ("", "y", "2"), ("5", "", ""), ("6", "n", "")]
    db = table(rows)
    flagged = [r[0] for r in db.execute(f"SELECT row_id FROM answers WHERE {suspect_rows(sql)} ORDER BY row_id")
               .fetchall()]
    assert flagged == [1, 2, 3, 4]  # answered not asked, unknown code, blank id, blank not allowed


def test_the_heavy_pass_counts_per_group_item_and_category():
    db = duckdb.connect()
    db.register("answers", pd.DataFrame({"row_id": range(4), "c0": ["0", "1", "1", "2"]}))
    db.register("design_groups", pd.DataFrame({"g": [0]}))
    text = statistics_query(["CAST(c0 AS INTEGER)"], [], None, "CROSS JOIN design_groups grp")
    rows = sorted(db.execute(text).fetchall())
    assert [(r[4], r[5]) for r in rows] == [(0, 1), (1, 2), (2, 1)]
