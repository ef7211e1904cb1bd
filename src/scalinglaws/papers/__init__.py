"""Each paper's protocol and one function per claim.

- :mod:`scalinglaws.papers.krajewski` -- Krajewski et al. (2025), arXiv 2512.08894.
- :mod:`scalinglaws.papers.schaeffer` -- Schaeffer et al. (2025), arXiv 2509.24012.

Each module has a frozen ``PROTOCOL`` (every choice its results depend on, with provenance: see
:mod:`scalinglaws.papers._protocol`), one function per claim that takes a protocol and returns its evidence, and
``claims(protocol)``: a frame indexed by claim id with the paper's number (from :func:`published`) beside ours, a
status and the rule that decided it. The chapters and the introduction display these frames; they never re-derive.
"""

from __future__ import annotations

import math
import os
import tomllib
from functools import cache
from pathlib import Path

import pandas as pd

from ._protocol import PROVENANCES, choice, provenance, vary

__all__ = ["PROVENANCES", "STATUSES", "choice", "provenance", "vary", "published", "paper_value", "claim_row",
           "claims_frame"]

PUBLISHED_ENV = "SCALINGLAWS_PUBLISHED"

#: The statuses a claim can have. *inconclusive*: the evidence does not decide -- the status changes with the seed of
#: a random search (or another source of chance the rule names), or the deciding parameter is not identified.
STATUSES = ("reproduced", "partly", "not reproduced", "inconclusive", "not testable")
_COLUMNS = ["claim", "metric", "paper", "ours", "status", "rule", "chapter", "note"]


def _published_path() -> Path:
    env = os.environ.get(PUBLISHED_ENV)
    return Path(env) if env else Path(__file__).resolve().with_name("published.toml")


@cache
def _read(path: str) -> dict:
    with open(path, "rb") as fh:
        table = tomllib.load(fh)
    for paper, entries in table.items():
        for key, e in entries.items():
            missing = {"value", "source", "secondary"} - set(e)
            if missing:
                raise ValueError(f"{path}: {paper}.{key} lacks {sorted(missing)}")
            if not isinstance(e["secondary"], bool):
                raise ValueError(f"{path}: {paper}.{key}.secondary must be true or false")
            if not isinstance(e["value"], (int, float)) or not math.isfinite(e["value"]):
                raise ValueError(f"{path}: {paper}.{key}.value must be a finite number")
    return table


def published(paper: str | None = None) -> pd.DataFrame:
    """The papers' published numbers (``published.toml`` in this package, also at ``data/published.toml``): one
    row per number with ``value``, ``upper`` (NaN unless a range), ``se`` (NaN unless published), ``source``,
    ``secondary``, ``note``; indexed by ``(paper, key)``, or by ``key`` when ``paper`` is given."""
    path = _published_path()
    if not path.exists():
        raise FileNotFoundError(f"published-numbers table not found at {path}; set ${PUBLISHED_ENV}")
    table = _read(str(path))
    rows = [{"paper": p, "key": k, "value": float(e["value"]), "upper": float(e.get("upper", math.nan)),
             "se": float(e.get("se", math.nan)), "source": e["source"], "secondary": e["secondary"],
             "note": e.get("note", "")}
            for p, entries in table.items() for k, e in entries.items()]
    df = pd.DataFrame(rows).set_index(["paper", "key"])
    if paper is None:
        return df
    if paper not in table:
        raise ValueError(f"no published numbers for {paper!r}; papers: {sorted(table)}")
    return df.loc[paper]


def paper_value(paper: str, key: str) -> float:
    """One published number; ``KeyError`` names the missing key."""
    table = published(paper)
    if key not in table.index:
        raise KeyError(f"{paper}: no published number {key!r} in {_published_path()}")
    return float(table.loc[key, "value"])


def claim_row(claim: str, metric: str, paper: float, ours: float, status: str, rule: str, chapter: str,
              note: str = "") -> dict:
    """One row of a ``claims()`` frame; ``status`` must be one of :data:`STATUSES`; ``note`` is what a reader needs
    beside the number (its spread over seeds, a definition that is ours, a caveat on the data)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    return dict(zip(_COLUMNS, (claim, metric, float(paper), float(ours), status, rule, chapter, str(note))))


def claims_frame(rows: dict[str, dict]) -> pd.DataFrame:
    """A ``claims()`` frame from ``{claim_id: claim_row(...)}``."""
    df = pd.DataFrame.from_dict(rows, orient="index")[_COLUMNS]
    df.index.name = "id"
    return df
