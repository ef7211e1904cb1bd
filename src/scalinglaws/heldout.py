"""Held-out errors: a fit's predictions at runs it did not see, against their observed values and the benchmark's
own binomial noise, with the prediction interval and whether it covers each run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _validate as V
from .forecasting import calibrated_interval
from .results import FitResult

__all__ = ["binomial_se", "heldout_errors", "heldout_summary", "prediction_bounds", "points_table"]


def binomial_se(q, n_items) -> np.ndarray:
    r"""Binomial standard error of an accuracy measured on ``n_items`` questions,
    :math:`\sqrt{q(1-q)/n}`: the sampling noise of the benchmark itself, the floor below which no law's error
    can be told apart from noise."""
    q = V.as_1d_float("q", q)
    n = V.positive("n_items", n_items)
    V.same_length({"q": q, "n_items": n})
    return np.sqrt(q * (1 - q) / n)


def heldout_errors(result: FitResult, observed, n_items=None, level: float = 0.95, missing_interval: str = "raise",
                   interval: str = "calibrated", **variables) -> pd.DataFrame:
    """Per held-out point: observed, predicted, error, relative error, prediction interval and coverage.

    Parameters
    ----------
    result : FitResult
        A fit (typically with ``max_compute`` set).
    observed : array_like
        The held-out responses.
    n_items : array_like or int, optional
        Benchmark size, for the binomial standard error of each observation.
    missing_interval : {"raise", "nan"}
        What to do when the fit has no covariance (a parameter unidentifiable): raise ``ValueError`` (default), or
        report NaN bounds and ``covered`` and keep the point predictions.
    interval : {"calibrated", "delta"}
        The prediction interval: the fit's own delta-method interval, or that interval widened by the rolling-origin
        backtest of the fit's runs (:func:`scalinglaws.forecasting.calibrated_interval`, the default; it falls
        back to delta on a ladder too short to backtest). The ``interval`` column names the one used.
    **variables
        The held-out points' variables (e.g. ``C=...``).
    """
    if interval not in ("calibrated", "delta"):
        raise ValueError(f"interval must be 'calibrated' or 'delta', got {interval!r}")
    pred = result.predict(**variables)
    lo, hi, used = prediction_bounds(result, level, missing_interval, np.shape(pred), interval, **variables)
    return points_table(variables, observed, pred, lo, hi, n_items).assign(interval=used)


def prediction_bounds(result: FitResult, level: float, missing: str, shape, interval: str, **variables):
    """``(lower, upper, used)``: the ``interval`` ("calibrated" or "delta") prediction bounds of ``result`` at
    ``variables``; without a covariance, ``ValueError`` (``missing="raise"``) or NaN bounds of ``shape`` and
    ``used = "none"`` (``missing="nan"``)."""
    if missing not in ("raise", "nan"):
        raise ValueError(f"missing_interval must be 'raise' or 'nan', got {missing!r}")
    if result.covariance is None:
        if missing == "raise":
            raise ValueError(f"{result.law.name}: no covariance for this fit ({result.status}); no interval")
        return np.full(shape, np.nan), np.full(shape, np.nan), "none"
    if interval == "calibrated":
        return calibrated_interval(result, level, **variables)
    lo, hi = result.interval(level=level, **variables)
    return lo, hi, "delta"


def points_table(variables: dict, observed, pred, lo, hi, n_items=None) -> pd.DataFrame:
    """The per-point table of :func:`heldout_errors` from predictions and interval bounds (bounds may be NaN)."""
    obs = V.as_1d_float("observed", observed)
    pred, lo, hi = (np.asarray(v, dtype=float) for v in (pred, lo, hi))
    out = pd.DataFrame({**{k: np.asarray(v, dtype=float) for k, v in variables.items()},
                        "observed": obs, "predicted": pred, "error": pred - obs,
                        "abs_error": np.abs(pred - obs),
                        # an observed 0 has no relative error (NaN), rather than a divide-by-zero warning and inf
                        "rel_error": np.divide(np.abs(pred - obs), obs, out=np.full(obs.shape, np.nan),
                                               where=obs > 0),
                        "lower": lo, "upper": hi,
                        "covered": np.where(np.isfinite(lo), (obs >= lo) & (obs <= hi), np.nan)})
    if n_items is not None:
        # a measured 0 or 1 has no binomial variance; clip so that error / SE stays finite
        out["binomial_se"] = binomial_se(np.clip(obs, 1e-9, 1 - 1e-9),
                                         np.broadcast_to(np.asarray(n_items, dtype=float), obs.shape))
    return out


def heldout_summary(points: pd.DataFrame) -> dict:
    """Summary of a :func:`heldout_errors` table: ``n_heldout``, median and maximum absolute error, median binomial
    standard error, their ratio ``error_over_se``, and ``coverage`` of the prediction interval (NaN when some point
    has no interval)."""
    med, se = float(points["abs_error"].median()), float(points["binomial_se"].median())
    covered = points["covered"].to_numpy(dtype=float)
    return {"n_heldout": len(points), "median_abs_error": med, "max_abs_error": float(points["abs_error"].max()),
            "binomial_se": se, "error_over_se": med / se,
            "coverage": float(np.mean(covered)) if np.all(np.isfinite(covered)) else np.nan}
