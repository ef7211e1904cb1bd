r"""The one scorer: a fitted route's predictions at runs it did not see, against their observed values and the
benchmark's own binomial noise, with the prediction interval and whether it covers each run.

:func:`evaluate` scores any :class:`~scalinglaws.results.Predictor` at held-out runs, one row per run;
:func:`summarise` reduces such rows, by any grouping, with one vocabulary:

``n_heldout``
    held-out runs scored;
``mae``
    mean absolute error :math:`\overline{|\hat y - y|}`, in the response's units (accuracy, a fraction);
``mre``
    mean relative error :math:`\overline{|\hat y - y| / y}` (a fraction) over the runs that have one (an observed 0
    has none);
``median_abs_error``, ``max_abs_error``
    the median and largest :math:`|\hat y - y|`;
``binomial_se``
    the median binomial standard error of the held-out runs, :math:`\sqrt{y(1-y)/n}` (needs the item count);
``error_over_se``
    ``median_abs_error / binomial_se``: errors in units of the benchmark's own noise;
``coverage``
    the share of held-out runs inside the prediction interval (NaN when some run has none);
``interval_score``
    the mean interval score at the interval's level (:func:`scalinglaws.forecasting.interval_score`).

*Relative error* means :math:`|\hat y - y| / y` everywhere in the library; a backtest of pass@k also reports the
error on the :math:`-\log` scale, under its own name (``neglog_rel_error``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _validate as V
from .forecasting import backtest_interval, interval_score, renamed_interval
from .results import FitResult

__all__ = ["binomial_se", "relative_error", "evaluate", "summarise", "SUMMARY_COLUMNS", "heldout_errors",
           "heldout_summary", "points_table"]


def binomial_se(q, n_items) -> np.ndarray:
    r"""Binomial standard error of an accuracy measured on ``n_items`` questions,
    :math:`\sqrt{q(1-q)/n}`: the sampling noise of the benchmark itself, the floor below which no law's error
    can be told apart from noise."""
    q = V.as_1d_float("q", q)
    n = V.positive("n_items", n_items)
    V.same_length({"q": q, "n_items": n})
    return np.sqrt(q * (1 - q) / n)


def heldout_errors(result: FitResult, observed, n_items=None, level: float = 0.95, missing_interval: str = "raise",
                   interval: str = "backtest", **variables) -> pd.DataFrame:
    """:func:`evaluate` for a single law's fit, with its interval widened by the ladder's own backtest by default,
    and an error when the fit has no covariance (``missing_interval="raise"``) rather than NaN bounds
    (``"nan"``)."""
    interval = renamed_interval(interval)
    if interval not in ("backtest", "delta"):
        raise ValueError(f"interval must be 'backtest' or 'delta', got {interval!r}")
    if missing_interval not in ("raise", "nan"):
        raise ValueError(f"missing_interval must be 'raise' or 'nan', got {missing_interval!r}")
    if result.covariance is None and missing_interval == "raise":
        raise ValueError(f"{result.law.name}: no covariance for this fit ({result.status}); no interval")
    return evaluate(result, observed, n_items=n_items, level=level, interval=interval, **variables)


def relative_error(predicted, observed) -> np.ndarray:
    """:math:`|\\hat y - y| / y`, the library's one relative error; NaN for an observed value that is not positive."""
    pred, obs = np.asarray(predicted, float), np.asarray(observed, float)
    return np.divide(np.abs(pred - obs), obs, out=np.full(np.broadcast(pred, obs).shape, np.nan), where=obs > 0)


def points_table(variables: dict, observed, pred, lo, hi, n_items=None, level: float | None = None) -> pd.DataFrame:
    """The per-run table of :func:`evaluate` from predictions and interval bounds (bounds may be NaN): the
    variables, ``observed, predicted, error, abs_error, rel_error, lower, upper, covered``, ``binomial_se`` with
    ``n_items``, and with ``level`` the interval's ``width`` and ``score`` (its interval score,
    :func:`scalinglaws.forecasting.interval_score`). Every error and coverage in the library is computed here."""
    obs = V.as_1d_float("observed", observed)
    pred, lo, hi = (np.asarray(v, dtype=float) for v in (pred, lo, hi))
    out = pd.DataFrame({**{k: np.asarray(v, dtype=float) for k, v in variables.items()},
                        "observed": obs, "predicted": pred, "error": pred - obs,
                        "abs_error": np.abs(pred - obs),
                        # an observed 0 has no relative error (NaN), rather than a divide-by-zero warning and inf
                        "rel_error": relative_error(pred, obs),
                        "lower": lo, "upper": hi,
                        "covered": np.where(np.isfinite(lo), (obs >= lo) & (obs <= hi), np.nan)})
    if n_items is not None:
        # a measured 0 or 1 has no binomial variance; clip so that error / SE stays finite
        out["binomial_se"] = binomial_se(np.clip(obs, 1e-9, 1 - 1e-9),
                                         np.broadcast_to(np.asarray(n_items, dtype=float), obs.shape))
    if level is not None:
        out["width"] = hi - lo
        out["score"] = interval_score(lo, hi, obs, level)
    return out


