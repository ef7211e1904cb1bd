"""The browser check of .ci/check_pages.py on a page made broken on purpose (needs Chromium; skipped without)."""

import importlib.util
import shutil
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "check_pages.py"
BROKEN = """<html><body><main><p>Text \\(a+b\\) here</p><span class="math">\\(x^2\\)</span><img src="missing.png">
<div class="cell_output"><div class="output stderr"><pre>/x/y.py:3: RuntimeWarning: divide by zero</pre></div></div>
<table><tr><td>NaN</td><td>1.5</td></tr></table></main></body></html>"""
CLEAN = ("<html><body><main><p>Nothing wrong: 3 runs, C = 6ND.</p><table><tr><td>—</td></tr></table></main>"
         "</body></html>")


def _script():
    spec = importlib.util.spec_from_file_location("check_pages", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium-headless-shell", "chromium", "chromium-browser")),
                    reason="no Chromium on this machine (make pages installs it)")
def test_check_pages_flags_every_kind_of_broken_page(tmp_path, capsys):
    (tmp_path / "html" / "book").mkdir(parents=True)
    (tmp_path / "html" / "book" / "broken.html").write_text(BROKEN)
    (tmp_path / "html" / "book" / "clean.html").write_text(CLEAN)
    rc = _script().main([str(tmp_path / "html"), "--screenshots", str(tmp_path / "shots")])
    out = capsys.readouterr().out
    assert rc == 1
    for problem in ("image did not load", "raw TeX: \\(x^2\\)", "raw TeX in prose", "stderr output",
                    'output shows "RuntimeWarning:"', "table cell shows NaN"):
        assert problem in out, (problem, out)
    assert "ok   book/clean.html" in out and "FAIL book/broken.html" in out
    assert (tmp_path / "shots" / "book" / "clean.png").stat().st_size > 1000
