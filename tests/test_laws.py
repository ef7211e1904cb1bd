"""Parameter recovery on synthetic data with known truth, for every law; certified values on Epoch's Chinchilla."""

import dataclasses

import numpy as np
import pytest

import scalinglaws as sl
from scalinglaws.fitting import FitStatus, from_space
from scalinglaws.laws import LAWS
from scalinglaws.two_stage import fit_two_stage

RNG = np.random.default_rng(12345)
C = np.geomspace(1e18, 1e23, 40)
N = np.repeat(np.geomspace(1e7, 1e10, 8), 6)
D = N * np.tile([5, 10, 20, 40, 80, 160], 8)

TRUTH = {
    "direct": ({"C": C}, dict(A=2000.0, alpha=0.15)),
    "direct_qmax": ({"C": C}, dict(A=5000.0, alpha=0.2, E=0.1)),
    "bnsl": ({"C": C}, dict(a=0.05, b=20.0, c0=0.05, d1=1e21, f1=0.5, c1=0.3)),
    "across_tpr": ({"N": N, "D": D}, dict(A=300.0, alpha=0.3, B=800.0, beta=0.28)),
    "passk_joint": ({"C": np.tile(C[::4], 6), "k": np.repeat([1, 2, 4, 8, 16, 32], 10)},
                    dict(A=1e5, alpha=-0.25, beta=-0.5, delta=0.004)),
    "power_in_k": ({"k": np.geomspace(1, 1e4, 20)}, dict(a=3.0, b=0.3)),
    "compute": ({"C": C}, dict(E0=0.2, C0=3e4, alpha=0.22)),
    "params_tokens": ({"N": N, "D": D}, dict(E0=0.15, N0=400.0, beta=0.35, D0=2500.0, gamma=0.37)),
    "gold_reference": ({"G": np.geomspace(20, 400, 30)}, dict(xi0=0.1, K0=2e-3, kappa=1.4)),
    "chinchilla": ({"N": N, "D": D}, dict(E=1.8, A=480.0, alpha=0.35, B=2100.0, beta=0.37)),
    "loss_in_compute": ({"C": C}, dict(C_N=1e8, alpha_N=-0.05)),
    "loss_floor_in_compute": ({"C": C}, dict(E=0.6, A=300.0, alpha=0.12)),
    "accuracy_linear_in_loss": ({"L": np.linspace(2.2, 4.0, 30)}, dict(a=1.3, b=-0.3)),
    "accuracy_logistic_in_loss": ({"L": np.linspace(2.0, 4.5, 40)}, dict(a=0.6, k=-4.0, l0=3.0, b=0.25)),
    "linear_in_log_compute": ({"C": C}, dict(a=-1.5, b=0.1)),
    "sigmoid_in_log_compute": ({"C": C}, dict(a=0.6, k=1.5, x0=20.5, b=0.25)),
}


def test_every_law_has_a_recovery_case():
    assert set(TRUTH) == set(LAWS)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_recovers_known_parameters(name):
    law = LAWS[name]
    X, truth = TRUTH[name]
    y = law.func(**X, **law.to_internal(truth))
    noise = RNG.standard_normal(y.shape)
    y = y * (1 + 1e-4 * noise) if law.space != "identity" else y + 1e-5 * noise
    response = from_space(y, law.space)
    res = sl.fit(name, **X, **{law.response: response}, loss="squared")
    assert res.status is FitStatus.CONVERGED, res.report()
    for p, value in truth.items():  # relative only: an absolute floor would accept a parameter fitted as zero
        assert res.params[p] == pytest.approx(value, rel=0.05), (p, res.params)
    # the fitted curve, which is what a reader uses, must be accurate everywhere on the data
    np.testing.assert_allclose(res.predict(**X), response, rtol=2e-3, atol=1e-4)


def test_paper_grid_reaches_the_default_optimum():
    X, truth = TRUTH["across_tpr"]
    law = LAWS["across_tpr"]
    Q = from_space(law.func(**X, **law.to_internal(truth)), "loglog")
    a = sl.fit("across_tpr", **X, Q=Q)
    b = sl.fit("across_tpr", **X, Q=Q, starts="paper")
    assert b.n_starts == 81
    assert a.objective == pytest.approx(b.objective, abs=1e-12)
    for p in truth:
        assert a.params[p] == pytest.approx(b.params[p], rel=1e-4)


def test_huber_objective_is_the_summed_huber():
    X, truth = TRUTH["compute"]
    law = LAWS["compute"]
    P = from_space(law.func(**X, **law.to_internal(truth)) + 0.01 * RNG.standard_normal(len(C)), "loglog")
    res = sl.fit("compute", **X, P=P, loss="huber", huber_delta=1e-3)
    r = np.abs(res.residuals)
    expected = np.sum(np.where(r <= 1e-3, 0.5 * r**2, 1e-3 * (r - 0.5e-3)))
    assert res.objective == pytest.approx(expected, rel=1e-10)


