"""Group fits, backtests against a target, the stabilisation criterion, and covariance with a vanished term."""

import warnings

import numpy as np
import pandas as pd
import pytest

import scalinglaws as sl
from scalinglaws.backtest import backtest_law, stabilisation_point
from scalinglaws.fitting import FitStatus, FitWarning, fit_groups
from scalinglaws.laws import LAWS


def _compute_table(E0=0.1, C0=3e4, alpha=0.2, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    C = np.geomspace(1e18, 1e22, 30)
    y = LAWS["compute"].func(C=C, **LAWS["compute"].to_internal(dict(E0=E0, C0=C0, alpha=alpha)))
    y = y + noise * rng.standard_normal(C.size)
    return pd.DataFrame({"C": C, "P": np.exp(-np.exp(y))})


def test_fit_groups_one_fit_per_group_and_skips_small_groups():
    a, b = _compute_table(alpha=0.2), _compute_table(alpha=0.3)
    table = pd.concat([a.assign(k=1), b.assign(k=2), a.head(3).assign(k=3)])
    fits, params = fit_groups(table, "compute", by="k", variables={"C": "C"}, response="P")
    assert set(fits) == {1, 2}  # k=3 has 3 points < 5
    assert params.loc[1, "alpha"] == pytest.approx(0.2, rel=1e-6)
    assert params.loc[2, "alpha"] == pytest.approx(0.3, rel=1e-6)
    assert {"se_alpha", "n_points", "status", "rmse"} <= set(params.columns)


def test_backtest_recovers_an_exact_law():
    table = _compute_table(noise=1e-3)
    target_C = 1e23
    observed = float(np.exp(-(0.1 + 3e4 * target_C**-0.2)))
    bt = backtest_law(table, "compute", variables={"C": "C"}, response="P", target={"C": target_C},
                      observed=observed)
    assert len(bt) == 30 - 5 + 1  # every cutoff with at least 5 points
    assert bt["rel_error"].iloc[-1] < 0.01
    last = bt.iloc[-1]  # rel_error is |y_hat - y| / y; neglog_rel_error the same on the -log scale
    assert last["rel_error"] == pytest.approx(abs(last["predicted"] - observed) / observed)
    assert last["neglog_rel_error"] == pytest.approx(
        abs(np.log(last["predicted"]) - np.log(observed)) / abs(np.log(observed)))
    assert bt["covered"].iloc[-1]
    assert (np.diff(bt["C_max"]) > 0).all()


def test_backtest_cutoffs_snap_to_points_and_refuse_bad_target():
    table = _compute_table()
    bt = backtest_law(table, "compute", variables={"C": "C"}, response="P", target={"C": 1e23}, observed=0.5,
                      cutoffs=[1e20, 1.0000001e20, 1e22])
    assert set(bt["C_max"]) <= set(table["C"]) and len(bt) == 2
    with pytest.raises(ValueError, match="not finite"):
        backtest_law(table, "compute", variables={"C": "C"}, response="P", target={"C": 1e23}, observed=np.nan)


def test_stabilisation_point():
    cut = [1, 2, 3, 4, 5]
    assert stabilisation_point(cut, [5.0, 1.2, 1.05, 0.98, 1.0]) == 3
    assert stabilisation_point(cut, [1.0, 1.0, 1.0, 1.0, 1.0]) == 1
    assert stabilisation_point(cut, [1.0, 2.0, 1.0, 1.0, 1.0], rtol=0.5) == 3
    assert np.isnan(stabilisation_point(cut, [1, 1, 1, 1, 3.0], reference=1.0))
    with pytest.raises(ValueError):
        stabilisation_point(cut, [1.0, 2.0])


def test_vanished_irreducible_term_is_pinned_and_said():
    # -log P bending below a pure power law: the best E0 is as small as its bound allows
    C = np.geomspace(1e18, 1e22, 30)
    y = np.log(3e4 * C**-0.2 - 0.02) + 0.005 * np.random.default_rng(0).standard_normal(C.size)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sl.fit("compute", C=C, P=np.exp(-np.exp(y)))
    assert res.params["E0"] < 1e-6
    assert res.status is FitStatus.AT_BOUND
    assert any(issubclass(w.category, FitWarning) for w in caught)
    assert res.stderr["E0"] is None and res.stderr["alpha"] > 0
    lo, hi = res.interval(C=np.array([1e23]))  # an interval exists, conditional on E0 = 0
    assert np.all(np.isfinite(lo)) and np.all(lo < res.predict(C=np.array([1e23]))) and np.all(hi > lo)


def test_backtest_summary_criteria():
    from scalinglaws.backtest import backtest_summary

    bt = pd.DataFrame({"C_max": [1e18, 1e19, 1e20, 1e21], "alpha": [0.5, 0.3, 0.21, 0.2],
                       "neglog_rel_error": [0.5, 0.05, 0.2, 0.08], "rel_error": [0.5, 0.5, 0.5, 0.5],
                       "predicted": [1, 2, 3, 4.0],
                       "covered": [True, None, False, True]})
    s = backtest_summary(bt, parameter="alpha", target_C=1e22)
    assert s["orders: parameter stable"] == pytest.approx(2.0)  # from 1e20 on, alpha within 10% of 0.2
    assert s["orders: neglog_rel_error <= 10%"] == pytest.approx(1.0)  # only the last cutoff stays <= 10%
    assert np.isnan(backtest_summary(bt, parameter="alpha", target_C=1e22, error="rel_error")[
        "orders: rel_error <= 10%"])
    with pytest.raises(ValueError, match="error must be"):
        backtest_summary(bt, parameter="alpha", target_C=1e22, error="mre")
    assert s["share of cutoffs covered"] == 0.5 and s["predicted (full pool)"] == 4.0
    never = bt.assign(neglog_rel_error=[0.5, 0.5, 0.5, 0.5])
    assert np.isnan(backtest_summary(never, parameter="alpha", target_C=1e22)["orders: neglog_rel_error <= 10%"])
    with pytest.raises(ValueError):
        backtest_summary(bt.iloc[:0], parameter="alpha", target_C=1e22)
