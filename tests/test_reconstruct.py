"""The study's reconstructed answers: deterministic, and true to their recipe."""

import subprocess
import sys

import pandas as pd
import pytest

from pipeline.questionnaire import load_questionnaire
from pipeline.reconstruct import read_recipe, reconstruct_answers, write_answers_csv

RECIPE = "raw/fitter_for_the_future.provenance.yaml"


def test_reconstruction_reproduces_the_committed_bytes(root, study_questionnaire, study_answers, tmp_path):
    out = tmp_path / "answers.csv"
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "pipeline", "reconstruct", str(study_questionnaire),
                                 str(root / RECIPE), "--out", str(out)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert out.read_bytes() == study_answers.read_bytes()


def test_counts_follow_the_recipe(root, study_questionnaire):
    questionnaire = load_questionnaire(study_questionnaire)
    recipe = read_recipe(root / RECIPE)
    answers = reconstruct_answers(questionnaire, recipe)
    spec = recipe.data["reconstruction"]["questions"]
    assert len(answers) == 82
    counts = answers["nis_improve"].replace("", "blank").value_counts().to_dict()
    assert counts == spec["nis_improve"]["counts"]
    by_role = answers.groupby("role")["go_pressure"].value_counts().unstack().to_dict("index")
    assert by_role == {"dcs": {"no": 12, "yes": 29}, "other": {"no": 12, "yes": 29}}  # 70.7% of directors and of all
    asked = answers["go_pressure"] == "yes"
    assert (answers.loc[~asked, "go_pressure_indicators.neet"] == "").all()
    assert (answers.loc[asked, "go_pressure_indicators.neet"] == "1").sum() == 27


def test_authorities_are_spread_over_the_frame_in_proportion(root, study_questionnaire):
    questionnaire = load_questionnaire(study_questionnaire)
    answers = reconstruct_answers(questionnaire, read_recipe(root / RECIPE))
    sample = answers.groupby(["authority_type", "region"]).size()
    for cell in questionnaire.population.cells:
        expected = cell.count * 82 / 150
        assert abs(sample.get(cell.values, 0) - expected) < 1, cell
    assert sample.sum() == 82


def test_csv_dialect_is_fixed():
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["x, y", 'say "hi"']})
    assert write_answers_csv(frame) == b'id,text\na,"x, y"\nb,"say ""hi"""\n'


@pytest.mark.parametrize("recipe,key", [
    ("reconstruction:\n  seed: 1\n", "reconstruction.respondents"),
    ("reconstruction:\n  seed: 1\n  respondents: 5\n  questions:\n    role: {counts: 3}\n",
     "reconstruction.questions.role"),
])
def test_a_malformed_recipe_is_a_clear_error(tmp_path, capsys, study_questionnaire, recipe, key):
    from pipeline.cli import main

    path = tmp_path / "recipe.yaml"
    path.write_text(recipe, encoding="utf-8")
    assert main(["reconstruct", str(study_questionnaire), str(path), "--out", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert f"key {key}: [invalid-recipe]" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()
