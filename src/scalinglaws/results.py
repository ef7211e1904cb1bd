r"""What a fit returns: :class:`FitResult` (parameters, uncertainty, status and the fitted data, with a parameter
table, a text report and a JSON-ready dict), :class:`FitStatus`, :class:`FitWarning`, :class:`FitError`, and
:class:`BootstrapResult`."""

from __future__ import annotations

import enum
import html
import logging
import math
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

from . import _engine
from . import _validate as V
from ._threads import one_blas_thread
from .laws import Law
from .spaces import SPACE_LABELS

logger = logging.getLogger("scalinglaws")

__all__ = ["FitStatus", "FitWarning", "FitError", "FitResult", "Prediction", "BootstrapResult"]


class FitStatus(enum.StrEnum):
    """Outcome of a fit, read from the optimiser's report and the parameters, never from ``success`` alone. The
    value is an identifier; :attr:`FitResult.reason` says why in words."""

    CONVERGED = "converged"
    AT_BOUND = "at_bound"  # a parameter ended at a bound, or has no identifiable curvature and was held fixed
    MAX_ITER = "max_iter"  # the optimiser hit its evaluation limit
    NOT_IDENTIFIED = "not_identified"  # the data do not determine a parameter (see fitting.UNIDENTIFIED_SE)
    FAILED = "failed"  # non-finite parameters or residuals, or the optimiser reported failure


class FitWarning(UserWarning):
    """A fit finished with a status other than ``converged``."""


class FitError(RuntimeError):
    """No start of a fit produced a finite result."""


