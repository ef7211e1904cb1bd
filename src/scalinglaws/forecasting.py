r"""Forecast a model that has not been trained, with an interval that has been checked.

:func:`forecast` fits a law on a ladder of runs and predicts a target (e.g. ``C=3.8e22``) with one of four
intervals:

``learned`` (the default for an accuracy or pass@k)
    the error model learned from the forecasting benchmark (:mod:`scalinglaws.error_model`) combined with the
    ladder's own backtest. Each backtest error is measured in half-widths of its fold's 90% delta interval widened by
    the target benchmark's binomial noise (``n_items``); the prior for this law and distance (every ladder of the
    benchmark, an equal-weight mixture) counts as :data:`scalinglaws.error_model.PRIOR_WEIGHT` such errors, so a long
    ladder is dominated by its own errors, a short one by the prior, and a ladder with no backtest at all gets the
    prior alone (said in the warnings). Validated leaving one ladder out in the calibration chapter. An interval
    wider than half the feasible range (chance to 1) is flagged as uninformative. A law that predicts a loss has no
    error model: ``learned`` falls back to ``backtest`` and says so.
``backtest`` (called ``calibrated`` before; the old name still works, with a ``DeprecationWarning``)
    the delta interval widened by what the ladder's own rolling-origin backtest shows. For every cutoff along the
    ladder (ordered by compute, or by 6ND) with enough runs below it, the law is fitted on the runs up to the
    cutoff and predicts every larger run; each prediction error is scaled by that fold's delta-method standard
    error of a new observation, :math:`s_i = |y_i - \hat y_i| / \mathrm{se}_i` (in the law's fitting space). The
    half-width at the target is :math:`\max(q, t_{n-p}) \cdot \mathrm{se}(\text{target})`, with :math:`q` the
    split-conformal quantile of the scores, the :math:`\lceil (m+1)\,\text{level} \rceil`-th smallest of :math:`m`.
    Assumptions: the scaled errors of the backtest are exchangeable with the target's (the same law, the same
    ladder, extrapolations of comparable distance -- a target further out than every backtest prediction gets a
    warning), and the interval is never narrower than the delta interval. With too few runs to backtest (fewer than
    ``min_folds`` folds, or too few scores for the level) it falls back to ``delta`` and says so in
    :attr:`Forecast.warnings`.
``delta``
    the delta-method prediction interval of the fit (:meth:`scalinglaws.FitResult.get_prediction`): parameter
    uncertainty plus the residual scatter, Student t. It assumes the law holds beyond the fitted range and that the
    runs' errors are independent -- which a ladder's own history usually contradicts.
``bootstrap``
    runs resampled with replacement and refitted (seeded), each refit's prediction plus a residual drawn from the
    fit's residuals; percentile interval.

With ``n_items`` (the target benchmark's size) the binomial noise of the target's own measurement,
:math:`\sqrt{p(1-p)/n}`, is added to each side in quadrature (``learned`` measures errors with it already).

``law="auto"`` chooses the law (:func:`forecast`, :data:`AUTO_LAWS`): every single law that the data's and the
targets' variables allow is fitted and backtested; a fit that is not converged (e.g. N and D on a ladder with one
tokens-per-parameter ratio: ``not_identified``) is not a candidate; the rest are ranked by the benchmark's evidence
on point error shrunk towards their own backtest (:func:`scalinglaws.error_model.choose`), and the forecast says
what was chosen and why (:attr:`Forecast.selection`, :meth:`Forecast.report`).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import _validate as V
from .fitting import fit
from .laws import CompositeLaw, get_law
from .results import FitResult

__all__ = ["Forecast", "forecast", "calibrated_interval", "backtest_interval", "interval_score", "ladder_size",
           "INTERVALS", "AUTO_LAWS"]

INTERVALS = ("learned", "backtest", "delta", "bootstrap")

#: The laws ``law="auto"`` may choose, by benchmark route name (:data:`scalinglaws.error_model.AUTO_METHODS`), and
#: the proxy-loss laws, which enter when the data and the targets both have ``L`` (the benchmark has no evidence on
#: them: their prior is 0, as good as carrying the largest run's score forward).
AUTO_LAWS = {"direct": "direct", "direct_qmax": "direct_qmax", "sigmoid_log_compute": "sigmoid_in_log_compute",
             "linear_log_compute": "linear_in_log_compute", "across_tpr": "across_tpr", "compute": "compute",
             "params_tokens": "params_tokens", "accuracy_logistic_in_loss": "accuracy_logistic_in_loss",
             "accuracy_linear_in_loss": "accuracy_linear_in_loss"}


def renamed_interval(interval: str, stacklevel: int = 3) -> str:
    """``"calibrated"``, the old name of the ``backtest`` interval, as ``"backtest"`` with a ``DeprecationWarning``;
    any other name unchanged."""
    if interval == "calibrated":
        warnings.warn("interval='calibrated' is now called 'backtest' (the ladder's own backtest); forecast's default, "
                      "'learned', adds the error model learned from the forecasting benchmark", DeprecationWarning,
                      stacklevel=stacklevel)
        return "backtest"
    return interval


def _interval_name(interval: str) -> str:
    """The interval's current name (``calibrated`` is ``backtest`` now), or a ``ValueError``."""
    interval = renamed_interval(interval, stacklevel=4)
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    return interval


