"""The data of a certified case: read from the data mirror by the selection its file describes (third-party data are
never copied into the repository), or given inline. Shared by ``tests/test_certified.py`` and ``derive.py``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from scalinglaws.datasets import krajewski_pass_at_k, load_chinchilla, load_krajewski, pythia_pass_at_k

HERE = Path(__file__).resolve().parent


def cases() -> list[Path]:
    return sorted(HERE.glob("*.toml"))


def read(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def data(case: dict) -> dict[str, np.ndarray]:
    """The law's variables and response as arrays, named as :func:`scalinglaws.fit` takes them."""
    d = case["data"]
    source = d["source"]
    if source == "inline":
        return {k: np.asarray(v, float) for k, v in d["arrays"].items()}
    if source == "krajewski":
        t = load_krajewski(d["mixture"])
        t = t[(t["TPR"] == d["tpr"]) if "tpr" in d else t["TPR"] > 0]
        t = t[(t["benchmark"] == d["benchmark"]) & (t["metric"] == d["metric"])]
        t = _ranges(t, d)
        q0 = case.get("chance", 0.0)
        t = t[(t["value"] > q0) & (t["value"] - q0 >= d.get("min_above_chance", 0.0) - 1e-12) & (t["value"] < 1)]
        return {v: t[v].to_numpy(float) for v in d["variables"]} | {"Q": t["value"].to_numpy(float)}
    if source == "krajewski_pass_at_k":
        t = load_krajewski(d["mixture"])
        t = krajewski_pass_at_k(t[t["TPR"] == d["tpr"]], d["benchmark"])
        t = _ranges(t, d)
        t = t[(t["value"] > 0) & (t["value"] < 1)]
        return {"C": t["C"].to_numpy(float), "k": t["k"].to_numpy(float), "Q": t["value"].to_numpy(float)}
    if source == "pythia":
        t = pythia_pass_at_k(d["benchmark"], ks=[d["k"]])
        t = _ranges(t, d)
        t = t[(t["pass_at_k"] > 0) & (t["pass_at_k"] < 1)]
        return {v: t[v].to_numpy(float) for v in d["variables"]} | {"P": t["pass_at_k"].to_numpy(float)}
    if source == "chinchilla":
        t = load_chinchilla(drop_highest_loss=d.get("drop_highest_loss", 5))
        return {"N": t["N"].to_numpy(float), "D": t["D"].to_numpy(float), "L": t["L"].to_numpy(float)}
    raise ValueError(f"{case['name']}: unknown data source {source!r}")


def _ranges(t, d):
    for col, (lo, hi) in d.get("ranges", {}).items():
        t = t[(t[col] >= lo) & (t[col] <= hi)]
    return t
