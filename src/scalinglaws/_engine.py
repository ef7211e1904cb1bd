"""The local optimiser shared by :func:`scalinglaws.fit` and :meth:`FitResult.bootstrap`: scipy's
``least_squares`` (trust-region reflective) on a law's objective in its fitting space, with tight tolerances and the
law's bounds.

Two entry points with the same trajectory from the same start. :func:`search` calls scipy directly, for the many
local runs of a multi-start fit and of a bootstrap (lmfit's per-call bookkeeping made those 2-3x slower);
:func:`local_fit` runs it through lmfit, whose result (parameters, covariance from the Jacobian, messages) the fit
keeps: :func:`scalinglaws.fit` searches from every start, then polishes the best optimum with :func:`local_fit`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import lmfit
import numpy as np
from scipy import optimize

TOL = dict(xtol=1e-12, ftol=1e-12, gtol=1e-12)
MAX_NFEV = 20_000
MAX_NFEV_ANALYTIC = 5_000


def model(law) -> lmfit.Model:
    return lmfit.Model(law.func, independent_vars=list(law.variables), name=law.name)


def least_squares(law, X: dict, y: np.ndarray, params: lmfit.Parameters, loss: str, delta: float | None):
    """One lmfit ``least_squares`` run of the law's objective (squared, or summed Huber with ``f_scale = delta``)."""
    fit_kws = dict(TOL)
    if loss == "huber":
        fit_kws.update(loss="huber", f_scale=delta)
    if law.jacobian is not None:
        fit_kws["jac"] = _residual_jacobian(law)
    with warnings.catch_warnings():
        # lmfit warns when a start ends with a singular covariance; fit() checks the covariance it keeps.
        warnings.simplefilter("ignore", RuntimeWarning)
        return model(law).fit(y, params, method="least_squares", max_nfev=max_nfev(law), fit_kws=fit_kws, **X)


@dataclass(frozen=True)
class Search:
    """One local run of :func:`search`: the optimum (internal names), its objective, the evaluations used and
    whether the run stopped at its evaluation budget."""

    x: dict[str, float]
    objective: float
    nfev: int
    at_budget: bool


def search(law, X: dict, y: np.ndarray, start: dict[str, float], loss: str, delta: float | None,
           fixed: dict[str, float] | None = None) -> Search:
    """One scipy ``least_squares`` run from ``start`` (clipped into the bounds), the settings of :func:`local_fit`;
    ``fixed`` holds some internal parameters at given values. ``ValueError`` when the law returns a non-finite
    value (as lmfit refuses a model that returns NaN)."""
    names = law.internal_names
    fixed = fixed or {}
    free = [j for j, n in enumerate(names) if n not in fixed]
    lo = np.array([law.params[j].lower for j in free])
    hi = np.array([law.params[j].upper for j in free])
    x0 = np.clip([float(start[names[j]]) for j in free], lo, hi)
    full = np.array([float(fixed.get(n, 0.0)) for n in names])

    def theta(x):
        t = full.copy()
        t[free] = x
        return dict(zip(names, t, strict=True))

    def fun(x):
        r = law.func(**X, **theta(x)) - y
        if not np.all(np.isfinite(r)):
            raise ValueError(f"{law.name}: the law returned non-finite values")
        return r

    kws = dict(TOL, loss="huber", f_scale=delta) if loss == "huber" else dict(TOL)
    if law.jacobian is not None:
        kws["jac"] = lambda x: law.jacobian(**X, **theta(x))[:, free]
        budget = MAX_NFEV_ANALYTIC
    else:
        budget = MAX_NFEV // (len(free) + 1)  # scipy does not count finite-difference calls; lmfit does
    res = optimize.least_squares(fun, x0, bounds=(lo, hi), max_nfev=budget, **kws)
    x = {**fixed, **{names[j]: float(v) for j, v in zip(free, res.x, strict=True)}}
    return Search({n: x[n] for n in names}, objective(res.fun, loss, delta), int(res.nfev), res.status == 0)


def max_nfev(law) -> int:
    """The evaluation budget of one local fit. lmfit counts residual calls, and a finite-difference Jacobian
    costs one per parameter per iteration, so 20,000 calls are ~2,900 iterations of a 6-parameter law; with an
    analytic Jacobian (one call per iteration) the budget is 5,000 calls. Measured on the 11 Krajewski benchmarks
    fitted by BNSL (``benchmarks/bench_fits.py --bnsl``): the kept start needs at most ~4,200 iterations, and a
    start that needs more crawls along a bound into a worse basin (5,000 keeps every optimum, 2,900 loses
    HellaSwag's, 20,000 doubles WinoGrande's time)."""
    return MAX_NFEV_ANALYTIC if law.jacobian is not None else MAX_NFEV


def _residual_jacobian(law):
    """lmfit's Jacobian callback for a law with analytic derivatives: lmfit's residual is ``data - model``."""
    names = law.internal_names

    def jac(params, data, weights, **X):
        full = law.jacobian(**X, **{n: params[n].value for n in names})
        return -full[:, [j for j, n in enumerate(names) if params[n].vary]]  # held-fixed parameters have no column

    return jac


def local_fit(law, X: dict, y: np.ndarray, start: dict[str, float], loss: str, delta: float | None):
    """The local fit from one start (internal names), clipped into the law's bounds."""
    params = lmfit.Parameters()
    for p in law.params:
        value = float(np.clip(start[p.internal], p.lower, p.upper))
        params.add(p.internal, value=value, min=p.lower, max=p.upper)
    return least_squares(law, X, y, params, loss, delta)


def objective(residuals: np.ndarray, loss: str, delta: float | None) -> float:
    """Sum of squared residuals, or summed Huber loss (what ``least_squares(loss="huber", f_scale=delta)``
    minimises, up to its factor of 2 -- see :mod:`scalinglaws.fitting`)."""
    if loss == "squared":
        return float(np.sum(residuals**2))
    a = np.abs(residuals)
    return float(np.sum(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))
