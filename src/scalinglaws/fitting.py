r"""Fitting a law to a ladder of runs: validation, starting values, the local fit, status and uncertainty.

The one entry point is :func:`fit`. It

1. validates the inputs (``ValueError`` naming the problem) and maps the response to the law's fitting space
   (``log(-log Q')``, ``log L`` or ``-log Q'``), refusing -- or, with ``invalid="drop"``, dropping with a logged
   reason -- points that have no finite value there (accuracy at or below chance, accuracy or pass@k of 1 or 0);
2. chooses starting values with the law's own rule, :meth:`~scalinglaws.laws.Law.guess` (:mod:`scalinglaws.starts`:
   the exact least-squares solution for a law that is linear in its parameters, a variable-projection grid for a
   sum of power laws, the power-law starts of BNSL), or the paper's own starts on request;
3. runs ``lmfit``'s ``least_squares`` from each start with tight tolerances and keeps the lowest objective;
4. classifies the outcome as a :class:`FitStatus` and warns (:class:`FitWarning`) on anything but
   ``converged`` -- the caller never has to trust an optimiser's ``success`` flag.

The objective is the sum of squared residuals or the *summed* Huber loss

.. math:: \sum_i h_\delta(r_i), \qquad h_\delta(r) = \begin{cases} r^2/2 & |r| \le \delta \\
          \delta(|r| - \delta/2) & |r| > \delta \end{cases}

in the law's fitting space, which is what ``scipy.optimize.least_squares(loss="huber", f_scale=δ)`` minimises.
A mean Huber loss (as in some of the papers' code) has the same minimiser.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from . import _engine
from . import _validate as V
from ._threads import one_blas_thread
from .laws import CompositeLaw, Law, Param, get_law
from .results import BootstrapResult, FitError, FitResult, FitStatus, FitWarning, _at_bound
from .spaces import from_space, to_space

logger = logging.getLogger("scalinglaws")

__all__ = ["FitStatus", "FitWarning", "FitError", "FitResult", "BootstrapResult", "fit", "fit_groups", "to_space",
           "from_space"]


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------


def _prepare(law: Law, variables: dict, response, chance: float, invalid: str, max_compute: float | None):
    if invalid not in ("raise", "drop"):
        raise ValueError(f"invalid must be 'raise' or 'drop', got {invalid!r}")
    takes = f"the law takes the variable(s) {', '.join(law.variables)} and the response {law.response}"
    missing = set(law.variables) - set(variables)
    if missing:
        raise ValueError(f"{law.name}: missing variable(s) {sorted(missing)}; {takes}")
    extra = set(variables) - set(law.variables)
    if extra:
        raise ValueError(f"{law.name}: unknown variable(s) {sorted(extra)}; {takes}")
    if response is None:
        raise ValueError(f"{law.name}: missing response {law.response}; {takes}")
    X = {k: V.positive(k, variables[k]) for k in law.variables}
    r = V.as_1d_float(law.response, response)
    n = V.same_length({**X, law.response: r})

    keep = np.ones(n, dtype=bool)
    dropped: list[tuple[int, str]] = []
    if max_compute is not None:
        if "C" in X:
            compute = X["C"]
        elif {"N", "D"} <= set(X):
            compute = 6.0 * X["N"] * X["D"]
        else:
            raise ValueError(f"{law.name}: max_compute needs a compute variable C, or N and D (C = 6ND)")
        above = compute > float(max_compute)
        keep &= ~above
        dropped += [(int(i), f"C > max_compute={max_compute:g} (held out)") for i in np.flatnonzero(above)]

    if law.space == "identity":
        pass
    elif law.space == "loss":
        if np.any(r <= 0):
            raise ValueError(f"{law.response}: loss must be > 0; non-positive at positions {V.positions(r <= 0)}")
    else:
        ok = V.open_unit_mask(law.response, r, chance)
        bad = keep & ~ok
        if bad.any():
            reasons = np.where(r <= chance, f"at or below chance ({chance:g})", "equal to 1 (-log Q = 0)")
            if invalid == "raise":
                raise ValueError(
                    f"{law.response}: {int(bad.sum())} value(s) outside ({chance:g}, 1), at positions "
                    f"{V.positions(bad)} ({reasons[bad][0]}); pass invalid='drop' to leave them out"
                )
            for i in np.flatnonzero(bad):
                dropped.append((int(i), f"{law.response}={r[i]:g} {reasons[i]}"))
                logger.info("%s: dropping point %d: %s=%g %s", law.name, i, law.response, r[i], reasons[i])
            keep &= ok
    X = {k: v[keep] for k, v in X.items()}
    y = to_space(r[keep], law.space, chance)
    V.enough_points(int(keep.sum()), len(law.params), law.name)
    for k, v in X.items():
        distinct = np.unique(v).size
        if distinct < 3:
            raise ValueError(f"{law.name}: {k} takes {distinct} distinct value(s) among the {v.size} usable points; "
                             f"a law in {k} needs at least 3 to be fitted (its exponent is not identified)")
    if np.ptp(y) == 0:
        raise ValueError(f"{law.name}: the response {law.response} is constant over the {y.size} usable points; "
                         "there is no trend to fit")
    return X, y, sorted(dropped)


# ---------------------------------------------------------------------------------------------------------------
# Starting values
# ---------------------------------------------------------------------------------------------------------------


def _starts(law: Law, X: dict, y: np.ndarray, starts) -> list[dict[str, float]]:
    """The starts to try, internal names: explicit ones (public names), the paper's (``law.paper_starts``, else the
    default), or the default, :meth:`Law.guess`."""
    if isinstance(starts, dict):
        return [law.to_internal(starts)]
    if isinstance(starts, (list, tuple)):
        return [law.to_internal(s) for s in starts]
    if starts == "paper":
        if law.paper_starts:
            return [dict(s) for s in law.paper_starts]
        starts = "default"
    if starts != "default":
        raise ValueError(f"starts must be 'default', 'paper', a dict or a list of dicts, got {starts!r}")
    return law.guess(X, y)


# ---------------------------------------------------------------------------------------------------------------
# The local fit and the public entry point
# ---------------------------------------------------------------------------------------------------------------


def _covariance(law: Law, res) -> np.ndarray | None:
    if res.covar is None or not np.all(np.isfinite(res.covar)) or len(res.var_names) != len(law.params):
        return None
    order = [res.var_names.index(n) for n in law.internal_names]
    return np.asarray(res.covar)[np.ix_(order, order)]


def _negligible_constant(law: Law, res) -> Param | None:
    """The law's log-parametrised constant term if it is below 1e-6 of the fitted response at every point (in the
    units of -log Q or of the loss), else None."""
    if law.constant is None or law.space not in ("loglog", "loss"):
        return None
    const = next(p for p in law.params if p.name == law.constant)
    if const.base != np.e:
        return None
    fitted = np.exp(res.best_fit)  # -log Q (accuracy space) or L (loss space) at each fitted point
    return const if np.exp(float(res.params[const.internal].value)) < 1e-6 * np.min(np.abs(fitted)) else None


def _pinned_covariance(law: Law, X: dict, y: np.ndarray, best, loss: str, delta: float | None):
    """Covariance when the full one is singular: hold fixed the parameters with no identifiable curvature -- those at
    a bound, and a law's constant term when it is negligible (below 1e-6 of the fitted response everywhere, e.g.
    an irreducible error that went to zero) -- and refit the others from the optimum. Returns (cov, pinned names);
    pinned rows and columns of cov are zero."""
    values = {p.internal: float(best.params[p.internal].value) for p in law.params}
    pinned = [p for p in law.params if _at_bound(p, values[p.internal])]
    const = _negligible_constant(law, best)
    if const is not None and const not in pinned:
        pinned.append(const)
    if not pinned or len(pinned) == len(law.params):
        return None, []
    params = best.params.copy()
    for p in pinned:
        params[p.internal].set(vary=False)
    res = _engine.least_squares(law, X, y, params, loss, delta)
    if res.covar is None or not np.all(np.isfinite(res.covar)):
        return None, []
    free = [p.internal for p in law.params if p not in pinned]
    cov = np.zeros((len(law.params), len(law.params)))
    idx = [law.internal_names.index(n) for n in free]
    sub = [res.var_names.index(n) for n in free]
    cov[np.ix_(idx, idx)] = np.asarray(res.covar)[np.ix_(sub, sub)]
    return cov, [p.name for p in pinned]


#: A parameter is *not identified* when its standard error is this many times its magnitude, or when its +-2 SE
#: interval is wider than its whole bounded range: the data then leave it anywhere, the optimiser stops where
#: rounding leads it (measured: a 4-parameter logistic on LBPP's 5 filtered runs, a = 1.4 +- 5.5e6, moved its
#: held-out MRE by 0.6% when the data moved by 1e-12), and its predictions are not measurements.
UNIDENTIFIED_SE = 1e3


def _unidentified(law: Law, public: dict, stderr: dict, pinned) -> list[str]:
    """Parameters the data do not determine: no standard error although not held fixed (a singular covariance),
    or one above :data:`UNIDENTIFIED_SE` times the value or wider than the bounds."""
    out = []
    for p in law.params:
        se = stderr.get(p.name)
        if p.name in pinned:
            continue
        if se is None or not np.isfinite(se):
            out.append(p.name)
            continue
        lo, hi = p.public_bounds()
        if se > UNIDENTIFIED_SE * abs(public[p.name]) or (np.isfinite(hi - lo) and 4 * se > hi - lo):
            out.append(p.name)
    return out


def _status(law: Law, res) -> tuple[FitStatus, str]:
    values = np.array([res.params[p.internal].value for p in law.params])
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(res.residual)):
        return FitStatus.FAILED, "non-finite parameters or residuals"
    if res.nfev >= _engine.max_nfev(law) or "maximum number of function evaluations" in str(res.message):
        return FitStatus.MAX_ITER, str(res.message)
    if not res.success:
        return FitStatus.FAILED, str(res.message)
    at = [p.name for p, v in zip(law.params, values) if _at_bound(p, v)]
    if at:
        return FitStatus.AT_BOUND, "at a bound: " + ", ".join(at)
    return FitStatus.CONVERGED, ""


@one_blas_thread
def fit(
    law: str | Law,
    *,
    chance: float = 0.0,
    loss: str | None = None,
    huber_delta: float | None = None,
    starts="default",
    max_compute: float | None = None,
    invalid: str = "raise",
    warn: bool = True,
    **data,
) -> FitResult:
    r"""Fit a scaling law.

    Parameters
    ----------
    law : str or Law
        A name from :data:`scalinglaws.laws.LAWS` (``"direct"``, ``"compute"``, ``"chinchilla"``, ...), or a
        composite law of :data:`scalinglaws.laws.COMPOSITES` (``"two_stage"``, whose ``link`` option is passed
        with the data; it returns a :class:`~scalinglaws.two_stage.TwoStageResult`).
    chance : float
        Chance level :math:`q_0` of an accuracy response; the law then describes
        :math:`Q' = (Q - q_0)/(1 - q_0)`. Ignored for loss laws.
    loss : {"squared", "huber"}, optional
        Objective in the fitting space; default is the law's (``law.default_loss``).
    huber_delta : float, optional
        Huber δ (default ``law.default_huber_delta``, 1e-3).
    starts : "default", "paper", dict or list of dicts
        ``"default"``: exact least squares for linear laws, otherwise a variable-projection grid;
        ``"paper"``: the paper's start grid (falls back to the default where the paper has none); or explicit
        starting values with public parameter names.
    max_compute : float, optional
        Fit only on runs with C (or 6ND) at most this; the rest are recorded in ``dropped`` as held out.
    invalid : {"raise", "drop"}
        What to do with responses that have no finite value in the fitting space (accuracy at or below chance,
        or equal to 1; pass@k of 0 or 1): raise ``ValueError`` (default) or drop them with a logged reason.
    warn : bool
        Emit a :class:`FitWarning` when the status is not ``converged``.
    **data
        The law's variables (e.g. ``C=...``) and its response (``Q=...`` or ``L=...``), as equal-length arrays.

    Returns
    -------
    FitResult
    """
    law = get_law(law)
    if isinstance(law, CompositeLaw):
        return _fit_composite(law, chance, loss, huber_delta, starts, max_compute, invalid, warn, data)
    chance = V.chance_level(chance) if law.space not in ("loss", "identity") else 0.0
    loss = loss or law.default_loss
    if loss not in ("squared", "huber"):
        raise ValueError(f"loss must be 'squared' or 'huber', got {loss!r}")
    delta = None
    if loss == "huber":
        delta = float(law.default_huber_delta if huber_delta is None else huber_delta)
        if not np.isfinite(delta) or delta <= 0:
            raise ValueError(f"huber_delta must be > 0, got {delta}")
    response = data.pop(law.response, None)
    X, y, dropped = _prepare(law, data, response, chance, invalid, max_compute)

    start_list = _starts(law, X, y, starts)
    found, best_start = None, None
    for start in start_list:
        try:
            run = _engine.search(law, X, y, start, loss, delta)
        except (ValueError, np.linalg.LinAlgError) as exc:
            logger.debug("%s: a start failed: %s", law.name, exc)
            continue
        if np.isfinite(run.objective) and (found is None or run.objective < found.objective):
            found, best_start = run, start
    if found is None:
        raise FitError(f"{law.name}: every one of {len(start_list)} starts failed")
    # polish the best optimum through lmfit, whose result carries the covariance and messages the fit reports
    best = _engine.local_fit(law, X, y, found.x, loss, delta)
    best_obj = _engine.objective(best.residual, loss, delta)
    # (an absolute slack for data the law fits exactly: two objectives of residuals near 1e-10 are both zero)
    exact = 1e-20 * y.size * max(1.0, float(np.mean(np.square(y))))
    if not best_obj <= found.objective * (1 + 1e-9) + exact:
        raise FitError(f"{law.name}: the polished optimum ({best_obj:.6g}) is worse than the search's "
                       f"({found.objective:.6g})")

    status, reason = _status(law, best)
    if found.at_budget and status is FitStatus.CONVERGED:
        status, reason = FitStatus.MAX_ITER, (f"the best start used its whole budget ({found.nfev} evaluations) "
                                              "before meeting the tolerances")
    internal = {p.internal: float(best.params[p.internal].value) for p in law.params}
    public = law.to_public(internal)
    cov, pinned = _covariance(law, best), []
    if cov is None or _negligible_constant(law, best):
        # A vanished constant term (e.g. E0 -> 0) has no meaningful standard error even when the covariance
        # happens to be invertible: treat it like a parameter at its bound, consistently.
        cov_pinned, pinned = _pinned_covariance(law, X, y, best, loss, delta)
        cov = cov_pinned if pinned else cov
        if pinned:
            status = FitStatus.AT_BOUND if status is FitStatus.CONVERGED else status
            reason = (reason + "; " if reason else "") + (
                "no identifiable curvature in " + ", ".join(pinned) + " (at a bound or negligible): held fixed for "
                "the covariance, so standard errors and intervals are conditional on it")
    stderr: dict[str, float | None] = {}
    for j, p in enumerate(law.params):
        se = float(np.sqrt(cov[j, j])) if cov is not None and cov[j, j] >= 0 and p.name not in pinned else None
        stderr[p.name] = None if se is None else p.public_stderr(public[p.name], se)
    weak = _unidentified(law, public, stderr, pinned)
    if weak and status in (FitStatus.CONVERGED, FitStatus.AT_BOUND):
        status = FitStatus.NOT_IDENTIFIED
        reason = (reason + "; " if reason else "") + (
            "the data do not determine " + ", ".join(weak) + f" (no standard error, one over {UNIDENTIFIED_SE:g} "
            "times the value, or +-2 SE wider than its bounds): predictions rest on where the optimiser stopped")
    start_public = law.to_public({p.internal: float(np.clip(best_start[p.internal], p.lower, p.upper))
                                  for p in law.params})
    result = FitResult(law, public, stderr, internal, cov, status, reason, best_obj, loss, delta, chance, X, y,
                       dropped, len(start_list), found.nfev + int(best.nfev), start_public, tuple(pinned),
                       {"starts": starts, "max_compute": max_compute, "invalid": invalid})
    if warn and status is not FitStatus.CONVERGED:
        warnings.warn(f"{law.name} fit {status}: {reason}", FitWarning, stacklevel=2)
    return result


def _fit_composite(law: CompositeLaw, chance, loss, huber_delta, starts, max_compute, invalid, warn, data):
    """A composite law's fit: its options come from ``data``; the single-law choices must be left at defaults."""
    for name, value, default in (("chance", chance, 0.0), ("loss", loss, None), ("huber_delta", huber_delta, None),
                                 ("starts", starts, "default"), ("invalid", invalid, "raise")):
        if value != default:
            raise ValueError(f"{law.name} is a composite law ({', '.join(law.stages)}); {name}= does not apply")
    options = {k: data.pop(k) for k in list(data) if k in law.options}
    for k, v in options.items():
        if v not in law.options[k]:
            raise ValueError(f"{law.name}: {k} must be one of {list(law.options[k])}, got {v!r}")
    missing = set(law.variables) | {law.response}
    missing -= set(data)
    extra = set(data) - set(law.variables) - {law.response}
    if missing or extra:
        raise ValueError(f"{law.name}: needs {', '.join([*law.variables, law.response])}"
                         + (f"; missing {sorted(missing)}" if missing else "")
                         + (f"; unknown {sorted(extra)}" if extra else ""))
    return law.fitter(**data, **options, max_compute=max_compute, warn=warn)


