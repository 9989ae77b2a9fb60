"""Survey statistics: intervals, design-based estimation, weighting, comparisons and bounds.

Each module does one job and works on arrays of sufficient statistics, so the same code
serves 82 respondents and ten million. Every estimator is checked in `tests/stats/` against
values computed with R's survey package and R stats (`tests/reference/`), and against scipy
and statsmodels where they compute the same thing.
"""
