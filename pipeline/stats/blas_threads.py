"""One BLAS thread for the long, thin matrix products over every unit.

The replicate-weight Gram matrices (units x R, summed to R x R, for R's degrees of freedom)
run at memory speed on one thread; a second thread gains little on an idle machine, while on
a busy one OpenBLAS's threads wait for each other and the same products take ten to twenty
times longer (a million units' Gram matrix of 80 replicates: 1.1 s on one thread, 28 s on two,
measured on 2 cores at load average 4). The limit holds only inside the `with` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with the BLAS libraries loaded in this process limited to one thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
