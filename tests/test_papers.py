"""The papers' protocols, published numbers and claims() frames."""

import dataclasses

import numpy as np
import pytest

from scalinglaws.papers import (
    PROVENANCES,
    STATUSES,
    claim_row,
    claims_frame,
    krajewski,
    paper_value,
    provenance,
    published,
    schaeffer,
    vary,
)
from scalinglaws.papers._protocol import choice
from scalinglaws.papers.bnsl_authors import (
    bnsl_accuracy,
    bnsl_accuracy_gradient,
    fit_bnsl_authors,
    fit_bnsl_authors_seeds,
)

PROTOCOLS = [krajewski.PROTOCOL, schaeffer.PROTOCOL]


# --------------------------------------------------------------------------------------------------------------
# Protocols
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=["krajewski", "schaeffer"])
def test_protocol_is_frozen(protocol):
    name = dataclasses.fields(protocol)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(protocol, name, None)


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=["krajewski", "schaeffer"])
def test_every_field_has_provenance(protocol):
    table = provenance(protocol)
    assert list(table.index) == [f.name for f in dataclasses.fields(protocol)]
    assert set(table["provenance"]) <= set(PROVENANCES)
    assert (table["note"].str.len() > 10).all()
    # a choice of the paper or of the authors' code names where it comes from; a choice of ours is unconfirmed
    assert (table.loc[table["provenance"] != "ours", "source"].str.len() > 0).all()
    assert (table.loc[table["provenance"] == "ours", "confidence"] == "unconfirmed").all()


def test_choice_refuses_bad_provenance():
    with pytest.raises(ValueError, match="provenance"):
        choice(1, "folklore", "a note")
    with pytest.raises(ValueError, match="UNCONFIRMED"):
        choice(1, "ours", "a note", confidence="confirmed")
    with pytest.raises(ValueError, match="note"):
        choice(1, "paper", "")


def test_krajewski_protocol_is_the_papers():
    P = krajewski.PROTOCOL
    assert len(P.benchmarks) == 12 and "mmlu" not in P.benchmarks and "math_minerva" not in P.benchmarks
    assert (P.filter_margin, P.min_compute, P.split_compute, P.normalise) == (0.05, 3e18, 6e21, True)
    assert provenance(P).loc["random_level", "provenance"] == "ours"  # the stand-in is said to be ours


def test_protocol_validates_its_fields():
    with pytest.raises(ValueError, match="random_level"):
        dataclasses.replace(krajewski.PROTOCOL, random_level="guessed")
    with pytest.raises(ValueError, match="unknown benchmark"):
        dataclasses.replace(krajewski.PROTOCOL, benchmarks=("arc_easy", "nope"))
    with pytest.raises(ValueError, match="min_compute"):
        dataclasses.replace(krajewski.PROTOCOL, min_compute=1e22)
    with pytest.raises(ValueError, match="benchmark"):
        dataclasses.replace(schaeffer.PROTOCOL, benchmark="humaneval")


def test_vary_changes_one_field_at_a_time():
    rows = vary(krajewski.PROTOCOL, filter_margin=[0.0, 0.05, 0.1], normalise=[False])
    assert [(f, v) for f, v, _ in rows] == [("protocol", "as stated"), ("filter_margin", 0.0),
                                            ("filter_margin", 0.1), ("normalise", False)]
    for field, value, p in rows[1:]:
        changed = [f.name for f in dataclasses.fields(p) if getattr(p, f.name) != getattr(krajewski.PROTOCOL, f.name)]
        assert changed == [field] and getattr(p, field) == value
    with pytest.raises(ValueError, match="unknown protocol field"):
        vary(krajewski.PROTOCOL, margin=[0.1])


# --------------------------------------------------------------------------------------------------------------
# Published numbers
# --------------------------------------------------------------------------------------------------------------


def test_published_table_has_every_number_claims_compare_against():
    pub = published()
    assert {"value", "upper", "source", "secondary", "note"} <= set(pub.columns)
    assert pub["source"].str.len().gt(10).all()
    assert pub["secondary"].map(type).eq(bool).all()
    for paper, ids in (("krajewski", krajewski.CLAIM_IDS), ("schaeffer", schaeffer.CLAIM_IDS)):
        frame_keys = set(published(paper).index)
        assert {i for i in ids if i not in ("direct_beats_two_stage", "mixture_conditions_law",
                                            "envelope_alpha_gap", "stability_orders_params_tokens")} <= frame_keys
    # relative errors are fractions, as the claims frames report them
    assert paper_value("krajewski", "direct_mre") == pytest.approx(0.0196)
    assert published("krajewski").loc["direct_mre", "secondary"]  # from third-party notes
    assert published("schaeffer").loc["stability_orders_compute", "upper"] == 2.5


