import shutil

import numpy as np
import pandas as pd
import pytest

from scalinglaws import datasets as ds

DCLM = "data/metrics_dclm_data_mixture.csv"


def test_registry_pins_every_dataset_to_a_commit_with_hashes():
    reg = ds.registry()
    assert {"krajewski2025", "gadre2024", "olmo_ladder", "pythia_passk", "chinchilla_epoch"} <= set(reg)
    for name, entry in reg.items():
        assert len(entry["commit"]) == 40, name
        assert entry["license"] and entry["citation"], name
        assert all(len(h) == 64 for h in entry["files"].values()), name


def test_fetch_reads_the_mirror_and_verifies(use_mirror):
    path = ds.fetch("krajewski2025", DCLM)
    assert path == use_mirror / "krajewski2025" / DCLM
    assert ds.sha256(path) == ds.registry()["krajewski2025"]["files"][DCLM]


def test_corrupted_mirror_file_is_refused(mirror, tmp_path, monkeypatch):
    bad = tmp_path / "mirror" / "krajewski2025" / DCLM
    bad.parent.mkdir(parents=True)
    shutil.copy(mirror / "krajewski2025" / DCLM, bad)
    with open(bad, "a") as fh:
        fh.write("9999,1.0,arc_easy,acc,0.99,20.0\n")
    monkeypatch.setenv("SCALINGLAWS_DATA_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("SCALINGLAWS_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ds.DataIntegrityError, match="does not match the registry"):
        ds.fetch("krajewski2025", DCLM)
    with pytest.raises(ValueError):  # DataIntegrityError is a ValueError: callers catching bad input see it
        ds.load_krajewski("dclm")


def test_corrupted_cache_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("SCALINGLAWS_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALINGLAWS_CACHE", str(tmp_path))
    target = tmp_path / "chinchilla_epoch" / "data" / "svg_extracted_data.csv"
    target.parent.mkdir(parents=True)
    target.write_text("x,y\n1,2\n")
    with pytest.raises(ds.DataIntegrityError):
        ds.fetch("chinchilla_epoch", "data/svg_extracted_data.csv")


def test_missing_file_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("SCALINGLAWS_DATA_MIRROR", str(tmp_path / "empty"))
    monkeypatch.setenv("SCALINGLAWS_CACHE", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise ConnectionError("no network in this test")

    monkeypatch.setattr("pooch.retrieve", offline)
    with pytest.raises(ds.DataUnavailableError) as info:
        ds.fetch("chinchilla_epoch", "data/svg_extracted_data.csv")
    msg = str(info.value)
    assert str(tmp_path / "empty") in msg and "SCALINGLAWS_DATA_MIRROR" in msg and "raw.githubusercontent.com" in msg


def test_unknown_dataset_or_file():
    with pytest.raises(ValueError, match="unknown dataset"):
        ds.fetch("nope", "x.csv")
    with pytest.raises(ValueError, match="not a registered file"):
        ds.fetch("krajewski2025", "data/other.csv")


def test_download_is_filtered_to_the_registered_rows(mirror, tmp_path, monkeypatch):
    """A download of the full upstream file, filtered to the registry's rows, must equal the mirror's subset."""
    subset = (mirror / "krajewski2025" / DCLM).read_text()
    lines = subset.splitlines(keepends=True)
    # An 'upstream' file: the subset with extra metrics interleaved (as the real upstream file has).
    upstream = [lines[0]]
    for i, line in enumerate(lines[1:]):
        upstream.append(line)
        if i % 7 == 0:
            upstream.append(f"{100000 + i},1825570816.0,arc_easy,acc_stderr,0.01,20.0\n")
    fake = tmp_path / "upstream.csv"
    fake.write_text("".join(upstream))
    monkeypatch.delenv("SCALINGLAWS_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALINGLAWS_CACHE", str(tmp_path / "cache"))

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        assert url == ds.upstream_url("krajewski2025", DCLM)
        assert known_hash is None  # upstream hash unknown: the filtered subset is verified instead
        dest = path / fname
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fake, dest)
        return str(dest)

    monkeypatch.setattr("pooch.retrieve", fake_retrieve)
    path = ds.fetch("krajewski2025", DCLM)
    assert path.read_text() == subset


