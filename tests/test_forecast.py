"""scalinglaws.forecast: recovery of a known law, coverage on synthetic ladders with a known truth, bad input."""

import numpy as np
import pandas as pd
import pytest

import scalinglaws as sl
from scalinglaws.calibration import bending_coverage
from scalinglaws.forecasting import forecast, interval_score


def ladder(n=16, alpha=0.15, A=2000.0, noise=0.0, seed=0, bend=0.0, chance=0.0):
    """A direct-law ladder from 1e18 to 1e21 FLOPs; ``bend`` makes the exponent drift with log C (a law that
    bends beyond the fitted range), ``noise`` is Gaussian on log(-log Q')."""
    rng = np.random.default_rng(seed)
    C = np.geomspace(1e18, 1e21, n)
    y = np.log(A) - (alpha + bend * np.log10(C / 1e18)) * np.log(C) + noise * rng.standard_normal(n)
    return C, chance + (1 - chance) * np.exp(-np.exp(y))


def truth(C, alpha=0.15, A=2000.0, bend=0.0):
    return np.exp(-np.exp(np.log(A) - (alpha + bend * np.log10(C / 1e18)) * np.log(C)))


def test_recovers_a_known_law_exactly():
    C, Q = ladder()
    f = forecast("direct", at={"C": [1e22, 1e23]}, C=C, Q=Q, interval="delta")
    np.testing.assert_allclose(f.predicted, truth(np.array([1e22, 1e23])), rtol=1e-9)
    assert f.interval == "delta" and not f.interpolation.any()


@pytest.mark.parametrize("method", ["delta", "backtest", "bootstrap"])
def test_intervals_contain_the_prediction_and_widen_with_distance(method):
    C, Q = ladder(noise=0.03, seed=1)
    f = forecast("direct", at={"C": [3e21, 1e23]}, C=C, Q=Q, interval=method, n_boot=100)
    assert np.all(f.lower < f.predicted) and np.all(f.predicted < f.upper)
    assert np.all(np.diff(f.upper - f.lower) > 0)


def _coverage(method, bend, seeds=range(30), level=0.9):
    return bending_coverage(method, bend, seeds=seeds, level=level)


def test_nominal_coverage_when_the_law_holds():
    # 60 targets (30 seeded ladders x 2): the binomial SE of a 90% coverage is 0.04
    assert 0.8 <= _coverage("delta", bend=0.0) <= 1.0
    assert 0.85 <= _coverage("backtest", bend=0.0) <= 1.0


def test_calibrated_recovers_coverage_when_the_law_bends():
    # the exponent drifts by 0.004 per decade: inside the ladder the fit looks good, beyond it the delta interval
    # misses; the backtest sees the drift and widens the interval (measured: delta 0.58, calibrated 0.78)
    delta, calibrated = _coverage("delta", bend=0.004), _coverage("backtest", bend=0.004)
    assert delta < 0.7 and calibrated >= 0.75 and calibrated - delta >= 0.15, (delta, calibrated)


def test_interval_score_charges_width_and_misses():
    assert interval_score(0.4, 0.6, 0.5, 0.9) == pytest.approx(0.2)
    assert interval_score(0.4, 0.6, 0.7, 0.9) == pytest.approx(0.2 + 2 / 0.1 * 0.1)


def test_binomial_noise_widens_and_stays_in_the_unit_interval():
    C, Q = ladder(noise=0.02, seed=2)
    a = forecast("direct", at={"C": 1e22}, C=C, Q=Q, interval="delta")
    b = forecast("direct", at={"C": 1e22}, C=C, Q=Q, interval="delta", n_items=100)
    assert b.lower[0] < a.lower[0] and b.upper[0] > a.upper[0] and 0 <= b.lower[0] and b.upper[0] <= 1


def test_backtest_falls_back_to_delta_with_too_few_runs():
    C, Q = ladder(n=6, noise=0.02, seed=3)
    f = forecast("direct", at={"C": 1e22}, C=C, Q=Q, interval="backtest")
    assert f.interval == "delta" and any("too few runs to backtest" in w for w in f.warnings)


