"""pyproject.toml and environment.yml name the same pinned dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pins |= set(extra)
    env = set(re.findall(r"^\s+- ([A-Za-z0-9_.\-]+==[^\s#]+)", (ROOT / "environment.yml").read_text(), re.M))
    assert pins == env
    assert all("==" in p for p in pins)
