"""Starting values for the local fit: one strategy per kind of law, assigned to each law in the registry
(:data:`scalinglaws.laws.LAWS`, field ``start_rule``) and reached through :meth:`~scalinglaws.laws.Law.guess`.

Every strategy takes ``(law, X, y)`` -- the law, its variables and the response in the law's fitting space -- and
returns a list of starts keyed by the law's internal parameter names (``log_A``, ``alpha``, ...):

* :func:`exact_least_squares` for a law linear in its internal parameters: the least-squares solution itself, so
  the local fit only confirms it;
* :func:`variable_projection` for a sum of power laws (``law.terms``, optionally ``law.constant``): for fixed
  exponents the linear-space response is linear in the amplitudes, solved by non-negative least squares over an
  exponent grid; the best few are returned;
* :func:`bnsl_from_power_law` for the broken neural scaling law: the power law fitted in log space, without a break
  and with a break of either sign at the quartiles of log C;
* :func:`closed_form` wraps a law-specific one-start guess (the stage-1 and logistic two-stage laws).

:func:`bnsl_paper_starts` draws the seeded random starts of the paper's BNSL ranges (``starts="paper"``).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import optimize

__all__ = ["exact_least_squares", "variable_projection", "bnsl_from_power_law", "closed_form", "bnsl_paper_starts",
           "loss_in_compute_guess", "logistic_guess",
           "logistic_in_log_compute_guess"]


def exact_least_squares(law, X: dict, y: np.ndarray) -> list[dict[str, float]]:
    """Exact least squares for a law linear in its internal parameters: design columns are f(e_j) - f(0)."""
    names = law.internal_names
    zero = dict.fromkeys(names, 0.0)
    f0 = law.func(**X, **zero) * np.ones_like(y)
    cols = [law.func(**X, **{**zero, n: 1.0}) - f0 for n in names]
    theta, *_ = np.linalg.lstsq(np.column_stack(cols), y - f0, rcond=None)
    return [dict(zip(names, map(float, theta)))]


def variable_projection(law, X: dict, y: np.ndarray, n_best: int = 3) -> list[dict[str, float]]:
    """Variable projection over an exponent grid for a sum of power laws.

    For fixed exponents the linear-space response ``exp(y)`` is linear in the amplitudes (and the constant);
    solve that by non-negative least squares, score it by the squared error in the fitting space, and return the
    best few as starting values for the local fit.
    """
    target = np.exp(y)
    bounds = {p.internal: (p.lower, p.upper) for p in law.params}
    exps = [np.linspace(max(0.01, bounds[t.exponent][0]), min(2.5, bounds[t.exponent][1]), 26) for t in law.terms]
    scored = []
    for combo in itertools.product(*exps):
        cols = [X[t.variable] ** (t.sign * e) for t, e in zip(law.terms, combo)]
        if law.constant:
            cols.append(np.ones_like(target))
        A = np.column_stack(cols)
        scale = np.linalg.norm(A, axis=0)
        coef, _ = optimize.nnls(A / scale, target)
        coef = coef / scale
        pred = A @ coef
        if np.any(pred <= 0):
            continue
        scored.append((float(np.sum((np.log(pred) - y) ** 2)), combo, coef))
    scored.sort(key=lambda s: s[0])
    starts = []
    for _, combo, coef in scored[:n_best]:
        start = {}
        for t, e, c in zip(law.terms, combo, coef):
            start[t.exponent] = float(e)
            start[f"log_{t.amplitude}"] = float(np.log(max(c, 1e-300)))
        if law.constant:
            start[f"log_{law.constant}"] = float(np.log(max(coef[-1], 1e-300)))
        starts.append({k: float(np.clip(v, *bounds[k])) for k, v in start.items()})
    return starts


def bnsl_from_power_law(law, X: dict, y: np.ndarray) -> list[dict[str, float]]:
    """Deterministic BNSL starts: the direct power law fitted by least squares in log space (a = 0, no break),
    and that law with a break of either sign placed at the quartiles of log C."""
    logc = np.log(X["C"])
    slope, intercept = np.polyfit(logc, np.log(np.maximum(y, 1e-300)), 1)
    base = {"a": 0.0, "log_b": float(intercept), "c0": float(np.clip(-slope, 0.0, 3.0)), "f1": 0.5, "c1": 0.0,
            "log10_d1": float(np.median(logc) / np.log(10))}
    starts = [base]
    for q in (25, 50, 75):
        for c1 in (-0.5, 0.5):
            starts.append({**base, "log10_d1": float(np.percentile(logc, q) / np.log(10)), "c1": c1})
    return starts


def bnsl_paper_starts(n: int = 100, seed: int = 0) -> tuple[dict[str, float], ...]:
    """Seeded random starts from the paper's BNSL ranges (a in [-2, 5], b in [0, 50], c0, f1, c1 in [0.1, 3],
    d1 in [1e18, 1e24])."""
    rng = np.random.default_rng(seed)
    return tuple(
        {"a": rng.uniform(-2, 5), "log_b": np.log(rng.uniform(1e-3, 50)), "c0": rng.uniform(0.1, 3),
         "log10_d1": rng.uniform(18, 24), "f1": rng.uniform(0.1, 3), "c1": rng.uniform(0.1, 3)}
        for _ in range(n)
    )


def closed_form(guess):
    """A strategy from a one-start guess ``guess(X, y) -> start``."""

    def rule(law, X: dict, y: np.ndarray) -> list[dict[str, float]]:
        return [guess(X, y)]

    rule.__name__ = rule.__qualname__ = f"closed_form({guess.__name__})"
    return rule


def loss_in_compute_guess(X: dict, y: np.ndarray) -> dict[str, float]:
    """Stage 1 of the two-stage route, ``log L = alpha_N (log C - log C_N)``: a straight line in log C."""
    slope, intercept = np.polyfit(np.log(X["C"]), y, 1)
    return {"alpha_N": float(slope), "log_C_N": float(-intercept / slope) if slope != 0 else 50.0}


def logistic_guess(X: dict, y: np.ndarray) -> dict[str, float]:
    """The paper's logistic start: [max Q, min Q, 1, median L] for (a, b, k, l0); a is the span above the floor b."""
    return {"a": float(np.max(y) - np.min(y)), "b": float(np.min(y)), "k": -1.0, "l0": float(np.median(X["L"]))}


def logistic_in_log_compute_guess(X: dict, y: np.ndarray) -> dict[str, float]:
    """The sigmoid in log compute: floor ``b`` the smallest accuracy, span ``a`` to the largest, midpoint ``x0``
    the median decade of compute, steepness one per decade."""
    return {"a": float(max(np.max(y) - np.min(y), 1e-3)), "b": float(np.min(y)), "k": 1.0,
            "x0": float(np.median(np.log10(X["C"])))}
