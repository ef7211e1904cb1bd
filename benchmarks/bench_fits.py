"""Time every law's default fit on real data, a 1000-resample bootstrap, and the Chinchilla fast path vs a grid.

Run with the data mirror set (the Makefile's default), e.g.

    SCALINGLAWS_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/bench_fits.py [--dense]

Prints one line per measurement; nothing is asserted (speed is measured, not tested). ``--dense`` uses the full
5,400-start paper grid for the Chinchilla comparison instead of its 243-start subset. ``--bnsl`` times BNSL's
default fit on each Krajewski benchmark's fitted runs (the protocol's), with its analytic Jacobian and with lmfit's
finite differences, and prints both objectives (the analytic one must not be worse).
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings

import numpy as np
from _timing import timed  # benchmarks/_timing.py: a script run from here has this folder on sys.path

import scalinglaws as sl
from scalinglaws.datasets import load_chinchilla, load_krajewski, pythia_gold_neglog, pythia_pass_at_k
from scalinglaws.laws import LAWS, start_grid
from scalinglaws.papers import krajewski


def datasets():
    k = load_krajewski("dclm")
    arc = k[(k.benchmark == "arc_easy") & (k.metric == "acc")]
    arc20 = arc[arc.TPR == 20]
    he = k[(k.TPR == 20) & (k.benchmark == "humaneval-py") & k.metric.str.startswith("pass@")]
    he = he[he.value > 0]
    loss = k[(k.TPR == 20) & (k.benchmark == "c4") & (k.metric == "loss")].set_index("run_id")["value"]
    pk = pythia_pass_at_k("gsm8k", ks=[1])
    pk = pk[pk["pass_at_k"] > 0]
    N, D, p1 = pk["N"].to_numpy(), pk["D"].to_numpy(), pk["pass_at_k"].to_numpy()
    ch = load_chinchilla(drop_highest_loss=0)
    chN, chD = ch["N"].to_numpy(), ch["D"].to_numpy()
    G = pythia_gold_neglog()
    pg = pk.set_index("model")["pass_at_k"].reindex(G.index)
    a20 = arc20.merge(loss.rename("L"), left_on="run_id", right_index=True)
    return {
        "direct": (dict(C=arc20.C, Q=arc20.value, chance=0.25), "Krajewski DCLM TPR20 arc_easy"),
        "direct_qmax": (dict(C=arc20.C, Q=arc20.value, chance=0.25), "Krajewski DCLM TPR20 arc_easy"),
        "bnsl": (dict(C=arc20.C, Q=arc20.value, chance=0.25), "Krajewski DCLM TPR20 arc_easy"),
        "across_tpr": (dict(N=arc.N, D=arc.D, Q=arc.value, chance=0.25), "Krajewski DCLM all TPRs arc_easy"),
        "passk_joint": (dict(C=he.C, k=he.metric.str[5:].astype(float), Q=he.value), "Krajewski humaneval pass@k"),
        "compute": (dict(C=6 * N * D, P=p1), "Pythia GSM8K pass@1"),
        "params_tokens": (dict(N=N, D=D, P=p1), "Pythia GSM8K pass@1"),
        "gold_reference": (dict(G=G.to_numpy(), P=pg.to_numpy()), "Pythia GSM8K pass@1, 9 gold-likelihood checkpoints"),
        "chinchilla": (dict(N=chN, D=chD, L=ch["L"].to_numpy()), "Epoch Chinchilla, all 245 points"),
        "two_stage": (dict(C=a20.C, L=a20.L, Q=a20.value, max_compute=6e21), "Krajewski TPR20 c4 loss -> arc_easy"),
    }


def bnsl_benchmarks():
    """BNSL on every benchmark of the Krajewski protocol: analytic Jacobian vs finite differences."""
    P = krajewski.PROTOCOL
    table, specs = krajewski.ladder(P), krajewski.benchmark_specs(P)
    q = krajewski.random_levels(P, table)
    law = LAWS["bnsl"]
    numeric = dataclasses.replace(law, jacobian=None)
    print(f"{'benchmark':18} {'analytic (s)':>12} {'numeric (s)':>11}  {'objective, analytic':>20} {'numeric':>14}")
    totals = [0.0, 0.0]
    for bench, spec in specs.iterrows():
        d = sl.datasets.select(table, bench, spec["metric"], required=True)
        d = d[d["C"] <= P.split_compute]
        C, Q = d["C"].to_numpy(), d["value"].to_numpy()
        keep = krajewski.fit_mask(P, C, Q, float(q[bench]))
        if keep.sum() <= len(law.params):
            print(f"{bench:18} skipped: {int(keep.sum())} fitted runs for {len(law.params)} parameters")
            continue
        kw = dict(C=C[keep], Q=Q[keep], chance=float(q[bench]), invalid="drop", warn=False)
        a, ta = timed(lambda kw=kw: sl.fit(law, **kw), repeat=1)
        n, tn = timed(lambda kw=kw: sl.fit(numeric, **kw), repeat=1)
        totals[0] += ta
        totals[1] += tn
        print(f"{bench:18} {ta:12.2f} {tn:11.2f}  {a.objective:20.10g} {n.objective:14.10g}")
    print(f"{'total':18} {totals[0]:12.2f} {totals[1]:11.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dense", action="store_true")
    ap.add_argument("--bnsl", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore", sl.FitWarning)
    if args.bnsl:
        bnsl_benchmarks()
        return
    print(f"{'law':16} {'points':>6} {'fit (s)':>8}  status            data")
    fits = {}
    for name, (data, label) in datasets().items():
        kw = {k: (v if k in ("chance", "max_compute") else np.asarray(v, float)) for k, v in data.items()}
        composite = isinstance(sl.get_law(name), sl.CompositeLaw)  # the two-stage route: no invalid= option
        res, t = timed(lambda name=name, kw=kw, c=composite: sl.fit(name, **kw, **({} if c else {"invalid": "drop"})))
        fits[name] = res
        n = res.stage1.n_points if composite else res.n_points
        print(f"{name:16} {n:6d} {t:8.3f}  {str(res.status):17} {label}")

    boot, t = timed(lambda: fits["chinchilla"].bootstrap(1000, seed=0), repeat=1)
    print(f"\nbootstrap, 1000 resamples of chinchilla (5 parameters, 245 points): {t:.1f} s, {boot.n_failed} failed")
    boot, t = timed(lambda: fits["direct"].bootstrap(1000, seed=0), repeat=1)
    print(f"bootstrap, 1000 resamples of direct (2 parameters): {t:.1f} s")

    ch = fits["chinchilla"]
    grid = list(LAWS["chinchilla"].paper_starts)
    if not args.dense:
        grid = list(start_grid(log_E=[-1, 0, 1], log_A=[0, 10, 20], alpha=[0, 1, 2], log_B=[0, 10, 20], beta=[0, 1, 2]))
    pub = [LAWS["chinchilla"].to_public(g) for g in grid]
    dense, t = timed(lambda: sl.fit("chinchilla", starts=pub, **{k: ch.X[k] for k in ("N", "D")},
                                    L=np.exp(ch.y)), repeat=1)
    _, t_default = timed(lambda: sl.fit("chinchilla", **{k: ch.X[k] for k in ("N", "D")}, L=np.exp(ch.y)))
    worst = max(abs(dense.params[p] / ch.params[p] - 1) for p in ch.params)
    print(f"\nchinchilla, all 245 points: default fit {t_default:.2f} s, objective {ch.objective:.8g}; "
          f"{len(grid)}-start grid {t:.1f} s, objective {dense.objective:.8g}; "
          f"largest relative parameter difference {worst:.1e}")


if __name__ == "__main__":
    main()
