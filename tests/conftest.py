import importlib.util
import os
from pathlib import Path

import pytest

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The data mirror the Makefile points at (../shared/data); tests that read real data need it."""
    path = Path(os.environ.get("SCALINGLAWS_DATA_MIRROR", MIRROR))
    if not (path / "SOURCES.md").exists():
        pytest.skip(f"no data mirror at {path}")
    return path


@pytest.fixture
def use_mirror(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv("SCALINGLAWS_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("SCALINGLAWS_CACHE", str(tmp_path / "cache"))
    return mirror


@pytest.fixture(scope="module")
def mirror_env(mirror):
    """The mirror set for a whole module (module-scoped fixtures that load data need it), undone afterwards."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SCALINGLAWS_DATA_MIRROR", str(mirror))
    yield mirror
    mp.undo()


# The optional extras (pyproject.toml): a test that needs one skips, naming it, when the package is missing, so that
# the library's tests run in a user's environment with the core alone (.ci/check_install.sh core).
def _needs(extra: str, *modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs the {extra} extra ({', '.join(missing)} not installed): pip install 'scalinglaws[{extra}]'")


@pytest.fixture(scope="session")
def needs_plot():
    """matplotlib and seaborn (scalinglaws.plotting, forecast --plot)."""
    _needs("plot", "matplotlib", "seaborn")


@pytest.fixture(scope="session")
def needs_sympy():
    """sympy (envelope.symbolic_derivation); returns the module."""
    _needs("symbolic", "sympy")
    import sympy

    return sympy


@pytest.fixture(scope="session")
def needs_parquet():
    """pyarrow (the Pythia loaders read parquet files)."""
    _needs("parquet", "pyarrow")