def test_the_default_interval_is_learned_and_the_old_name_still_works():
    C, Q = ladder(n=6, noise=0.02, seed=3)
    f = forecast("direct", at={"C": 1e22}, C=C, Q=Q, n_items=1000)
    assert f.interval == "learned" and not any("delta" in w for w in f.warnings)  # a short ladder: never bare delta
    with pytest.warns(DeprecationWarning, match="now called 'backtest'"):
        old = forecast("direct", at={"C": 1e22}, C=C, Q=Q, interval="calibrated")
    assert old.interval == "delta"  # the old default's fallback, said in its warnings
    assert f.reinterval(level=0.8).interval == "learned"


def test_interpolation_is_answered_and_said():
    C, Q = ladder(noise=0.02, seed=4)
    f = forecast("direct", at={"C": [1e20, 1e22]}, C=C, Q=Q)
    assert f.interpolation.tolist() == [True, False]
    assert any("interpolation" in w for w in f.warnings) and "interpolation" in f.report()


def test_json_shape():
    C, Q = ladder(noise=0.02, seed=5)
    d = forecast("direct", at={"C": 1e22}, C=C, Q=Q).to_dict()
    assert set(d) == {"law", "level", "interval", "auto", "forecasts", "backtest", "status", "warnings"}
    assert d["auto"] is None and d["interval"] == "learned"
    assert set(d["forecasts"][0]) == {"at", "predicted", "lower", "upper"} and d["forecasts"][0]["at"] == {"C": 1e22}
    assert set(d["backtest"]) == {"folds", "coverage", "median_abs_error"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(at={"N": 1e9}), "unknown variable"),
    (dict(at={"C": -1.0}), "must be > 0"),
    (dict(at={"C": 1e22}, interval="magic"), "interval must be one of"),
    (dict(at={"C": 1e22}, level=1.5), "level must be in"),
])
def test_bad_input(kwargs, message):
    C, Q = ladder(noise=0.02)
    with pytest.raises(ValueError, match=message):
        forecast("direct", C=C, Q=Q, **kwargs)


def test_degenerate_designs_are_refused():
    with pytest.raises(ValueError, match="distinct value"):
        sl.fit("direct", C=[1e20] * 5, Q=[0.3, 0.31, 0.29, 0.3, 0.32])
    with pytest.raises(ValueError, match="constant"):
        sl.fit("direct", C=np.geomspace(1e18, 1e21, 5), Q=[0.4] * 5)
    with pytest.raises(ValueError, match="composite"):
        forecast("two_stage", at={"C": 1e22, "L": 2.0}, C=[1, 2, 3], L=[3, 2, 1], Q=[0.3, 0.4, 0.5])


def test_reinterval_equals_a_fresh_forecast():
    C, Q = ladder(noise=0.03, seed=6)
    f90 = forecast("direct", at={"C": [3e21, 1e22]}, C=C, Q=Q)
    f50 = forecast("direct", at={"C": [3e21, 1e22]}, C=C, Q=Q, level=0.5)
    again = f90.reinterval(level=0.5)
    np.testing.assert_allclose(again.lower, f50.lower) and np.testing.assert_allclose(again.upper, f50.upper)
    assert np.all(again.upper - again.lower < f90.upper - f90.lower)
    assert f90.reinterval(interval="delta").interval == "delta"


def test_split_points_and_study_on_a_synthetic_ladder():
    from scalinglaws import calibration

    C, Q = ladder(n=20, noise=0.03, seed=7)
    cuts = calibration.split_points(C, fractions=(0.6, 0.8))
    assert len(cuts) == 2 and cuts[0] < cuts[1] < C.max()
    assert calibration.split_points(C[:3]) == []  # too short a ladder to split
    case = {"ladder": "synthetic", "benchmark": "x", "law": "direct", "data": {"C": C, "Q": Q}}
    pts = calibration.study([case], levels=(0.5, 0.9), fractions=(0.6, 0.8))
    assert set(pts["method"]) == {"delta", "backtest"} and set(pts["level"]) == {0.5, 0.9}
    n_heldout = sum(int((C > c).sum()) for c in cuts)
    assert len(pts) == n_heldout * 2 * 2
    wide = pts[pts["level"] == 0.9].set_index(["split", "observed", "method"])["width"].unstack("method")
    assert (wide["backtest"] >= wide["delta"] - 1e-12).all()  # never narrower than delta
    table = calibration.coverage_table(pts)
    assert table.loc[("delta", 0.9), "predictions"] == n_heldout
    assert 0 <= table["coverage"].min() and table["coverage"].max() <= 1


