"""Compute the results several chapters share once, into the build's results cache, before any chapter executes.

    .venv/bin/python .ci/prefetch.py

``make book`` and ``make test`` run this after emptying their results cache (``SCALINGLAWS_RESULT_CACHE``) and
before executing the chapters, with the same environment (``SCALINGLAWS_PERTURB`` included, so ``make test``
prefetches the perturbed data's results). What it computes: the authors' BNSL procedure on every Krajewski benchmark
over the protocol's seeds (``krajewski.bnsl_seed_table``; the introduction and *Direct versus two-stage prediction*
read it), in ``SCALINGLAWS_JOBS`` worker processes with nothing else running. Executed inside a chapter, beside
another chapter, the same seeds took 69 s of one cell (benchmarks/bench_book.py --jobs 2, idle 2-core machine,
2026-12-06); here they take the two cores alone. A chapter executed on its own still computes them itself.
"""

import time

from scalinglaws.papers import krajewski
from scalinglaws.papers.krajewski.routes import jobs


def main() -> None:
    start = time.perf_counter()
    table = krajewski.bnsl_seed_table(krajewski.PROTOCOL)
    print(f"[prefetch] the authors' BNSL procedure: {table.index.get_level_values('benchmark').nunique()} "
          f"benchmarks x {krajewski.PROTOCOL.bnsl_seeds} seeds in {time.perf_counter() - start:.0f} s "
          f"({jobs()} workers)")


if __name__ == "__main__":
    main()