def test_bootstrap_is_seeded_and_brackets_the_fit():
    X, truth = TRUTH["direct"]
    Q = np.exp(-truth["A"] * X["C"] ** -truth["alpha"] * np.exp(0.02 * RNG.standard_normal(len(C))))
    res = sl.fit("direct", **X, Q=Q)
    b1, b2 = res.bootstrap(200, seed=7), res.bootstrap(200, seed=7)
    np.testing.assert_array_equal(b1.draws, b2.draws)
    lo, hi = b1.param_interval()["alpha"]
    assert lo < res.params["alpha"] < hi
    assert hi - lo == pytest.approx(2 * 1.96 * res.stderr["alpha"], rel=0.35)
    # the bootstrap band of the mean agrees with the delta-method confidence interval, and is narrower than the
    # prediction interval (which adds the scatter of a new run)
    plo, phi = b1.confidence_band(C=[1e24])
    clo, chi = res.interval(kind="confidence", C=[1e24])
    nlo, nhi = res.interval(kind="prediction", C=[1e24])
    assert phi[0] - plo[0] == pytest.approx(chi[0] - clo[0], rel=0.35)
    assert phi[0] - plo[0] < nhi[0] - nlo[0]
    assert repr(b1) == "BootstrapResult(law='direct', n_draws=200, n_failed=0, seed=7)"


def test_two_stage_composes_the_stages():
    Cs = np.geomspace(1e18, 1e22, 30)
    L = (Cs / 1e8) ** -0.05
    Q = 1.3 - 0.3 * L
    ts = fit_two_stage(Cs, L, Q, max_compute=1e21)
    assert ts.stage1.params["alpha_N"] == pytest.approx(-0.05, rel=1e-6)
    np.testing.assert_allclose(ts.predict(Cs), Q, rtol=1e-6)
    Qn = Q + 1e-3 * RNG.standard_normal(len(Q))
    noisy = fit_two_stage(Cs, L * np.exp(1e-3 * RNG.standard_normal(len(L))), Qn, max_compute=1e21)
    lo, hi = noisy.interval(Cs[-3:])
    assert np.all(np.diff(hi - lo) > 0)  # wider the further the extrapolation
    assert noisy.to_dict()["params"].keys() == {"C_N", "alpha_N", "a", "b"}
    with pytest.raises(ValueError, match="link"):
        fit_two_stage(Cs, L, Q, link="cubic")


# Epoch's refit of the Chinchilla data is a certified case: tests/certified/chinchilla_epoch.toml.


@pytest.mark.parametrize("name", sorted(n for n, law in LAWS.items() if law.jacobian is not None))
def test_analytic_jacobian_matches_finite_differences(name):
    law = LAWS[name]
    X, truth = TRUTH[name]
    theta = law.to_internal(truth)
    J = law.jacobian(**X, **theta)
    assert J.shape == (len(next(iter(X.values()))), len(law.params))
    for j, p in enumerate(law.internal_names):
        h = 1e-6 * max(1.0, abs(theta[p]))
        up, down = dict(theta, **{p: theta[p] + h}), dict(theta, **{p: theta[p] - h})
        numeric = (law.func(**X, **up) - law.func(**X, **down)) / (2 * h)
        np.testing.assert_allclose(J[:, j], numeric, rtol=1e-5, atol=1e-9, err_msg=p)


def test_analytic_jacobian_reaches_the_finite_difference_optimum():
    """BNSL fitted with its analytic Jacobian and with lmfit's finite differences: the same optimum."""
    X, truth = TRUTH["bnsl"]
    law = LAWS["bnsl"]
    Q = from_space(law.func(**X, **law.to_internal(truth)) * (1 + 0.01 * RNG.standard_normal(len(X["C"]))), "neglog")
    analytic = sl.fit(law, **X, Q=Q, warn=False)
    numeric = sl.fit(dataclasses.replace(law, jacobian=None), **X, Q=Q, warn=False)
    assert analytic.objective == pytest.approx(numeric.objective, rel=1e-6)
    for p in law.param_names:
        assert analytic.params[p] == pytest.approx(numeric.params[p], rel=1e-4, abs=1e-6), p


def test_a_fit_the_data_do_not_determine_is_not_called_converged():
    """Five points on a line fitted by a four-parameter logistic: the data leave a, l0 and b anywhere along a
    valley. The engine says so instead of 'converged' (it once reported 'converged', and elsewhere 'converged' with
    no standard errors at all); a well-sampled logistic is converged."""
    L = np.array([2.40, 2.45, 2.5, 2.55, 2.6])
    Q = np.array([0.065, 0.0623, 0.06, 0.0575, 0.0552])
    res = sl.fit("accuracy_logistic_in_loss", L=L, Q=Q, warn=False)
    assert res.status == "not_identified" and "do not determine" in res.reason
    with pytest.warns(sl.FitWarning, match="not_identified"):
        sl.fit("accuracy_logistic_in_loss", L=L, Q=Q)
    L2 = np.linspace(1, 4, 12)
    Q2 = 0.05 + 0.8 / (1 + np.exp(3 * (L2 - 2.5))) + np.array([1, -1] * 6) * 0.003
    assert sl.fit("accuracy_logistic_in_loss", L=L2, Q=Q2, warn=False).status == "converged"


def test_two_stage_status_is_the_worse_stage():
    from scalinglaws.results import FitStatus
    from scalinglaws.two_stage import TwoStageResult

    class Stage:
        def __init__(self, status):
            self.status, self.reason = status, ""

    for one, two, worse in [("converged", "not_identified", "not_identified"), ("at_bound", "not_identified",
                            "not_identified"), ("max_iter", "at_bound", "max_iter"), ("converged", "converged",
                            "converged"), ("failed", "not_identified", "failed")]:
        r = TwoStageResult(Stage(FitStatus(one)), Stage(FitStatus(two)), "logistic")
        assert r.status == FitStatus(worse)
