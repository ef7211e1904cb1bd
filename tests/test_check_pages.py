"""The browser check of .ci/check_pages.py on a page made broken on purpose (needs Chromium; skipped without), and
its measurement of a figure's text on figures drawn too small (no browser needed)."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "check_pages.py"
BROKEN = """<html><body><main><p>Text \\(a+b\\) here</p><span class="math">\\(x^2\\)</span><img src="missing.png">
<div class="cell_output"><div class="output stderr"><pre>/x/y.py:3: RuntimeWarning: divide by zero</pre></div></div>
<table><tr><td>NaN</td><td>1.5</td></tr></table>
<table><thead><tr><th></th><th>TPR 10.000000</th><th>points</th></tr></thead><tbody>
<tr><th>a</th><td>0.15150304216702457</td><td>56.0</td><td>9.3576e-14</td></tr><tr><th>b</th><td>—</td><td></td></tr></tbody></table>
<div class="cell_input"><pre style="overflow:auto">x = 1  # WIDE_INPUT {pad}</pre></div>
<div class="cell_output"><div class="output text_plain"><pre style="overflow:auto">WIDE_OUTPUT {pad}</pre></div></div>
<div class="cell_output"><img src="tiny.png" style="width:600px"></div>
</main></body></html>""".replace("{pad}", "0123456789 " * 40)
CLEAN = ("<html><body><main><p>Nothing wrong: 3 runs, C = 6ND.</p><table><tr><td>—</td><td>3</td></tr></table></main>"
         "</body></html>")


def _bad_and_good_figures(tmp_path):
    """Two PNGs with font records: a 4-column facet grid (10.4 in) with a 6 pt legend, and one 6 in panel."""
    pytest.importorskip("matplotlib", reason="needs the plot extra")
    pytest.importorskip("seaborn", reason="needs the plot extra")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scalinglaws import plotting

    plotting.set_style()
    fig, axes = plotting.facet_grid(12, ncols=4, size=2.6)  # the grids the book had: 10.4 in wide
    for ax in axes:
        ax.plot([1, 2], [1, 2], label="law")
    axes[0].legend(fontsize=6)
    bad = plotting.figure_png(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([1, 2], [1, 2], label="law")
    ax.set_xlabel("compute")
    fig.legend()
    good = plotting.figure_png(fig)
    plt.close(fig)
    (tmp_path / "bad.png").write_bytes(bad)
    (tmp_path / "good.png").write_bytes(good)
    return bad, good


def _png_width(data: bytes) -> int:
    return int.from_bytes(data[16:20], "big")


def test_figure_text_is_measured_from_the_font_record(tmp_path):
    cp = _script()
    bad, good = _bad_and_good_figures(tmp_path)
    rec = json.loads(cp.png_text_chunks(bad)[cp.FONT_RECORD])
    assert rec["min_pt"] == 6 and rec["dpi"] == 200 and rec["text"] == "law"
    # the facet grid in a 720 px column: 6 pt * 200/72 * 720 / ~2000 px, about 6 px
    images = [{"src": "bad.png", "natural": _png_width(bad), "shown": 720, "output": True, "section": "S"},
              {"src": "good.png", "natural": _png_width(good), "shown": _png_width(good) / 2, "output": True,
               "section": "S"}]
    files = {"bad.png": bad, "good.png": good}
    problems = cp.figure_problems(images, files.get)
    assert len(problems) == 1 and problems[0].startswith("figure text ") and "(bad.png)" in problems[0], problems
    px = float(problems[0].split()[2])
    assert px == pytest.approx(6 * 200 / 72 * 720 / _png_width(bad), abs=0.05) and px < 8
    # the same good figure squeezed to a third of its size fails too; a figure with no record in an output fails
    images[1]["shown"] = _png_width(good) / 6
    files["plain.png"] = good.replace(cp.FONT_RECORD.encode(), b"something:else")
    images.append({"src": "plain.png", "natural": _png_width(good), "shown": 300, "output": True, "section": "S"})
    problems = cp.figure_problems(images, files.get)
    assert sum("figure text" in p for p in problems) == 2 and "figure without a font record" in problems[-1]


def test_rendered_text_px():
    cp = _script()
    assert cp.rendered_text_px(7, 200, 1200, 600) == pytest.approx(7 * 100 / 72)
    assert cp.rendered_text_px(9, 200, 2100, 700) < cp.MIN_TEXT_PX  # the 12-panel grids
    with pytest.raises(ValueError):
        cp.rendered_text_px(7, 200, 0, 600)


def _script():
    pytest.importorskip("websocket", reason="the page checker needs websocket-client (the book's environment)")
    spec = importlib.util.spec_from_file_location("check_pages", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium-headless-shell", "chromium", "chromium-browser")),
                    reason="no Chromium on this machine (make pages installs it)")
def test_check_pages_flags_every_kind_of_broken_page(tmp_path, capsys):
    (tmp_path / "html" / "book").mkdir(parents=True)
    (tmp_path / "html" / "book" / "broken.html").write_text(BROKEN)
    bad, _ = _bad_and_good_figures(tmp_path)
    (tmp_path / "html" / "book" / "tiny.png").write_bytes(bad)
    (tmp_path / "html" / "book" / "clean.html").write_text(CLEAN)
    rc = _script().main([str(tmp_path / "html"), "--screenshots", str(tmp_path / "shots")])
    out = capsys.readouterr().out
    assert rc == 1
    for problem in ("image did not load", "raw TeX: \\(x^2\\)", "raw TeX in prose", "stderr output",
                    'output shows "RuntimeWarning:"', "table cell shows NaN", "figure text ",
                    "code cell input wider than its column", "cell output wider than its column",
                    "integers shown as floats", "unrounded number in a table in", "unrounded number in a table header",
                    "table rows with no value", "a bound printed as a value", "figure without a numbered caption"):
        assert problem in out, (problem, out)
    assert "ok   book/clean.html" in out and "FAIL book/broken.html" in out
    assert (tmp_path / "shots" / "book" / "clean.png").stat().st_size > 1000
