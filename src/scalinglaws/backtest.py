"""Extrapolation checks: fit below a compute threshold, compare the law's predictions with the held-out runs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from . import _validate as V
from .fitting import FitResult

logger = logging.getLogger("scalinglaws")

__all__ = ["binomial_se", "heldout_errors"]


def binomial_se(q, n_items) -> np.ndarray:
    r"""Binomial standard error of an accuracy measured on ``n_items`` questions,
    :math:`\sqrt{q(1-q)/n}`: the sampling noise of the benchmark itself, the floor below which no law's error
    can be told apart from noise."""
    q = V.as_1d_float("q", q)
    n = V.positive("n_items", n_items)
    V.same_length({"q": q, "n_items": n})
    return np.sqrt(q * (1 - q) / n)


def heldout_errors(result: FitResult, observed, n_items=None, level: float = 0.95, **variables) -> pd.DataFrame:
    """Per held-out point: observed, predicted, error, relative error, prediction interval and coverage.

    Parameters
    ----------
    result : FitResult
        A fit (typically with ``max_compute`` set).
    observed : array_like
        The held-out responses.
    n_items : array_like or int, optional
        Benchmark size, for the binomial standard error of each observation.
    **variables
        The held-out points' variables (e.g. ``C=...``).
    """
    obs = V.as_1d_float("observed", observed)
    pred = result.predict(**variables)
    lo, hi = result.interval(level=level, **variables)
    out = pd.DataFrame({**{k: np.asarray(v, dtype=float) for k, v in variables.items()},
                        "observed": obs, "predicted": pred, "error": pred - obs,
                        "abs_error": np.abs(pred - obs), "rel_error": np.abs(pred - obs) / obs,
                        "lower": lo, "upper": hi, "covered": (obs >= lo) & (obs <= hi)})
    if n_items is not None:
        out["binomial_se"] = binomial_se(obs, np.broadcast_to(np.asarray(n_items, dtype=float), obs.shape))
    return out


def extrapolate_benchmarks(table: pd.DataFrame, specs: pd.DataFrame, *, max_compute: float, law: str = "direct",
                           normalise: bool = False, level: float = 0.95, skip_unfittable: bool = False,
                           **fit_kws):
    """Fit a law in compute per benchmark below ``max_compute`` and score it on the larger runs.

    Parameters
    ----------
    table : DataFrame
        Tidy runs with columns ``C, benchmark, metric, value`` (as :func:`scalinglaws.datasets.load_krajewski`
        returns), already restricted to one ladder (one mixture, one TPR).
    specs : DataFrame
        Indexed by benchmark, with columns ``metric`` (which metric to fit), ``chance`` and ``n_items``.
    max_compute : float
        Runs with C at most this are fitted; the others are held out.
    normalise : bool
        Fit the chance-normalised accuracy (chance = ``specs.chance``); otherwise the raw accuracy, with points
        at or below chance dropped (as the paper's code does) -- in both cases such points are dropped with a
        logged reason.
    skip_unfittable : bool
        Record a benchmark that cannot be fitted (too few usable runs below the threshold) as a row whose
        ``status`` says why, instead of raising ``ValueError``.

    Returns
    -------
    fits : dict
        ``{benchmark: FitResult}``.
    summary : DataFrame
        One row per benchmark: fitted parameters and standard errors, points fitted / held out, median and
        maximum absolute extrapolation error, the median binomial standard error of the held-out runs, their
        ratio, and the coverage of the prediction interval.
    points : DataFrame
        Every held-out run with its prediction (see :func:`heldout_errors`).
    """
    fits, rows, points = {}, [], []
    for bench, spec in specs.iterrows():
        try:
            res, held, pts = _extrapolate_one(table, bench, spec, max_compute, law, normalise, level, fit_kws)
        except ValueError as exc:
            if not skip_unfittable:
                raise ValueError(f"{bench}: {exc}") from None
            logger.info("extrapolate_benchmarks: %s not fitted: %s", bench, exc)
            rows.append({"benchmark": bench, "metric": spec["metric"], "status": f"not fitted: {exc}"})
            continue
        fits[bench] = res
        points.append(pts)
        row = {"benchmark": bench, "metric": spec["metric"]}
        for name in res.law.param_names:
            row[name] = res.params[name]
            row[f"se_{name}"] = res.stderr[name]
        row.update(status=res.status.value, n_fit=res.n_points, n_heldout=len(held),
                   median_abs_error=float(pts["abs_error"].median()), max_abs_error=float(pts["abs_error"].max()),
                   binomial_se=float(pts["binomial_se"].median()),
                   coverage=float(pts["covered"].mean()))
        row["error_over_se"] = row["median_abs_error"] / row["binomial_se"]
        rows.append(row)
    return fits, pd.DataFrame(rows).set_index("benchmark"), pd.concat(points, ignore_index=True)


def _extrapolate_one(table, bench, spec, max_compute, law, normalise, level, fit_kws):
    from .fitting import fit

    d = table[(table["benchmark"] == bench) & (table["metric"] == spec["metric"])].sort_values("C")
    if d.empty:
        raise ValueError(f"no rows for benchmark {bench!r} with metric {spec['metric']!r}")
    C, Q, chance = d["C"].to_numpy(), d["value"].to_numpy(), float(spec["chance"])
    if normalise:
        res = fit(law, C=C, Q=Q, chance=chance, max_compute=max_compute, invalid="drop", **fit_kws)
    else:
        # Raw accuracy: as in the paper's code, runs at or below chance are dropped, then Q itself is fitted.
        above = Q > chance
        if (~above).any():
            logger.info("%s: dropping %d run(s) at or below chance %g before fitting", bench, (~above).sum(), chance)
        res = fit(law, C=C[above], Q=Q[above], max_compute=max_compute, invalid="drop", **fit_kws)
    held = d[d["C"] > max_compute]
    pts = heldout_errors(res, held["value"].to_numpy(), n_items=spec["n_items"], level=level, C=held["C"].to_numpy())
    pts.insert(0, "benchmark", bench)
    return res, held, pts
