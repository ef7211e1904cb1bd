# The two commands: `make book` and `make test`. Both create .venv if needed and install the locked dependencies.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The book's exact environment: every package pinned, transitive ones included (written by .ci/update_lock.py;
# pyproject.toml holds only the ranges a user's environment must satisfy).
LOCK := requirements/book.lock
# Reinstall whenever pyproject.toml or the lock changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha256sum | cut -c1-16)

# Data: read from the mirror beside the checkout when there is one (no internet needed), else downloaded.
ifneq ($(wildcard ../shared/data/SOURCES.md),)
export SCALINGLAWS_DATA_MIRROR ?= $(abspath ../shared/data)
endif
# (no MPLBACKEND here: the book needs the kernel's inline backend to capture figures)
export PYTHONHASHSEED := 0
# One BLAS thread: the book's fits are tiny, and OpenBLAS's threads on a busy 2-core machine made them ~28x slower
# (measured: the introduction's claims() 478 s vs 17 s with one other CPU-bound process running; the library also
# limits its own fits, see src/scalinglaws/_threads.py). Anything else in the kernels inherits this.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
# Worker processes for the seeds of the authors' BNSL procedure (the results do not depend on it).
export SCALINGLAWS_JOBS ?= 2
# make test executes the chapters with every loaded measurement moved by 1e-12 (relative, draw 1): a verdict,
# count or status that changes, or a number that moves beyond its stated tolerance, fails (conftest.py compares
# what the chapters glue with book/_glue.json; tests/test_machine_independence.py reruns both papers' claims()
# under further draws). make book runs unperturbed and is compared with the same record.
PERTURB ?= 1e-12:1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# make test NBVAL=0 skips nbval over the chapters: CI does, because its make book executes every chapter anyway
# (errors fatal), so each chapter runs once per CI run.
NBVAL ?= 1

.PHONY: help env book pages test mathjax clean

help:
	@echo "make book   build the HTML book (executes every chapter) into _build/html"
	@echo "make test   lint with ruff, run the library tests and validate every chapter with nbval"
	@echo "make pages  open every built page in headless Chromium; fail on raw TeX, broken images, warnings"

env: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	@start=$$(date +%s); \
	if [ ! -x $(PY) ]; then echo "[env] creating $(VENV)"; $(PYTHON) -m venv $(VENV); fi; \
	echo "[env] installing the locked dependencies (pip install -c $(LOCK) -e '.[book,test,all]')"; \
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[book,test,all]' 2>&1 | { grep -v "^WARNING: Location 'file:" || true; }; \
	rm -f $(VENV)/.installed-*; touch $@; \
	echo "[env] ready in $$(( $$(date +%s) - start )) s"

# MathJax 3 from the npm registry, so that the book's maths renders offline. Never committed.
_mathjax/mathjax/tex-mml-chtml.js: package.json
	@rm -rf _mathjax; mkdir -p _mathjax/mathjax; \
	if command -v npm >/dev/null 2>&1 && npm install --no-audit --no-fund --silent --no-save >/dev/null; then \
	  cp node_modules/mathjax/es5/tex-mml-chtml.js _mathjax/mathjax/; \
	  mkdir -p _mathjax/mathjax/output/chtml; cp -r node_modules/mathjax/es5/output/chtml/fonts _mathjax/mathjax/output/chtml/; \
	  echo "[mathjax] vendored MathJax $$(node -p "require('./node_modules/mathjax/package.json').version") into _mathjax/"; \
	else \
	  echo "[mathjax] npm unavailable: the book will load MathJax 3 from the jsDelivr CDN (maths needs internet to render)"; \
	  printf '%s\n' "var s=document.createElement('script');" \
	    "s.src='https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js';s.async=true;" \
	    "document.head.appendChild(s);" > $@; \
	fi

mathjax: _mathjax/mathjax/tex-mml-chtml.js

# The shared results cache (src/scalinglaws/_cache.py) starts empty on every run, so nothing stale can be read;
# .ci/prefetch.py then fills it with the results several chapters share (the authors' BNSL seeds), on both cores
# with nothing else running, before the chapters execute.
# Chapters execute two at a time (jupyter-cache's local-parallel executor, in their own folders) into a cache
# emptied first; jupyter-book then reads their outputs (execute_notebooks: cache in _config.yml).
JCACHE := $(VENV)/bin/jcache
book: env mathjax
	@start=$$(date +%s); \
	rm -rf _build/html _build/.doctrees _build/jupyter_execute _build/cache/book _build/.jupyter_cache; \
	export SCALINGLAWS_RESULT_CACHE=$(abspath _build/cache/book) SCALINGLAWS_PERTURB=; \
	$(PY) .ci/prefetch.py; \
	echo "[book] executing every chapter afresh, two at a time"; \
	printf "y\n" | $(JCACHE) notebook -p _build/.jupyter_cache add -r myst_nb_md $$($(PY) .ci/chapters.py) > /dev/null; \
	$(JCACHE) project -p _build/.jupyter_cache execute -e local-parallel -t 300 -v WARNING; \
	echo "[book] building HTML (warnings are errors)"; \
	$(VENV)/bin/jupyter-book build . --all --warningiserror --keep-going --quiet; \
	echo "[book] comparing what the chapters glue with book/_glue.json"; \
	$(PY) .ci/glue_check.py check _build/.jupyter_cache; \
	echo "[book] built $(abspath _build/html/index.html) in $$(( $$(date +%s) - start )) s"

# After make book: every page in a real browser (.ci/check_pages.py), screenshots in _build/screenshots/.
pages: env
	@$(PY) .ci/check_pages.py _build/html --screenshots _build/screenshots

test: env
	@start=$$(date +%s); \
	echo "[test] ruff (lint and import order, [tool.ruff] in pyproject.toml)"; \
	$(VENV)/bin/ruff check src tests benchmarks .ci; \
	rm -rf _build/cache/test; \
	export SCALINGLAWS_RESULT_CACHE=$(abspath _build/cache/test); \
	if [ "$(NBVAL)" = 1 ]; then \
	  echo "[test] pytest over tests/, then nbval over every chapter in book/ (two at a time) with the data perturbed at $(PERTURB)"; \
	  $(PY) -m pytest -q -n 2 tests; \
	  SCALINGLAWS_PERTURB=$(PERTURB) $(PY) .ci/prefetch.py; \
	  SCALINGLAWS_PERTURB=$(PERTURB) $(PY) -m pytest -q -n 2 --dist loadfile --nbval-lax --nbval-current-env \
	    --nbval-cell-timeout=300 book; \
	else \
	  echo "[test] pytest over tests/ (NBVAL=0: the chapters are left to make book, which executes each once)"; \
	  $(PY) -m pytest -q -n 2 tests; \
	fi; \
	echo "[test] done in $$(( $$(date +%s) - start )) s"

clean:
	rm -rf _build _mathjax node_modules
