"""The error model learned from the benchmark: scaled errors, the prior as a mixture over ladders, its combination
with a ladder's own backtest, the shipped model against a fresh computation, and leave-one-ladder-out."""

import numpy as np
import pandas as pd
import pytest

from scalinglaws import benchmark as B
from scalinglaws import error_model as E


def _table(ladder, errors, *, method="direct", half=0.01, dbin_distance=0.8, n_items=1000, cutoff=1e20):
    n = len(errors)
    p = np.full(n, 0.5)
    y = p + np.asarray(errors, float)
    return pd.DataFrame({"ladder": ladder, "task": "t", "method": method, "cutoff": cutoff, "n_fit": 8,
                         "status": "converged", "run_id": [f"r{i}" for i in range(n)], "C": cutoff * 10**dbin_distance,
                         "distance": dbin_distance, "distance_bin": B.distance_bin([dbin_distance] * n),
                         "observed": y, "predicted": p, "lower": p - half, "upper": p + half,
                         "binomial_se": np.sqrt(np.clip(y, 1e-9, 1) * (1 - y) / n_items)})


def test_scaled_errors_are_in_half_widths_of_each_side():
    t = _table("a", [0.005, -0.02, 0.0])
    t.loc[1, "lower"] = 0.5 - 0.04  # an asymmetric interval: the lower side is wider
    s = E.scaled_errors(t, "delta")
    np.testing.assert_allclose(s["e"], [0.5, -0.5, 0.0])
    assert (s["abs_e"] <= 1).tolist() == [True, True, True]  # |e| <= 1 exactly when the 90% interval covers
    hyb = E.scaled_errors(t, "hybrid")
    assert (hyb["abs_e"] < s["abs_e"] + 1e-15).all()  # the benchmark's noise widens the scale
    with pytest.raises(ValueError, match="scale"):
        E.half_widths(t, "nope")


def test_the_prior_is_an_equal_weight_mixture_over_ladders():
    rng = np.random.default_rng(0)
    small = _table("small", rng.normal(0, 0.01, 10))  # |e| ~ 1 in delta half-widths
    big = _table("big", rng.normal(0, 0.04, 1000))  # 4x the errors, 100x the rows
    third = _table("third", rng.normal(0, 0.01, 10))
    model = E.ErrorModel(E.compute(pd.concat([small, big, third]), "delta"))
    cdf, used = model.prior_cdf("direct", "0.5-1")
    assert used == "direct"
    # at |e| = 2, the two small ladders have almost all their mass and the big one about a third: an equal-weight
    # mixture gives ~0.78, a pooled one (dominated by the big ladder) ~0.4
    at2 = float(cdf[np.searchsorted(E.Q_GRID, 2.0)])
    assert 0.65 < at2 < 0.9
    # a method seen on fewer than MIN_LADDERS ladders borrows every method's cells
    assert model.prior_cdf("sigmoid_log_compute", "0.5-1")[1] == "*"
    assert model.prior_cdf("direct", ">1.5")[0] is None


def test_own_errors_dominate_a_long_backtest_and_the_prior_a_short_one():
    rng = np.random.default_rng(1)
    prior = pd.concat([_table(f"l{i}", rng.normal(0, 0.02, 50)) for i in range(4)])  # |e| ~ |N(0, 2)|
    model = E.ErrorModel(E.compute(prior, "delta"))
    q_prior, ev = model.quantile(0.9, "direct", 0.8)
    assert ev["own_errors"] == 0 and 2.5 < q_prior < 4.5
    tight = np.full(200, 0.2)  # a ladder whose own errors are all 0.2 half-widths
    q_long, _ = model.quantile(0.9, "direct", 0.8, own=tight)
    q_short, _ = model.quantile(0.9, "direct", 0.8, own=tight[:3])
    assert q_long < 0.5 < q_short and q_short > 0.6 * q_prior
    assert model.quantile(0.9, "direct", 0.8, k0=0)[0] == q_prior  # no weight and no errors: the prior decides
    q_own_only, ev = model.quantile(0.9, "direct", 0.8, own=tight, k0=0)
    assert q_own_only == pytest.approx(0.2, rel=0.01) and ev["prior_weight"] == 0
    with pytest.raises(ValueError, match="no prior"):
        model.quantile(0.9, "direct", 3.0)
    with pytest.raises(ValueError, match="level"):
        model.quantile(1.0, "direct", 0.8)


def test_the_shipped_model_matches_a_fresh_computation():
    """The drift check: the shipped error model is what the shipped benchmark table gives today."""
    shipped = E.load()
    fresh = E.compute(B.load_results())
    assert shipped.info["benchmark"]["sha256"] == B.load_results().attrs["provenance"]["sha256"]
    assert list(shipped.table.columns) == list(fresh.columns) and len(shipped.table) == len(fresh)
    pd.testing.assert_frame_equal(shipped.table.reset_index(drop=True), fresh.reset_index(drop=True),
                                  check_exact=False, rtol=1e-7, check_dtype=False)
    fresh_skill = E.compute_skill(B.load_results())
    assert shipped.info["skill_rows"] == len(fresh_skill) == len(shipped.skill)
    pd.testing.assert_frame_equal(shipped.skill.reset_index(drop=True), fresh_skill.reset_index(drop=True),
                                  check_exact=False, rtol=1e-7, atol=1e-9, check_dtype=False)


def test_leave_one_ladder_out_never_learns_from_the_tested_ladder():
    rng = np.random.default_rng(2)
    parts = [_table(f"l{i}", rng.normal(0, 0.02, 30)) for i in range(4)]
    odd = _table("odd", rng.normal(0, 0.2, 30))  # a ladder whose errors are 10x the others'
    pts = E.leave_one_ladder_out(pd.concat([*parts, odd]), scale="delta")
    assert set(pts["interval"]) == set(E.LOLO_METHODS)
    cov = E.lolo_summary(pts, by=["ladder", "interval"])["coverage"].unstack()
    # learned from the others, the prior cannot know the odd ladder's errors: it under-covers there
    assert cov.loc["odd", "prior"] < 0.5 and cov.drop(index="odd")["prior"].min() > 0.7
    assert ((pts["lower"] >= 0) & (pts["upper"] <= 1)).all()
