"""How the authors' BNSL procedure depends on its budget and its seed.

The authors' script runs 100 random starts x 100 basin-hopping steps per benchmark; the book runs the smaller budget
of ``scalinglaws.papers.krajewski.PROTOCOL`` (``bnsl_starts`` x ``bnsl_hops``) with ``bnsl_seeds`` seeds. This script
fits Eq. 1 in accuracy space (as the script does) under the paper's protocol on the benchmarks named (default:
arc_easy, hellaswag, sciq) at several budgets, each over several seeds, and prints per budget: the time per run,
how many runs end in a flat law (fitted accuracy span < 0.01), how many reach the best objective found at that budget,
and the held-out MRE over seeds (median, range). Run:

    SCALINGLAWS_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/bench_bnsl_authors.py [--seeds 5] \\
        [--budgets 20x5 50x20 100x100] [--jobs 2] [--benchmarks arc_easy ...]
"""

import argparse
import time

import numpy as np

from scalinglaws.papers import krajewski as K
from scalinglaws.papers.bnsl_authors import fit_bnsl_authors_seeds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmarks", nargs="*", default=["arc_easy", "hellaswag", "sciq"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budgets", nargs="*", default=["20x5", "50x20", "100x100"])
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    P = K.PROTOCOL
    print(f"{'benchmark':<16} {'starts x hops':>13} {'s/run':>7} {'flat':>5} {'at best':>7} {'best obj':>10} "
          f"{'MRE median':>10} {'MRE range':>15}")
    for bench in args.benchmarks:
        s = K.benchmark_series(P, bench)
        ok = s.fitted & (s.Q > s.chance) & (s.Q < 1)
        for budget in args.budgets:
            starts, hops = map(int, budget.split("x"))
            t = time.perf_counter()
            runs = fit_bnsl_authors_seeds(s.C[ok], s.Q[ok], chance=s.chance, n_starts=starts, n_hops=hops,
                                          seeds=args.seeds, n_jobs=args.jobs)
            dt = (time.perf_counter() - t) / args.seeds
            span = np.ptp(runs.predict_seeds(s.C[ok]), axis=1)
            mre = np.mean(np.abs(runs.predict_seeds(s.C[s.held]) - s.Q[s.held]) / s.Q[s.held], axis=1)
            print(f"{bench:<16} {budget:>13} {dt:7.1f} {int((span < 0.01).sum()):>2}/{args.seeds:<2} "
                  f"{runs.n_at_best():>4}/{args.seeds:<2} {runs.objectives.min():10.3g} {np.median(mre):10.3f} "
                  f"{mre.min():7.3f}-{mre.max():.3f}", flush=True)


if __name__ == "__main__":
    main()
