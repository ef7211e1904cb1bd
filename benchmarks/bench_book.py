"""Execute every chapter of the book as ``make book`` does and print each chapter's time and its slowest cells.

    .venv/bin/python benchmarks/bench_book.py [--top 3] [--only NAME ...] [--jobs N] [--load]

Chapters are read with jupytext and executed with nbclient in a fresh kernel, in the chapter's folder, with the
environment of the caller (run it through ``make``'s settings, or set ``SCALINGLAWS_DATA_MIRROR`` and
``OPENBLAS_NUM_THREADS=1`` yourself). ``--jobs 2`` executes two chapters at a time, slowest first, as ``make book``
does; the chapters share a results cache emptied first (``SCALINGLAWS_RESULT_CACHE``, a temporary folder), as in
``make book``, unless ``--no-cache``, after ``.ci/prefetch.py`` has filled it as ``make book`` does (unless
``--no-prefetch``). ``--load`` starts one CPU-bound process (``while True: pass``) for the whole
run, as a reader's busy machine would have. Nothing is asserted: speed is measured here, never in tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def chapters(only=None) -> list[Path]:
    """The book's executable chapters in ``make book``'s order (``.ci/chapters.py``: the slowest first)."""
    spec = importlib.util.spec_from_file_location("chapters", ROOT / ".ci" / "chapters.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = [ROOT / f"{f}.md" for f in module.chapters()]
    if only:
        paths = [p for p in paths if any(s in str(p) for s in only)]
    return paths


def run(path: Path) -> tuple[Path, float, list[tuple[float, int, str]]]:
    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                            record_timing=True, allow_errors=True)
    t0 = time.perf_counter()
    client.execute()
    total = time.perf_counter() - t0
    cells = []
    for i, cell in enumerate(nb.cells):
        ex = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            from datetime import datetime

            t = (datetime.fromisoformat(ex["shell.execute_reply"].replace("Z", "+00:00"))
                 - datetime.fromisoformat(ex["iopub.execute_input"].replace("Z", "+00:00"))).total_seconds()
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
            cells.append((t, i, first[:70]))
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    if errors:
        print(f"  {path.relative_to(ROOT)}: cells {errors} raised (the timing is still reported)", flush=True)
    return path, total, sorted(cells, reverse=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=3, help="slowest cells shown per chapter")
    ap.add_argument("--only", nargs="*", help="chapters whose path contains one of these strings")
    ap.add_argument("--jobs", type=int, default=1, help="chapters executed at a time")
    ap.add_argument("--load", action="store_true", help="run one CPU-bound process beside the book")
    ap.add_argument("--no-cache", action="store_true", help="no shared results cache (each chapter computes all)")
    ap.add_argument("--no-prefetch", action="store_true",
                    help="skip .ci/prefetch.py (a chapter then computes the shared results itself, as when run alone)")
    args = ap.parse_args(argv)
    cache = None if args.no_cache else tempfile.TemporaryDirectory(prefix="bench_book_cache_")
    if cache is not None:
        os.environ["SCALINGLAWS_RESULT_CACHE"] = cache.name
    else:
        os.environ.pop("SCALINGLAWS_RESULT_CACHE", None)
    load = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.load else None
    if cache is not None and not args.no_prefetch:  # as make book: the shared results first, on both cores
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / ".ci" / "prefetch.py")], check=True)
        print(f"{time.perf_counter() - t0:7.1f} s  .ci/prefetch.py", flush=True)
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, jobs={args.jobs}, "
          f"load={'one CPU-bound process' if load else 'none'}", flush=True)
    start = time.perf_counter()
    slowest = []
    try:
        with ThreadPoolExecutor(args.jobs) as pool:
            for path, total, cells in pool.map(run, chapters(args.only)):
                print(f"{total:7.1f} s  {path.relative_to(ROOT)}", flush=True)
                for t, i, src in cells[: args.top]:
                    print(f"          {t:6.1f} s  cell {i}: {src}")
                slowest += [(t, path.name, i) for t, i, _ in cells]
    finally:
        if load is not None:
            load.kill()
        if cache is not None:
            cache.cleanup()
    t, name, i = max(slowest)
    print(f"all chapters: {time.perf_counter() - start:.0f} s wall; slowest cell {t:.1f} s ({name}, cell {i})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
