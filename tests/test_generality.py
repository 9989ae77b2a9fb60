"""Nothing in pipeline/ names a question, measure or claim of a particular survey."""

import re

from pipeline.questionnaire import load_questionnaire


def survey_ids(root):
    ids = set()
    for path in sorted((root / "questionnaires").glob("*.yaml")):
        q = load_questionnaire(path)
        ids |= {q.survey.id} | {x.id for x in q.questions} | {m.id for m in q.measures} | {c.id for c in q.claims}
        ids |= {t.id for t in q.analysis.themes}
    return {i for i in ids if len(i) > 3}


def test_pipeline_code_names_no_survey_specific_id(root):
    ids = survey_ids(root)
    assert ids, "expected questionnaires to scan"
    offenders = []
    for path in sorted((root / "pipeline").rglob("*")):
        if path.suffix not in {".py", ".j2", ".html", ".css"}:
            continue
        text = path.read_text(encoding="utf-8")
        offenders.extend(f"{path.relative_to(root)}: {identifier}" for identifier in ids
                         if re.search(rf"[\"'.]{re.escape(identifier)}[\"']", text))
    assert offenders == []
