"""The compute-optimal envelope theorem: closed forms checked symbolically (sympy) and by brute force."""

import re
import sys

import numpy as np
import pytest
from scipy import optimize

from scalinglaws import envelope as ev


def test_closed_forms_symbolically(needs_sympy):
    sp = needs_sympy
    N, C, N0, D0, b, g, c = sp.symbols("N C N0 D0 beta gamma c", positive=True)
    D = C / (c * N)
    R = N0 * N**-b + D0 * D**-g
    Nstar = (b * N0 / (g * D0)) ** (1 / (b + g)) * (C / c) ** (g / (b + g))
    # first-order condition holds at N*
    assert sp.simplify(sp.powsimp(sp.expand_power_base(sp.diff(R, N).subs(N, Nstar), force=True), force=True)) == 0
    alpha = b * g / (b + g)
    C0 = c**alpha * (b + g) * (N0 / g) ** (g / (b + g)) * (D0 / b) ** (b / (b + g))
    ratio = sp.simplify(sp.powsimp(sp.expand_power_base(R.subs(N, Nstar) / (C0 * C**-alpha), force=True), force=True))
    assert ratio == 1
    # misallocation penalty: at N = r N* the two terms scale as r^-beta and r^gamma ...
    r, T1 = sp.symbols("r T1", positive=True)
    t1, t2 = N0 * Nstar**-b, D0 * (C / (c * Nstar)) ** -g
    moved = sp.expand_power_base(R.subs(N, r * Nstar) - (t1 * r**-b + t2 * r**g), force=True)
    assert sp.simplify(sp.powsimp(moved, force=True)) == 0
    # ... and the optimum balances them, beta*T1 = gamma*T2, which fixes Phi
    assert sp.simplify(sp.powsimp(sp.expand_power_base(b * t1 - g * t2, force=True), force=True)) == 0
    phi = (T1 * r**-b + (b * T1 / g) * r**g) / (T1 + b * T1 / g)
    assert sp.simplify(phi - (g * r**-b + b * r**g) / (b + g)) == 0
    # curvature at r = 1: Phi ~ 1 + beta*gamma/2 (ln r)^2
    u = sp.symbols("u", real=True)
    series = sp.series(((g * sp.exp(-b * u) + b * sp.exp(g * u)) / (b + g)), u, 0, 3).removeO()
    assert sp.simplify(series - (1 + b * g * u**2 / 2)) == 0


@pytest.mark.parametrize("seed", range(20))
def test_brute_force_minimisation_agrees(seed):
    rng = np.random.default_rng(seed)
    N0, D0 = 10 ** rng.uniform(1, 5), 10 ** rng.uniform(1, 5)
    beta, gamma = rng.uniform(0.1, 1.0), rng.uniform(0.1, 1.0)
    C = 10 ** rng.uniform(18, 24)

    def R(u):  # u = log N; D = C / (6N)
        return N0 * np.exp(-beta * u) + D0 * (C / (6 * np.exp(u))) ** -gamma

    best = optimize.minimize_scalar(R, bounds=(0, np.log(C)), method="bounded", options={"xatol": 1e-12})
    Nstar, Dstar = ev.optimal_allocation(C, N0, beta, D0, gamma)
    assert np.exp(best.x) == pytest.approx(Nstar[0], rel=1e-5)
    assert Dstar[0] == pytest.approx(C / (6 * Nstar[0]), rel=1e-12)
    E0, C0, alpha = ev.compute_law(N0, beta, D0, gamma)
    assert R(np.log(Nstar[0])) == pytest.approx(C0 * C**-alpha, rel=1e-10)
    assert best.fun == pytest.approx(C0 * C**-alpha, rel=1e-6)
    r = np.array([0.1, 0.5, 2.0, 7.0])
    np.testing.assert_allclose(R(np.log(r * Nstar[0])) / R(np.log(Nstar[0])), ev.misallocation_penalty(r, beta, gamma),
                               rtol=1e-10)


def test_penalty_properties_and_effective_compute():
    r = np.geomspace(0.01, 100, 101)
    phi = ev.misallocation_penalty(r, 0.34, 0.28)
    assert np.all(phi >= 1 - 1e-15) and ev.misallocation_penalty([1.0], 0.34, 0.28)[0] == pytest.approx(1.0)
    # effective compute of a misallocated run gives the same reducible loss on the envelope
    N0, beta, D0, gamma = 406.4, 0.34, 410.7, 0.28
    E0, C0, alpha = ev.compute_law(N0, beta, D0, gamma)
    C, rr = 1e22, 4.0
    Ceff = ev.effective_compute(C, rr, beta, gamma)[0]
    assert C0 * Ceff**-alpha == pytest.approx(C0 * C**-alpha * ev.misallocation_penalty(rr, beta, gamma)[0], rel=1e-12)


@pytest.mark.parametrize("bad", [dict(N0=-1.0), dict(beta=0.0), dict(gamma=np.nan), dict(c=0.0)])
def test_bad_coefficients(bad):
    kwargs = dict(N0=1.0, beta=0.3, D0=1.0, gamma=0.3, c=6.0) | bad
    with pytest.raises(ValueError):
        ev.compute_law(**kwargs)


def test_library_derivation(needs_sympy):
    steps = ev.symbolic_derivation()
    assert len(steps) == 5 and all(res == 0 for _, res in steps.values())


def test_symbolic_derivation_without_the_symbolic_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # as if not installed
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'scalinglaws[symbolic]'")):
        ev.symbolic_derivation()


def test_library_brute_force():
    bf = ev.brute_force_check(n_draws=10, seed=1)
    assert bf["rel diff min R"].max() < 1e-10 and bf["rel diff N*"].max() < 1e-5
    assert bf.equals(ev.brute_force_check(n_draws=10, seed=1))  # seeded


def test_surface_from_a_fit_maps_each_law():
    import scalinglaws as sl

    rng = np.random.default_rng(3)
    N = np.repeat(np.geomspace(1e8, 1e10, 6), 4)
    D = N * np.tile([10.0, 20.0, 80.0, 320.0], 6)
    L = 1.8 + 480.0 * N**-0.35 + 2100.0 * D**-0.37
    res = sl.fit("chinchilla", N=N, D=D, L=L * np.exp(1e-4 * rng.standard_normal(L.size)), loss="squared")
    surface = ev.Surface.from_fit(res)
    assert (surface.N0, surface.beta, surface.D0, surface.gamma) == (res.params["A"], res.params["alpha"],
                                                                     res.params["B"], res.params["beta"])
    assert surface.compute_law() == ev.compute_law(res.params["A"], res.params["alpha"], res.params["B"],
                                                         res.params["beta"], res.params["E"])
    with pytest.raises(ValueError, match="params_tokens or chinchilla"):
        ev.Surface.from_fit(sl.fit("direct", C=[1e18, 1e19, 1e20], Q=[0.3, 0.4, 0.5]))