def fit_groups(table, law: str | Law, *, by, variables: dict[str, str], response: str, min_points: int | None = None,
               **fit_kws):
    """Fit one law separately to each group of a tidy table (e.g. one fit per k, per TPR or per benchmark).

    Parameters
    ----------
    table : DataFrame
    law : str or Law
    by : str
        Grouping column.
    variables : dict
        The law's variables mapped to columns, e.g. ``{"C": "C"}`` or ``{"N": "N", "D": "D"}``.
    response : str
        Column holding the response (accuracy, pass@k or loss).
    min_points : int, optional
        Skip (and log) a group with fewer usable points than this after dropping NaN responses; default: the
        law's parameter count + 2. Invalid responses (0 or 1 for pass@k) are handled by ``fit_kws["invalid"]``.
    **fit_kws
        Passed to :func:`fit` (``invalid="drop"``, ``starts``, ``loss``, ``max_compute``, ...).

    Returns
    -------
    fits : dict
        ``{group: FitResult}``.
    params : DataFrame
        Indexed by group: each parameter and its standard error (``se_<name>``), ``n_points``, ``status``,
        ``rmse`` (residual RMS in the fitting space).
    """
    law = get_law(law)
    min_points = len(law.params) + 2 if min_points is None else int(min_points)
    fits, rows = {}, []
    for key, g in table.groupby(by, sort=True):
        g = g[g[response].notna()]
        if len(g) < min_points:
            logger.info("fit_groups: %s=%s skipped: %d point(s) < %d", by, key, len(g), min_points)
            continue
        try:
            res = fit(law, **{v: g[col].to_numpy() for v, col in variables.items()},
                      **{law.response: g[response].to_numpy()}, **fit_kws)
        except ValueError as exc:
            logger.info("fit_groups: %s=%s skipped: %s", by, key, exc)
            continue
        if res.n_points < min_points:
            logger.info("fit_groups: %s=%s skipped: %d usable point(s) < %d", by, key, res.n_points, min_points)
            continue
        fits[key] = res
        row = {by: key}
        for name in law.param_names:
            row[name], row[f"se_{name}"] = res.params[name], res.stderr[name]
        row.update(n_points=res.n_points, status=res.status.value,
                   rmse=float(np.sqrt(np.mean(res.residuals**2))))
        rows.append(row)
    return fits, pd.DataFrame(rows).set_index(by)
