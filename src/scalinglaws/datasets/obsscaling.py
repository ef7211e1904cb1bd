"""Ruan et al. (2024), *Observational scaling laws*: public base models (148 models of 47 families) with their size,
training tokens, training FLOPs and scores on eight benchmarks (no losses), as collected by the authors
(``eval_results/base_llm_benchmark_eval.csv``).

A model family trained on one recipe at several sizes is a ladder someone else paid for; most families are short
(26 have at least 3 models, 4 have at least 6 with FLOPs), and sizes within a family may differ in data as well
(Qwen1.5's larger models saw more tokens).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .perturbation import perturb
from .registry import DataIntegrityError, fetch

__all__ = ["obsscaling_benchmarks", "load_obsscaling"]

#: benchmark column -> (our name, chance level, items). Items are the standard evaluation sets' sizes (the
#: Open LLM Leaderboard's: ARC-Challenge test 1,172; HellaSwag validation 10,042; MMLU test 14,042; Winogrande
#: validation 1,267 -- the file's "Winograd" column; TruthfulQA 817; GSM8K test 1,319; HumanEval 164). XWinograd's
#: item count depends on which languages were averaged, which the file does not say: NaN (no binomial SE). Chance:
#: 1/choices; 0 for generative tasks and for TruthfulQA's mc2 score (a probability mass, not a pick among choices).
_BENCHMARKS = {
    "MMLU": ("mmlu", 0.25, 14042), "ARC-C": ("arc_challenge", 0.25, 1172), "HellaSwag": ("hellaswag", 0.25, 10042),
    "Winograd": ("winogrande", 0.5, 1267), "TruthfulQA": ("truthfulqa", 0.0, 817), "GSM8K": ("gsm8k", 0.0, 1319),
    "XWinograd": ("xwinograd", 0.5, np.nan), "HumanEval": ("humaneval", 0.0, 164),
}


def obsscaling_benchmarks() -> pd.DataFrame:
    """The eight benchmarks: ``metric`` (``score``), ``chance`` and ``n_items`` (see the module's table), indexed by
    our benchmark name."""
    return pd.DataFrame([{"benchmark": name, "metric": "score", "chance": q0, "n_items": n, "column": col}
                         for col, (name, q0, n) in _BENCHMARKS.items()]).set_index("benchmark")


def load_obsscaling() -> pd.DataFrame:
    """The models as one tidy table (the format of :func:`load_krajewski`).

    Returns
    -------
    DataFrame
        ``run_id`` (the model's hub name), ``family``, ``N`` (parameters), ``D`` (tokens), ``C`` (the file's
        training FLOPs), ``TPR = D / N``, ``benchmark``, ``metric`` (``score``), ``value``, ``n_items``. Models
        without FLOPs (unreported data size) and missing scores are dropped (the count is in the log).
    """
    raw = pd.read_csv(fetch("obsscaling", "eval_results/base_llm_benchmark_eval.csv"))
    needed = {"Model", "Model Family", "Model Size (B)", "Pretraining Data Size (T)", "FLOPs (1E21)", *_BENCHMARKS}
    missing = needed - set(raw.columns)
    if missing:
        raise DataIntegrityError(f"obsscaling: missing column(s) {sorted(missing)}")
    known = raw["FLOPs (1E21)"].notna() & raw["Pretraining Data Size (T)"].notna()
    base = pd.DataFrame({"run_id": raw["Model"], "family": raw["Model Family"], "N": raw["Model Size (B)"] * 1e9,
                         "D": raw["Pretraining Data Size (T)"] * 1e12, "C": raw["FLOPs (1E21)"] * 1e21})[known]
    base["TPR"] = base["D"] / base["N"]
    rows = []
    for col, (name, _, n) in _BENCHMARKS.items():
        v = raw.loc[known, col]
        rows.append(base.assign(benchmark=name, metric="score", value=v.to_numpy(float), n_items=n)[v.notna()])
    df = pd.concat(rows, ignore_index=True)
    if not np.all((df["value"] >= 0) & (df["value"] <= 1)):
        raise DataIntegrityError("obsscaling: a score outside [0, 1]")
    df["value"] = perturb(df["value"], "obsscaling")
    df["n_items"] = df["n_items"].astype(float)
    return df
