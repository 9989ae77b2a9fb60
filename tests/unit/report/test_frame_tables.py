"""Who answered against the frame: counts, population sizes and response rates, no intervals."""

from pipeline.report.frame_tables import frame_tables

KINDS = [{"code": "town", "label": "Town"}, {"code": "shire", "label": "Shire"}]
AREAS = [{"code": "north", "label": "North"}, {"code": "south", "label": "South"}]


def test_each_frame_variable_gives_n_N_and_the_response_rate(make_responses):
    rows = [{"id": f"r{i}", "kind": k, "area": a} for i, (k, a) in
            enumerate([("town", "north")] * 3 + [("shire", "north")] + [("shire", "south")] * 2)]
    cells = [{"kind": "town", "area": "north", "count": 6}, {"kind": "shire", "area": "north", "count": 4},
             {"kind": "shire", "area": "south", "count": 10}]
    responses = make_responses(rows, {"respondent_id": "id"},
                               [{"id": "kind", "type": "single_choice", "codes": KINDS},
                                {"id": "area", "type": "single_choice", "codes": AREAS}],
                               population={"size": 20, "frame": {"variables": ["kind", "area"], "cells": cells}})
    kind, area = frame_tables(responses.questionnaire, responses.answers)
    assert [(r["label"], r["n"], r["N"], r["rate"]) for r in kind["rows"]] == [("Town", 3, 6, "50%"),
                                                                              ("Shire", 3, 14, "21%")]
    assert kind["total"] == {"n": 6, "N": 20, "rate": "30%"}
    assert [(r["label"], r["n"], r["N"]) for r in area["rows"]] == [("North", 4, 10), ("South", 2, 10)]


def test_no_frame_no_tables(make_responses):
    responses = make_responses([{"id": "r1", "kind": "town"}], {"respondent_id": "id"},
                               [{"id": "kind", "type": "single_choice", "codes": KINDS}])
    assert frame_tables(responses.questionnaire, responses.answers) == []
