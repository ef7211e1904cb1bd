"""Print the book's executable chapters, slowest first (so that two at a time finish together), one per line.

    .venv/bin/python .ci/chapters.py

The order comes from _toc.yml; chapters listed in SLOW (measured with benchmarks/bench_book.py) go first.
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SLOW = ("book/intro", "book/schaeffer/compute_law", "book/krajewski/tpr", "book/krajewski/direct_vs_two_stage",
        "book/forecast/calibration")


def chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    files = [f for f in files if (ROOT / f"{f}.md").read_text().startswith("---\njupytext:")]
    return sorted(files, key=lambda f: (f not in SLOW, SLOW.index(f) if f in SLOW else 0))


if __name__ == "__main__":
    print("\n".join(f"{f}.md" for f in chapters()))