def test_published_table_refuses_a_bad_entry(tmp_path, monkeypatch):
    bad = tmp_path / "published.toml"
    bad.write_text('[krajewski.x]\nvalue = 1.0\nsource = "somewhere"\n')
    monkeypatch.setenv("SCALINGLAWS_PUBLISHED", str(bad))
    with pytest.raises(ValueError, match="secondary"):
        published()
    with pytest.raises(ValueError, match="no published numbers"):
        monkeypatch.setenv("SCALINGLAWS_PUBLISHED", str(tmp_path / "ok.toml"))
        (tmp_path / "ok.toml").write_text('[krajewski.x]\nvalue = 1.0\nsource = "s"\nsecondary = false\n')
        published("schaeffer")
    with pytest.raises(KeyError, match="no published number"):
        paper_value("krajewski", "y")


def test_claim_row_refuses_an_unknown_status():
    with pytest.raises(ValueError, match="status"):
        claim_row("c", "m", 1.0, 1.0, "kind of", "r", "ch")
    frame = claims_frame({"a": claim_row("c", "m", np.nan, 1.0, "partly", "r", "ch")})
    assert list(frame.columns) == ["claim", "metric", "paper", "ours", "status", "rule", "chapter", "note"]


# --------------------------------------------------------------------------------------------------------------
# The authors' BNSL procedure
# --------------------------------------------------------------------------------------------------------------


def test_bnsl_gradient_matches_central_differences():
    C = np.geomspace(3e18, 6e21, 25)
    theta = np.array([0.6, -2.0, 0.05, 3e20, 0.7, 0.4])
    J = bnsl_accuracy_gradient(C, *theta)
    for j in range(theta.size):
        h = 1e-6 * abs(theta[j])
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (bnsl_accuracy(C, *up) - bnsl_accuracy(C, *down)) / (2 * h)
        np.testing.assert_allclose(J[:, j], fd, rtol=1e-5, atol=1e-9 * np.abs(J[:, j]).max())


def test_bnsl_authors_is_seeded_and_refuses_bad_input():
    C = np.geomspace(1e19, 1e21, 12)
    Q = 1 - 0.5 * (C / 1e19) ** -0.1
    a = fit_bnsl_authors(C, Q, n_starts=3, n_hops=1, seed=4)
    b = fit_bnsl_authors(C, Q, n_starts=3, n_hops=1, seed=4)
    assert a.params == b.params and a.objective == b.objective
    assert np.all(np.isfinite(a.predict(C)))
    with pytest.raises(ValueError, match="space"):
        fit_bnsl_authors(C, Q, space="loss")
    with pytest.raises(ValueError, match="usable points"):
        fit_bnsl_authors(C[:4], Q[:4])
    with pytest.raises(ValueError, match=r"\(0.5, 1\)"):
        fit_bnsl_authors(C, Q, chance=0.5)


def test_bnsl_authors_seeds_are_independent_runs_reported_as_a_distribution():
    C = np.geomspace(1e19, 1e21, 12)
    Q = 1 - 0.5 * (C / 1e19) ** -0.1
    runs = fit_bnsl_authors_seeds(C, Q, seeds=3, n_starts=2, n_hops=1)
    assert runs.seeds == (0, 1, 2) and len(runs.fits) == 3
    # seed j is exactly one run of the procedure with that seed, and no two seeds share a start
    one = fit_bnsl_authors(C, Q, n_starts=2, n_hops=1, seed=1)
    assert runs.fits[1].params == one.params and runs.fits[1].objective == one.objective
    assert len({tuple(f.start.values()) for f in runs.fits}) == 3
    t = runs.table()
    assert list(t.index) == [0, 1, 2] and {"objective", "d1", "log10_d1", "break_inside", "at_best"} <= set(t)
    assert runs.best.objective == runs.objectives.min() and 1 <= runs.n_at_best() <= 3
    assert t["at_best"].sum() == runs.n_at_best()
    assert runs.predict_seeds(C[:4]).shape == (3, 4) and runs.predict(C=C[:4]).shape == (4,)
    with pytest.raises(ValueError, match="distinct"):
        fit_bnsl_authors_seeds(C, Q, seeds=[1, 1], n_starts=2, n_hops=1)
    with pytest.raises(ValueError, match="n_jobs"):
        fit_bnsl_authors_seeds(C, Q, seeds=2, n_starts=2, n_hops=1, n_jobs=0)


