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

Speed: the shipped table (every ladder, every applicable method including BNSL, 4 cutoffs: 8,608 fits) took 955 s
on two cores (``python -m scalinglaws.benchmark --write --jobs 2``, 2026-12-06, with other work on the machine);
BNSL was 1,315 of its CPU seconds (about 1.5 s per fit), the logistic two-stage route 196, the sigmoid 156, the
rest under 120 each (``seconds_per_method`` in the provenance). ``benchmarks/bench_benchmark.py`` times it per
ladder. A chapter reads the shipped table (:func:`load_results`) and recomputes only a stated subset.

Observational scaling (Ruan et al. 2024): each public model family with at least 6 models of known FLOPs is a
ladder (:data:`OBSSCALING_FAMILIES`), fitted from 4 models up.
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
           "EXCLUDED", "SLOW", "distance_bin", "TABLE_COLUMNS", "BASELINES", "TWO_STAGE", "leaderboard",
           "VerdictRule", "VERDICTS", "task_verdicts", "direct_vs_two_stage", "corpus_ranking", "ranking_accuracy",
           "distance_curve",
           "RESULTS_PATH", "RESULTS_PLAN", "user_ladder", "pick", "OBSSCALING_FAMILIES", "compute_results",
           "write_results", "load_results"]

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
    min_points : int or None
        The fewest fitted runs a rolling-origin cutoff leaves on this ladder, when it must differ from
        :func:`run`'s ``min_points`` (a short public model family).
    """

    name: str
    runs: pd.DataFrame = field(repr=False)
    tasks: pd.DataFrame = field(repr=False)
    proxy: tuple | None = None
    source: str = ""
    min_points: int | None = None

    def __post_init__(self):
        validate_runs(self.runs, self.name)
        if "role" not in self.runs or not self.runs["role"].isin(ROLES).all():
            raise ValueError(f"{self.name}: every run needs a role in {ROLES}")
        missing = [c for c in _TASK_COLUMNS if c not in self.tasks.columns]
        if missing:
            raise ValueError(f"{self.name}: the task table lacks {missing}")
        if not self.tasks["response"].isin(("Q", "P")).all():
            raise ValueError(f"{self.name}: a task's response is 'Q' (accuracy) or 'P' (pass@k)")
        n_items = self.tasks["n_items"].astype(float)
        if not ((n_items.isna() | (n_items > 0)).all()
                and self.tasks["chance"].between(0, 1, inclusive="left").all()):
            raise ValueError(f"{self.name}: every task needs n_items > 0 (or unknown: NaN) and a chance level in "
                             "[0, 1)")
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
        """N and D known for every ladder run, with at least two token ratios D/N and at least two token counts D
        a tenth of a decade apart (else N and D are collinear, or D is constant, and a law in both is not
        identified: e.g. a public model family trained on one data set at every size)."""
        r = self.run_table[self.run_table["role"] == "ladder"]
        if not (np.isfinite(r["N"]).all() and np.isfinite(r["D"]).all()):
            return False
        tpr = r["TPR"].where(np.isfinite(r["TPR"]), r["D"] / r["N"])
        # a tenth of a decade: a ladder at one nominal TPR whose true parameter counts wobble is still one TPR
        distinct = lambda v: np.unique(np.round(np.log10(np.asarray(v, float)), 1)).size  # noqa: E731
        return distinct(tpr) >= 2 and distinct(r["D"]) >= 2

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
                        "n_items": specs["n_items"].to_numpy(float), "response": response}, index=specs.index)
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


#: Observational-scaling families long enough for a rolling origin (at least 6 models with known FLOPs), and the
#: fewest fitted models at a cutoff on them (4: the default 5 would leave one or two cutoffs).
OBSSCALING_FAMILIES = {"opt": "OPT", "pythia": "Pythia", "qwen1.5": "Qwen1.5", "cerebras_gpt": "Cerebras-GPT"}
_OBSSCALING_MIN_POINTS = 4


def _obsscaling(key: str) -> Ladder:
    from .datasets import load_obsscaling, obsscaling_benchmarks

    runs = load_obsscaling()
    runs = runs[runs["family"] == OBSSCALING_FAMILIES[key]].assign(role="ladder")
    specs = obsscaling_benchmarks()
    specs = specs[specs.index.isin(runs["benchmark"])]
    return Ladder(f"obsscaling_{key}", runs.reset_index(drop=True), _tasks(specs), source=(
        f"Ruan et al. 2024: the public {OBSSCALING_FAMILIES[key]} models (size, tokens and FLOPs as reported; no "
        "losses)"), min_points=_OBSSCALING_MIN_POINTS)


_BUILDERS = {
    **{f"krajewski_dclm_tpr{t:g}": (lambda t=t: _krajewski("dclm", t)) for t in (10, 20, 40, 80, 160)},
    "krajewski_c4_tpr20": lambda: _krajewski("c4", 20),
    "olmo": _olmo,
    **{f"gadre_{c}": (lambda c=c: _gadre(c)) for c in ("c4", "redpajama", "refinedweb")},
    **{f"pythia_{b}": (lambda b=b: _pythia(b)) for b in ("gsm8k", "math")},
    **{f"obsscaling_{k}": (lambda k=k: _obsscaling(k)) for k in OBSSCALING_FAMILIES},
}
#: The book's ladders, by name.
LADDER_NAMES = tuple(_BUILDERS)


def ladders(names=None) -> dict[str, Ladder]:
    """The book's ladders (:data:`LADDER_NAMES`, or the ones named), each schema-validated: Krajewski et al.'s
    DCLM ladder at each TPR and the C4 ladder at TPR 20; the OLMo ladder (targets 7B and 13B, seed re-runs);
    Gadre et al.'s three corpora; Schaeffer et al.'s Pythia pass@k on GSM8K and MATH (k in :data:`PYTHIA_KS`; the
    Pythia data need the ``parquet`` extra); the observational-scaling families (:data:`OBSSCALING_FAMILIES`)."""
    names = LADDER_NAMES if names is None else ((names,) if isinstance(names, str) else tuple(names))
    unknown = [n for n in names if n not in _BUILDERS]
    if unknown:
        raise ValueError(f"unknown ladder(s) {unknown}; known: {', '.join(LADDER_NAMES)}")
    return {n: _BUILDERS[n]() for n in names}


def user_ladder(frame: pd.DataFrame, tasks, *, C: str = "C", N: str | None = None, D: str | None = None,
                loss: str | None = None, chance=0.0, n_items=None, response: str = "Q", min_points: int = 5,
                name: str = "yours") -> Ladder:
    """A ladder from a user's own table: one row per run, a compute column, one column per task (its score), and
    optionally parameters ``N`` and tokens ``D`` and a validation ``loss`` column (the two-stage routes' proxy).

    ``chance`` and ``n_items`` are one value for every task or a dict by task column (``n_items`` unknown: no
    binomial standard errors, so no error in SEs and no verdict). ``response`` is ``"Q"`` (accuracy) or ``"P"``
    (pass@k). Raises ValueError naming the problem: a missing column, a non-numeric or non-positive compute, fewer
    than ``min_points + 1`` runs with a score (the rolling origin needs ``min_points`` fitted runs and one to
    predict), or a task whose score takes a single value (nothing scales: no method can be told from another)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("user_ladder takes a DataFrame, one row per run")
    tasks = [tasks] if isinstance(tasks, str) else list(tasks)
    if not tasks:
        raise ValueError("user_ladder: name at least one task column")
    named = {"C": C, "N": N, "D": D, "loss": loss, **{f"task {t!r}": t for t in tasks}}
    missing = [f"{what} ({col!r})" for what, col in named.items() if col is not None and col not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}; the table has "
                         f"{', '.join(map(str, frame.columns))}")
    if response not in ("Q", "P"):
        raise ValueError(f"response must be 'Q' or 'P', got {response!r}")

    def numeric(col):
        v = pd.to_numeric(frame[col], errors="coerce")
        bad = frame[col][v.isna() & frame[col].notna()]
        if len(bad):
            raise ValueError(f"{name}: column {col!r} has a non-numeric value {bad.iloc[0]!r}")
        return v.to_numpy(float)

    c = numeric(C)
    if not np.all(np.isfinite(c) & (c > 0)):
        raise ValueError(f"{name}: compute column {C!r} must be finite and > 0 on every run")
    base = pd.DataFrame({"run_id": [f"run{i:03d}" for i in range(len(frame))], "C": c, "role": "ladder"})
    for var, col in (("N", N), ("D", D)):
        if col is not None:
            base[var] = numeric(col)
    if N is not None and D is not None:
        base["TPR"] = base["D"] / base["N"]
    rows = []
    for t in tasks:
        y = numeric(t)
        ok = np.isfinite(y)
        if np.unique(c[ok]).size < min_points + 1:
            raise ValueError(f"{name}: task {t!r} has a score on {np.unique(c[ok]).size} distinct compute(s); the "
                             f"backtest needs at least {min_points + 1} ({min_points} fitted and one predicted)")
        if np.unique(y[ok]).size < 2:
            raise ValueError(f"{name}: task {t!r} takes a single value ({y[ok][0]:g}) on every run: nothing "
                             "scales, so no method can be told from another")
        rows.append(base[ok].assign(benchmark=t, metric="score", value=y[ok]))
    if loss is not None:
        v = numeric(loss)
        rows.append(base[np.isfinite(v)].assign(benchmark="validation", metric="loss", value=v[np.isfinite(v)]))
    per = lambda v, t: v.get(t) if isinstance(v, dict) else v  # noqa: E731
    spec = pd.DataFrame({"benchmark": tasks, "metric": "score",
                         "chance": [float(per(chance, t) or 0.0) for t in tasks],
                         "n_items": [float(per(n_items, t)) if per(n_items, t) is not None else np.nan for t in tasks],
                         "response": response, "task_loss": "", "task_loss_sign": 1.0},
                        index=pd.Index(tasks, name="task"))
    return Ladder(name, pd.concat(rows, ignore_index=True), spec,
                  proxy=("validation", "loss") if loss is not None else None, source="a user's table")


