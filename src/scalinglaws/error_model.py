r"""An error model learned from the forecasting benchmark: how far forecasts miss, in units of their own interval.

A ladder's own backtest is short and noisy exactly when a user most needs help. The benchmark
(:mod:`scalinglaws.benchmark`) has scored every method's forecasts on every ladder; this module turns those scores
into a prior for a ladder that has few or none of its own, and combines the two.

Scaled error
    For a forecast :math:`\hat y` with delta-method 90% prediction interval :math:`[l, u]` and observed :math:`y`,
    :math:`e = (y - \hat y)/(u - \hat y)` when :math:`y \ge \hat y`, else :math:`(y - \hat y)/(\hat y - l)`: the error
    in half-widths of the method's own 90% interval, on the observation's side. :math:`|e| \le 1` exactly when that
    interval covers :math:`y`; a calibrated interval at level :math:`c` is :math:`\hat y - q_c(\hat y - l)` to
    :math:`\hat y + q_c(u - \hat y)` with :math:`q_c` the :math:`c`-quantile of :math:`|e|` (clipped to [0, 1] for an
    accuracy or pass@k). Working in half-widths of each interval's own side keeps the model free of each law's
    fitting space, so that every route (chained ones included) is scaled the same way.

The prior (:class:`ErrorModel`)
    For each method and distance bin (decades beyond the largest fitted run, :data:`scalinglaws.benchmark.
    DISTANCE_BINS`), the distribution of :math:`|e|` on each ladder, stored as quantiles (:data:`QUANTILE_LEVELS`).
    The prior for a new ladder is the **equal-weight mixture over ladders** of those distributions: a ladder with
    many tasks does not outvote one with few, and the spread between ladders -- some ladders' laws bend, some do
    not -- is kept in the prior's tails instead of averaged away (an empirical-Bayes predictive distribution of a
    new ladder's errors). A method with fewer than :data:`MIN_LADDERS` ladders in a bin borrows the mixture over
    every method in that bin.

Combination (:meth:`ErrorModel.quantile`)
    With ``m`` scaled errors from the ladder's own backtest (predictions at least as far out as the target, as in
    :mod:`scalinglaws.forecasting`), the combined distribution is :math:`(k_0 F_\text{prior} + m \hat F_\text{own})
    / (k_0 + m)`: the prior counts as :math:`k_0` observations (:data:`PRIOR_WEIGHT`), so a ladder with 5 backtest
    errors is mostly the prior's and one with 100 mostly its own; with no backtest the prior alone. The quantile
    solved for is the conformal one, level :math:`\times (1 + 1/(k_0 + m))`, capped at the largest stored level.
    Tried and not adopted (measured leaving one ladder out, 2026-12-06): rescaling the prior by the ratio of the
    ladder's own median error to the prior's, shrunk by :math:`m/(m+k)` (an empirical-Bayes scale per ladder), before
    mixing: pooled coverage 86.6% (k = 10) and 84.6% (k = 3) against 89.5% without, the same 10 of 16 ladders inside
    85-95%, the lowest at 76% against 78%. A ladder's own earlier errors understate its later ones, so trusting their
    scale narrows the intervals where they were already short.

Choosing a law (:func:`choose`, ``forecast(law="auto")``)
    The point error of a method, measured against the naive forecast every ladder has (the largest fitted run's score
    carried forward, :data:`SKILL_REFERENCE`): :math:`r = \log(\max(|y-\hat y|, \epsilon) / \max(|y - \hat y_
    \text{carry}|, \epsilon))` with :math:`\epsilon = 10^{-4}` (:data:`ERROR_FLOOR`), per forecast. The prior skill
    of a method at a distance bin is the mean over ladders of each ladder's median :math:`r` (``error_model_skill.
    csv``); a method seen on fewer than :data:`MIN_LADDERS` ladders in the bin takes its mean over every bin, and one
    never benchmarked (a law with no route) 0, as good as carrying forward. A candidate's score on a ladder is the
    prior shrunk towards the mean of its own backtest's :math:`r`, :math:`(k_0 \bar r_\text{prior} + \sum r_
    \text{own}) / (k_0 + m)`, the same :data:`PRIOR_WEIGHT`; the lowest score is chosen. Validated leaving one
    ladder out by :func:`leave_one_ladder_out_choice`.

The shipped model (``error_model.csv`` and ``error_model_skill.csv`` beside this module, with ``error_model.json``:
provenance) is regenerated from the shipped benchmark table by ``python -m scalinglaws.error_model --write`` and
checked against a fresh computation by the tests (:func:`compute` and :func:`compute_skill` of
:func:`scalinglaws.benchmark.load_results` must equal :func:`load`'s tables).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["scaled_errors", "ErrorModel", "compute", "load", "write", "QUANTILE_LEVELS", "PRIOR_WEIGHT",
           "MIN_LADDERS", "MODEL_PATH", "leave_one_ladder_out", "lolo_summary", "log_error_ratios", "compute_skill",
           "choose", "leave_one_ladder_out_choice", "choice_summary", "log_ratio", "AUTO_METHODS", "SKILL_REFERENCE",
           "ERROR_FLOOR"]

#: The quantile levels of |e| stored per method x distance bin x ladder (a grid dense in the upper tail, where
#: intervals are read).
QUANTILE_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99)
#: How many of a ladder's own backtest errors the prior is worth (k0). Stated, not tuned: the calibration chapter
#: shows the results at other values.
PRIOR_WEIGHT = 10.0
#: A method's own prior needs this many ladders with at least :data:`MIN_POINTS` errors in the bin.
MIN_LADDERS = 3
#: Fewest scaled errors a ladder needs in a cell to enter the prior.
MIN_POINTS = 5
#: The grid on which quantiles of |e| are read (0.001 to 10,000 half-widths, steps of 0.25%).
Q_GRID = np.geomspace(1e-3, 1e4, 6451)
#: The shipped model.
MODEL_PATH = Path(__file__).resolve().with_name("error_model.csv")
_ALL = "*"
#: The naive forecast a method's point error is measured against when choosing a law.
SKILL_REFERENCE = "carry_forward"
#: Absolute errors below this count as this much (a log ratio of two exact hits is 0, not undefined).
ERROR_FLOOR = 1e-4
#: The benchmark routes ``forecast(law="auto")`` chooses among (single laws; BNSL is left out: 20-50x slower to fit
#: and backtest, with the largest mean error of the C laws in the benchmark).
AUTO_METHODS = ("direct", "direct_qmax", "sigmoid_log_compute", "linear_log_compute", "across_tpr", "compute",
                "params_tokens")


#: The scales an error can be measured in (see :func:`half_widths`).
SCALES = ("delta", "binomial", "hybrid")
#: The scale of the shipped model.
SCALE = "hybrid"
_Z90 = 1.6448536269514722


def half_widths(frame: pd.DataFrame, scale: str = SCALE) -> tuple[np.ndarray, np.ndarray]:
    r"""The lower and upper half-widths a scaled error is measured in, per row of a frame with ``predicted``,
    ``lower`` and ``upper`` (the 90% delta interval) and ``n_items`` (NaN if unknown):

    * ``delta``: the 90% delta interval's own sides;
    * ``binomial``: 1.645 binomial standard errors of the predicted score, :math:`\sqrt{\hat p(1-\hat p)/n}`;
    * ``hybrid``: both in quadrature (the fit's uncertainty and the benchmark's noise).

    Rows lacking what a scale needs get NaN."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    p = frame["predicted"].to_numpy(float)
    lo = p - frame["lower"].to_numpy(float)
    hi = frame["upper"].to_numpy(float) - p
    if scale == "delta":
        return lo, hi
    q = np.clip(p, 1e-6, 1 - 1e-6)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = _Z90 * np.sqrt(q * (1 - q) / frame["n_items"].to_numpy(float))
    if scale == "binomial":
        return b, b
    return np.hypot(lo, b), np.hypot(hi, b)