def heldout_summary(points: pd.DataFrame, level: float | None = None) -> dict:
    """:func:`summarise` of one table (kept under this name for the chapters that call it)."""
    return summarise(points, level=level)


#: The columns of :func:`summarise`, in order (see the module docstring).
SUMMARY_COLUMNS = ("n_heldout", "mae", "mre", "median_abs_error", "max_abs_error", "binomial_se", "error_over_se",
                   "coverage", "interval_score")


def evaluate(predictor, observed, *, n_items=None, level: float = 0.9, interval: str = "delta", **variables
             ) -> pd.DataFrame:
    """Score a fitted route at held-out runs.

    Parameters
    ----------
    predictor : Predictor
        Any fitted route (:mod:`scalinglaws.routes`): a :class:`~scalinglaws.results.FitResult`, a chained route, the
        authors' BNSL over seeds.
    observed : array_like
        The held-out runs' responses.
    n_items : int or array_like, optional
        Benchmark size, for each run's binomial standard error.
    level : float
        The prediction interval's level.
    interval : {"delta", "backtest", "none"}
        ``delta``: the route's own prediction interval (``get_prediction(...).conf_int``; NaN where it has none);
        ``backtest`` (formerly ``calibrated``): a single law's delta interval widened by its ladder's backtest
        (:func:`scalinglaws.forecasting.backtest_interval`; delta for a route that is not a single law). The error
        model of :mod:`scalinglaws.error_model` is not used here: it was learned from these ladders;
        ``none``: no interval.
    **variables
        The held-out runs' variables (what ``predictor.predict`` takes, e.g. ``C=...``).

    Returns
    -------
    DataFrame
        One row per run: the variables, ``observed, predicted, error, abs_error, rel_error, lower, upper, covered,
        binomial_se, error_over_se`` (each run's absolute error over its binomial SE) and ``interval`` (the method
        used, or ``none``).
    """
    interval = renamed_interval(interval)
    if interval not in ("delta", "backtest", "none"):
        raise ValueError(f"interval must be 'delta', 'backtest' or 'none', got {interval!r}")
    pred = np.asarray(predictor.predict(**variables), float)
    shape, used = pred.shape, interval
    lo = hi = np.full(shape, np.nan)
    if interval == "backtest" and isinstance(predictor, FitResult) and predictor.covariance is not None:
        lo, hi, used = backtest_interval(predictor, level, **variables)
    elif interval != "none":
        lo, hi = predictor.get_prediction(**variables).conf_int(level, obs=True)
        used = "delta" if np.all(np.isfinite(lo)) else "none"
    out = points_table(variables, observed, pred, lo, hi, n_items).assign(interval=used)
    if n_items is not None:
        out["error_over_se"] = out["abs_error"] / out["binomial_se"]
    return out


def summarise(points: pd.DataFrame, by=None, *, level: float | None = None):
    """Summarise :func:`evaluate` rows (all of them, or per group of ``by``) in the vocabulary of the module
    docstring; ``interval_score`` needs the intervals' ``level``. A dict without ``by``, a DataFrame with it."""
    if by is not None:
        rows = {key: summarise(g, level=level) for key, g in points.groupby(by, sort=False)}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.names = [by] if isinstance(by, str) else list(by)
        return out
    err, rel = points["abs_error"].to_numpy(float), points["rel_error"].to_numpy(float)
    covered = points["covered"].to_numpy(dtype=float)
    has = np.all(np.isfinite(covered)) and len(covered) > 0
    se = float(points["binomial_se"].median()) if "binomial_se" in points else np.nan
    med = float(np.median(err)) if err.size else np.nan
    score = (float(np.mean(interval_score(points["lower"], points["upper"], points["observed"], level)))
             if has and level is not None else np.nan)
    return {"n_heldout": len(points), "mae": float(np.mean(err)) if err.size else np.nan,
            "mre": float(np.nanmean(rel)) if np.isfinite(rel).any() else np.nan, "median_abs_error": med,
            "max_abs_error": float(np.max(err)) if err.size else np.nan, "binomial_se": se,
            "error_over_se": med / se if np.isfinite(se) and se > 0 else np.nan,
            "coverage": float(np.mean(covered)) if has else np.nan, "interval_score": score}
