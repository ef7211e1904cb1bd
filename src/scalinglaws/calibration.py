"""How well do the intervals cover? A calibration study over ladders: for each ladder, benchmark and split point,
fit the law on the runs up to the split, forecast every larger run (or the ladder's real targets) with each
interval method, and record coverage, width and the interval score at each level
(:func:`scalinglaws.forecasting.interval_score`)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .forecasting import forecast, interval_score, ladder_size
from .heldout import points_table
from .laws import get_law

logger = logging.getLogger("scalinglaws")

__all__ = ["LEVELS", "split_points", "study", "coverage_table", "bending_ladder", "bending_coverage"]

#: The nominal levels the study reports.
LEVELS = (0.5, 0.8, 0.9, 0.95)


def split_points(size, fractions=(0.6, 0.7, 0.8)) -> list[float]:
    """Split points along a ladder: for each fraction, the largest distinct size at or below that fraction of the
    ladder's range in log size (the runs up to it are fitted, the larger ones predicted)."""
    u = np.unique(np.asarray(size, float))
    if u.size < 4:
        return []
    lo, hi = np.log10(u[0]), np.log10(u[-1])
    out = []
    for f in fractions:
        below = u[np.log10(u) <= lo + f * (hi - lo) + 1e-12]
        if below.size and below[-1] < u[-1] and below[-1] not in out:
            out.append(float(below[-1]))
    return out


#: The columns of :func:`study`, in order.
STUDY_COLUMNS = ("ladder", "benchmark", "split", "method", "used", "level", "observed", "predicted", "lower", "upper",
                 "covered", "width", "score")


def study(cases, *, levels=LEVELS, methods=("delta", "backtest"), fractions=(0.6, 0.7, 0.8), n_boot: int = 200,
          max_folds: int = 6, seed: int = 0) -> pd.DataFrame:
    """Run the study over ``cases``.

    Each case is a dict: ``ladder`` and ``benchmark`` (labels), ``law``, ``data`` (the variables and response as
    :func:`scalinglaws.fit` takes them), optionally ``chance``, ``n_items`` (the benchmark size, for the binomial
    noise of each predicted run), ``targets`` (a dict of arrays with the variables and the response of held-out
    runs, e.g. a ladder's real targets: then the whole ``data`` is fitted once, no split points), and
    ``methods`` (overriding ``methods``, e.g. to add ``bootstrap`` on a subset).

    Returns one row per case x split x method x level x predicted run: ``ladder, benchmark, split, method, level,
    observed, predicted, lower, upper, covered, width, score``; a case or split whose fit fails is logged and
    skipped. ``max_folds`` bounds each forecast's backtest (the study's cost is about cases x splits x folds
    fits).
    """
    rows = []
    for case in cases:
        law = get_law(case["law"])
        data = {k: np.asarray(v, float) for k, v in case["data"].items()}
        X = {k: data[k] for k in law.variables}
        if "targets" in case:
            splits = [(None, data, {k: np.asarray(v, float) for k, v in case["targets"].items()})]
        else:
            size = ladder_size(law, X)
            splits = [(cut, {k: v[size <= cut] for k, v in data.items()}, {k: v[size > cut] for k, v in data.items()})
                      for cut in split_points(size, fractions)]
        for cut, train, test in splits:
            at = {k: test[k] for k in law.variables}
            observed = test[law.response]
            try:
                base = forecast(law, at=at, level=levels[0], interval="delta", chance=case.get("chance", 0.0),
                                n_items=case.get("n_items"), n_boot=n_boot, max_folds=max_folds, seed=seed,
                                **train)
            except (ValueError, RuntimeError) as exc:
                logger.info("calibration: %s %s split %s skipped: %s", case["ladder"], case["benchmark"], cut, exc)
                continue
            for method in case.get("methods", methods):
                for level in levels:
                    f = base.reinterval(level=level, interval=method)
                    pts = points_table({}, observed, f.predicted, f.lower, f.upper, level=level)
                    rows.append(pts.assign(covered=pts["covered"].eq(1),  # no interval: not covered
                                           ladder=case["ladder"], benchmark=case["benchmark"], split=cut,
                                           method=method, used=f.interval, level=level)[list(STUDY_COLUMNS)])
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def coverage_table(points: pd.DataFrame, by=("method", "level")) -> pd.DataFrame:
    """Observed coverage, median width and mean interval score, grouped (default: pooled over every ladder)."""
    g = points.groupby(list(by))
    return pd.DataFrame({"predictions": g.size(), "coverage": g["covered"].mean(), "median width": g["width"].median(),
                         "mean interval score": g["score"].mean()})