def _json(x):
    """A JSON-safe scalar: finite floats as float, everything non-finite or missing as None."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class FitResult:
    r"""A fitted law: parameters, standard errors, status, and the data it was fitted on.

    Attributes
    ----------
    law : Law
        The law that was fitted.
    params, stderr : dict
        Public parameters (``A``, ``alpha``, ...) and their standard errors (``None`` where none could be
        estimated: a parameter held fixed, or no covariance). A log-parametrised amplitude's error is propagated by
        the delta method, :math:`\mathrm{se}(A) = A\,\mathrm{se}(\log A)`. After a Huber fit the errors come from
        the Gauss-Newton approximation and are only indicative: use :meth:`bootstrap`.
    internal, covariance : dict, ndarray
        Fitted internal parameters (``log_A``, ...) and their covariance (``None`` if singular); rows and columns of
        a pinned parameter are zero.
    status : FitStatus
        An identifier; ``reason`` says why in words (empty when converged).
    objective : float
        Sum of squared residuals, or summed Huber loss, at the optimum, in the fitting space: comparable only
        between fits with the same loss (and Huber δ) on the same points.
    loss, huber_delta, chance : str, float or None, float
        The objective, its δ, and the chance level the accuracy was normalised by.
    X, y : dict, ndarray
        The fitted points: variables and the response in the fitting space.
    dropped : list of (int, str)
        Positions in the caller's arrays left out of the fit, with the reason.
    n_starts, nfev : int
        Starts tried, and the evaluations of the law by the kept start's local run plus its lmfit polish
        (scipy does not count the calls of a finite-difference Jacobian; :mod:`scalinglaws._engine`).
    start : dict
        The public parameters the kept local fit started from.
    pinned : tuple of str
        Parameters held fixed for the covariance (at a bound, or a negligible constant term): their standard
        errors are ``None`` and the others' are conditional on them.
    options : dict
        The options the fit was made with that are not fields above (``starts``, ``max_compute``, ``invalid``):
        :meth:`refit` reuses them.
    """

    law: Law
    params: dict[str, float]
    stderr: dict[str, float | None]
    internal: dict[str, float]
    covariance: np.ndarray | None = field(repr=False)
    status: FitStatus
    reason: str
    objective: float
    loss: str
    huber_delta: float | None
    chance: float
    X: dict[str, np.ndarray] = field(repr=False)
    y: np.ndarray = field(repr=False)
    dropped: list[tuple[int, str]] = field(default_factory=list, repr=False)
    n_starts: int = 1
    nfev: int = 0
    start: dict[str, float] = field(default_factory=dict, repr=False)
    pinned: tuple[str, ...] = ()
    options: dict = field(default_factory=dict, repr=False)

    # -- the fitted data ------------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The law's name (what :class:`scalinglaws.routes.Predictor` calls the route)."""
        return self.law.name

    @property
    def fitted(self) -> dict[str, np.ndarray]:
        """The fitted points: the law's variables and the response in its own units."""
        return {**self.X, self.law.response: self.response}

    def refit(self, mask=None, *, warn: bool = False) -> FitResult:
        """The same law refitted on a subset of this fit's points with this fit's options -- objective, Huber δ,
        chance level, start rule (as lmfit's ``ModelResult`` keeps its settings) -- so that a backtest's refits are
        the fit it checks. ``mask``: a boolean array over the ``n_points`` fitted points, or integer positions;
        all of them by default."""
        from .fitting import fit  # fitting builds FitResult: imported here, not at module level

        idx = np.arange(self.n_points) if mask is None else np.asarray(mask)
        if idx.dtype == bool and idx.shape != (self.n_points,):
            raise ValueError(f"refit: a boolean mask needs {self.n_points} entries (the fitted points), got "
                             f"{idx.shape}")
        return fit(self.law, chance=self.chance, loss=self.loss, huber_delta=self.huber_delta,
                   starts=self.options.get("starts", "default"), warn=warn,
                   **{k: v[idx] for k, v in self.X.items()}, **{self.law.response: self.response[idx]})

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

    @property
    def response(self) -> np.ndarray:
        """The fitted response in its own units (accuracy, pass@k or loss)."""
        return self.law.from_space(self.y, self.chance)

    # -- prediction -----------------------------------------------------------------------------------------------

    def variables(self, **variables) -> dict[str, np.ndarray]:
        """Validate new points for this law: every variable present, none extra, positive, equal lengths."""
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
        return self.law.func(**self.variables(**variables), **self.internal)

    def predict(self, **variables) -> np.ndarray:
        """The law's prediction of the response (accuracy with chance restored, or loss)."""
        return self.law.from_space(self.predict_space(**variables), self.chance)

    def gradient(self, **variables) -> np.ndarray:
        """Central-difference gradient of the fit-space prediction in the internal parameters, shape (n, p)."""
        X = self.variables(**variables)
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
            raise ValueError(f"{self.law.name}: no covariance for this fit ({self.status}); use bootstrap()")
        return self.get_prediction(**variables).conf_int(level, obs=kind == "prediction")

    def get_prediction(self, **variables) -> Prediction:
        """The prediction at new points with its uncertainty (as statsmodels' ``get_prediction``): the mean, the
        standard error of the mean and of a new observation (delta method; in the response's units, and in the
        fitting space under ``*_space`` names), and intervals of either (:class:`Prediction`)."""
        X = self.variables(**variables)
        y_hat = self.law.func(**X, **self.internal)
        if self.covariance is None:
            se_mean = np.full(np.shape(y_hat), np.nan)
        else:
            g = self.gradient(**X)
            var = np.einsum("...i,ij,...j->...", g, self.covariance, g)
            with np.errstate(invalid="ignore"):
                se_mean = np.sqrt(np.where(var >= 0, var, np.nan))
        se_obs = np.sqrt(se_mean**2 + self.residual_std**2)
        return Prediction(self, X, np.asarray(y_hat, float), se_mean, se_obs)

    @one_blas_thread
    def bootstrap(self, n_resamples: int = 1000, seed: int = 0) -> BootstrapResult:
        """Seeded bootstrap over the fitted runs; each resample is refitted from this fit's optimum."""
        if n_resamples < 1:
            raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
        rng = np.random.default_rng(seed)
        names = self.law.internal_names
        draws, failed = [], 0
        for _ in range(n_resamples):
            idx = rng.integers(0, self.n_points, self.n_points)
            X = {k: v[idx] for k, v in self.X.items()}
            try:
                res = _engine.search(self.law, X, self.y[idx], dict(self.internal), self.loss, self.huber_delta)
            except (ValueError, np.linalg.LinAlgError):
                failed += 1
                continue
            theta = np.array([res.x[n] for n in names])
            if not res.at_budget and np.all(np.isfinite(theta)):
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

    # -- reporting ------------------------------------------------------------------------------------------------

    def param_table(self) -> pd.DataFrame:
        """One row per public parameter: ``value, stderr, lower, upper`` (the bounds in public units),
        ``at_bound``, ``pinned`` and ``start`` (where the kept local fit began)."""
        rows = []
        for p in self.law.params:
            lo, hi = p.public_bounds()
            internal = self.internal[p.internal]
            rows.append({"value": self.params[p.name], "stderr": self.stderr[p.name], "lower": lo, "upper": hi,
                         "at_bound": _at_bound(p, internal), "pinned": p.name in self.pinned,
                         "start": self.start.get(p.name, np.nan)})
        table = pd.DataFrame(rows, index=pd.Index(self.law.param_names, name="parameter"))
        table["stderr"] = table["stderr"].astype(float)
        return table

    def correlations(self) -> pd.DataFrame | None:
        """Correlation matrix of the internal parameters (``None`` without a covariance; a pinned parameter's row
        and column are NaN)."""
        if self.covariance is None:
            return None
        sd = np.sqrt(np.clip(np.diag(self.covariance), 0, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = self.covariance / np.outer(sd, sd)
        corr[~np.isfinite(corr)] = np.nan
        names = list(self.law.internal_names)
        return pd.DataFrame(corr, index=names, columns=names)

    def summary(self) -> dict:
        """The fit-level facts as a dict: law, status, reason, points fitted and dropped, starts, evaluations,
        objective, loss, space, chance level, residual standard deviation (see :meth:`param_table` for the
        parameters and :meth:`report` for both as text)."""
        return {"law": self.law.name, "formula": self.law.formula, "reference": self.law.reference,
                "status": str(self.status), "reason": self.reason, "n_points": self.n_points,
                "n_dropped": len(self.dropped), "n_starts": self.n_starts, "nfev": self.nfev,
                "objective": self.objective, "loss": self.loss, "huber_delta": self.huber_delta,
                "space": SPACE_LABELS[self.law.space], "chance": self.chance,
                "residual_std": self.residual_std if self.dof > 0 else float("nan")}

    def to_dict(self) -> dict:
        """Everything a caller needs to reuse the fit, JSON-ready (non-finite numbers and missing errors are
        ``None``): the :meth:`summary`, ``params``, ``stderr``, ``pinned``, and the dropped points with reasons."""
        out = {k: (_json(v) if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) else v)
               for k, v in self.summary().items()}
        out.update(params={k: _json(v) for k, v in self.params.items()},
                   stderr={k: _json(v) for k, v in self.stderr.items()},
                   pinned=list(self.pinned),
                   dropped=[{"position": int(i), "reason": r} for i, r in self.dropped])
        return out

    def report(self) -> str:
        """A readable text report: law, status, points, objective, and each parameter with its standard error."""
        s = self.summary()
        lines = [f"law: {s['law']}   ({s['formula']})   [{s['reference']}]",
                 f"status: {s['status']}" + (f" ({self.reason})" if self.reason else ""),
                 f"points: {s['n_points']} fitted, {s['n_dropped']} dropped; chance level {self.chance:g}",
                 f"objective: {self.objective:.6g} ({self.loss}" +
                 (f", delta={self.huber_delta:g}" if self.loss == "huber" else "") + f", in {s['space']})"]
        for name, value in self.params.items():
            se = self.stderr.get(name)
            note = "  (held fixed)" if name in self.pinned else ""
            lines.append(f"  {name:>10} = {value:.6g}" + (f"  +/- {se:.3g}" if se is not None else "") + note)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _repr_html_(self) -> str:
        s = self.summary()
        head = (f"<p><b>{html.escape(s['law'])}</b>: {html.escape(s['formula'])} &mdash; status "
                f"<code>{s['status']}</code>{' (' + html.escape(self.reason) + ')' if self.reason else ''}; "
                f"{s['n_points']} points fitted, {s['n_dropped']} dropped; objective {self.objective:.4g} "
                f"({self.loss}, in {html.escape(s['space'])})</p>")
        table = self.param_table()[["value", "stderr", "at_bound", "pinned"]]
        return head + table.to_html(float_format=lambda v: f"{v:.4g}", na_rep="—")


@dataclass(frozen=True)
class Prediction:
    """A fit's prediction at new points (:meth:`FitResult.get_prediction`), in the response's units beside the
    fitting space's.

    In the law's fitting space: ``mean_space`` (the prediction), ``se_mean_space`` (its delta-method standard error;
    NaN without a covariance) and ``se_obs_space`` (that of a new observation: adds the residual variance).
    :attr:`predicted`, :attr:`se_mean`, :attr:`se_obs` and the intervals are in the response's own units (accuracy,
    pass@k or loss): the standard errors mapped through the derivative of the law's monotone transform (delta
    method), the intervals by mapping the fitting-space bounds (exact for a monotone map)."""

    fit: FitResult = field(repr=False)
    X: dict[str, np.ndarray] = field(repr=False)
    mean_space: np.ndarray
    se_mean_space: np.ndarray
    se_obs_space: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.fit.law.from_space(self.mean_space, self.fit.chance)

    def _slope(self) -> np.ndarray:
        """|d response / d fitting space| at the prediction (central differences)."""
        h = 1e-6 * np.maximum(1.0, np.abs(self.mean_space))
        up = self.fit.law.from_space(self.mean_space + h, self.fit.chance)
        down = self.fit.law.from_space(self.mean_space - h, self.fit.chance)
        return np.abs(up - down) / (2 * h)

    @property
    def se_mean(self) -> np.ndarray:
        """Standard error of the law's mean, in the response's units (delta method)."""
        return self._slope() * self.se_mean_space

    @property
    def se_obs(self) -> np.ndarray:
        """Standard error of a new observation, in the response's units (delta method)."""
        return self._slope() * self.se_obs_space

    def conf_int(self, level: float = 0.95, obs: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Interval of a new observation (``obs=True``) or of the law's mean, Student t with n - p degrees of
        freedom in the fitting space, mapped to the response; NaN bounds without a covariance."""
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        half = stats.t.ppf(0.5 + level / 2, self.fit.dof) * (self.se_obs_space if obs else self.se_mean_space)
        a = self.fit.law.from_space(self.mean_space - half, self.fit.chance)
        b = self.fit.law.from_space(self.mean_space + half, self.fit.chance)
        return np.minimum(a, b), np.maximum(a, b)

    def summary_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per point: the variables, ``predicted``, ``se_mean`` and ``se_obs`` and the ``mean_lower/upper``
        and ``obs_lower/upper`` bounds at ``level``, all in the response's units; then ``se_mean_space`` and
        ``se_obs_space``, the standard errors in the law's fitting space."""
        mlo, mhi = self.conf_int(level, obs=False)
        olo, ohi = self.conf_int(level, obs=True)
        return pd.DataFrame({**self.X, "predicted": self.predicted, "se_mean": self.se_mean, "se_obs": self.se_obs,
                             "mean_lower": mlo, "mean_upper": mhi, "obs_lower": olo, "obs_upper": ohi,
                             "se_mean_space": self.se_mean_space, "se_obs_space": self.se_obs_space})


@dataclass(frozen=True)
class PointPrediction:
    """A prediction of a route that has no single fitting space (a chained route, a random search): the prediction
    and its standard errors in the response's units (NaN where the route has none), and symmetric intervals,
    Student t with ``dof`` degrees of freedom (normal when ``dof`` is None)."""

    X: dict[str, np.ndarray] = field(repr=False)
    predicted: np.ndarray
    se_mean: np.ndarray
    se_obs: np.ndarray
    dof: int | None = None

    def conf_int(self, level: float = 0.95, obs: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        z = stats.norm.ppf(0.5 + level / 2) if self.dof is None else stats.t.ppf(0.5 + level / 2, self.dof)
        half = z * (self.se_obs if obs else self.se_mean)
        return self.predicted - half, self.predicted + half

    def summary_frame(self, level: float = 0.95) -> pd.DataFrame:
        mlo, mhi = self.conf_int(level, obs=False)
        olo, ohi = self.conf_int(level, obs=True)
        return pd.DataFrame({**self.X, "predicted": self.predicted, "se_mean": self.se_mean, "se_obs": self.se_obs,
                             "mean_lower": mlo, "mean_upper": mhi, "obs_lower": olo, "obs_upper": ohi})


@runtime_checkable
class Predictor(Protocol):
    """What every fitted route is (:mod:`scalinglaws.routes`): a :class:`FitResult`, a chained route
    (:class:`scalinglaws.two_stage.TwoStageResult`) or the authors' BNSL procedure over seeds.

    ``name`` (the route), ``status`` and ``reason``, ``n_points`` and ``fitted`` (the points it was fitted on),
    ``params`` and ``stderr`` (``None`` or NaN where the route has none), ``predict(**variables)`` and
    ``get_prediction(**variables)``, whose ``predicted``, ``se_mean``, ``se_obs`` and ``conf_int(level, obs)`` are
    in the response's units."""

    name: str
    reason: str
    params: dict
    stderr: dict

    @property
    def status(self): ...

    @property
    def n_points(self) -> int: ...

    @property
    def fitted(self) -> dict: ...

    def predict(self, **variables) -> np.ndarray: ...

    def get_prediction(self, **variables): ...


def _at_bound(p, value: float) -> bool:
    return min(value - p.lower, p.upper - value) <= 1e-6 * (p.upper - p.lower)


@dataclass(frozen=True)
class BootstrapResult:
    """Seeded bootstrap over runs: one refit per resample of the fitted points (with replacement).

    ``draws`` holds the public parameters of each successful refit (one row per resample, columns in
    ``law.param_names`` order); ``n_failed`` counts resamples whose refit did not converge and were left out.
    """

    fit: FitResult = field(repr=False)
    draws: np.ndarray = field(repr=False)
    internal_draws: np.ndarray = field(repr=False)
    n_failed: int
    seed: int

    @property
    def n_draws(self) -> int:
        return int(self.draws.shape[0])

    def __repr__(self) -> str:
        return (f"BootstrapResult(law={self.fit.law.name!r}, n_draws={self.n_draws}, n_failed={self.n_failed}, "
                f"seed={self.seed})")

    def param_interval(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Percentile interval of each public parameter."""
        lo, hi = 50 * (1 - level), 50 * (1 + level)
        return {
            name: (float(np.percentile(self.draws[:, j], lo)), float(np.percentile(self.draws[:, j], hi)))
            for j, name in enumerate(self.fit.law.param_names)
        }

    def confidence_band(self, level: float = 0.95, **variables) -> tuple[np.ndarray, np.ndarray]:
        """Percentile band of the fitted curve at new points: the law's mean, not a new observation (no residual
        scatter is added), so it is narrower than a prediction interval."""
        X = self.fit.variables(**variables)
        names = self.fit.law.internal_names
        preds = np.array([self.fit.law.from_space(self.fit.law.func(**X, **dict(zip(names, row))), self.fit.chance)
                          for row in self.internal_draws])
        lo, hi = np.percentile(preds, [50 * (1 - level), 50 * (1 + level)], axis=0)
        return lo, hi
