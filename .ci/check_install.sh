#!/usr/bin/env bash
# The package installs into a user's environment: `pip install .` (not editable) into a fresh virtual environment
# that already holds numpy, scipy, pandas (and the rest of the core) at the floors of pyproject.toml's ranges, not
# the book's lock; pip must leave them alone, and the library tests then run against the installed package (from a
# copy of the checkout, so that nothing is imported from src/).
#
# Needs PyPI, so it is not part of .ci/run (CI has no internet). Takes a few minutes per environment.
#
#   .ci/check_install.sh [ENV ...]        # default: core all
#   PYTHON=/path/to/python3.12 .ci/check_install.sh lock
#
# ENV is one of
#   core  every core dependency at the floor pyproject.toml declares (its ">=" versions, installed exactly),
#         no extras: the tests that need plot, symbolic or parquet skip and say which extra they need.
#   all   the same floors plus the floors of the plot, symbolic and parquet extras: pip install '.[all]'.
#   lock  numpy, scipy and pandas first, then pip install -c requirements/book.lock '.[all]': the book's versions
#         (for another Python, whose wheels the floors may not have).
# The test tools (pytest, hypothesis, mpmath, packaging) come from the lock in every environment. Each run ends
# with one line per environment: Python, the versions of the core and extras, and pytest's summary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
ENVS=("$@")
[ ${#ENVS[@]} -gt 0 ] || ENVS=(core all)
if [ -z "${SCALINGLAWS_DATA_MIRROR:-}" ] && [ -f "$ROOT/../shared/data/SOURCES.md" ]; then
  export SCALINGLAWS_DATA_MIRROR=$(cd "$ROOT/../shared/data" && pwd)
fi
export PYTHONHASHSEED=0 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PIP_DISABLE_PIP_VERSION_CHECK=1
LOCK=$ROOT/requirements/book.lock
WORK=$(mktemp -d "${TMPDIR:-/tmp}/check_install.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
echo "[install] working in $WORK (KEEP=1 keeps it)"

# A copy of the checkout as git sees it (tracked and untracked, not ignored): no .venv, build or egg-info.
mkdir -p "$WORK/src"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
   | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"

# name==floor for every ">=" requirement of the core (and of the given extras) in pyproject.toml.
floors() {
  "$PYTHON" - "$ROOT/pyproject.toml" "$@" <<'EOF'
import re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
reqs = list(project["dependencies"])
for extra in sys.argv[2:]:
    reqs += [r for r in project["optional-dependencies"][extra] if not r.startswith("scalinglaws")]
for r in reqs:
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)>=([^,;\s]+)(,.*)?", r)
    if not m:
        sys.exit(f"cannot read a floor from {r!r}")
    print(f"{m[1]}=={m[2]}")
EOF
}
# The lock's pins of the named packages.
locked() { for p in "$@"; do grep -i "^$p==" "$LOCK"; done; }

# pip, quietly: this machine's pip configuration names local index folders that may not exist (as in the Makefile)
pipq() { "$@" 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }; return "${PIPESTATUS[0]}"; }

summary=()
for env in "${ENVS[@]}"; do
  start=$(date +%s)
  venv=$WORK/venv-$env
  echo "[install:$env] creating a virtual environment with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$venv"
  py=$venv/bin/python
  pipq "$py" -m pip install --quiet --upgrade pip
  case $env in
    core) first=($(floors)); target="$WORK/src"; cons=() ;;
    all)  first=($(floors plot symbolic parquet)); target="$WORK/src[all]"; cons=() ;;
    lock) first=($(locked numpy scipy pandas)); target="$WORK/src[all]"; cons=(-c "$LOCK") ;;
    *) echo "unknown environment $env (core, all, lock)" >&2; exit 2 ;;
  esac
  echo "[install:$env] the user's environment first: ${first[*]}"
  pipq "$py" -m pip install --quiet --only-binary=:all: "${first[@]}"
  before=$("$py" -m pip freeze)
  echo "[install:$env] pip install ${cons[*]:+${cons[*]} }$target (not editable)"
  pipq "$py" -m pip install --quiet "${cons[@]}" "$target"
  # pip must have left every package the user had alone (they satisfy the ranges)
  changed=$(diff <(echo "$before") <("$py" -m pip freeze | grep -v "^scalinglaws[= @]") | grep '^<' || true)
  if [ -n "$changed" ]; then echo "[install:$env] pip changed the user's packages:"; echo "$changed"; exit 1; fi
  pipq "$py" -m pip install --quiet $(locked pytest hypothesis mpmath packaging)
  where=$(cd "$WORK/src" && "$py" -c "import scalinglaws; print(scalinglaws.__file__)")
  case $where in "$venv"/lib/*/site-packages/*) ;; *) echo "scalinglaws imported from $where" >&2; exit 1 ;; esac
  versions=$("$py" - <<'EOF'
from importlib.metadata import PackageNotFoundError, version
names = ["numpy", "scipy", "pandas", "lmfit", "pooch", "threadpoolctl", "matplotlib", "seaborn", "sympy", "pyarrow"]
def v(n):
    try:
        return version(n)
    except PackageNotFoundError:
        return "-"
print(" ".join(f"{n}={v(n)}" for n in names))
EOF
)
  echo "[install:$env] installed: $versions"
  echo "[install:$env] pytest tests (the installed package, $where)"
  set +e
  (cd "$WORK/src" && "$py" -m pytest -q -rs -p no:cacheprovider tests) | tee "$WORK/pytest-$env.log"
  rc=${PIPESTATUS[0]}
  set -e
  result=$(grep -E "^(=+ )?[0-9]+ (passed|failed)" "$WORK/pytest-$env.log" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//')
  summary+=("$env: $("$py" --version | cut -d' ' -f2) $versions -> ${result:-pytest exit $rc} ($(( $(date +%s) - start )) s)")
  [ "$rc" = 0 ] || { printf '%s\n' "${summary[@]}"; echo "[install:$env] FAILED" >&2; exit 1; }
done
echo "[install] summary"
printf '%s\n' "${summary[@]}"
