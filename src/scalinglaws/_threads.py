"""One BLAS thread for the library's fits.

Every fit here solves small problems (a few parameters, tens to hundreds of points), where OpenBLAS's worker threads
cost more than they give; on a machine with other work running they cost far more: each tiny BLAS call waits for
a thread that shares a core with someone else. Measured with ``benchmarks/bench_book.py --load`` on a 2-core
machine with one other CPU-bound process: the introduction's ``claims()`` took 478 s with OpenBLAS's default of two
threads and 17 s with one (16 s on an idle machine, either way). The public entry points that fit therefore run
under :func:`one_blas_thread` (threadpoolctl, about 0.1 ms per call); the caller's own setting is restored on return.
"""

from __future__ import annotations

from functools import wraps

from threadpoolctl import threadpool_limits


def one_blas_thread(fn):
    """Decorate ``fn`` to run with BLAS limited to one thread (see the module docstring)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper
