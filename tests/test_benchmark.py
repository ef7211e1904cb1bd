"""The forecasting benchmark: every method recovers a known law on a synthetic ladder, failures are rows with a
reason, the book's ladders have their expected counts, the table is tidy and binned, and it does not move with the
data at 1e-12."""

import numpy as np
import pandas as pd
import pytest

from scalinglaws import benchmark as B
from scalinglaws.datasets import PERTURB_ENV, perturbed
from scalinglaws.laws import LAWS
from scalinglaws.results import Predictor
from scalinglaws.routes import ROUTES, fit_route
from scalinglaws.spaces import from_space

# a synthetic ladder: 6 sizes x 3 token ratios, so that N and D are not collinear
N = np.repeat(np.geomspace(2e7, 2e9, 6), 3)
D = N * np.tile([10.0, 20.0, 40.0], 6)
C = 6 * N * D
CHANCE = 0.25


def _law(name, X, **truth):
    law = LAWS[name]
    return from_space(law.func(**X, **law.to_internal(truth)), law.space)


def _ladder(y, *, L_val=None, L_task=None, response="Q", chance=CHANCE, role=None, name="synthetic"):
    rows = []
    for i in range(C.size):
        base = {"run_id": f"r{i:02d}", "C": C[i], "N": N[i], "D": D[i], "TPR": D[i] / N[i],
                "role": "ladder" if role is None else role[i]}
        rows.append({**base, "benchmark": "task", "metric": "acc", "value": y[i]})
        if L_val is not None:
            rows.append({**base, "benchmark": "val", "metric": "loss", "value": L_val[i]})
        if L_task is not None:
            rows.append({**base, "benchmark": "task", "metric": "bpb", "value": L_task[i]})
    tasks = pd.DataFrame({"benchmark": ["task"], "metric": ["acc"], "chance": [chance], "n_items": [1000],
                          "response": [response], "task_loss": ["bpb" if L_task is not None else ""],
                          "task_loss_sign": [1.0]}, index=pd.Index(["task"], name="task"))
    return B.Ladder(name, pd.DataFrame(rows), tasks, proxy=("val", "loss") if L_val is not None else None)


L_VAL = _law("loss_in_compute", {"C": C}, C_N=1e8, alpha_N=-0.05)
L_TASK = _law("loss_floor_in_compute", {"C": C}, E=0.6, A=300.0, alpha=0.12)
L_TASK_ND = _law("chinchilla", {"N": N, "D": D}, E=0.6, A=400.0, alpha=0.3, B=900.0, beta=0.3)
_SIGMOID = dict(a=0.6, k=-4.0, l0=float(np.median(L_TASK)), b=0.25)

#: method -> the synthetic ladder whose score follows the method's own law exactly
CASES = {
    "direct": lambda: _ladder(CHANCE + (1 - CHANCE) * _law("direct", {"C": C}, A=2000.0, alpha=0.15)),
    "direct_qmax": lambda: _ladder(CHANCE + (1 - CHANCE) * _law("direct_qmax", {"C": C}, A=5000.0, alpha=0.2,
                                                                 E=0.1)),
    "bnsl": lambda: _ladder(CHANCE + (1 - CHANCE) * _law("bnsl", {"C": C}, a=0.05, b=20.0, c0=0.05, d1=1e18,
                                                         f1=0.5, c1=0.3)),
    "two_stage_linear": lambda: _ladder(1.3 - 0.3 * L_VAL, L_val=L_VAL),
    "two_stage_logistic": lambda: _ladder(
        _law("accuracy_logistic_in_loss", {"L": L_VAL}, a=0.6, k=-40.0, l0=float(np.median(L_VAL)), b=0.25),
        L_val=L_VAL),
    "olmo_chained_flops": lambda: _ladder(_law("accuracy_logistic_in_loss", {"L": L_TASK}, **_SIGMOID),
                                          L_task=L_TASK),
    "olmo_chained": lambda: _ladder(
        _law("accuracy_logistic_in_loss", {"L": L_TASK_ND}, **{**_SIGMOID, "l0": float(np.median(L_TASK_ND))}),
        L_task=L_TASK_ND),
    "across_tpr": lambda: _ladder(CHANCE + (1 - CHANCE) * _law("across_tpr", {"N": N, "D": D}, A=300.0, alpha=0.3,
                                                                B=800.0, beta=0.28)),
    "compute": lambda: _ladder(_law("compute", {"C": C}, E0=0.2, C0=3e4, alpha=0.22), response="P", chance=0.0),
    "params_tokens": lambda: _ladder(_law("params_tokens", {"N": N, "D": D}, E0=0.15, N0=400.0, beta=0.35,
                                          D0=2500.0, gamma=0.37), response="P", chance=0.0),
    "sigmoid_log_compute": lambda: _ladder(_law("sigmoid_in_log_compute", {"C": C}, a=0.6, k=1.5,
                                                x0=float(np.median(np.log10(C))), b=0.25)),
    "linear_log_compute": lambda: _ladder(_law("linear_in_log_compute", {"C": C}, a=-1.5, b=0.09)),
    "carry_forward": lambda: _ladder(np.full(C.size, 0.4)),  # a flat task: carrying forward is exact
}
CUTOFF = float(np.sort(C)[11])  # 12 fitted runs, 6 predicted


def test_every_benchmarked_route_has_a_recovery_case():
    assert set(CASES) == set(ROUTES) - set(B.EXCLUDED)


@pytest.mark.parametrize("method", sorted(CASES))
def test_each_method_recovers_its_law_on_a_synthetic_ladder(method):
    lad = CASES[method]()
    assert method in B.applicable(lad, "task", "all")
    table = B.run(lad, methods=[method], cutoffs=[CUTOFF])
    assert (table["status"] != "failed").all(), table["reason"].iloc[0]
    assert len(table) == 6 and (table["n_fit"] == 12).all() and (table["distance"] > 0).all()
    tol = 1e-3 if method != "bnsl" else 1e-2
    assert table["rel_error"].max() < tol, table[["C", "observed", "predicted"]]


def test_naive_baselines_are_exact_where_they_should_be():
    line = CASES["linear_log_compute"]()
    t = B.run(line, methods=["linear_log_compute", "carry_forward"], cutoffs=[CUTOFF])
    by = t.groupby("method")["abs_error"].max()
    assert by["linear_log_compute"] < 1e-9 and by["carry_forward"] > 0.01  # a trend is not carried forward
    flat = B.run(CASES["carry_forward"](), methods=["carry_forward"], cutoffs="all")
    assert flat["abs_error"].max() == 0.0
    assert flat["covered_90"].isna().all() and (flat["interval"] == "none").all()  # no interval, never a guess
    res = fit_route("carry_forward", C=C[:5], Q=np.arange(5.0) / 10)
    assert isinstance(res, Predictor) and res.predict(C=[1e30]).tolist() == [0.4]


def test_an_unfittable_method_is_a_failure_row_with_its_reason():
    lad = CASES["direct"]()
    t = B.run(lad, methods=["bnsl", "direct"], cutoffs=[float(np.sort(C)[4])], min_points=5)
    failed = t[t["method"] == "bnsl"]
    assert len(failed) == 13 and (failed["status"] == "failed").all()  # kept, one row per predicted run
    assert failed["reason"].str.contains("need at least 7").all() and failed["predicted"].isna().all()
    assert failed["distance_bin"].notna().all()
    assert (t.loc[t["method"] == "direct", "status"] != "failed").all()
    # a task at chance: the direct law has no usable run
    at_chance = _ladder(np.full(C.size, CHANCE))
    t = B.run(at_chance, methods=["direct"], cutoffs=[CUTOFF])
    assert (t["status"] == "failed").all() and t["reason"].str.contains("usable points").all()
    s = B.summarise(t, by="method")
    assert s.loc["direct", "n_failed"] == 6 and s.loc["direct", "failure_share"] == 1.0
    both = B.summarise(B.run(CASES["direct"](), methods=["direct", "carry_forward"], cutoffs=[CUTOFF]), by="method")
    assert both.loc["direct", "interval_share"] == 1.0 and both.loc["carry_forward", "interval_share"] == 0.0
    assert np.isnan(both.loc["carry_forward", "coverage"])


def test_applicability_follows_the_ladder():
    lad = _ladder(np.linspace(0.3, 0.6, C.size))
    got = B.applicable(lad, "task")
    assert "across_tpr" in got and "bnsl" not in got and "bnsl" in B.applicable(lad, "task", "all")
    assert not {"two_stage_linear", "olmo_chained", "compute", "bnsl_authors", "passk_joint"} & set(got)
    one_tpr = B.Ladder("one", lad.runs.assign(D=lambda d: 20 * d["N"], TPR=20.0), lad.tasks)
    assert "across_tpr" not in B.applicable(one_tpr, "task")
    with pytest.raises(ValueError, match="unknown route"):
        B.run(lad, methods=["nope"])


def test_tidy_table_columns_distance_bins_and_summary():
    role = np.where(np.arange(C.size) >= 16, "target", "ladder")
    lad = _ladder(CHANCE + (1 - CHANCE) * _law("direct", {"C": C}, A=2000.0, alpha=0.15), role=role)
    t = B.run(lad, methods=["direct", "carry_forward"], cutoffs="all")
    assert list(t.columns) == list(B.TABLE_COLUMNS)
    fitted_C = np.sort(C[role == "ladder"])
    assert set(t["cutoff"]) == set(fitted_C[4:])  # every ladder compute leaving 5 runs, targets never fitted
    assert set(t.loc[t["role"] == "target", "run_id"]) == {"r16", "r17"}
    np.testing.assert_allclose(t["distance"], np.log10(t["C"] / t["cutoff"]))
    expect = np.select([t["distance"] <= 0.5, t["distance"] <= 1, t["distance"] <= 1.5], B.DISTANCE_BINS[:3],
                       B.DISTANCE_BINS[3])
    assert (t["distance_bin"].astype(str).to_numpy() == expect).all()
    assert list(B.distance_bin([0.5, 0.51, 1.0, 1.5, 1.6]).astype(str)) == ["<=0.5", "0.5-1", "0.5-1", "1-1.5",
                                                                            ">1.5"]
    ok = t[t["method"] == "direct"]
    assert ok[["covered_50", "covered_80", "covered_90", "covered_95"]].notna().all().all()
    # a wider interval covers at least what a narrower one does
    assert (ok["covered_95"] >= ok["covered_50"]).all() and (ok["covered_90"] == ok["covered"]).all()
    s = B.summarise(t, by=["method", "distance_bin"])
    assert {"n_heldout", "mae", "mre", "error_over_se", "coverage", "coverage_50", "interval_score",
            "n_failed"} <= set(s.columns)
    assert s["n_heldout"].sum() == len(t)
    n = B.run(lad, methods=["direct"], cutoffs=2)
    assert n["cutoff"].nunique() == 2 and n["cutoff"].max() == fitted_C[-1]


EXPECTED = {  # ladder: (ladder runs, targets, re-runs, tasks)
    "krajewski_dclm_tpr10": (24, 0, 0, 12), "krajewski_dclm_tpr20": (54, 0, 0, 12),
    "krajewski_dclm_tpr40": (24, 0, 0, 12), "krajewski_dclm_tpr80": (24, 0, 0, 12),
    "krajewski_dclm_tpr160": (22, 0, 0, 12), "krajewski_c4_tpr20": (44, 0, 0, 12),
    "olmo": (25, 2, 5, 8),
    "gadre_c4": (31, 3, 0, 46), "gadre_redpajama": (32, 3, 0, 46), "gadre_refinedweb": (32, 3, 0, 46),
    "pythia_gsm8k": (80, 0, 0, 3), "pythia_math": (71, 0, 0, 3),
    "obsscaling_opt": (8, 0, 0, 8), "obsscaling_pythia": (8, 0, 0, 8), "obsscaling_qwen1.5": (7, 0, 0, 8),
    "obsscaling_cerebras_gpt": (6, 0, 0, 8),
}


@pytest.fixture(scope="module")
def book_ladders(mirror_env, needs_parquet):
    return B.ladders()


