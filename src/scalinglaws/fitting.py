r"""Fitting a law to a ladder of runs: validation, starting values, the local fit, status and uncertainty.

The one entry point is :func:`fit`. It

1. validates the inputs (``ValueError`` naming the problem) and maps the response to the law's fitting space
   (``log(-log Q')``, ``log L`` or ``-log Q'``), refusing -- or, with ``invalid="drop"``, dropping with a logged
   reason -- points that have no finite value there (accuracy at or below chance, accuracy or pass@k of 1 or 0);
2. chooses starting values: the exact least-squares solution for a law that is linear in its parameters, a
   variable-projection grid for a sum of power laws (for fixed exponents such a law is linear in its amplitudes,
   solved by non-negative least squares), or the paper's own start grid on request;
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

import enum
import itertools
import logging
import warnings
from dataclasses import dataclass, field

import lmfit
import numpy as np
from scipy import optimize, stats

from . import _validate as V
from .laws import Law, Param, get_law

logger = logging.getLogger("scalinglaws")

__all__ = ["FitStatus", "FitWarning", "FitResult", "BootstrapResult", "fit", "fit_groups", "to_space", "from_space"]

_TOL = dict(xtol=1e-12, ftol=1e-12, gtol=1e-12)
_MAX_NFEV = 20_000
_SPACE_LABELS = {"accuracy": "log(-log Q')", "loss": "log L", "neglog": "-log Q'", "identity": "Q"}


class FitStatus(str, enum.Enum):
    """Outcome of a fit, read from the optimiser's report and the parameters, never from ``success`` alone."""

    CONVERGED = "converged"
    AT_BOUND = "hit a bound"
    MAX_ITER = "hit the iteration limit"
    FAILED = "failed"


class FitWarning(UserWarning):
    """A fit finished with a status other than ``converged``."""


# ---------------------------------------------------------------------------------------------------------------
# Response spaces
# ---------------------------------------------------------------------------------------------------------------


def to_space(values: np.ndarray, space: str, chance: float = 0.0) -> np.ndarray:
    """Map a response (accuracy or loss) to a law's fitting space; no validation (see :func:`fit`)."""
    if space == "loss":
        return np.log(values)
    if space == "identity":
        return np.asarray(values, dtype=float)
    normalised = (values - chance) / (1.0 - chance)
    if space == "accuracy":
        return np.log(-np.log(normalised))
    if space == "neglog":
        return -np.log(normalised)
    raise ValueError(f"unknown fitting space {space!r}")