def test_study_with_real_targets_fits_once():
    from scalinglaws import calibration

    C, Q = ladder(n=12, noise=0.02, seed=8)
    target = np.array([3e21, 1e22])
    case = {"ladder": "synthetic", "benchmark": "x", "law": "direct", "data": {"C": C, "Q": Q},
            "targets": {"C": target, "Q": truth(target)}}
    pts = calibration.study([case], levels=(0.9,), methods=("delta",))
    assert len(pts) == 2 and pts["split"].isna().all()


def test_heldout_errors_names_its_interval():
    from scalinglaws.backtest import heldout_errors

    C, Q = ladder(n=16, noise=0.03, seed=9)
    res = sl.fit("direct", C=C, Q=Q, max_compute=2e20)
    held = C > 2e20
    cal = heldout_errors(res, Q[held], C=C[held])
    delta = heldout_errors(res, Q[held], interval="delta", C=C[held])
    assert set(cal["interval"]) == {"backtest"} and set(delta["interval"]) == {"delta"}
    assert np.all(cal["upper"] - cal["lower"] >= delta["upper"] - delta["lower"] - 1e-12)
    with pytest.raises(ValueError, match="interval must be"):
        heldout_errors(res, Q[held], interval="bootstrap", C=C[held])


def test_learned_interval_uses_the_error_model_and_the_ladder():
    C, Q = ladder(n=16, noise=0.02, seed=3)
    f = forecast("direct", at={"C": [1e22]}, C=C, Q=Q, interval="learned", n_items=1000)
    assert f.interval == "learned" and f.quantile is not None and f.lower[0] < f.predicted[0] < f.upper[0]
    assert not any("no backtest" in w for w in f.warnings)
    # a short ladder: no backtest, so the prior alone -- said, never a bare delta interval called calibrated
    short = forecast("direct", at={"C": [1e22]}, C=C[:4], Q=Q[:4], interval="learned", n_items=1000)
    assert short.interval == "learned" and any("prior alone" in w for w in short.warnings)
    delta = forecast("direct", at={"C": [1e22]}, C=C[:4], Q=Q[:4], interval="delta", n_items=1000)
    assert short.upper[0] - short.lower[0] != pytest.approx(delta.upper[0] - delta.lower[0])
    # without an item count, the scale is not the model's: said
    assert any("no n_items" in w for w in forecast("direct", at={"C": [1e22]}, C=C, Q=Q, interval="learned").warnings)
    # the same forecast re-intervalled keeps one set of notes
    again = f.reinterval(level=0.8)
    assert again.interval == "learned" and again.upper[0] - again.lower[0] < f.upper[0] - f.lower[0]


def test_learned_interval_flags_an_uninformative_interval():
    C, Q = ladder(n=6, noise=0.3, seed=1)
    f = forecast("direct", at={"C": [1e24]}, C=C, Q=Q, interval="learned", n_items=100)
    width = f.upper[0] - f.lower[0]
    assert width > 0.5 and any("uninformative" in w for w in f.warnings), (width, f.warnings)
    assert 0 <= f.lower[0] and f.upper[0] <= 1


def test_a_loss_has_no_error_model_and_says_so():
    C = np.geomspace(1e18, 1e21, 10)
    L = 2.0 + 50 * C**-0.1
    f = forecast("loss_floor_in_compute", at={"C": [1e22]}, C=C, L=L)
    assert f.interval in ("backtest", "delta") and any("no error model" in w for w in f.warnings)


