r"""BNSL fitted the way the authors' released script does it, re-implemented from its description.

Krajewski et al.'s ``scaling_law_forms/equation_1_bnsl.py`` (apple-aiml-research/ml-scaling-downstream-metrics @
b58d62a) fits the broken neural scaling law

.. math:: Q = a + b\,C^{-c_0}\left(1 + (C/d_1)^{1/f_1}\right)^{-c_1 f_1}

**to accuracy itself** (its ``predict`` returns accuracy; the output is clipped to [-50, 50]), minimising the *mean*
Huber loss (δ = 1e-3) over the points, from uniform random starts in a ∈ [-2, 5], b ∈ [0, 50], c0 ∈ [0.1, 3],
d1 ∈ [1e18, 1e24], f1 ∈ [0.1, 3], c1 ∈ [0.1, 3], each refined by scipy's basin-hopping with L-BFGS-B (gtol = ftol =
1e-15) on the raw parameters, without bounds, keeping the lowest objective. This module does the same with numpy and
scipy (the script differentiates with JAX; we use the exact gradient written out in
:func:`bnsl_accuracy_gradient`). What follows from that procedure, and is measured in the book: d1 is sampled
uniformly on a linear scale, so most starts put the break near 1e23-1e24 FLOPs, beyond the ladder; on raw FLOPs the
objective barely depends on d1, so the optimiser leaves it near its start.

The script's budget, 100 starts x 100 basin-hopping steps, is 10^4 local optimisations per benchmark; the book runs
a smaller budget that :class:`~scalinglaws.papers.krajewski.KrajewskiProtocol` states (``bnsl_starts``,
``bnsl_hops``), and ``benchmarks/bench_bnsl_authors.py`` measures how the optimum moves with it.
"""

from __future__ import annotations

import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from .. import _validate as V
from .._cache import disk_cached, exclusive
from .._threads import one_blas_thread
from ..fitting import from_space, to_space
from ..results import PointPrediction

__all__ = ["START_RANGES", "AuthorsBNSL", "AuthorsBNSLSeeds", "bnsl_accuracy", "bnsl_accuracy_gradient",
           "fit_bnsl_authors", "fit_bnsl_authors_seeds", "prefetch_seeds", "script_runs"]

#: The script's start ranges (uniform), in the order of the parameter vector.
START_RANGES = {"a": (-2.0, 5.0), "b": (0.0, 50.0), "c0": (0.1, 3.0), "d1": (1e18, 1e24), "f1": (0.1, 3.0),
                "c1": (0.1, 3.0)}
_NAMES = tuple(START_RANGES)


def bnsl_accuracy(C, a, b, c0, d1, f1, c1) -> np.ndarray:
    """The BNSL in accuracy space with raw parameters, clipped to [-50, 50] as in the script; NaN where undefined
    (a negative ``d1`` or ``f1`` during the search)."""
    C = np.asarray(C, dtype=float)
    with np.errstate(all="ignore"):
        out = a + b * C ** (-c0) * (1.0 + (C / d1) ** (1.0 / f1)) ** (-c1 * f1)
    return np.clip(out, -50.0, 50.0)


def bnsl_accuracy_gradient(C, a, b, c0, d1, f1, c1) -> np.ndarray:
    """Jacobian of :func:`bnsl_accuracy` in (a, b, c0, d1, f1, c1), shape (n, 6); zero where the output is clipped.
    Exact (the script differentiates with JAX); tested against central differences."""
    C = np.asarray(C, dtype=float)
    with np.errstate(all="ignore"):
        P = C ** (-c0)
        u = (C / d1) ** (1.0 / f1)
        B = (1.0 + u) ** (-c1 * f1)
        core = b * P * B
        log1pu = np.log1p(u)
        jac = np.stack([
            np.ones_like(C),
            P * B,
            -np.log(C) * core,
            core * c1 * u / ((1.0 + u) * d1),
            core * (-c1 * log1pu + c1 * u * np.log(C / d1) / (f1 * (1.0 + u))),
            core * (-f1 * log1pu),
        ], axis=1)
        out = a + core
    jac[np.abs(out) > 50.0] = 0.0
    return jac


