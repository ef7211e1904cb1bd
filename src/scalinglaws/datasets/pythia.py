"""Pythia pass@k: the preliminary sampling data of Schaeffer et al. (2025), per problem, and the gold-solution
likelihoods.

The samples and the likelihoods are parquet files, read with pyarrow: the ``parquet`` extra
(``pip install 'scalinglaws[parquet]'``). Without it every loader here but :func:`load_pythia_models` (a CSV)
raises :class:`ModuleNotFoundError` naming the extra."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .._optional import require
from ..passk import benchmark_pass_at_k, gold_neglog_prob
from .perturbation import perturb
from .registry import DataIntegrityError, fetch

logger = logging.getLogger("scalinglaws")

__all__ = ["load_pythia_models", "load_pythia_samples", "pythia_pass_at_k", "load_pythia_gold", "pythia_gold_neglog"]


_PYTHIA_SAMPLES = {
    "gsm8k": "data/raw_data/large_language_monkeys/gsm8k_pass_at_k.parquet",
    "math": "data/raw_data/large_language_monkeys/math_pass_at_k.parquet",
}
_PYTHIA_MODELS = "data/raw_data/gpt4_gsm8k/models_pythia.csv"
_PYTHIA_GOLD = "data/processed_data/gpt4_gsm8k_neg_log_likelihood.parquet"


def _read_parquet(path) -> pd.DataFrame:
    """A parquet file of the Pythia data; pyarrow is the ``parquet`` extra, checked first so that a missing one
    is named (pandas alone would list every engine it tried)."""
    require("pyarrow", "reading the Pythia sampling data (parquet)")
    return pd.read_parquet(path, engine="pyarrow")


def load_pythia_models() -> pd.DataFrame:
    """The 81 Pythia checkpoints (9 sizes x 9 token budgets): ``model, N, D, C, revision``.

    ``N`` and ``D`` are the nominal parameters and tokens of the authors' table (e.g. 12B and 300B for the final
    12B checkpoint, which is trained on step x 2,097,152 = 299.9B tokens), and ``C = 6ND``, so the target
    Pythia-12B at 300B tokens has C = 2.16e22 FLOPs as in the paper.
    """
    m = pd.read_csv(fetch("pythia_passk", _PYTHIA_MODELS))
    out = pd.DataFrame({"model": m["Model Nickname"], "N": m["Parameters"].astype(float),
                        "D": m["Tokens"].astype(float), "revision": m["HuggingFace Revision"]})
    out["C"] = 6.0 * out["N"] * out["D"]
    return out[["model", "N", "D", "C", "revision"]]


def load_pythia_samples(benchmark: str = "gsm8k", *, stored: bool = False) -> pd.DataFrame:
    """Per-problem sampling counts of the Pythia checkpoints on 128 GSM8K or MATH problems.

    Parameters
    ----------
    benchmark : {"gsm8k", "math"}
    stored : bool
        Return the file's rows as stored -- one per model x problem x k, with the file's own ``stored_pass_at_k``
        column, which is 1.0 whenever k > n (wrong: pass@k is not estimable there). For showing that artefact only.

    Returns
    -------
    DataFrame
        One row per checkpoint x problem: ``model, N, D, C, problem, n, c`` (and ``level`` for MATH), where ``n`` is
        the number of samples drawn and ``c`` the number correct. Problems that were sampled for fewer than half of
        the checkpoints (two stray GSM8K problem ids, each present for one or two checkpoints) are dropped with a
        logged reason, leaving the benchmark's 128 problems.
    """
    if benchmark not in _PYTHIA_SAMPLES:
        raise ValueError(f"benchmark must be one of {sorted(_PYTHIA_SAMPLES)}, got {benchmark!r}")
    raw = _read_parquet(fetch("pythia_passk", _PYTHIA_SAMPLES[benchmark]))
    raw = raw.rename(columns={"Model Nickname": "model", "prompt_idx": "problem", "Num. Samples": "n",
                              "Num. Samples Correct": "c", "Level": "level", "pass@k": "stored_pass_at_k"})
    if raw[["n", "c"]].isna().any().any() or (raw["c"] != raw["c"].round()).any() or (raw["c"] > raw["n"]).any():
        raise DataIntegrityError(f"pythia {benchmark}: sample counts are missing, fractional or c > n")
    models = load_pythia_models()
    if stored:
        return raw.merge(models, on="model", how="left")
    cols = ["model", "problem", "n", "c"] + (["level"] if "level" in raw else [])
    per = raw[cols].drop_duplicates(["model", "problem"])
    if len(per) != len(raw[cols].drop_duplicates()):
        raise DataIntegrityError(f"pythia {benchmark}: counts of a model x problem differ across k rows")
    coverage = per.groupby("problem")["model"].nunique()
    stray = coverage.index[coverage < per["model"].nunique() / 2]
    if len(stray):
        logger.info("pythia %s: dropping %d problem id(s) sampled for only %s checkpoint(s): %s", benchmark,
                    len(stray), sorted(set(coverage[stray])), list(stray))
        per = per[~per["problem"].isin(stray)]
    per = per.merge(models[["model", "N", "D", "C"]], on="model", how="left", validate="many_to_one")
    if per["N"].isna().any():
        raise DataIntegrityError(f"pythia {benchmark}: checkpoints missing from the model table")
    per["n"], per["c"] = per["n"].astype(np.int64), per["c"].astype(np.int64)
    return per[["model", "N", "D", "C", "problem", "n", "c"] + (["level"] if "level" in per else [])
               ].sort_values(["C", "N", "problem"]).reset_index(drop=True)


def pythia_pass_at_k(benchmark: str = "gsm8k", ks=(1, 10, 100)) -> pd.DataFrame:
    """Benchmark pass@k of every Pythia checkpoint, recomputed from the per-problem counts.

    A checkpoint's pass@k is the mean of the unbiased per-problem estimator over the benchmark's problems. It is
    left undefined (NaN) when some problem has fewer than k samples (``n_min < k``: not estimable) or when the
    checkpoint was not sampled on every problem (``n_problems`` below the benchmark's; Pythia-12B at 2M tokens has
    30 of 128 GSM8K problems and 9 of 128 MATH problems), since a mean over another problem set is another benchmark.

    Returns
    -------
    DataFrame
        ``model, N, D, C, k, pass_at_k, n_problems, n_min``, sorted by C and k.
    """
    per = load_pythia_samples(benchmark)
    out = benchmark_pass_at_k(per, ks, by="model")
    full = per["problem"].nunique()
    partial = out["n_problems"] < full
    if partial.any():
        logger.info("pythia %s: pass@k undefined for %s: sampled on fewer than %d problems", benchmark,
                    sorted(out.loc[partial, "model"].unique()), full)
        out.loc[partial, "pass_at_k"] = np.nan
    out["pass_at_k"] = perturb(out["pass_at_k"], f"pythia/{benchmark}/pass_at_k")
    out = out.merge(per[["model", "N", "D", "C"]].drop_duplicates("model"), on="model", how="left")
    return out[["model", "N", "D", "C", "k", "pass_at_k", "n_problems", "n_min"]].sort_values(
        ["C", "N", "k"]).reset_index(drop=True)


def load_pythia_gold() -> pd.DataFrame:
    """Summed negative log-likelihood of the gold GSM8K solutions under 9 Pythia checkpoints.

    Returns
    -------
    DataFrame
        ``model, N, D, C, problem, nll`` for all 1,319 GSM8K test problems (``problem`` is the test-set index, the
        same index as ``load_pythia_samples("gsm8k").problem``). The NLL is summed over the solution's tokens, with
        no length normalisation.
    """
    raw = _read_parquet(fetch("pythia_passk", _PYTHIA_GOLD))
    if raw["Neg Log Score"].isna().any() or (raw["Neg Log Score"] <= 0).any():
        raise DataIntegrityError("pythia gold: missing or non-positive negative log-likelihoods")
    out = pd.DataFrame({"model": raw["Model"], "problem": raw["Problem Idx"].astype(np.int64),
                        "nll": perturb(raw["Neg Log Score"].astype(float), "pythia/gold")})
    out = out.merge(load_pythia_models()[["model", "N", "D", "C"]], on="model", how="left", validate="many_to_one")
    if out["N"].isna().any():
        raise DataIntegrityError("pythia gold: checkpoints missing from the model table")
    return out[["model", "N", "D", "C", "problem", "nll"]].sort_values(["C", "problem"]).reset_index(drop=True)


def pythia_gold_neglog(*, average: str = "prob", matched: bool = True) -> pd.Series:
    """G = -log GoldProb per checkpoint (indexed by model), from the gold-solution likelihoods: averaged over the
    GSM8K problems of the pass@k samples when ``matched`` (128), else over all 1,319; ``average`` as
    :func:`scalinglaws.passk.gold_neglog_prob` (``"prob"`` or ``"logprob"``)."""
    gold = load_pythia_gold()
    if matched:
        gold = gold[gold["problem"].isin(load_pythia_samples("gsm8k")["problem"].unique())]
    return gold.groupby("model")["nll"].apply(gold_neglog_prob, average=average).rename("G")
