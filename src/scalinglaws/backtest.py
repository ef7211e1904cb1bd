"""Extrapolation checks: fit below a compute threshold, compare the law's predictions with the held-out runs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from . import _validate as V
from .datasets.schema import select
from .fitting import fit
from .heldout import binomial_se, evaluate, heldout_errors, heldout_summary, relative_error, summarise  # noqa: F401
from .laws import get_law
from .routes import ROUTES as _REGISTRY
from .routes import route as _route

logger = logging.getLogger("scalinglaws")

__all__ = ["binomial_se", "heldout_errors", "heldout_summary", "backtest_law", "stabilisation_point",
           "compare_routes", "step_errors", "ROUTES", "predict_heldout", "backtest_summary", "filter_runs"]


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
        interval), ``covered``, ``status``, ``rel_error`` (:math:`|\\hat y - y| / y`, the relative error of the
        whole library) and ``neglog_rel_error``, the relative error on the :math:`-\\log` scale,
        :math:`|\\log\\hat y - \\log y| / |\\log y|` (Schaeffer et al.'s measure for pass@k; for a law in loss it
        is ``rel_error``).
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
        # each cutoff's own delta interval (calibrating it would nest a backtest inside the backtest); without a
        # covariance (a parameter unidentifiable) no interval, said in the table
        pt = evaluate(res, [observed], level=level, interval="delta",
                      **{k: np.ravel(v)[:1] for k, v in target.items()}).iloc[0]
        pred = float(pt["predicted"])
        covered = bool(pt["covered"]) if np.isfinite(pt["covered"]) else None
        row = {"C_max": float(cmax), "n_points": res.n_points, **res.params, "predicted": pred,
               "lower": float(pt["lower"]), "upper": float(pt["upper"]), "covered": covered,
               "status": res.status.value, "rel_error": float(pt["rel_error"])}
        row["neglog_rel_error"] = (row["rel_error"] if law_.space == "loss"
                                   else float(relative_error(-np.log(pred), -np.log(observed))))
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


#: The routes :func:`compare_routes` knows: every route of the registry (:data:`scalinglaws.routes.ROUTES`) that
#: predicts accuracy from compute or from parameters and tokens, alone or through a loss.
ROUTES = tuple(name for name, r in _REGISTRY.items()
               if set(r.predict_variables) <= {"C", "N", "D"} and r.response == "Q")
#: A task's log-likelihood of the correct answer becomes a loss by its sign.
_TASK_LOSS_SIGN = {"loglikelihood": -1.0}


def compare_routes(train: pd.DataFrame, test: pd.DataFrame, specs: pd.DataFrame, *, proxy=("dclm", "loss"),
                   routes=("direct", "two_stage_linear", "two_stage_logistic"), level: float = 0.95,
                   normalise: bool = False, filter_margin: float = 0.0, min_compute: float | None = None,
                   two_stage_filter: bool = True, interval: str = "backtest", task_loss: str | None = None):
    """Predict held-out runs per benchmark by several routes fitted on the same runs, and score them.

    Routes: any of :data:`ROUTES`, the registry's routes (:mod:`scalinglaws.routes`) that predict accuracy from
    compute -- laws in compute alone (``direct``, ``direct_qmax``, ``bnsl``, ``bnsl_authors``) and the chained ones
    through the proxy loss (``two_stage_linear`` / ``two_stage_logistic``, ``olmo_chained_flops``).
    The laws in compute are fitted on the training runs whose
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
        The rows holding each run's validation loss, for the routes through it (the two-stage routes), e.g.
        ``("dclm", "loss")``.
    task_loss : str, optional
        The metric holding each benchmark's own loss, for the routes through it (the OLMo ladder's): ``"bpb"`` (bits
        per byte of the correct answer) or ``"loglikelihood"`` (of the correct answer; its negative is the loss).

    Returns
    -------
    summary : DataFrame
        One row per benchmark x route: ``status`` (a :class:`~scalinglaws.FitStatus` value; ``failed`` when the
        route could not be fitted), ``reason``, ``n_fit`` and the scores of :func:`scalinglaws.heldout.summarise`
        (``interval``: ``backtest`` by default for a single law, :func:`~scalinglaws.heldout.evaluate`; a chained
        route's is its delta interval).
    points : DataFrame
        One row per benchmark x route x held-out run (:func:`~scalinglaws.heldout.evaluate`'s columns); for the
        chained routes also the observed and predicted proxy loss and ``stage2_at_observed_loss`` (stage 2 fed the
        true loss), so that ``predicted - stage2_at_observed_loss`` is the part of the error that stage 1 caused.
    """

    unknown = set(routes) - set(ROUTES)
    if unknown:
        raise ValueError(f"unknown route(s) {sorted(unknown)}; known: {ROUTES}")
    kind = {name: _route(name).proxy for name in routes}
    if "task" in kind.values() and task_loss is None:
        raise ValueError(f"route(s) {[n for n, k in kind.items() if k == 'task']} need each task's own loss: "
                         "pass task_loss (e.g. 'bpb')")
    loss_of = {}
    for name, t in (("train", train), ("test", test)):
        p = select(t, *proxy)
        if p.empty and "validation" in kind.values():
            raise ValueError(f"no proxy rows {proxy} in the {name} table")
        loss_of[name] = p.set_index("run_id")["value"]
    sign = _TASK_LOSS_SIGN.get(task_loss, 1.0)
    rows, pts = [], []
    for bench, spec in specs.iterrows():
        tr, te = select(train, bench, spec["metric"]), select(test, bench, spec["metric"])
        if te.empty:
            continue
        losses = {"validation": loss_of}
        if "task" in kind.values():
            losses["task"] = {n: sign * select(t, bench, task_loss).set_index("run_id")["value"]
                              for n, t in (("train", train), ("test", test))}
        for k in set(kind.values()) - {""}:  # runs with every loss some route needs
            tr = tr[tr["run_id"].isin(losses[k]["train"].index)]
            te = te[te["run_id"].isin(losses[k]["test"].index)]
        chance = float(spec["chance"])
        tr_law = filter_runs(tr, bench, chance, filter_margin, min_compute)
        tr_two = tr_law if two_stage_filter else filter_runs(tr, bench, -np.inf, 0.0, min_compute)
        Qt = te["value"].to_numpy()
        for name in routes:
            r = _route(name)
            runs = tr_two if kind[name] else tr_law
            data = {v: runs[v].to_numpy() for v in r.predict_variables} | {"Q": runs["value"].to_numpy()}
            if kind[name]:
                data["L"] = losses[kind[name]]["train"].loc[runs["run_id"]].to_numpy()
            at = {v: te[v].to_numpy() for v in r.predict_variables}
            try:
                res = r.fit(chance=chance if normalise and not kind[name] else 0.0, **data)
                p = evaluate(res, Qt, n_items=spec["n_items"], level=level, interval=interval, **at)
            except (ValueError, RuntimeError) as exc:
                rows.append({"benchmark": bench, "route": name, "status": "failed", "reason": str(exc)})
                continue
            if kind[name]:
                Lt = losses[kind[name]]["test"].loc[te["run_id"]].to_numpy()
                p = p.assign(loss_observed=Lt, loss_predicted=res.predict_loss(**at),
                             stage2_at_observed_loss=res.stage2.predict(L=Lt))
            if "C" not in p:
                p.insert(0, "C", te["C"].to_numpy())
            p.insert(0, "run_id", te["run_id"].to_numpy())
            p.insert(0, "route", name)
            p.insert(0, "benchmark", bench)
            pts.append(p)
            rows.append({"benchmark": bench, "route": name, "status": str(res.status), "reason": res.reason,
                         "n_fit": res.n_points, **summarise(p, level=level)})
    summary = pd.DataFrame(rows).set_index(["benchmark", "route"])
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame()
    return summary, points


def step_errors(points: pd.DataFrame) -> pd.DataFrame:
    """Where a chained route's error arises, from :func:`compare_routes`'s points of its chained routes: per row,
    the relative error (:math:`|\\hat y - y| / y`) of step 1 (``step1_rel_error``: the predicted loss against the
    observed), of step 2 alone (``step2_rel_error``: accuracy predicted from the *observed* loss) and of the chain
    (``rel_error``), with the observed and predicted values beside them. Rows of routes with no loss are dropped."""
    need = {"loss_observed", "loss_predicted", "stage2_at_observed_loss", "observed", "predicted"}
    if not need <= set(points.columns):
        raise ValueError(f"step_errors needs compare_routes points of a chained route (columns {sorted(need)})")
    p = points.dropna(subset=["loss_predicted"])
    keep = [c for c in ("benchmark", "route", "run_id") if c in p]
    return p[keep].assign(
        loss_observed=p["loss_observed"], loss_predicted=p["loss_predicted"],
        step1_rel_error=relative_error(p["loss_predicted"], p["loss_observed"]),
        observed=p["observed"], step2_predicted=p["stage2_at_observed_loss"],
        step2_rel_error=relative_error(p["stage2_at_observed_loss"], p["observed"]),
        predicted=p["predicted"], rel_error=p["rel_error"])


def predict_heldout(train: pd.DataFrame, test: pd.DataFrame, specs: pd.DataFrame, *, law: str = "across_tpr",
                    variables=("N", "D"), level: float = 0.95, normalise: bool = False, filter_margin: float = 0.0,
                    min_compute: float | None = None, interval: str = "backtest", **fit_kws):
    """Fit one law per benchmark on ``train`` and predict every run of ``test`` (e.g. a held-out TPR, or real
    targets beyond the ladder).

    The fit uses the training runs at least ``filter_margin`` above the benchmark's chance level (and strictly above
    it) and, when given, with compute at least ``min_compute`` (drops logged); with ``normalise`` it fits the
    chance-normalised accuracy and predicts raw accuracy. Krajewski et al.'s choices for these three are
    :func:`scalinglaws.papers.krajewski.heldout_options`. Returns ``(fits, summary, points)`` as
    :func:`compare_routes` does: ``summary`` has the fitted parameters, ``status``, ``n_fit`` and the scores of
    :func:`scalinglaws.heldout.summarise`; ``points`` one row per benchmark x
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
        p = evaluate(res, te["value"].to_numpy(), n_items=spec["n_items"], level=level, interval=interval,
                     **{v: te[v].to_numpy() for v in variables})
        p.insert(0, "run_id", te["run_id"].to_numpy())
        p.insert(0, "benchmark", bench)
        pts.append(p)
        rows.append({"benchmark": bench, **res.params, **{f"se_{k}": v for k, v in res.stderr.items()},
                     "status": str(res.status), "reason": res.reason, "n_fit": res.n_points,
                     **summarise(p, level=level)})
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame()
    return fits, pd.DataFrame(rows).set_index("benchmark"), points


def backtest_summary(bt: pd.DataFrame, *, parameter: str, target_C: float, rtol: float = 0.1,
                     max_rel_error: float = 0.1, error: str = "neglog_rel_error") -> dict:
    """Summarise a :func:`backtest_law` table with the book's stability criteria.

    Returns the prediction with the full pool (last cutoff) and its relative error and coverage, the share of cutoffs
    whose interval covers the target, and two distances below the target in orders of magnitude,
    ``log10(target_C / C_max)``: from where ``parameter`` stays within ``rtol`` of its full-pool value
    (:func:`stabilisation_point`), and from where the relative error stays at or below ``max_rel_error`` for every
    larger cutoff (NaN if it never does). ``error`` names the error column: Schaeffer et al.'s relative error on the
    :math:`-\\log` scale by default, or ``rel_error``; the keys carry its name.
    """
    if bt.empty:
        raise ValueError("empty backtest table")
    bt = bt.sort_values("C_max")
    if error not in ("neglog_rel_error", "rel_error"):
        raise ValueError(f"error must be 'neglog_rel_error' or 'rel_error', got {error!r}")
    ok = (bt[error] <= max_rel_error).to_numpy()
    stays = np.flip(np.logical_and.accumulate(np.flip(ok)))
    c_err = float(bt["C_max"].to_numpy()[stays].min()) if stays.any() else np.nan
    c_par = stabilisation_point(bt["C_max"], bt[parameter], rtol=rtol)
    last = bt.iloc[-1]
    return {"predicted (full pool)": float(last["predicted"]), f"{error} (full pool)": float(last[error]),
            "covered (full pool)": last["covered"],
            "share of cutoffs covered": float(bt["covered"].fillna(False).astype(bool).mean()),
            "parameter": parameter, "parameter (full pool)": float(last[parameter]),
            "orders: parameter stable": float(np.log10(target_C / c_par)),
            f"orders: {error} <= {max_rel_error:.0%}": (float(np.log10(target_C / c_err)) if np.isfinite(c_err)
                                                       else np.nan),
            "cutoffs": len(bt)}