def _mean_huber(residuals: np.ndarray, delta: float) -> float:
    a = np.abs(residuals)
    return float(np.mean(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))


def _objective(C: np.ndarray, y: np.ndarray, delta: float):
    """The mean Huber objective of :func:`bnsl_accuracy` against ``y`` and its exact gradient, in one pass (the
    terms of :func:`bnsl_accuracy_gradient` contracted with the Huber weights, without forming the Jacobian: 30 µs
    instead of 42 µs a call on 30 points). A non-finite objective (a negative ``d1`` or ``f1`` on the way) is
    returned as 1e10 with a zero gradient, as a failed step L-BFGS-B backs off from."""
    logC, n = np.log(C), C.size

    def fun(theta):
        a, b, c0, d1, f1, c1 = theta
        with np.errstate(all="ignore"):
            P = C ** (-c0)
            u = (C / d1) ** (1.0 / f1)
            B = (1.0 + u) ** (-c1 * f1)
            core = b * P * B
            out = a + core
            r = np.clip(out, -50.0, 50.0) - y
            ar = np.abs(r)
            value = np.mean(np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta)))
            if not np.isfinite(value):
                return 1e10, np.zeros(6)
            w = np.clip(r, -delta, delta)
            w[np.abs(out) > 50.0] = 0.0  # the clipped output does not move with the parameters
            w /= n
            l1u = np.log1p(u)
            cw = w * core
            g = np.array([w.sum(), w @ (P * B), -(cw @ logC), c1 / d1 * (cw @ (u / (1.0 + u))),
                          cw @ (-c1 * l1u + c1 * u * np.log(C / d1) / (f1 * (1.0 + u))), -f1 * (cw @ l1u)])
        return float(value), np.where(np.isfinite(g), g, 0.0)

    return fun


@dataclass(frozen=True)
class AuthorsBNSL:
    """The best of the random starts: parameters, mean Huber objective, and the fitted points."""

    params: dict[str, float]
    objective: float
    n_starts: int
    n_hops: int
    seed: int
    space: str
    chance: float
    C: np.ndarray = field(repr=False)
    Q: np.ndarray = field(repr=False)
    start: dict[str, float] = field(repr=False, default_factory=dict)

    def predict(self, C) -> np.ndarray:
        """Accuracy at compute C (chance level restored)."""
        y = bnsl_accuracy(V.positive("C", C), **self.params)
        if self.space == "accuracy":
            return self.chance + (1.0 - self.chance) * y
        return from_space(y, "neglog", self.chance)

    @property
    def break_inside(self) -> bool:
        """Whether the break d1 lies inside the fitted compute range."""
        return bool(self.C.min() <= self.params["d1"] <= self.C.max())

    @property
    def d1_moved(self) -> float:
        """How far the optimiser moved the break from its start, in decades: ``abs(log10(d1 / d1_start))``."""
        return float(abs(np.log10(self.params["d1"] / self.start["d1"]))) if self.params["d1"] > 0 else np.inf


def _prepare(C, Q, space: str, chance: float, n_starts: int, n_hops: int):
    C, Q = V.positive("C", C), V.as_1d_float("Q", Q)
    V.same_length({"C": C, "Q": Q})
    if space not in ("accuracy", "neglog"):
        raise ValueError(f"space must be 'accuracy' or 'neglog', got {space!r}")
    chance = V.chance_level(chance)
    if not np.all(V.open_unit_mask("Q", Q, chance)):
        raise ValueError(f"Q: every fitted accuracy must lie in ({chance:g}, 1)")
    V.enough_points(C.size, len(_NAMES), "bnsl (authors' procedure)")
    if n_starts < 1 or n_hops < 0:
        raise ValueError(f"need n_starts >= 1 and n_hops >= 0, got {n_starts}, {n_hops}")
    return C, Q, chance


