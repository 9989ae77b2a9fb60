"""Export the 1996 American National Election Study extract shipped with statsmodels.

Writes raw/anes96.csv (one row per respondent, answer codes as text) and
raw/anes96.provenance.yaml (where the answers come from and how they were coded). The
output depends only on the installed statsmodels data, so running it again gives the same
bytes.

    python scripts/export_anes96.py [--out-dir raw]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
from importlib import metadata
from pathlib import Path

import yaml
from statsmodels.datasets import anes96

NAME = "anes96"
RESPONDENT_ID = "respondent_id"

# statsmodels' numeric codes -> (answer code, label), as documented in
# statsmodels.datasets.anes96.NOTE. Two typos in its income labels are corrected
# ("$14,000-$14.999", "$75,000-89,999").
PARTY = (("strong_democrat", "Strong Democrat"), ("weak_democrat", "Weak Democrat"),
         ("independent_democrat", "Independent-Democrat"), ("independent", "Independent-Independent"),
         ("independent_republican", "Independent-Republican"), ("weak_republican", "Weak Republican"),
         ("strong_republican", "Strong Republican"))
LEFT_RIGHT = (("extremely_liberal", "Extremely liberal"), ("liberal", "Liberal"),
              ("slightly_liberal", "Slightly liberal"), ("moderate", "Moderate"),
              ("slightly_conservative", "Slightly conservative"), ("conservative", "Conservative"),
              ("extremely_conservative", "Extremely conservative"))
EDUCATION = (("grades_1_8", "1-8 grades"), ("some_high_school", "Some high school"),
             ("high_school", "High school graduate"), ("some_college", "Some college"),
             ("college_degree", "College degree"), ("masters_degree", "Master's degree"), ("phd", "PhD"))
INCOME_BANDS = ("None or less than $2,999", "$3,000-$4,999", "$5,000-$6,999", "$7,000-$8,999",
                "$9,000-$9,999", "$10,000-$10,999", "$11,000-$11,999", "$12,000-$12,999",
                "$13,000-$13,999", "$14,000-$14,999", "$15,000-$16,999", "$17,000-$19,999",
                "$20,000-$21,999", "$22,000-$24,999", "$25,000-$29,999", "$30,000-$34,999",
                "$35,000-$39,999", "$40,000-$44,999", "$45,000-$49,999", "$50,000-$59,999",
                "$60,000-$74,999", "$75,000-$89,999", "$90,000-$104,999", "$105,000 and over")
INCOME = tuple((str(n), band) for n, band in enumerate(INCOME_BANDS, start=1))
VOTE = (("clinton", "Clinton"), ("dole", "Dole"))

CODED = {
    "PID": dict(enumerate(PARTY, start=0)),
    "selfLR": dict(enumerate(LEFT_RIGHT, start=1)),
    "ClinLR": dict(enumerate(LEFT_RIGHT, start=1)),
    "DoleLR": dict(enumerate(LEFT_RIGHT, start=1)),
    "educ": dict(enumerate(EDUCATION, start=1)),
    "income": dict(enumerate(INCOME, start=1)),
    "vote": dict(enumerate(VOTE, start=0)),
}
NUMERIC = ("age", "TVnews", "popul")
DROPPED = {"logpopul": "log(popul + 0.1), computed by statsmodels when loading; not an answer"}

CODING_NOTES = {
    "PID": "Party identification (statsmodels: 0 Strong Democrat .. 6 Strong Republican).",
    "selfLR": "Respondent's self-placement, liberal to conservative (statsmodels: 1 Extremely liberal .. "
              "7 Extremely conservative).",
    "ClinLR": "Respondent's placement of Bill Clinton on the same 7-point scale.",
    "DoleLR": "Respondent's placement of Bob Dole on the same 7-point scale.",
    "educ": "Education (statsmodels: 1 1-8 grades .. 7 PhD). statsmodels labels 6 and 7 \"Master's degree\" "
            "and \"PhD\"; see the note on educ in questionnaires/anes96.yaml.",
    "income": "Household income band; statsmodels' codes 1 to 24 are kept as the answer codes.",
    "vote": "Expected vote (statsmodels: 0 Clinton, 1 Dole).",
    "age": "Age in years, copied as a whole number.",
    "TVnews": "Number of times per week the respondent watches TV news (0-7), copied as a whole number.",
    "popul": "Population of the respondent's census place, in thousands, copied as a whole number.",
}


def _whole(value: float, column: str, row: int) -> int:
    if value != int(value):
        raise ValueError(f"{column} row {row + 1}: {value!r} is not a whole number")
    return int(value)


def answers_csv(data) -> bytes:
    """The answers as UTF-8 CSV with LF line endings: id first, then columns in sorted order."""
    columns = sorted(list(CODED) + list(NUMERIC), key=lambda c: (c.lower(), c))
    unknown = set(data.columns) - set(columns) - set(DROPPED)
    if unknown:
        raise ValueError(f"unexpected columns in the statsmodels data: {sorted(unknown)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([RESPONDENT_ID, *columns])
    for row, record in enumerate(data[columns].itertuples(index=False)):
        cells = [str(row + 1)]
        for column, value in zip(columns, record, strict=True):
            number = _whole(value, column, row)
            if column in CODED:
                if number not in CODED[column]:
                    raise ValueError(f"{column} row {row + 1}: code {number} is not documented")
                cells.append(CODED[column][number][0])
            else:
                cells.append(str(number))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def provenance_yaml(answers: bytes, rows: int) -> bytes:
    source_file = Path(anes96.__file__).with_name("anes96.csv")
    version = metadata.version("statsmodels")
    provenance = {
        "reconstructed": False,
        "title": f"American National Election Study 1996: the statsmodels extract ({rows} respondents)",
        "collected_by": (
            "The American National Election Studies (ANES), in the 1996 Time Series Study "
            "(pre- and post-election interviews, University of Michigan, Center for Political Studies). "
            "The extract of 10 variables is the one distributed with statsmodels, whose description is: "
            + anes96.DESCRLONG.strip()),
        "source": (f"The American National Election Studies ({anes96.SOURCE.split()[0]}), as cited by "
                   "statsmodels; the full study is the ANES 1996 Time Series Study (ICPSR 6896). "
                   f"Extract: statsmodels {version}, "
                   "statsmodels.datasets.anes96.load_pandas().data (file statsmodels/datasets/anes96/"
                   f"anes96.csv, SHA-256 {hashlib.sha256(source_file.read_bytes()).hexdigest()})."),
        "copyright": anes96.COPYRIGHT.strip(),
        "method": (
            "Exported, not reconstructed: every row of the statsmodels extract is one respondent, in "
            "file order, with a respondent id 1 to N added. Coded columns are mapped to answer codes "
            "(see coding below); numeric columns are copied as whole numbers. The extract has no missing "
            "values and no design variables (strata, clusters or weights)."),
        "command": "python scripts/export_anes96.py --out-dir raw",
        "assumptions": [
            "The codes and their meanings are those documented by statsmodels "
            "(statsmodels.datasets.anes96.NOTE); no ANES codebook was consulted for this extract.",
            "statsmodels does not say how the 944 respondents were selected from the ANES 1996 "
            "respondents; all of them have a Clinton or Dole vote and an answer to every variable.",
            "Without design variables the answers are analysed as a simple random sample, unweighted.",
            "The column logpopul is left out: it is log(popul + 0.1), computed by statsmodels on loading.",
        ],
        "rows": rows,
        "answers_sha256": hashlib.sha256(answers).hexdigest(),
    }
    def codes_of(column: str) -> dict:
        return {value: {"code": code, "label": label} for value, (code, label) in CODED[column].items()}

    coding = {column: {"description": CODING_NOTES[column],
                       **({"codes": codes_of(column)} if column in CODED else {"numeric": True})}
              for column in sorted(CODING_NOTES, key=lambda c: (c.lower(), c))}
    coding[RESPONDENT_ID] = {"description": "Row number in the statsmodels extract, 1 to N (added on export)."}
    for column, reason in DROPPED.items():
        coding[column] = {"description": f"Left out: {reason}."}
    header = (
        f"# Provenance of raw/{NAME}.csv, written by scripts/export_anes96.py (do not edit by hand).\n"
        "# The pipeline reads the `provenance` section; `coding` records how statsmodels' numeric\n"
        "# codes became the answer codes of questionnaires/anes96.yaml.\n")
    body = yaml.safe_dump({"provenance": provenance, "coding": coding}, sort_keys=False, allow_unicode=True,
                          width=96, default_flow_style=False)
    return (header + body).encode("utf-8")


def export(out_dir: Path) -> tuple[Path, Path]:
    data = anes96.load_pandas().data
    answers = answers_csv(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"{NAME}.csv"
    provenance_path = out_dir / f"{NAME}.provenance.yaml"
    csv_path.write_bytes(answers)
    provenance_path.write_bytes(provenance_yaml(answers, len(data)))
    return csv_path, provenance_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parents[1] / "raw",
                        help="folder to write anes96.csv and anes96.provenance.yaml to (default: raw/)")
    args = parser.parse_args(argv)
    for path in export(args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