def test_load_krajewski_tidy_and_deduplicated(use_mirror):
    df = ds.load_krajewski()
    assert list(df.columns) == ["run_id", "mixture", "N", "D", "C", "TPR", "benchmark", "metric", "value", "n_items"]
    assert df.groupby("mixture")["run_id"].nunique().to_dict() == {"c4": 44, "dclm": 148}
    assert not df.duplicated(["run_id", "benchmark", "metric"]).any()
    dclm = df[df.mixture == "dclm"]
    np.testing.assert_allclose(dclm["N"], dclm["D"] / dclm["TPR"])
    np.testing.assert_allclose(df["C"], 6 * df["N"] * df["D"], rtol=1e-12)
    assert (dclm[dclm.TPR == 20]["run_id"].nunique()) == 54
    assert set(dclm["TPR"]) == {10, 20, 40, 80, 160}


def test_load_krajewski_drops_impossible_passk(use_mirror, caplog):
    with caplog.at_level("INFO", logger="scalinglaws"):
        df = ds.load_krajewski("dclm")
    assert "impossible" in caplog.text
    passk = df[df["metric"].str.startswith("pass@")]
    for _, g in passk.groupby(["run_id", "benchmark"]):
        p1 = g.loc[g.metric == "pass@1", "value"].iloc[0]
        assert not (p1 == 0 and (g["value"] > 0).any())
    # but the run itself is kept for its other benchmarks
    assert "dclm/tpr10/D10655629312" in set(df["run_id"])


def test_accuracy_counts_are_integral(use_mirror):
    """accuracy x question count is an integer for the benchmarks scored by plain counts."""
    df = ds.load_krajewski()
    plain = df[df.benchmark.isin(["arc_easy", "gsm8k_cot_llama", "lambada_openai"])
               & df.metric.isin(["acc", "exact_match"])]
    k = plain["value"] * plain["n_items"].astype(float)
    assert np.allclose(k, np.round(k), atol=1e-6)


def test_bad_mixture():
    with pytest.raises(ValueError, match="mixture"):
        ds.load_krajewski("pile")


def test_file_status_lists_every_file(use_mirror):
    status = ds.file_status()
    assert (status["local"] == "mirror").all()
    assert len(status) == sum(len(e["files"]) for e in ds.registry().values())


def test_schema_validates_run_tables_and_selects_series():
    from scalinglaws.datasets import select, validate_runs

    good = pd.DataFrame({"run_id": ["a", "b", "a"], "C": [1e18, 1e19, 1e18], "benchmark": ["x", "x", "y"],
                         "metric": ["acc"] * 3, "value": [0.3, 0.4, 0.5]})
    assert validate_runs(good) is good
    for bad, message in [(good.drop(columns="C"), "missing column"),
                         (good.assign(C=[1e18, -1.0, 1e18]), "C must be finite and > 0"),
                         (good.assign(value=[0.3, np.nan, 0.5]), "non-finite value"),
                         (pd.concat([good, good.iloc[:1]]), "repeated"),
                         (good.assign(N=["big", "small", "big"]), "'N' must be numeric")]:
        with pytest.raises(ValueError, match=message):
            validate_runs(bad)
    s = select(good, "x", "acc")
    assert s["C"].tolist() == [1e18, 1e19]
    assert select(good, "x", "acc_norm").empty
    with pytest.raises(ValueError, match="it has acc"):
        select(good, "x", "acc_norm", required=True)


def test_every_loader_returns_a_valid_run_table(use_mirror):
    from scalinglaws.datasets import validate_runs

    tables = {"krajewski": ds.load_krajewski(), "olmo": ds.load_olmo_ladder(), "gadre": ds.load_gadre(),
              "obsscaling": ds.load_obsscaling()}
    for name, table in tables.items():
        validate_runs(table, name)


@pytest.mark.parametrize("table", ["krajewski_benchmarks", "olmo_benchmarks"])
def test_benchmark_tables_cannot_be_changed_by_a_caller(table):
    first = getattr(ds, table)()
    assert list(first.columns[1:]) == ["metric", "n_items", "chance"] and first["n_items"].dtype.kind == "i"
    first.loc[first.index[0], "chance"] = 0.99
    del first["n_items"]
    again = getattr(ds, table)()
    assert again.loc[again.index[0], "chance"] < 0.99 and "n_items" in again


def test_benchmark_table_refuses_bad_rows():
    from scalinglaws.datasets.schema import benchmark_table

    row = ("arc", "mc", "acc", 100, 0.25)
    for rows, message in [([row, row], "repeated"), ([("arc", "mc", "acc", 0, 0.25)], "n_items"),
                          ([("arc", "mc", "acc", 100, 1.0)], "chance")]:
        with pytest.raises(ValueError, match=message):
            benchmark_table(rows, label="kind")
