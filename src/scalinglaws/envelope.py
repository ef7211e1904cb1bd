r"""The compute-optimal envelope of a parameters-plus-tokens law (Schaeffer et al. 2025; Hoffmann et al. 2022).

For :math:`R(N, D) = N_0 N^{-\beta} + D_0 D^{-\gamma}` and compute :math:`C = c\,N D` (c = 6 FLOPs per
parameter-token), minimising R at fixed C gives the first-order condition
:math:`\beta N_0 N^{-\beta} = \gamma D_0 D^{-\gamma}` and

.. math::
    N^* = \Big(\frac{\beta N_0}{\gamma D_0}\Big)^{\frac{1}{\beta+\gamma}}
          \Big(\frac{C}{c}\Big)^{\frac{\gamma}{\beta+\gamma}},
    \qquad D^* = \frac{C}{c N^*},

    \min_{ND = C/c} R = C_0\,C^{-\alpha}, \qquad \alpha = \frac{\beta\gamma}{\beta+\gamma},
    \qquad C_0 = c^{\alpha}\,(\beta+\gamma)\Big(\frac{N_0}{\gamma}\Big)^{\frac{\gamma}{\beta+\gamma}}
                 \Big(\frac{D_0}{\beta}\Big)^{\frac{\beta}{\beta+\gamma}}.

The minimiser is unique: in :math:`u = \log N` the objective is a sum of :math:`e^{-\beta u}` and
:math:`e^{\gamma u}` terms, strictly convex. Allocating :math:`N = rN^*` instead multiplies the reducible term by

.. math:: \Phi(r) = \frac{\gamma r^{-\beta} + \beta r^{\gamma}}{\beta + \gamma} \ge 1,
          \qquad \Phi(1) = 1, \qquad \Phi(r) \approx 1 + \tfrac12\beta\gamma(\ln r)^2,

equivalent to training compute-optimally with :math:`C_{\mathrm{eff}} = C\,\Phi(r)^{-1/\alpha}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from . import _validate as V
from ._optional import require

__all__ = ["Surface", "optimal_allocation", "compute_law", "misallocation_penalty", "effective_compute",
           "symbolic_derivation", "brute_force_check"]

#: How each fitted N + D law's parameters map to the surface E0 + N0 N^-beta + D0 D^-gamma.
_SURFACE_NAMES = {
    "params_tokens": {"E0": "E0", "N0": "N0", "beta": "beta", "D0": "D0", "gamma": "gamma"},
    "chinchilla": {"E0": "E", "N0": "A", "beta": "alpha", "D0": "B", "gamma": "beta"},
}


def _coefficients(N0, beta, D0, gamma, c):
    for name, v in (("N0", N0), ("beta", beta), ("D0", D0), ("gamma", gamma), ("c", c)):
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be finite and > 0, got {v}")
    return float(N0), float(beta), float(D0), float(gamma), float(c)


def optimal_allocation(C, N0, beta, D0, gamma, c: float = 6.0):
    """Compute-optimal parameters and tokens ``(N*, D*)`` at compute C (arrays broadcast with C)."""
    N0, beta, D0, gamma, c = _coefficients(N0, beta, D0, gamma, c)
    C = V.positive("C", C)
    s = beta + gamma
    N = (beta * N0 / (gamma * D0)) ** (1 / s) * (C / c) ** (gamma / s)
    return N, C / (c * N)


def compute_law(N0, beta, D0, gamma, E0: float = 0.0, c: float = 6.0):
    """The envelope ``(E0, C0, alpha)``: ``min R + E0 = E0 + C0 * C**-alpha``."""
    N0, beta, D0, gamma, c = _coefficients(N0, beta, D0, gamma, c)
    s = beta + gamma
    alpha = beta * gamma / s
    C0 = c**alpha * s * (N0 / gamma) ** (gamma / s) * (D0 / beta) ** (beta / s)
    return float(E0), float(C0), float(alpha)


@dataclass(frozen=True)
class Surface:
    r"""A fitted surface :math:`E_0 + N_0 N^{-\beta} + D_0 D^{-\gamma}` and its compute-optimal envelope: Schaeffer
    et al.'s parameters + tokens law, or Chinchilla's loss law in the same roles (``A, alpha, B, beta`` as
    ``N0, beta, D0, gamma``). Build one from a fit with :meth:`from_fit`."""

    E0: float
    N0: float
    beta: float
    D0: float
    gamma: float
    law: str = ""

    @classmethod
    def from_fit(cls, result) -> Surface:
        """The surface of a fitted ``params_tokens`` or ``chinchilla`` law (a :class:`~scalinglaws.FitResult`)."""
        names = _SURFACE_NAMES.get(result.law.name)
        if names is None:
            raise ValueError(f"an envelope needs a params_tokens or chinchilla fit, got {result.law.name!r}")
        return cls(**{k: float(result.params[v]) for k, v in names.items()}, law=result.law.name)

    def compute_law(self, c: float = 6.0) -> tuple[float, float, float]:
        """The envelope ``(E0, C0, alpha)``, as :func:`compute_law`."""
        return compute_law(self.N0, self.beta, self.D0, self.gamma, self.E0, c)

    def optimal_allocation(self, C, c: float = 6.0):
        """``(N*, D*)`` at compute C, as :func:`optimal_allocation`."""
        return optimal_allocation(C, self.N0, self.beta, self.D0, self.gamma, c)

    def misallocation_penalty(self, r):
        """Φ(r), as :func:`misallocation_penalty`."""
        return misallocation_penalty(r, self.beta, self.gamma)


def misallocation_penalty(r, beta, gamma):
    """Factor Φ(r) >= 1 on the reducible term when N = r N* at fixed compute."""
    r = V.positive("r", r)
    if beta <= 0 or gamma <= 0:
        raise ValueError(f"beta and gamma must be > 0, got {beta}, {gamma}")
    return (gamma * r**-beta + beta * r**gamma) / (beta + gamma)


def effective_compute(C, r, beta, gamma):
    """Compute a compute-optimal run would need to match a run of compute C allocated at N = r N*."""
    alpha = beta * gamma / (beta + gamma)
    return V.positive("C", C) * misallocation_penalty(r, beta, gamma) ** (-1 / alpha)


def symbolic_derivation() -> dict:
    """The theorem's steps as sympy expressions, each with the residual that must simplify to zero.

    Needs sympy, the ``symbolic`` extra (``pip install 'scalinglaws[symbolic]'``).

    Returns
    -------
    dict
        ``{step: (statement, residual)}`` with sympy objects: the first-order condition at N*, the balance
        β·(N-term) = γ·(D-term) at the optimum, the minimum equal to C0·C^(-α), the penalty Φ(r), and its quadratic
        expansion in ln r. ``residual`` is the simplified difference (0 when the step holds).
    """
    # deferred: sympy takes ~0.5 s to import, only this derivation needs it, and it is an extra ([symbolic])
    sp = require("sympy", "envelope.symbolic_derivation")

    N, C, N0, D0, b, g, c, r = sp.symbols("N C N_0 D_0 beta gamma c r", positive=True)
    u = sp.symbols("u", real=True)

    def simp(e):
        return sp.simplify(sp.powsimp(sp.expand_power_base(e, force=True), force=True))

    R = N0 * N**-b + D0 * (C / (c * N)) ** -g
    Nstar = (b * N0 / (g * D0)) ** (1 / (b + g)) * (C / c) ** (g / (b + g))
    alpha = b * g / (b + g)
    C0 = c**alpha * (b + g) * (N0 / g) ** (g / (b + g)) * (D0 / b) ** (b / (b + g))
    t1, t2 = N0 * Nstar**-b, D0 * (C / (c * Nstar)) ** -g
    phi = (g * r**-b + b * r**g) / (b + g)
    steps = {
        "first-order condition dR/dN = 0 at N*": (sp.Eq(sp.diff(R, N).subs(N, sp.Symbol("N^*")), 0),
                                                  simp(sp.diff(R, N).subs(N, Nstar))),
        "balance beta*N0*N*^-beta = gamma*D0*D*^-gamma": (sp.Eq(b * sp.Symbol("T_N"), g * sp.Symbol("T_D")),
                                                           simp(b * t1 - g * t2)),
        "min R = C0 * C^-alpha": (sp.Eq(sp.Symbol("R^*"), C0 * C**-alpha),
                                  simp(R.subs(N, Nstar) / (C0 * C**-alpha)) - 1),
        "R(r N*) = C0 C^-alpha Phi(r)": (sp.Eq(sp.Symbol("R(rN^*)"), C0 * C**-alpha * phi),
                                         simp(R.subs(N, r * Nstar) / (C0 * C**-alpha) - phi)),
        "Phi(e^u) = 1 + beta*gamma*u^2/2 + O(u^3)": (
            sp.Eq(sp.Function("Phi")(sp.exp(u)), 1 + b * g * u**2 / 2),
            sp.simplify(sp.series(phi.subs(r, sp.exp(u)), u, 0, 3).removeO() - (1 + b * g * u**2 / 2))),
    }
    return steps


def brute_force_check(n_draws: int = 50, seed: int = 0, c: float = 6.0):
    """Compare the closed forms with a direct numerical minimisation of R(N, C/(cN)) over log N.

    Draws ``n_draws`` random (N0, β, D0, γ, C) (seeded) and returns a DataFrame with the relative differences of
    N* and of min R between the bounded scalar minimiser and :func:`optimal_allocation` / :func:`compute_law`.
    """

    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_draws):
        N0, D0 = 10 ** rng.uniform(1, 5), 10 ** rng.uniform(1, 5)
        beta, gamma = rng.uniform(0.1, 1.0), rng.uniform(0.1, 1.0)
        C = 10 ** rng.uniform(18, 24)

        def R(u, N0=N0, D0=D0, beta=beta, gamma=gamma, C=C):
            return N0 * np.exp(-beta * u) + D0 * (C / (c * np.exp(u))) ** -gamma

        best = optimize.minimize_scalar(R, bounds=(0, np.log(C)), method="bounded", options={"xatol": 1e-12})
        Nstar, _ = optimal_allocation(C, N0, beta, D0, gamma, c)
        _, C0, alpha = compute_law(N0, beta, D0, gamma, c=c)
        rows.append({"N0": N0, "beta": beta, "D0": D0, "gamma": gamma, "C": C,
                     "rel diff N*": abs(np.exp(best.x) / Nstar[0] - 1),
                     "rel diff min R": abs(best.fun / (C0 * C**-alpha) - 1)})
    return pd.DataFrame(rows)