def test_bnsl_authors_seeds_in_worker_processes_are_the_same_runs():
    C = np.geomspace(1e19, 1e21, 12)
    Q = 1 - 0.5 * (C / 1e19) ** -0.12
    serial = fit_bnsl_authors_seeds(C, Q, seeds=[5, 6], n_starts=2, n_hops=1)
    pooled = fit_bnsl_authors_seeds(C, Q, seeds=[5, 6], n_starts=2, n_hops=1, n_jobs=2, delta=1e-3)
    assert [f.params for f in serial.fits] == [f.params for f in pooled.fits]


def test_route_winners_settle_only_what_every_seed_agrees_on():
    import pandas as pd

    rows = [("a", "direct", 0.05, np.nan, np.nan), ("a", "bnsl", 0.20, 0.10, 0.30),
            ("b", "direct", 0.05, np.nan, np.nan), ("b", "bnsl", 0.20, 0.01, 0.30),
            ("c", "direct", 0.05, np.nan, np.nan), ("c", "bnsl", 0.02, 0.01, 0.04)]
    detail = pd.DataFrame(rows, columns=["benchmark", "route", "mre", "mre_min", "mre_max"]).set_index(
        ["benchmark", "route"])
    w = krajewski.route_winners(detail, routes=("direct", "bnsl"))
    assert w["winner"].tolist() == ["direct", "direct", "bnsl"]
    assert w["settled"].tolist() == [True, False, True]


# --------------------------------------------------------------------------------------------------------------
# Claims on the real data
# --------------------------------------------------------------------------------------------------------------


def _check_frame(frame, ids):
    assert list(frame.index) == list(ids)
    assert list(frame.columns) == ["claim", "metric", "paper", "ours", "status", "rule", "chapter", "note"]
    assert frame["status"].isin(STATUSES).all()
    assert frame["ours"].map(np.isfinite).all()
    assert frame["rule"].str.len().gt(10).all()


def test_krajewski_claims(mirror_env):
    fast = dataclasses.replace(krajewski.PROTOCOL, bnsl_starts=4, bnsl_hops=0, bnsl_seeds=3)
    frame = krajewski.claims(fast)
    _check_frame(frame, krajewski.CLAIM_IDS)
    # the paper's numbers come from the published table, relative errors as fractions
    assert frame.loc["direct_mre", "paper"] == paper_value("krajewski", "direct_mre")
    assert 0 < frame.loc["direct_mre", "ours"] < 0.5
    # the proxy maps and Eq. 5 are close to the paper's numbers on its own data
    assert frame.loc["proxy_r2_c4_loss", "ours"] == pytest.approx(0.993, abs=0.005)
    assert frame.loc["passk_mae", "ours"] == pytest.approx(0.0284, abs=0.005)
    with pytest.raises(ValueError, match="unknown claim"):
        krajewski.claims(fast, ids=["nope"])


def test_krajewski_filter_is_the_choice_that_moves_gsm8k(mirror_env):
    s = krajewski.sensitivity(filter_margin=[0.0])
    stated = s.loc[("protocol", "as stated", "direct")]
    former = s.loc[("filter_margin", "0", "direct")]
    assert former["gsm8k_mre"] > 2 * stated["gsm8k_mre"]
    assert former["mre"] > stated["mre"]


def test_krajewski_empirical_random_level_needs_small_runs(mirror_env):
    with pytest.raises(ValueError, match="no run below 1e\\+17"):
        krajewski.random_levels(dataclasses.replace(krajewski.PROTOCOL, random_level="empirical"))
    levels = krajewski.random_levels(dataclasses.replace(krajewski.PROTOCOL, random_level="empirical",
                                                         random_level_below=2e18))
    assert levels.index.tolist() == list(krajewski.PROTOCOL.benchmarks)
    assert (levels >= 0).all() and (levels < 1).all()


def test_krajewski_fit_mask():
    P = krajewski.PROTOCOL
    C = np.array([1e18, 3e18, 1e20, 6e21, 1e22])
    Q = np.array([0.9, 0.30, 0.29, 0.5, 0.5])
    # below the range; in range and 5 points above chance; 4 points above; at the split; above the split
    assert krajewski.fit_mask(P, C, Q, 0.25).tolist() == [False, True, False, True, False]
    assert krajewski.fit_mask(P, C, Q, 0.25, filtered=False).tolist() == [False, True, True, True, False]