def _n_items(table: pd.DataFrame) -> np.ndarray:
    """Items per row, recovered from the observed score and its binomial SE (``n = y(1-y)/SE^2``)."""
    y = np.clip(table["observed"].to_numpy(float), 1e-9, 1 - 1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.round(y * (1 - y) / table["binomial_se"].to_numpy(float) ** 2)


def scaled_errors(table: pd.DataFrame, scale: str = SCALE) -> pd.DataFrame:
    """The scaled errors of a benchmark table (:func:`scalinglaws.benchmark.run` or ``load_results``) in ``scale``
    (:func:`half_widths`): rows of fitted methods with a finite, positive half-width on the observation's side,
    with ``e`` (signed), ``abs_e``, ``n_items`` and the half-widths ``h_lower``, ``h_upper``."""
    t = table[table["status"] != "failed"].copy()
    t["n_items"] = _n_items(t)
    y, p = t["observed"].to_numpy(float), t["predicted"].to_numpy(float)
    h_lo, h_hi = half_widths(t, scale)
    half = np.where(y >= p, h_hi, h_lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = (y - p) / half
    keep = np.isfinite(e) & np.isfinite(h_lo) & np.isfinite(h_hi) & (half > 0)
    out = t.loc[keep, ["ladder", "task", "method", "cutoff", "n_fit", "run_id", "C", "distance", "distance_bin",
                       "observed", "predicted", "lower", "upper", "n_items"]].copy()
    out["h_lower"], out["h_upper"] = h_lo[keep], h_hi[keep]
    out["e"] = e[keep]
    out["abs_e"] = np.abs(e[keep])
    return out.reset_index(drop=True)


def _bin_of(distance: float) -> str:
    """The bin of :func:`scalinglaws.benchmark.distance_bin` (right-closed), without pandas: it runs once per
    forecast."""
    from .benchmark import DISTANCE_BINS, DISTANCE_EDGES

    i = int(np.searchsorted(DISTANCE_EDGES, float(distance), side="left")) - 1
    return DISTANCE_BINS[min(max(i, 0), len(DISTANCE_BINS) - 1)]


def _cell_quantiles(abs_e: np.ndarray) -> np.ndarray:
    return np.quantile(abs_e, QUANTILE_LEVELS, method="linear")


def compute(table: pd.DataFrame, scale: str = SCALE) -> pd.DataFrame:
    """The model's table from a benchmark table: one row per method (and ``*``, every method pooled) x distance bin
    x ladder with at least :data:`MIN_POINTS` scaled errors (in ``scale``): ``n`` and the quantiles ``q050 ...
    q990`` of |e|."""
    s = scaled_errors(table, scale)
    s = pd.concat([s, s.assign(method=_ALL)], ignore_index=True)
    rows = []
    for (method, dbin, ladder), g in s.groupby(["method", "distance_bin", "ladder"], observed=True, sort=True):
        if len(g) < MIN_POINTS:
            continue
        q = _cell_quantiles(g["abs_e"].to_numpy(float))
        rows.append({"method": method, "distance_bin": str(dbin), "ladder": ladder, "n": len(g),
                     **{_qname(c): v for c, v in zip(QUANTILE_LEVELS, q)}})
    return pd.DataFrame(rows)


def _qname(level: float) -> str:
    return f"q{round(level * 1000):03d}"


@dataclass(frozen=True)
class ErrorModel:
    """The prior over scaled errors (see the module docstring); ``table`` is :func:`compute`'s."""

    table: pd.DataFrame = field(repr=False)
    info: dict = field(default_factory=dict, repr=False)
    skill: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def ladders(self) -> list[str]:
        return sorted(self.table["ladder"].unique())

    def _cells(self, method: str, distance_bin: str, exclude=()) -> tuple[pd.DataFrame, str]:
        t = self.table[(self.table["distance_bin"] == distance_bin) & ~self.table["ladder"].isin(list(exclude))]
        own = t[t["method"] == method]
        if own["ladder"].nunique() >= MIN_LADDERS:
            return own, method
        return t[t["method"] == _ALL], _ALL

    def prior_cdf(self, method: str, distance_bin: str, exclude=()) -> tuple[np.ndarray | None, str]:
        """The prior's CDF of |e| on :data:`Q_GRID` for ``method`` at ``distance_bin``: the equal-weight mixture
        over ladders (``exclude``: ladders left out, e.g. the one being tested), and the method whose cells were used
        (``method``, or ``"*"`` when it has fewer than :data:`MIN_LADDERS` ladders there). ``None`` when no ladder
        has the bin."""
        key = (method, distance_bin, tuple(sorted(exclude)))
        cache = self.__dict__.setdefault("_priors", {})
        if key not in cache:
            cells, used = self._cells(method, distance_bin, exclude)
            if cells.empty:
                cache[key] = (None, used)
            else:
                levels = np.array((0.0, *QUANTILE_LEVELS, 1.0))
                qs = cells[[_qname(c) for c in QUANTILE_LEVELS]].to_numpy(float)
                # each ladder's CDF: piecewise linear through its quantiles from 0 at q = 0, reaching 1 at twice its
                # largest stored quantile (a tail beyond the 0.99 quantile that is finite, not pretended known)
                cdfs = [np.interp(Q_GRID, np.concatenate(([0.0], np.maximum.accumulate(q), [2.0 * q[-1] + 1e-12])),
                                  levels) for q in qs]
                cache[key] = (np.mean(cdfs, axis=0), used)
        return cache[key]

    def skill_prior(self, method: str, distance_bin: str, exclude=()) -> tuple[float, str]:
        """The prior mean log error ratio of ``method`` at ``distance_bin`` (module docstring, *Choosing a law*) and
        where it came from: ``"bin"`` (>= :data:`MIN_LADDERS` ladders there), ``"all bins"`` or ``"none"`` (0)."""
        key = (method, distance_bin, tuple(sorted(exclude)))
        cache = self.__dict__.setdefault("_skills", {})
        if key not in cache:
            cache[key] = self._skill_prior(method, distance_bin, exclude)
        return cache[key]

    def _skill_prior(self, method: str, distance_bin: str, exclude) -> tuple[float, str]:
        t = self.skill
        if t.empty:
            return 0.0, "none"
        t = t[(t["method"] == method) & ~t["ladder"].isin(list(exclude))]
        here = t[t["distance_bin"] == distance_bin]
        if here["ladder"].nunique() >= MIN_LADDERS:
            return float(here["log_ratio"].mean()), "bin"
        per_ladder = t.groupby("ladder")["log_ratio"].mean()
        if len(per_ladder) >= MIN_LADDERS:
            return float(per_ladder.mean()), "all bins"
        return 0.0, "none"

    def quantile(self, level: float, method: str, distance: float, own=None, *, k0: float = PRIOR_WEIGHT,
                 exclude=()) -> tuple[float, dict]:
        """The combined conformal quantile of |e| at ``level`` for a forecast ``distance`` decades beyond the
        largest fitted run: the prior (``k0`` pseudo-observations) with the ladder's ``own`` scaled errors |e|, read
        on :data:`Q_GRID` (steps of 0.25%). With ``k0 = 0`` and no own errors the prior alone is used. Returns
        ``(q, evidence)``; ``evidence`` says how many own errors and which prior cells were used."""
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        dbin = _bin_of(distance)
        prior, used = self.prior_cdf(method, dbin, exclude)
        own = np.sort(np.abs(np.asarray([] if own is None else own, float)))
        own = own[np.isfinite(own)]
        m = own.size
        if prior is None and m == 0:
            raise ValueError(f"no prior for {method!r} at {dbin} decades and no backtest errors of the ladder's own")
        w = 0.0 if prior is None else float(k0)
        if w + m == 0:  # k0 = 0 and no backtest: the prior still decides when nothing else can
            w = 1.0
        # the ladder's own errors alone: the split-conformal quantile; with the prior, the combined distribution's
        # own quantile (the prior stands for thousands of errors, so no finite-sample correction for its share)
        target = min(level * (1.0 + 1.0 / (m + 1)) if w == 0 else level, QUANTILE_LEVELS[-1])
        combined = ((w * prior if prior is not None else 0.0) + np.searchsorted(own, Q_GRID, side="right")) / (w + m)
        i = int(np.searchsorted(combined, target - 1e-12, side="left"))
        q = float(Q_GRID[min(i, Q_GRID.size - 1)])
        return q, {"distance_bin": dbin, "prior_method": used if prior is not None else None, "own_errors": m,
                   "prior_weight": w, "level_solved": target}


def log_ratio(abs_error, ref_abs_error) -> np.ndarray:
    r""":math:`\log(\max(|e|, \epsilon) / \max(|e_\text{ref}|, \epsilon))`, :math:`\epsilon` =
    :data:`ERROR_FLOOR`: a method's point error against the reference's (module docstring, *Choosing a law*)."""
    a, b = (np.asarray(v, float) for v in (abs_error, ref_abs_error))
    return np.log(np.maximum(a, ERROR_FLOOR) / np.maximum(b, ERROR_FLOOR))


def log_error_ratios(table: pd.DataFrame, methods=None) -> pd.DataFrame:
    """Every fitted forecast of a benchmark table with ``abs_error``, the reference's (:data:`SKILL_REFERENCE`)
    ``ref_abs_error`` at the same ladder, task, cutoff and run, and ``log_ratio`` = log of their ratio, each floored
    at :data:`ERROR_FLOOR` (module docstring). ``methods``: keep only these (default every one but the
    reference)."""
    key = ["ladder", "task", "cutoff", "run_id"]
    ok = table[table["status"] != "failed"]
    ref = ok[ok["method"] == SKILL_REFERENCE].drop_duplicates(key).set_index(key)["abs_error"].rename("ref_abs_error")
    t = ok[ok["method"] != SKILL_REFERENCE] if methods is None else ok[ok["method"].isin(list(methods))]
    t = t.join(ref, on=key, how="inner")
    t = t[np.isfinite(t["abs_error"]) & np.isfinite(t["ref_abs_error"])].copy()
    t["log_ratio"] = log_ratio(t["abs_error"].to_numpy(float), t["ref_abs_error"].to_numpy(float))
    return t.reset_index(drop=True)


def compute_skill(table: pd.DataFrame) -> pd.DataFrame:
    """The prior skill table from a benchmark table: one row per method x distance bin x ladder with at least
    :data:`MIN_POINTS` forecasts: ``n`` and ``log_ratio``, the median of :func:`log_error_ratios` there."""
    r = log_error_ratios(table)
    g = r.groupby(["method", "distance_bin", "ladder"], observed=True, sort=True)["log_ratio"]
    out = pd.DataFrame({"n": g.size(), "log_ratio": g.median()}).reset_index()
    out["distance_bin"] = out["distance_bin"].astype(str)
    return out[out["n"] >= MIN_POINTS].reset_index(drop=True)


def choose(model: ErrorModel, candidates: dict, distance: float, *, k0: float = PRIOR_WEIGHT,
           exclude=()) -> pd.DataFrame:
    """Rank candidate methods for a forecast ``distance`` decades beyond the largest fitted run.

    ``candidates`` maps a method (a benchmark route name) to its own backtest's log error ratios (an array, maybe
    empty; :func:`log_error_ratios`' definition) or to a string, the reason it cannot be used (a failed or
    unidentified fit). Returns one row per candidate, best first: ``prior`` (:meth:`ErrorModel.skill_prior`),
    ``prior_from``, ``own`` (their count), ``own_mean``, ``score`` (the shrunk mean, module docstring), ``chosen``
    and ``reason`` (why a candidate was not usable). Ties keep the candidates' order."""
    dbin = _bin_of(distance)
    rows = []
    for order, (method, own) in enumerate(candidates.items()):
        prior, src = model.skill_prior(method, dbin, exclude)
        if isinstance(own, str):
            rows.append({"method": method, "prior": prior, "prior_from": src, "own": 0, "own_mean": np.nan,
                         "score": np.nan, "reason": own, "order": order})
            continue
        own = np.asarray(own, float)
        own = own[np.isfinite(own)]
        rows.append({"method": method, "prior": prior, "prior_from": src, "own": own.size,
                     "own_mean": float(own.mean()) if own.size else np.nan,
                     "score": (k0 * prior + own.sum()) / (k0 + own.size) if k0 + own.size > 0 else prior,
                     "reason": "", "order": order})
    out = pd.DataFrame(rows, columns=["method", "prior", "prior_from", "own", "own_mean", "score", "reason", "order"])
    # ranked on scores rounded to 1e-9: a tie stays a tie when the data move by 1e-12
    out = out.assign(_key=out["score"].round(9)).sort_values(["_key", "order"], kind="stable", na_position="last")
    out = out.drop(columns=["_key", "order"]).reset_index(drop=True)
    out["chosen"] = False
    usable = out["score"].notna()
    if usable.any():
        out.loc[usable.idxmax(), "chosen"] = True
    return out


def leave_one_ladder_out_choice(table: pd.DataFrame, *, methods=AUTO_METHODS, k0: float = PRIOR_WEIGHT,
                                ) -> pd.DataFrame:
    """The choice of :func:`choose` for every forecast of a benchmark table, learned without the forecast's own
    ladder: per ladder x task x cutoff, the candidates are the ``methods`` fitted there; each one's own evidence is
    its log error ratios at earlier cutoffs on runs at or below this cutoff (what a user would have had); the prior
    is the skill table of every other ladder. One row per forecast: ``ladder, task, cutoff, run_id, distance,
    distance_bin, chosen`` and the absolute error of ``auto`` (the chosen method) and of every candidate (NaN where
    it did not fit)."""
    r = log_error_ratios(table, methods)
    full = compute_skill(table)
    rows = []
    for ladder, lad in r.groupby("ladder", sort=True):
        model = ErrorModel(pd.DataFrame(), skill=full[full["ladder"] != ladder])
        for (task, cut), f in lad.groupby(["task", "cutoff"], sort=True):
            past = lad[(lad["task"] == task) & (lad["cutoff"] < cut) & (lad["C"] <= cut)]
            fitted = [m for m in methods if m in set(f["method"])]
            own = {m: past.loc[past["method"] == m, "log_ratio"].to_numpy(float) for m in fitted}
            errors = {}  # run -> method -> absolute error (a dict: a pivot per group costs more than the choice)
            for run, method, err in zip(f["run_id"], f["method"], f["abs_error"]):
                errors.setdefault(run, {}).setdefault(method, err)
            dist = f.drop_duplicates("run_id").set_index("run_id")["distance"]
            picked = {}  # the choice depends on the distance only through its bin
            for run, d in dist.items():
                b = _bin_of(float(d))
                if b not in picked:
                    ranked = choose(model, own, float(d), k0=k0)
                    picked[b] = ranked.loc[ranked["chosen"], "method"].iloc[0]
                best = picked[b]
                rows.append({"ladder": ladder, "task": task, "cutoff": cut, "run_id": run, "distance": d,
                             "chosen": best, "auto": errors[run].get(best, np.nan), **errors[run]})
    out = pd.DataFrame(rows)
    from .benchmark import distance_bin

    out.insert(5, "distance_bin", distance_bin(out["distance"]))
    return out


def choice_summary(choice: pd.DataFrame, methods=AUTO_METHODS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score :func:`leave_one_ladder_out_choice`'s rows: ``(common, pairwise)``.

    ``common``: the mean absolute error (``pooled``), its ``median`` and its ``mean over ladders`` (each ladder's
    mean, averaged) of ``auto`` and of every method in compute alone (an accuracy route whose only variable is C),
    over the forecasts where all of those fitted, so that every row is scored on the same forecasts; their number is
    ``common.attrs["forecasts"]``. ``pairwise``: per method of ``methods``, over the forecasts it made, their number
    (``forecasts``) and the mean absolute error of ``auto`` and of the method (``law``)."""
    from .routes import route

    c_only = [m for m in methods if route(m).variables == ("C",) and route(m).response == "Q" and m in choice]
    both = choice.dropna(subset=c_only)
    cols = ["auto", *c_only]
    common = pd.DataFrame({"pooled": both[cols].mean(), "median": both[cols].median(),
                           "mean over ladders": both.groupby("ladder")[cols].mean().mean()})
    common.attrs["forecasts"] = len(both)
    rows = {}
    for m in methods:
        if m not in choice:
            continue
        made = choice[choice[m].notna()]
        rows[m] = {"forecasts": len(made), "auto": made["auto"].mean(), "law": made[m].mean()}
    return common, pd.DataFrame.from_dict(rows, orient="index")


def load(path=MODEL_PATH) -> ErrorModel:
    """The shipped :class:`ErrorModel` (``error_model.csv`` and its provenance ``error_model.json``), read once per
    process and file version (a forecast reads it every time)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no error model; write it with python -m scalinglaws.error_model --write")
    return _load(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> ErrorModel:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no error model; write it with python -m scalinglaws.error_model --write")
    table = pd.read_csv(path)
    info_path = path.with_suffix(".json")
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    skill_path = _skill_path(path)
    skill = pd.read_csv(skill_path) if skill_path.exists() else pd.DataFrame()
    return ErrorModel(table, info, skill)


def _skill_path(path: Path) -> Path:
    return path.with_name(path.stem + "_skill.csv")


def write(path=MODEL_PATH) -> dict:
    """Compute the model from the shipped benchmark table and write it with its provenance (the benchmark table's
    provenance and sha256, the levels, the prior weight). Run as ``python -m scalinglaws.error_model --write``."""
    from .benchmark import load_results

    path = Path(path)
    bench = load_results()
    table = compute(bench)
    table.to_csv(path, index=False, float_format="%.8g")
    skill = compute_skill(bench)
    skill.to_csv(_skill_path(path), index=False, float_format="%.8g")
    info = {"command": "python -m scalinglaws.error_model --write", "benchmark": {
        k: bench.attrs["provenance"].get(k) for k in ("commit", "date", "sha256", "rows")},
        "ladders": sorted(table["ladder"].unique()), "rows": len(table), "skill_rows": len(skill),
        "levels": list(QUANTILE_LEVELS), "skill_reference": SKILL_REFERENCE, "error_floor": ERROR_FLOOR,
        "prior_weight": PRIOR_WEIGHT, "min_ladders": MIN_LADDERS, "min_points": MIN_POINTS}
    path.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    return info


# --------------------------------------------------------------------------------------------------------------
# Validation: leave one ladder out
# --------------------------------------------------------------------------------------------------------------

#: The interval methods :func:`leave_one_ladder_out` compares.
LOLO_METHODS = ("delta", "own", "prior", "combined")


def leave_one_ladder_out(table: pd.DataFrame, *, level: float = 0.9, k0: float = PRIOR_WEIGHT, scale: str = SCALE,
                         methods=None, max_n_fit: int | None = None) -> pd.DataFrame:
    """Every forecast of a benchmark table with four intervals at ``level``, each learned without the forecast's
    own ladder where it learns at all:

    * ``delta``: the method's own delta interval (at levels other than 90%, its 90% sides scaled by the normal
      ratio);
    * ``own``: the ladder's own backtest alone -- the scaled errors of the same task and method from earlier cutoffs
      whose predicted runs lie at or below this cutoff (what a user would have had), at least as far out as this
      forecast (else the 3 farthest), split-conformal quantile; the delta interval when there are none (as
      :func:`scalinglaws.forecast` falls back today);
    * ``prior``: the error model computed from every other ladder, alone;
    * ``combined``: the prior with the same own errors (:meth:`ErrorModel.quantile`, ``k0``).

    ``own``, ``prior`` and ``combined`` measure errors in ``scale`` (:func:`half_widths`). Every interval is clipped
    to [0, 1] (the benchmark's scores are accuracies and pass@k). ``max_n_fit`` keeps only forecasts from at most
    that many fitted runs (a short ladder). One row per forecast x interval method: ``ladder, task, method, cutoff,
    n_fit, distance, distance_bin, interval, own_errors, q, lower, upper, observed, covered, width, score`` (the
    interval score at ``level``)."""
    from scipy import stats

    from .forecasting import interval_score

    s = scaled_errors(table, scale)
    if methods is not None:
        s = s[s["method"].isin(list(methods))]
    full = compute(table, scale)
    z_ratio = stats.norm.ppf(0.5 + level / 2) / _Z90
    rows = []
    for ladder, lad in s.groupby("ladder", sort=True):
        model = ErrorModel(full[full["ladder"] != ladder])
        for (task, method), g in lad.groupby(["task", "method"], sort=True):
            g = g.sort_values(["cutoff", "distance"], kind="stable")
            for cut, f in g.groupby("cutoff", sort=True):
                if max_n_fit is not None and f["n_fit"].iloc[0] > max_n_fit:
                    continue
                past = g[(g["cutoff"] < cut) & (g["C"] <= cut)]
                past_d, past_e = past["distance"].to_numpy(float), past["abs_e"].to_numpy(float)
                for r in f.itertuples():
                    own = past_e[past_d >= r.distance]
                    if own.size < 3:
                        own = past_e[np.argsort(past_d, kind="stable")][-3:]
                    try:
                        q_prior, _ = model.quantile(level, method, r.distance, None, k0=k0)
                        q_comb, _ = model.quantile(level, method, r.distance, own, k0=k0)
                    except ValueError:
                        continue
                    if own.size:
                        k = min(int(np.ceil((own.size + 1) * level)), own.size)
                        q_own, own_h = float(np.sort(own)[k - 1]), (r.h_lower, r.h_upper)
                    else:
                        q_own, own_h = z_ratio, (r.predicted - r.lower, r.upper - r.predicted)
                    d_h = (r.predicted - r.lower, r.upper - r.predicted)
                    for name, q, (hl, hu) in (("delta", z_ratio, d_h), ("own", q_own, own_h),
                                              ("prior", q_prior, (r.h_lower, r.h_upper)),
                                              ("combined", q_comb, (r.h_lower, r.h_upper))):
                        rows.append((ladder, task, method, cut, r.n_fit, r.distance, r.distance_bin, name,
                                     own.size, q, r.predicted - q * hl, r.predicted + q * hu, r.observed))
    out = pd.DataFrame(rows, columns=["ladder", "task", "method", "cutoff", "n_fit", "distance", "distance_bin",
                                      "interval", "own_errors", "q", "lower", "upper", "observed"])
    out["lower"], out["upper"] = out["lower"].clip(0, 1), out["upper"].clip(0, 1)
    out["covered"] = (out["observed"] >= out["lower"]) & (out["observed"] <= out["upper"])
    out["width"] = out["upper"] - out["lower"]
    out["score"] = interval_score(out["lower"], out["upper"], out["observed"], level)
    return out


def lolo_summary(points: pd.DataFrame, by=("interval",)) -> pd.DataFrame:
    """Coverage, median width, mean interval score and count per group of :func:`leave_one_ladder_out`'s rows."""
    by = [by] if isinstance(by, str) else list(by)
    g = points.groupby(by, observed=True)
    return pd.DataFrame({"predictions": g.size(), "coverage": g["covered"].mean(), "median_width": g["width"].median(),
                         "interval_score": g["score"].mean()})


def _main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m scalinglaws.error_model",
                                 description="(Re)compute the shipped error model from the shipped benchmark table.")
    ap.add_argument("--write", action="store_true", help="compute and write error_model.csv and its provenance")
    args = ap.parse_args(argv)
    if not args.write:
        ap.print_help()
        return 0
    from scalinglaws import error_model

    print(json.dumps(error_model.write(), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
