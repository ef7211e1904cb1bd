"""The paper's other laws under the protocol: Eq. 4 across token ratios, Eq. 5 for pass@k, the proxy comparison
and the data mixture."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pandas as pd

from ... import fitting
from ...datasets import krajewski_benchmarks, krajewski_pass_at_k, select
from ...heldout import evaluate, summarise
from ...routes import fit_route
from ...two_stage import proxy_quality
from .protocol import (
    PROTOCOL,
    KrajewskiProtocol,
    _runs,
    benchmark_specs,
    fit_mask,
    ladder,
    random_levels,
)

logger = logging.getLogger("scalinglaws")


# ---------------------------------------------------------------------------------------------------------------
# Eq. 4 across TPRs, Eq. 5 pass@k, proxies, mixtures
# ---------------------------------------------------------------------------------------------------------------


def across_tpr(protocol: KrajewskiProtocol = PROTOCOL):
    """Eq. 4, :math:`-\\log Q = AN^{-\\alpha} + BD^{-\\beta}`, on the paper's split: fit every TPR with
    ``min_compute <= C <= split_compute`` and TPR <= ``tpr_heldout_above`` (with the protocol's filter and
    normalisation; summed Huber, as the authors' script), hold out C > split_compute or TPR > tpr_heldout_above.

    Returns ``(per_benchmark, points)``: per benchmark ``n_fit, n_heldout, mae, mre, status``; per held-out run
    ``benchmark, TPR, C, observed, predicted``. The claim's number is the mean of ``mae`` over benchmarks.
    """
    table, specs = ladder(protocol, all_tprs=True), benchmark_specs(protocol)
    q = random_levels(protocol, table[table["TPR"] == protocol.tpr])
    rows, pts = [], []
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        held = (d["C"] > protocol.split_compute) | (d["TPR"] > protocol.tpr_heldout_above)
        tr = d[~held & fit_mask(protocol, d["C"], d["value"], float(q[bench]))]
        te = d[held]
        try:
            res = fit_route("across_tpr", N=tr["N"].to_numpy(), D=tr["D"].to_numpy(), Q=tr["value"].to_numpy(),
                            chance=float(q[bench]) if protocol.normalise else 0.0)
        except (ValueError, RuntimeError) as exc:
            rows.append({"benchmark": bench, "status": "failed", "reason": str(exc)})
            continue
        p = evaluate(res, te["value"].to_numpy(), interval="none", N=te["N"].to_numpy(), D=te["D"].to_numpy())
        s = summarise(p)
        rows.append({"benchmark": bench, "n_fit": res.n_points, "n_heldout": s["n_heldout"], "mae": s["mae"],
                     "mre": s["mre"], "status": res.status.value, "reason": ""})
        pts.append(pd.DataFrame({"benchmark": bench, "TPR": te["TPR"].to_numpy(), "C": te["C"].to_numpy(),
                                 "observed": p["observed"].to_numpy(), "predicted": p["predicted"].to_numpy()}))
    return pd.DataFrame(rows).set_index("benchmark"), pd.concat(pts, ignore_index=True)


def per_tpr_fits(protocol: KrajewskiProtocol = PROTOCOL, benchmarks=None) -> dict:
    """The direct law (Eq. 2) fitted at each TPR separately, on every run of that TPR with ``C >= min_compute`` that
    passes the protocol's filter (no split: the question is how the fitted exponent moves with the ratio, not how it
    extrapolates), with the protocol's normalisation.

    Returns ``{benchmark: params}``, ``params`` indexed by TPR as :func:`scalinglaws.fitting.fit_groups` returns it
    (each parameter, ``se_<name>``, ``n_points``, ``status``, ``rmse``).
    """
    table, specs = ladder(protocol, all_tprs=True), benchmark_specs(protocol)
    q = random_levels(protocol, table[table["TPR"] == protocol.tpr])
    specs = specs if benchmarks is None else specs.loc[list(benchmarks)]
    out = {}
    for bench, spec in specs.iterrows():
        d = select(table, bench, spec["metric"], required=True)
        keep = fit_mask(dataclasses.replace(protocol, split_compute=np.inf), d["C"], d["value"], float(q[bench]))
        _, out[bench] = fitting.fit_groups(d[keep], "direct", by="TPR", variables={"C": "C"}, response="value",
                                           chance=float(q[bench]) if protocol.normalise else 0.0, invalid="drop",
                                           warn=False)
    return out


def pass_at_k(protocol: KrajewskiProtocol = PROTOCOL):
    """Eq. 5 on the paper's split: fit ``min_compute <= C < split_compute`` and ``k <= passk_k_fit_max`` (pass@k = 0
    dropped: no finite -log), predict every other run x k with pass@k > 0.

    Returns ``(summary, points)``: ``summary`` a dict with ``mae``, ``mre``, ``n_fit``, ``n_heldout``, the fitted
    parameters and status; ``points`` one row per held-out (run, k).
    """
    he = krajewski_pass_at_k(ladder(protocol), protocol.passk_benchmark)
    he = he[he["C"] >= protocol.min_compute]
    fit_set = (he["C"] < protocol.split_compute) & (he["k"] <= protocol.passk_k_fit_max)
    tr, te = he[fit_set], he[~fit_set & (he["value"] > 0)]
    res = fit_route("passk_joint", C=tr["C"].to_numpy(), k=tr["k"].to_numpy(), Q=tr["value"].to_numpy())
    p = evaluate(res, te["value"].to_numpy(), interval="none", C=te["C"].to_numpy(), k=te["k"].to_numpy())
    s = summarise(p)
    points = te.assign(predicted=p["predicted"].to_numpy(), abs_error=p["abs_error"].to_numpy())
    summary = {"mae": s["mae"], "mre": s["mre"], "n_fit": res.n_points, "n_heldout": s["n_heldout"], **res.params,
               "status": res.status.value}
    return summary, points


def pass_at_k_heldout(protocol: KrajewskiProtocol = PROTOCOL, benchmarks=("humaneval-py", "lbpp"),
                      level: float = 0.95, k_fit_max: int | None = None) -> pd.DataFrame:
    """Eq. 5 on two held-out splits per code benchmark (runs from ``min_compute``; pass@k = 0 has no finite -log
    and is neither fitted nor scored): fit ``k <= passk_k_fit_max`` and predict the larger k, and fit
    ``C <= split_compute`` and predict the larger runs (``k_fit_max`` fits fewer k on the first split, predicting
    the same k). One row per split x benchmark: the scores of
    :func:`scalinglaws.heldout.summarise`, with the ``level`` backtest interval
    (:func:`scalinglaws.heldout.evaluate`)."""
    table = ladder(protocol)
    table = table[table["C"] >= protocol.min_compute]
    n_items = benchmark_specs(protocol)["n_items"]
    data = {b: krajewski_pass_at_k(table, b).query("value > 0") for b in benchmarks}
    k_fit = protocol.passk_k_fit_max if k_fit_max is None else int(k_fit_max)
    splits = {f"held-out k (> {protocol.passk_k_fit_max})": (lambda d: d["k"] <= k_fit,
                                                              lambda d: d["k"] > protocol.passk_k_fit_max),
              f"held-out compute (> {protocol.split_compute:.0e})": (lambda d: d["C"] <= protocol.split_compute,
                                                                      lambda d: d["C"] > protocol.split_compute)}
    rows = {}
    for what, (fitted, held) in splits.items():
        for bench, d in data.items():
            tr, te = d[fitted(d)], d[held(d)]
            res = fit_route("passk_joint", C=tr["C"].to_numpy(), k=tr["k"].to_numpy(), Q=tr["value"].to_numpy())
            pts = evaluate(res, te["value"].to_numpy(), n_items=float(n_items[bench]), level=level,
                           interval="backtest", C=te["C"].to_numpy(), k=te["k"].to_numpy())
            rows[(what, bench)] = summarise(pts, level=level)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.names = ["split", "benchmark"]
    return out


def proxy_r2(protocol: KrajewskiProtocol = PROTOCOL) -> pd.DataFrame:
    """In-sample R² and RMSE of each proxy -> accuracy map on ``proxy_benchmark`` over the protocol's ladder: the C4,
    DCLM and FineWeb validation losses, the task's negative log-likelihood of the correct answer, and its Brier score;
    both links. Indexed by (proxy, link)."""
    bench = protocol.proxy_benchmark
    proxies = {"c4_loss": ("c4", "loss", 1), "dclm_loss": ("dclm", "loss", 1), "fineweb_loss": ("fineweb", "loss", 1),
               "nll": (bench, "loglikelihood", -1), "brier": (bench, "brier", 1)}
    spec = krajewski_benchmarks().loc[bench]
    metric = protocol.mc_metric if spec["kind"] == "multiple choice" else spec["metric"]
    out = proxy_quality(ladder(protocol), [bench], proxies, metric=metric)
    return out.drop(columns=["benchmark", "fit"]).set_index(["proxy", "link"])


def mixture_exponents(protocol: KrajewskiProtocol = PROTOCOL) -> pd.DataFrame:
    """The direct law's exponent on the DCLM-based and C4 mixtures at the protocol's TPR, over the compute range both
    mixtures cover (C4 stops earlier), with the protocol's range floor, filter and normalisation. Per benchmark:
    each mixture's alpha and SE, points fitted, and ``sigma``, the difference in combined standard errors."""
    runs = pd.concat([_runs("dclm"), _runs("c4")], ignore_index=True)
    runs = runs[runs["TPR"] == protocol.tpr]
    top = runs.loc[runs["mixture"] == "c4", "C"].max() * 1.0001
    q = random_levels(dataclasses.replace(protocol, mixture="dclm"))
    rows = []
    for bench, spec in benchmark_specs(protocol).iterrows():
        row = {"benchmark": bench}
        for mix in ("dclm", "c4"):
            d = select(runs[runs["mixture"] == mix], bench, spec["metric"])
            matched = dataclasses.replace(protocol, split_compute=float(top))
            keep = fit_mask(matched, d["C"], d["value"], float(q[bench]))
            d = d[keep]
            row[f"n_{mix}"] = len(d)
            if len(d) < 5:
                continue
            try:
                res = fitting.fit("direct", C=d["C"], Q=d["value"],
                                  chance=float(q[bench]) if protocol.normalise else 0.0, invalid="drop", warn=False)
            except ValueError as exc:  # e.g. every run at accuracy 0: nothing to fit, said in the log
                logger.info("mixture_exponents: %s %s not fitted: %s", bench, mix, exc)
                continue
            row.update({f"alpha_{mix}": res.params["alpha"], f"se_{mix}": res.stderr["alpha"],
                        f"n_{mix}": res.n_points})
        rows.append(row)
    out = pd.DataFrame(rows).set_index("benchmark")
    for col in ("alpha_dclm", "alpha_c4", "se_dclm", "se_c4"):
        if col not in out:
            out[col] = np.nan
    out["sigma"] = (out["alpha_dclm"] - out["alpha_c4"]).abs() / np.hypot(out["se_dclm"], out["se_c4"])
    return out