def test_auto_chooses_among_the_laws_the_variables_allow_and_says_why():
    C, Q = ladder(n=16, noise=0.02, seed=11)
    N = np.sqrt(C / 120)  # one tokens-per-parameter ratio (D = 20 N): N and D do not identify the across-TPR law
    D = 20 * N
    f = forecast("auto", at={"C": [1e22], "N": [np.sqrt(1e22 / 120)], "D": [20 * np.sqrt(1e22 / 120)]},
                 C=C, N=N, D=D, Q=Q, n_items=1000)
    sel = f.selection.set_index("law")
    assert {"direct", "direct_qmax", "sigmoid_in_log_compute", "linear_in_log_compute", "across_tpr"} <= set(sel.index)
    assert sel.loc["across_tpr", "reason"].startswith("fit ") and not sel.loc["across_tpr", "chosen"]
    with pytest.warns(sl.FitWarning):  # fitted directly, the same law warns: never "converged" alone
        direct_fit = sl.fit("across_tpr", N=N, D=D, Q=Q)
    assert str(direct_fit.status) != "converged"
    assert sel["chosen"].sum() == 1 and f.law == sel.index[sel["chosen"]][0]
    usable = sel[np.isfinite(sel["score"])]
    assert sel.loc[f.law, "score"] == usable["score"].min()
    assert "law chosen by auto" in f.report() and f.law in f.why()
    assert f.to_dict()["auto"][0]["chosen"] is True
    # the law the truth follows (the direct law, a pure power law here) wins on its own backtest
    assert f.law == "direct", f.why()
    # only C: the across-TPR law is not a candidate at all; without a score column nothing can be chosen
    only_c = forecast("auto", at={"C": [1e22]}, C=C, Q=Q, n_items=1000)
    assert "across_tpr" not in set(only_c.selection["law"])
    with pytest.raises(ValueError, match="Q= .*P="):
        forecast("auto", at={"C": [1e22]}, C=C, L=Q)
    with pytest.raises(ValueError, match="no law takes"):
        forecast("auto", at={"k": [1.0]}, k=C, Q=Q)


def test_choose_ranks_by_the_prior_shrunk_towards_the_ladders_own_errors():
    from scalinglaws import error_model as E

    skill = pd.DataFrame({"method": ["a"] * 3 + ["b"] * 3, "distance_bin": "0.5-1", "ladder": ["x", "y", "z"] * 2,
                          "n": 10, "log_ratio": [-1.0] * 3 + [0.0] * 3})
    model = E.ErrorModel(pd.DataFrame(), skill=skill)
    prior_only = E.choose(model, {"a": np.array([]), "b": np.array([])}, 0.8)
    assert prior_only.loc[prior_only["chosen"], "method"].item() == "a"
    # a long own backtest in which b is far better overrides the prior; a short one does not
    long = E.choose(model, {"a": np.zeros(100), "b": np.full(100, -2.0)}, 0.8)
    short = E.choose(model, {"a": np.zeros(2), "b": np.full(2, -2.0)}, 0.8)
    assert long.loc[long["chosen"], "method"].item() == "b" and short.loc[short["chosen"], "method"].item() == "a"
    # a method that could not be fitted is listed with its reason and never chosen
    out = E.choose(model, {"a": "fit not_identified", "b": np.array([])}, 0.8)
    assert out.loc[out["chosen"], "method"].item() == "b" and out.set_index("method").loc["a", "reason"]
    # a method never benchmarked has prior 0 (as good as carrying forward); ties keep the given order
    tie = E.choose(model, {"c": np.array([]), "d": np.array([])}, 0.8)
    assert tie["prior_from"].tolist() == ["none", "none"] and tie.loc[tie["chosen"], "method"].item() == "c"


def test_auto_on_pass_at_k_offers_schaeffers_law_and_the_accuracy_laws():
    C = np.geomspace(1e18, 1e21, 14)
    P = np.exp(-np.exp(np.log(50.0) - 0.08 * np.log(C / 1e15)))  # a pass@k rising with compute, in (0, 1)
    f = forecast("auto", at={"C": [1e22]}, C=C, P=P, n_items=500)
    laws = set(f.selection["law"])
    assert "compute" in laws and "direct" in laws and "params_tokens" not in laws  # no N, D given
    assert f.selection["chosen"].sum() == 1 and 0 < f.predicted[0] < 1


def test_a_law_the_benchmark_never_forecast_borrows_the_pooled_prior_and_says_so():
    k = np.tile([1.0, 2, 4, 8, 16, 32], 4)
    C = np.repeat([1e19, 3e19, 1e20, 3e20], 6)
    Q = 1 - np.exp(-0.02 * k**0.5 * (C / 1e19) ** 0.1)
    f = forecast("passk_joint", at={"C": [1e21], "k": [8.0]}, C=C, k=k, Q=Q, n_items=500)
    assert f.interval == "learned" and any("pools every method" in w for w in f.warnings), f.warnings
    direct = forecast("direct", at={"C": [1e22]}, C=np.geomspace(1e18, 1e21, 12),
                      Q=np.exp(-2000 * np.geomspace(1e18, 1e21, 12) ** -0.15), n_items=500)
    assert not any("pools every method" in w for w in direct.warnings)
