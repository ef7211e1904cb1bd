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
