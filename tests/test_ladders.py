"""Loaders for the independent ladders (OLMo, Gadre et al.), Krajewski's pass@k rows, and the route comparisons."""

import numpy as np
import pandas as pd
import pytest

from scalinglaws.backtest import compare_routes, predict_heldout
from scalinglaws.datasets import (
    gadre_benchmarks,
    impossible_passk_groups,
    krajewski_pass_at_k,
    load_gadre,
    load_krajewski,
    load_obsscaling,
    load_olmo_ladder,
    load_olmo_published,
    obsscaling_benchmarks,
    olmo_benchmarks,
)
from scalinglaws.laws import LAWS
from scalinglaws.two_stage import proxy_quality


@pytest.fixture(scope="module")
def olmo(mirror_env):
    return load_olmo_ladder()


def test_olmo_ladder_shape_and_targets(olmo):
    ladder = olmo[olmo["role"] == "ladder"]
    assert ladder["run_id"].nunique() == 25 and set(ladder["multiplier"]) == {0.5, 1, 2, 5, 10}
    assert set(olmo.loc[olmo["role"] == "target", "label"]) == {"7B-4T", "13B-5T"}
    np.testing.assert_allclose(olmo["C"], 6 * olmo["N"] * olmo["D"])
    # D = 20 x multiplier x N to 0.3% on the ladder
    np.testing.assert_allclose(ladder["TPR"], 20 * ladder["multiplier"], rtol=3e-3)
    assert set(olmo_benchmarks().index) <= set(olmo["benchmark"])


def test_olmo_targets_equal_the_published_actuals(olmo):
    published = load_olmo_published("chained")
    ours = olmo[(olmo["label"] == "13B-5T") & (olmo["metric"] == "acc")].set_index("benchmark")["value"]
    np.testing.assert_allclose(ours.loc[published.index], published["actual"], atol=1e-5)


def test_olmo_reruns_and_bad_arguments(olmo, use_mirror):
    with_reruns = load_olmo_ladder(reruns=True)
    assert with_reruns["run_id"].nunique() == olmo["run_id"].nunique() + 5
    with pytest.raises(ValueError, match="last_n"):
        load_olmo_ladder(last_n=0)
    with pytest.raises(ValueError, match="no published"):
        load_olmo_published("nonsense")


def test_gadre_loader(use_mirror):
    g = load_gadre()
    assert g["run_id"].nunique() == 104
    assert set(g["mixture"]) == {"c4", "redpajama", "refinedweb"}
    acc = g[g["metric"] == "acc"]
    assert acc["value"].between(0, 1).all()
    assert sorted(g["TPR"].round().unique()) == [5, 10, 20, 40, 80, 160, 320, 640]
    specs = gadre_benchmarks()
    assert specs.loc["piqa", "chance"] == 0.5 and specs.loc["arc_easy", "n_items"] == 2376


def test_obsscaling_loader(use_mirror):
    o = load_obsscaling()
    # 148 models in the file; 123 have FLOPs and a data size
    assert o["run_id"].nunique() == 123 and o["family"].nunique() == 39
    assert o["value"].between(0, 1).all() and (o["C"] > 0).all()
    llama = o[o["run_id"] == "meta-llama/Llama-2-7b-hf"].iloc[0]
    assert llama["N"] == 7e9 and llama["D"] == 2e12 and llama["C"] == pytest.approx(8.4e22)
    specs = obsscaling_benchmarks()
    assert len(specs) == 8 and specs.loc["mmlu", "n_items"] == 14042 and np.isnan(specs.loc["xwinograd", "n_items"])
    assert set(o["benchmark"]) == set(specs.index)


def test_krajewski_pass_at_k_rows(use_mirror):
    raw = load_krajewski("dclm", drop_impossible=False)
    bad = impossible_passk_groups(raw)
    assert len(bad) == 23
    d = krajewski_pass_at_k(load_krajewski("dclm"), "lbpp")
    assert set(d["k"]) == {1, 2, 4, 8, 16, 32, 64, 128}
    assert not d.set_index(["run_id", "k"]).index.duplicated().any()
    # pass@k never decreases in k within a run
    assert (d.sort_values(["run_id", "k"]).groupby("run_id")["value"].diff().dropna() >= -1e-12).all()
    with pytest.raises(ValueError, match="no pass@k rows"):
        krajewski_pass_at_k(load_krajewski("dclm"), "arc_easy")