def test_book_ladders_counts(book_ladders):
    assert tuple(book_ladders) == B.LADDER_NAMES == tuple(EXPECTED)
    for name, lad in book_ladders.items():
        got = (lad.n_runs("ladder"), lad.n_runs("target"), lad.n_runs("rerun"), lad.n_tasks)
        assert got == EXPECTED[name], name
    olmo = book_ladders["olmo"]
    assert set(olmo.run_table.loc[olmo.run_table["role"] == "target", "run_id"]) == {"olmo/7B-4T", "olmo/13B-5T"}
    floor = olmo.noise_floor()
    assert len(floor) == 5 * 8 and (floor["abs_diff"] < 0.05).all()
    assert not book_ladders["krajewski_dclm_tpr20"].has_N_D and olmo.has_N_D
    # one data set at every size (Pythia's 300B tokens): D is constant, so a law in N and D is not identified
    assert not book_ladders["obsscaling_pythia"].has_N_D and book_ladders["obsscaling_qwen1.5"].has_N_D
    assert "across_tpr" not in B.applicable(book_ladders["obsscaling_opt"], "mmlu")
    assert book_ladders["obsscaling_opt"].min_points == 4
    assert np.isnan(book_ladders["obsscaling_opt"].tasks.loc["xwinograd", "n_items"])
    assert set(B.applicable(book_ladders["pythia_gsm8k"], "gsm8k pass@1")) >= {"compute", "direct"}
    assert "olmo_chained_flops" in B.applicable(olmo, "mmlu") and "two_stage_linear" in B.applicable(olmo, "mmlu")
    with pytest.raises(ValueError, match="unknown ladder"):
        B.ladders(["nope"])


def _small_run():
    lad = B.ladders(["olmo"])["olmo"]
    return B.run(lad, methods=["direct", "two_stage_linear", "sigmoid_log_compute", "carry_forward",
                               "linear_log_compute"], cutoffs=2, tasks=["hellaswag", "arc_easy"])


VERDICT = ["ladder", "task", "method", "cutoff", "run_id", "status", "distance_bin", "covered_50", "covered_80",
           "covered_90", "covered_95"]


def test_the_benchmark_does_not_move_with_the_data(mirror_env, monkeypatch):
    monkeypatch.delenv(PERTURB_ENV, raising=False)
    base = _small_run()
    with perturbed(1e-12, seed=1):
        moved = _small_run()
    assert len(base) > 50
    pd.testing.assert_frame_equal(base[VERDICT], moved[VERDICT])
    np.testing.assert_allclose(moved["predicted"], base["predicted"], rtol=1e-6)
    rank = [B.summarise(t, by=["task", "distance_bin", "method"])["mae"].groupby(level=[0, 1]).rank()
            for t in (base, moved)]
    pd.testing.assert_series_equal(rank[0], rank[1])


def test_workers_do_not_change_the_table():
    lads = [CASES["direct"](), _ladder(np.linspace(0.3, 0.6, C.size), name="line")]
    one = B.run(lads, methods=["direct", "linear_log_compute"], cutoffs=2)
    two = B.run(lads, methods=["direct", "linear_log_compute"], cutoffs=2, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
    assert set(one["ladder"]) == {"synthetic", "line"}
    with pytest.raises(ValueError, match="n_jobs"):
        B.run(lads, n_jobs=0)


def test_a_ladder_is_validated():
    lad = _ladder(np.linspace(0.3, 0.6, C.size))
    with pytest.raises(ValueError, match="role"):
        B.Ladder("x", lad.runs.assign(role="train"), lad.tasks)
    with pytest.raises(ValueError, match="lacks"):
        B.Ladder("x", lad.runs, lad.tasks.drop(columns=["chance"]))
    with pytest.raises(ValueError, match="no rows"):
        B.Ladder("x", lad.runs, lad.tasks.assign(metric="acc_norm"))
    with pytest.raises(ValueError, match="non-finite"):  # the data schema's own check
        B.Ladder("x", lad.runs.assign(value=np.nan), lad.tasks)
    two = _ladder(np.linspace(0.3, 0.6, C.size), L_val=L_VAL)  # two rows per run
    bad = two.runs.copy()
    bad.loc[0, "role"] = "target"  # one run, two roles
    with pytest.raises(ValueError, match="more than one compute or role"):
        B.Ladder("x", bad, two.tasks)
    assert lad.summary() == {"ladder": "synthetic", "runs": 18, "targets": 0, "reruns": 0, "tasks": 1, "N_D": True,
                             "validation_loss": False, "task_loss": False}


# --------------------------------------------------------------------------------------------------------------
# What the table says
# --------------------------------------------------------------------------------------------------------------


def _rows(method, task, errors, *, ladder="L", dbin="0.5-1", se=0.01, width=0.03, covered=1.0, status="converged",
          observed=None):
    n = len(errors)
    obs = np.full(n, 0.5) if observed is None else np.asarray(observed, float)
    err = np.asarray(errors, float)
    dist = {"<=0.5": 0.3, "0.5-1": 0.8, "1-1.5": 1.2, ">1.5": 2.0}[dbin]
    return pd.DataFrame({"ladder": ladder, "task": task, "method": method, "cutoff": 1e20, "status": status,
                         "reason": "", "run_id": [f"r{i}" for i in range(n)], "role": "ladder", "C": 1e21,
                         "distance": dist, "observed": obs, "predicted": obs + err, "error": err,
                         "abs_error": np.abs(err), "rel_error": np.abs(err) / obs, "binomial_se": se,
                         "error_over_se": np.abs(err) / se, "lower": obs + err - width / 2,
                         "upper": obs + err + width / 2, "covered": covered, "covered_50": covered,
                         "covered_80": covered, "covered_90": covered, "covered_95": covered,
                         "interval_score_90": width}).assign(distance_bin=lambda d: B.distance_bin(d["distance"]))


def test_leaderboard_picks_the_lowest_error_and_compares_with_the_baselines():
    t = pd.concat([_rows("direct", "a", [0.01, -0.01, 0.02]), _rows("carry_forward", "a", [0.05, 0.05, 0.04],
                                                                        covered=np.nan),
                   _rows("linear_log_compute", "a", [0.03, 0.03, 0.03]),
                   _rows("sigmoid_log_compute", "a", [0.001] * 3, status="failed"),  # fails everywhere: never best
                   _rows("direct", "a", [0.1] * 3, dbin=">1.5"), _rows("linear_log_compute", "a", [0.2] * 3,
                                                                       dbin=">1.5")])
    board = B.leaderboard(t)
    assert list(board.index.get_level_values("distance_bin")) == ["0.5-1", ">1.5"]  # nearest first
    row = board.loc[("L", "0.5-1")]
    assert row["best"] == "direct" and row["score"] == pytest.approx(0.01)
    assert row["baseline"] == "linear_log_compute" and row["ratio"] == pytest.approx(0.01 / 0.03)
    assert board.loc[("L", ">1.5"), "best"] == "direct"


def test_task_verdicts_follow_the_stated_rule():
    rule = B.VerdictRule()
    t = pd.concat([
        _rows("direct", "easy", [0.01, 0.015, -0.01], width=0.05),            # 1.0-1.5 SE, narrow: predictable
        _rows("direct", "wide", [0.01, 0.01, 0.01], width=0.5),               # right, but 15x the noise's width
        _rows("direct", "miss", [0.05, 0.06, 0.05], width=0.05),              # 5 SE off
        _rows("direct", "undercovers", [0.01] * 3, width=0.05, covered=0.0),  # right but intervals never hold
        _rows("direct", "far_only", [0.01] * 3, dbin=">1.5"),                 # nothing in the judged bin
        _rows("carry_forward", "flat", [0.0] * 3, covered=np.nan),            # no interval: cannot be judged
    ])
    v = B.task_verdicts(t, rule).droplevel("ladder")
    assert v.loc["easy", "verdict"] == "predictable" and v.loc["easy", "best"] == "direct"
    assert v.loc["wide", "verdict"] == "predictable with wide intervals"
    assert v.loc["miss", "verdict"] == "not predictable" and v.loc["undercovers", "verdict"] == "not predictable"
    assert v.loc["far_only", "verdict"] == "not assessed" and v.loc["flat", "verdict"] == "not assessed"
    assert set(v["verdict"]) <= set(B.VERDICTS)
    # the task gets the best verdict any method earns
    two = pd.concat([_rows("direct", "x", [0.05] * 3), _rows("linear_log_compute", "x", [0.01] * 3, width=0.05)])
    assert B.task_verdicts(two).loc[("L", "x"), "best"] == "linear_log_compute"
    assert B.task_verdicts(two, methods=["direct"]).loc[("L", "x"), "verdict"] == "not predictable"
    with pytest.raises(ValueError, match="distance_bin"):
        B.VerdictRule(distance_bin="10")


def test_a_task_moves_when_its_trend_exceeds_the_noise():
    rng = np.random.default_rng(0)
    flat = _rows("direct", "flat", [0.0] * 20, observed=0.5 + rng.normal(0, 0.01, 20)).assign(
        run_id=[f"r{i}" for i in range(20)], C=np.geomspace(1e19, 1e22, 20))
    rising = flat.assign(task="rising", observed=np.linspace(0.4, 0.6, 20))
    v = B.task_verdicts(pd.concat([flat, rising])).droplevel("ladder")
    assert np.ptp(flat["observed"]) > 2 * 0.01  # the range alone would call the flat task moving
    assert not v.loc["flat", "moves"] and v.loc["rising", "moves"]


def test_direct_vs_two_stage_and_distance_curve():
    t = pd.concat([_rows("direct", "a", [0.01] * 3), _rows("two_stage_linear", "a", [0.03] * 3),
                   _rows("two_stage_logistic", "a", [0.02] * 3), _rows("direct", "b", [0.05] * 3),
                   _rows("two_stage_linear", "b", [0.04] * 3), _rows("direct", "c", [0.01] * 3),
                   _rows("two_stage_linear", "c", [0.02] * 3)])
    d = B.direct_vs_two_stage(t).loc[("L", "0.5-1")]
    assert d["direct_wins"] == pytest.approx(2 / 3) and d["verdict"] == "direct" and d["n_tasks"] == 3
    curve = B.distance_curve(t, step=0.5, score="abs_error")
    assert set(curve["method"]) == {"direct", "two_stage_linear", "two_stage_logistic"}
    assert curve.loc[curve["method"] == "two_stage_logistic", "median"].iloc[0] == pytest.approx(0.02)
    assert (curve["distance"] == 0.75).all()


def test_corpus_ranking_counts_pairs_right():
    ladders, rows = {}, []
    for i, corpus in enumerate(("a", "b", "c")):
        y = np.linspace(0.3, 0.5, C.size) + 0.01 * i  # c > b > a everywhere
        role = np.where(np.arange(C.size) >= 17, "target", "ladder")
        lad = _ladder(y, role=role, name=f"gadre_{corpus}")
        ladders[lad.name] = lad
        # a method that gets the target's order backwards
        rows.append(_rows("direct", "task", [0.0], ladder=lad.name, observed=[y[-1]]).assign(
            run_id="r17", role="target", predicted=0.5 - 0.01 * i))
    r = B.corpus_ranking(pd.concat(rows), ladders)
    raw, direct = r[r["ranking"] == "raw"].iloc[0], r[r["ranking"] == "direct"].iloc[0]
    assert raw["pairs"] == 3 and raw["right"] == 3 and direct["right"] == 0
    acc = B.ranking_accuracy(r)
    assert acc.loc[("direct", "all"), "accuracy"] == 0 and acc.loc[("direct", "all"), "raw_accuracy"] == 1
    assert acc.loc[("direct", "all"), "gain"] == -1 and "raw" not in acc.index.get_level_values("ranking")
    # a ranking that misses one corpus is not judged on that target (not on the other two's pair alone)
    partial = B.corpus_ranking(pd.concat(rows[:2]), ladders)
    assert partial.loc[partial["ranking"] == "direct", "pairs"].sum() == 0
    with pytest.raises(ValueError, match="two ladders"):
        B.corpus_ranking(pd.concat(rows), {"gadre_a": ladders["gadre_a"]})


def test_user_ladder_and_pick():
    y = CHANCE + (1 - CHANCE) * _law("direct", {"C": C}, A=2000.0, alpha=0.15)
    frame = pd.DataFrame({"flops": C, "acc": y, "flat": 0.3, "other": np.linspace(0.3, 0.4, C.size)})
    lad = B.user_ladder(frame, ["acc", "other"], C="flops", chance=CHANCE, n_items=1000)
    assert lad.n_runs() == C.size and lad.n_tasks == 2 and not lad.has_N_D and lad.proxy is None
    t = B.run(lad, methods=["direct", "linear_log_compute", "carry_forward"], cutoffs=3)
    p = B.pick(t).droplevel("ladder")
    assert p.loc["acc", "method"] == "direct" and p.loc["acc", "beats_baselines"]
    assert p.loc["other", "method"] == "linear_log_compute"  # a straight line is exact on a straight line
    no_items = B.user_ladder(frame, "acc", C="flops")
    assert np.isnan(no_items.tasks.loc["acc", "n_items"])
    assert B.run(no_items, methods=["direct"], cutoffs=1)["error_over_se"].isna().all()
    with pytest.raises(ValueError, match="missing column"):
        B.user_ladder(frame, ["acc", "nope"], C="flops")
    with pytest.raises(ValueError, match="single value"):
        B.user_ladder(frame, "flat", C="flops")
    with pytest.raises(ValueError, match="distinct compute"):
        B.user_ladder(frame.iloc[:1], "acc", C="flops")
    with pytest.raises(ValueError, match="non-numeric"):
        B.user_ladder(frame.assign(acc=frame["acc"].astype(object).where(frame.index > 0, "n/a")), "acc",
                      C="flops")
    with pytest.raises(ValueError, match="> 0"):
        B.user_ladder(frame.assign(flops=-frame["flops"]), "acc", C="flops")


def test_the_shipped_table_matches_a_fresh_computation(mirror_env, monkeypatch):
    """The drift check: the shipped table (python -m scalinglaws.benchmark --write) against a fresh run of one
    ladder x task; its sha256 is checked on load, and a table that does not match its provenance is refused."""
    monkeypatch.delenv(PERTURB_ENV, raising=False)
    shipped = B.load_results()
    info = shipped.attrs["provenance"]
    assert set(shipped["ladder"]) == set(B.LADDER_NAMES) == set(info["ladders"]) and len(shipped) == info["rows"]
    lad = B.ladders(["krajewski_dclm_tpr40"])["krajewski_dclm_tpr40"]
    fresh = B.run(lad, cutoffs=B.RESULTS_PLAN["cutoffs"], tasks=["arc_easy"])
    old = shipped[(shipped["ladder"] == lad.name) & (shipped["task"] == "arc_easy")
                  & shipped["method"].isin(fresh["method"].unique())]
    key = ["method", "cutoff", "run_id"]
    fresh, old = (f.sort_values(key).reset_index(drop=True) for f in (fresh, old))
    assert len(fresh) == len(old) > 100
    assert (fresh[["method", "run_id", "status"]] == old[["method", "run_id", "status"]]).all().all()
    np.testing.assert_allclose(fresh["cutoff"], old["cutoff"], rtol=1e-9)
    np.testing.assert_allclose(fresh["predicted"], old["predicted"], rtol=1e-5, atol=1e-8)  # 10 digits shipped
    np.testing.assert_allclose(fresh["covered_90"], old["covered_90"])


def test_a_tampered_table_is_refused(tmp_path):
    import gzip
    import json

    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"ladder,distance,reason\nx,0.3,\n"))
    path.with_suffix("").with_suffix(".json").write_text(json.dumps({"sha256": "0" * 64}))
    with pytest.raises(ValueError, match="sha256"):
        B.load_results(path)
    with pytest.raises(FileNotFoundError, match="--write"):
        B.load_results(tmp_path / "none.csv.gz")
