"""Every error code the package can raise is documented in docs/questionnaire-format.md."""

import ast
import re

CODE = re.compile(r"[a-z]+(-[a-z]+)*")
RAISERS = {"Issue", "fail", "issue", "_cell_issues", "FileProblem", "_YamlLimit"}


def raised_codes(root):
    codes = set()
    for path in (root / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in RAISERS:
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "code"] + list(node.args)
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    if CODE.fullmatch(value.value):
                        codes.add(value.value)
                    break
    return codes


def test_every_raised_error_code_is_documented_and_no_other(root):
    text = (root / "docs" / "questionnaire-format.md").read_text(encoding="utf-8").split("## Error codes", 1)[1]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.MULTILINE))
    raised = raised_codes(root)
    assert len(raised) > 40
    assert raised - documented == set()
    assert documented - raised == set()
