"""Timing of scalinglaws.forecast per interval method, and of the calibration study over every ladder.

    SCALINGLAWS_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/bench_forecast.py

Prints seconds; nothing is asserted (speed is measured, not tested).
"""

from __future__ import annotations

from _timing import timed  # benchmarks/_timing.py: a script run from here has this folder on sys.path

import scalinglaws as sl
from scalinglaws import calibration
from scalinglaws.datasets import select
from scalinglaws.papers import krajewski
from scalinglaws.papers.ladders import ladder_cases


def main():
    P = krajewski.PROTOCOL
    spec = krajewski.benchmark_specs(P).loc["hellaswag"]
    runs = select(krajewski.ladder(P), "hellaswag", spec["metric"])
    fit_runs = runs[(runs["C"] <= P.split_compute) & (runs["value"] >= spec["chance"] + P.filter_margin)]
    print(f"forecast of one target, direct law, HellaSwag DCLM TPR 20 ({len(fit_runs)} runs):")
    for method in sl.forecasting.INTERVALS:
        _, t = timed(lambda m=method: sl.forecast("direct", at={"C": 3.8e22}, C=fit_runs["C"], Q=fit_runs["value"],
                                                  chance=0.25, interval=m, n_items=spec["n_items"]))
        print(f"  {method:11} {t:6.2f} s")
    fc, t = timed(lambda: sl.forecast("auto", at={"C": 3.8e22}, C=fit_runs["C"], Q=fit_runs["value"], chance=0.25,
                                      n_items=spec["n_items"]), repeat=1)
    print(f"  law='auto' (learned) {t:6.2f} s: {len(fc.selection)} candidate laws, chose {fc.law}")
    cases, t_cases = timed(ladder_cases, repeat=1)
    points, t_study = timed(lambda: calibration.study(cases), repeat=1)
    print(f"calibration study: {len(cases)} cases built in {t_cases:.1f} s; study (delta + backtest, 4 levels) "
          f"{t_study:.1f} s, {len(points)} rows")


if __name__ == "__main__":
    main()