def pick(table: pd.DataFrame, *, score: str = "median_abs_error", max_failure_share: float = 0.1) -> pd.DataFrame:
    """The method to forecast with, per ladder x task of a :func:`run` table, with the evidence: methods are ranked by
    ``score`` at the farthest distance bin the task's backtest reaches (a forecast is made beyond the ladder), ties
    and the rest broken by the pooled score over all bins; a method that failed on more than
    ``max_failure_share`` of its rows is not picked. Columns: ``method``, ``distance_bin`` (where it was judged),
    ``score``, ``pooled`` (its score over all bins), ``coverage`` (90%, at that bin), ``n_heldout``,
    ``runner_up``, ``runner_up_score``, ``beats_baselines`` (its score below every naive baseline's there)."""
    rows = {}
    for task, g in table.groupby(["ladder", "task"], sort=True):
        ok = g[g["status"] != "failed"]
        if ok.empty:
            rows[task] = {"method": "", "distance_bin": "", "score": np.nan}
            continue
        far = ok["distance_bin"].dropna().max()
        at = summarise(g[g["distance_bin"] == far], by="method")
        pooled = summarise(g, by="method")[score]
        at = _eligible(at, max_failure_share)
        at = at[np.isfinite(at[score])]
        if at.empty:
            rows[task] = {"method": "", "distance_bin": str(far), "score": np.nan}
            continue
        at = at.assign(pooled=pooled.reindex(at.index)).sort_values([score, "pooled"], kind="stable")
        best = at.iloc[0]
        base = at[at.index.isin(BASELINES)][score]
        rows[task] = {"method": best.name, "distance_bin": str(far), "score": best[score], "pooled": best["pooled"],
                      "coverage": best["coverage"], "n_heldout": int(best["n_heldout"]),
                      "runner_up": at.index[1] if len(at) > 1 else "",
                      "runner_up_score": at[score].iloc[1] if len(at) > 1 else np.nan,
                      "beats_baselines": bool(len(base) and best[score] < base.min()) and best.name not in BASELINES}
    out = pd.DataFrame.from_dict(rows, orient="index")
    if len(out):
        out.index = pd.MultiIndex.from_tuples(out.index, names=["ladder", "task"])
    return out


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


