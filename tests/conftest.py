"""Shared fixtures: paths to the repository's questionnaires and answers."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def study_questionnaire() -> Path:
    return ROOT / "questionnaires" / "fitter_for_the_future.yaml"


@pytest.fixture
def study_answers() -> Path:
    return ROOT / "raw" / "fitter_for_the_future.csv"


# Commands the tests run in subprocesses run there, never in a warm process the user may have
# started (`python -m pipeline serve`); tests/test_warm_process.py starts its own.
os.environ["SURVEY_PIPELINE_WARM"] = "off"


@pytest.fixture(scope="session", autouse=True)
def answers_cache_folder(tmp_path_factory) -> Path:
    """Checked answers cached by the runs of the tests go to a folder of the test session's own,
    never to the user's cache (commands run in subprocesses inherit the setting)."""
    folder = tmp_path_factory.mktemp("answers-cache")
    os.environ["SURVEY_PIPELINE_CACHE"] = str(folder)
    return folder


@pytest.fixture
def out_dir(tmp_path_factory) -> Path:
    """An output folder apart from tmp_path, since --out may not lie in an input's folder."""
    return tmp_path_factory.mktemp("outputs") / "out"


# `make fuzz` sets HYPOTHESIS_PROFILE=fuzz: 10,000 examples for each property test it runs.
settings.register_profile("fuzz", max_examples=10_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
