"""Certified values, in the style of lmfit's NIST StRD tests: each case in ``tests/certified/*.toml`` names a law,
a data selection (read from the mirror, or inline), two start vectors, and certified parameters (with standard
errors and the objective where known) derived independently of the fitting engine (``tests/certified/derive.py``,
or a published source). A case passes when the law evaluated at the certified values gives the certified objective,
and a fit from each start -- and from the library's default starts -- agrees with the certified values to the
case's number of significant digits (the log relative error, LRE = -log10 |ours - certified| / |certified|)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import scalinglaws as sl

sys.path.insert(0, str(Path(__file__).resolve().parent / "certified"))
from casedata import cases, data, read  # noqa: E402

CASES = {p.stem: read(p) for p in cases()}


def lre(ours: float, certified: float) -> float:
    """Log relative error: the number of significant digits that agree (absolute error when certified is 0)."""
    err = abs(ours - certified) / (abs(certified) if certified != 0 else 1.0)
    return np.inf if err == 0 else float(-np.log10(err))


def _data(case, mirror_needed):
    if case["data"]["source"] != "inline":
        mirror_needed(case["data"]["source"])
    return data(case)


@pytest.fixture
def need_mirror(request):
    def need(source):
        if source == "pythia":  # parquet files
            request.getfixturevalue("needs_parquet")
        return request.getfixturevalue("mirror_env")

    return need


def test_there_are_enough_cases():
    assert len(CASES) >= 4
    for name, case in CASES.items():
        assert {"law", "digits", "starts", "certified", "data"} <= set(case), name
        assert len(case["starts"]) == 2, name
        assert set(case["certified"]["params"]) == set(sl.get_law(case["law"]).param_names), name


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if "objective" in c["certified"]])
def test_objective_at_the_certified_values(name, need_mirror):
    case = CASES[name]
    law, d = sl.get_law(case["law"]), _data(case, need_mirror)
    response = d.pop(law.response)
    y = law.to_space(response, case.get("chance", 0.0))
    r = y - law.func(**d, **law.to_internal(case["certified"]["params"]))
    if case.get("loss", "squared") == "squared":
        objective = float(np.sum(r**2))
    else:
        delta, a = case.get("huber_delta", 1e-3), np.abs(r)
        objective = float(np.sum(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))
    assert len(y) == case["certified"].get("n_points", len(y))
    assert lre(objective, case["certified"]["objective"]) >= 9 or abs(objective) < 1e-20, objective


RUNS = [(n, s) for n in CASES for s in ("one", "two", "default")]
# the paper's start grid too, where it has one of a testable size (Chinchilla's has 5400 starts)
RUNS += [(n, "paper") for n, c in CASES.items() if 0 < len(sl.get_law(c["law"]).paper_starts) <= 200]


@pytest.mark.parametrize("name, start", RUNS)
def test_fit_reaches_the_certified_values(name, start, need_mirror):
    case = CASES[name]
    cert = case["certified"]
    starts = case["starts"][start] if start in case["starts"] else start
    res = sl.fit(case["law"], chance=case.get("chance", 0.0), loss=case.get("loss"),
                 huber_delta=case.get("huber_delta"), starts=starts, warn=False, **_data(case, need_mirror))
    assert res.status is sl.FitStatus.CONVERGED, res.report()
    digits = {p: lre(res.params[p], v) for p, v in cert["params"].items()}
    assert min(digits.values()) >= case["digits"], (digits, res.report())
    if "objective" in cert and cert["objective"] > 0:
        assert lre(res.objective, cert["objective"]) >= case["digits"], (res.objective, cert["objective"])
    for p, se in cert.get("stderr", {}).items():
        assert lre(res.stderr[p], se) >= case["stderr_digits"], (p, res.stderr[p], se)
