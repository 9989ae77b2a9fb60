"""Who answered, against the population frame: achieved n, population N and response rate.

The respondents' spread over the frame's variables is a count, not an estimate: it has no
sampling error, so these tables carry no confidence interval. A rate that differs by cell is
what weighting corrects for.
"""

from __future__ import annotations

import pandas as pd


def frame_tables(q, answers: pd.DataFrame) -> list[dict]:
    """One table per frame variable: each code's respondents, population count and response rate."""
    population = q.population
    if not population.cells:
        return []
    tables = []
    for index, variable in enumerate(population.variables):
        question = q.question(variable)
        sizes: dict[str, int] = {}
        for cell in population.cells:
            code = cell.values[index]
            sizes[code] = sizes.get(code, 0) + int(cell.count)
        achieved = answers[variable].value_counts()
        rows = [{"label": question.label_of(code), "n": int(achieved.get(code, 0)), "N": sizes[code],
                 "rate": f"{int(achieved.get(code, 0)) / sizes[code] * 100:.0f}%" if sizes[code] else "\u2013"}
                for code in question.code_values if code in sizes]
        n, big_n = sum(r["n"] for r in rows), sum(r["N"] for r in rows)
        tables.append({"variable": variable, "label": question.label, "rows": rows,
                       "total": {"n": n, "N": big_n, "rate": f"{n / big_n * 100:.0f}%" if big_n else "\u2013"}})
    return tables
