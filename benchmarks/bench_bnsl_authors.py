"""How the authors' BNSL procedure depends on its budget (random starts x basin-hopping steps).

The authors' script runs 100 starts x 100 basin-hopping steps per benchmark; the book runs the smaller budget of
``scalinglaws.papers.krajewski.PROTOCOL`` (``bnsl_starts`` x ``bnsl_hops``). This script fits Eq. 1 in accuracy space
(as the script) and in -log Q' space (same optimiser) under the paper's protocol on a few benchmarks at several
budgets and prints the time, the objective, the fitted accuracy span and the held-out MRE. Run:

    python benchmarks/bench_bnsl_authors.py [benchmark ...]
"""

import sys
import time

import numpy as np

from scalinglaws.papers import krajewski as K
from scalinglaws.papers.bnsl_authors import fit_bnsl_authors

BUDGETS = [(20, 5), (50, 20), (100, 100)]


def main(benchmarks):
    P = K.PROTOCOL
    table, specs, q = K.ladder(P), K.benchmark_specs(P), K.random_levels(P)
    print(f"{'benchmark':<16} {'space':<9} {'starts x hops':>13} {'seconds':>8} {'objective':>11} {'span':>6} "
          f"{'MRE':>7} {'log10 d1':>8}")
    for bench in benchmarks:
        d = table[(table["benchmark"] == bench) & (table["metric"] == specs.loc[bench, "metric"])].sort_values("C")
        C, Q = d["C"].to_numpy(), d["value"].to_numpy()
        keep = K.fit_mask(P, C, Q, float(q[bench]))
        held = C > P.split_compute
        for space in ("accuracy", "neglog"):
            for starts, hops in BUDGETS:
                t = time.perf_counter()
                res = fit_bnsl_authors(C[keep], Q[keep], space=space, chance=float(q[bench]), n_starts=starts,
                                       n_hops=hops)
                dt = time.perf_counter() - t
                span = float(np.ptp(res.predict(C[keep])))
                mre = float(np.mean(np.abs(res.predict(C[held]) - Q[held]) / Q[held]))
                print(f"{bench:<16} {space:<9} {f'{starts} x {hops}':>13} {dt:8.1f} {res.objective:11.4g} "
                      f"{span:6.3f} {mre:7.4f} {np.log10(res.params['d1']) if res.params['d1'] > 0 else np.nan:8.2f}",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(K.PROTOCOL.benchmarks[:-1]))  # lbpp has too few runs above the filter to fit