def bending_ladder(n: int = 16, *, alpha: float = 0.15, A: float = 2000.0, bend: float = 0.0, noise: float = 0.03,
                   floor: float = 0.0, seed: int = 0, C=None):
    r"""A synthetic direct-law ladder, ``(C, Q)``: ``n`` runs from 1e18 to 1e21 FLOPs (or at ``C``) with
    :math:`-\log Q = E + \exp(\log A - (\alpha + b\log_{10}(C/10^{18}))\log C + \varepsilon)`, where ``bend`` = b
    makes the exponent drift per decade (the law bends beyond any fitted range), ``floor`` = E is an irreducible
    :math:`-\log Q` (accuracy saturates at :math:`e^{-E}` below 1: the direct law, which has no floor, misses it
    more the further out it forecasts), and ε is Gaussian with standard deviation ``noise`` (seeded)."""
    rng = np.random.default_rng(seed)
    C = np.geomspace(1e18, 1e21, n) if C is None else np.asarray(C, float)
    y = np.log(A) - (alpha + bend * np.log10(C / 1e18)) * np.log(C) + noise * rng.standard_normal(C.size)
    return C, np.exp(-(floor + np.exp(y)))


def synthetic_scores(method: str, *, bend: float = 0.0, floor: float = 0.0, seeds=range(30), level: float = 0.9,
                     targets=(3e21, 1e22), noise: float = 0.03, n_items=None) -> dict:
    """``method``'s ``level`` forecast intervals over seeded :func:`bending_ladder` ladders (``bend``, ``floor``):
    each fits the direct law on 1e18-1e21 FLOPs and forecasts ``targets``, whose observed values are drawn from the
    same law with the same noise (seed ``1000 + seed``); ``n_items`` goes to :func:`forecast`. Returns
    ``coverage``, ``interval_score`` (mean) and ``median_width`` over the seeds x targets."""
    lo, hi, obs = [], [], []
    for seed in seeds:
        C, Q = bending_ladder(bend=bend, floor=floor, noise=noise, seed=seed)
        fc = forecast("direct", at={"C": np.asarray(targets, float)}, C=C, Q=Q, interval=method, level=level,
                      n_items=n_items)
        _, y = bending_ladder(bend=bend, floor=floor, noise=noise, seed=1000 + seed, C=targets)
        lo += list(fc.lower)
        hi += list(fc.upper)
        obs += list(y)
    lo, hi, obs = (np.asarray(v, float) for v in (lo, hi, obs))
    return {"coverage": float(np.mean((obs >= lo) & (obs <= hi))),
            "interval_score": float(np.mean(interval_score(lo, hi, obs, level))),
            "median_width": float(np.median(hi - lo))}


def bending_coverage(method: str, bend: float, *, seeds=range(30), level: float = 0.9, targets=(3e21, 1e22),
                     noise: float = 0.03, n_items=None, floor: float = 0.0) -> float:
    """The coverage of :func:`synthetic_scores`."""
    return synthetic_scores(method, bend=bend, floor=floor, seeds=seeds, level=level, targets=targets, noise=noise,
                            n_items=n_items)["coverage"]