def from_space(y: np.ndarray, space: str, chance: float = 0.0) -> np.ndarray:
    """Inverse of :func:`to_space`: accuracy (chance level restored) or loss."""
    y = np.asarray(y, dtype=float)
    if space == "loss":
        return np.exp(y)
    if space == "identity":
        return y
    if space not in ("accuracy", "neglog"):
        raise ValueError(f"unknown fitting space {space!r}")
    with np.errstate(over="ignore"):  # exp overflow maps to accuracy 0 / chance, which is the limit
        neglog = np.exp(y) if space == "accuracy" else y
        return chance + (1.0 - chance) * np.exp(-neglog)


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapResult:
    """Seeded bootstrap over runs: one refit per resample of the fitted points (with replacement).

    ``draws`` holds the public parameters of each successful refit (one row per resample, columns in
    ``law.param_names`` order); ``n_failed`` counts resamples whose refit did not converge and were left out.
    """

    fit: "FitResult"
    draws: np.ndarray
    internal_draws: np.ndarray
    n_failed: int
    seed: int

    def param_interval(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Percentile interval of each public parameter."""
        lo, hi = 50 * (1 - level), 50 * (1 + level)
        return {
            name: (float(np.percentile(self.draws[:, j], lo)), float(np.percentile(self.draws[:, j], hi)))
            for j, name in enumerate(self.fit.law.param_names)
        }

    def predict_interval(self, level: float = 0.95, **variables) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of the fitted curve (the law's prediction, not a new observation)."""
        X = self.fit._variables(variables)
        names = self.fit.law.internal_names
        preds = np.array([from_space(self.fit.law.func(**X, **dict(zip(names, row))), self.fit.law.space,
                                     self.fit.chance) for row in self.internal_draws])
        lo, hi = np.percentile(preds, [50 * (1 - level), 50 * (1 + level)], axis=0)
        return lo, hi


@dataclass(frozen=True)
class FitResult:
    """A fitted law: parameters, standard errors, status, and the data it was fitted on.

    Attributes
    ----------
    law : Law
        The law that was fitted.
    params, stderr : dict
        Public parameters (``A``, ``alpha``, ...) and their standard errors (``None`` where none could be
        estimated). A log-parametrised amplitude's error is propagated by the delta method,
        :math:`\\mathrm{se}(A) = A\\,\\mathrm{se}(\\log A)`. After a Huber fit the errors come from the Gauss-Newton
        approximation and are only indicative: use :meth:`bootstrap`.
    internal, covariance : dict, ndarray
        Fitted internal parameters (``log_A``, ...) and their covariance (``None`` if singular).
    status : FitStatus
    objective : float
        Sum of squared residuals, or summed Huber loss, at the optimum, in the fitting space.
    X, y : dict, ndarray
        The fitted points: variables and the response in the fitting space.
    dropped : list of (int, str)
        Positions in the caller's arrays left out of the fit, with the reason.
    """

    law: Law
    params: dict[str, float]
    stderr: dict[str, float | None]
    internal: dict[str, float]
    covariance: np.ndarray | None
    status: FitStatus
    message: str
    objective: float
    loss: str
    huber_delta: float | None
    chance: float
    X: dict[str, np.ndarray] = field(repr=False)
    y: np.ndarray = field(repr=False)
    dropped: list[tuple[int, str]] = field(default_factory=list, repr=False)
    n_starts: int = 1

    @property
    def n_points(self) -> int:
        return int(self.y.size)

    @property
    def dof(self) -> int:
        """Residual degrees of freedom, n - p."""
        return self.n_points - len(self.law.params)

    @property
    def residuals(self) -> np.ndarray:
        """Observed minus fitted, in the fitting space."""
        return self.y - self.law.func(**self.X, **self.internal)

    @property
    def residual_std(self) -> float:
        r"""Residual standard deviation :math:`s = \sqrt{\sum r_i^2 / (n - p)}` in the fitting space."""
        return float(np.sqrt(np.sum(self.residuals**2) / self.dof))

    def _variables(self, variables: dict) -> dict[str, np.ndarray]:
        missing = set(self.law.variables) - set(variables)
        if missing:
            raise ValueError(f"{self.law.name}: missing variable(s) {sorted(missing)}")
        extra = set(variables) - set(self.law.variables)
        if extra:
            raise ValueError(f"{self.law.name}: unknown variable(s) {sorted(extra)}; expects {self.law.variables}")
        X = {k: V.positive(k, variables[k]) for k in self.law.variables}
        V.same_length(X)
        return X

    def predict_space(self, **variables) -> np.ndarray:
        """The law's prediction in its fitting space."""
        return self.law.func(**self._variables(variables), **self.internal)

    def predict(self, **variables) -> np.ndarray:
        """The law's prediction of the response (accuracy with chance restored, or loss)."""
        return from_space(self.predict_space(**variables), self.law.space, self.chance)

    def _gradient(self, X: dict[str, np.ndarray]) -> np.ndarray:
        """Central-difference gradient of the fit-space prediction with respect to the internal parameters."""
        names = self.law.internal_names
        theta = np.array([self.internal[n] for n in names])
        grads = []
        for j in range(theta.size):
            h = 1e-6 * max(1.0, abs(theta[j]))
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            grads.append((self.law.func(**X, **dict(zip(names, up))) - self.law.func(**X, **dict(zip(names, down))))
                         / (2 * h))
        return np.stack(grads, axis=-1)

    def interval(self, level: float = 0.95, kind: str = "prediction", **variables) -> tuple[np.ndarray, np.ndarray]:
        r"""Delta-method interval of the response at new points.

        In the fitting space the prediction :math:`\hat y(x)` has variance :math:`g^\top \Sigma g`
        (g the gradient in the internal parameters, Σ their covariance); a new observation adds the residual
        variance :math:`s^2`. The interval :math:`\hat y \pm t_{n-p}\sqrt{\cdot}` is mapped back to the response,
        whose transform is monotone, so the bounds map to bounds. For a law that is linear in its parameters
        (``direct``, ``passk_joint``) this is the exact least-squares interval.

        Parameters
        ----------
        level : float
            Coverage, in (0, 1).
        kind : {"prediction", "confidence"}
            A new observation at ``x``, or the law's mean at ``x``.
        """
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        if kind not in ("prediction", "confidence"):
            raise ValueError(f"kind must be 'prediction' or 'confidence', got {kind!r}")
        if self.covariance is None:
            raise ValueError(f"{self.law.name}: no covariance for this fit ({self.status.value}); use bootstrap()")
        X = self._variables(variables)
        y_hat = self.law.func(**X, **self.internal)
        g = self._gradient(X)
        var = np.einsum("...i,ij,...j->...", g, self.covariance, g)
        if kind == "prediction":
            var = var + self.residual_std**2
        with np.errstate(invalid="ignore"):  # a numerically non-PSD covariance gives var < 0: no interval (NaN)
            half = stats.t.ppf(0.5 + level / 2, self.dof) * np.sqrt(np.where(var >= 0, var, np.nan))
        a = from_space(y_hat - half, self.law.space, self.chance)
        b = from_space(y_hat + half, self.law.space, self.chance)
        return np.minimum(a, b), np.maximum(a, b)

    def bootstrap(self, n_resamples: int = 1000, seed: int = 0) -> BootstrapResult:
        """Seeded bootstrap over the fitted runs; each resample is refitted from this fit's optimum."""
        if n_resamples < 1:
            raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
        rng = np.random.default_rng(seed)
        names = self.law.internal_names
        start = dict(self.internal)
        draws, failed = [], 0
        for _ in range(n_resamples):
            idx = rng.integers(0, self.n_points, self.n_points)
            X = {k: v[idx] for k, v in self.X.items()}
            try:
                res = _local_fit(self.law, X, self.y[idx], start, self.loss, self.huber_delta)
            except (ValueError, np.linalg.LinAlgError):
                failed += 1
                continue
            theta = np.array([res.params[n].value for n in names])
            if res.success and np.all(np.isfinite(theta)):
                draws.append(theta)
            else:
                failed += 1
        internal_draws = np.array(draws).reshape(-1, len(names))
        public = np.array([[self.law.to_public(dict(zip(names, row)))[p] for p in self.law.param_names]
                           for row in internal_draws]).reshape(-1, len(names))
        if failed:
            logger.info("bootstrap of %s: %d of %d refits did not converge and were left out",
                        self.law.name, failed, n_resamples)
        return BootstrapResult(self, public, internal_draws, failed, seed)

    def summary(self) -> str:
        """A readable report: law, status, parameters with standard errors, objective."""
        lines = [f"law: {self.law.name}   ({self.law.formula})   [{self.law.reference}]",
                 f"status: {self.status.value}" + (f" ({self.message})" if self.message else ""),
                 f"points: {self.n_points} fitted, {len(self.dropped)} dropped; chance level {self.chance:g}",
                 f"objective: {self.objective:.6g} ({self.loss}" +
                 (f", delta={self.huber_delta:g}" if self.loss == "huber" else "") +
                 f", in {_SPACE_LABELS[self.law.space]})"]
        for name, value in self.params.items():
            se = self.stderr.get(name)
            lines.append(f"  {name:>10} = {value:.6g}" + (f"  +/- {se:.3g}" if se is not None else ""))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------


def _prepare(law: Law, variables: dict, response, chance: float, invalid: str, max_compute: float | None):
    if invalid not in ("raise", "drop"):
        raise ValueError(f"invalid must be 'raise' or 'drop', got {invalid!r}")
    missing = set(law.variables) - set(variables)
    if missing:
        raise ValueError(f"{law.name}: missing variable(s) {sorted(missing)}; the law needs {law.variables}")
    extra = set(variables) - set(law.variables)
    if extra:
        raise ValueError(f"{law.name}: unknown variable(s) {sorted(extra)}; the law needs {law.variables}")
    if response is None:
        raise ValueError(f"{law.name}: missing response {law.response}")
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
            raise ValueError(f"{law.response}: loss must be > 0; non-positive at positions {V._positions(r <= 0)}")
    else:
        ok = V.open_unit_mask(law.response, r, chance)
        bad = keep & ~ok
        if bad.any():
            reasons = np.where(r <= chance, f"at or below chance ({chance:g})", "equal to 1 (-log Q = 0)")
            if invalid == "raise":
                raise ValueError(
                    f"{law.response}: {int(bad.sum())} value(s) outside ({chance:g}, 1), at positions "
                    f"{V._positions(bad)} ({reasons[bad][0]}); pass invalid='drop' to leave them out"
                )
            for i in np.flatnonzero(bad):
                dropped.append((int(i), f"{law.response}={r[i]:g} {reasons[i]}"))
                logger.info("%s: dropping point %d: %s=%g %s", law.name, i, law.response, r[i], reasons[i])
            keep &= ok
    X = {k: v[keep] for k, v in X.items()}
    y = to_space(r[keep], law.space, chance)
    V.enough_points(int(keep.sum()), len(law.params), law.name)
    return X, y, sorted(dropped)


# ---------------------------------------------------------------------------------------------------------------
# Starting values
# ---------------------------------------------------------------------------------------------------------------


def _linear_start(law: Law, X: dict, y: np.ndarray) -> dict[str, float]:
    """Exact least squares for a law linear in its internal parameters: design columns are f(e_j) - f(0)."""
    names = law.internal_names
    zero = dict.fromkeys(names, 0.0)
    f0 = law.func(**X, **zero) * np.ones_like(y)
    cols = [law.func(**X, **{**zero, n: 1.0}) - f0 for n in names]
    theta, *_ = np.linalg.lstsq(np.column_stack(cols), y - f0, rcond=None)
    return dict(zip(names, map(float, theta)))


def _varpro_starts(law: Law, X: dict, y: np.ndarray, n_best: int = 3) -> list[dict[str, float]]:
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


def _bnsl_starts(law: Law, n: int, seed: int = 0) -> list[dict[str, float]]:
    """Seeded random starts from the paper's BNSL ranges (a in [-2, 5], b in [0, 50], c0, f1, c1 in [0.1, 3],
    d1 in [1e18, 1e24])."""
    rng = np.random.default_rng(seed)
    return [
        {"a": rng.uniform(-2, 5), "log_b": np.log(rng.uniform(1e-3, 50)), "c0": rng.uniform(0.1, 3),
         "log10_d1": rng.uniform(18, 24), "f1": rng.uniform(0.1, 3), "c1": rng.uniform(0.1, 3)}
        for _ in range(n)
    ]


def _bnsl_default_starts(X: dict, y: np.ndarray) -> list[dict[str, float]]:
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


def _starts(law: Law, X: dict, y: np.ndarray, starts) -> list[dict[str, float]]:
    if isinstance(starts, dict):
        return [law.to_internal(starts)]
    if isinstance(starts, (list, tuple)):
        return [law.to_internal(s) for s in starts]
    if starts == "paper":
        if law.paper_grid:
            return [dict(s) for s in law.paper_grid]
        if law.name == "bnsl":
            return _bnsl_starts(law, 100)
        starts = "default"
    if starts != "default":
        raise ValueError(f"starts must be 'default', 'paper', a dict or a list of dicts, got {starts!r}")
    if law.linear:
        return [_linear_start(law, X, y)]
    if law.guess is not None:
        return [law.guess(X, y)]
    if law.terms:
        return _varpro_starts(law, X, y)
    if law.name == "bnsl":
        return _bnsl_default_starts(X, y)
    raise ValueError(f"{law.name}: no default starting values; pass starts=")


# ---------------------------------------------------------------------------------------------------------------
# The local fit and the public entry point
# ---------------------------------------------------------------------------------------------------------------


def _model(law: Law) -> lmfit.Model:
    return lmfit.Model(law.func, independent_vars=list(law.variables), name=law.name)


def _least_squares(law: Law, X: dict, y: np.ndarray, params: lmfit.Parameters, loss: str, delta: float | None):
    """One lmfit ``least_squares`` run of the law's objective (squared, or summed Huber with ``f_scale = delta``)."""
    fit_kws = dict(_TOL)
    if loss == "huber":
        fit_kws.update(loss="huber", f_scale=delta)
    with warnings.catch_warnings():
        # lmfit warns when a start ends with a singular covariance; fit() checks the covariance it keeps.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _model(law).fit(y, params, method="least_squares", max_nfev=_MAX_NFEV, fit_kws=fit_kws, **X)


def _local_fit(law: Law, X: dict, y: np.ndarray, start: dict[str, float], loss: str, delta: float | None):
    params = lmfit.Parameters()
    for p in law.params:
        value = float(np.clip(start[p.internal], p.lower, p.upper))
        params.add(p.internal, value=value, min=p.lower, max=p.upper)
    return _least_squares(law, X, y, params, loss, delta)


def _at_bound(p: Param, value: float) -> bool:
    return min(value - p.lower, p.upper - value) <= 1e-6 * (p.upper - p.lower)


def _covariance(law: Law, res) -> np.ndarray | None:
    if res.covar is None or not np.all(np.isfinite(res.covar)) or len(res.var_names) != len(law.params):
        return None
    order = [res.var_names.index(n) for n in law.internal_names]
    return np.asarray(res.covar)[np.ix_(order, order)]


def _negligible_constant(law: Law, res) -> Param | None:
    """The law's log-parametrised constant term if it is below 1e-6 of the fitted response at every point (in the
    units of -log Q or of the loss), else None."""
    if law.constant is None or law.space not in ("accuracy", "loss"):
        return None
    const = next(p for p in law.params if p.name == law.constant)
    if not const.log:
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
    res = _least_squares(law, X, y, params, loss, delta)
    if res.covar is None or not np.all(np.isfinite(res.covar)):
        return None, []
    free = [p.internal for p in law.params if p not in pinned]
    cov = np.zeros((len(law.params), len(law.params)))
    idx = [law.internal_names.index(n) for n in free]
    sub = [res.var_names.index(n) for n in free]
    cov[np.ix_(idx, idx)] = np.asarray(res.covar)[np.ix_(sub, sub)]
    return cov, [p.name for p in pinned]


def _objective(residuals: np.ndarray, loss: str, delta: float | None) -> float:
    if loss == "squared":
        return float(np.sum(residuals**2))
    a = np.abs(residuals)
    return float(np.sum(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))


def _status(law: Law, res) -> tuple[FitStatus, str]:
    values = np.array([res.params[p.internal].value for p in law.params])
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(res.residual)):
        return FitStatus.FAILED, "non-finite parameters or residuals"
    if res.nfev >= _MAX_NFEV or "maximum number of function evaluations" in str(res.message):
        return FitStatus.MAX_ITER, str(res.message)
    if not res.success:
        return FitStatus.FAILED, str(res.message)
    at = [p.name for p, v in zip(law.params, values) if _at_bound(p, v)]
    if at:
        return FitStatus.AT_BOUND, "at a bound: " + ", ".join(at)
    return FitStatus.CONVERGED, ""


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
        A name from :data:`scalinglaws.laws.LAWS` (``"direct"``, ``"compute"``, ``"chinchilla"``, ...).
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
    best, best_obj = None, np.inf
    for start in start_list:
        try:
            res = _local_fit(law, X, y, start, loss, delta)
        except (ValueError, np.linalg.LinAlgError) as exc:
            logger.debug("%s: a start failed: %s", law.name, exc)
            continue
        obj = _objective(res.residual, loss, delta) if np.all(np.isfinite(res.residual)) else np.inf
        if obj < best_obj:
            best, best_obj = res, obj
    if best is None:
        raise RuntimeError(f"{law.name}: every one of {len(start_list)} starts failed")

    status, message = _status(law, best)
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
            message = (message + "; " if message else "") + (
                "no identifiable curvature in " + ", ".join(pinned) + " (at a bound or negligible): held fixed for "
                "the covariance, so standard errors and intervals are conditional on it")
    stderr: dict[str, float | None] = {}
    for j, p in enumerate(law.params):
        se = float(np.sqrt(cov[j, j])) if cov is not None and cov[j, j] >= 0 and p.name not in pinned else None
        stderr[p.name] = None if se is None else (public[p.name] * se if p.log else se)
    result = FitResult(law, public, stderr, internal, cov, status, message, best_obj, loss, delta, chance,
                       X, y, dropped, len(start_list))
    if warn and status is not FitStatus.CONVERGED:
        warnings.warn(f"{law.name} fit {status.value}: {message}", FitWarning, stacklevel=2)
    return result


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
    import pandas as pd

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
