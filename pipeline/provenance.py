"""Read the provenance file that travels with an answers file.

`raw/<name>.csv` may have `raw/<name>.provenance.yaml` beside it saying who collected the
answers, or how they were reconstructed. A reconstruction is labelled on every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import Issue, QuestionnaireError
from pipeline.yamlsource import read_yaml

ILLUSTRATION = "Illustrations of the method, not findings of the study."


@dataclass(frozen=True)
class Provenance:
    reconstructed: bool
    title: str
    collected_by: str
    source: str
    method: str
    command: str
    assumptions: tuple[str, ...]
    path: str | None

    @property
    def illustration(self) -> str:
        """The caveat on figures beyond the published ones (subgroups, weighting), or "".

        A reconstruction was built to meet the published figures only, so everything else
        computed from it illustrates the method; answers as collected carry no such caveat.
        """
        return ILLUSTRATION if self.reconstructed else ""


def provenance_path(answers_path: Path | str) -> Path:
    path = Path(answers_path)
    return path.with_name(path.stem + ".provenance.yaml")


def read_provenance(answers_path: Path | str) -> Provenance:
    """The answers' provenance; a file without one is taken as delivered, not reconstructed."""
    path = provenance_path(answers_path)
    if not path.exists():
        return Provenance(False, "", "not stated", "not stated", "", "", (), None)
    document = read_yaml(path)
    section = document.data.get("provenance") if isinstance(document.data, dict) else None
    if not isinstance(section, dict):
        raise QuestionnaireError(Issue("missing-key", str(path), "no 'provenance' section",
                                       "a mapping 'provenance' with reconstructed, source and method",
                                       key="provenance"))
    reconstructed = section.get("reconstructed")
    if not isinstance(reconstructed, bool):
        raise QuestionnaireError(document.issue("wrong-type", "provenance.reconstructed",
                                                repr(reconstructed), "true or false"))
    if reconstructed and not section.get("method"):
        raise QuestionnaireError(document.issue("missing-key", "provenance.method", "no value",
                                                "the method of the reconstruction"))
    return Provenance(
        reconstructed=reconstructed, title=str(section.get("title", "")),
        collected_by=str(section.get("collected_by", "")), source=str(section.get("source", "")),
        method=str(section.get("method", "")), command=str(section.get("command", "")),
        assumptions=tuple(str(a) for a in section.get("assumptions", []) or []), path=str(path))
