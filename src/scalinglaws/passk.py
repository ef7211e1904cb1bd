r"""The unbiased pass@k estimator (Chen et al. 2021) and its aggregation to a benchmark score.

For a problem sampled :math:`n` times with :math:`c` correct samples,

.. math:: \widehat{\mathrm{pass@}k} = 1 - \binom{n-c}{k}\Big/\binom{n}{k}
          = 1 - \prod_{i=0}^{k-1}\Big(1 - \frac{c}{n-i}\Big)
          = 1 - \prod_{j=n-c+1}^{n}\Big(1 - \frac{k}{j}\Big),

exactly 1 when :math:`n - c < k`. The ratio of binomials is computed as a sum of ``log1p`` terms over whichever
product is shorter (``min(c, k)`` terms), so it is accurate to a few ulps for n up to 10^7 and k up to 10^4, where
``gammaln`` differences would lose about eight digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from . import _validate as V

__all__ = ["pass_at_k", "naive_pass_at_k", "benchmark_pass_at_k", "gold_neglog_prob"]


def _as_counts(name: str, values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name}: expected integer counts, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: NaN or infinite values")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name}: non-integer values")
    if np.any(arr < 0):
        raise ValueError(f"{name}: negative values")
    return arr.astype(np.int64)


def pass_at_k(n, c, k) -> np.ndarray:
    """Unbiased pass@k of each problem; ``n``, ``c``, ``k`` broadcast against each other.

    Raises
    ------
    ValueError
        For non-integer, negative or non-finite counts, ``k < 1``, ``k > n`` or ``c > n``.
    """
    n, c, k = np.broadcast_arrays(_as_counts("n", n), _as_counts("c", c), _as_counts("k", k))
    if np.any(k < 1):
        raise ValueError("k: must be >= 1")
    if np.any(k > n):
        raise ValueError("k: must be <= n (the number of samples); pass@k for k > n is not estimable")
    if np.any(c > n):
        raise ValueError("c: more correct samples than samples (c > n)")
    n, c, k = (a.astype(float) for a in (n, c, k))
    terms = np.minimum(c, k)
    over_c = c <= k  # product over j in (n-c, n] of (1 - k/j); otherwise over i < k of (1 - c/(n-i))
    log_ratio = np.zeros(n.shape)
    certain = (n - c) < k
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(int(terms.max(initial=0))):
            active = (i < terms) & ~certain
            if not active.any():
                break
            step = np.where(over_c, np.log1p(-k / (n - i)), np.log1p(-c / (n - i)))
            log_ratio += np.where(active, step, 0.0)
    out = np.where(certain, 1.0, 0.0 - np.expm1(log_ratio))  # 0.0 - : no negative zero
    return out if out.ndim else float(out)


def naive_pass_at_k(n, c, k) -> np.ndarray:
    r"""The plug-in estimate :math:`1 - (1 - c/n)^k`: pass@k of a problem whose success probability is exactly the
    observed fraction :math:`c/n`. Biased upwards in error (downwards in pass@k) for k > 1, since
    :math:`E[(1-\hat p)^k] \ge (1-p)^k` by Jensen's inequality; unlike :func:`pass_at_k` it is defined for k > n,
    which is exactly where it cannot be trusted. For comparison only."""
    n, c, k = np.broadcast_arrays(_as_counts("n", n), _as_counts("c", c), _as_counts("k", k))
    if np.any(n < 1) or np.any(k < 1):
        raise ValueError("n and k must be >= 1")
    if np.any(c > n):
        raise ValueError("c: more correct samples than samples (c > n)")
    with np.errstate(divide="ignore"):  # c = n: log1p(-1) = -inf, giving exactly 1
        out = 0.0 - np.expm1(k * np.log1p(-c / n.astype(float)))
    return out if out.ndim else float(out)


def benchmark_pass_at_k(table: pd.DataFrame, ks, *, n: str = "n", c: str = "c", by=None) -> pd.DataFrame:
    """Benchmark pass@k: the mean over problems of each problem's unbiased pass@k.

    Parameters
    ----------
    table : DataFrame
        One row per problem (and model), with sample count column ``n`` and correct count column ``c``.
    ks : iterable of int
        The k values. A k larger than some problem's n in a group leaves that group's pass@k undefined (NaN,
        with ``n_min`` showing why) rather than silently wrong.
    by : str or list of str, optional
        Grouping columns (e.g. the model); without it, the whole table is one benchmark.

    Returns
    -------
    DataFrame
        Long format: the grouping columns, ``k``, ``pass_at_k``, ``n_problems``, ``n_min``.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    groups = table.groupby(by, sort=True) if by else [((), table)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        nn, cc = g[n].to_numpy(), g[c].to_numpy()
        for k in ks:
            value = float(np.mean(pass_at_k(nn, cc, k))) if k <= nn.min() else np.nan
            rows.append({**dict(zip(by, key)), "k": int(k), "pass_at_k": value, "n_problems": len(g),
                         "n_min": int(nn.min())})
    return pd.DataFrame(rows)


def gold_neglog_prob(nll, *, average: str = "prob") -> float:
    r"""The gold-reference variable :math:`G = -\log \mathrm{GoldProb}` of Schaeffer et al. (2025) for one model.

    Parameters
    ----------
    nll : array_like
        Summed negative log-likelihood of each problem's gold solution (positive, finite).
    average : {"prob", "logprob"}
        ``"prob"``: :math:`G = -\log \frac1P\sum_p e^{-\mathrm{nll}_p}`, the mean *probability* (computed with
        logsumexp; dominated by the few most likely solutions); ``"logprob"``: :math:`G = \frac1P\sum_p
        \mathrm{nll}_p`, the mean log-probability. Which one the paper used is not stated; the book shows both.
    """
    x = V.positive("nll", nll)
    if average == "prob":
        return float(-(logsumexp(-x) - np.log(x.size)))
    if average == "logprob":
        return float(x.mean())
    raise ValueError(f"average must be 'prob' or 'logprob', got {average!r}")
