import numpy as np
from threadpoolctl import threadpool_info

from pipeline.stats.blas_threads import one_blas_thread


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_one_thread_inside_the_block_and_the_setting_restored_after():
    np.ones((2, 2)) @ np.ones((2, 2))  # numpy's BLAS is loaded
    before = blas_threads()
    with one_blas_thread():
        assert blas_threads() and set(blas_threads()) == {1}
    assert blas_threads() == before


def test_products_inside_the_block_are_the_same():
    rows = np.random.default_rng(1).uniform(20, 200, size=(5000, 40))
    with one_blas_thread():
        inside = rows.T @ rows
    np.testing.assert_allclose(inside, rows.T @ rows, rtol=1e-13)
