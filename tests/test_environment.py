"""The book's exact environment and the package's ranges agree: requirements/book.lock pins every package
``make env`` installs, environment.yml mirrors it, every pin satisfies pyproject.toml's ranges, and the Makefile
installs the lock (and reinstalls when it changes)."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from scalinglaws._optional import EXTRAS

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "book.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: The extras the Makefile installs (with the core) for the book and the tests.
MAKE_EXTRAS = {"book", "test", "all"}


def _pins(lines: list[str], where: str) -> dict[str, Version]:
    pins = {}
    for line in lines:
        name, sep, version = line.partition("==")
        assert sep and re.fullmatch(r"[A-Za-z0-9_.\-]+", name) and " " not in version, f"{where}: not a pin: {line}"
        key = canonicalize_name(name)
        assert key not in pins, f"{where}: {name} pinned twice"
        pins[key] = Version(version)
    return pins


def lock_pins() -> dict[str, Version]:
    lines = [s for s in (raw.strip() for raw in LOCK.read_text().splitlines()) if s and not s.startswith("#")]
    return _pins(lines, LOCK.name)


def environment_pins() -> dict[str, Version]:
    text = (ROOT / "environment.yml").read_text()
    return _pins(re.findall(r"^\s+- ([A-Za-z0-9_.\-]+==[^\s#]+)", text, re.M), "environment.yml")


def requirements(extras) -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return [r for r in reqs if canonicalize_name(r.name) != "scalinglaws"]


def test_environment_yml_mirrors_the_lock():
    lock, env = lock_pins(), environment_pins()
    assert len(lock) > 50  # transitive dependencies included, not just the direct ones
    assert env == lock
    python = re.search(r"Python (\d+\.\d+)\.\d+", LOCK.read_text())[1]
    assert re.search(rf"^\s+- python={re.escape(python)}\s*$", (ROOT / "environment.yml").read_text(), re.M)


def test_every_lock_pin_satisfies_the_ranges():
    lock = lock_pins()
    for req in requirements(sorted(MAKE_EXTRAS)):
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} ({req}) is not in {LOCK.name}"
        assert req.specifier.contains(lock[name], prereleases=True), f"{LOCK.name}: {req.name}=={lock[name]} vs {req}"


def test_ranges_are_ranges_and_the_extras_are_optional():
    core = {canonicalize_name(r.name) for r in requirements([])}
    extras = PROJECT["optional-dependencies"]
    # the packages scalinglaws._optional imports lazily are not core, and each is in the extra its error names
    for module, extra in EXTRAS.items():
        assert module not in core and module in {canonicalize_name(r.name) for r in requirements([extra])}
    # the [all] extra is every optional feature (not the book's or the tests' tools)
    (all_,) = extras["all"]
    assert set(Requirement(all_).extras) == set(extras) - MAKE_EXTRAS
    # the core is a range with a floor, never an exact pin (that is the lock's job)
    for req in requirements([]) + requirements(sorted(set(EXTRAS.values()))):
        assert any(s.operator == ">=" for s in req.specifier) and not any(s.operator == "==" for s in req.specifier)


def _makefile() -> tuple[dict[str, str], str]:
    """The Makefile's variables and its text, each with ``$(VAR)`` references to them expanded."""
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^([A-Z_]+) :?= (.*)$", text, re.M))

    def expand(s: str) -> str:
        for _ in range(3):
            s = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables.get(m[1], m[0]), s)
        return s

    rules = re.sub(r"^\$\(STAMP\):", "STAMP:", text, flags=re.M)  # the stamp's name is a shell hash: keep it
    return {k: expand(v) for k, v in variables.items()}, expand(rules)


def test_makefile_installs_the_lock_and_reinstalls_when_it_changes():
    variables, text = _makefile()
    lock = LOCK.relative_to(ROOT).as_posix()
    # the stamp's name hashes the lock (a new lock is a new stamp) ...
    assert lock in variables["STAMP"] and "pyproject.toml" in variables["STAMP"]
    # ... and the stamp's rule depends on it
    (prerequisites,) = re.findall(r"^STAMP:(.*)$", text, re.M)
    assert {"pyproject.toml", lock} <= set(prerequisites.split())
    (install,) = re.findall(r"-m pip install .*-c (\S+) -e '\.\[([a-z,]+)\]'", text)
    assert install[0] == lock and set(install[1].split(",")) == MAKE_EXTRAS
