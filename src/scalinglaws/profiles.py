r"""Identifiability of a fitted law: profile objectives, profile intervals, and weakly identified parameters.

The *profile* of a parameter :math:`\theta_j` is the best objective the law reaches with :math:`\theta_j` held at a
value and every other parameter refitted. A parameter is identified by the data when its profile rises on both sides
of the estimate; a profile that stays flat towards a bound (an irreducible error going to zero, a break pushed past
the data) says the data cannot tell those values apart, whatever the standard error printed beside it.

For a least-squares fit with Gaussian errors the profile gives a likelihood-ratio interval: with :math:`S` the
residual sum of squares over :math:`n` points, :math:`n \log(S(\theta_j)/S_{\min})` is asymptotically
:math:`\chi^2_1`, so the 95% interval is where it stays below 3.84. A Huber objective is not a likelihood: its profile
is still shown (as the rise of the objective), but :func:`profile_interval` refuses it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import _engine
from ._threads import one_blas_thread
from .results import FitResult

__all__ = ["profile", "profile_interval", "weakly_identified"]


@one_blas_thread
def profile(result: FitResult, name: str, values=None, *, n: int = 21) -> pd.DataFrame:
    """Profile objective of the public parameter ``name`` of a fit.

    Parameters
    ----------
    result : FitResult
        A fitted law (not a composite).
    name : str
        Public parameter name (``"E0"``, ``"E"``, ``"d1"``, ...).
    values : array_like, optional
        Public values to hold it at; by default ``n`` values spaced evenly in the fitted quantity (the logarithm
        for a log-parametrised parameter) across the estimate +- 4 standard errors, or across its bounds when the
        fit has no standard error for it.

    Returns
    -------
    DataFrame
        One row per value, in increasing order: ``value``, ``objective`` (the law's objective, other parameters
        refitted by continuation from the neighbouring value), ``rise`` (objective minus the fit's),
        ``lr`` (:math:`n\\log(S/S_{\\min})` for a least-squares fit, NaN for Huber) and the refitted public values of
        the other parameters.
    """
    law = result.law
    try:
        param = next(p for p in law.params if p.name == name)
    except StopIteration:
        raise ValueError(f"{law.name} has no parameter {name!r}; it has {list(law.param_names)}") from None
    centre = result.internal[param.internal]
    if values is None:
        se = result.stderr.get(name)
        if se is not None and np.isfinite(se) and se > 0:
            half = 4 * (se / (result.params[name] * np.log(param.base)) if param.base else se)
            grid = np.linspace(max(param.lower, centre - half), min(param.upper, centre + half), n)
        else:
            grid = np.linspace(param.lower, param.upper, n)
    else:
        grid = np.array(sorted(param.internal_value(v) for v in np.atleast_1d(values)), float)
    if grid.size < 2:
        raise ValueError("profile needs at least 2 values")
    # continuation: walk outwards from the estimate so each refit starts next to its neighbour's optimum
    order = np.argsort(np.abs(grid - centre))
    rows, starts = {}, {}
    for i in order:
        nearest = min(starts, key=lambda j: abs(grid[j] - grid[i]), default=None)
        start = dict(result.internal) if nearest is None else starts[nearest]
        run = _engine.search(law, result.X, result.y, start, result.loss, result.huber_delta,
                             fixed={param.internal: float(grid[i])})
        starts[i] = run.x
        rows[i] = {"value": param.public_value(grid[i]), "objective": run.objective,
                   **{k: v for k, v in law.to_public(run.x).items() if k != name}}
    table = pd.DataFrame([rows[i] for i in range(grid.size)])
    best = min(result.objective, float(table["objective"].min()))
    table.insert(2, "rise", table["objective"] - best)
    lr = result.n_points * np.log(table["objective"] / best) if result.loss == "squared" else np.nan
    table.insert(3, "lr", lr)
    return table


def profile_interval(prof: pd.DataFrame, level: float = 0.95) -> tuple[float, float, bool]:
    """``(lower, upper, open)``: the values of a least-squares profile whose likelihood ratio stays below the
    :math:`\\chi^2_1` quantile at ``level``; ``open`` is true when the interval reaches an end of the profiled grid
    (the data do not bound the parameter on that side within the values tried)."""
    if prof["lr"].isna().all():
        raise ValueError("profile_interval needs a least-squares profile; a Huber objective is not a likelihood")
    inside = prof["lr"].to_numpy() <= stats.chi2.ppf(level, 1)
    if not inside.any():
        raise ValueError("no profiled value is inside the interval; profile a finer grid around the estimate")
    idx = np.flatnonzero(inside)
    return (float(prof["value"].iloc[idx[0]]), float(prof["value"].iloc[idx[-1]]),
            bool(idx[0] == 0 or idx[-1] == len(prof) - 1))


def weakly_identified(result: FitResult, ratio: float = 1.0) -> list[str]:
    """Public parameters whose standard error exceeds ``ratio`` times their magnitude, or that have none (held
    fixed at a bound, or no covariance): their point estimates should not be read as measurements."""
    out = []
    for name, value in result.params.items():
        se = result.stderr.get(name)
        if se is None or not np.isfinite(se) or se > ratio * abs(value):
            out.append(name)
    return out
