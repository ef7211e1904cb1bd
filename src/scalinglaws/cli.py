"""Command line: fit a law to a CSV of your own ladder, or forecast a target, without writing Python::

    scalinglaws laws
    scalinglaws fit DATA.csv --law NAME --col VAR=COLUMN [...] [--chance Q0] [--loss squared|huber]
                    [--huber-delta D] [--max-compute C] [--json]
    scalinglaws forecast DATA.csv [--law NAME|auto] --col VAR=COLUMN [...] --at VAR=VALUE[,VAR=VALUE] [--at ...]
                    [--level 0.9] [--interval learned|backtest|delta|bootstrap] [--items N] [--chance Q0]
                    [--max-compute C] [--plot FILE.png] [--json]
    scalinglaws compare DATA.csv [--task COLUMN ...] [--col C=COLUMN] [--col N=COLUMN] [--col D=COLUMN]
                    [--col L=COLUMN] [--chance Q0] [--items N] [--pass-at-k] [--methods NAME,...] [--cutoffs 4|all]
                    [--min-points 5] [--plot FILE.png] [--json]
    scalinglaws datasets

A law's variables and response (``C``, ``N``, ``D``, ``k``, ``G``, ``L``, ``Q``, ``P``) are read from the CSV
columns of the same name unless ``--col VAR=COLUMN`` maps them. Errors go to stderr as one line, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ._optional import missing_message
from .datasets import file_status
from .fitting import fit
from .forecasting import INTERVALS, forecast
from .laws import COMPOSITES, LAWS, get_law

__all__ = ["main"]


class CLIError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scalinglaws", description="Fit downstream scaling laws.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("laws", help="list the laws with their formulas and variables")
    sub.add_parser("datasets", help="list the dataset registry and what is available locally")
    f = sub.add_parser("fit", help="fit a law to a CSV file")
    f.add_argument("data", help="CSV file, one row per run")
    f.add_argument("--law", required=True, help="law name (see `scalinglaws laws`)")
    f.add_argument("--col", action="append", default=[], metavar="VAR=COLUMN",
                   help="read variable VAR from column COLUMN (repeatable)")
    f.add_argument("--chance", type=float, default=0.0, help="chance level of an accuracy response")
    f.add_argument("--loss", choices=["squared", "huber"], default=None, help="objective (default: the law's)")
    f.add_argument("--huber-delta", type=float, default=None, help="Huber delta (default 1e-3)")
    f.add_argument("--max-compute", type=float, default=None, help="fit only runs with C (or 6ND) at most this")
    f.add_argument("--drop-invalid", action="store_true",
                   help="drop points with no finite value in the fitting space instead of failing")
    f.add_argument("--link", choices=["linear", "logistic"], default="linear",
                   help="stage-2 link of a two-stage route, --law two_stage (compute -> loss -> accuracy)")
    f.add_argument("--json", action="store_true", help="print exactly one JSON object")
    g = sub.add_parser("forecast", help="forecast a target from a CSV ladder, with an interval checked on every ladder "
                                          "of the benchmark")
    g.add_argument("data", help="CSV file, one row per run")
    g.add_argument("--law", default="auto", help="law name (see `scalinglaws laws`), or auto (the default): choose "
                   "among the laws the columns and --at variables allow, by the benchmark and the ladder's backtest")
    g.add_argument("--col", action="append", default=[], metavar="VAR=COLUMN",
                   help="read variable VAR from column COLUMN (repeatable)")
    g.add_argument("--at", action="append", default=[], metavar="VAR=VALUE[,VAR=VALUE]",
                   help="a target, e.g. C=3.8e22 or N=7e9,D=4e12 (repeatable)")
    g.add_argument("--level", type=float, default=0.9, help="interval level (default 0.9)")
    g.add_argument("--interval", choices=[*INTERVALS, "calibrated"], default="learned",
                   help="interval method (default learned: the error model learned from the forecasting benchmark "
                        "with the ladder's own backtest, give --items; backtest: the ladder's own backtest alone, "
                        "formerly 'calibrated')")
    g.add_argument("--items", type=float, default=None,
                   help="number of items of the target benchmark: adds its binomial noise")
    g.add_argument("--chance", type=float, default=0.0, help="chance level of an accuracy response")
    g.add_argument("--max-compute", type=float, default=None, help="fit only runs with C (or 6ND) at most this")
    g.add_argument("--drop-invalid", action="store_true",
                   help="drop points with no finite value in the fitting space instead of failing")
    g.add_argument("--plot", default=None, metavar="FILE.png", help="draw the data, fit, backtest and forecast")
    g.add_argument("--observed", type=float, nargs="+", default=None, metavar="VALUE",
                   help="the targets' observed values, when known (one per --at): drawn on the --plot figure")
    g.add_argument("--json", action="store_true", help="print exactly one JSON object")
    c = sub.add_parser("compare", help="backtest every applicable method on a CSV ladder and pick one to forecast with")
    c.add_argument("data", help="CSV file, one row per run: compute, optional N, D and validation loss, one column "
                   "per task")
    c.add_argument("--task", action="append", default=[], metavar="COLUMN",
                   help="a task's score column (repeatable; default: every column not used for C, N, D or L)")
    c.add_argument("--col", action="append", default=[], metavar="VAR=COLUMN",
                   help="read C (compute), N, D or L (validation loss) from COLUMN (repeatable)")
    c.add_argument("--chance", type=float, default=0.0, help="chance level of every task's score")
    c.add_argument("--items", type=float, default=None,
                   help="items per task: gives binomial standard errors (errors in SEs)")
    c.add_argument("--pass-at-k", action="store_true", help="the scores are pass@k (Schaeffer's laws apply)")
    c.add_argument("--methods", default=None, help="comma-separated route names (default: every applicable one "
                   "but BNSL; 'all' adds BNSL)")
    c.add_argument("--cutoffs", default="4", help="rolling-origin cutoffs: a number, or 'all' (default 4)")
    c.add_argument("--min-points", type=int, default=5, help="fewest runs a backtest fits (default 5)")
    c.add_argument("--plot", default=None, metavar="FILE.png", help="draw error against distance per method")
    c.add_argument("--json", action="store_true", help="print exactly one JSON object")
    return p


def _cmd_laws() -> str:
    lines = []
    for law in [*LAWS.values(), *COMPOSITES.values()]:
        lines.append(f"{law.name:26} {law.formula}")
        options = "".join(f"; --{k} {'|'.join(v)}" for k, v in getattr(law, "options", {}).items())
        lines.append(f"{'':26} variables: {', '.join(law.variables)}; response: {law.response}; "
                     f"parameters: {', '.join(law.param_names)}{options}; {law.reference}")
    return "\n".join(lines)


def _cmd_datasets() -> str:
    status = file_status()
    summary = status.groupby("dataset").agg(files=("path", "size"), license=("license", "first"),
                                            local=("local", lambda s: ", ".join(f"{k}: {v}" for k, v in
                                                                                  s.value_counts().items())))
    return summary.to_string()


def _read_csv(path) -> pd.DataFrame:
    """The CSV at ``path``, or a one-line CLIError naming what is wrong with it."""
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise CLIError(f"no such file: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None


def _require_plot_extra() -> None:
    """--plot needs the plot extra: checked before any fit, which can take seconds."""
    for module in ("matplotlib", "seaborn"):
        if importlib.util.find_spec(module) is None:
            raise CLIError(missing_message(module, "--plot"))


#: The variables ``--law auto`` reads (each optional but a score, Q or P).
AUTO_VARIABLES = ("C", "N", "D", "L")


def _read_data(args, law) -> dict:
    """The law's variables and response from the CSV, by column name or ``--col VAR=COLUMN``; for ``law=None``
    (``--law auto``) every one of C, N, D, L and the score (Q, or P) that the CSV has."""
    table = _read_csv(args.data)
    mapping = {}
    for item in args.col:
        if "=" not in item:
            raise CLIError(f"--col expects VAR=COLUMN, got {item!r}")
        var, column = item.split("=", 1)
        mapping[var.strip()] = column.strip()
    if law is None:
        scores = [v for v in ("Q", "P") if mapping.get(v, v) in table.columns]
        if len(scores) != 1:
            raise CLIError("--law auto needs one score column, Q (an accuracy) or P (pass@k); map it with --col "
                           f"Q=COLUMN (columns: {', '.join(map(str, table.columns))})")
        needed = [v for v in AUTO_VARIABLES if mapping.get(v, v) in table.columns] + scores
        known = (*AUTO_VARIABLES, "Q", "P")
        unknown = set(mapping) - set(known)
        if unknown:
            raise CLIError(f"--col names {sorted(unknown)}, but --law auto reads {', '.join(known)}")
        absent = [v for v in mapping if v not in needed]
        if absent:
            raise CLIError(f"missing column {mapping[absent[0]]!r} for {absent[0]} (columns: "
                           f"{', '.join(map(str, table.columns))})")
    else:
        needed = list(law.variables) + [law.response]
        unknown = set(mapping) - set(needed)
        if unknown:
            raise CLIError(f"--col names {sorted(unknown)}, but law {args.law} takes {', '.join(needed)}")
    data = {}
    for var in needed:
        column = mapping.get(var, var)
        if column not in table.columns:
            raise CLIError(f"missing column {column!r} for {var} (columns: {', '.join(map(str, table.columns))}); "
                           f"map it with --col {var}=COLUMN")
        data[var] = pd.to_numeric(table[column], errors="coerce").to_numpy()
        if np.isnan(data[var]).any() and not table[column].isna().all():
            bad = table[column][np.isnan(data[var])].iloc[0]
            if not (isinstance(bad, float) and math.isnan(bad)):
                raise CLIError(f"column {column!r} has a non-numeric value {bad!r}")
    return data


def _print_warnings(caught) -> None:
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)


def _cmd_fit(args) -> str:
    law = get_law(args.law)
    data = _read_data(args, law)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        options = {k: getattr(args, k) for k in getattr(law, "options", {})}  # a composite law's (--link)
        result = fit(law, chance=args.chance, loss=args.loss, huber_delta=args.huber_delta,
                     max_compute=args.max_compute, invalid="drop" if args.drop_invalid else "raise", **options, **data)
    _print_warnings(caught)
    return json.dumps(result.to_dict()) if args.json else result.report()


def _parse_at(items, law) -> list[dict]:
    """``--at C=3.8e22`` or ``--at N=1e9,D=2e10``, repeatable: one target per ``--at`` (``law=None``, ``--law
    auto``: any of C, N, D, L, the same ones in every target)."""
    if not items:
        raise CLIError("forecast needs at least one --at VAR=VALUE")
    targets = []
    for item in items:
        target = {}
        for part in item.split(","):
            if "=" not in part:
                raise CLIError(f"--at expects VAR=VALUE[,VAR=VALUE], got {item!r}")
            var, value = (x.strip() for x in part.split("=", 1))
            allowed = AUTO_VARIABLES if law is None else law.variables
            if var not in allowed:
                raise CLIError(f"--at names {var!r}, but {'--law auto' if law is None else 'law ' + law.name} takes "
                               f"{', '.join(allowed)}")
            try:
                target[var] = float(value)
            except ValueError:
                raise CLIError(f"--at {var}: {value!r} is not a number") from None
            if not target[var] > 0:
                raise CLIError(f"--at {var}={value}: must be > 0")
        targets.append(target)
    if len({tuple(sorted(t)) for t in targets}) > 1:
        raise CLIError("every --at must name the same variables")
    return targets


def _cmd_forecast(args) -> str:
    law = None if args.law == "auto" else get_law(args.law)
    if law is not None and not hasattr(law, "params"):
        raise CLIError(f"forecast takes a single law; {law.name} is a composite law")
    if args.plot:  # checked before the fit and backtest, which take seconds; imported (Agg backend) after them
        _require_plot_extra()
    targets = _parse_at(args.at, law)
    if args.observed is not None:
        if len(args.observed) != len(targets):
            raise CLIError(f"--observed takes one value per --at: {len(args.observed)} values for {len(targets)} "
                           "targets")
        if not args.plot:
            raise CLIError("--observed is drawn on the figure: give --plot FILE.png too")
    data = _read_data(args, law)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = forecast("auto" if law is None else law, at=targets, level=args.level, interval=args.interval,
                          n_items=args.items, chance=args.chance, max_compute=args.max_compute,
                          invalid="drop" if args.drop_invalid else "raise", **data)
    _print_warnings(caught)
    if args.plot:
        # deferred: matplotlib costs ~0.5 s to import, only --plot needs it, and it is an extra ([plot])
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plotting import figure_png, plot_forecast

        fig, ax = plt.subplots(figsize=(6, 4))
        plot_forecast(ax, result, observed=args.observed)
        fig.tight_layout()
        Path(args.plot).write_bytes(figure_png(fig, dpi=150))  # with its font record, as the book's figures
        plt.close(fig)
    return json.dumps(result.to_dict()) if args.json else result.report()


def _compare_columns(args, table: pd.DataFrame) -> tuple[dict, list]:
    mapping = {}
    for item in args.col:
        if "=" not in item:
            raise CLIError(f"--col expects VAR=COLUMN, got {item!r}")
        var, column = (x.strip() for x in item.split("=", 1))
        if var not in ("C", "N", "D", "L"):
            raise CLIError(f"--col names {var!r}; compare reads C (compute), N, D and L (validation loss)")
        mapping[var] = column
    cols = {v: mapping.get(v, v if v in table.columns else None) for v in ("C", "N", "D", "L")}
    if cols["C"] is None:
        raise CLIError(f"missing column 'C' for compute (columns: {', '.join(map(str, table.columns))}); map it "
                       "with --col C=COLUMN")
    if (cols["N"] is None) != (cols["D"] is None):
        raise CLIError("give both N and D (parameters and tokens), or neither")
    used = {c for c in cols.values() if c is not None}
    tasks = list(args.task) or [c for c in table.columns if c not in used]
    if not tasks:
        raise CLIError("no task column: name one with --task COLUMN")
    return cols, tasks


def _cmd_compare(args) -> str:
    from . import benchmark as B

    if args.plot:
        _require_plot_extra()
    table = _read_csv(args.data)
    cols, tasks = _compare_columns(args, table)
    cutoffs = args.cutoffs if args.cutoffs == "all" else None
    if cutoffs is None:
        try:
            cutoffs = int(args.cutoffs)
        except ValueError:
            raise CLIError(f"--cutoffs takes a number or 'all', got {args.cutoffs!r}") from None
    methods = None if args.methods is None else ("all" if args.methods == "all" else
                                                 [m.strip() for m in args.methods.split(",") if m.strip()])
    lad = B.user_ladder(table, tasks, C=cols["C"], N=cols["N"], D=cols["D"], loss=cols["L"], chance=args.chance,
                        n_items=args.items, response="P" if args.pass_at_k else "Q", min_points=args.min_points,
                        name=Path(args.data).stem)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = B.run(lad, methods=methods, cutoffs=cutoffs, min_points=args.min_points)
    _print_warnings(caught[:5])
    if result.empty:
        raise CLIError("no backtest: no cutoff leaves --min-points runs fitted and a run to predict")
    board = B.summarise(result, by=["task", "distance_bin", "method"])
    picks = B.pick(result).droplevel("ladder")
    failures = (result[result["status"] == "failed"].drop_duplicates(["task", "method"])
                .set_index(["task", "method"])["reason"])
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plotting import figure_png, plot_error_vs_distance

        fig, ax = plt.subplots(figsize=(6.5, 4))
        step = 0.25 if result["distance"].max() > 1 else 0.1
        plot_error_vs_distance(ax, B.distance_curve(result, score="abs_error", step=step), ylabel=(
            "median absolute error (score points)"))
        ax.legend(fontsize=8, ncol=2)
        ax.set_title(f"{lad.name}: {len(tasks)} task(s), backtest by rolling origin", fontsize=10)
        fig.tight_layout()
        Path(args.plot).write_bytes(figure_png(fig, dpi=150))
        plt.close(fig)
    if args.json:
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v

        out = {"ladder": {k: clean(v) for k, v in lad.summary().items()}, "tasks": {}}
        for task in tasks:
            b = board.loc[task].reset_index() if task in board.index.get_level_values(0) else pd.DataFrame()
            out["tasks"][task] = {
                "pick": {k: clean(v.item() if hasattr(v, "item") else v) for k, v in picks.loc[task].items()}
                if task in picks.index else None,
                "backtest": [{k: clean(v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                             for r in b.assign(distance_bin=b["distance_bin"].astype(str)).to_dict("records")]
                if len(b) else [],
                "failed": {m: r for (t, m), r in failures.items() if t == task}}
        return json.dumps(out)
    lines = [f"{lad.name}: {lad.n_runs()} runs, {len(tasks)} task(s); rolling origin by compute "
             f"({result['cutoff'].nunique()} cutoffs, at least {args.min_points} fitted runs)"]
    for task in tasks:
        lines.append(f"\n== {task} ==")
        if task in board.index.get_level_values(0):
            b = board.loc[task][["median_abs_error", "coverage", "interval_score", "n_heldout", "n_failed"]]
            lines.append(b.rename(columns={"median_abs_error": "median |error|", "coverage": "cover 90%",
                                           "interval_score": "int. score", "n_heldout": "n"})
                         .round(4).to_string())
        for (t, m), r in failures.items():
            if t == task:
                lines.append(f"failed: {m}: {r}")
        if task in picks.index and picks.loc[task, "method"]:
            p = picks.loc[task]
            verdict = ("a naive baseline: no law beats it there" if p["method"] in B.BASELINES else
                       "it beats the naive baselines there" if p["beats_baselines"] else
                       "it does not beat the naive baselines there")
            coverage = "no interval" if not np.isfinite(p["coverage"]) else f"90% coverage {p['coverage']:.2f}"
            lines.append(f"pick: {p['method']} (median |error| {p['score']:.4f} at distance {p['distance_bin']} "
                         f"decades, {coverage}, n = {p['n_heldout']}; runner-up {p['runner_up'] or '-'}; "
                         f"{verdict})")
        else:
            lines.append("pick: none (no method was fitted on enough cutoffs)")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        if args.command == "laws":
            out = _cmd_laws()
        elif args.command == "datasets":
            out = _cmd_datasets()
        elif args.command == "forecast":
            out = _cmd_forecast(args)
        elif args.command == "compare":
            out = _cmd_compare(args)
        else:
            out = _cmd_fit(args)
    except (CLIError, ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"scalinglaws: error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
