"""The paper's main table: every route fitted per benchmark under the protocol and scored on the held-out runs,
with the analyses of why the routes differ (BNSL optima, Eq. 10's reduction, the two-stage decomposition)."""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from ... import routes as registry
from ...datasets import select
from ...heldout import evaluate, summarise
from ...metrics import r_squared
from ...results import Predictor
from .. import paper_value, vary
from ..bnsl_authors import AuthorsBNSLSeeds, prefetch_seeds
from .protocol import (
    PAPER_ROUTE,
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


#: Krajewski's routes that are the registry's routes with the protocol's options; ``direct_huber`` is the registry's
#: ``direct`` fitted with Eq. 10's objective (``protocol.qmax_objective``), to see that objective on its own.
_REGISTRY_NAME = {"direct": "direct", "direct_huber": "direct", "direct_qmax": "direct_qmax", "bnsl": "bnsl",
                  "bnsl_authors": "bnsl_authors", "bnsl_authors_neglog": "bnsl_authors",
                  "two_stage_linear": "two_stage_linear", "two_stage_logistic": "two_stage_logistic"}


def _fit(protocol: KrajewskiProtocol, route: str, C, Q, q_random: float, L=None):
    """``(predictor, C_fit, Q_fit)``: :func:`fit_route` with the runs the route was fitted on."""
    if route not in _REGISTRY_NAME:
        raise ValueError(f"unknown route {route!r}; known: {ROUTES + VARIANTS}")
    C, Q = np.asarray(C, float), np.asarray(Q, float)
    chance = q_random if protocol.normalise else 0.0
    two_stage = route in TWO_STAGE_LINKS
    keep = fit_mask(protocol, C, Q, q_random, filtered=not two_stage or protocol.two_stage_filter)
    Cf, Qf = C[keep], Q[keep]
    name = _REGISTRY_NAME[route]
    if route in ("bnsl_authors", "bnsl_authors_neglog"):
        Ca, Qa, call = _authors_call(protocol, route, Cf, Qf, chance)
        return registry.fit_route(name, C=Ca, Q=Qa, **call), Ca, Qa
    if two_stage:
        if L is None:
            raise ValueError(f"{route}: needs the proxy loss of every run")
        return registry.fit_route(name, C=Cf, L=np.asarray(L, float)[keep], Q=Qf), Cf, Qf
    options = {"direct": {"loss": protocol.direct_objective}, "bnsl": {}}.get(route, {"loss": protocol.qmax_objective})
    return registry.fit_route(name, C=Cf, Q=Qf, chance=chance, **options), Cf, Qf


def fit_route(protocol: KrajewskiProtocol, route: str, C, Q, q_random: float, L=None) -> Predictor:
    """Fit one route on a benchmark's runs under the protocol (the fitted runs are chosen here, by :func:`fit_mask`)
    and return the fitted :class:`~scalinglaws.results.Predictor`.

    Every route is the registry's (:mod:`scalinglaws.routes`) with the protocol's options: ``direct`` (Eq. 2, with
    ``protocol.direct_objective``), ``bnsl_authors`` (Eq. 1 as the authors' script fits it, over
    ``protocol.bnsl_seeds`` seeds), ``bnsl_authors_neglog`` (their procedure on -log Q'), ``bnsl`` (Eq. 1, our
    engine), ``direct_qmax`` (Eq. 10), ``direct_huber`` (Eq. 2 with Eq. 10's Huber objective), ``two_stage_linear``
    and ``two_stage_logistic`` (need the proxy loss ``L`` of every run). ``ValueError`` if it cannot be fitted.
    """
    return _fit(protocol, route, C, Q, q_random, L)[0]


def _authors_call(protocol: KrajewskiProtocol, route: str, Cf, Qf, chance: float):
    """The runs and keywords of the authors' BNSL procedure on a benchmark's fitted runs (shared by
    :func:`fit_route` and :func:`_prefetch_authors`, so that both ask the results cache the same question)."""
    ok = (Qf > chance) & (Qf < 1)  # the registry's route drops the same runs
    return Cf[ok], Qf[ok], {"space": "accuracy" if route == "bnsl_authors" else "neglog", "chance": chance,
                            "n_starts": protocol.bnsl_starts, "n_hops": protocol.bnsl_hops,
                            "seeds": protocol.bnsl_seeds, "n_jobs": jobs()}


def _prefetch_authors(protocol: KrajewskiProtocol, routes, table=None) -> None:
    """Run the authors' BNSL procedure for every benchmark and seed the ``routes`` ask for in one pool of workers
    (:func:`~scalinglaws.papers.bnsl_authors.prefetch_seeds`); the per-benchmark calls then read the cache."""
    wanted = set(routes) & {"bnsl_authors", "bnsl_authors_neglog"}
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


def _members(fit) -> list:
    """The runs a route's prediction summarises: every seed of the authors' random search, else the fit itself."""
    return list(fit.fits) if isinstance(fit, AuthorsBNSLSeeds) else [fit]


def _seed_scores(fit, C_fit, Q_fit, C_held, Q_held, n_items: float) -> pd.DataFrame:
    """Held-out scores (:func:`scalinglaws.heldout.evaluate` and ``summarise``) and in-sample ones, one row per
    seed (one row for a deterministic route)."""
    rows = []
    for run in _members(fit):
        held = summarise(evaluate(run, Q_held, n_items=n_items, interval="none", C=C_held))
        inside = np.asarray(run.predict(C=C_fit), float)
        rows.append({"mre": held["mre"], "mae": held["mae"], "rmse": float(np.sqrt(np.mean((inside - Q_fit) ** 2))),
                     "r2": r_squared(Q_fit, inside), "error_over_se": held["error_over_se"],
                     "span": float(np.ptp(inside))})
    return pd.DataFrame(rows)


def _scores(fit, C_fit, Q_fit, C_held, Q_held, n_items: float) -> dict:
    """A route's row of :func:`extrapolation`: for a seeded route the median over seeds of each score, with the
    number of seeds and the range of the MRE over them."""
    per = _seed_scores(fit, C_fit, Q_fit, C_held, Q_held, n_items)
    seeded = isinstance(fit, AuthorsBNSLSeeds)
    return {"n_fit": int(C_fit.size), "n_heldout": int(len(C_held)),
            **{m: float(per[m].median()) for m in ("mre", "mae", "rmse", "r2", "error_over_se")},
            "seeds": len(per) if seeded else np.nan,
            "mre_min": float(per["mre"].min()) if seeded else np.nan,
            "mre_max": float(per["mre"].max()) if seeded else np.nan,
            "status": str(fit.status), "reason": "" if seeded or fit.status == "converged" else fit.reason}


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
                fitted, Cf, Qf = _fit(protocol, route, C, Q, float(q[bench]), L=L)
                row = _scores(fitted, Cf, Qf, C[held], Q[held], spec["n_items"])
            except (ValueError, RuntimeError) as exc:
                logger.info("krajewski %s %s: not fitted: %s", bench, route, exc)
                rows.append({"benchmark": bench, "route": route, "status": "failed", "reason": str(exc)})
                continue
            rows.append({"benchmark": bench, "route": route, **row})
            pts.append(pd.DataFrame({"benchmark": bench, "route": route, "C": C[held], "observed": Q[held],
                                     "predicted": fitted.predict(C=C[held])}))
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
            key = f"{PAPER_ROUTE.get(route, route)}_{m}"
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
            fitted, Cf, Qf = _fit(protocol, route, C, Q, float(q[bench]))
        except (ValueError, RuntimeError) as exc:
            logger.info("krajewski %s %s: not fitted: %s", bench, route, exc)
            continue
        t = fitted.table()
        scores = _seed_scores(fitted, Cf, Qf, C[held], Q[held], spec["n_items"]).set_index(t.index)
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


def bnsl_optima(protocol: KrajewskiProtocol = PROTOCOL, ways=("bnsl_authors", "bnsl"), benchmarks=None
                ) -> pd.DataFrame:
    """Eq. 1 fitted several ways on each benchmark (default: all of the protocol's): the authors' procedure on
    accuracy (``bnsl_authors``, as their script), the same procedure on -log Q' (``bnsl_authors_neglog``), and our
    engine on -log Q' (``bnsl``).

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
                fitted, Cf, Qf = _fit(protocol, way, C, Q, float(q[bench]))
            except (ValueError, RuntimeError) as exc:
                rows.append({"benchmark": bench, "way": way, "status": "failed", "reason": str(exc)})
                continue
            per = _seed_scores(fitted, Cf, Qf, C[held], Q[held], spec["n_items"])
            seeded = isinstance(fitted, AuthorsBNSLSeeds)
            if seeded:
                t = fitted.table()
                d1, inside, moved = fitted.best.params["d1"], int(t["break_inside"].sum()), t["d1_moved"].max()
                seeds, at_best = len(t), fitted.n_at_best()
            else:
                d1, seeds, at_best, moved = fitted.params["d1"], np.nan, np.nan, np.nan
                inside = int(Cf.min() <= d1 <= Cf.max())
            rows.append({"benchmark": bench, "way": way, "status": str(fitted.status), "reason": "",
                         "seeds": seeds, "at_best": at_best, "mre": float(per["mre"].median()),
                         "mre_min": float(per["mre"].min()) if seeded else np.nan,
                         "mre_max": float(per["mre"].max()) if seeded else np.nan,
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
                res = fit_route(protocol, f"two_stage_{link}", C, Q, float(q[bench]), L=L)
            except (ValueError, RuntimeError):
                continue
            chained = evaluate(res, Q[held], interval="none", C=C[held])
            at_true = evaluate(res.stage2, Q[held], interval="none", L=L[held])
            rows.append({"benchmark": bench, "link": link, "error": float(chained["abs_error"].median()),
                         "stage2_alone": float(at_true["abs_error"].median()),
                         "from_stage1": float(np.median(np.abs(chained["predicted"] - at_true["predicted"]))),
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
            res = fit_route(protocol, "direct_qmax", d["C"].to_numpy(), d["value"].to_numpy(), float(q[bench]))
        except (ValueError, RuntimeError):
            continue
        rows.append({"benchmark": bench, "Q_max": float(np.exp(-res.params["E"])), "E": res.params["E"],
                     "reduces_to_direct": bool(res.params["E"] < negligible), "status": res.status.value,
                     "mre_qmax": detail.loc[(bench, "direct_qmax"), "mre"],
                     "mre_direct_huber": detail.loc[(bench, "direct_huber"), "mre"],
                     "mre_direct_ols": detail.loc[(bench, "direct"), "mre"]})
    return pd.DataFrame(rows).set_index("benchmark")
