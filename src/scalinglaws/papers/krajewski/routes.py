"""The paper's main table: every route fitted per benchmark under the protocol and scored on the held-out runs,
with the analyses of why the routes differ (BNSL optima, Eq. 10's reduction, the two-stage decomposition)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ... import fitting
from ...backtest import binomial_se
from ...datasets import select
from ...metrics import r_squared
from ...two_stage import fit_two_stage
from .. import paper_value, vary
from ..bnsl_authors import fit_bnsl_authors
from .protocol import (
    PROTOCOL,
    ROUTES,
    TWO_STAGE_LINKS,
    VARIANTS,
    KrajewskiProtocol,
    benchmark_specs,
    fit_mask,
    ladder,
    random_levels,
)

logger = logging.getLogger("scalinglaws")


# ---------------------------------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fitted:
    """A fitted route: ``predict(C)`` gives accuracy; ``C``, ``Q`` the fitted runs; ``fit`` the underlying result."""

    route: str
    predict: object
    C: np.ndarray
    Q: np.ndarray
    status: str
    fit: object = None


def fit_route(protocol: KrajewskiProtocol, route: str, C, Q, q_random: float, L=None) -> _Fitted:
    """Fit one route on a benchmark's runs under the protocol (the fitted runs are chosen here, by :func:`fit_mask`).

    Routes: ``direct`` (Eq. 2), ``bnsl`` (Eq. 1 as ``protocol.bnsl_fit`` says), ``bnsl_ours`` / ``bnsl_authors`` /
    ``bnsl_authors_neglog`` (Eq. 1 one way or the other; the last is the authors' optimiser on -log Q'),
    ``direct_qmax`` (Eq. 10), ``direct_huber`` (Eq. 2 with Eq. 10's Huber objective), ``two_stage_linear`` and
    ``two_stage_logistic`` (need the proxy loss ``L`` of every run). ``ValueError`` if it cannot be fitted.
    """
    C, Q = np.asarray(C, float), np.asarray(Q, float)
    chance = q_random if protocol.normalise else 0.0
    if route == "bnsl":
        route = "bnsl_authors" if protocol.bnsl_fit == "authors" else "bnsl_ours"
    two_stage = route in TWO_STAGE_LINKS
    keep = fit_mask(protocol, C, Q, q_random, filtered=not two_stage or protocol.two_stage_filter)
    Cf, Qf = C[keep], Q[keep]
    if route == "direct":
        res = fitting.fit("direct", C=Cf, Q=Qf, chance=chance, loss=protocol.direct_objective, invalid="drop",
                          warn=False)
        return _Fitted(route, lambda c: res.predict(C=c), Cf, Qf, res.status.value, res)
    if route in ("direct_qmax", "direct_huber"):
        res = fitting.fit("direct_qmax" if route == "direct_qmax" else "direct", C=Cf, Q=Qf, chance=chance,
                          loss=protocol.qmax_objective, invalid="drop", warn=False)
        return _Fitted(route, lambda c: res.predict(C=c), Cf, Qf, res.status.value, res)
    if route == "bnsl_ours":
        res = fitting.fit("bnsl", C=Cf, Q=Qf, chance=chance, invalid="drop", warn=False)
        return _Fitted(route, lambda c: res.predict(C=c), Cf, Qf, res.status.value, res)
    if route in ("bnsl_authors", "bnsl_authors_neglog"):
        ok = (Qf > chance) & (Qf < 1)
        res = _bnsl_authors_cached(tuple(Cf[ok]), tuple(Qf[ok]), "accuracy" if route == "bnsl_authors" else "neglog",
                                   chance, protocol.bnsl_starts, protocol.bnsl_hops)
        return _Fitted(route, res.predict, Cf[ok], Qf[ok], "converged", res)
    if two_stage:
        if L is None:
            raise ValueError(f"{route}: needs the proxy loss of every run")
        L = np.asarray(L, float)
        res = fit_two_stage(Cf, L[keep], Qf, link=TWO_STAGE_LINKS[route], warn=False)
        return _Fitted(route, res.predict, Cf, Qf, res.status.value, res)
    raise ValueError(f"unknown route {route!r}; known: {ROUTES + VARIANTS}")


@lru_cache(maxsize=256)
def _bnsl_authors_cached(C: tuple, Q: tuple, space: str, chance: float, n_starts: int, n_hops: int):
    """The authors' BNSL procedure is the slow part of the main table (seconds per benchmark): a chapter that shows
    the table and the BNSL optima fits each benchmark once."""
    return fit_bnsl_authors(np.array(C), np.array(Q), space=space, chance=chance, n_starts=n_starts, n_hops=n_hops)


def _scores(fitted: _Fitted, C_held, Q_held, n_items: float) -> dict:
    pred_held = np.asarray(fitted.predict(C_held), float)
    se = binomial_se(np.clip(Q_held, 1e-9, 1 - 1e-9), np.full(len(Q_held), float(n_items)))
    pred_fit = np.asarray(fitted.predict(fitted.C), float)
    resid = pred_fit - fitted.Q
    return {"n_fit": int(fitted.C.size), "n_heldout": int(len(C_held)),
            "mre": float(np.mean(np.abs(pred_held - Q_held) / Q_held)),
            "mae": float(np.mean(np.abs(pred_held - Q_held))),
            "rmse": float(np.sqrt(np.mean(resid**2))),
            "r2": r_squared(fitted.Q, pred_fit),
            "error_over_se": float(np.median(np.abs(pred_held - Q_held)) / np.median(se)),
            "status": fitted.status, "reason": ""}


def extrapolation(protocol: KrajewskiProtocol = PROTOCOL, routes=ROUTES, table: pd.DataFrame | None = None):
    """Fit every route per benchmark below ``split_compute`` and score it on the larger runs (the paper's main
    table, per benchmark).

    Returns
    -------
    detail : DataFrame
        Indexed by (benchmark, route): ``n_fit, n_heldout, mre, mae, rmse, r2, error_over_se, status, reason`` (see
        the module docstring for the metrics; ``error_over_se`` is the median absolute held-out error over the
        median binomial standard error of the held-out runs, the benchmark's own noise). A route that cannot be
        fitted has NaN scores, ``status = "failed"`` and the ``reason``.
    points : DataFrame
        One row per benchmark x route x held-out run: ``C, observed, predicted``.
    """
    table = ladder(protocol) if table is None else table
    specs, q = benchmark_specs(protocol), random_levels(protocol, table)
    loss = select(table, *protocol.proxy)
    loss = loss.set_index("run_id")["value"]
    rows, pts = [], []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        if any(r in TWO_STAGE_LINKS for r in routes):
            d = d[d["run_id"].isin(loss.index)]
        C, Q = d["C"].to_numpy(), d["value"].to_numpy()
        L = loss.reindex(d["run_id"]).to_numpy() if not loss.empty else None
        held = C > protocol.split_compute
        for route in routes:
            try:
                fitted = fit_route(protocol, route, C, Q, float(q[bench]), L=L)
                row = _scores(fitted, C[held], Q[held], spec["n_items"])
            except (ValueError, RuntimeError) as exc:
                logger.info("krajewski %s %s: not fitted: %s", bench, route, exc)
                rows.append({"benchmark": bench, "route": route, "status": "failed", "reason": str(exc)})
                continue
            rows.append({"benchmark": bench, "route": route, **row})
            pts.append(pd.DataFrame({"benchmark": bench, "route": route, "C": C[held], "observed": Q[held],
                                     "predicted": fitted.predict(C[held])}))
    detail = pd.DataFrame(rows).set_index(["benchmark", "route"])
    return detail, (pd.concat(pts, ignore_index=True) if pts else pd.DataFrame())


def main_table(protocol: KrajewskiProtocol = PROTOCOL, detail: pd.DataFrame | None = None, routes=ROUTES):
    """The paper's main table: per route, the mean over benchmarks of MRE, MAE, RMSE and R² (ours) beside the
    paper's, and how many benchmarks were fitted. ``detail`` is :func:`extrapolation`'s first frame."""
    if detail is None:
        detail = extrapolation(protocol, routes)[0]
    rows = []
    for route in routes:
        d = detail.xs(route, level="route")
        row = {"route": route, "benchmarks": int(d["mre"].notna().sum())}
        for m in ("mre", "mae", "rmse", "r2"):
            row[m] = float(d[m].mean())
            key = f"{route}_{m}"
            try:
                row[f"paper_{m}"] = paper_value("krajewski", key)
            except KeyError:
                row[f"paper_{m}"] = np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("route")


def sensitivity(protocol: KrajewskiProtocol = PROTOCOL, routes=("direct",), **alternatives) -> pd.DataFrame:
    """One protocol field varied at a time: per route, the main-table means (MRE, MAE), GSM8K's MRE, and the worst
    benchmark. ``sensitivity(P, filter_margin=[0, 0.1], normalise=[False])``; the protocol itself is the first row.
    A variant that cannot be computed on the data (e.g. an empirical random level with no run small enough) has NaN
    numbers and the reason in ``note``."""
    rows = []
    for field, value, p in vary(protocol, **alternatives):
        try:
            detail, _ = extrapolation(p, routes)
        except ValueError as exc:  # a variant that cannot be computed on this data says why
            rows += [{"field": field, "value": _label(value), "route": route, "note": str(exc)} for route in routes]
            continue
        main = main_table(p, detail, routes)
        for route in routes:
            per = detail.xs(route, level="route")["mre"]
            rows.append({"field": field, "value": _label(value), "route": route, "benchmarks": len(per),
                         "mre": main.loc[route, "mre"], "mae": main.loc[route, "mae"],
                         "gsm8k_mre": float(per.get("gsm8k_cot_llama", np.nan)),
                         "worst": per.idxmax(), "worst_mre": float(per.max()), "note": ""})
    return pd.DataFrame(rows).set_index(["field", "value", "route"])


def _label(value) -> str:
    if isinstance(value, tuple) and len(value) > 4:
        return f"{len(value)} benchmarks"
    if isinstance(value, tuple):
        return "/".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def bnsl_optima(protocol: KrajewskiProtocol = PROTOCOL, ways=("bnsl_authors", "bnsl_ours"), benchmarks=None
                ) -> pd.DataFrame:
    """Eq. 1 fitted several ways on each benchmark (default: all of the protocol's): the authors' procedure on
    accuracy (``bnsl_authors``, as their script), the same procedure on -log Q' (``bnsl_authors_neglog``), and our
    engine on -log Q' (``bnsl_ours``). Per benchmark x way: held-out MRE, where the break d1 lies
    (log10 FLOPs; inside the fitted range or not), how far the optimiser moved it from its start (decades, for the
    authors' procedure), and the fitted accuracy span."""
    table, specs = ladder(protocol), benchmark_specs(protocol)
    q = random_levels(protocol, table)
    if benchmarks is not None:
        specs = specs.loc[list(benchmarks)]
    rows = []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        C, Q = d["C"].to_numpy(), d["value"].to_numpy()
        held = C > protocol.split_compute
        for way in ways:
            try:
                fitted = fit_route(protocol, way, C, Q, float(q[bench]))
            except (ValueError, RuntimeError) as exc:
                rows.append({"benchmark": bench, "way": way, "status": "failed", "reason": str(exc)})
                continue
            res = fitted.fit
            d1 = res.params["d1"]
            moved = res.d1_moved if way != "bnsl_ours" else np.nan
            rows.append({"benchmark": bench, "way": way, "status": fitted.status, "reason": "",
                         "mre": float(np.mean(np.abs(fitted.predict(C[held]) - Q[held]) / Q[held])),
                         "log10_d1": float(np.log10(d1)) if d1 > 0 else np.nan,
                         "break_inside": bool(fitted.C.min() <= d1 <= fitted.C.max()),
                         "d1_moved_decades": moved,
                         "prediction_span": float(np.ptp(fitted.predict(fitted.C)))})
    return pd.DataFrame(rows).set_index(["benchmark", "way"])


def two_stage_decomposition(protocol: KrajewskiProtocol = PROTOCOL) -> pd.DataFrame:
    """Where the two-stage error comes from: per benchmark x link, at the held-out runs, the median absolute error
    of the chained prediction (``error``), of stage 2 handed each run's *observed* loss (``stage2_alone``), the part
    stage 1's extrapolated loss adds (``from_stage1``: the absolute difference of the chained prediction and stage 2
    at the observed loss), and stage 1's median relative loss error (signed: negative when it underestimates the
    loss)."""
    table, specs = ladder(protocol), benchmark_specs(protocol)
    q = random_levels(protocol, table)
    loss = select(table, *protocol.proxy)
    loss = loss.set_index("run_id")["value"]
    rows = []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        d = d[d["run_id"].isin(loss.index)]
        C, Q, L = d["C"].to_numpy(), d["value"].to_numpy(), loss.reindex(d["run_id"]).to_numpy()
        held = C > protocol.split_compute
        for link in ("linear", "logistic"):
            try:
                res = fit_route(protocol, f"two_stage_{link}", C, Q, float(q[bench]), L=L).fit
            except (ValueError, RuntimeError):
                continue
            chained = res.predict(C[held])
            at_true = res.stage2.predict(L=L[held])
            rows.append({"benchmark": bench, "link": link, "error": float(np.median(np.abs(chained - Q[held]))),
                         "stage2_alone": float(np.median(np.abs(at_true - Q[held]))),
                         "from_stage1": float(np.median(np.abs(chained - at_true))),
                         "loss_rel_error": float(np.median((res.predict_loss(C[held]) - L[held]) / L[held]))})
    return pd.DataFrame(rows).set_index(["benchmark", "link"])


def qmax_reduction(protocol: KrajewskiProtocol = PROTOCOL, negligible: float = 1e-3) -> pd.DataFrame:
    """Eq. 10 against the direct law it contains. Per benchmark: Q_max = exp(-E), E, whether the fit *reduces to*
    the direct law (E < ``negligible``, i.e. Q_max > 0.999: then Eq. 10 is Eq. 2 fitted with a Huber objective), its
    status, and the held-out MRE of Eq. 10, of Eq. 2 fitted with the same Huber objective, and of Eq. 2 fitted by
    OLS -- so the objective's effect is seen on its own."""
    detail, _ = extrapolation(protocol, ("direct", "direct_huber", "direct_qmax"))
    table, specs = ladder(protocol), benchmark_specs(protocol)
    q = random_levels(protocol, table)
    rows = []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        try:
            res = fit_route(protocol, "direct_qmax", d["C"].to_numpy(), d["value"].to_numpy(), float(q[bench])).fit
        except (ValueError, RuntimeError):
            continue
        rows.append({"benchmark": bench, "Q_max": float(np.exp(-res.params["E"])), "E": res.params["E"],
                     "reduces_to_direct": bool(res.params["E"] < negligible), "status": res.status.value,
                     "mre_qmax": detail.loc[(bench, "direct_qmax"), "mre"],
                     "mre_direct_huber": detail.loc[(bench, "direct_huber"), "mre"],
                     "mre_direct_ols": detail.loc[(bench, "direct"), "mre"]})
    return pd.DataFrame(rows).set_index("benchmark")