def _scores(res, held: pd.DataFrame, variables: tuple, n_items: float | None) -> pd.DataFrame:
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
    min_points = lad.min_points or min_points
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
                n_items = float(t["n_items"])
                pts = _scores(res, held, r.predict_variables, n_items if np.isfinite(n_items) else None)
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
    return _bins_in_order(out)


def _bins_in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``distance_bin`` index level sorted nearest first (not alphabetically), others kept."""
    if "distance_bin" not in (frame.index.names or []) or frame.empty:
        return frame
    names = list(frame.index.names)
    keys = frame.index.to_frame(index=False)
    keys["distance_bin"] = pd.Categorical(keys["distance_bin"].astype(str), categories=list(DISTANCE_BINS),
                                          ordered=True)
    order = keys.sort_values(names, kind="stable").index
    return frame.iloc[order]


# --------------------------------------------------------------------------------------------------------------
# What the table says: a leaderboard, a verdict per task, direct vs two-stage, decisions, distance
# --------------------------------------------------------------------------------------------------------------

#: The naive baselines a forecaster must beat (registered routes).
BASELINES = ("carry_forward", "linear_log_compute")
#: The two-stage routes (compute -> validation loss -> score) that Krajewski et al. compare the direct law with.
TWO_STAGE = ("two_stage_linear", "two_stage_logistic")


def _eligible(s: pd.DataFrame, max_failure_share: float) -> pd.DataFrame:
    return s[(s["failure_share"] <= max_failure_share) & (s["n_heldout"] > 0)]


def leaderboard(table: pd.DataFrame, by=("ladder", "distance_bin"), *, score: str = "median_abs_error",
                max_failure_share: float = 0.1) -> pd.DataFrame:
    """The best method per group of ``by`` (default ladder x distance bin) by ``score`` (a column of
    :func:`summarise`, lower is better; default the median absolute error in points of score), against the best of
    the naive :data:`BASELINES`.

    A method is eligible in a group when it failed on at most ``max_failure_share`` of its rows there (a method that
    fails where it is hard would otherwise be scored on the easy cases only). Columns: ``best``, its ``score``,
    ``coverage`` (90%) and ``interval_score``; ``baseline`` (the better baseline) and ``baseline_score``;
    ``ratio`` = score / baseline_score (below 1: the best method beats the naive forecast); ``runner_up`` and its
    score; ``n_methods`` (eligible) and ``n_heldout`` (the best method's predictions)."""
    by = [by] if isinstance(by, str) else list(by)
    s = summarise(table, by=[*by, "method"])
    if s.empty:
        return pd.DataFrame()
    rows = {}
    for key, g in s.groupby(level=list(range(len(by))), sort=True, observed=True):
        g = _eligible(g.droplevel(list(range(len(by)))), max_failure_share).sort_values(score, kind="stable")
        g = g[np.isfinite(g[score])]
        if g.empty:
            continue
        best, base = g.iloc[0], g[g.index.isin(BASELINES)]
        rows[key if isinstance(key, tuple) else (key,)] = {
            "best": best.name, "score": best[score], "coverage": best["coverage"],
            "interval_score": best["interval_score"],
            "baseline": base.index[0] if len(base) else "",
            "baseline_score": base[score].iloc[0] if len(base) else np.nan,
            "runner_up": g.index[1] if len(g) > 1 else "",
            "runner_up_score": g[score].iloc[1] if len(g) > 1 else np.nan,
            "n_methods": len(g), "n_heldout": int(best["n_heldout"])}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["ratio"] = out["score"] / out["baseline_score"]
    out.index = pd.MultiIndex.from_tuples(out.index, names=by) if len(by) > 1 else pd.Index(
        [k[0] for k in out.index], name=by[0])
    return _bins_in_order(out)


@dataclass(frozen=True)
class VerdictRule:
    """When a task is predictable, stated before looking at the results (:func:`task_verdicts`).

    At ``distance_bin`` (default 0.5-1 decade of compute beyond the largest fitted run), each method that failed on
    at most ``max_failure_share`` of the task's rows there and has an interval earns a verdict, and the task gets
    the best verdict any method earns (shown with the most accurate method earning it). A method makes the task

    * **predictable** when its median absolute error is at most ``max_error_se`` binomial SEs of the target's score
      (the benchmark's own sampling noise), its 90% intervals cover at least ``min_coverage`` of the held-out runs,
      and its median 90% interval is at most ``max_width_ratio`` times as wide as the noise alone would make it
      (2 x 1.645 binomial SEs);
    * **predictable with wide intervals** when the error and coverage criteria hold but the width criterion fails;
    * **not predictable** otherwise (the best forecast misses by more than the noise, or its intervals do not hold).

    A task with no held-out run in the bin is *not assessed*. The method is chosen in hindsight on the rows it is
    judged on, so the share of predictable tasks is an upper bound for any one method chosen in advance
    (``task_verdicts(..., methods=[...])`` judges methods fixed in advance).
    """

    distance_bin: str = "0.5-1"
    max_error_se: float = 2.0
    min_coverage: float = 0.8
    max_width_ratio: float = 4.0
    max_failure_share: float = 0.1

    def __post_init__(self):
        if self.distance_bin not in DISTANCE_BINS:
            raise ValueError(f"distance_bin must be one of {DISTANCE_BINS}, got {self.distance_bin!r}")
        if not (self.max_error_se > 0 and 0 < self.min_coverage <= 1 and self.max_width_ratio > 0):
            raise ValueError("need max_error_se > 0, 0 < min_coverage <= 1 and max_width_ratio > 0")


#: The verdicts of :func:`task_verdicts`, in order.
VERDICTS = ("predictable", "predictable with wide intervals", "not predictable", "not assessed")


def task_verdicts(table: pd.DataFrame, rule: VerdictRule = VerdictRule(), *, methods=None,
                  ladders=None) -> pd.DataFrame:
    """One verdict per ladder x task by ``rule`` (:class:`VerdictRule`), from :func:`run`'s table.

    ``methods`` restricts the candidates (e.g. ``["direct"]`` for one method chosen in advance). Columns: ``best``
    (the method judged), ``error_se`` (its median absolute error over the binomial SE), ``coverage`` (90%),
    ``width_ratio`` (median 90% interval width over 2 x 1.645 binomial SEs), ``median_abs_error``, ``n_heldout``,
    ``verdict`` (:data:`VERDICTS`) and ``moves`` (whether the task's score changes along the ladder: its
    least-squares trend in log C spans more than 2 binomial SEs -- over every run of the ladder when ``ladders``
    (name -> :class:`Ladder`) is given, else over the predicted runs in the table; a task that stays at chance is easy
    to forecast and says nothing about scaling)."""
    t = table[table["status"] != "failed"].copy()
    t["width_ratio"] = (t["upper"] - t["lower"]) / (2 * 1.645 * t["binomial_se"])
    key = ["ladder", "task"]
    rows = []
    for (ladder, task), g in table.groupby(key, sort=True, observed=True):
        lad = (ladders or {}).get(ladder)
        moves = _moves_on_ladder(lad, task) if lad is not None else _moves(g)
        b = t[(t["ladder"] == ladder) & (t["task"] == task) & (t["distance_bin"] == rule.distance_bin)]
        fails = g[g["distance_bin"] == rule.distance_bin].groupby("method")["status"].apply(
            lambda s: float((s == "failed").mean()))
        cand = []
        for m, h in b.groupby("method"):
            if (methods is not None and m not in methods) or fails.get(m, 1.0) > rule.max_failure_share:
                continue
            cov = h["covered"].to_numpy(float)
            if not np.all(np.isfinite(cov)):
                continue  # no interval: cannot be judged on coverage (carry_forward)
            cand.append({"best": m, "error_se": float(np.median(h["error_over_se"])), "coverage": float(cov.mean()),
                         "width_ratio": float(np.median(h["width_ratio"])),
                         "median_abs_error": float(np.median(h["abs_error"])), "n_heldout": len(h)})
        row = {"ladder": ladder, "task": task, "moves": moves}
        if not cand:
            rows.append({**row, "best": "", "verdict": "not assessed"})
            continue
        for c in cand:
            holds = c["error_se"] <= rule.max_error_se and c["coverage"] >= rule.min_coverage
            c["verdict"] = ("not predictable" if not holds else "predictable"
                            if c["width_ratio"] <= rule.max_width_ratio else "predictable with wide intervals")
        # the task's verdict is the best any method earns; the method shown is the most accurate one earning it
        c = min(cand, key=lambda r: (VERDICTS.index(r["verdict"]), r["error_se"], r["best"]))
        rows.append({**row, **c})
    out = pd.DataFrame(rows)
    cols = ["ladder", "task", "best", "error_se", "coverage", "width_ratio", "median_abs_error", "n_heldout",
            "moves", "verdict"]
    return out.reindex(columns=cols).set_index(["ladder", "task"])


def _moves_on_ladder(lad: Ladder, task: str) -> bool:
    """:func:`_moves` over every run of the ladder (fitted ones included) with a score."""
    s = lad.series(task)
    s = s[s["role"].isin(("ladder", "target")) & np.isfinite(s["y"])]
    n = float(lad.tasks.loc[task, "n_items"])
    if not np.isfinite(n) or s.empty:
        return False
    se = heldout.binomial_se(np.clip(s["y"].to_numpy(float), 1e-9, 1 - 1e-9), np.full(len(s), n))
    return _moves(pd.DataFrame({"run_id": s["run_id"], "C": s["C"], "observed": s["y"], "binomial_se": se}))


def _moves(g: pd.DataFrame) -> bool:
    """Whether a task's score changes along the ladder: the least-squares line through its observed runs (each
    once) in log10 C rises or falls by more than 2 binomial SEs over their compute range. (The range of the scores
    themselves would not do: the highest and lowest of twenty noisy runs of a flat task are about 4 SEs apart.)"""
    obs = g[np.isfinite(g["observed"].to_numpy(float))].drop_duplicates("run_id")
    if "binomial_se" not in obs:
        return False
    obs = obs[np.isfinite(obs["binomial_se"].to_numpy(float))]  # no item count: no SE to judge the trend by
    if len(obs) < 3:
        return False
    se = float(np.median(obs["binomial_se"]))
    x = np.log10(obs["C"].to_numpy(float))
    if not (np.isfinite(se) and se > 0 and np.ptp(x) > 0):
        return False
    slope = np.polyfit(x, obs["observed"].to_numpy(float), 1)[0]
    return bool(abs(slope) * np.ptp(x) > 2 * se)


def direct_vs_two_stage(table: pd.DataFrame, *, score: str = "median_abs_error") -> pd.DataFrame:
    """Krajewski et al.'s central claim on every ladder with a validation loss: per ladder x distance bin, the
    direct law's ``score`` against the better two-stage route's (:data:`TWO_STAGE`), pooled over tasks; the share
    of tasks on which the direct law's median absolute error is below the better two-stage route's on that task
    (``direct_wins``, over tasks where both were fitted) and a ``verdict``: *direct* when it is lower pooled and on
    most tasks, *two-stage* when the opposite, *mixed* otherwise."""
    t = table[table["method"].isin(("direct", *TWO_STAGE))]
    s = summarise(t, by=["ladder", "distance_bin", "method"])
    per_task = summarise(t, by=["ladder", "distance_bin", "task", "method"])["median_abs_error"].unstack("method")
    rows = {}
    for (ladder, dbin), g in s.groupby(level=[0, 1], sort=True, observed=True):
        g = g.droplevel([0, 1])
        if "direct" not in g.index or not g.index.isin(TWO_STAGE).any():
            continue
        two = g[g.index.isin(TWO_STAGE)][score].idxmin()
        pt = per_task.loc[(ladder, dbin)] if (ladder, dbin) in per_task.index else pd.DataFrame()
        if len(pt):  # per task, against the better two-stage route on that task
            pt = pt.assign(two=pt[[c for c in TWO_STAGE if c in pt]].min(axis=1, skipna=True))
        both = pt.dropna(subset=["direct", "two"]) if len(pt) else pt
        wins = float((both["direct"] < both["two"]).mean()) if len(both) else np.nan
        d, s2 = g.loc["direct", score], g.loc[two, score]
        verdict = ("direct" if d < s2 and wins > 0.5 else "two-stage" if d > s2 and wins < 0.5 else "mixed")
        rows[(ladder, dbin)] = {"direct": d, "two_stage": s2, "two_stage_route": two, "direct_wins": wins,
                                "n_tasks": len(both), "verdict": verdict}
    out = pd.DataFrame.from_dict(rows, orient="index")
    if len(out):
        out.index = pd.MultiIndex.from_tuples(out.index, names=["ladder", "distance_bin"])
    return _bins_in_order(out)


def corpus_ranking(table: pd.DataFrame, ladder_set: dict, *, prefix: str = "gadre_") -> pd.DataFrame:
    """Decisions, not curves: do the small runs rank the corpora (the ladders named ``prefix*``, one per corpus) as
    the targets do?

    For each task and target run (a ``target`` run that every corpus has, matched by its ``label`` and token
    ``multiplier`` where the runs have them), the pairs of
    corpora are ranked by (i) ``raw``: the score of each corpus's largest ladder run -- what one would decide from
    the small models alone -- and (ii) each method's forecast of the target from its fit at the largest cutoff. A
    pair is *right* when it orders the corpora as the targets' observed scores do; pairs whose observed scores tie
    (within 1e-9: the same count of items right) are left out, and a ranking that ties two corpora gets that pair
    wrong. One row per ranking x target label x task: ``pairs``, ``right``."""
    names = sorted(n for n in ladder_set if n.startswith(prefix))
    if len(names) < 2:
        raise ValueError(f"corpus_ranking needs at least two ladders named {prefix}*, got {names}")
    obs, raw, label_of = {}, {}, {}
    for n in names:
        lad = ladder_set[n]
        info = lad.runs.drop_duplicates("run_id").set_index("run_id")
        for task in lad.tasks.index:
            s = lad.series(task)
            lad_runs = s[(s["role"] == "ladder") & np.isfinite(s["y"])]
            if lad_runs.empty:
                continue
            raw[(n, task)] = float(lad_runs.iloc[-1]["y"])
            for _, r in s[s["role"] == "target"].iterrows():
                label = _target_key(info, r["run_id"])
                obs[(n, task, label)] = float(r["y"])
                label_of[r["run_id"]] = label
    t = table[table["ladder"].isin(names) & (table["role"] == "target") & (table["status"] != "failed")]
    t = t[t["cutoff"] == t.groupby(["ladder", "task", "method"])["cutoff"].transform("max")]
    pred = {(r.ladder, r.task, label_of.get(r.run_id, r.run_id), r.method): r.predicted
            for r in t.itertuples()}
    methods = sorted(t["method"].unique())
    rows = []
    tasks = sorted({task for (_, task, _) in obs})
    labels = sorted({lab for (_, _, lab) in obs})
    for task in tasks:
        for label in labels:
            have = [n for n in names if (n, task, label) in obs]
            if len(have) < 2:
                continue
            pairs = [(a, b) for i, a in enumerate(have) for b in have[i + 1:]
                     if _order(obs[(a, task, label)], obs[(b, task, label)]) != 0]
            truth = {p: _order(obs[(p[0], task, label)], obs[(p[1], task, label)]) for p in pairs}
            for ranking in ("raw", *methods):
                score = ({n: raw.get((n, task)) for n in have} if ranking == "raw"
                         else {n: pred.get((n, task, label, ranking)) for n in have})
                # a ranking counts on a task x target only when it scores every corpus (so that every ranking is
                # judged on the same pairs as the raw one)
                ok = pairs if all(score[n] is not None and np.isfinite(score[n]) for n in have) else []
                right = sum(_order(score[a], score[b]) == truth[(a, b)] for a, b in ok)
                rows.append({"ranking": ranking, "target": label, "task": task, "pairs": len(ok),
                             "right": int(right)})
    return pd.DataFrame(rows, columns=["ranking", "target", "task", "pairs", "right"])


def _target_key(info: pd.DataFrame, run_id: str) -> str:
    """A target run's name that is the same in every corpus: its model label and token multiplier where known."""
    if {"label", "multiplier"} <= set(info.columns):
        return f"{info.loc[run_id, 'label']} (M={info.loc[run_id, 'multiplier']:g})"
    return str(info.loc[run_id, "label"]) if "label" in info else run_id


def _order(a: float, b: float, tol: float = 1e-9) -> int:
    """+1, -1 or 0 (a tie: scores within ``tol``, e.g. the same count of items right). A tie must stay a tie when the
    data move by 1e-12, so that no ranking verdict hangs on rounding."""
    d = a - b
    return 0 if abs(d) <= tol * max(1.0, abs(a), abs(b)) else (1 if d > 0 else -1)


def ranking_accuracy(ranking: pd.DataFrame) -> pd.DataFrame:
    """The share of corpus pairs each ranking of :func:`corpus_ranking` orders right, per target and over all
    targets, beside the raw small-model ranking's share **on the same task x target rows** (those the method could
    rank): ``right``, ``pairs``, ``accuracy``, ``raw_accuracy``, ``gain`` = accuracy - raw_accuracy. Indexed by
    ``(ranking, target)``, ``target`` ``"all"`` for the pooled row; the raw ranking itself is left out."""
    raw = ranking[ranking["ranking"] == "raw"].set_index(["target", "task"])
    rows = {}
    for name, g in ranking[(ranking["ranking"] != "raw") & (ranking["pairs"] > 0)].groupby("ranking"):
        for target, h in [*g.groupby("target"), ("all", g)]:
            r = raw.loc[list(zip(h["target"], h["task"]))]
            acc, racc = h["right"].sum() / h["pairs"].sum(), r["right"].sum() / r["pairs"].sum()
            rows[(name, target)] = {"right": int(h["right"].sum()), "pairs": int(h["pairs"].sum()),
                                    "accuracy": acc, "raw_accuracy": racc, "gain": acc - racc}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.MultiIndex.from_tuples(out.index, names=["ranking", "target"])
    return out


def distance_curve(table: pd.DataFrame, *, step: float = 0.25, by=("method",),
                   score: str = "error_over_se") -> pd.DataFrame:
    """How small can the rungs be: the median of ``score`` (default the error in binomial SEs) against the compute
    gap between the largest fitted run and the target, in bins of ``step`` decades, per group of ``by``. Columns:
    ``distance`` (the bin's centre), ``median``, ``q25``, ``q75``, ``n``."""
    t = table[(table["status"] != "failed") & np.isfinite(table[score])].copy()
    edges = np.arange(0.0, float(t["distance"].max()) + step, step)
    t["bin"] = np.clip(np.digitize(t["distance"], edges) - 1, 0, len(edges) - 1)
    by = [by] if isinstance(by, str) else list(by)
    g = t.groupby([*by, "bin"], observed=True)[score]
    out = pd.DataFrame({"median": g.median(), "q25": g.quantile(0.25), "q75": g.quantile(0.75), "n": g.size()})
    out = out.reset_index()
    out["distance"] = edges[out["bin"]] + step / 2
    return out.drop(columns="bin")


# --------------------------------------------------------------------------------------------------------------
# The shipped table: computed once by a documented command, read by the book, checked for drift by the tests
# --------------------------------------------------------------------------------------------------------------

#: Where the benchmark's table ships (beside this module) and its provenance (a JSON file of the same stem).
RESULTS_PATH = __import__("pathlib").Path(__file__).resolve().with_name("benchmark_results.csv.gz")
#: The shipped table's plan: every ladder, every applicable method (BNSL included: ``methods="all"``), 4 cutoffs
#: (955 s on two cores, 2026-12-06; see the module docstring).
RESULTS_PLAN = {"cutoffs": 4, "methods": "all"}


def compute_results(names=None, *, n_jobs: int = 1, timings: dict | None = None) -> pd.DataFrame:
    """The benchmark's table under :data:`RESULTS_PLAN` over :func:`ladders` (all, or the ones named): what
    :func:`write_results` ships and :func:`load_results` reads."""
    table = run(ladders(names), methods=RESULTS_PLAN["methods"], cutoffs=RESULTS_PLAN["cutoffs"], n_jobs=n_jobs,
                timings=timings)
    return table.sort_values(["ladder", "task", "method", "cutoff", "C", "run_id"], kind="stable").reset_index(
        drop=True)


def write_results(path=RESULTS_PATH, *, n_jobs: int = 1, update=None) -> dict:
    """Compute the benchmark's table (:func:`compute_results`) and write it to ``path`` (gzipped CSV, floats at 10
    significant digits) with its provenance beside it (``.json``: commit, date, plan, ladders, rows, seconds,
    sha256 of the table). With ``update`` (ladder names), only those ladders are recomputed and their rows replaced
    in the existing table; the provenance keeps the original computation and lists each update (its ladders,
    commit and date). Returns the provenance. Run as ``python -m scalinglaws.benchmark --write [--update NAME
    ...]``."""
    import datetime
    import gzip
    import hashlib
    import json
    import subprocess
    from pathlib import Path

    path = Path(path)
    start = time.perf_counter()
    try:  # the code that computes the table: read before computing it
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).parent).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "."], capture_output=True, text=True,
                                    cwd=Path(__file__).parent).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", True
    timings: dict = {}
    table = compute_results(update, n_jobs=n_jobs, timings=timings)
    run_info = {"commit": commit, "uncommitted_changes": dirty, "date": datetime.date.today().isoformat(),
                "seconds": round(time.perf_counter() - start, 1),
                "seconds_per_method": {k: round(v, 1) for k, v in sorted(timings.items())}}
    if update:
        old = load_results(path)
        info = dict(old.attrs["provenance"])
        old = old[~old["ladder"].isin(list(update))]
        table = pd.concat([old, table], ignore_index=True).sort_values(
            ["ladder", "task", "method", "cutoff", "C", "run_id"], kind="stable").reset_index(drop=True)
        info["updates"] = [*info.get("updates", []), {"ladders": sorted(update), **run_info}]
    else:
        info = {"command": "python -m scalinglaws.benchmark --write", **run_info,
                "plan": {k: list(v) if isinstance(v, tuple) else v for k, v in RESULTS_PLAN.items()}}
    text = table.reindex(columns=list(_STORED)).to_csv(index=False, float_format="%.10g")
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    info.update({"ladders": sorted(table["ladder"].unique()), "rows": len(table),
                 "sha256": hashlib.sha256(text.encode()).hexdigest()})
    path.with_suffix("").with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def load_results(path=RESULTS_PATH) -> pd.DataFrame:
    """The shipped benchmark table (:func:`write_results`), checked against its provenance's sha256 (a table that
    does not match is refused), with ``distance_bin`` restored as an ordered categorical."""
    import gzip
    import hashlib
    import io
    import json
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no benchmark table; write it with python -m scalinglaws.benchmark --write")
    text = gzip.decompress(path.read_bytes()).decode()
    info = json.loads(path.with_suffix("").with_suffix(".json").read_text())
    if hashlib.sha256(text.encode()).hexdigest() != info["sha256"]:
        raise ValueError(f"{path}: its sha256 does not match its provenance file; regenerate it")
    table = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    table["reason"] = table["reason"].fillna("")
    table = _derived(table).reindex(columns=list(TABLE_COLUMNS))
    table.attrs["provenance"] = info
    return table


