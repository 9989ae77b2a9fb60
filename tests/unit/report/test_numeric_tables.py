"""The report's tables of numeric questions: figures from estimates.csv, placed by theme."""

import math

from survey_files import write_survey

from pipeline.report.context import build_context
from pipeline.report.numeric_tables import number
from pipeline.report.render import render_html
from pipeline.run import analyse
from pipeline.suppression import MARKER


def test_numbers_print_whole_values_whole_and_others_to_four_significant_digits():
    assert number(34.0) == "34" and number(44409.0) == "44,409"
    assert number(47.043432) == "47.04" and number(3.72775) == "3.728" and number(306.44) == "306.4"
    assert number(0.0123456) == "0.01235" and number(math.nan) == number(None) == "\u2013"


def survey(tmp_path, suppress_below=5):
    rows = [{"rid": f"r{i}", "age": str(20 + 3 * i), "kids": str(i % 3)} for i in range(12)]
    questions = [{"id": "age", "type": "numeric", "label": "Age"}, {"id": "kids", "type": "numeric", "label": "Kids"}]
    analysis = {"fpc": False, "suppress_below": suppress_below,
                "ratios": [{"id": "kids_per_year", "numerator": "kids", "denominator": "age",
                            "label": "Kids per year"}],
                "themes": [{"id": "people", "title": "People", "questions": ["age"]},
                           {"id": "family", "title": "Family", "questions": ["kids"]}]}
    return analyse(*write_survey(tmp_path, "numbers", rows, {"respondent_id": "rid"}, questions, analysis),
                   command="test")


def test_a_theme_shows_its_numeric_questions_and_the_ratios_of_their_numerators(tmp_path):
    results = survey(tmp_path)
    themes = {t["id"]: t for t in build_context(results)["themes"]}
    (age,) = themes["people"]["numeric"]
    assert age["label"] == "Age" and age["n"] == 12 and not age["weighted"]
    assert [r["statistic"] for r in age["rows"]] == ["Mean", "Total", "Lower quartile", "Median", "Upper quartile"]
    mean = results.estimates.get("age", "", statistic="mean")
    assert age["rows"][0] == {"statistic": "Mean", "estimate": number(mean.estimate),
                              "interval": f"{number(mean.ci_low)} to {number(mean.ci_high)}"}
    assert [t["label"] for t in themes["family"]["numeric"]] == ["Kids", "Kids per year"]
    html = render_html(build_context(results))
    assert "Age (unweighted, n = 12)" in html and "Kids per year" in html and "effective sample size" in html


def test_a_small_base_is_suppressed_in_the_table(tmp_path):
    (age,) = {t["id"]: t for t in build_context(survey(tmp_path, suppress_below=20))["themes"]}["people"]["numeric"]
    assert age["suppressed"] and {r["estimate"] for r in age["rows"]} == {MARKER}
