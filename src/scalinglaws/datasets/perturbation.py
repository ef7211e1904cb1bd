r"""Perturb the measurements every loader returns, to test that a result does not hang on floating-point noise.

Another machine rounds differently: its BLAS kernels, its CPU's instruction set, a library compiled another way. A
result that is a property of the data survives that; a result of a chaotic procedure (a random multi-start search
that ends wherever its last few thousand steps happened to lead) does not. The test is to move the data by far less
than any measurement error and see what moves with them.

When a perturbation is active, every loader multiplies the measured values it returns (accuracies, pass@k, losses,
log-likelihoods) by :math:`1 + s z`, with :math:`z` standard normal, drawn from a generator seeded by the seed and
the source's name (so the draw of one source does not depend on which other sources were loaded before it). Values
exactly 0 or 1 are left alone: a file cannot round a boundary value, and moving it would turn a valid accuracy into
an invalid one. The design of the ladder (compute, parameters, tokens, k, item counts) is never perturbed: a
threshold such as the fitted range's split sits exactly on some runs' compute, and rounding cannot move a number
read from a file across it.

Two ways to turn it on:

* the environment variable ``SCALINGLAWS_PERTURB`` = ``"SCALE"`` or ``"SCALE:SEED"`` (e.g. ``1e-12:1``), read at
  every load: ``make test`` runs the chapters under it (see the README, "The same book on every machine");
* the context manager :func:`perturbed`, which also empties the caches that hold loaded data (a module that caches
  loaded data registers the cached function with :func:`on_change`).
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

logger = logging.getLogger("scalinglaws")

__all__ = ["PERTURB_ENV", "setting", "perturb", "perturbed", "on_change"]

PERTURB_ENV = "SCALINGLAWS_PERTURB"
_override: list[tuple[float, int] | None] = []
_listeners: list[Callable[[], None]] = []


def _parse(text: str) -> tuple[float, int] | None:
    scale, _, seed = text.strip().partition(":")
    try:
        s, k = float(scale), int(seed or 0)
    except ValueError:
        raise ValueError(f"{PERTURB_ENV} must be 'SCALE' or 'SCALE:SEED' (e.g. 1e-12:1), got {text!r}") from None
    if not (np.isfinite(s) and s >= 0):
        raise ValueError(f"{PERTURB_ENV}: the scale must be finite and >= 0, got {s}")
    return (s, k) if s > 0 else None


def setting() -> tuple[float, int] | None:
    """The active perturbation as ``(relative scale, seed)``, or None."""
    if _override:
        return _override[-1]
    text = os.environ.get(PERTURB_ENV, "")
    return _parse(text) if text.strip() else None


def perturb(values, source: str) -> np.ndarray:
    """``values`` (float array) moved by the active perturbation, drawn for ``source``; a copy, unchanged when no
    perturbation is active. Zeros, ones and non-finite values stay as they are."""
    out = np.array(values, dtype=float, copy=True)
    active = setting()
    if active is None:
        return out
    scale, seed = active
    rng = np.random.default_rng([seed, zlib.crc32(source.encode())])
    z = rng.standard_normal(out.shape)
    move = np.isfinite(out) & (out != 0.0) & (out != 1.0)
    out[move] *= 1.0 + scale * z[move]
    logger.debug("perturbed %d values of %s at %g relative (seed %d)", int(move.sum()), source, scale, seed)
    return out


def on_change(cached: Callable) -> Callable:
    """Register a cache of loaded data (a function with ``cache_clear``, as :func:`functools.lru_cache` makes) so that
    :func:`perturbed` empties it on entry and exit; returns it unchanged, so it can decorate."""
    if not callable(getattr(cached, "cache_clear", None)):
        raise ValueError("on_change: expected a cached function with a cache_clear() method")
    _listeners.append(cached.cache_clear)
    return cached


def _clear() -> None:
    for clear in _listeners:
        clear()


@contextmanager
def perturbed(scale: float = 1e-12, seed: int = 0):
    """Within the block, every loader returns data perturbed at ``scale`` (relative) with draw ``seed``;
    ``scale=0`` turns perturbation off, whatever the environment says. Caches of loaded data are emptied on entry
    and on exit, so nothing loaded inside leaks out or the other way round."""
    _parse(f"{scale}:{seed}")
    _override.append((float(scale), int(seed)) if scale > 0 else None)
    _clear()
    try:
        yield
    finally:
        _override.pop()
        _clear()
