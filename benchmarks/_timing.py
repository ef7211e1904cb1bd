"""The timing helper the benchmark scripts share."""

from __future__ import annotations

import time


def timed(fn, repeat: int = 3):
    """``(result, seconds)``: the best of ``repeat`` calls of ``fn()``, with the last call's result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best
