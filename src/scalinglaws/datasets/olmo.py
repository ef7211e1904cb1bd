"""The OLMo ladder (Bhagia et al. 2024): five sizes at five token multipliers, its real 7B and 13B targets, and the
ladder paper's published predictions."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .perturbation import perturb
from .registry import DataIntegrityError, fetch, registered_entry, registry
from .schema import benchmark_table

logger = logging.getLogger("scalinglaws")

__all__ = ['olmo_benchmarks', 'load_olmo_ladder', 'load_olmo_published']


_OLMO_DIR = "src/scripts/paper"
#: Parameters of each ladder size and target, from the ladder's ``configs/final.json`` ("n"). The 3B size is not in
#: any config: its N is derived from its 10 x C run's token budget as D / 200, since D = 20 x multiplier x N holds to
#: 0.1% for the other sizes (and to 0.05% at 10 x C).
_OLMO_N = {"190M": 190354176, "370M": 371262464, "760M": 758220288, "1B": 1279395840, "3B": 3169698447,
           "7B-4T": 6887575552, "13B-5T": 13202396160}
_OLMO_MMLU = {"stem": 3018, "humanities": 4705, "social_sciences": 3077, "other": 3242}  # test items per subject

# The eight tasks of the ladder paper's main figures: which split, the number of items (for binomial error bars),
#: and chance (1 / number of choices). Accuracy is the ranked-classification ("rc", 5-shot) accuracy with length
#: normalisation; bits-per-byte of the correct answer is the ladder paper's intermediate.
_OLMO_ROWS = (
        ("mmlu", "test", "acc", 14042, 0.25),
        ("hellaswag", "val", "acc", 10042, 0.25),
        ("arc_challenge", "test", "acc", 1172, 0.25),
        ("arc_easy", "test", "acc", 2376, 0.25),
        ("piqa", "val", "acc", 1838, 0.5),
        ("csqa", "val", "acc", 1221, 0.2),
        ("socialiqa", "val", "acc", 1954, 1 / 3),
        ("openbookqa", "test", "acc", 500, 0.25),
)


def olmo_benchmarks() -> pd.DataFrame:
    """The OLMo ladder's benchmark table (above), indexed by benchmark: ``split, metric, n_items, chance``; a fresh
    frame on every call (the rows live in a tuple)."""
    return benchmark_table(_OLMO_ROWS, label="split")

_OLMO_FIGURE_TASKS = {"mmlu_avg_test_5shot": "mmlu", "hellaswag_val_5shot": "hellaswag",
                      "arc_challenge_test_5shot": "arc_challenge", "arc_easy_test_5shot": "arc_easy",
                      "piqa_val_5shot": "piqa", "csqa_val_5shot": "csqa", "socialiqa_val_5shot": "socialiqa",
                      "openbookqa_test_5shot": "openbookqa"}


def _olmo_run_files() -> list[tuple[str, str, float, bool, str]]:
    """(run_id, size, multiplier, rerun, path) for every ladder run, plus the two targets (multiplier NaN)."""
    runs = []
    for path in registry()["olmo_ladder"]["files"]:
        name = Path(path).stem
        if "/ladder-runs/" not in path or name.startswith("peteish"):
            continue
        size, rest = name.split("-", 1)
        rerun = rest.endswith("-rerun")
        mult = float(rest.replace("-rerun", "").replace("xC", ""))
        runs.append((f"olmo/{name}", size, mult, rerun, path))
    runs.sort(key=lambda r: (r[3], list(_OLMO_N).index(r[1]), r[2]))
    runs.append(("olmo/7B-4T", "7B-4T", np.nan, False, f"{_OLMO_DIR}/data/ladder-runs/peteish7_eval_anneal.csv"))
    runs.append(("olmo/13B-5T", "13B-5T", np.nan, False, f"{_OLMO_DIR}/data/ladder-runs/peteish13_eval_final.csv"))
    return runs


def load_olmo_ladder(*, last_n: int = 5, reruns: bool = False) -> pd.DataFrame:
    """The OLMo model ladder and its two real targets as one tidy table (the format of :func:`load_krajewski`).

    Ladder: sizes 190M, 370M, 760M, 1B (1.3B) and 3B, each trained to 0.5, 1, 2, 5 and 10 x Chinchilla (20 tokens per
    parameter); targets: OLMo-2 7B after 4T tokens (annealed) and 13B after 5T tokens.

    Parameters
    ----------
    last_n : int
        Each value is the mean over a run's last ``last_n`` evaluations (default 5). The ladder paper's published
        "Actual" values for the 13B target are exactly this mean, so ``last_n=5`` makes our targets identical to its
        targets; intermediate checkpoints are otherwise never used (they are not annealed).
    reruns : bool
        Include the seed re-runs of the 1 x C runs (``-rerun`` files) as extra runs.

    Returns
    -------
    DataFrame
        ``run_id, mixture ("olmo"), label (size), multiplier, role ("ladder" | "target"), N, D, C = 6ND, TPR, benchmark,
        metric, value, n_items``. Task rows have metric ``acc`` (ranked classification, 5-shot, length-normalised)
        and ``bpb`` (bits per byte of the correct answer); MMLU is the item-weighted mean of its four test subjects.
        Validation losses appear as benchmark ``<set>`` with metric ``loss`` (e.g. ``c4_en``, ``pile``).
    """
    if int(last_n) < 1:
        raise ValueError(f"last_n must be >= 1, got {last_n}")
    rows = []
    for run_id, size, mult, rerun, path in _olmo_run_files():
        if rerun and not reruns:
            continue
        raw = pd.read_csv(fetch("olmo_ladder", path))
        if raw.empty:
            raise DataIntegrityError(f"olmo {run_id}: no evaluation rows")
        tail = raw.tail(int(last_n))
        last = raw.iloc[-1]
        if "throughput/total_tokens" in raw:
            D = float(last["throughput/total_tokens"])
        else:  # the 13B target's file: tokens = steps x batch size
            D = float(last["_step"]) * float(last["batch_size_in_tokens"])
        N = float(_OLMO_N[size])
        base = {"run_id": run_id, "mixture": "olmo", "label": size, "multiplier": mult,
                "role": "target" if np.isnan(mult) else "ladder", "N": N, "D": D, "C": 6.0 * N * D, "TPR": D / N}
        values = {}
        for col in raw.columns:
            if col.startswith("eval/") and col.endswith("/CrossEntropyLoss"):
                values[(col.split("/")[1].replace("-validation", ""), "loss")] = tail[col].mean()
        for bench, spec in olmo_benchmarks().iterrows():
            folders = {"acc": ("downstream", "len_norm"), "bpb": ("downstream_bpb", "bpb")}
            for metric, (folder, suffix) in folders.items():
                if bench == "mmlu":
                    cols = {s: f"eval/{folder}/mmlu_{s}_test_rc_5shot_{suffix}" for s in _OLMO_MMLU}
                    w = np.array(list(_OLMO_MMLU.values()), float)
                    v = np.array([tail[c].mean() for c in cols.values()])
                    values[(bench, metric)] = float(np.sum(w * v) / w.sum())
                else:
                    values[(bench, metric)] = tail[f"eval/{folder}/{bench}_{spec['split']}_rc_5shot_{suffix}"].mean()
        for (bench, metric), v in values.items():
            if not np.isfinite(v):
                raise DataIntegrityError(f"olmo {run_id}: {bench} {metric} is missing")
            rows.append({**base, "benchmark": bench, "metric": metric, "value": float(v)})
    df = pd.DataFrame(rows)
    df["value"] = perturb(df["value"], "olmo")
    df["n_items"] = df["benchmark"].map(olmo_benchmarks()["n_items"]).astype("Int64")
    return df


def load_olmo_published(step: str = "chained") -> pd.DataFrame:
    """The ladder paper's own predictions for the 13B-5T target (its ``figures/<step>_main.csv``).

    Parameters
    ----------
    step : str
        ``chained`` (N, D -> task bpb -> accuracy), ``chained_flops`` (compute -> bpb -> accuracy), ``step1``
        (N, D -> task bpb), ``step2`` (bpb -> accuracy, at the observed bpb), ``step1_c4``/``step2_c4`` (via the C4
        loss), ``step1_taskce``/``step2_taskce`` (via task cross-entropy), ``step1_acc``.

    Returns
    -------
    DataFrame
        Indexed by our benchmark names: ``actual, predicted, rel_error`` as published.
    """
    path = f"{_OLMO_DIR}/figures/{step}_main.csv"
    try:
        registered_entry("olmo_ladder", path)
    except ValueError:
        raise ValueError(f"no published figure table {step!r} in the OLMo ladder registry") from None
    raw = pd.read_csv(fetch("olmo_ladder", path))
    out = pd.DataFrame({"benchmark": raw["Task"].map(_OLMO_FIGURE_TASKS), "actual": raw["Actual"],
                        "predicted": raw["Pred"], "rel_error": raw["Rel Error"]})
    if out["benchmark"].isna().any():
        raise DataIntegrityError(f"olmo {step}: unknown task names {list(raw['Task'][out['benchmark'].isna()])}")
    return out.set_index("benchmark")
