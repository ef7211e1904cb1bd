"""Gadre et al. (2024): the over-training ladder (four small sizes at eight token multipliers on three corpora, plus
1.4B and 6.9B targets)."""

from __future__ import annotations

import logging

import pandas as pd

from .perturbation import perturb
from .registry import DataIntegrityError, fetch, read_json, registry

logger = logging.getLogger("scalinglaws")

__all__ = ['gadre_benchmarks', 'load_gadre']


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
        model = read_json(fetch("gadre2024", path))
        name = model["name"]
        hp = model["hyperparameters"]
        evals = read_json(fetch("gadre2024", f"exp_data/evals/evaluation_{name}_heavy.json"))
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
    df["value"] = perturb(df["value"], "gadre")
    df["n_items"] = df["benchmark"].map(specs["n_items"]).astype("Int64")
    return df
