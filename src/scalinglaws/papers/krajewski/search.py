"""Choices varied together: a search over the protocol's uncertain fields for the combination nearest the paper's
numbers.

:func:`~scalinglaws.papers.krajewski.sensitivity` varies one field at a time, which cannot find a gap that only a
combination closes. :func:`joint_search` tries every combination of the values given (a Cartesian product), computes
the main table's numbers under each, and ranks the combinations by their distance to the paper's numbers, in units
of the claims' own tolerances. The best combination is what it is: the result of a search over choices the paper
does not state, chosen *because* it lands near the paper, not evidence that the paper made those choices. Each row
says how far it moves every verdict the search can compute.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from .. import paper_value
from .claims import _within
from .protocol import PROTOCOL, KrajewskiProtocol
from .routes import extrapolation, main_table

__all__ = ["JOINT_FIELDS", "joint_search"]

#: The fields the search varies by default and the values it tries: the choices the paper leaves open or states
#: only through third-party notes (see :func:`scalinglaws.papers.provenance`).
JOINT_FIELDS = {
    "filter_margin": (0.0, 0.05, 0.10),
    "normalise": (True, False),
    "mc_metric": ("acc", "acc_norm"),
    "min_compute": (1e18, 3e18, 1e19),
}
#: The claims the search recomputes, with the tolerance that decides "reproduced" (as in :func:`claims`).
_TOLERANCES = {"direct_mre": 0.01, "direct_mae": 0.005}


def joint_search(protocol: KrajewskiProtocol = PROTOCOL, fields: dict | None = None, *, two_stage: int = 5
                 ) -> pd.DataFrame:
    """Every combination of ``fields`` (default :data:`JOINT_FIELDS`), ranked by distance to the paper.

    For each combination: the direct law's mean held-out MRE and MAE over the benchmarks (as :func:`main_table`)
    and their statuses by the claims' rules. ``distance`` is the larger of ``|MRE - paper| / 0.01`` and
    ``|MAE - paper| / 0.005``: below 1, both numbers are within the band that makes the claim *reproduced*. For the
    ``two_stage`` nearest combinations and the protocol itself, the two-stage routes are fitted too
    (``two_stage_linear_mre``, ``two_stage_logistic_mre``) and ``direct_lowest`` says whether the direct law still
    has the lowest mean error, the paper's central verdict (NaN elsewhere: the two-stage fits are the slow part).
    Rows are sorted by distance (rank 1 nearest); the protocol itself is marked ``is_protocol``.
    """
    fields = dict(JOINT_FIELDS if fields is None else fields)
    names = {f.name for f in dataclasses.fields(protocol)}
    unknown = set(fields) - names
    if unknown:
        raise ValueError(f"unknown protocol field(s) {sorted(unknown)}; fields: {sorted(names)}")
    if not fields or any(len(v) == 0 for v in fields.values()):
        raise ValueError("joint_search needs at least one field with at least one value")
    paper = {k: paper_value("krajewski", k) for k in _TOLERANCES}
    rows = []
    for values in itertools.product(*fields.values()):
        choice = dict(zip(fields, values))
        p = dataclasses.replace(protocol, **choice)
        main = main_table(p, extrapolation(p, ("direct",))[0], ("direct",))
        row = {**choice, "direct_mre": main.loc["direct", "mre"], "direct_mae": main.loc["direct", "mae"]}
        for key, tol in _TOLERANCES.items():
            row[f"{key}_status"] = _within(row[key], paper[key], tol)
        row["distance"] = max(abs(row[k] - paper[k]) / tol for k, tol in _TOLERANCES.items())
        row["is_protocol"] = all(getattr(protocol, f) == v for f, v in choice.items())
        rows.append(row)
    out = pd.DataFrame(rows).sort_values(["distance", *fields], kind="stable").reset_index(drop=True)
    out.index = pd.RangeIndex(1, len(out) + 1, name="rank")
    if not np.isfinite(out["distance"]).all():
        raise ValueError("joint_search: a combination gave no finite error (a field value the data cannot carry)")
    for col in ("two_stage_linear_mre", "two_stage_logistic_mre", "direct_lowest"):
        out[col] = np.nan if col != "direct_lowest" else None
    for rank in sorted(set(out.index[:two_stage]) | set(out.index[out["is_protocol"]])):
        p = dataclasses.replace(protocol, **{f: out.loc[rank, f] for f in fields})
        routes = ("direct", "two_stage_linear", "two_stage_logistic")
        main = main_table(p, extrapolation(p, routes)[0], routes)
        out.loc[rank, "two_stage_linear_mre"] = main.loc["two_stage_linear", "mre"]
        out.loc[rank, "two_stage_logistic_mre"] = main.loc["two_stage_logistic", "mre"]
        out.loc[rank, "direct_lowest"] = bool(main.loc["direct", "mre"] < min(main.loc["two_stage_linear", "mre"],
                                                                              main.loc["two_stage_logistic", "mre"]))
    return out
