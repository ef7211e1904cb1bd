"""Write requirements/book.lock and environment.yml from a working environment (default: .venv).

The lock is the book's exact environment: every package ``make env`` installs, transitive ones included, as
``pip freeze`` prints them without the editable package itself (and without pip and setuptools, which come with the
virtual environment). environment.yml mirrors it for conda users. To move the book to new versions::

    .venv/bin/python -m pip install -U -e '.[book,test,all]'   # or pin what you want to change
    .venv/bin/python .ci/update_lock.py
    make test && make book                                    # the numbers the chapters assert must still hold

tests/test_environment.py checks that the two files agree and that every pin satisfies pyproject.toml's ranges.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "book.lock"
ENVIRONMENT = ROOT / "environment.yml"
EXTRAS = "book,test,all"

LOCK_HEADER = """\
# The book's exact environment: every package `make env` installs (pip install -c requirements/book.lock
# -e '.[{extras}]'), transitive ones included. Written by .ci/update_lock.py from a working .venv (Python {python},
# {system}); environment.yml mirrors it. pyproject.toml holds the ranges a user's environment may have instead.
"""

ENVIRONMENT_HEADER = """\
# Conda environment of the book: the same exact pins as requirements/book.lock (written together by
# .ci/update_lock.py; tests/test_environment.py checks that they agree). A user of the library needs none of this:
# pip install scalinglaws (see README.md, Install).
name: scalinglaws
channels:
  - conda-forge
dependencies:
  - python={python_minor}
  - pip
  - nodejs  # npm vendors MathJax for offline maths (optional)
  - pip:
"""


def freeze(python: Path) -> list[str]:
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"], check=True,
                         capture_output=True, text=True).stdout
    pins = [line.strip() for line in out.splitlines() if line.strip() and not line.startswith("#")]
    bad = [p for p in pins if "==" not in p or " @ " in p]
    if bad:
        sys.exit(f"not a plain pin (a local or VCS install?): {bad}")
    return sorted(pins, key=lambda pin: re.sub(r"[-_.]+", "-", pin.partition("==")[0]).lower())  # by canonical name


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="the environment to freeze")
    args = parser.parse_args(argv)
    python = args.venv / "bin" / "python"
    version = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"], check=True,
                             capture_output=True, text=True).stdout.strip()
    pins = freeze(python)
    LOCK.parent.mkdir(exist_ok=True)
    LOCK.write_text(LOCK_HEADER.format(extras=EXTRAS, python=version, system=f"{platform.system()} "
                                       f"{platform.machine()}") + "\n".join(pins) + "\n")
    lines = [f"      - {p}" for p in pins] + [f"      - -e .[{EXTRAS}]"]
    ENVIRONMENT.write_text(ENVIRONMENT_HEADER.format(python_minor=".".join(version.split(".")[:2]))
                           + "\n".join(lines) + "\n")
    print(f"wrote {LOCK.relative_to(ROOT)} and {ENVIRONMENT.relative_to(ROOT)}: {len(pins)} pins, Python {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
