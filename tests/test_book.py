"""The chapters' shared helpers (scalinglaws.book), the glue check (.ci/glue_check.py) and the results cache."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws import _cache
from scalinglaws.book import GLUE_MIME, claims_html, count, record, share

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("glue_check", ROOT / ".ci" / "glue_check.py")
glue_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(glue_check)


def test_count_refuses_the_object_column_that_summed_to_true():
    """The bug of *Forecast your own model*: a transpose left Python/NumPy booleans as object, whose sum is True."""
    frame = pd.DataFrame({"calibrated": [True, False, True], "delta": [True, True, False]}).T.T.astype(object)
    assert frame["calibrated"].sum() is True or frame["calibrated"].sum() == 2  # what a bare sum gives varies
    with pytest.raises(ValueError, match="boolean mask"):
        count(frame["calibrated"])
    assert count(frame["calibrated"].astype(bool)) == 2
    assert share(np.array([True, False, False, True])) == 0.5
    with pytest.raises(ValueError, match="empty"):
        share(np.array([], dtype=bool))


def test_record_kinds_and_refusals():
    Markdown = pytest.importorskip("IPython.display", reason="the [book] extra (IPython) is not installed").Markdown
    assert record("n", np.int64(8)) == {"name": "n", "kind": "int", "value": 8}
    assert record("b", np.bool_(True))["kind"] == "bool"
    assert record("s", "reproduced")["kind"] == "text"
    assert record("m", Markdown("`sciq`")) == {"name": "m", "kind": "markdown", "value": "`sciq`"}
    r = record("x", np.float64(0.5), rtol=0.1)
    assert r["kind"] == "float" and r["rtol"] == 0.1 and r["atol"] == 1e-9
    for bad, match in [(np.array([1.0, 2.0]), "scalar"), (pd.Series([1]), "scalar"), (float("nan"), "finite"),
                       (None, "scalar"), (object(), "cannot glue")]:
        with pytest.raises(ValueError, match=match):
            record("k", bad)
    with pytest.raises(ValueError, match="tolerances"):
        record("k", 1.0, rtol=-1)


def _outputs(*recs, bare=()):
    outs = [{"output_type": "display_data", "data": {GLUE_MIME: r}, "metadata": {}} for r in recs]
    outs += [{"output_type": "display_data", "data": {"text/plain": "1"},
              "metadata": {"scrapbook": {"name": n, "mime_prefix": ""}}} for n in bare]
    return [outs]


def test_glue_check_compares_exactly_or_within_tolerance():
    ref = {"n": record("n", 6), "s": record("s", "reproduced"), "x": record("x", 0.046, rtol=0.01),
           "gone": record("gone", 1)}
    found, bare = glue_check.records(_outputs(record("n", 7), record("s", "reproduced"), record("x", 0.0462,
                                                                                                   rtol=0.01),
                                              record("new", 2.0), bare=["naked"]))
    assert bare == ["naked"]
    problems = glue_check.compare(found, ref)
    text = "\n".join(problems)
    assert "n: 7 != 6" in text and "gone: in book/_glue.json but no longer glued" in text
    assert "new: glued but not in book/_glue.json" in text and "x:" not in text and "s:" not in text
    found["x"] = record("x", 0.05, rtol=0.01)
    assert any(p.startswith("x: 0.05 differs") for p in glue_check.compare(found, ref))
    found["x"] = record("x", 0.046, rtol=0.5)
    assert any("tolerance changed" in p for p in glue_check.compare(found, ref))


def test_glue_check_reads_executed_notebooks(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="the [book] extra (nbformat) is not installed")

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={GLUE_MIME: record("k", 3)})]
    nb.cells = [cell]
    (tmp_path / "book").mkdir()
    nbformat.write(nb, tmp_path / "book" / "ch.ipynb")
    found, bare = glue_check.executed_records(tmp_path)
    assert found == {"book/ch.md": {"k": {"name": "k", "kind": "int", "value": 3}}} and not bare


def test_claims_html_is_one_table_with_notes():
    frame = pd.DataFrame([{"claim": "A & B", "metric": "MRE", "paper": np.nan, "ours": 0.05, "status": "partly",
                           "rule": "within 0.01", "chapter": "krajewski/direct_law", "note": "over 10 seeds"}],
                         index=pd.Index(["c1"], name="id"))
    html = claims_html(frame)
    assert html.count("<table") == 1 and "A &amp; B" in html and "over 10 seeds" in html and "—" in html
    assert 'href="krajewski/direct_law.html"' in html


def test_disk_cache_is_keyed_by_the_inputs(tmp_path, monkeypatch):
    calls = []

    @_cache.disk_cached
    def square(x):
        calls.append(x)
        return x**2

    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path))
    a = np.arange(3.0)
    assert np.array_equal(square(a), a**2) and np.array_equal(square(a.copy()), a**2)
    assert len(calls) == 1 and len(list(tmp_path.glob("square-*.pkl"))) == 1
    square(a + 1e-12)  # other data, another key
    assert len(calls) == 2 and len(list(tmp_path.glob("*.pkl"))) == 2
    monkeypatch.delenv(_cache.CACHE_ENV)
    square(a + 2.0)
    assert len(calls) == 3 and len(list(tmp_path.glob("*.pkl"))) == 2


def test_the_book_record_is_valid_json_of_known_kinds():
    snap = json.loads((ROOT / "book" / "_glue.json").read_text())
    kinds = {r["kind"] for chapter in snap.values() for r in chapter.values()}
    assert kinds <= {"int", "float", "bool", "text", "markdown"}
    assert all(ch.startswith("book/") and ch.endswith(".md") and (ROOT / ch).exists() for ch in snap)


def test_disk_cache_ignores_what_does_not_change_the_result(tmp_path, monkeypatch):
    calls = []

    @_cache.disk_cached(ignore=("n_jobs",))
    def total(x, *, n_jobs=1):
        calls.append(n_jobs)
        return sum(x)

    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path))
    assert total((1, 2), n_jobs=1) == total((1, 2), n_jobs=2) == 3
    assert calls == [1]


def test_claims_html_links_are_relative_to_the_page_showing_them():
    import pandas as pd

    from scalinglaws.book import claims_html

    f = pd.DataFrame([dict(claim="c", metric="m", paper=1.0, ours=1.0, status="reproduced", rule="r",
                           chapter="krajewski/direct_law", note="")], index=["x"])
    assert 'href="krajewski/direct_law.html"' in claims_html(f)  # from the intro, at the book's root
    assert 'href="direct_law.html"' in claims_html(f, page="krajewski/direct_vs_two_stage")
    assert 'href="../krajewski/direct_law.html"' in claims_html(f, page="schaeffer/compute_law")


def test_bounded_shows_a_parameter_at_its_lower_bound_as_a_bound():
    import math

    from scalinglaws.book import bounded

    f = bounded("{:.3g}")
    assert f(math.exp(-30)) == "≈ 0 (bound)" and f(9.41e-14) == "≈ 0 (bound)"
    assert f(1e-15) == "1e-15" and f(2e-13) == "2e-13"  # a tiny difference is a number, not a bound
    assert f(0.0) == "0" and f(0.123456) == "0.123" and f(float("nan")) == "—" and f(None) == "—"