def test_schaeffer_range_and_claims(mirror_env, needs_parquet):
    rng = schaeffer.compute_range()
    assert rng["sizes"] == 8 and rng["orders"] == pytest.approx(5.0, abs=0.05)
    frame = schaeffer.claims()
    _check_frame(frame, schaeffer.CLAIM_IDS)
    assert frame.loc["alpha_k1", "paper"] == pytest.approx(0.121)
    assert frame.loc["gold_stability_orders", "status"] == "not testable"
    # statuses that know about identifiability and about criteria of ours (the rules in claims())
    assert frame.loc["E0_k1", "status"] == "inconclusive" and "profile interval" in frame.loc["E0_k1", "note"]
    assert frame.loc["E0_vanishes_k", "status"] == "inconclusive"
    assert frame.loc["envelope_alpha_gap", "status"] == "not testable"
    assert frame.loc["stability_orders_compute", "status"] == "inconclusive"
    assert "20%" in frame.loc["stability_orders_compute", "note"]
    every = schaeffer.claims(dataclasses.replace(schaeffer.PROTOCOL, min_params=0, min_tokens=0),
                             ids=("E0_k1", "envelope_alpha_gap"))
    assert every.loc["E0_k1", "status"] == "not reproduced"  # E0(1)'s interval reaches 0 and excludes the paper's
    assert every.loc["envelope_alpha_gap", "status"] == "reproduced"  # both E0 vanish: the theorem's pair
    # the fitted range decides E0(1): every checkpoint drives it to zero, the paper's range does not
    s = schaeffer.sensitivity(min_tokens=[2e6])
    assert s.loc[("protocol", "as stated"), "E0_k1"] > 0.5
    assert s.loc[("min_tokens", "2e+06"), "E0_k1"] < 1e-3
    assert s.loc[("min_tokens", "2e+06"), "orders"] > 7


def test_krajewski_heldout_options_and_per_tpr_fits(mirror_env):
    P = krajewski.PROTOCOL
    assert krajewski.heldout_options(P) == {"normalise": True, "filter_margin": 0.05, "min_compute": 3e18}
    assert "min_compute" not in krajewski.heldout_options(P, compute_range=False)
    assert krajewski.route_options(P)["two_stage_filter"] is False
    fits = krajewski.per_tpr_fits(P, ["arc_easy"])["arc_easy"]
    assert sorted(fits.index) == [10.0, 20.0, 40.0, 80.0, 160.0] and (fits["status"] == "converged").all()
    # the filter and the range floor decide the points: every fitted run passes fit_mask
    table = krajewski.ladder(P, all_tprs=True)
    d = table[(table["benchmark"] == "arc_easy") & (table["metric"] == "acc") & (table["TPR"] == 20)]
    keep = krajewski.fit_mask(dataclasses.replace(P, split_compute=np.inf), d["C"], d["value"], 0.25)
    assert fits.loc[20.0, "n_points"] == int(keep.sum()) < len(d)


def test_benchmark_series_is_the_protocols_runs(use_mirror):
    P = krajewski.PROTOCOL
    s = krajewski.benchmark_series(P, "hellaswag")
    assert np.all(np.diff(s.C) >= 0) and s.C.shape == s.Q.shape == s.fitted.shape == s.held.shape
    assert s.chance == 0.25 and s.metric == P.mc_metric and s.n_items == 10042
    np.testing.assert_array_equal(s.fitted, krajewski.fit_mask(P, s.C, s.Q, s.chance))
    assert not (s.fitted & s.held).any() and s.held.sum() > 0
    with pytest.raises(ValueError, match="not a benchmark of the protocol"):
        krajewski.benchmark_series(P, "mmlu")


def test_the_authors_script_runs_table():
    from scalinglaws.papers.bnsl_authors import script_runs

    t = script_runs()
    assert t.index.names == ["precision", "response", "benchmark"] and len(t) == 44
    assert set(t.index.get_level_values("precision")) == {"float32", "float64"}
    assert (t["starts_flat"] + t["starts_rising"] == 100).all() and (t["starts_at_best"] >= 1).all()
    assert set(t.index.get_level_values("benchmark")) == set(krajewski.PROTOCOL.benchmarks[:-1])


def test_krajewski_pass_at_k_heldout_scores_through_the_one_scorer():
    from scalinglaws.heldout import SUMMARY_COLUMNS

    t = krajewski.pass_at_k_heldout(krajewski.PROTOCOL)
    assert list(t.columns) == list(SUMMARY_COLUMNS)
    assert t.index.get_level_values("split").nunique() == 2 and len(t) == 4
    assert (t["n_heldout"] > 0).all() and t["error_over_se"].notna().all()
    fewer = krajewski.pass_at_k_heldout(krajewski.PROTOCOL, benchmarks=("humaneval-py",), k_fit_max=8)
    assert fewer.iloc[0]["n_heldout"] == t.loc[(t.index[0][0], "humaneval-py"), "n_heldout"]  # same predicted k
