"""Input validation at the library's boundary.

Every public entry point converts its inputs through these helpers, so a bad value is refused with a
``ValueError`` that names the variable and the offending positions instead of surfacing later as a NaN fit.
"""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger("scalinglaws")


def positions(mask: np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:limit])
    return shown + (f", ... ({idx.size} in all)" if idx.size > limit else "")


def as_1d_float(name: str, values) -> np.ndarray:
    """Return ``values`` as a finite 1-D float array, or raise ``ValueError`` naming ``name``."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: values are not numeric ({exc})") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name}: NaN or infinite values at positions {positions(bad)}")
    return arr


def positive(name: str, values) -> np.ndarray:
    """Finite, strictly positive 1-D array (FLOPs, parameters, tokens, k, losses)."""
    arr = as_1d_float(name, values)
    bad = arr <= 0
    if bad.any():
        raise ValueError(f"{name}: must be > 0; non-positive values at positions {positions(bad)}")
    return arr


def same_length(arrays: dict[str, np.ndarray]) -> int:
    """Common length of the named arrays, or ``ValueError`` listing each length."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"mismatched lengths: {lengths}")
    return next(iter(lengths.values()))


def chance_level(q0) -> float:
    """A chance level in [0, 1)."""
    q0 = float(q0)
    if not np.isfinite(q0) or not 0.0 <= q0 < 1.0:
        raise ValueError(f"chance level must be in [0, 1), got {q0}")
    return q0


def open_unit_mask(name: str, values: np.ndarray, lower: float) -> np.ndarray:
    """Boolean mask of entries strictly inside ``(lower, 1)``.

    ``-log`` of a value of 1 is 0 and its log is ``-inf``; a value at or below ``lower`` (chance) has no
    finite ``log(-log Q')``. Callers decide whether such points raise or are dropped.
    """
    if np.any(values > 1):
        raise ValueError(f"{name}: values above 1 at positions {positions(values > 1)}; expected a proportion")
    return (values > lower) & (values < 1)


def enough_points(n: int, n_params: int, what: str) -> None:
    """At least ``n_params + 1`` points, and never fewer than 3: a fit needs a residual degree of freedom."""
    need = max(3, n_params + 1)
    if n < need:
        raise ValueError(f"{what}: {n} usable points, need at least {need} for {n_params} parameters")
