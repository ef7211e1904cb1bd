r"""The compute-optimal envelope of a parameters-plus-tokens law (Schaeffer et al. 2025; Hoffmann et al. 2022).

For :math:`R(N, D) = N_0 N^{-\beta} + D_0 D^{-\gamma}` and compute :math:`C = c\,N D` (c = 6 FLOPs per
parameter-token), minimising R at fixed C gives the first-order condition
:math:`\beta N_0 N^{-\beta} = \gamma D_0 D^{-\gamma}` and

.. math::
    N^* = \Big(\frac{\beta N_0}{\gamma D_0}\Big)^{\frac{1}{\beta+\gamma}} \Big(\frac{C}{c}\Big)^{\frac{\gamma}{\beta+\gamma}},
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

import numpy as np

from . import _validate as V

__all__ = ["optimal_allocation", "compute_law", "misallocation_penalty", "effective_compute"]


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
