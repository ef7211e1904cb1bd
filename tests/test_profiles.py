"""Profiles, profile intervals, weak identification, and a law fitted in another space (scalinglaws.profiles,
scalinglaws.laws.in_space)."""

import numpy as np
import pytest

import scalinglaws as sl
from scalinglaws.laws import LAWS, in_space
from scalinglaws.profiles import profile, profile_interval, weakly_identified
from scalinglaws.spaces import convert, from_space, to_space

RNG = np.random.default_rng(7)
C = np.geomspace(1e18, 1e22, 30)


def _compute_law_data(E0):
    law = LAWS["compute"]
    y = law.func(C=C, **law.to_internal({"E0": E0, "C0": 3e4, "alpha": 0.22}))
    return from_space(y + 0.01 * RNG.standard_normal(C.size), law.space)


def test_profile_of_a_resolved_term_rises_on_both_sides_and_brackets_the_estimate():
    res = sl.fit("compute", C=C, P=_compute_law_data(0.3))
    prof = profile(res, "E0", np.linspace(0.1, 0.5, 21))
    assert prof["rise"].min() >= -1e-9  # no profiled value beats the fit
    lo, hi, open_ = profile_interval(prof)
    assert lo < res.params["E0"] < hi and not open_
    assert prof["lr"].iloc[0] > 3.84 and prof["lr"].iloc[-1] > 3.84
    assert weakly_identified(res) == []


def test_profile_of_a_vanished_term_is_open_towards_zero():
    res = sl.fit("compute", C=C, P=_compute_law_data(1e-9), warn=False)
    prof = profile(res, "E0", np.geomspace(1e-8, 0.3, 15))
    lo, hi, open_ = profile_interval(prof)
    assert open_ and lo == pytest.approx(1e-8)
    assert "E0" in weakly_identified(res)


def test_profile_refuses_unknown_parameters_and_huber_intervals():
    res = sl.fit("direct_qmax", C=C, Q=0.25 + 0.5 * np.exp(-(3e3 * C**-0.2 + 0.05)), chance=0.25, warn=False)
    with pytest.raises(ValueError, match="no parameter"):
        profile(res, "E0")
    prof = profile(res, "E", n=5)
    assert len(prof) == 5 and prof["lr"].isna().all()
    with pytest.raises(ValueError, match="not a likelihood"):
        profile_interval(prof)


@pytest.mark.parametrize("space", ["loglog", "neglog", "normalised"])
def test_direct_law_in_another_space_recovers_the_law_exactly(space):
    Q = 0.25 + 0.75 * np.exp(-2000.0 * C**-0.15)
    res = sl.fit(in_space("direct", space), C=C, Q=Q, chance=0.25)
    assert res.law.space == space
    assert res.params["alpha"] == pytest.approx(0.15, rel=1e-6)
    np.testing.assert_allclose(res.predict(C=C), Q, rtol=1e-8)


def test_in_space_refuses_loss_spaces_and_composites():
    with pytest.raises(ValueError, match="cannot be fitted"):
        in_space("direct", "loss")
    with pytest.raises(ValueError, match="composite"):
        in_space("two_stage", "loglog")


def test_space_conversions_round_trip():
    q = np.array([0.3, 0.6, 0.9])
    for a in ("loglog", "neglog", "normalised"):
        for b in ("loglog", "neglog", "normalised"):
            np.testing.assert_allclose(convert(to_space(q, a), a, b), to_space(q, b), rtol=1e-12)
    assert np.isfinite(convert(800.0, "loglog", "neglog"))
