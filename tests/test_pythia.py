"""Pythia pass@k loaders (Schaeffer et al.'s preliminary data), the gold-likelihood average and Chinchilla loader."""

import logging
import re
import sys

import numpy as np
import pytest

from scalinglaws.datasets import (
    load_chinchilla,
    load_pythia_gold,
    load_pythia_models,
    load_pythia_samples,
    pythia_pass_at_k,
)
from scalinglaws.passk import gold_neglog_prob, pass_at_k


def test_models_grid(use_mirror):
    m = load_pythia_models()
    assert len(m) == 81 and m["N"].nunique() == 9 and m["D"].nunique() == 9
    target = m[m["model"] == "Pythia_12B_300B"].iloc[0]
    assert target["C"] == pytest.approx(2.16e22)


@pytest.mark.parametrize("benchmark, n_models", [("gsm8k", 81), ("math", 72)])
def test_samples_one_row_per_model_and_problem(use_mirror, needs_parquet, benchmark, n_models, caplog):
    with caplog.at_level(logging.INFO, logger="scalinglaws"):
        s = load_pythia_samples(benchmark)
    assert s["model"].nunique() == n_models
    assert s["problem"].nunique() == 128
    assert not s.duplicated(["model", "problem"]).any()
    assert (s["c"] <= s["n"]).all() and (s["c"] >= 0).all()
    if benchmark == "gsm8k":
        assert "sampled for only" in caplog.text  # the two stray problem ids, dropped with a reason


def test_stored_column_is_wrong_beyond_n(use_mirror, needs_parquet):
    raw = load_pythia_samples("gsm8k", stored=True)
    over = raw["k"] > raw["n"]
    assert over.any() and (raw.loc[over, "stored_pass_at_k"] == 1.0).all()
    ok = raw[~over].head(2000)
    np.testing.assert_allclose(pass_at_k(ok["n"], ok["c"].astype(int), ok["k"]), ok["stored_pass_at_k"], atol=1e-12)


def test_benchmark_pass_at_k_undefined_where_not_estimable(use_mirror, needs_parquet):
    p = pythia_pass_at_k("gsm8k", ks=[1, 256])
    partial = p[p["model"] == "Pythia_12B_2M"]
    assert partial["pass_at_k"].isna().all()  # sampled on 30 of 128 problems only
    target = p[p["model"] == "Pythia_12B_300B"].set_index("k")
    assert np.isfinite(target.loc[1, "pass_at_k"]) and np.isnan(target.loc[256, "pass_at_k"])  # n = 128 < 256
    assert (p["pass_at_k"].dropna().between(0, 1)).all()


def test_bad_benchmark():
    with pytest.raises(ValueError, match="benchmark must be"):
        load_pythia_samples("humaneval")


def test_gold_matches_sampled_problems(use_mirror, needs_parquet):
    gold = load_pythia_gold()
    assert gold["model"].nunique() == 9 and gold["problem"].nunique() == 1319
    assert set(load_pythia_samples("gsm8k")["problem"]) <= set(gold["problem"])


def test_loaders_without_the_parquet_extra_name_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed; checked before any file is read
    for load in (lambda: load_pythia_samples("gsm8k"), load_pythia_gold, lambda: pythia_pass_at_k("math")):
        with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'scalinglaws[parquet]'")):
            load()


def test_gold_neglog_prob_averages():
    nll = np.array([1.0, 3.0, 50.0])
    assert gold_neglog_prob(nll, average="logprob") == pytest.approx(18.0)
    assert gold_neglog_prob(nll, average="prob") == pytest.approx(-np.log(np.mean(np.exp(-nll))))
    # stable where exp(-nll) underflows
    assert np.isfinite(gold_neglog_prob(np.array([800.0, 900.0])))
    assert gold_neglog_prob(np.array([800.0, 900.0])) == pytest.approx(800 + np.log(2), rel=1e-12)
    assert gold_neglog_prob(nll) < gold_neglog_prob(nll, average="logprob")  # Jensen
    with pytest.raises(ValueError, match="average"):
        gold_neglog_prob(nll, average="median")
    with pytest.raises(ValueError):
        gold_neglog_prob([1.0, np.nan])
    with pytest.raises(ValueError):
        gold_neglog_prob([1.0, -2.0])


def test_chinchilla_loader(use_mirror):
    all_runs = load_chinchilla(drop_highest_loss=0)
    kept = load_chinchilla()
    assert len(all_runs) == 245 and len(kept) == 240
    assert kept["L"].max() < all_runs["L"].nlargest(5).min()
    np.testing.assert_allclose(6 * kept["N"] * kept["D"], kept["C"], rtol=1e-12)
    with pytest.raises(ValueError):
        load_chinchilla(drop_highest_loss=-1)