def ladder_size(law, X: dict) -> np.ndarray:
    """Where a point sits on the ladder, larger = further out: compute C, else 6ND, else the law's one variable
    (G and L shrink as models grow, so their reciprocal)."""
    if "C" in X:
        return np.asarray(X["C"], float)
    if {"N", "D"} <= set(X):
        return 6.0 * np.asarray(X["N"], float) * np.asarray(X["D"], float)
    (name,) = law.variables[:1]
    v = np.asarray(X[name], float)
    return 1.0 / v if name in ("G", "L") else v


def interval_score(lower, upper, observed, level: float) -> np.ndarray:
    r"""The interval score of Gneiting and Raftery (2007), a proper scoring rule for a central interval at
    ``level``: :math:`(u - l) + \frac{2}{\alpha}(l - y)\,1\{y < l\} + \frac{2}{\alpha}(y - u)\,1\{y > u\}` with
    :math:`\alpha = 1 - \text{level}`; lower is better, charging both width and misses."""
    lo, hi, y = (np.asarray(v, float) for v in (lower, upper, observed))
    a = 1.0 - level
    return (hi - lo) + 2 / a * np.clip(lo - y, 0, None) + 2 / a * np.clip(y - hi, 0, None)


@dataclass(frozen=True)
class Forecast:
    """A forecast at one or more targets (:func:`forecast`).

    ``at`` holds the targets' variables; ``predicted``, ``lower``, ``upper`` are in the response's units;
    ``interval`` is the method actually used (``backtest`` falls back to ``delta``, ``learned`` for a loss to
    ``backtest``, each with a warning); ``selection`` is ``law="auto"``'s table of candidates (else ``None``);
    ``backtest``
    has one row per fold x held-out run (``cutoff``, ``distance`` in decades beyond the cutoff, ``observed``,
    ``predicted``, ``se``, ``score``, ``abs_error``, ``covered``: inside that fold's delta interval at ``level``),
    or is ``None`` when the ladder is too short; ``quantile`` is each target's conformal quantile of the scores.
    """

    law: str
    at: pd.DataFrame
    predicted: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    interval: str
    fit: FitResult = field(repr=False)
    backtest: pd.DataFrame | None = field(repr=False)
    quantile: np.ndarray | None
    interpolation: np.ndarray = field(repr=False)
    warnings: tuple[str, ...] = ()
    options: dict = field(default_factory=dict, repr=False)
    selection: pd.DataFrame | None = field(default=None, repr=False)

    def reinterval(self, level: float | None = None, interval: str | None = None) -> Forecast:
        """The same fit and backtest with another level or interval method (no refitting but the bootstrap's)."""
        level = self.level if level is None else level
        interval = self.options.get("requested", self.interval) if interval is None else _interval_name(interval)
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        Xt = {k: self.at[k].to_numpy() for k in self.fit.law.variables}
        options = {k: v for k, v in self.options.items() if k != "requested"}
        p, lo, hi, used, q, notes = _bounds(self.fit, self.backtest, Xt, level, interval, **options)
        kept = tuple(w for w in self.warnings if not w.startswith(("too few runs", "a target lies", "the fit has no",
                                                                  "no n_items", "no backtest on",
                                                                  "no error model", "the error model has"))
                     and "uninformative" not in w)
        return dataclasses.replace(self, predicted=p, lower=lo, upper=hi, level=level, interval=used, quantile=q,
                                   warnings=kept + tuple(notes), options={**self.options, "requested": interval})

    @property
    def status(self) -> str:
        return str(self.fit.status)

    def backtest_summary(self) -> dict | None:
        """``folds``, ``points``, ``coverage`` (of the delta interval at ``level`` in the backtest),
        ``median_abs_error`` (response units), ``median_score`` (errors in delta standard errors) and
        ``max_distance`` (decades); ``None`` without a backtest."""
        bt = self.backtest
        if bt is None or bt.empty:
            return None
        return {"folds": int(bt["cutoff"].nunique()), "points": len(bt), "coverage": float(bt["covered"].mean()),
                "median_abs_error": float(bt["abs_error"].median()), "median_score": float(bt["score"].median()),
                "max_distance": float(bt["distance"].max())}

    def verdict(self) -> str:
        """A plain sentence on what the backtest says about extrapolating this law on this ladder."""
        s = self.backtest_summary()
        if s is None:
            return "no backtest: too few runs to test how this law extrapolates on this ladder"
        if s["median_score"] > 2:
            return (f"the law does not extrapolate reliably on this ladder: in its own backtest the errors are a "
                    f"median {s['median_score']:.1f} times its standard errors ({s['folds']} folds), so the "
                    "learned and backtest intervals are wide")
        return (f"in its own backtest the law's errors are a median {s['median_score']:.1f} standard errors "
                f"({s['folds']} folds, {s['points']} predictions, median absolute error {s['median_abs_error']:.3g})")

    def why(self) -> str:
        """``law="auto"``: one sentence on the choice -- the candidates' scores (the mean log ratio of their
        absolute error to carrying the largest run's score forward, prior shrunk towards their own backtest: lower
        is better) and why any was left out."""
        if self.selection is None:
            return f"law {self.law} was given, not chosen"
        t = self.selection
        ok, out = t[np.isfinite(t["score"])], t[~np.isfinite(t["score"])]
        ranked = "; ".join(f"{r.law} {r.score:+.2f} (benchmark {r.prior:+.2f}, own backtest "
                           + (f"{r.own_mean:+.2f} over {r.own}" if r.own else "none") + ")" for r in ok.itertuples())
        text = f"{self.law}, the lowest score of {len(ok)} usable law(s): {ranked}"
        if len(out):
            text += "; not usable: " + "; ".join(f"{r.law} ({r.reason})" for r in out.itertuples())
        return text

    def summary_frame(self) -> pd.DataFrame:
        return self.at.assign(predicted=self.predicted, lower=self.lower, upper=self.upper,
                              interpolation=self.interpolation)

    def to_dict(self) -> dict:
        """The JSON object of ``scalinglaws forecast --json``."""
        def num(x):
            x = float(x)
            return x if math.isfinite(x) else None

        s = self.backtest_summary()
        chosen = None if self.selection is None else [
            {"law": r["law"], "usable": bool(np.isfinite(r["score"])), "score": num(r["score"]),
             "prior": num(r["prior"]), "own_backtest": int(r["own"]), "chosen": bool(r["chosen"]),
             "reason": r["reason"]}
            for r in self.selection.to_dict("records")]
        return {"law": self.law, "level": self.level, "interval": self.interval, "auto": chosen,
                "forecasts": [{"at": {k: num(v) for k, v in row.items()}, "predicted": num(p), "lower": num(lo),
                               "upper": num(hi)}
                              for row, p, lo, hi in zip(self.at.to_dict("records"), self.predicted, self.lower,
                                                        self.upper)],
                "backtest": None if s is None else {"folds": s["folds"], "coverage": num(s["coverage"]),
                                                    "median_abs_error": num(s["median_abs_error"])},
                "status": self.status, "warnings": list(self.warnings)}

    def report(self) -> str:
        lines = [f"forecast with law {self.law} ({self.fit.law.formula}); fit {self.status}, "
                 f"{self.fit.n_points} runs"]
        if self.selection is not None:
            lines.append("law chosen by auto: " + self.why())
        for row, p, lo, hi, interp in zip(self.at.to_dict("records"), self.predicted, self.lower, self.upper,
                                          self.interpolation):
            where = ", ".join(f"{k}={v:g}" for k, v in row.items())
            lines.append(f"  at {where}: {p:.4g}   {self.level:.0%} interval ({self.interval}) [{lo:.4g}, {hi:.4g}]"
                         + ("   (inside the fitted range: interpolation)" if interp else ""))
        lines.append("backtest: " + self.verdict())
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _target_table(at) -> pd.DataFrame:
    """``at=`` as a table: a DataFrame, a dict of values or arrays, or a list of dicts."""
    if isinstance(at, pd.DataFrame):
        return at.copy()
    if isinstance(at, dict):
        return pd.DataFrame({k: np.atleast_1d(np.asarray(v, float)) for k, v in at.items()})
    return pd.DataFrame(list(at))


