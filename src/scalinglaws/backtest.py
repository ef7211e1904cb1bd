"""Extrapolation checks: fit below a compute threshold, compare the law's predictions with the held-out runs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from . import _validate as V
from .datasets.schema import select
from .fitting import fit
from .heldout import binomial_se, heldout_errors, heldout_summary, points_table, prediction_bounds
from .laws import get_law

logger = logging.getLogger("scalinglaws")

__all__ = ["binomial_se", "heldout_errors", "heldout_summary", "extrapolate_benchmarks", "backtest_law",
           "stabilisation_point", "compare_routes", "ROUTES", "ROUTE_LAWS", "predict_heldout", "backtest_summary",
           "filter_runs"]


def filter_runs(rows: pd.DataFrame, bench: str, chance: float, margin: float = 0.0,
                  min_compute: float | None = None) -> pd.DataFrame:
    """The runs a law is fitted on: accuracy strictly above chance and at least ``margin`` above it (Krajewski et
    al.'s filter is 0.05), and compute at least ``min_compute`` when given. Every drop is logged."""
    keep = (rows["value"] > chance) & (rows["value"] - chance >= margin - 1e-12)
    if (~keep).any():
        logger.info("%s: dropping %d run(s) less than %g above chance %g before fitting", bench,
                    int((~keep).sum()), margin, chance)
    if min_compute is not None:
        small = rows["C"] < min_compute
        if (small & keep).any():
            logger.info("%s: dropping %d run(s) below %g FLOPs before fitting", bench, int((small & keep).sum()),
                        min_compute)
        keep &= ~small
    return rows[keep]


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
        ``status`` is ``failed`` and whose ``reason`` says why, instead of raising ``ValueError``.

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
            rows.append({"benchmark": bench, "metric": spec["metric"], "status": "failed", "reason": str(exc)})
            continue
        fits[bench] = res
        points.append(pts)
        row = {"benchmark": bench, "metric": spec["metric"]}
        for name in res.law.param_names:
            row[name] = res.params[name]
            row[f"se_{name}"] = res.stderr[name]
        row.update(status=str(res.status), reason=res.reason, n_fit=res.n_points, **heldout_summary(pts))
        rows.append(row)
    return fits, pd.DataFrame(rows).set_index("benchmark"), pd.concat(points, ignore_index=True)


def _extrapolate_one(table, bench, spec, max_compute, law, normalise, level, fit_kws):
    d = select(table, bench, spec["metric"], required=True)
    C, Q, chance = d["C"].to_numpy(), d["value"].to_numpy(), float(spec["chance"])
    if normalise:
        res = fit(law, C=C, Q=Q, chance=chance, max_compute=max_compute, invalid="drop", **fit_kws)
    else:
        # Raw accuracy: as in the paper's code, runs at or below chance are dropped, then Q itself is fitted.
        fitted = filter_runs(d, bench, chance)
        res = fit(law, C=fitted["C"].to_numpy(), Q=fitted["value"].to_numpy(), max_compute=max_compute,
                  invalid="drop", **fit_kws)
    held = d[d["C"] > max_compute]
    pts = heldout_errors(res, held["value"].to_numpy(), n_items=spec["n_items"], level=level, C=held["C"].to_numpy())
    pts.insert(0, "benchmark", bench)
    return res, held, pts


def backtest_law(table: pd.DataFrame, law: str, *, variables: dict[str, str], response: str, target: dict,
                 observed: float, compute: str = "C", min_points: int | None = None, level: float = 0.95,
                 cutoffs=None, **fit_kws) -> pd.DataFrame:
    """Backtest a law against one target: fit on the points with compute at most each cutoff, predict the target.

    Following Schaeffer et al. (2025): sort the points by compute; for every cutoff ``C_max`` (each distinct
    compute value with at least ``min_points`` usable points at or below it) fit on ``compute <= C_max`` and predict
    the target. The target itself must not be in ``table``.

    Parameters
    ----------
    table : DataFrame
        The fitting pool (without the target).
    law : str
    variables : dict
        Law variables mapped to columns of ``table``.
    response : str
        Response column.
    target : dict
        The target's variables (e.g. ``{"C": 2.16e22}`` or ``{"N": 12e9, "D": 300e9}``).
    observed : float
        The target's observed response.
    min_points : int, optional
        Default: the law's parameter count + 2.
    cutoffs : array_like, optional
        The C_max values to try (default: every distinct compute value in the pool). Each is snapped down to the
        largest compute value at or below it, and duplicates are removed.

    Returns
    -------
    DataFrame
        One row per cutoff: ``C_max``, ``n_points``, fitted parameters, ``predicted``, ``lower``, ``upper`` (prediction
        interval), ``covered``, ``status`` and ``rel_error``: the relative error of the prediction on the
        :math:`-\\log` scale, :math:`|\\log\\hat y - \\log y| / |\\log y|` with y the response, as in the paper.
    """

    law_ = get_law(law)
    min_points = len(law_.params) + 2 if min_points is None else int(min_points)
    if not np.isfinite(observed):
        raise ValueError(f"observed target response is not finite: {observed}")
    d = table[table[response].notna()].sort_values(compute)
    rows = []
    values = np.unique(d[compute].to_numpy())
    if cutoffs is not None:
        idx = np.searchsorted(values, np.asarray(cutoffs, float) * (1 + 1e-12), side="right") - 1
        values = np.unique(values[idx[idx >= 0]])
    for cmax in values:
        g = d[d[compute] <= cmax]
        if len(g) < min_points:
            continue
        try:
            res = fit(law_, **{v: g[c].to_numpy() for v, c in variables.items()},
                      **{law_.response: g[response].to_numpy()}, warn=False, **fit_kws)
        except ValueError:
            continue
        if res.n_points < min_points:
            continue
        pred = float(np.ravel(res.predict(**target))[0])
        # no covariance (a parameter unidentifiable): no interval, said in the table
        # each cutoff's own delta interval: calibrating it would nest a backtest inside the backtest
        lo, hi = (float(np.ravel(v)[0]) for v in prediction_bounds(res, level, "nan", (1,), "delta", **target)[:2])
        covered = bool(lo <= observed <= hi) if np.isfinite(lo) else None
        row = {"C_max": float(cmax), "n_points": res.n_points, **res.params, "predicted": pred, "lower": lo,
               "upper": hi, "covered": covered, "status": res.status.value}
        if law_.space in ("loss",):
            row["rel_error"] = abs(pred - observed) / observed
        else:
            row["rel_error"] = abs(np.log(pred) - np.log(observed)) / abs(np.log(observed))
        rows.append(row)
    return pd.DataFrame(rows)


def stabilisation_point(cutoffs, values, *, rtol: float = 0.1, reference: float | None = None) -> float:
    """The smallest cutoff from which every later value stays within ``rtol`` (relative) of ``reference``.

    ``reference`` defaults to the value at the largest cutoff (the fit on all the data). Returns NaN if even the last
    value is outside the band (only possible with an explicit reference). Used to say how many orders of magnitude
    below a target a law's parameters (or predictions) stop moving.
    """
    cutoffs, values = np.asarray(cutoffs, float), np.asarray(values, float)
    V.same_length({"cutoffs": cutoffs, "values": values})
    if cutoffs.size == 0:
        raise ValueError("no cutoffs")
    order = np.argsort(cutoffs)
    cutoffs, values = cutoffs[order], values[order]
    ref = values[-1] if reference is None else float(reference)
    inside = np.abs(values - ref) <= rtol * abs(ref)
    if not inside[-1]:
        return float("nan")
    # the last run of consecutive True values ending at the end
    outside = np.flatnonzero(~inside)
    start = 0 if outside.size == 0 else outside[-1] + 1
    return float(cutoffs[start])


#: The prediction routes :func:`compare_routes` knows, each a law (or composite law) and its options: laws in
#: compute alone, or the two-stage route through a proxy loss with either link.
ROUTE_LAWS = {"direct": ("direct", {}), "direct_qmax": ("direct_qmax", {}), "bnsl": ("bnsl", {}),
              "two_stage_linear": ("two_stage", {"link": "linear"}),
              "two_stage_logistic": ("two_stage", {"link": "logistic"})}
ROUTES = tuple(ROUTE_LAWS)


def _needs_proxy(route: str) -> bool:
    """A route whose law takes the proxy loss L as a variable (the two-stage route)."""
    return "L" in get_law(ROUTE_LAWS[route][0]).variables


def compare_routes(train: pd.DataFrame, test: pd.DataFrame, specs: pd.DataFrame, *, proxy=("dclm", "loss"),
                   routes=("direct", "two_stage_linear", "two_stage_logistic"), level: float = 0.95,
                   normalise: bool = False, filter_margin: float = 0.0, min_compute: float | None = None,
                   two_stage_filter: bool = True, interval: str = "calibrated"):
    """Predict held-out runs per benchmark by several routes fitted on the same runs, and score them.

    Routes: ``direct`` (Eq. 2, OLS), ``direct_qmax`` (Eq. 10, Huber), ``bnsl`` (Eq. 1, Huber) -- laws in compute
    alone -- and ``two_stage_linear`` / ``two_stage_logistic``: compute -> proxy loss -> accuracy
    (:func:`scalinglaws.two_stage.fit_two_stage`). The laws in compute are fitted on the training runs whose
    accuracy is at least ``filter_margin`` above chance (and strictly above it: the direct law cannot use the
    others) and whose compute is at least ``min_compute``; with ``normalise`` they fit the chance-normalised accuracy
    and predict raw accuracy. The two-stage routes fit raw accuracy on the same runs when ``two_stage_filter``
    (keeps the comparison like for like), else on every training run in the compute range (Krajewski et al.'s
    protocol: :attr:`scalinglaws.papers.krajewski.PROTOCOL.two_stage_filter`).

    Parameters
    ----------
    train, test : DataFrame
        Tidy runs (``run_id, C, benchmark, metric, value``, as :func:`scalinglaws.datasets.load_krajewski` or
        :func:`~scalinglaws.datasets.load_olmo_ladder` return) to fit on and to predict.
    specs : DataFrame
        Indexed by benchmark with ``metric``, ``chance`` and ``n_items``.
    proxy : (benchmark, metric)
        The rows holding each run's proxy loss for the two-stage route (e.g. ``("dclm", "loss")``).

    Returns
    -------
    summary : DataFrame
        One row per benchmark x route: ``median_abs_error``, ``max_abs_error``, ``binomial_se`` (median over the
        held-out runs), ``error_over_se``, ``coverage`` of the prediction interval (``interval``: calibrated by
        default, :func:`heldout_errors`; the two-stage routes' is always their delta interval), ``status`` (a
        :class:`~scalinglaws.FitStatus` value; ``failed`` when the route could not be fitted), ``reason``, ``n_fit``.
    points : DataFrame
        One row per benchmark x route x held-out run: ``observed, predicted, lower, upper, abs_error``; for the
        two-stage routes also the observed and predicted proxy loss and ``stage2_at_observed_loss`` (stage 2 fed the
        true loss), so that ``predicted - stage2_at_observed_loss`` is the part of the error that stage 1 caused.
    """

    unknown = set(routes) - set(ROUTES)
    if unknown:
        raise ValueError(f"unknown route(s) {sorted(unknown)}; known: {ROUTES}")
    loss_of = {}
    for name, t in (("train", train), ("test", test)):
        p = select(t, *proxy)
        if p.empty and any(map(_needs_proxy, routes)):
            raise ValueError(f"no proxy rows {proxy} in the {name} table")
        loss_of[name] = p.set_index("run_id")["value"]
    rows, pts = [], []
    for bench, spec in specs.iterrows():
        tr, te = select(train, bench, spec["metric"]), select(test, bench, spec["metric"])
        if te.empty:
            continue
        if any(map(_needs_proxy, routes)):
            tr = tr[tr["run_id"].isin(loss_of["train"].index)]
            te = te[te["run_id"].isin(loss_of["test"].index)]
        chance = float(spec["chance"])
        tr_law = filter_runs(tr, bench, chance, filter_margin, min_compute)
        tr_two = tr_law if two_stage_filter else filter_runs(tr, bench, -np.inf, 0.0, min_compute)
        Ct, Qt = te["C"].to_numpy(), te["value"].to_numpy()
        for route in routes:
            law, options = ROUTE_LAWS[route]
            try:
                if _needs_proxy(route):
                    C, Q = tr_two["C"].to_numpy(), tr_two["value"].to_numpy()
                    L = loss_of["train"].loc[tr_two["run_id"]].to_numpy()
                    Lt = loss_of["test"].loc[te["run_id"]].to_numpy()
                    res = fit(law, C=C, L=L, Q=Q, warn=False, **options)
                    pred = res.predict(Ct)
                    try:
                        lo, hi = res.interval(Ct, level=level)
                    except ValueError:
                        lo = hi = np.full(Ct.shape, np.nan)
                    p = points_table({"C": Ct}, Qt, pred, lo, hi, spec["n_items"]).assign(interval="delta",
                        loss_observed=Lt, loss_predicted=res.predict_loss(Ct),
                        stage2_at_observed_loss=res.stage2.predict(L=Lt))
                    n_fit = res.stage2.n_points
                else:
                    res = fit(law, C=tr_law["C"].to_numpy(), Q=tr_law["value"].to_numpy(),
                              chance=chance if normalise else 0.0, invalid="drop", warn=False, **options)
                    p = heldout_errors(res, Qt, spec["n_items"], level, missing_interval="nan", interval=interval,
                                       C=Ct)
                    n_fit = res.n_points
            except (ValueError, RuntimeError) as exc:
                rows.append({"benchmark": bench, "route": route, "status": "failed", "reason": str(exc)})
                continue
            p.insert(0, "run_id", te["run_id"].to_numpy())
            p.insert(0, "route", route)
            p.insert(0, "benchmark", bench)
            pts.append(p)
            rows.append({"benchmark": bench, "route": route, "status": str(res.status), "reason": res.reason,
                         "n_fit": n_fit,
                         **heldout_summary(p)})
    summary = pd.DataFrame(rows).set_index(["benchmark", "route"])
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame()
    return summary, points


def predict_heldout(train: pd.DataFrame, test: pd.DataFrame, specs: pd.DataFrame, *, law: str = "across_tpr",
                    variables=("N", "D"), level: float = 0.95, normalise: bool = False, filter_margin: float = 0.0,
                    min_compute: float | None = None, interval: str = "calibrated", **fit_kws):
    """Fit one law per benchmark on ``train`` and predict every run of ``test`` (e.g. a held-out TPR, or real
    targets beyond the ladder).

    The fit uses the training runs at least ``filter_margin`` above the benchmark's chance level (and strictly above
    it) and, when given, with compute at least ``min_compute`` (drops logged); with ``normalise`` it fits the
    chance-normalised accuracy and predicts raw accuracy. Krajewski et al.'s choices for these three are
    :func:`scalinglaws.papers.krajewski.heldout_options`. Returns ``(fits, summary, points)`` as
    :func:`extrapolate_benchmarks` does: ``summary`` has the fitted parameters, ``status``, ``n_fit``,
    ``median_abs_error``, ``binomial_se``, ``error_over_se`` and ``coverage``; ``points`` one row per benchmark x
    test run with ``run_id``, the variables, ``observed``, ``predicted``, ``lower``, ``upper``, ``abs_error`` and
    ``binomial_se``.
    """
    fits, rows, pts = {}, [], []
    for bench, spec in specs.iterrows():
        tr, te = select(train, bench, spec["metric"]), select(test, bench, spec["metric"])
        if te.empty:
            continue
        tr = filter_runs(tr, bench, float(spec["chance"]), filter_margin, min_compute)
        try:
            res = fit(law, **{v: tr[v].to_numpy() for v in variables}, Q=tr["value"].to_numpy(), invalid="drop",
                      chance=float(spec["chance"]) if normalise else 0.0, warn=False, **fit_kws)
        except (ValueError, RuntimeError) as exc:
            rows.append({"benchmark": bench, "status": "failed", "reason": str(exc)})
            continue
        fits[bench] = res
        p = heldout_errors(res, te["value"].to_numpy(), spec["n_items"], level, missing_interval="nan",
                           interval=interval, **{v: te[v].to_numpy() for v in variables})
        p.insert(0, "run_id", te["run_id"].to_numpy())
        p.insert(0, "benchmark", bench)
        pts.append(p)
        rows.append({"benchmark": bench, **res.params, **{f"se_{k}": v for k, v in res.stderr.items()},
                     "status": str(res.status), "reason": res.reason, "n_fit": res.n_points, **heldout_summary(p)})
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame()
    return fits, pd.DataFrame(rows).set_index("benchmark"), points


def backtest_summary(bt: pd.DataFrame, *, parameter: str, target_C: float, rtol: float = 0.1,
                     max_rel_error: float = 0.1) -> dict:
    """Summarise a :func:`backtest_law` table with the book's stability criteria.

    Returns the prediction with the full pool (last cutoff) and its relative error and coverage, the share of cutoffs
    whose interval covers the target, and two distances below the target in orders of magnitude,
    ``log10(target_C / C_max)``: from where ``parameter`` stays within ``rtol`` of its full-pool value
    (:func:`stabilisation_point`), and from where the relative error stays at or below ``max_rel_error`` for every
    larger cutoff (NaN if it never does).
    """
    if bt.empty:
        raise ValueError("empty backtest table")
    bt = bt.sort_values("C_max")
    ok = (bt["rel_error"] <= max_rel_error).to_numpy()
    stays = np.flip(np.logical_and.accumulate(np.flip(ok)))
    c_err = float(bt["C_max"].to_numpy()[stays].min()) if stays.any() else np.nan
    c_par = stabilisation_point(bt["C_max"], bt[parameter], rtol=rtol)
    last = bt.iloc[-1]
    return {"predicted (full pool)": float(last["predicted"]), "rel error (full pool)": float(last["rel_error"]),
            "covered (full pool)": last["covered"],
            "share of cutoffs covered": float(bt["covered"].fillna(False).astype(bool).mean()),
            "parameter": parameter, "parameter (full pool)": float(last[parameter]),
            "orders: parameter stable": float(np.log10(target_C / c_par)),
            f"orders: error <= {max_rel_error:.0%}": (float(np.log10(target_C / c_err)) if np.isfinite(c_err)
                                                       else np.nan),
            "cutoffs": len(bt)}
