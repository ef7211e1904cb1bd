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

__all__ = ["pass_at_k", "benchmark_pass_at_k"]


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
