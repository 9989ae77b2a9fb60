"""Non-response bounds: what the population share could be if non-respondents answered either way.

With x of n respondents in a category out of a population of N, the population count lies
between x (no non-respondent in the category) and x + (N - n) (every one of them in it), so
the population share lies in [x / N, (x + N - n) / N]. These bounds need no assumption about
why units did not respond; the interval estimates assume non-response is ignorable.
"""

from __future__ import annotations

import numpy as np


def nonresponse_bounds(x, n, population) -> tuple[np.ndarray, np.ndarray]:
    """Worst-case bounds on a population share from x of n respondents in a population of N."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    big_n = np.asarray(population, dtype=float)
    if np.any(n > big_n):
        raise ValueError("more respondents than the population")
    return x / big_n, (x + big_n - n) / big_n
