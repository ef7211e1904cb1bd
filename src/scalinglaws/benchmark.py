r"""Which forecast to trust: every applicable route, on every ladder and task, scored by rolling origin in compute.

A practitioner's question is *on a ladder like mine, for a task like mine, which method predicts a model 10x or 100x
larger, how wrong is it, and do its intervals hold?* This module answers it on the one evaluation path:

* :class:`Ladder` -- one source's runs (``run_id, C`` and ``N, D`` where known, a ``role``: ``ladder`` runs are
  fitted, ``target`` runs only predicted, ``rerun`` seed repeats only give the noise floor) and its tasks (score
  metric, chance, item count, the response a route fits, and the proxy losses where they exist: one validation loss
  for every task, and each task's own loss). :func:`ladders` builds the book's ladders;
* :func:`applicable` -- the registered routes (:data:`scalinglaws.routes.ROUTES`) that a ladder x task can feed;
* :func:`run` -- rolling origin by compute: for each cutoff (a ladder run's compute leaving at least ``min_points``
  fitted runs), fit every method on the ladder runs at or below it and predict every larger run (ladder or target),
  scored by :func:`scalinglaws.heldout.evaluate`; one tidy row per ladder x task x method x cutoff x predicted run,
  with a method that could not be fitted kept as ``status = "failed"`` rows with the ``reason``;
* :func:`summarise` -- :func:`scalinglaws.heldout.summarise` by any grouping, plus failures and coverage at every
  level.

Distance
    :math:`\log_{10}(C_\text{target} / C_\text{max fitted})`, decades of compute beyond the largest fitted run,
    binned as :data:`DISTANCE_BINS`.

Coverage
    the share of predicted runs inside the route's prediction interval (Student t in the route's fitting space, its
    delta-method interval: ``get_prediction(...).conf_int(level, obs=True)``) at 50, 80, 90 and 95%; ``lower``,
    ``upper``, ``covered`` and ``interval_score_90`` are the 90% interval's. A route without an interval
    (``carry_forward``; a fit without a covariance) has NaN coverage, never a guessed one.

Speed (``benchmarks/bench_benchmark.py``, one process on a shared 2-core machine, 2026-12-06): building the 12
ladders takes 2 s; the default run (every applicable route but BNSL, 4 cutoffs) 20-60 s per Krajewski ladder, 22 s
on OLMo, 6-22 s per Pythia ladder and 250-300 s per Gadre corpus (46 tasks, many near chance, where the sigmoid and
the logistic two-stage route search longest): about 18 minutes over all 12 on one core. BNSL adds about 5 s per fit.
A chapter runs a stated subset (``tasks=``, ``cutoffs=``) or ``n_jobs`` workers.

The observational-scaling data (``obsscaling`` in the data mirror) has no loader in :mod:`scalinglaws.datasets`
yet, so it is not a ladder here.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import heldout
from .datasets.schema import select, validate_runs
from .forecasting import interval_score
from .results import FitStatus
from .routes import ROUTES, route

logger = logging.getLogger("scalinglaws")

__all__ = ["Ladder", "ladders", "LADDER_NAMES", "applicable", "run", "summarise", "DISTANCE_BINS", "LEVELS",
           "EXCLUDED", "SLOW", "distance_bin", "TABLE_COLUMNS"]

#: Interval levels at which coverage is reported; the interval score is the 90% interval's.
LEVELS = (0.5, 0.8, 0.9, 0.95)
#: Distance bins, in decades of compute beyond the largest fitted run (right-closed: 0.5 is in the first).
DISTANCE_EDGES = (0.0, 0.5, 1.0, 1.5, np.inf)
DISTANCE_BINS = ("<=0.5", "0.5-1", "1-1.5", ">1.5")
#: Registered routes the benchmark leaves out: the authors' BNSL procedure (a random search over seeds, minutes per
#: fit: ``bnsl`` is Eq. 1 by our engine) and the joint pass@k law across k (each pass@k is a task here).
EXCLUDED = ("bnsl_authors", "passk_joint")
#: Registered routes left out of the default run because they are slow: BNSL by our engine (6 parameters, several
#: deterministic starts: about 5 s per fit here, against 0.01-0.4 s for the others). ``methods="all"`` includes it.
SLOW = ("bnsl",)
#: Roles of a ladder's runs.
ROLES = ("ladder", "target", "rerun")
_TASK_COLUMNS = ("benchmark", "metric", "chance", "n_items", "response", "task_loss", "task_loss_sign")
#: The columns of :func:`run`'s table, in order.
TABLE_COLUMNS = ("ladder", "task", "benchmark", "metric", "method", "cutoff", "n_fit", "status", "reason", "run_id",
                 "role", "C", "distance", "distance_bin", "observed", "predicted", "error", "abs_error",
                 "rel_error", "binomial_se", "error_over_se", "lower", "upper", "covered", "interval",
                 "covered_50", "covered_80", "covered_90", "covered_95", "interval_score_90")


def distance_bin(distance) -> pd.Categorical:
    """The bin of each distance (decades of compute), an ordered categorical over :data:`DISTANCE_BINS`."""
    return pd.cut(np.asarray(distance, float), list(DISTANCE_EDGES), labels=list(DISTANCE_BINS), right=True)


@dataclass(frozen=True, eq=False)
class Ladder:
    """One ladder: its runs and its tasks.

    Attributes
    ----------
    name : str
    runs : DataFrame
        A tidy run table (:func:`scalinglaws.datasets.validate_runs`) with a ``role`` column (:data:`ROLES`): the
        tasks' scores, their own losses and the validation loss, one row per run x benchmark x metric.
    tasks : DataFrame
        Indexed by task: ``benchmark, metric`` (the score's rows), ``chance``, ``n_items``, ``response`` (``Q`` for
        an accuracy, ``P`` for pass@k: the response of the routes that may fit it), ``task_loss`` (the metric of
        the task's own loss, ``""`` if none) and ``task_loss_sign`` (-1 for a log-likelihood, whose negative is the
        loss).
    proxy : (benchmark, metric) or None
        The rows of the validation loss every task shares (the two-stage routes' proxy).
    source : str
        Where the runs come from.
    """

    name: str
    runs: pd.DataFrame = field(repr=False)
    tasks: pd.DataFrame = field(repr=False)
    proxy: tuple | None = None
    source: str = ""

    def __post_init__(self):
        validate_runs(self.runs, self.name)
        if "role" not in self.runs or not self.runs["role"].isin(ROLES).all():
            raise ValueError(f"{self.name}: every run needs a role in {ROLES}")
        missing = [c for c in _TASK_COLUMNS if c not in self.tasks.columns]
        if missing:
            raise ValueError(f"{self.name}: the task table lacks {missing}")
        if not self.tasks["response"].isin(("Q", "P")).all():
            raise ValueError(f"{self.name}: a task's response is 'Q' (accuracy) or 'P' (pass@k)")
        if not ((self.tasks["n_items"] > 0).all() and self.tasks["chance"].between(0, 1, inclusive="left").all()):
            raise ValueError(f"{self.name}: every task needs n_items > 0 and a chance level in [0, 1)")
        for task, t in self.tasks.iterrows():
            if select(self.runs, t["benchmark"], t["metric"]).empty:
                raise ValueError(f"{self.name}: task {task!r} has no rows ({t['benchmark']}, {t['metric']})")
        if self.proxy is not None and select(self.runs, *self.proxy).empty:
            raise ValueError(f"{self.name}: no validation-loss rows {self.proxy}")
        per_run = self.runs.groupby("run_id")[["C", "role"]].nunique()
        if (per_run > 1).any().any():
            raise ValueError(f"{self.name}: run(s) {list(per_run.index[(per_run > 1).any(axis=1)][:3])} have more "
                             "than one compute or role")
        if (self.run_table["role"] == "ladder").sum() < 3:
            raise ValueError(f"{self.name}: fewer than 3 ladder runs")

    @property
    def run_table(self) -> pd.DataFrame:
        """One row per run, by compute: ``run_id, role, C, N, D, TPR`` (NaN where unknown)."""
        cols = [c for c in ("run_id", "role", "C", "N", "D", "TPR") if c in self.runs]
        out = self.runs[cols].drop_duplicates("run_id").sort_values(["C", "run_id"], kind="stable")
        for c in ("N", "D", "TPR"):
            if c not in out:
                out[c] = np.nan
        return out.reset_index(drop=True)

    def n_runs(self, role: str = "ladder") -> int:
        """The number of runs with ``role``."""
        return int((self.run_table["role"] == role).sum())

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def has_N_D(self) -> bool:
        """N and D known for every ladder run, with at least two token ratios D/N a tenth of a decade apart (else N
        and D are collinear and a law in both is not identified)."""
        r = self.run_table[self.run_table["role"] == "ladder"]
        if not (np.isfinite(r["N"]).all() and np.isfinite(r["D"]).all()):
            return False
        tpr = r["TPR"].where(np.isfinite(r["TPR"]), r["D"] / r["N"])
        # a tenth of a decade: a ladder at one nominal TPR whose true parameter counts wobble is still one TPR
        return np.unique(np.round(np.log10(tpr.to_numpy(float)), 1)).size >= 2

    def series(self, task: str) -> pd.DataFrame:
        """One task's runs by compute: ``run_id, role, C, N, D, y`` (the score) and, where they exist, ``L_val``
        (the validation loss) and ``L_task`` (the task's own loss)."""
        if task not in self.tasks.index:
            raise ValueError(f"{self.name}: no task {task!r}; it has {list(self.tasks.index)}")
        t = self.tasks.loc[task]
        d = select(self.runs, t["benchmark"], t["metric"])
        out = self.run_table.merge(d[["run_id", "value"]].rename(columns={"value": "y"}), on="run_id")
        if self.proxy is not None:
            v = select(self.runs, *self.proxy)[["run_id", "value"]].rename(columns={"value": "L_val"})
            out = out.merge(v, on="run_id", how="left")
        if t["task_loss"]:
            v = select(self.runs, t["benchmark"], t["task_loss"])[["run_id", "value"]]
            out = out.merge(v.assign(value=t["task_loss_sign"] * v["value"]).rename(columns={"value": "L_task"}),
                            on="run_id", how="left")
        return out.sort_values(["C", "run_id"], kind="stable").reset_index(drop=True)

    def noise_floor(self) -> pd.DataFrame:
        """Run-to-run noise from the seed repeats (``rerun`` runs, named ``<run_id>-rerun``): per task x repeated
        run, both scores, ``abs_diff`` and the binomial SE of the original; empty without repeats."""
        reruns = self.run_table.loc[self.run_table["role"] == "rerun", "run_id"]
        rows = []
        for task, t in self.tasks.iterrows():
            d = select(self.runs, t["benchmark"], t["metric"]).set_index("run_id")["value"]
            for rid in reruns:
                orig = rid.removesuffix("-rerun")
                if orig in d.index and rid in d.index:
                    rows.append({"task": task, "run_id": orig, "original": d[orig], "rerun": d[rid],
                                 "abs_diff": abs(d[rid] - d[orig]),
                                 "binomial_se": float(heldout.binomial_se([d[orig]], [t["n_items"]])[0])})
        return pd.DataFrame(rows, columns=["task", "run_id", "original", "rerun", "abs_diff", "binomial_se"])

    def summary(self) -> dict:
        """Counts: ladder runs, targets, reruns, tasks, and whether N, D and each loss exist."""
        return {"ladder": self.name, "runs": self.n_runs("ladder"), "targets": self.n_runs("target"),
                "reruns": self.n_runs("rerun"), "tasks": self.n_tasks, "N_D": self.has_N_D,
                "validation_loss": self.proxy is not None, "task_loss": bool((self.tasks["task_loss"] != "").any())}


def _tasks(specs: pd.DataFrame, *, chance=None, response: str = "Q", task_loss: dict | None = None,
           sign: float = 1.0) -> pd.DataFrame:
    task_loss = task_loss or {}
    out = pd.DataFrame({"benchmark": specs.index, "metric": specs["metric"].to_numpy(),
                        "chance": (specs["chance"] if chance is None else chance.reindex(specs.index)).to_numpy(float),
                        "n_items": specs["n_items"].to_numpy(int), "response": response}, index=specs.index)
    out["task_loss"] = [task_loss.get(b, "") for b in specs.index]
    out["task_loss_sign"] = sign
    out.index.name = "task"
    return out


def _krajewski(mixture: str, tpr: float) -> Ladder:
    from .papers import krajewski as K

    P = dataclasses.replace(K.PROTOCOL, mixture=mixture, tpr=float(tpr))
    runs = K.ladder(P).assign(role="ladder")
    specs = K.benchmark_specs(P)
    have_ll = set(runs.loc[runs["metric"] == "loglikelihood", "benchmark"])
    tasks = _tasks(specs, chance=K.random_levels(P, runs), task_loss={b: "loglikelihood" for b in have_ll},
                   sign=-1.0)
    # the protocol's benchmarks, metrics and chance levels; not its fit filters (smallest compute, margin above
    # chance): the benchmark fits every ladder the same way
    return Ladder(f"krajewski_{mixture}_tpr{tpr:g}", runs.reset_index(drop=True), tasks, proxy=tuple(P.proxy),
                  source=f"Krajewski et al. 2025, {mixture} mixture, TPR {tpr:g} (the protocol's benchmarks and "
                  "chance levels; validation loss: the protocol's proxy)")


def _olmo() -> Ladder:
    from .datasets import load_olmo_ladder, olmo_benchmarks

    runs = load_olmo_ladder(reruns=True)
    runs["role"] = np.where(runs["run_id"].str.endswith("-rerun"), "rerun", runs["role"])
    tasks = _tasks(olmo_benchmarks(), task_loss={b: "bpb" for b in olmo_benchmarks().index})
    return Ladder("olmo", runs.reset_index(drop=True), tasks, proxy=("c4_en", "loss"),
                  source="Bhagia et al. 2024: 25 ladder runs, the 1 x C seed re-runs, OLMo-2 7B-4T and 13B-5T")


#: Gadre et al.'s runs that are targets (1.4B and 6.9B), not ladder rungs.
_GADRE_TARGETS = ("open_lm_1b", "open_lm_7b")


def _gadre(corpus: str) -> Ladder:
    from .datasets import gadre_benchmarks, load_gadre

    runs = load_gadre()
    runs = runs[runs["mixture"] == corpus].copy()
    runs["role"] = np.where(runs["label"].isin(_GADRE_TARGETS), "target", "ladder")
    specs = gadre_benchmarks()
    specs = specs[specs.index.isin(runs["benchmark"])]
    return Ladder(f"gadre_{corpus}", runs.reset_index(drop=True), _tasks(specs), proxy=("c4_val", "loss"),
                  source=f"Gadre et al. 2024, {corpus}: 4 small sizes x 8 token multipliers, 1.4B and 6.9B targets")


#: The pass@k values of the Pythia ladders.
PYTHIA_KS = (1, 10, 100)


def _pythia(benchmark: str, ks=PYTHIA_KS) -> Ladder:
    from .datasets import pythia_pass_at_k

    p = pythia_pass_at_k(benchmark, ks=ks).dropna(subset=["pass_at_k"])
    n_problems = int(p["n_problems"].max())
    runs = pd.DataFrame({"run_id": "pythia/" + p["model"], "C": p["C"], "N": p["N"], "D": p["D"],
                         "TPR": p["D"] / p["N"], "benchmark": benchmark, "metric": "pass@" + p["k"].astype(str),
                         "value": p["pass_at_k"].to_numpy(float), "n_items": n_problems, "role": "ladder"})
    specs = pd.DataFrame({"metric": [f"pass@{k}" for k in ks], "chance": 0.0, "n_items": n_problems},
                         index=pd.Index([f"{benchmark} pass@{k}" for k in ks]))
    tasks = _tasks(specs, response="P")
    tasks["benchmark"] = benchmark
    return Ladder(f"pythia_{benchmark}", runs.reset_index(drop=True), tasks,
                  source=f"Schaeffer et al. 2025: Pythia checkpoints (9 sizes x 9 token budgets), {benchmark} "
                  f"pass@k over {n_problems} problems")


_BUILDERS = {
    **{f"krajewski_dclm_tpr{t:g}": (lambda t=t: _krajewski("dclm", t)) for t in (10, 20, 40, 80, 160)},
    "krajewski_c4_tpr20": lambda: _krajewski("c4", 20),
    "olmo": _olmo,
    **{f"gadre_{c}": (lambda c=c: _gadre(c)) for c in ("c4", "redpajama", "refinedweb")},
    **{f"pythia_{b}": (lambda b=b: _pythia(b)) for b in ("gsm8k", "math")},
}
#: The book's ladders, by name.
LADDER_NAMES = tuple(_BUILDERS)


def ladders(names=None) -> dict[str, Ladder]:
    """The book's ladders (:data:`LADDER_NAMES`, or the ones named), each schema-validated: Krajewski et al.'s
    DCLM ladder at each TPR and the C4 ladder at TPR 20; the OLMo ladder (targets 7B and 13B, seed re-runs);
    Gadre et al.'s three corpora; Schaeffer et al.'s Pythia pass@k on GSM8K and MATH (k in :data:`PYTHIA_KS`; the
    Pythia data need the ``parquet`` extra)."""
    names = LADDER_NAMES if names is None else ((names,) if isinstance(names, str) else tuple(names))
    unknown = [n for n in names if n not in _BUILDERS]
    if unknown:
        raise ValueError(f"unknown ladder(s) {unknown}; known: {', '.join(LADDER_NAMES)}")
    return {n: _BUILDERS[n]() for n in names}


def applicable(ladder: Ladder, task: str, methods=None) -> list[str]:
    """The methods (route names) that can be fitted on ``task`` of ``ladder``: the route's variables exist (N and
    D known and not collinear; the validation loss for a ``validation`` route, the task's own loss for a ``task``
    route) and its response is the task's (``P`` routes only for pass@k; every ``Q`` route fits pass@k as an
    accuracy with chance 0). ``methods``: route names, ``None`` (every registered route but :data:`EXCLUDED` and
    :data:`SLOW`) or ``"all"`` (every registered route but :data:`EXCLUDED`)."""
    if methods is None or (isinstance(methods, str) and methods == "all"):
        skip = EXCLUDED if methods == "all" else EXCLUDED + SLOW
        names = [n for n in ROUTES if n not in skip]
    else:
        names = [methods] if isinstance(methods, str) else list(methods)
    t = ladder.tasks.loc[task]
    out = []
    for name in names:
        r = route(name)
        if r.response == "P" and t["response"] != "P":
            continue
        if {"N", "D"} & set(r.variables) and not ladder.has_N_D:
            continue
        if "k" in r.variables:
            continue
        if r.proxy == "validation" and ladder.proxy is None:
            continue
        if r.proxy == "task" and not t["task_loss"]:
            continue
        out.append(name)
    return out


def _cutoffs(C_fit: np.ndarray, C_all: np.ndarray, min_points: int, cutoffs) -> np.ndarray:
    """The cutoffs of one series: ladder computes with at least ``min_points`` fitted runs at or below them and a
    run above them; ``"all"`` of them, ``n`` of them spread evenly in log C (the largest always), or explicit values
    snapped down to a ladder compute."""
    values = np.unique(C_fit)
    counts = np.searchsorted(np.sort(C_fit), values, side="right")
    ok = values[(counts >= min_points) & (values < np.max(C_all))]
    if ok.size == 0 or (isinstance(cutoffs, str) and cutoffs == "all"):
        return ok
    if np.isscalar(cutoffs) and float(cutoffs).is_integer():
        n = int(cutoffs)
        if n < 1:
            raise ValueError(f"cutoffs must be >= 1, got {n}")
        if n >= ok.size:
            return ok
        grid = np.linspace(np.log10(ok[0]), np.log10(ok[-1]), n)
        return np.unique([ok[np.argmin(np.abs(np.log10(ok) - g))] for g in grid])
    want = np.asarray(cutoffs, float)
    idx = np.searchsorted(ok, want * (1 + 1e-12), side="right") - 1
    return np.unique(ok[idx[idx >= 0]])


def _fit(ladder: Ladder, task: str, name: str, fitted: pd.DataFrame):
    r, t = route(name), ladder.tasks.loc[task]
    data = {v: fitted[v].to_numpy(float) for v in r.predict_variables}
    data[r.response] = fitted["y"].to_numpy(float)
    if r.proxy:
        data["L"] = fitted["L_val" if r.proxy == "validation" else "L_task"].to_numpy(float)
    # chance normalises the laws in accuracy; the chained routes fit raw accuracy (as compare_routes does)
    return r.fit(chance=0.0 if r.proxy else float(t["chance"]), **data)


def _scores(res, held: pd.DataFrame, variables: tuple, n_items: float) -> pd.DataFrame:
    at = {v: held[v].to_numpy(float) for v in variables}
    obs = held["y"].to_numpy(float)
    pts = heldout.evaluate(res, obs, n_items=n_items, level=0.9, interval="delta", **at)
    gp = res.get_prediction(**at)
    for level in LEVELS:
        lo, hi = gp.conf_int(level, obs=True)
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        pts[f"covered_{round(level * 100)}"] = np.where(np.isfinite(lo) & np.isfinite(hi),
                                                        (obs >= lo) & (obs <= hi), np.nan)
    pts["interval_score_90"] = interval_score(pts["lower"], pts["upper"], obs, 0.9)
    return pts.drop(columns=[v for v in variables if v != "C"])


def _run_task(unit) -> tuple[list, dict]:
    """One ladder x task of :func:`run`: its rows (one frame per cutoff x method) and seconds per method."""
    lad, task, methods, cutoffs, min_points = unit
    frames, timings = [], {}
    t = lad.tasks.loc[task]
    s = lad.series(task)
    s = s[s["role"].isin(("ladder", "target")) & np.isfinite(s["y"])]
    fit_pool = s[s["role"] == "ladder"]
    meths = applicable(lad, task, methods)
    for cut in _cutoffs(fit_pool["C"].to_numpy(), s["C"].to_numpy(), min_points, cutoffs):
        fitted, held = fit_pool[fit_pool["C"] <= cut], s[s["C"] > cut]
        base = pd.DataFrame({"ladder": lad.name, "task": task, "benchmark": t["benchmark"], "metric": t["metric"],
                             "cutoff": float(cut), "run_id": held["run_id"].to_numpy(),
                             "role": held["role"].to_numpy(), "C": held["C"].to_numpy(float)})
        base["distance"] = np.log10(base["C"] / float(cut))
        for name in meths:
            r = route(name)
            start = time.perf_counter()
            need = [c for c in ({"validation": ["L_val"], "task": ["L_task"]}.get(r.proxy, [])
                                + list(r.predict_variables)) if c in fitted]
            f = fitted.dropna(subset=need)
            try:
                res = _fit(lad, task, name, f)
                if res.status == FitStatus.FAILED:
                    raise RuntimeError(res.reason or "the fit failed")
                pts = _scores(res, held, r.predict_variables, float(t["n_items"]))
                row = base.assign(method=name, n_fit=res.n_points, status=str(res.status), reason=res.reason)
                row = pd.concat([row.reset_index(drop=True),
                                 pts.drop(columns=["C"], errors="ignore").reset_index(drop=True)], axis=1)
            except (ValueError, RuntimeError, ArithmeticError, np.linalg.LinAlgError) as exc:
                row = base.assign(method=name, n_fit=len(f), status="failed", reason=str(exc))
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
            frames.append(row)
    return frames, timings


def run(ladders, methods=None, cutoffs=4, *, tasks=None, min_points: int = 5, timings: dict | None = None,
        n_jobs: int = 1) -> pd.DataFrame:
    """Rolling-origin backtest of every applicable method on every ladder x task.

    Parameters
    ----------
    ladders : Ladder, list of Ladder or dict of Ladder
    methods : list of str or "all", optional
        Route names; each is used where :func:`applicable` says it fits. Default: every registered route but
        :data:`EXCLUDED` and :data:`SLOW` (``"all"`` adds BNSL, about 5 s per fit).
    cutoffs : int, "all" or array_like
        The fitted range's upper ends: ``"all"`` -- every ladder compute that leaves at
        least ``min_points`` fitted runs and a run above it; an integer ``n`` -- ``n`` of those spread evenly in
        log C (default 4, which keeps a run over every ladder to minutes); explicit FLOPs, snapped down.
    tasks : dict or list, optional
        Tasks per ladder (``{ladder name: [task, ...]}``) or one list for every ladder; default all.
    min_points : int
        Fewest ladder runs with a score at or below a cutoff (a route with more parameters than that allows fails,
        and is recorded as failing).
    timings : dict, optional
        Filled with the seconds each method spent fitting and scoring (summed over workers).
    n_jobs : int
        Worker processes, one ladder x task per job (the table does not depend on it).

    Returns
    -------
    DataFrame
        :data:`TABLE_COLUMNS`: one row per ladder x task x method x cutoff x predicted run (every run, ladder or
        target, above the cutoff), with :func:`scalinglaws.heldout.evaluate`'s scores (``lower``, ``upper``,
        ``covered``: the 90% interval), coverage at each of :data:`LEVELS` and the 90% interval score. ``status``
        is the fit's (:class:`~scalinglaws.FitStatus`) or ``failed``, with ``reason``; a failed fit's rows keep
        the runs and distances with NaN scores.
    """
    if isinstance(ladders, Ladder):
        ladders = [ladders]
    elif isinstance(ladders, dict):
        ladders = list(ladders.values())
    if methods is not None and not (isinstance(methods, str) and methods == "all"):
        for m in ([methods] if isinstance(methods, str) else methods):
            route(m)  # a wrong name is named
    timings = {} if timings is None else timings
    units = []
    for lad in ladders:
        names = (tasks.get(lad.name, list(lad.tasks.index)) if isinstance(tasks, dict)
                 else list(lad.tasks.index) if tasks is None else [t for t in tasks if t in lad.tasks.index])
        units += [(lad, task, methods, cutoffs, min_points) for task in names]
    if int(n_jobs) < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    if int(n_jobs) == 1 or len(units) < 2:
        done = [_run_task(u) for u in units]
    else:  # one ladder x task per job; the table does not depend on n_jobs (each fit is its own computation)
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        with ProcessPoolExecutor(min(int(n_jobs), len(units)), mp_context=ctx) as pool:
            done = list(pool.map(_run_task, units))
    frames = []
    for f, tm in done:
        frames += f
        for name, sec in tm.items():
            timings[name] = timings.get(name, 0.0) + sec
    if not frames:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    out = pd.concat(frames, ignore_index=True).reindex(columns=list(TABLE_COLUMNS))
    out["distance_bin"] = distance_bin(out["distance"])
    out["n_fit"] = out["n_fit"].astype(int)
    return out


def summarise(table: pd.DataFrame, by=("ladder", "method", "distance_bin")) -> pd.DataFrame:
    """:func:`scalinglaws.heldout.summarise` of :func:`run`'s successful rows per group of ``by`` (``coverage``
    and ``interval_score`` at 90%), with ``coverage_50``, ``coverage_80``, ``coverage_95`` (NaN when some row has
    no interval), ``interval_share`` (the share of rows that have one), ``median_rel_error``, ``n_failed`` (rows of
    failed fits) and ``failure_share``. Empty groups
    (e.g. a distance bin a ladder does not reach) are left out."""
    by = [by] if isinstance(by, str) else list(by)
    rows = {}
    for key, g in table.groupby(by, sort=True, observed=True):
        ok = g[g["status"] != "failed"]
        s = heldout.summarise(ok, level=0.9) if len(ok) else dict.fromkeys(heldout.SUMMARY_COLUMNS, np.nan)
        for level in (50, 80, 95):
            c = ok[f"covered_{level}"].to_numpy(float)
            s[f"coverage_{level}"] = float(np.mean(c)) if c.size and np.all(np.isfinite(c)) else np.nan
        s["interval_share"] = float(np.isfinite(ok["covered"].to_numpy(float)).mean()) if len(ok) else np.nan
        rel = ok["rel_error"].to_numpy(float)
        s["median_rel_error"] = float(np.nanmedian(rel)) if np.isfinite(rel).any() else np.nan
        s["n_heldout"] = len(ok)
        s["n_failed"] = int((g["status"] == "failed").sum())
        s["failure_share"] = s["n_failed"] / len(g)
        rows[key if isinstance(key, tuple) else (key,)] = s
    out = pd.DataFrame.from_dict(rows, orient="index")
    if len(out):
        out.index = pd.MultiIndex.from_tuples(out.index, names=by) if len(by) > 1 else pd.Index(
            [k[0] for k in out.index], name=by[0])
    return out