def _targets(law, at) -> pd.DataFrame:
    table = _target_table(at)
    unknown = set(table.columns) - set(law.variables)
    if unknown:
        raise ValueError(f"at= names unknown variable(s) {sorted(unknown)}; law {law.name} takes "
                         f"{', '.join(law.variables)}")
    missing = set(law.variables) - set(table.columns)
    if missing:
        raise ValueError(f"at= lacks variable(s) {sorted(missing)} of law {law.name}")
    for k in law.variables:
        V.positive(f"at {k}", table[k].to_numpy(float))
    return table[list(law.variables)].astype(float).reset_index(drop=True)


def _backtest(res: FitResult, level: float, min_points: int, max_folds: int) -> pd.DataFrame:
    """Rolling origin: at each cutoff with at least ``min_points`` runs (and 3 distinct sizes) up to it -- at most
    ``max_folds`` of them, evenly spaced along the eligible ones and always including the last -- refit on those
    runs (:meth:`FitResult.refit`: the fit's own points, chance level, objective and start rule) and predict every
    larger run."""
    law, X, y = res.law, res.X, res.y
    size = ladder_size(law, X)
    eligible = [c for c in np.unique(size)[:-1]
                if (size <= c).sum() >= min_points and np.unique(size[size <= c]).size >= 3]
    if len(eligible) > max_folds:
        eligible = [eligible[i] for i in np.unique(np.linspace(len(eligible) - 1, 0, max_folds).round().astype(int))]
    rows = []
    for cut in eligible:
        train, test = size <= cut, size > cut
        try:
            r = res.refit(train)
        except (ValueError, RuntimeError):
            continue
        if r.covariance is None:
            continue
        from .heldout import evaluate  # heldout builds on this module

        pred = r.get_prediction(**{k: v[test] for k, v in X.items()})
        pts = evaluate(r, law.from_space(y[test], res.chance), level=level, interval="delta",
                       **{k: v[test] for k, v in X.items()})
        with np.errstate(divide="ignore", invalid="ignore"):  # an exact fit has se 0: no score (dropped below)
            score = np.abs(y[test] - pred.mean_space) / pred.se_obs_space  # the error in delta SEs, fitting space
        lo90, hi90 = pred.conf_int(0.9, obs=True)
        rows.append(pd.DataFrame({"cutoff": cut, "size": size[test], "distance": np.log10(size[test] / cut),
                                  "observed": pts["observed"], "predicted": pts["predicted"],
                                  "se": pred.se_obs_space, "score": score, "abs_error": pts["abs_error"],
                                  "covered": pts["covered"].eq(1), "lower_90": lo90, "upper_90": hi90}))
    if not rows:
        return pd.DataFrame()
    bt = pd.concat(rows, ignore_index=True)
    return bt[np.isfinite(bt["score"])].reset_index(drop=True)  # a fold whose delta SE is undefined says nothing