#: The columns the shipped table stores; :func:`load_results` derives the others (:func:`_derived`).
_STORED = ("ladder", "task", "benchmark", "metric", "method", "cutoff", "n_fit", "status", "reason", "run_id", "role",
           "C", "observed", "predicted", "binomial_se", "lower", "upper", "covered", "interval", "covered_50",
           "covered_80", "covered_90", "covered_95")


def _derived(table: pd.DataFrame) -> pd.DataFrame:
    """The columns of :func:`run`'s table that follow from the stored ones, computed as :func:`run` computes them:
    distance and its bin, the errors (:func:`scalinglaws.heldout.points_table`) and the 90% interval score."""
    t = table.copy()
    t["distance"] = np.log10(t["C"] / t["cutoff"])
    t["distance_bin"] = distance_bin(t["distance"])
    pred, obs = t["predicted"].to_numpy(float), t["observed"].to_numpy(float)
    t["error"] = pred - obs
    t["abs_error"] = np.abs(pred - obs)
    t["rel_error"] = heldout.relative_error(pred, obs)
    t["error_over_se"] = t["abs_error"] / t["binomial_se"]
    t["interval_score_90"] = interval_score(t["lower"], t["upper"], obs, 0.9)
    return t


def _main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m scalinglaws.benchmark", description="(Re)compute the shipped "
                                 "benchmark table (scalinglaws.benchmark.RESULTS_PATH) and its provenance.")
    ap.add_argument("--write", action="store_true", help="compute and write the table")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (the table does not depend on it)")
    ap.add_argument("--update", nargs="+", metavar="LADDER", help="recompute only these ladders' rows")
    args = ap.parse_args(argv)
    if not args.write:
        ap.print_help()
        return 0
    import json

    from scalinglaws import benchmark  # the module by name, not __main__: worker processes import it by name

    print(json.dumps(benchmark.write_results(n_jobs=args.jobs, update=args.update), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