def _start(seed: int, i: int) -> np.ndarray:
    """Start ``i`` of seed ``seed``: uniform in :data:`START_RANGES`, from its own stream ``(seed, i)`` (so two seeds
    share no start, unlike ``seed + i``)."""
    rng = np.random.default_rng([seed, i])
    return np.array([rng.uniform(*START_RANGES[n]) for n in _NAMES])


@one_blas_thread
def fit_bnsl_authors(C, Q, *, space: str = "accuracy", chance: float = 0.0, n_starts: int = 100, n_hops: int = 100,
                     seed: int = 0, delta: float = 1e-3) -> AuthorsBNSL:
    """Fit the BNSL to accuracy as the authors' script does (see the module docstring): one run of the procedure.

    The procedure is chaotic: L-BFGS-B run to ``gtol = ftol = 1e-15`` on a flat objective ends wherever rounding
    leads it, and basin-hopping compounds that. Moving the data by 1e-12 (relative) or running on another machine
    moves the optimum, so one run is one draw; :func:`fit_bnsl_authors_seeds` reports the distribution.

    Parameters
    ----------
    C, Q : array_like
        Compute (FLOPs) and accuracy of the fitted runs.
    space : {"accuracy", "neglog"}
        What the law describes: accuracy itself (the script's ``predict`` returns accuracy), or
        :math:`-\\log Q'` (the error-like quantity the start ranges suit: b > 0 and c0 > 0 make it fall with C).
    chance : float
        Chance level q0 for the normalised accuracy :math:`Q' = (Q - q_0)/(1 - q_0)` that is fitted.
    n_starts, n_hops : int
        Random starts, and basin-hopping steps per start (the script: 100 and 100; 0 hops is one L-BFGS-B run).
    seed : int
        Seeds the starts (start ``i`` draws from the stream ``(seed, i)``) and each start's basin-hopping (the
        stream ``(seed, i, 1)``).

    Raises
    ------
    ValueError
        Bad input, or no start reached a finite objective.
    """
    C, Q, chance = _prepare(C, Q, space, chance, n_starts, n_hops)
    y = (Q - chance) / (1.0 - chance) if space == "accuracy" else to_space(Q, "neglog", chance)
    objective = _objective(C, y, delta)
    minimizer = dict(method="L-BFGS-B", jac=True, options=dict(gtol=1e-15, ftol=1e-15))
    best, best_start = None, None
    for i in range(n_starts):
        x0 = _start(seed, i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if n_hops:
                res = optimize.basinhopping(objective, x0, niter=n_hops, minimizer_kwargs=minimizer,
                                            rng=np.random.default_rng([seed, i, 1]))
            else:
                res = optimize.minimize(objective, x0, **minimizer)
        if np.isfinite(res.fun) and res.fun < 1e10 and (best is None or res.fun < best.fun):
            best, best_start = res, x0
    if best is None:
        raise ValueError(f"bnsl (authors' procedure): none of {n_starts} starts reached a finite objective")
    return AuthorsBNSL(dict(zip(_NAMES, map(float, best.x))), float(best.fun), n_starts, n_hops, seed, space,
                       chance, C, Q, dict(zip(_NAMES, map(float, best_start))))


@dataclass(frozen=True)
class AuthorsBNSLSeeds:
    """The authors' procedure run once per seed: its results as a distribution, not as one lucky run.

    ``fits[j]`` is the run with seed ``seeds[j]``. :meth:`table` gives each run's objective and parameters;
    :meth:`predict_seeds` every run's prediction; :meth:`n_at_best` how many runs reached the best objective found.
    As a :class:`~scalinglaws.results.Predictor` (route ``bnsl_authors``) it predicts the median over seeds, with
    no standard errors: its spread is over seeds, not a sampling distribution.
    """

    fits: tuple[AuthorsBNSL, ...]
    seeds: tuple[int, ...]

    @property
    def name(self) -> str:
        return "bnsl_authors" if self.fits[0].space == "accuracy" else "bnsl_authors_neglog"

    @property
    def status(self) -> str:
        return "converged"

    @property
    def reason(self) -> str:
        return (f"median of {len(self.seeds)} runs of a random search (the best objective reached by "
                f"{self.n_at_best()} of them)")

    @property
    def params(self) -> dict[str, float]:
        """The best-objective run's parameters."""
        return dict(self.best.params)

    @property
    def stderr(self) -> dict[str, float]:
        return {k: float("nan") for k in self.best.params}

    @property
    def n_points(self) -> int:
        return int(self.fits[0].C.size)

    @property
    def fitted(self) -> dict[str, np.ndarray]:
        return {"C": self.fits[0].C, "Q": self.fits[0].Q}

    def get_prediction(self, C=None, **variables) -> PointPrediction:
        C = variables.get("C") if C is None else C
        pred = self.predict(C)
        nan = np.full(pred.shape, np.nan)
        return PointPrediction({"C": np.asarray(C, float)}, pred, nan, nan)

    @property
    def objectives(self) -> np.ndarray:
        return np.array([f.objective for f in self.fits])

    @property
    def best(self) -> AuthorsBNSL:
        """The run with the lowest objective (the first such seed on a tie)."""
        return self.fits[int(np.argmin(self.objectives))]

    def n_at_best(self, rtol: float = 1e-3) -> int:
        """How many runs ended within ``rtol`` (relative) of the lowest objective: how often the best optimum the
        procedure finds is found."""
        obj = self.objectives
        return int(np.sum(obj <= obj.min() * (1.0 + rtol)))

    def predict_seeds(self, C) -> np.ndarray:
        """Accuracy at ``C`` from every run: shape ``(len(seeds), len(C))``."""
        return np.stack([f.predict(C) for f in self.fits])

    def predict(self, C=None, **variables) -> np.ndarray:
        """The median over seeds of the runs' accuracy at ``C``."""
        C = variables.get("C") if C is None else C
        return np.median(self.predict_seeds(C), axis=0)

    def table(self) -> pd.DataFrame:
        """One row per seed: ``objective``, the parameters (``a, b, c0, d1, f1, c1``), ``log10_d1`` (NaN when d1 <=
        0), ``break_inside`` (d1 within the fitted compute range), ``d1_moved`` (decades from its start) and
        ``at_best`` (within 1e-3 of the lowest objective)."""
        obj = self.objectives
        rows = [{"seed": s, "objective": f.objective, **f.params,
                 "log10_d1": float(np.log10(f.params["d1"])) if f.params["d1"] > 0 else np.nan,
                 "break_inside": f.break_inside, "d1_moved": f.d1_moved,
                 "at_best": bool(f.objective <= obj.min() * (1.0 + 1e-3))}
                for s, f in zip(self.seeds, self.fits)]
        return pd.DataFrame(rows).set_index("seed")


def _one_seed(args) -> AuthorsBNSL:
    C, Q, kwargs, seed = args
    return fit_bnsl_authors(C, Q, seed=seed, **kwargs)


@disk_cached(ignore=("n_jobs",))
def fit_bnsl_authors_seeds(C, Q, *, seeds=tuple(range(10)), n_jobs: int = 1, **kwargs) -> AuthorsBNSLSeeds:
    """Run :func:`fit_bnsl_authors` once per seed and keep every run (an :class:`AuthorsBNSLSeeds`).

    ``seeds`` is an iterable of ints or a count (``10`` means seeds 0-9); ``kwargs`` go to
    :func:`fit_bnsl_authors` (``space``, ``chance``, ``n_starts``, ``n_hops``, ``delta``). ``n_jobs > 1`` runs seeds in
    that many worker processes (the results do not depend on it: each seed is its own computation). Results are read
    from and written to the build's disk cache when one is set (:mod:`scalinglaws._cache`).
    """
    seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {seeds}")
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    C, Q, _ = _prepare(C, Q, kwargs.get("space", "accuracy"), kwargs.get("chance", 0.0),
                       kwargs.get("n_starts", 100), kwargs.get("n_hops", 100))
    fits = _run([(C, Q, kwargs, s) for s in seeds], n_jobs)
    return AuthorsBNSLSeeds(tuple(fits), seeds)


def _run(tasks: list, n_jobs: int) -> list[AuthorsBNSL]:
    if n_jobs == 1 or len(tasks) == 1:
        return [_one_seed(t) for t in tasks]
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])  # workers fork from a server that has imported this module once
    with ProcessPoolExecutor(min(n_jobs, len(tasks)), mp_context=ctx) as pool:
        return list(pool.map(_one_seed, tasks))