def forecast(law, *, at, level: float = 0.9, interval: str = "learned", n_items=None, chance: float = 0.0,
             loss: str | None = None, huber_delta: float | None = None, max_compute: float | None = None,
             invalid: str = "raise", min_folds: int = 3, max_folds: int = 12, n_boot: int = 500, seed: int = 0,
             **data) -> Forecast:
    """Fit ``law`` on the runs in ``data`` (names as :func:`scalinglaws.fit` takes them) and forecast the targets
    ``at`` (``{"C": 3.8e22}``, a list of such dicts, or a DataFrame) with a ``level`` interval; see the module
    docstring for the ``interval`` methods and their assumptions. ``law="auto"`` chooses among :data:`AUTO_LAWS`
    (module docstring; ``at`` and ``data`` may then name more variables than the chosen law takes). ``n_items`` adds
    the target benchmark's binomial noise (and is the scale the learned interval was measured in: give it);
    ``min_folds`` is the fewest backtest folds the ``backtest`` interval needs, ``max_folds`` the most it fits
    (evenly spaced cutoffs: the cost of a forecast is about ``max_folds`` fits). Returns a :class:`Forecast`."""
    interval = _interval_name(interval)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    kws = {"level": level, "interval": interval, "n_items": n_items, "chance": chance, "loss": loss,
           "huber_delta": huber_delta, "max_compute": max_compute, "invalid": invalid, "min_folds": min_folds,
           "max_folds": max_folds, "n_boot": n_boot, "seed": seed}
    if isinstance(law, str) and law == "auto":
        return _auto(at, kws, data)
    law = get_law(law)
    if isinstance(law, CompositeLaw):
        raise ValueError(f"forecast takes a single law; {law.name} is a composite law ({', '.join(law.stages)})")
    targets = _targets(law, at)
    fit_kws = {"loss": loss, "huber_delta": huber_delta}
    res = fit(law, chance=chance, max_compute=max_compute, invalid=invalid, warn=False, **fit_kws, **data)
    notes = []
    if str(res.status) != "converged":
        notes.append(f"the fit is {res.status}: {res.reason}")
    Xt = {k: targets[k].to_numpy() for k in law.variables}
    interp = ladder_size(law, Xt) <= ladder_size(law, res.X).max()
    if interp.any():
        notes.append(f"{int(interp.sum())} target(s) inside the fitted range: interpolation, not a forecast")
    bt = _backtest(res, level, max(len(law.params) + 2, 4), max_folds)
    bt = None if bt.empty else bt
    options = {"n_items": n_items, "min_folds": min_folds, "n_boot": n_boot, "seed": seed, "cache": {}}
    p, lo, hi, used, q, more = _bounds(res, bt, Xt, level, interval, **options)
    return Forecast(law.name, targets, p, lo, hi, level, used, res, bt, q, interp, tuple(notes + more),
                    {**options, "requested": interval})


