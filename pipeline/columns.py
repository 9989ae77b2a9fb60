"""Vectorised tests on answer columns, computed once per distinct value.

Answers are held as pandas categoricals: a survey column has a handful of distinct codes,
however many respondents there are. Every check or recode is worked out on the distinct
values (the categories) and then spread to respondents by their integer codes, so the cost
per respondent is one array lookup. Plain text columns work too (they are factorised first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd


def categories_and_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (as Python objects) and each row's index into them (-1 for missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.categories.to_numpy(dtype=object), series.cat.codes.to_numpy()
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(uniques, dtype=object), codes


def present_values(series: pd.Series) -> list:
    """The distinct values that occur in at least one row."""
    categories, codes = categories_and_codes(series)
    used = np.zeros(len(categories) + 1, dtype=bool)
    used[codes] = True
    return [value for value, seen in zip(categories, used[:-1], strict=True) if seen]


def per_value(series: pd.Series, function: Callable[[str], object], missing: object = None,
              dtype=None) -> np.ndarray:
    """`function` applied to each distinct value, spread to every row."""
    categories, codes = categories_and_codes(series)
    table = np.array([function(value) for value in categories] + [missing], dtype=dtype)
    return spread(table, codes)


def spread(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """`table[codes]`, the last entry for code -1: each row's entry of a table of its category.

    Byte-sized codes (up to 127 categories) are looked up as unsigned bytes in a table of 256
    entries, -1 being byte 255: a table of bytes (codes, flags) by `bytearray.translate`, one
    pass in C; any other by `np.take`. Indexing by signed bytes would first widen every code
    to a 64-bit index."""
    if codes.dtype != np.int8 or table.dtype == object:
        return table[codes]
    wide = np.zeros(256, dtype=table.dtype)
    wide[:len(table) - 1] = table[:-1]
    wide[255] = table[-1]
    if wide.itemsize == 1:
        return np.frombuffer(bytearray(codes.view(np.uint8)).translate(wide.tobytes()), dtype=wide.dtype)
    return np.take(wide, codes.view(np.uint8))


MANY = 4096


def is_in(series: pd.Series, values: Iterable[str]) -> np.ndarray:
    """Whether each row's value is one of `values`."""
    wanted = set(values)
    if isinstance(series.dtype, pd.StringDtype) and hasattr(series.array, "_pa_array"):
        import pyarrow as pa
        import pyarrow.compute as pc

        return pc.is_in(series.array._pa_array, value_set=pa.array(sorted(wanted), type=pa.string())).to_numpy(
            zero_copy_only=False)
    categories, codes = categories_and_codes(series)
    if len(categories) > MANY:  # an id or weight column: test the categories in C, not in Python
        table = np.append(pd.Index(categories).isin(list(wanted)), False)
        return table[codes]
    return per_value(series, lambda value: value in wanted, False, dtype=bool)


def is_blank(series: pd.Series) -> np.ndarray:
    return is_in(series, ("",))


def index_of(series: pd.Series, mapping: dict[str, int], missing: int = -1, dtype=np.int64) -> np.ndarray:
    """Each row's value looked up in `mapping`, `missing` where it is absent."""
    return per_value(series, lambda value: mapping.get(value, missing), missing, dtype=dtype)


def numbers(series: pd.Series) -> np.ndarray:
    """Each row's value as a float; NaN where it is not a number."""
    if pd.api.types.is_float_dtype(series.dtype):  # read as numbers already
        return series.to_numpy(dtype=float)
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        converted = _arrow_numbers(series)
        if converted is not None:
            return converted
    categories, codes = categories_and_codes(series)
    table = np.append(pd.to_numeric(pd.Series(categories, dtype=object), errors="coerce").to_numpy(dtype=float),
                      np.nan)
    return table[codes]


def _arrow_numbers(series: pd.Series) -> np.ndarray | None:
    """Arrow's own conversion, for a text column in which every value is a number (else None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.chunked_array(series.array._pa_array) if hasattr(series.array, "_pa_array") else None
        if array is None:
            return None
        return pc.cast(array, pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
