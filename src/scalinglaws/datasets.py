"""The dataset registry, verified file access, and typed loaders.

Every file the book reads is listed in ``data/registry.toml`` with its upstream repository pinned to a commit, its
sha256, licence and citation. :func:`fetch` resolves a file

1. from the mirror folder named by ``$SCALINGLAWS_DATA_MIRROR`` (``<mirror>/<dataset>/<path>``), or else
2. by downloading ``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` with pooch into a cache
   (``$SCALINGLAWS_CACHE``, default pooch's per-user cache),

and refuses a file whose sha256 differs from the registry's (:class:`DataIntegrityError`). A file that can be
found nowhere raises :class:`DataUnavailableError` saying where it was looked for and how to provide it.

For ``krajewski2025`` the registry hash is that of a *row subset* of the upstream CSV (the rows listed in the
registry's ``subset_rows``): a download is filtered line by line to those rows, verbatim, before the hash is
checked, so the mirror and a download give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("scalinglaws")

__all__ = [
    "DataIntegrityError",
    "DataUnavailableError",
    "KRAJEWSKI_BENCHMARKS",
    "registry",
    "fetch",
    "file_status",
    "load_krajewski",
    "krajewski_pass_at_k",
    "impossible_passk_groups",
    "load_pythia_models",
    "load_pythia_samples",
    "pythia_pass_at_k",
    "load_pythia_gold",
    "load_chinchilla",
    "OLMO_BENCHMARKS",
    "load_olmo_ladder",
    "load_olmo_published",
    "gadre_benchmarks",
    "load_gadre",
]

MIRROR_ENV = "SCALINGLAWS_DATA_MIRROR"
CACHE_ENV = "SCALINGLAWS_CACHE"
REGISTRY_ENV = "SCALINGLAWS_REGISTRY"


class DataIntegrityError(ValueError):
    """A data file's sha256 differs from the registry's: the file is refused."""


class DataUnavailableError(FileNotFoundError):
    """A registered data file is neither in the mirror nor downloadable."""


def _registry_path() -> Path:
    env = os.environ.get(REGISTRY_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data" / "registry.toml"


@cache
def _load_registry(path: str) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def registry() -> dict:
    """The registry: ``{dataset: {repo, commit, license, citation, files: {path: sha256}, ...}}``."""
    path = _registry_path()
    if not path.exists():
        raise DataUnavailableError(
            f"dataset registry not found at {path}; install the package from a checkout (pip install -e .) "
            f"or set ${REGISTRY_ENV}"
        )
    return _load_registry(str(path))


def _entry(dataset: str, path: str) -> tuple[dict, str]:
    reg = registry()
    if dataset not in reg:
        raise ValueError(f"unknown dataset {dataset!r}; registered: {', '.join(reg)}")
    files = reg[dataset]["files"]
    if path not in files:
        raise ValueError(f"{dataset}: {path!r} is not a registered file")
    return reg[dataset], files[path]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verify(path: Path, expected: str, origin: str) -> Path:
    got = sha256(path)
    if got != expected:
        raise DataIntegrityError(
            f"refusing {path} ({origin}): sha256 {got} does not match the registry's {expected}. "
            "The file is corrupted or a different version; delete it and fetch it again."
        )
    return path


def upstream_url(dataset: str, path: str) -> str:
    entry, _ = _entry(dataset, path)
    return f"https://raw.githubusercontent.com/{entry['repo']}/{entry['commit']}/{path}"


def mirror_dir() -> Path | None:
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else None


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import pooch

    return Path(pooch.os_cache("scalinglaws"))


def filter_rows(text: str, rows: list[list[str]]) -> str:
    """Keep the header and the lines whose (benchmark, metric_type) is in ``rows``, verbatim and in order."""
    keep = {tuple(r) for r in rows}
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(io.StringIO(lines[0])))
    ib, im = header.index("benchmark"), header.index("metric_type")
    out = [lines[0]]
    for line in lines[1:]:
        fields = next(csv.reader(io.StringIO(line)), None)
        if fields and (fields[ib], fields[im]) in keep:
            out.append(line)
    return "".join(out)


def fetch(dataset: str, path: str) -> Path:
    """Local path of a registered, hash-verified file (mirror first, then a pooch download)."""
    entry, expected = _entry(dataset, path)
    looked = []
    mirror = mirror_dir()
    if mirror is not None:
        candidate = mirror / dataset / path
        looked.append(str(candidate))
        if candidate.exists():
            return _verify(candidate, expected, f"mirror ${MIRROR_ENV}")
    target = cache_dir() / dataset / path
    looked.append(str(target))
    if target.exists():
        return _verify(target, expected, "cache")
    url = upstream_url(dataset, path)
    try:
        import pooch

        raw = pooch.retrieve(url, known_hash=None if entry.get("subset") else f"sha256:{expected}",
                             fname=Path(path).name + (".upstream" if entry.get("subset") else ""),
                             path=target.parent, progressbar=False)
    except Exception as exc:  # pooch raises requests/urllib errors, or ValueError on a hash mismatch
        if isinstance(exc, ValueError) and "hash" in str(exc).lower():
            raise DataIntegrityError(f"refusing download of {url}: {exc}") from None
        raise DataUnavailableError(
            f"{dataset}/{path} not found. Looked in: {', '.join(looked)}; download of {url} failed "
            f"({type(exc).__name__}: {exc}). Provide it by setting ${MIRROR_ENV} to a folder holding "
            f"{dataset}/{path}, or by placing the file at {target}."
        ) from None
    if entry.get("subset"):
        text = Path(raw).read_text()
        target.write_text(filter_rows(text, entry["subset_rows"]))
        return _verify(target, expected, f"filtered download of {url}")
    return Path(raw)


def file_status() -> pd.DataFrame:
    """Every registered file and whether it is available locally (mirror or cache) with the right hash."""
    rows = []
    mirror = mirror_dir()
    for dataset, entry in registry().items():
        for path, expected in entry["files"].items():
            where = "missing"
            for label, base in (("mirror", mirror), ("cache", cache_dir())):
                if base is not None and (base / dataset / path).exists():
                    ok = sha256(base / dataset / path) == expected
                    where = label if ok else f"{label} (WRONG HASH)"
                    break
            rows.append({"dataset": dataset, "path": path, "license": entry["license"], "local": where})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# Krajewski et al. (2025)
# ---------------------------------------------------------------------------------------------------------------

#: Benchmark metadata for the Krajewski et al. data: the accuracy metric the book fits by default (plain ``acc``
#: for multiple choice -- a decision, since the paper's choice between acc and acc_norm is unconfirmed --, exact
#: match for generative tasks, pass@1 for code), the number of items (for binomial error bars), and the chance
#: level of that metric (1 / number of choices for multiple choice, 0 for generative tasks). MMLU and MATH
#: scores are averages over subjects, so their ``n_items`` (the test-set size) gives only an approximate
#: binomial error.
KRAJEWSKI_BENCHMARKS = pd.DataFrame(
    [
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
    ],
    columns=["benchmark", "kind", "metric", "n_items", "chance"],
).set_index("benchmark")

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
        "value": raw["score"].astype(float),
    }).reset_index(drop=True)
    df["n_items"] = df["benchmark"].map(KRAJEWSKI_BENCHMARKS["n_items"]).astype("Int64")
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


# ---------------------------------------------------------------------------------------------------------------
# Pythia pass@k (the preliminary data of Schaeffer et al. 2025)
# ---------------------------------------------------------------------------------------------------------------

_PYTHIA_SAMPLES = {
    "gsm8k": "data/raw_data/large_language_monkeys/gsm8k_pass_at_k.parquet",
    "math": "data/raw_data/large_language_monkeys/math_pass_at_k.parquet",
}
_PYTHIA_MODELS = "data/raw_data/gpt4_gsm8k/models_pythia.csv"
_PYTHIA_GOLD = "data/processed_data/gpt4_gsm8k_neg_log_likelihood.parquet"


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
    raw = pd.read_parquet(fetch("pythia_passk", _PYTHIA_SAMPLES[benchmark]))
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
    from .passk import benchmark_pass_at_k

    per = load_pythia_samples(benchmark)
    out = benchmark_pass_at_k(per, ks, by="model")
    full = per["problem"].nunique()
    partial = out["n_problems"] < full
    if partial.any():
        logger.info("pythia %s: pass@k undefined for %s: sampled on fewer than %d problems", benchmark,
                    sorted(out.loc[partial, "model"].unique()), full)
        out.loc[partial, "pass_at_k"] = np.nan
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
    raw = pd.read_parquet(fetch("pythia_passk", _PYTHIA_GOLD))
    if raw["Neg Log Score"].isna().any() or (raw["Neg Log Score"] <= 0).any():
        raise DataIntegrityError("pythia gold: missing or non-positive negative log-likelihoods")
    out = pd.DataFrame({"model": raw["Model"], "problem": raw["Problem Idx"].astype(np.int64),
                        "nll": raw["Neg Log Score"].astype(float)})
    out = out.merge(load_pythia_models()[["model", "N", "D", "C"]], on="model", how="left", validate="many_to_one")
    if out["N"].isna().any():
        raise DataIntegrityError("pythia gold: checkpoints missing from the model table")
    return out[["model", "N", "D", "C", "problem", "nll"]].sort_values(["C", "problem"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Chinchilla (Epoch's digitised points of Hoffmann et al. 2022, Fig. 4)
# ---------------------------------------------------------------------------------------------------------------


def load_chinchilla(*, drop_highest_loss: int = 5) -> pd.DataFrame:
    """The 245 Chinchilla training runs digitised by Besiroglu et al. (2024): ``N, D, C, L``.

    ``D = C / (6N)``. Epoch's refit drops the ``drop_highest_loss`` (default 5) runs with the highest loss, which
    lie far off the law (logged); pass 0 to keep every run.
    """
    if drop_highest_loss < 0:
        raise ValueError(f"drop_highest_loss must be >= 0, got {drop_highest_loss}")
    raw = pd.read_csv(fetch("chinchilla_epoch", "data/svg_extracted_data.csv"))
    out = pd.DataFrame({"N": raw["Model Size"].astype(float), "C": raw["Training FLOP"].astype(float),
                        "L": raw["loss"].astype(float)})
    if (out <= 0).any().any() or out.isna().any().any():
        raise DataIntegrityError("chinchilla: non-positive or missing values")
    out["D"] = out["C"] / (6.0 * out["N"])
    if drop_highest_loss:
        worst = out["L"].nlargest(drop_highest_loss).index
        logger.info("chinchilla: dropping the %d highest-loss runs (L = %s), as Epoch's refit does",
                    drop_highest_loss, ", ".join(f"{v:.3f}" for v in out.loc[worst, "L"]))
        out = out.drop(index=worst)
    return out[["N", "D", "C", "L"]].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# OLMo ladder (Bhagia et al. 2024)
# ---------------------------------------------------------------------------------------------------------------

_OLMO_DIR = "src/scripts/paper"
#: Parameters of each ladder size and target, from the ladder's ``configs/final.json`` ("n"). The 3B size is not in
#: any config: its N is derived from its 10 x C run's token budget as D / 200, since D = 20 x multiplier x N holds to
#: 0.1% for the other sizes (and to 0.05% at 10 x C).
_OLMO_N = {"190M": 190354176, "370M": 371262464, "760M": 758220288, "1B": 1279395840, "3B": 3169698447,
           "7B-4T": 6887575552, "13B-5T": 13202396160}
_OLMO_MMLU = {"stem": 3018, "humanities": 4705, "social_sciences": 3077, "other": 3242}  # test items per subject

#: The eight tasks of the ladder paper's main figures: which split, the number of items (for binomial error bars),
#: and chance (1 / number of choices). Accuracy is the ranked-classification ("rc", 5-shot) accuracy with length
#: normalisation; bits-per-byte of the correct answer is the ladder paper's intermediate.
OLMO_BENCHMARKS = pd.DataFrame(
    [
        ("mmlu", "test", "acc", 14042, 0.25),
        ("hellaswag", "val", "acc", 10042, 0.25),
        ("arc_challenge", "test", "acc", 1172, 0.25),
        ("arc_easy", "test", "acc", 2376, 0.25),
        ("piqa", "val", "acc", 1838, 0.5),
        ("csqa", "val", "acc", 1221, 0.2),
        ("socialiqa", "val", "acc", 1954, 1 / 3),
        ("openbookqa", "test", "acc", 500, 0.25),
    ],
    columns=["benchmark", "split", "metric", "n_items", "chance"],
).set_index("benchmark")

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
        for bench, spec in OLMO_BENCHMARKS.iterrows():
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
    df["n_items"] = df["benchmark"].map(OLMO_BENCHMARKS["n_items"]).astype("Int64")
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
        _entry("olmo_ladder", path)
    except ValueError:
        raise ValueError(f"no published figure table {step!r} in the OLMo ladder registry") from None
    raw = pd.read_csv(fetch("olmo_ladder", path))
    out = pd.DataFrame({"benchmark": raw["Task"].map(_OLMO_FIGURE_TASKS), "actual": raw["Actual"],
                        "predicted": raw["Pred"], "rel_error": raw["Rel Error"]})
    if out["benchmark"].isna().any():
        raise DataIntegrityError(f"olmo {step}: unknown task names {list(raw['Task'][out['benchmark'].isna()])}")
    return out.set_index("benchmark")


# ---------------------------------------------------------------------------------------------------------------
# Gadre et al. (2024): over-training ladder
# ---------------------------------------------------------------------------------------------------------------

_GADRE_CORPORA = {"c4_original": "c4", "rpj": "redpajama", "rw_original": "refinedweb"}


def gadre_benchmarks() -> pd.DataFrame:
    """The 46 in-context-learning tasks of Gadre et al.'s evaluation, from its ``eval_metadata.csv``: shots, number of
    items and chance (the "Random baseline" column, as a fraction). Indexed by task name."""
    m = pd.read_csv(fetch("gadre2024", "exp_data/eval_metadata.csv"))
    out = pd.DataFrame({"benchmark": m["Eval Task"], "kind": m["Task Type"], "shots": m["#shots"],
                        "metric": "acc", "n_items": m["#datapoints"].astype(int),
                        "chance": m["Random baseline"].astype(float) / 100.0})
    return out.drop_duplicates("benchmark").set_index("benchmark")


def _gadre_val_name(val_data: list[str]) -> str:
    path = val_data[0]
    for key, name in (("val_tok_mult/openlm", "openlm"), ("c4_val", "c4_val"), ("de-en", "de-en")):
        if key in path:
            return name
    return path.split("/")[-2]  # e.g. paloma_c4_en


def load_gadre() -> pd.DataFrame:
    """Gadre et al. (2024)'s 104 runs as one tidy table (the format of :func:`load_krajewski`).

    Returns
    -------
    DataFrame
        ``run_id, mixture (c4 | redpajama | refinedweb), label (model config), multiplier (Chinchilla multiplier M,
        TPR = 20 M), N, D, C = 6ND, TPR, benchmark, metric, value, n_items``. ``N`` is the parameter count with
        embeddings (the ``params`` field). Task rows have metric ``acc`` (46 tasks); validation losses have metric
        ``loss`` and the validation set as benchmark (``c4_val``, ``openlm``, ``paloma_c4_en``, ...).
    """
    specs = gadre_benchmarks()
    rows = []
    for path in sorted(p for p in registry()["gadre2024"]["files"] if p.startswith("exp_data/models/")):
        model = _json_load(fetch("gadre2024", path))
        name = model["name"]
        hp = model["hyperparameters"]
        evals = _json_load(fetch("gadre2024", f"exp_data/evals/evaluation_{name}_heavy.json"))
        corpus, rest = name.split("-", 1)
        label, mult = rest.rsplit("-", 1)
        N, D = float(hp["params"]), float(hp["tokens"])
        base = {"run_id": f"gadre/{name}", "mixture": _GADRE_CORPORA[corpus], "label": label,
                "multiplier": float(mult), "N": N, "D": D, "C": 6.0 * N * D, "TPR": D / N}
        for r in model["results"]:
            rows.append({**base, "benchmark": _gadre_val_name(r["val_data"]), "metric": "loss",
                         "value": float(r["loss"])})
        for task, v in evals["eval_metrics"]["icl"].items():
            rows.append({**base, "benchmark": task, "metric": "acc", "value": float(v)})
    df = pd.DataFrame(rows)
    if df["value"].isna().any():
        raise DataIntegrityError("gadre: missing values")
    df["n_items"] = df["benchmark"].map(specs["n_items"]).astype("Int64")
    return df


def _json_load(path: Path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


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