def _auto(at, kws: dict, data: dict) -> Forecast:
    """``forecast(law="auto")``: every law of :data:`AUTO_LAWS` the variables allow, fitted and backtested, ranked
    by :func:`scalinglaws.error_model.choose`; the chosen law's forecast with the table of candidates."""
    from . import error_model

    targets = _target_table(at)
    have = set(data) & set(targets.columns)
    response = "P" if "P" in data else "Q"
    if response not in data:
        raise ValueError("law='auto' needs the runs' scores as Q= (an accuracy) or P= (pass@k)")
    candidates, fits = {}, {}
    for route_name, name in AUTO_LAWS.items():
        law = get_law(name)
        if not set(law.variables) <= have:
            continue
        if law.response == "P" and response != "P":
            continue
        runs = {k: data[k] for k in law.variables}
        runs[law.response] = data[response]  # pass@k is fitted as an accuracy with chance 0 by the Q laws
        kw = dict(kws, chance=0.0 if response == "P" else kws["chance"])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a candidate's fit warnings are its reason below, not the user's
                fc = forecast(law, at=targets[list(law.variables)], **kw, **runs)
        except (ValueError, RuntimeError) as exc:
            candidates[route_name] = f"cannot fit: {exc}"
            continue
        if fc.status != "converged":
            candidates[route_name] = f"fit {fc.status}"
            continue
        if fc.fit.covariance is None:
            candidates[route_name] = "no covariance"
            continue
        candidates[route_name] = _own_log_ratios(fc)
        fits[route_name] = fc
    if not candidates:
        raise ValueError(f"law='auto': no law takes the variables the runs and targets share ({sorted(have)}); "
                         f"the candidates are {', '.join(AUTO_LAWS.values())}")
    if not fits:
        raise ValueError("law='auto': no candidate law fitted: " + "; ".join(
            f"{AUTO_LAWS[m]} ({r})" for m, r in candidates.items()))
    dist = max(float(np.max(np.log10(ladder_size(fc.fit.law, {k: fc.at[k].to_numpy() for k in fc.fit.law.variables})
                                     / ladder_size(fc.fit.law, fc.fit.X).max()))) for fc in fits.values())
    ranked = error_model.choose(error_model.load(), candidates, dist)
    ranked.insert(1, "law", ranked["method"].map(AUTO_LAWS))
    best = fits[ranked.loc[ranked["chosen"], "method"].iloc[0]]
    return dataclasses.replace(best, selection=ranked)


