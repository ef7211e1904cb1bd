"""The optional extras: the core works without them, and a feature that needs one says which to install."""

import importlib
import os
import re
import subprocess
import sys
import textwrap

import pytest

from scalinglaws._optional import EXTRAS, require

#: Python that makes every optional package look uninstalled, as in a user's environment with the core alone.
BLOCK = f"import sys; sys.modules.update(dict.fromkeys({sorted(EXTRAS)!r}, None))\n"


def test_plotting_without_the_plot_extra_names_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "scalinglaws.plotting", raising=False)
    for name in ("matplotlib", "matplotlib.pyplot", "seaborn"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'scalinglaws[plot]'")) as info:
        importlib.import_module("scalinglaws.plotting")
    assert info.value.name == "matplotlib"


def test_require_passes_other_errors_through(monkeypatch):
    with pytest.raises(ValueError, match="not an optional dependency"):
        require("numpy", "x")
    # a dependency of an installed optional package that is missing is that package's problem: not renamed
    def import_module(name):
        raise ModuleNotFoundError("No module named 'mpmath'", name="mpmath")

    monkeypatch.setattr(importlib, "import_module", import_module)
    with pytest.raises(ModuleNotFoundError, match="No module named 'mpmath'"):
        require("sympy", "x")


def test_the_core_works_without_any_extra(tmp_path, mirror):
    code = BLOCK + textwrap.dedent("""
        import numpy as np
        import scalinglaws as sl
        from scalinglaws.cli import main
        from scalinglaws.datasets import load_krajewski, load_pythia_models

        C = np.geomspace(1e18, 1e22, 12)
        Q = np.exp(-2000.0 * C**-0.15)
        res = sl.fit("direct", C=C, Q=Q)
        fc = sl.forecast("direct", at={"C": 1e23}, C=C, Q=Q, level=0.9)
        assert res.status == "converged" and fc.lower < fc.predicted < fc.upper
        assert len(load_krajewski("dclm")) > 0 and len(load_pythia_models()) == 81
        assert main(["laws"]) == 0
        print("core ok")
        """)
    env = os.environ | {"SCALINGLAWS_DATA_MIRROR": str(mirror), "SCALINGLAWS_CACHE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("core ok")