def _synthetic_ladder():
    """A ladder where accuracy follows the direct law exactly and the loss follows stage 1 exactly."""
    C = np.geomspace(1e18, 1e22, 20)
    Q = np.exp(-np.exp(LAWS["direct"].func(C=C, log_A=np.log(2000.0), alpha=0.15)))
    L = (C / 1e8) ** -0.05
    rows = []
    for i, (c, q, loss) in enumerate(zip(C, Q, L)):
        rows += [{"run_id": f"r{i}", "C": c, "N": np.sqrt(c / 120), "D": np.sqrt(c * 20 / 6), "benchmark": "task",
                  "metric": "acc", "value": q},
                 {"run_id": f"r{i}", "C": c, "N": np.nan, "D": np.nan, "benchmark": "val", "metric": "loss",
                  "value": loss}]
    specs = pd.DataFrame({"metric": ["acc"], "chance": [0.0], "n_items": [1000]},
                         index=pd.Index(["task"], name="benchmark"))
    return pd.DataFrame(rows), specs


def test_compare_routes_on_an_exact_direct_law():
    table, specs = _synthetic_ladder()
    train, test = table[table["C"] <= 1e21], table[table["C"] > 1e21]
    summary, points = compare_routes(train, test, specs, proxy=("val", "loss"))
    assert summary.loc[("task", "direct"), "median_abs_error"] < 1e-9
    assert {"loss_observed", "loss_predicted", "stage2_at_observed_loss"} <= set(points.columns)
    two = points[points["route"] == "two_stage_linear"]
    np.testing.assert_allclose(two["loss_predicted"], two["loss_observed"], rtol=1e-8)  # stage 1 is exact here
    with pytest.raises(ValueError, match="unknown route"):
        compare_routes(train, test, specs, routes=("magic",))
    with pytest.raises(ValueError, match="no proxy rows"):
        compare_routes(train, test, specs, proxy=("nothing", "loss"))


def test_predict_heldout_and_proxy_quality():
    table, specs = _synthetic_ladder()
    tasks = table[table["metric"] == "acc"]
    fits, summary, points = predict_heldout(tasks[tasks["C"] <= 1e21], tasks[tasks["C"] > 1e21], specs, law="direct",
                                            variables=("C",))
    assert summary.loc["task", "alpha"] == pytest.approx(0.15, rel=1e-8)
    assert points["abs_error"].max() < 1e-9
    pq = proxy_quality(table, ["task"], {"val loss": ("val", "loss", 1)}, links=("linear",))
    assert len(pq) == 1 and 0.5 < pq["r2"].iloc[0] <= 1.0


def _normalised_ladder(chance=0.25):
    """Accuracy whose chance-normalised value follows the direct law exactly, from near chance upwards."""
    table, specs = _synthetic_ladder()
    acc = table["metric"] == "acc"
    table.loc[acc, "value"] = chance + (1 - chance) * table.loc[acc, "value"]
    specs["chance"] = chance
    return table, specs


def test_predict_heldout_normalises_and_filters_as_asked():
    table, specs = _normalised_ladder()
    tasks = table[table["metric"] == "acc"]
    train, test = tasks[tasks["C"] <= 1e21], tasks[tasks["C"] > 1e21]
    _, exact, points = predict_heldout(train, test, specs, law="direct", variables=("C",), normalise=True)
    assert exact.loc["task", "alpha"] == pytest.approx(0.15, rel=1e-8) and points["abs_error"].max() < 1e-9
    _, raw, _ = predict_heldout(train, test, specs, law="direct", variables=("C",))
    assert abs(raw.loc["task", "alpha"] - 0.15) > 0.01  # raw accuracy does not follow the law
    margin, floor = 0.05, 1e19
    _, filtered, _ = predict_heldout(train, test, specs, law="direct", variables=("C",), normalise=True,
                                     filter_margin=margin, min_compute=floor)
    expected = int(((train["value"] - 0.25 >= margin) & (train["C"] >= floor)).sum())
    assert 0 < expected < len(train) and filtered.loc["task", "n_fit"] == expected


def test_compare_routes_two_stage_filter():
    table, specs = _normalised_ladder()
    train, test = table[table["C"] <= 1e21], table[table["C"] > 1e21]
    n_train = int((train["metric"] == "acc").sum())
    kw = dict(proxy=("val", "loss"), routes=("direct", "two_stage_linear"), normalise=True, filter_margin=0.05)
    both, _ = compare_routes(train, test, specs, **kw)
    apart, _ = compare_routes(train, test, specs, two_stage_filter=False, **kw)
    assert both.loc[("task", "two_stage_linear"), "n_fit"] == both.loc[("task", "direct"), "n_fit"] < n_train
    assert apart.loc[("task", "two_stage_linear"), "n_fit"] == n_train
    assert apart.loc[("task", "direct"), "n_fit"] == both.loc[("task", "direct"), "n_fit"]
