"""The paper's main table: every route fitted per benchmark under the protocol and scored on the held-out runs,
with the analyses of why the routes differ (BNSL optima, Eq. 10's reduction, the two-stage decomposition)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import fitting
from ...backtest import binomial_se
from ...datasets import select
from ...metrics import r_squared
from ...two_stage import fit_two_stage
from .. import paper_value, vary
from ..bnsl_authors import AuthorsBNSLSeeds, fit_bnsl_authors_seeds, prefetch_seeds
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
    """A fitted route: ``predict(C)`` gives accuracy; ``C``, ``Q`` the fitted runs; ``fit`` the underlying result.
    For the authors' BNSL procedure, run once per seed, ``predict`` returns one row per seed (shape ``(seeds, n)``)
    and ``fit`` is the :class:`~scalinglaws.papers.bnsl_authors.AuthorsBNSLSeeds`."""

    route: str
    predict: object
    C: np.ndarray
    Q: np.ndarray
    status: str
    fit: object = None

    @property
    def seeded(self) -> bool:
        return isinstance(self.fit, AuthorsBNSLSeeds)


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
        Ca, Qa, call = _authors_call(protocol, route, Cf, Qf, chance)
        res = fit_bnsl_authors_seeds(Ca, Qa, **call)
        return _Fitted(route, res.predict, Ca, Qa, "converged", res)
    if two_stage:
        if L is None:
            raise ValueError(f"{route}: needs the proxy loss of every run")
        L = np.asarray(L, float)
        res = fit_two_stage(Cf, L[keep], Qf, link=TWO_STAGE_LINKS[route], warn=False)
        return _Fitted(route, res.predict, Cf, Qf, res.status.value, res)
    raise ValueError(f"unknown route {route!r}; known: {ROUTES + VARIANTS}")


def _authors_call(protocol: KrajewskiProtocol, route: str, Cf, Qf, chance: float):
    """The runs and keywords of the authors' BNSL procedure on a benchmark's fitted runs (shared by
    :func:`fit_route` and :func:`_prefetch_authors`, so that both ask the results cache the same question)."""
    ok = (Qf > chance) & (Qf < 1)
    return Cf[ok], Qf[ok], {"space": "accuracy" if route == "bnsl_authors" else "neglog", "chance": chance,
                            "n_starts": protocol.bnsl_starts, "n_hops": protocol.bnsl_hops,
                            "seeds": protocol.bnsl_seeds, "n_jobs": jobs()}


def _prefetch_authors(protocol: KrajewskiProtocol, routes, table=None) -> None:
    """Run the authors' BNSL procedure for every benchmark and seed the ``routes`` ask for in one pool of workers
    (:func:`~scalinglaws.papers.bnsl_authors.prefetch_seeds`); the per-benchmark calls then read the cache."""
    wanted = {_resolve(protocol, r) for r in routes} & {"bnsl_authors", "bnsl_authors_neglog"}
    if not wanted:
        return
    table = ladder(protocol) if table is None else table
    specs, q = benchmark_specs(protocol), random_levels(protocol, table)
    problems = []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        C, Q = d["C"].to_numpy(), d["value"].to_numpy()
        keep = fit_mask(protocol, C, Q, float(q[bench]))
        chance = float(q[bench]) if protocol.normalise else 0.0
        problems += [_authors_call(protocol, r, C[keep], Q[keep], chance) for r in sorted(wanted)]
    prefetch_seeds(problems, n_jobs=jobs())


def jobs() -> int:
    """Worker processes for the seeds of the authors' BNSL procedure: ``SCALINGLAWS_JOBS`` (default 1; the
    Makefile sets 2). The results do not depend on it."""
    text = os.environ.get("SCALINGLAWS_JOBS", "1").strip() or "1"
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"SCALINGLAWS_JOBS must be a positive integer, got {text!r}") from None
    if n < 1:
        raise ValueError(f"SCALINGLAWS_JOBS must be a positive integer, got {n}")
    return n


def _seed_scores(fitted: _Fitted, C_held, Q_held, n_items: float) -> pd.DataFrame:
    """Held-out and in-sample scores, one row per seed (one row for a deterministic route)."""
    pred_held = np.atleast_2d(np.asarray(fitted.predict(C_held), float))
    pred_fit = np.atleast_2d(np.asarray(fitted.predict(fitted.C), float))
    se = binomial_se(np.clip(Q_held, 1e-9, 1 - 1e-9), np.full(len(Q_held), float(n_items)))
    err = np.abs(pred_held - Q_held)
    return pd.DataFrame({"mre": np.mean(err / Q_held, axis=1), "mae": np.mean(err, axis=1),
                         "rmse": np.sqrt(np.mean((pred_fit - fitted.Q) ** 2, axis=1)),
                         "r2": [r_squared(fitted.Q, p) for p in pred_fit],
                         "error_over_se": np.median(err, axis=1) / np.median(se),
                         "span": np.ptp(pred_fit, axis=1)})


def _scores(fitted: _Fitted, C_held, Q_held, n_items: float) -> dict:
    """A route's row of :func:`extrapolation`: for a seeded route the median over seeds of each score, with the
    number of seeds and the range of the MRE over them."""
    per = _seed_scores(fitted, C_held, Q_held, n_items)
    row = {"n_fit": int(fitted.C.size), "n_heldout": int(len(C_held)),
           **{m: float(per[m].median()) for m in ("mre", "mae", "rmse", "r2", "error_over_se")},
           "seeds": len(per) if fitted.seeded else np.nan,
           "mre_min": float(per["mre"].min()) if fitted.seeded else np.nan,
           "mre_max": float(per["mre"].max()) if fitted.seeded else np.nan,
           "status": fitted.status, "reason": ""}
    return row


def extrapolation(protocol: KrajewskiProtocol = PROTOCOL, routes=ROUTES, table: pd.DataFrame | None = None):
    """Fit every route per benchmark below ``split_compute`` and score it on the larger runs (the paper's main
    table, per benchmark).

    Returns
    -------
    detail : DataFrame
        Indexed by (benchmark, route): ``n_fit, n_heldout, mre, mae, rmse, r2, error_over_se, seeds, mre_min,
        mre_max, status, reason``. MRE and MAE are held-out errors on raw accuracy (``mre`` a fraction, ``mae`` in
        accuracy), RMSE and R² in-sample; ``error_over_se`` is the median absolute held-out error over the median
        binomial standard error of the held-out runs, the benchmark's own noise. For the authors' BNSL procedure,
        which is run once per seed (``protocol.bnsl_seeds``), each score is the **median over seeds**, ``seeds``
        counts them and ``mre_min`` / ``mre_max`` give the MRE's range; these three are NaN for the deterministic
        routes. A route that cannot be fitted has NaN scores, ``status = "failed"`` and the ``reason``. A fit whose
        parameters the data do not determine (``status = "not_identified"``,
        :data:`scalinglaws.fitting.UNIDENTIFIED_SE`) is scored, as the paper scores every fit, with the reason; its
        predictions rest on where the optimiser stopped, and :func:`main_table` and :func:`sensitivity` count such
        fits and give the mean over the identified ones beside the mean over all.
    points : DataFrame
        One row per benchmark x route x held-out run: ``C, observed, predicted`` (the median over seeds for a
        seeded route).
    """
    table = ladder(protocol) if table is None else table
    specs, q = benchmark_specs(protocol), random_levels(protocol, table)
    _prefetch_authors(protocol, routes, table)
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
            if fitted.status not in ("converged", "failed") and not fitted.seeded:
                row["reason"] = fitted.fit.reason
            rows.append({"benchmark": bench, "route": route, **row})
            pred = np.atleast_2d(fitted.predict(C[held]))
            pts.append(pd.DataFrame({"benchmark": bench, "route": route, "C": C[held], "observed": Q[held],
                                     "predicted": np.median(pred, axis=0)}))
    detail = pd.DataFrame(rows).set_index(["benchmark", "route"])
    return detail, (pd.concat(pts, ignore_index=True) if pts else pd.DataFrame())


def main_table(protocol: KrajewskiProtocol = PROTOCOL, detail: pd.DataFrame | None = None, routes=ROUTES):
    """The paper's main table: per route, the mean over benchmarks of MRE, MAE, RMSE and R² (ours) beside the
    paper's, and how many benchmarks were fitted. ``detail`` is :func:`extrapolation`'s first frame.

    ``not_identified`` counts the benchmarks whose fit the data do not determine (scored all the same, as the paper
    scores every fit) and ``mre_identified`` is the mean MRE over the others.

    For the authors' BNSL procedure (a seeded route) each metric is first averaged over benchmarks seed by seed
    (seed ``j``'s mean uses every benchmark's run with seed ``j``: :func:`seed_means`), and the row gives the
    **median over seeds** of those means, the number of ``seeds``, and ``mre_lo`` / ``mre_hi``, the range of the mean
    MRE over seeds; these three are NaN for the deterministic routes."""
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
        identified = d["status"] != "not_identified"
        row["not_identified"] = int((~identified & d["mre"].notna()).sum())
        row["mre_identified"] = float(d.loc[identified, "mre"].mean())
        row["seeds"] = row["mre_lo"] = row["mre_hi"] = np.nan
        if "seeds" in d and d["seeds"].notna().any():
            per_seed = seed_means(protocol, route)
            row.update({m: float(per_seed[m].median()) for m in ("mre", "mae", "rmse", "r2")})
            row["seeds"] = len(per_seed)
            row["mre_lo"], row["mre_hi"] = float(per_seed["mre"].min()), float(per_seed["mre"].max())
        rows.append(row)
    return pd.DataFrame(rows).set_index("route")


def _resolve(protocol: KrajewskiProtocol, route: str) -> str:
    if route == "bnsl":
        return "bnsl_authors" if protocol.bnsl_fit == "authors" else "bnsl_ours"
    return route


def bnsl_seed_table(protocol: KrajewskiProtocol = PROTOCOL, route: str = "bnsl_authors", benchmarks=None
                    ) -> pd.DataFrame:
    """The authors' BNSL procedure, one row per benchmark x seed: its ``objective``, parameters (``a, b, c0, d1, f1,
    c1``, ``log10_d1``), ``break_inside`` (d1 within the fitted compute range), ``d1_moved`` (decades from its
    start), ``at_best`` (objective within 1e-3 of the best any seed found on that benchmark), the held-out ``mre``
    and ``mae`` and in-sample ``rmse`` and ``r2`` (as :func:`extrapolation`) and the fitted accuracy ``span`` (0
    for a constant law).

    ``route`` is ``bnsl_authors`` (accuracy space, the script's) or ``bnsl_authors_neglog``. The runs are the
    protocol's (``bnsl_starts`` x ``bnsl_hops`` per seed, seeds ``0 .. bnsl_seeds - 1``); benchmarks that cannot be
    fitted are left out (:func:`extrapolation` gives the reason)."""
    route = _resolve(protocol, route)
    if route not in ("bnsl_authors", "bnsl_authors_neglog"):
        raise ValueError(f"bnsl_seed_table: route must be 'bnsl_authors' or 'bnsl_authors_neglog', got {route!r}")
    table, specs = ladder(protocol), benchmark_specs(protocol)
    q = random_levels(protocol, table)
    _prefetch_authors(protocol, (route,), table)
    if benchmarks is not None:
        specs = specs.loc[list(benchmarks)]
    frames = []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        C, Q = d["C"].to_numpy(), d["value"].to_numpy()
        held = C > protocol.split_compute
        try:
            fitted = fit_route(protocol, route, C, Q, float(q[bench]))
        except (ValueError, RuntimeError) as exc:
            logger.info("krajewski %s %s: not fitted: %s", bench, route, exc)
            continue
        t = fitted.fit.table()
        scores = _seed_scores(fitted, C[held], Q[held], spec["n_items"]).set_index(t.index)
        frames.append(pd.concat({bench: t.join(scores[["mre", "mae", "rmse", "r2", "span"]])}, names=["benchmark"]))
    return pd.concat(frames)


def seed_means(protocol: KrajewskiProtocol = PROTOCOL, route: str = "bnsl_authors") -> pd.DataFrame:
    """Per seed, the mean over benchmarks of the authors' BNSL procedure's held-out MRE and MAE and in-sample RMSE
    and R² (each benchmark's run with that seed): the distribution of the main table's BNSL row over seeds."""
    return bnsl_seed_table(protocol, route).groupby(level="seed")[["mre", "mae", "rmse", "r2"]].mean()


def route_winners(detail: pd.DataFrame, routes=ROUTES) -> pd.DataFrame:
    """Per benchmark, the route with the lowest held-out MRE in :func:`extrapolation`'s ``detail`` (a seeded route
    by its median over seeds), and whether that verdict is **settled**: it holds whichever seed the seeded routes
    take (a deterministic winner beats every seed of a seeded route; a seeded winner wins with its worst seed). A
    verdict that is not settled depends on the seed of a random search, so on rounding too. Benchmarks where no
    route was fitted are left out. Columns: ``winner, mre, runner_up, runner_up_mre, settled``."""
    mre = detail["mre"].unstack()[list(routes)]
    lo = detail["mre_min"].unstack().reindex(columns=list(routes)).fillna(mre)
    hi = detail["mre_max"].unstack().reindex(columns=list(routes)).fillna(mre)
    rows = {}
    for bench, m in mre.dropna(how="all").iterrows():
        order = m.dropna().sort_values()
        win = order.index[0]
        others = [r for r in order.index if r != win]
        settled = bool(all(hi.loc[bench, win] < lo.loc[bench, r] for r in others))
        rows[bench] = {"winner": win, "mre": float(order.iloc[0]),
                       "runner_up": order.index[1] if others else "", "runner_up_mre":
                       float(order.iloc[1]) if others else np.nan, "settled": settled}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("benchmark")


def sensitivity(protocol: KrajewskiProtocol = PROTOCOL, routes=("direct",), **alternatives) -> pd.DataFrame:
    """One protocol field varied at a time: per route, the main-table means (MRE, MAE; ``not_identified`` fits and
    ``mre_identified`` as :func:`main_table`), GSM8K's MRE, and the worst benchmark.
    ``sensitivity(P, filter_margin=[0, 0.1], normalise=[False])``; the protocol itself is the first row.
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
                         "not_identified": main.loc[route, "not_identified"],
                         "mre_identified": main.loc[route, "mre_identified"],
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
    engine on -log Q' (``bnsl_ours``).

    Per benchmark x way: ``seeds`` (runs of the authors' procedure; NaN for our deterministic engine), ``at_best``
    (how many seeds reached the best objective found, within 1e-3), the held-out ``mre`` (median over seeds) with
    ``mre_min`` / ``mre_max`` over seeds, ``log10_d1`` (the break, in log10 FLOPs, of the best-objective run),
    ``breaks_inside`` (how many runs put the break inside the fitted range), ``d1_moved_decades`` (the largest move
    of the break from its start over seeds, for the authors' procedure), ``constant_fits`` (runs whose fitted
    accuracy spans less than 0.01: a flat law) and ``prediction_span`` (median fitted accuracy span)."""
    table, specs = ladder(protocol), benchmark_specs(protocol)
    q = random_levels(protocol, table)
    _prefetch_authors(protocol, ways, table)
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
            per = _seed_scores(fitted, C[held], Q[held], spec["n_items"])
            if fitted.seeded:
                t = fitted.fit.table()
                d1, inside, moved = fitted.fit.best.params["d1"], int(t["break_inside"].sum()), t["d1_moved"].max()
                seeds, at_best = len(t), fitted.fit.n_at_best()
            else:
                d1, seeds, at_best, moved = fitted.fit.params["d1"], np.nan, np.nan, np.nan
                inside = int(fitted.C.min() <= d1 <= fitted.C.max())
            rows.append({"benchmark": bench, "way": way, "status": fitted.status, "reason": "",
                         "seeds": seeds, "at_best": at_best, "mre": float(per["mre"].median()),
                         "mre_min": float(per["mre"].min()) if fitted.seeded else np.nan,
                         "mre_max": float(per["mre"].max()) if fitted.seeded else np.nan,
                         "log10_d1": float(np.log10(d1)) if d1 > 0 else np.nan, "breaks_inside": inside,
                         "d1_moved_decades": float(moved), "constant_fits": int((per["span"] < 0.01).sum()),
                         "prediction_span": float(per["span"].median())})
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
