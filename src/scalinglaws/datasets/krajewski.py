"""Krajewski et al. (2025): the released DCLM and C4 ladders, their benchmark table, and the pass@k rows."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .perturbation import perturb
from .registry import fetch
from .schema import benchmark_table

logger = logging.getLogger("scalinglaws")

__all__ = ['krajewski_benchmarks', 'load_krajewski', 'krajewski_pass_at_k', 'impossible_passk_groups']


# Benchmark metadata for the Krajewski et al. data: the accuracy metric the book fits by default (plain ``acc``
#: for multiple choice -- a decision, since the paper's choice between acc and acc_norm is unconfirmed --, exact
#: match for generative tasks, pass@1 for code), the number of items (for binomial error bars), and the chance
#: level of that metric (1 / number of choices for multiple choice, 0 for generative tasks). MMLU and MATH
#: scores are averages over subjects, so their ``n_items`` (the test-set size) gives only an approximate
#: binomial error.
_KRAJEWSKI_ROWS = (
        ("arc_easy", "multiple choice", "acc", 2376, 0.25),
        ("arc_challenge", "multiple choice", "acc", 1172, 0.25),
        ("hellaswag", "multiple choice", "acc", 10042, 0.25),
        ("piqa", "multiple choice", "acc", 1838, 0.5),
        ("sciq", "multiple choice", "acc", 1000, 0.25),
        ("winogrande", "multiple choice", "acc", 1267, 0.5),
        ("mmlu", "multiple choice", "acc", 14042, 0.25),
        ("lambada_openai", "generative", "acc", 5153, 0.0),
        ("triviaqa_1shot", "generative", "exact_match", 11313, 0.0),
        ("webqs_1shot", "generative", "exact_match", 2032, 0.0),
        ("gsm8k_cot_llama", "generative", "exact_match", 1319, 0.0),
        ("math_minerva", "generative", "exact_match", 5000, 0.0),
        ("humaneval-py", "code", "pass@1", 164, 0.0),
        ("lbpp", "code", "pass@1", 161, 0.0),
)


def krajewski_benchmarks() -> pd.DataFrame:
    """The benchmark table of the Krajewski et al. data (above), indexed by benchmark: ``kind, metric, n_items,
    chance``. A fresh frame on every call: the rows live in a tuple, so no caller can change another's table."""
    return benchmark_table(_KRAJEWSKI_ROWS, label="kind")

_KRAJEWSKI_FILES = {
    "dclm": "data/metrics_dclm_data_mixture.csv",
    "c4": "data/metrics_c4_mixture.csv",
}


def _krajewski_blocks(raw: pd.DataFrame) -> pd.Series:
    """Run-block number of each row: a block starts at each ``arc_challenge``/``acc`` row (upstream order)."""
    starts = (raw["benchmark"] == "arc_challenge") & (raw["metric_type"] == "acc")
    return starts.cumsum()


def impossible_passk_groups(df: pd.DataFrame) -> list[tuple[str, str]]:
    """The (run_id, benchmark) pairs of a tidy table whose pass@k pattern is impossible: pass@1 = 0 means no sample
    was correct on any problem, so every pass@k must be 0; a non-zero pass@k beside it is an artefact."""
    passk = df[df["metric"].str.startswith("pass@")]
    bad = []
    for (run, bench), g in passk.groupby(["run_id", "benchmark"]):
        p1 = g.loc[g["metric"] == "pass@1", "value"]
        if len(p1) and p1.iloc[0] == 0 and (g["value"] > 0).any():
            bad.append((run, bench))
            logger.info("krajewski: %s %s: pass@1 = 0 but pass@k > 0 for k = %s (impossible)", run, bench,
                        ",".join(g.loc[g["value"] > 0, "metric"].str[5:]))
    return bad


def _drop_impossible_passk(df: pd.DataFrame) -> pd.DataFrame:
    """Drop the run x code-benchmark groups of :func:`impossible_passk_groups` (logged)."""
    bad = impossible_passk_groups(df)
    if bad:
        logger.info("krajewski: dropping %d run x benchmark pass@k group(s) with an impossible pattern", len(bad))
    if not bad:
        return df
    key = pd.MultiIndex.from_frame(df[["run_id", "benchmark"]])
    return df[~key.isin(bad)].reset_index(drop=True)