def prefetch_seeds(problems, *, n_jobs: int = 1) -> None:
    """Compute :func:`fit_bnsl_authors_seeds` for many problems at once -- every seed of every problem in one pool of
    ``n_jobs`` workers, better balanced than a pool per problem -- and store each result where
    :func:`fit_bnsl_authors_seeds` finds it. ``problems`` are ``(C, Q, call)`` with ``call`` exactly the keywords the
    later call passes (``seeds`` among them). Problems already cached, and problems the procedure refuses (too few
    points), are skipped: the later call computes or refuses them itself."""
    problems = list(problems)
    # one batch at a time: a second caller (another chapter executed at the same time) waits, then finds every
    # result cached instead of computing the same seeds in a second pool
    with exclusive("prefetch_seeds"):
        _prefetch(problems, n_jobs)


def _prefetch(problems, n_jobs: int) -> None:
    todo = []
    for C, Q, call in problems:
        if fit_bnsl_authors_seeds.cached(C, Q, **call):
            continue
        options = {k: v for k, v in call.items() if k not in ("seeds", "n_jobs")}
        seeds = call.get("seeds", 10)
        seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(x) for x in seeds)
        try:
            C2, Q2, _ = _prepare(C, Q, options.get("space", "accuracy"), options.get("chance", 0.0),
                                 options.get("n_starts", 100), options.get("n_hops", 100))
        except ValueError:
            continue
        todo.append((C, Q, call, [(C2, Q2, options, x) for x in seeds], seeds))
    fits = iter(_run([t for *_, tasks, _ in todo for t in tasks], n_jobs)) if todo else iter(())
    for C, Q, call, tasks, seeds in todo:
        fit_bnsl_authors_seeds.store(AuthorsBNSLSeeds(tuple(next(fits) for _ in tasks), seeds), C, Q, **call)


def script_runs() -> pd.DataFrame:
    """The authors' script itself, run unmodified at its own budget (100 starts x 100 basin-hopping steps, JAX) on
    the protocol's fitted runs of the 11 fittable benchmarks, outside the book: a table the project measured and
    ships (``bnsl_authors_script.csv`` beside this module; its header says how it was made). One row per
    precision (``float32``, JAX's default, which the script uses; ``float64`` with x64 enabled) x response
    (``normalised`` Q' or ``raw`` accuracy) x benchmark: the best start's ``objective`` and parameters, how many of
    the 100 starts ended at it (``starts_at_best``), flat (``starts_flat``) or rising (``starts_rising``), the fitted
    ``span`` and the held-out ``mre``. The book compares it with this module's re-implementation: same procedure,
    numpy float64 starts, the protocol's smaller budget."""
    path = Path(__file__).resolve().with_name("bnsl_authors_script.csv")
    table = pd.read_csv(path, comment="#")
    expected = {"precision", "response", "benchmark", "best_objective", "starts_at_best", "starts_flat",
                "starts_rising", "span", "mre", *START_RANGES}
    missing = expected - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return table.set_index(["precision", "response", "benchmark"]).sort_index()
