"""The book's ladders as cases of the calibration study (:func:`scalinglaws.calibration.study`), each under its
paper's protocol where it has one. It lives with the papers because it reads their protocols; the study itself is
core and takes any list of cases."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..backtest import filter_runs
from ..datasets import gadre_benchmarks as gadre_specs
from ..datasets import load_gadre, load_olmo_ladder, olmo_benchmarks, select
from . import krajewski, schaeffer

__all__ = ["ladder_cases"]


def ladder_cases(*, krajewski_tprs=(10, 20, 40, 80, 160), gadre_benchmarks=("arc_easy", "hellaswag", "piqa"),
                 pythia_ks=(1, 100)) -> list[dict]:
    """The book's ladders as study cases, each under its paper's protocol where it has one:

    * Krajewski et al.'s DCLM ladder at each TPR in ``krajewski_tprs`` and the C4 ladder at TPR 20: the direct law
      per benchmark of the paper's 12, normalised accuracy, runs at least 5 points above chance and from
      3e18 FLOPs (``krajewski.PROTOCOL``; both the fitted and the predicted runs pass that filter);
    * the OLMo ladder: the direct law on all 25 ladder runs, predicting the real 7B and 13B targets (the same
      normalisation and filter);
    * Gadre et al.'s ladder: Eq. 4 in N and D on the 11M-412M models of each corpus, predicting the 1.4B and 6.9B
      models -- on ``gadre_benchmarks`` only (Eq. 4's four-parameter Huber fit is the slow part of the study);
    * Pythia GSM8K and MATH pass@k at each k in ``pythia_ks``: Schaeffer et al.'s compute law over the paper's
      fitted range (``schaeffer.PROTOCOL``), 128 problems per benchmark.
    """
    cases = []
    P = krajewski.PROTOCOL
    wide = dataclasses.replace(P, split_compute=np.inf)
    for mixture, tprs in (("dclm", krajewski_tprs), ("c4", (20,))):
        for tpr in tprs:
            p = dataclasses.replace(P, mixture=mixture, tpr=tpr)
            table, specs, q = krajewski.ladder(p), krajewski.benchmark_specs(p), krajewski.random_levels(p)
            for bench, spec in specs.iterrows():
                d = select(table, bench, spec["metric"])
                d = d[krajewski.fit_mask(dataclasses.replace(wide, mixture=mixture, tpr=tpr), d["C"], d["value"],
                                         float(q[bench]))]
                cases.append({"ladder": f"krajewski {mixture} TPR {tpr}", "benchmark": bench, "law": "direct",
                              "chance": float(q[bench]) if P.normalise else 0.0, "n_items": float(spec["n_items"]),
                              "data": {"C": d["C"], "Q": d["value"]}})
    olmo = load_olmo_ladder()
    for bench, spec in olmo_benchmarks().iterrows():
        d = select(olmo, bench, spec["metric"])
        tr, te = d[d["role"] == "ladder"], d[d["role"] == "target"]
        tr = filter_runs(tr, bench, float(spec["chance"]), P.filter_margin)
        cases.append({"ladder": "olmo", "benchmark": bench, "law": "direct", "chance": float(spec["chance"]),
                      "n_items": float(spec["n_items"]), "data": {"C": tr["C"], "Q": tr["value"]},
                      "targets": {"C": te["C"], "Q": te["value"]}})
    gadre, gspecs = load_gadre(), gadre_specs()
    big = gadre["label"].str.startswith("open_lm")
    for corpus, g in gadre.groupby("mixture"):
        for bench in gadre_benchmarks:
            spec = gspecs.loc[bench]
            d = select(g, bench, spec["metric"])
            tr, te = d[~big[d.index]], d[big[d.index]]
            tr = filter_runs(tr, bench, float(spec["chance"]), P.filter_margin)
            cases.append({"ladder": f"gadre {corpus}", "benchmark": bench, "law": "across_tpr",
                          "chance": float(spec["chance"]), "n_items": float(spec["n_items"]),
                          "data": {"N": tr["N"], "D": tr["D"], "Q": tr["value"]},
                          "targets": {"N": te["N"], "D": te["D"], "Q": te["value"]}})
    for benchmark in ("gsm8k", "math") if pythia_ks else ():
        S = dataclasses.replace(schaeffer.PROTOCOL, benchmark=benchmark, ks=tuple(pythia_ks))
        pk = schaeffer.ladder(S)
        for k in pythia_ks:
            d = pk[(pk["k"] == k) & pk["pass_at_k"].between(0, 1, inclusive="neither")]
            cases.append({"ladder": f"pythia {benchmark}", "benchmark": f"pass@{k}", "law": "compute",
                          "n_items": 128.0, "data": {"C": d["C"], "P": d["pass_at_k"]}})
    return cases
