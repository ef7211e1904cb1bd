"""The local optimiser shared by :func:`scalinglaws.fit` and :meth:`FitResult.bootstrap`: one lmfit
``least_squares`` run of a law's objective in its fitting space, with tight tolerances and the law's bounds."""

from __future__ import annotations

import warnings

import lmfit
import numpy as np

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
