"""Timing of the forecasting benchmark (scalinglaws.benchmark): building the ladders, then the default run (every
applicable route but BNSL, 4 cutoffs) per ladder, and BNSL alone on one ladder.

    SCALINGLAWS_DATA_MIRROR=../shared/data OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_benchmark.py \
        [LADDER ...]

Prints seconds (one process, one thread); nothing is asserted (speed is measured, not tested).
"""

from __future__ import annotations

import sys
import warnings

from _timing import timed  # benchmarks/_timing.py: a script run from here has this folder on sys.path

from scalinglaws import benchmark


def main(names=None):
    warnings.simplefilter("ignore")
    ladders, t = timed(lambda: benchmark.ladders(names), repeat=1)
    print(f"ladders(): {len(ladders)} ladders in {t:.1f} s")
    total = 0.0
    for name, lad in ladders.items():
        per_method = {}
        table, t = timed(lambda lad=lad, pm=per_method: benchmark.run(lad, timings=pm), repeat=1)
        total += t
        slowest = ", ".join(f"{m} {s:.1f}" for m, s in sorted(per_method.items(), key=lambda kv: -kv[1])[:3])
        print(f"run({name}): {lad.n_tasks} tasks, {len(table)} rows, {(table['status'] == 'failed').mean():.0%} "
              f"failed, {t:.1f} s (slowest: {slowest})")
    print(f"default run over {len(ladders)} ladders: {total:.1f} s")
    lad = ladders.get("olmo") or next(iter(ladders.values()))
    table, t = timed(lambda: benchmark.run(lad, methods=["bnsl"], cutoffs=2, tasks=list(lad.tasks.index)[:2]),
                     repeat=1)
    fits = table.groupby(["task", "cutoff"]).ngroups
    print(f"bnsl on {lad.name}, 2 tasks x 2 cutoffs: {fits} fits in {t:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:] or None)
