"""The tidy run table every loader returns and every analysis reads: one row per run x benchmark x metric.

Required columns: ``run_id`` (str), ``C`` (training FLOPs, > 0), ``benchmark`` (str), ``metric`` (str), ``value``
(float: an accuracy, pass@k or loss). Loaders add what their source has -- ``N``, ``D`` (parameters and tokens; NaN
where the source has none), ``TPR``, ``mixture``, ``n_items``, ``label``, ``role`` -- and :func:`validate_runs`
checks whatever of these is present. :func:`select` is the one way the library picks a benchmark's series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["REQUIRED", "OPTIONAL", "BENCHMARK_COLUMNS", "validate_runs", "select", "benchmark_table"]

#: Required columns and their kinds ("f" float, "O" text).
REQUIRED = {"run_id": "O", "C": "f", "benchmark": "O", "metric": "O", "value": "f"}
#: Optional columns a loader may add, with their kinds.
OPTIONAL = {"N": "f", "D": "f", "TPR": "f", "mixture": "O", "n_items": "f", "label": "O", "role": "O"}


def validate_runs(table: pd.DataFrame, name: str = "runs") -> pd.DataFrame:
    """Check a run table against the schema and return it; ``ValueError`` naming the first problem: a missing
    required column, a non-numeric numeric column, non-positive or non-finite compute, a non-finite value, or a
    repeated (run_id, benchmark, metric)."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{name}: expected a DataFrame, got {type(table).__name__}")
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; a run table has {list(REQUIRED)}")
    for col, kind in {**REQUIRED, **OPTIONAL}.items():
        if col in table.columns and kind == "f" and not pd.api.types.is_numeric_dtype(table[col]):
            raise ValueError(f"{name}: column {col!r} must be numeric, got {table[col].dtype}")
    C = table["C"].to_numpy(float)
    if not np.all(np.isfinite(C) & (C > 0)):
        raise ValueError(f"{name}: compute C must be finite and > 0 ({int((~(np.isfinite(C) & (C > 0))).sum())} "
                         "row(s) are not)")
    if not np.all(np.isfinite(table["value"].to_numpy(float))):
        raise ValueError(f"{name}: {int((~np.isfinite(table['value'].to_numpy(float))).sum())} non-finite value(s)")
    dup = table.duplicated(["run_id", "benchmark", "metric"])
    if dup.any():
        first = table.loc[dup, ["run_id", "benchmark", "metric"]].iloc[0].tolist()
        raise ValueError(f"{name}: {int(dup.sum())} repeated (run_id, benchmark, metric), e.g. {first}")
    return table


def select(table: pd.DataFrame, benchmark: str, metric: str, *, required: bool = False) -> pd.DataFrame:
    """The rows of one benchmark and metric, sorted by compute. Empty when there are none, unless ``required``:
    then ``ValueError`` names the metrics the benchmark does have."""
    d = table[(table["benchmark"] == benchmark) & (table["metric"] == metric)].sort_values("C", kind="stable")
    if d.empty and required:
        have = sorted(table.loc[table["benchmark"] == benchmark, "metric"].unique())
        raise ValueError(f"no rows for benchmark {benchmark!r} with metric {metric!r}"
                         + (f"; it has {', '.join(have)}" if have else "; no such benchmark in the table"))
    return d


#: The columns every benchmark table has (each source adds one descriptive column, e.g. ``kind`` or ``split``).
BENCHMARK_COLUMNS = ("metric", "n_items", "chance")


def benchmark_table(rows, *, label: str) -> pd.DataFrame:
    """A source's benchmark table from ``(benchmark, <label>, metric, n_items, chance)`` rows, indexed by
    benchmark; ``ValueError`` for a repeated benchmark, a non-positive item count or a chance level outside [0, 1)."""
    table = pd.DataFrame(list(rows), columns=["benchmark", label, *BENCHMARK_COLUMNS]).set_index("benchmark")
    if table.index.duplicated().any():
        raise ValueError(f"repeated benchmark(s) {sorted(table.index[table.index.duplicated()])}")
    if not (table["n_items"] > 0).all():
        raise ValueError("n_items must be > 0")
    if not table["chance"].between(0, 1, inclusive="left").all():
        raise ValueError("chance must be in [0, 1)")
    return table
