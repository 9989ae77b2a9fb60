"""Tests mirror the package: every module of pipeline/ has its own unit-test file."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_has_a_unit_test_file():
    missing = []
    for module in sorted((ROOT / "pipeline").rglob("*.py")):
        if module.name in {"__init__.py", "__main__.py"}:
            continue
        relative = module.relative_to(ROOT / "pipeline")
        expected = ROOT / "tests" / "unit" / relative.parent / f"test_{module.stem}.py"
        if not expected.exists():
            missing.append(str(expected.relative_to(ROOT)))
    assert missing == []