def _load_krajewski_one(mixture: str, drop_impossible: bool = True) -> pd.DataFrame:
    raw = pd.read_csv(fetch("krajewski2025", _KRAJEWSKI_FILES[mixture]), index_col=0)
    raw["block"] = _krajewski_blocks(raw)
    if mixture == "dclm":
        # The DCLM file has no parameter count: N = D / TPR is the nominal size, a few percent off the true one.
        raw["params"] = raw["tokens"] / raw["tpr"]
        raw["flops"] = 6.0 * raw["params"] * raw["tokens"]
    raw["run_id"] = (mixture + "/tpr" + raw["tpr"].map("{:g}".format) + "/D" + raw["tokens"].map("{:.0f}".format))
    # A run block repeated upstream (same run id): keep the first copy if the copies agree, refuse otherwise.
    first_block = raw.groupby("run_id")["block"].transform("min")
    repeated = raw[raw["block"] != first_block]
    if len(repeated):
        kept = raw[raw["block"] == first_block].set_index(["run_id", "benchmark", "metric_type"])["score"]
        again = repeated.set_index(["run_id", "benchmark", "metric_type"])["score"]
        if not np.allclose(kept.reindex(again.index).to_numpy(), again.to_numpy(), equal_nan=True):
            raise ValueError(f"krajewski {mixture}: a repeated run block disagrees with its first copy")
        logger.info("krajewski %s: dropped %d repeated run block(s) of %s", mixture,
                    repeated["block"].nunique(), ", ".join(sorted(repeated["run_id"].unique())))
        raw = raw[raw["block"] == first_block]
    df = pd.DataFrame({
        "run_id": raw["run_id"],
        "mixture": mixture,
        "N": raw["params"].astype(float),
        "D": raw["tokens"].astype(float),
        "C": raw["flops"].astype(float),
        "TPR": raw["tpr"].astype(float),
        "benchmark": raw["benchmark"],
        "metric": raw["metric_type"],
        "value": perturb(raw["score"].astype(float), f"krajewski/{mixture}"),
    }).reset_index(drop=True)
    df["n_items"] = df["benchmark"].map(krajewski_benchmarks()["n_items"]).astype("Int64")
    return _drop_impossible_passk(df) if drop_impossible else df


def load_krajewski(mixture: str = "both", *, drop_impossible: bool = True) -> pd.DataFrame:
    """The Krajewski et al. (2025) ladder as one tidy table.

    Parameters
    ----------
    mixture : {"dclm", "c4", "both"}
        The DCLM-based mixture (TPR 10 to 160) or the C4 mixture (TPR 20).

    Returns
    -------
    DataFrame
        One row per run x benchmark x metric: ``run_id, mixture, N, D, C, TPR, benchmark, metric, value,
        n_items``. ``C = 6ND``. For DCLM, which has no parameter column, ``N = D / TPR`` is an approximation
        (the nominal size, a few percent off the true count). The repeated DCLM run block is kept once, and a
        run's code benchmark with an impossible pass@k pattern (pass@1 = 0 with pass@k > 0) is dropped with a
        logged reason (``drop_impossible=False`` keeps them, to show the artefact).
    """
    if mixture not in ("dclm", "c4", "both"):
        raise ValueError(f"mixture must be 'dclm', 'c4' or 'both', got {mixture!r}")
    parts = [_load_krajewski_one(m, drop_impossible) for m in (("dclm", "c4") if mixture == "both" else (mixture,))]
    return pd.concat(parts, ignore_index=True)




def krajewski_pass_at_k(table: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """The pass@k rows of one code benchmark (``humaneval-py`` or ``lbpp``) of a :func:`load_krajewski` table, with
    ``k`` as an integer column: ``run_id, N, D, C, TPR, k, value, all_zero`` where ``all_zero`` marks runs whose
    pass@k is 0 at every k (no problem ever solved: no finite -log pass@k, and nothing to fit)."""
    d = table[(table["benchmark"] == benchmark) & table["metric"].str.startswith("pass@")].copy()
    if d.empty:
        raise ValueError(f"no pass@k rows for benchmark {benchmark!r}")
    d["k"] = d["metric"].str[5:].astype(int)
    d["all_zero"] = d.groupby("run_id")["value"].transform("max") == 0
    return d[["run_id", "N", "D", "C", "TPR", "k", "value", "all_zero"]].sort_values(["C", "k"]).reset_index(drop=True)