def _own_log_ratios(fc: Forecast) -> np.ndarray:
    """The log error ratios of a forecast's own backtest (:func:`scalinglaws.error_model.log_error_ratios`): each
    prediction's absolute error against carrying the score of the largest run at or below its cutoff forward."""
    bt = fc.backtest
    if bt is None or bt.empty:
        return np.array([])
    res = fc.fit
    size = ladder_size(res.law, res.X)
    score = np.asarray(res.law.from_space(res.y, res.chance), float)
    carried = {}
    for cut in bt["cutoff"].unique():
        top = size[size <= cut].max()
        carried[cut] = float(score[size == top].mean())
    from .error_model import log_ratio

    ref = np.abs(bt["observed"].to_numpy(float) - bt["cutoff"].map(carried).to_numpy(float))
    return log_ratio(bt["abs_error"].to_numpy(float), ref)


def _bounds(res: FitResult, bt, Xt: dict, level: float, interval: str, *, n_items, min_folds: int, n_boot: int,
            seed: int, cache: dict | None = None):
    """The prediction and its interval at ``level`` by ``interval`` (see the module docstring); returns
    ``(predicted, lower, upper, method used, conformal quantiles or None, warnings)``."""
    law, notes = res.law, []
    pred = res.get_prediction(**Xt)
    used, q = interval, None
    if interval == "learned" and law.response not in ("Q", "P"):
        notes.append(f"no error model for a law that predicts {law.response} (the benchmark scores accuracies and "
                     "pass@k): the interval is the ladder's own backtest")
        interval = used = "backtest"
    if interval == "backtest":
        folds = 0 if bt is None else bt["cutoff"].nunique()
        m = 0 if bt is None else len(bt)
        if folds < min_folds or math.ceil((m + 1) * level) > m:
            notes.append(f"too few runs to backtest ({folds} backtest folds, {m} predictions; need {min_folds} "
                         f"folds and at least {math.ceil(level / (1 - level))} predictions at level {level:g}): "
                         "the interval is the delta method's")
            used = "delta"
        else:
            dist = np.log10(ladder_size(law, Xt) / ladder_size(law, res.X).max())
            q = np.array([_conformal(bt, d, level) for d in dist])
            if (dist > bt["distance"].max()).any():
                notes.append("a target lies further beyond the fitted runs than any backtest prediction did: its "
                             "interval uses the farthest backtest predictions")
    if interval == "learned":
        return _learned(res, bt, Xt, level, n_items, notes)
    if res.covariance is None and used != "bootstrap":
        notes.append("the fit has no covariance (a parameter is not identified): no delta or backtest interval")
    if used == "bootstrap":
        cache = {} if cache is None else cache
        if "bootstrap" not in cache:  # the refits, once per forecast: every level reads the same draws
            cache["bootstrap"] = _bootstrap_draws(res, Xt, n_boot, seed)
        lo, hi = np.percentile(cache["bootstrap"], [50 * (1 - level), 50 * (1 + level)], axis=0)
    elif used == "delta":
        lo, hi = pred.conf_int(level, obs=True)
    else:
        half = np.maximum(q, stats.t.ppf(0.5 + level / 2, res.dof)) * pred.se_obs_space
        a, b = (law.from_space(pred.mean_space + s * half, res.chance) for s in (-1, 1))
        lo, hi = np.minimum(a, b), np.maximum(a, b)
    p = pred.predicted
    if n_items is not None:
        n = V.positive("n_items", np.broadcast_to(np.asarray(n_items, float), p.shape))
        z = stats.norm.ppf(0.5 + level / 2)
        se_b = z * np.sqrt(np.clip(p * (1 - p), 0, None) / n)
        lo, hi = p - np.sqrt((p - lo) ** 2 + se_b**2), p + np.sqrt((hi - p) ** 2 + se_b**2)
        lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    return p, np.asarray(lo, float), np.asarray(hi, float), used, q, notes


