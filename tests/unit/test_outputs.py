"""Outputs at full precision, with the inputs' fingerprints."""

import hashlib
import json
from importlib import metadata

import pandas as pd
import pytest

from pipeline.outputs import DEPENDENCIES, Digests, build_manifest, csv_bytes, json_bytes, sha256_file


def test_sha256_of_a_known_text(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # FIPS 180-2, appendix B.1
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_csv_keeps_full_precision_and_unix_line_endings():
    data = csv_bytes(pd.DataFrame({"estimate": [0.1 + 0.2], "label": ["é"]}))
    assert data == "estimate,label\n0.30000000000000004,é\n".encode()


def test_json_keeps_key_order_and_non_ascii_and_ends_with_a_newline():
    data = json_bytes({"z": 1, "a": "Ménage"})
    assert data.decode("utf-8").endswith("}\n") and "Ménage" in data.decode("utf-8")
    assert list(json.loads(data)) == ["z", "a"]


def test_manifest_fingerprints_each_given_input_and_skips_absent_ones(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_bytes(b"rid\nr1\n")
    manifest = build_manifest({"answers": answers, "provenance": None}, "python -m pipeline estimate")
    written = manifest.to_json()
    assert written["inputs"] == {"answers": {"path": str(answers), "sha256": hashlib.sha256(b"rid\nr1\n").hexdigest()}}
    assert manifest.command == written["command"] == "python -m pipeline estimate"
    assert "numpy" in manifest.dependencies


def test_a_runs_digests_hash_each_file_once_and_forget_it_after_the_run(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(b"rid\nr1\n")
    digests = Digests()
    digests.start(path)
    first = digests.of(path)
    path.write_bytes(b"rid\nr2\n")  # the same size, perhaps the same modification time
    assert digests.of(path) == first == hashlib.sha256(b"rid\nr1\n").hexdigest()  # one run: one reading
    assert Digests().of(path) == sha256_file(path) == hashlib.sha256(b"rid\nr2\n").hexdigest()


def test_a_digest_started_in_the_background_raises_its_error_where_it_is_asked_for(tmp_path):
    digests = Digests()
    digests.start(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError):
        digests.of(tmp_path / "missing.csv")


def test_the_manifest_names_each_installed_dependency_at_its_installed_version(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("x\n1\n", encoding="utf-8")
    versions = build_manifest({"answers": answers}, "test").to_json()["dependencies"]
    installed = {}
    for name in DEPENDENCIES:
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    assert versions == installed and list(versions) == [n for n in DEPENDENCIES if n in installed]
    assert build_manifest({"answers": answers}, "again").to_json()["dependencies"] == installed