#: Laws whose benchmark route has another name.
_ROUTE_OF_LAW = {"sigmoid_in_log_compute": "sigmoid_log_compute", "linear_in_log_compute": "linear_log_compute"}


def _learned(res: FitResult, bt, Xt: dict, level: float, n_items, notes: list):
    """The ``learned`` interval (module docstring): the error model's prior with the ladder's own backtest."""
    from . import error_model

    law = res.law
    pred = res.get_prediction(**Xt)
    p = np.asarray(pred.predicted, float)
    if res.covariance is None:
        notes.append("the fit has no covariance (a parameter is not identified): no interval")
        nan = np.full(p.shape, np.nan)
        return p, nan, nan, "learned", None, notes
    lo90, hi90 = (np.asarray(v, float) for v in pred.conf_int(0.9, obs=True))
    items = np.nan if n_items is None else np.broadcast_to(np.asarray(n_items, float), p.shape)
    frame = pd.DataFrame({"predicted": p, "lower": lo90, "upper": hi90, "n_items": items})
    if n_items is None:
        notes.append("no n_items: errors are measured without the target benchmark's binomial noise, narrower than "
                     "the scale the error model was learned in")
    h_lo, h_hi = error_model.half_widths(frame.fillna({"n_items": np.inf}), error_model.SCALE)
    own_abs = np.array([])
    if bt is not None and {"lower_90", "upper_90"} <= set(bt.columns):
        b = bt.assign(lower=bt["lower_90"], upper=bt["upper_90"],
                      n_items=np.nan if n_items is None else float(np.mean(np.asarray(n_items, float))))
        b_lo, b_hi = error_model.half_widths(b.fillna({"n_items": np.inf}), error_model.SCALE)
        y, yp = b["observed"].to_numpy(float), b["predicted"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            e = np.abs(y - yp) / np.where(y >= yp, b_hi, b_lo)
        ok = np.isfinite(e)
        own_abs, own_dist = e[ok], b["distance"].to_numpy(float)[ok]
    else:
        own_dist = np.array([])
    if own_abs.size == 0:
        notes.append("no backtest on this ladder: the interval is the error model's prior alone")
    model = error_model.load()
    dist = np.log10(ladder_size(law, Xt) / ladder_size(law, res.X).max())
    qs, borrowed = [], False
    method = _ROUTE_OF_LAW.get(law.name, law.name)
    for d in dist:
        own = own_abs[own_dist >= d]
        if own.size < 3:
            own = own_abs[np.argsort(own_dist, kind="stable")][-3:]
        q, evidence = model.quantile(level, method, d, own)
        borrowed |= evidence["prior_method"] == "*"
        qs.append(q)
    q = np.array(qs)
    if borrowed:
        notes.append(f"the error model has too few ladders with forecasts of {law.name} at this distance: its prior "
                     "pools every method's errors there")
    lo, hi = np.clip(p - q * h_lo, 0, 1), np.clip(p + q * h_hi, 0, 1)
    wide = (hi - lo) > 0.5 * (1 - res.chance)
    if wide.any():
        notes.append(f"{int(wide.sum())} interval(s) cover more than half the feasible range ({res.chance:g} to 1): "
                     "uninformative")
    return p, lo, hi, "learned", q, notes


def backtest_interval(result: FitResult, level: float = 0.9, *, min_folds: int = 3, max_folds: int = 12,
                      **variables) -> tuple[np.ndarray, np.ndarray, str]:
    """The ``backtest`` interval of :func:`forecast` for an existing fit at new points: the rolling-origin backtest of
    the fit's own runs (same chance level and objective), then the widened delta interval. Returns ``(lower,
    upper, method)``, ``method`` being ``"backtest"`` or, when the ladder is too short to backtest, ``"delta"``."""
    X = result.variables(**variables)
    bt = _backtest(result, level, max(len(result.law.params) + 2, 4), max_folds)
    _, lo, hi, used, _, _ = _bounds(result, None if bt.empty else bt, X, level, "backtest", n_items=None,
                                    min_folds=min_folds, n_boot=0, seed=0)
    return lo, hi, used


#: The old name of :func:`backtest_interval`.
calibrated_interval = backtest_interval


def _conformal(bt: pd.DataFrame, distance: float, level: float) -> float:
    """The split-conformal quantile of the backtest scores of predictions at least as far out as the target
    (``distance`` decades beyond the largest fitted run), extended to the farthest ones when too few are that far:
    scaled errors grow with distance when a law bends, so nearer predictions would understate them."""
    need = math.ceil(level / (1 - level))
    far = bt.sort_values("distance", ascending=False, kind="stable")
    pool = far[far["distance"] >= distance]
    if len(pool) < need:
        pool = far.iloc[:need]
    scores = np.sort(pool["score"].to_numpy())
    return float(scores[min(math.ceil((len(scores) + 1) * level), len(scores)) - 1])


def _bootstrap_draws(res: FitResult, Xt: dict, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap predictions of new runs at the targets: each refit's prediction plus a resampled residual."""
    boot = res.bootstrap(n_boot, seed=seed)
    rng = np.random.default_rng(seed + 1)
    names = res.law.internal_names
    draws = np.array([res.law.func(**Xt, **dict(zip(names, row))) for row in boot.internal_draws])
    draws = draws + rng.choice(res.residuals, size=draws.shape)
    return res.law.from_space(draws, res.chance)
