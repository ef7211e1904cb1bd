"""Plotting helpers: the book's figures are drawn here, so chapters only call them.

Needs matplotlib and seaborn, the ``plot`` extra (``pip install 'scalinglaws[plot]'``); importing this module
without them raises :class:`ModuleNotFoundError` saying so. ``import scalinglaws`` never imports it.
"""

from __future__ import annotations

import io
import json

import numpy as np

from . import envelope
from ._optional import require
from .forecasting import backtest_interval, ladder_size, renamed_interval
from .results import FitResult
from .routes import ROUTES

plt = require("matplotlib.pyplot", "scalinglaws.plotting")
mpl_figure = require("matplotlib.figure", "scalinglaws.plotting")
mpl_text = require("matplotlib.text", "scalinglaws.plotting")
sns = require("seaborn", "scalinglaws.plotting")

try:  # the notebook backend, present whenever a chapter runs in a Jupyter kernel
    from matplotlib_inline.backend_inline import set_matplotlib_formats
except ImportError:  # plain Python: figures are saved with savefig, at savefig.dpi
    set_matplotlib_formats = None

__all__ = [
    "plot_forecast", "set_style", "readable", "plot_extrapolation", "plot_fits", "plot_proxy_fits", "facet_grid",
    "figure_legend", "figure_png", "font_record",
    "plot_group_fits", "plot_params",
    "plot_backtest", "plot_routes", "plot_seed_spread", "plot_predicted_vs_observed", "plot_mixtures", "plot_isoflop",
    "plot_penalty", "plot_error_vs_distance",
    "plot_passk_joint", "plot_envelope_vs_fit", "plot_curves_in_k", "plot_power_in_k", "plot_exponent_in_k",
]

FIT_COLOR = "#1f77b4"
HELDOUT_COLOR = "#d62728"


# The book's pages show a figure at most this wide (CSS px = inches x figure.dpi): a cell output's width in the
# sphinx-book-theme page at the 1280 px window .ci/check_pages.py uses (672 px, measured). A wider figure is scaled
# down, and its text with it.
COLUMN_INCHES = 6.7
# The smallest font a figure of the book may use (points): at figure.dpi = 100 and shown unscaled, 7 pt is 9.7
# CSS px, above the 9 px .ci/check_pages.py requires. The style's own fonts (seaborn's "paper" context) are 8.8 pt
# and up.
MIN_FONT_PT = 7.0
# The key of the PNG text chunk that records the fonts a figure was drawn with (read by .ci/check_pages.py).
FONT_RECORD = "scalinglaws:fonts"


def set_style() -> None:
    """The book's plotting style (seaborn 'whitegrid', fonts of 8.8 points and up); in a
    notebook, retina-resolution figures whose PNG records the smallest font drawn (see :func:`font_record`)."""
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.0)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 200, "axes.titlesize": 10})
    if set_matplotlib_formats is not None and "inline" in plt.get_backend():
        set_matplotlib_formats("retina")  # figures at twice the pixel density, shown at the same size
        _record_fonts_in_notebook_figures()


def _visible_texts(artist):
    if not artist.get_visible():
        return
    if isinstance(artist, mpl_text.Text) and artist.get_text().strip():
        yield artist
    for child in artist.get_children():
        yield from _visible_texts(child)


def font_record(fig, dpi: float) -> dict:
    """What a figure's smallest text is, for a page check to measure: ``{"min_pt", "dpi", "text"}`` -- the
    smallest font size (points) among the figure's visible, non-empty texts (tick labels, axis labels, titles,
    legends, annotations, colour bars), the resolution the PNG is drawn at (pixels per inch) and that text (cut to
    40 characters). Shown with the image scaled from its natural width ``w`` to ``w'`` CSS px, the text is
    ``min_pt * dpi / 72 * w' / w`` CSS px high (.ci/check_pages.py). ``min_pt`` is None for a figure without text."""
    texts = list(_visible_texts(fig))
    if not texts:
        return {"min_pt": None, "dpi": float(dpi), "text": ""}
    smallest = min(texts, key=lambda t: t.get_fontsize())
    return {"min_pt": round(float(smallest.get_fontsize()), 3), "dpi": float(dpi),
            "text": smallest.get_text().strip()[:40]}


def figure_png(fig, dpi: float | None = None, **kwargs) -> bytes:
    """The figure as PNG bytes (``savefig`` at ``dpi``, default ``savefig.dpi``, tight bounding box) with its
    :func:`font_record` in a text chunk under the key :data:`FONT_RECORD`."""
    dpi = float(dpi or plt.rcParams["savefig.dpi"])
    kwargs.setdefault("bbox_inches", "tight")
    meta = {FONT_RECORD: json.dumps(font_record(fig, dpi))}
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=meta, **kwargs)
    return buf.getvalue()


def _record_fonts_in_notebook_figures() -> None:
    """In IPython, draw figures as retina PNGs (IPython's own ``retina_figure``) with the font record added."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import retina_figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def retina_with_fonts(fig):
        meta = {FONT_RECORD: json.dumps(font_record(fig, 2 * fig.dpi))}
        return retina_figure(fig, base64=True, metadata=meta)

    shell.display_formatter.formatters["image/png"].for_type(mpl_figure.Figure, retina_with_fonts)


def readable(frame, index: bool = False):
    """A table with readable headers for display: ``se_alpha`` -> ``SE alpha``, ``n_fit`` -> ``n fit``, any other
    underscore -> a space (and the same for the row labels with ``index=True``). Data values are untouched."""
    def label(name):
        if not isinstance(name, str):
            return name
        return ("SE " + name[3:] if name.startswith("se_") else name).replace("_", " ")

    out = frame.rename(columns=label)
    return out.rename(index=label) if index else out


def facet_grid(n: int, ncols: int = 3, size: float | None = None, aspect: float = 0.8):
    """A grid of ``n`` axes (extra axes hidden), returned flat. Panels are ``size`` inches wide (default: the
    :data:`COLUMN_INCHES` column shared by ``ncols`` panels, so that the page shows the figure unscaled and its
    text at its drawn size) and ``aspect`` times as high."""
    nrows = int(np.ceil(n / ncols))
    size = COLUMN_INCHES / ncols if size is None else size
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * aspect), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def figure_legend(fig, *, ncol: int | None = None, **kwargs):
    """One legend for the whole figure, below its panels: every labelled artist of every axis, once per label (the
    first one drawn), with any per-axis legend removed. Call it after ``tight_layout``; a saved or displayed figure
    (tight bounding box) includes it."""
    handles, labels = [], []
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    ncol = ncol or min(len(labels), 3)
    kwargs = {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "frameon": False, **kwargs}
    return fig.legend(handles, labels, ncol=ncol, **kwargs)


def plot_extrapolation(ax, result: FitResult, C, Q, heldout, *, level: float = 0.95, title: str | None = None,
                       ylabel: str = "accuracy", n_grid: int = 200, interval: str = "backtest"):
    """Accuracy against compute: fitted runs, held-out runs, the law and its prediction interval (``interval``:
    ``backtest``, the delta interval widened by the fit's own backtest, the default, or ``delta``; the legend names
    the one drawn).

    Parameters
    ----------
    ax : matplotlib Axes
    result : FitResult
        A fit of a law in C alone (``direct``, ``direct_qmax``, ``bnsl``, ``compute``).
    C, Q : array_like
        All runs (fitted and held out).
    heldout : array_like of bool
        Which runs were held out.
    """
    C, Q, heldout = np.asarray(C, float), np.asarray(Q, float), np.asarray(heldout, bool)
    grid = np.geomspace(C.min(), C.max() * 1.05, n_grid)
    ax.plot(grid, result.predict(C=grid), color=FIT_COLOR, lw=1.5, label="law")
    if result.covariance is not None:
        if renamed_interval(interval) == "backtest":
            lo, hi, used = backtest_interval(result, level, C=grid)
        else:
            (lo, hi), used = result.interval(level=level, C=grid), "delta"
        ax.fill_between(grid, lo, hi, color=FIT_COLOR, alpha=0.15, lw=0, label=f"{level:.0%} {used} interval")
    ax.scatter(C[~heldout], Q[~heldout], s=12, color="0.25", label="fitted", zorder=3)
    ax.scatter(C[heldout], Q[heldout], s=28, marker="D", facecolor="none", edgecolor=HELDOUT_COLOR,
               label="held out", zorder=4)
    fitted_max = C[~heldout].max() if (~heldout).any() else None
    if fitted_max is not None:
        ax.axvline(fitted_max, color="0.6", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_fits(ax, fits: dict, C, Q, heldout, *, ylabel: str = "accuracy", n_grid: int = 200, ylim=None):
    """Several fits of one series against compute: fitted and held-out runs, and each fit's curve (``fits`` maps a
    legend label to a :class:`~scalinglaws.results.FitResult` of a law in C)."""
    C, Q, heldout = np.asarray(C, float), np.asarray(Q, float), np.asarray(heldout, bool)
    grid = np.geomspace(C.min(), C.max() * 1.05, n_grid)
    colors = sns.color_palette("colorblind", len(fits))
    for color, (label, res) in zip(colors, fits.items(), strict=True):
        ax.plot(grid, res.predict(C=grid), color=color, lw=1.3, label=label)
    ax.scatter(C[~heldout], Q[~heldout], s=12, color="0.25", label="fitted", zorder=3)
    ax.scatter(C[heldout], Q[heldout], s=28, marker="D", facecolor="none", edgecolor=HELDOUT_COLOR,
               label="held out", zorder=4)
    ax.set_xscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    return ax


def plot_proxy_fits(ax, L, Q, fits: dict, *, xlabel: str, ylabel: str = "accuracy", n_grid: int = 200):
    """Accuracy against a proxy (runs as points) with each stage-2 fit's curve (``fits`` maps a link name to a
    :class:`~scalinglaws.results.FitResult` of ``accuracy_linear_in_loss`` or ``accuracy_logistic_in_loss``)."""
    L, Q = np.asarray(L, float), np.asarray(Q, float)
    ax.scatter(L, Q, s=6, color="0.3", label="runs", zorder=3)
    grid = np.linspace(L.min(), L.max(), n_grid)
    for color, (link, res) in zip(("C0", "C3", "C2"), fits.items()):
        ax.plot(grid, res.predict(L=grid), color=color, lw=1.2, label=link)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_group_fits(ax, fits: dict, table, *, x: str, y: str, by: str, transform=None, palette: str = "viridis",
                    label_fmt: str = "{by}={key}", n_grid: int = 200, markersize: float = 10):
    """Data and fitted curve of each group (one colour per group) for single-variable laws, e.g. one compute-law fit
    per k. ``transform`` maps the response before plotting (e.g. ``lambda p: -np.log(p)``); x is log-scaled."""
    keys = list(fits)
    colors = sns.color_palette(palette, len(keys))
    transform = transform or (lambda v: v)
    var = fits[keys[0]].law.variables[0]
    for color, key in zip(colors, keys):
        d = table[(table[by] == key) & table[y].notna()]
        with np.errstate(divide="ignore"):  # a response at 0 or 1 has no finite -log and is not drawn
            shown = transform(d[y].to_numpy())
        finite = np.isfinite(shown)
        ax.scatter(d[x][finite], shown[finite], s=markersize, color=color, alpha=0.7, lw=0)
        grid = np.geomspace(d[x].min(), d[x].max(), n_grid)
        ax.plot(grid, transform(fits[key].predict(**{var: grid})), color=color, lw=1.2,
                label=label_fmt.format(by=by, key=key))
    ax.set_xscale("log")
    ax.set_xlabel(x)
    return ax


# Distinct markers for series told apart by colour as well (with up to 8 series, colour alone is not enough).
MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")


def plot_params(axes, params, names, *, x=None, logx: bool = True, logy=(), color=FIT_COLOR, label=None,
                marker: str = "o"):
    """Fitted parameters (with ±1 SE bars where available) against the group index (or column ``x``) of a
    :func:`scalinglaws.fitting.fit_groups` table, one axis per parameter name."""
    xs = params.index.to_numpy(float) if x is None else params[x].to_numpy(float)
    for ax, name in zip(axes, names):
        se = params.get(f"se_{name}")
        err = None if se is None else np.nan_to_num(se.to_numpy(float), nan=0.0)
        ax.errorbar(xs, params[name].to_numpy(float), yerr=err, fmt=f"{marker}-", ms=4, lw=1, capsize=2,
                    color=color, label=label)
        if logx:
            ax.set_xscale("log")
        if name in logy:
            ax.set_yscale("log")
        ax.set_title(name)
        ax.set_ylabel(name)
    return axes


def plot_backtest(ax, bt, *, target_C: float, observed: float | None = None, column: str = "predicted",
                  label=None, color=None):
    """A backtest (:func:`scalinglaws.backtest.backtest_law`) against the cutoff's distance below the target,
    log10(C_target / C_max): a fitted parameter or the prediction (with its interval when ``column`` is
    ``predicted``)."""
    orders = np.log10(target_C / bt["C_max"].to_numpy(float))
    line = ax.plot(orders, bt[column], "o-", ms=3, lw=1, label=label, color=color)[0]
    if column == "predicted" and {"lower", "upper"} <= set(bt):
        ax.fill_between(orders, bt["lower"], bt["upper"], color=line.get_color(), alpha=0.12, lw=0)
    if observed is not None:
        ax.axhline(observed, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel("orders below the target, log10(C_target / C_max)", fontsize=8)
    if not ax.xaxis_inverted():  # once, however many backtests an axis (or axes sharing it) draws
        ax.invert_xaxis()
    return ax


#: Each route's colour in every figure: the registry's (:data:`scalinglaws.routes.ROUTES`).
ROUTE_COLORS = {name: r.color for name, r in ROUTES.items()}


def plot_routes(ax, runs, points, *, threshold: float | None = None, routes=None, intervals: bool = True,
                title: str | None = None):
    """One benchmark's runs and each route's predictions at the held-out runs
    (:func:`scalinglaws.backtest.compare_routes` points for that benchmark), with prediction intervals as bands.

    ``runs`` has columns ``C`` and ``value`` (all runs of the benchmark); runs above ``threshold`` are drawn as
    held-out diamonds. The accuracy axis is clipped to [0, 1] and to 1.5 times the largest run, so that a route
    whose prediction runs away does not flatten the data (its line leaves the panel instead)."""
    C, Q = np.asarray(runs["C"], float), np.asarray(runs["value"], float)
    held = C > threshold if threshold is not None else np.zeros(C.shape, bool)
    ax.scatter(C[~held], Q[~held], s=8, color="0.35", zorder=3, label="fitted")
    ax.scatter(C[held], Q[held], s=20, marker="D", facecolor="none", edgecolor="k", zorder=4, label="held out")
    for route in routes or list(dict.fromkeys(points["route"])):
        p = points[points["route"] == route].sort_values("C")
        color = ROUTE_COLORS.get(route)
        line = ax.plot(p["C"], p["predicted"], color=color, lw=1.3, label=route)[0]
        if intervals and np.all(np.isfinite(p[["lower", "upper"]].to_numpy())):
            ax.fill_between(p["C"], p["lower"], p["upper"], color=line.get_color(), alpha=0.12, lw=0)
    if threshold is not None:
        ax.axvline(threshold, color="0.6", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    lo, hi = ax.get_ylim()
    ax.set_ylim(max(lo, 0.0), min(hi, 1.0, 1.5 * float(np.nanmax(Q))))
    if title:
        ax.set_title(title, fontsize=8)
    return ax


def plot_seed_spread(ax, seed_table, reference=None, *, reference_label: str = "direct law", flat: float = 0.01):
    """A seeded search's held-out MRE per benchmark, one dot per seed (hollow where the run fitted a flat law, a
    fitted accuracy span below ``flat``), with an optional ``reference`` MRE per benchmark (a Series) as a bar.
    ``seed_table`` is :func:`scalinglaws.papers.krajewski.bnsl_seed_table`'s frame (``mre``, ``span``)."""
    benches = list(dict.fromkeys(seed_table.index.get_level_values("benchmark")))
    for i, bench in enumerate(benches):
        d = seed_table.xs(bench, level="benchmark")
        x = i + np.linspace(-0.18, 0.18, len(d))
        is_flat = d["span"].to_numpy() < flat
        ax.scatter(x[~is_flat], d["mre"].to_numpy()[~is_flat], s=14, color=ROUTE_COLORS["bnsl_authors"], zorder=3,
                   label="BNSL run (a curve)" if i == 0 else None)
        ax.scatter(x[is_flat], d["mre"].to_numpy()[is_flat], s=14, facecolor="none",
                   edgecolor=ROUTE_COLORS["bnsl_authors"], zorder=3, label="BNSL run (a flat law)" if i == 0 else None)
        if reference is not None and bench in reference.index:
            ax.plot([i - 0.3, i + 0.3], [reference[bench]] * 2, color=ROUTE_COLORS["direct"], lw=2,
                    label=reference_label if i == 0 else None)
    ax.set_yscale("log")
    ax.set_xticks(range(len(benches)), benches, rotation=40, ha="right")
    ax.set_ylabel("held-out MRE (fraction)")
    return ax


def plot_predicted_vs_observed(ax, points, *, by: str | None = None, lim=None):
    """Predicted against observed accuracy for held-out runs, with prediction-interval error bars, coloured by
    ``by`` (e.g. corpus or route); the diagonal is a perfect prediction."""
    groups = points.groupby(by) if by else [(None, points)]
    for i, (key, p) in enumerate(groups):
        err = np.vstack([p["predicted"] - p["lower"], p["upper"] - p["predicted"]])
        err = np.where(np.isfinite(err), np.maximum(err, 0), 0)
        ax.errorbar(p["observed"], p["predicted"], yerr=err, fmt="o", ms=3, lw=0.6, color=f"C{i}", label=key)
    lo = min(points["observed"].min(), points["predicted"].min()) if lim is None else lim[0]
    hi = max(points["observed"].max(), points["predicted"].max()) if lim is None else lim[1]
    ax.plot([lo, hi], [lo, hi], color="0.4", lw=0.8)
    ax.set_xlabel("observed")
    ax.set_ylabel("predicted")
    return ax


def plot_mixtures(ax, table, *, benchmark: str, metric: str, chance: float = 0.0, colors=("C0", "C3")):
    """Accuracy against compute for each data mixture of a tidy table (one colour per ``mixture``), with the chance
    level drawn when it is above zero."""
    d = table[(table["benchmark"] == benchmark) & (table["metric"] == metric)]
    for color, (mix, g) in zip(colors, d.groupby("mixture", sort=True)):
        ax.scatter(g["C"], g["value"], s=10, color=color, label=mix)
    if chance > 0:
        ax.axhline(chance, color="0.5", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_title(benchmark)
    return ax


def plot_isoflop(ax, N0: float, beta: float, D0: float, gamma: float, Cs, *, c: float = 6.0, N_range=(1e6, 1e12)):
    """Iso-FLOP curves of R(N, D) = N0 N^-beta + D0 D^-gamma at D = C/(cN), one per compute budget, with the
    envelope value C0 C^-alpha of :func:`scalinglaws.envelope.compute_law` marked at the optimal N*."""
    N = np.geomspace(*N_range, 300)
    _, C0, alpha = envelope.compute_law(N0, beta, D0, gamma, c=c)
    for C in np.atleast_1d(Cs):
        ax.plot(N, N0 * N**-beta + D0 * (C / (c * N)) ** -gamma, lw=1.2, label=f"C = {C:.0e}")
        Ns, _ = envelope.optimal_allocation(C, N0, beta, D0, gamma, c)
        ax.plot(Ns, C0 * C**-alpha, "ko", ms=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters N")
    ax.set_ylabel("R(N, C/(cN))")
    return ax


def plot_penalty(ax, pairs, *, r_range=(0.01, 100), quadratic: bool = True):
    """The misallocation penalty Φ(r) for each (beta, gamma) in ``pairs``; with ``quadratic`` also the expansion
    1 + βγ(ln r)²/2 of the first pair."""
    r = np.geomspace(*r_range, 200)
    for b, g in pairs:
        ax.plot(r, envelope.misallocation_penalty(r, b, g), label=f"beta={b:g}, gamma={g:g}")
    if quadratic:
        b, g = pairs[0]
        ax.plot(r, 1 + 0.5 * b * g * np.log(r) ** 2, "k:", lw=1, label="1 + beta*gamma/2 (ln r)^2, first pair")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("r = N / N*")
    ax.set_ylabel("Phi(r)")
    return ax


def plot_passk_joint(ax, result: FitResult, data, ks, *, palette: str = "viridis"):
    """-log pass@k against compute for several k: the runs (columns ``C, k, value``; zeros not drawn) and the joint
    law (Krajewski et al. Eq. 5) fitted in ``result``."""
    colors = sns.color_palette(palette, len(ks))
    for color, k in zip(colors, ks):
        d = data[(data["k"] == k) & (data["value"] > 0)]
        ax.scatter(d["C"], -np.log(d["value"]), s=8, color=color)
        grid = np.geomspace(d["C"].min(), d["C"].max(), 100)
        ax.plot(grid, -np.log(result.predict(C=grid, k=np.full(grid.shape, float(k)))), color=color,
                label=f"k = {k}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel("-log pass@k")
    return ax


def plot_envelope_vs_fit(ax, C, P, r, *, envelope_law: tuple, compute_fit: FitResult, C_max: float | None = None):
    """Checkpoints' -log pass@k coloured by log10 of their allocation ratio r = N/N*(C), the compute-optimal
    envelope ``(E0, C0, alpha)`` of an N + D fit, and a compute law fitted directly to the same checkpoints."""
    C, P, r = (np.asarray(v, float) for v in (C, P, r))
    E0, C0, alpha = envelope_law
    grid = np.geomspace(C.min(), C_max or C.max(), 200)
    sc = ax.scatter(C, -np.log(P), c=np.log10(r), cmap="coolwarm", s=14, vmin=-3, vmax=3)
    ax.plot(grid, E0 + C0 * grid**-alpha, color="k", lw=1.5, label="envelope of the N+D fit")
    ax.plot(grid, -np.log(compute_fit.predict(C=grid)), color="C2", ls="--", label="compute law fitted directly")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel("-log pass@k")
    ax.figure.colorbar(sc, ax=ax, label="log10 N / N*(C)")
    return ax


def plot_curves_in_k(ax, k, curves: dict, *, mark_k: float | None = None, ylabel: str = "pass@k"):
    """Several estimates of pass@k against k (``{label: values}``; the first solid, the others dashed/dotted), with an
    optional vertical line at ``mark_k`` (e.g. the smallest sample count)."""
    for (label, values), ls in zip(curves.items(), ["-", "--", ":", "-."] * 4):
        ax.plot(k, values, ls=ls, label=label)
    if mark_k is not None:
        ax.axvline(mark_k, color="0.6", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel(ylabel)
    return ax


def plot_power_in_k(axes, result: FitResult, k, P, per_problem_p1):
    """Two panels for one model: the histogram of log10 per-problem pass@1 (problems never solved counted in the
    title), and -log pass@k against k with the fitted ``power_in_k`` law (log-log)."""
    p1 = np.asarray(per_problem_p1, float)
    k, P = np.asarray(k, float), np.asarray(P, float)
    axes[0].hist(np.log10(p1[p1 > 0]), bins=25, color="0.4")
    axes[0].set_xlabel("log10 per-problem pass@1 (c/n)")
    axes[0].set_ylabel("problems")
    axes[0].set_title(f"{np.mean(p1 == 0):.0%} of problems never solved")
    axes[1].loglog(k, -np.log(P), "o", ms=3, color="0.3", label="data")
    axes[1].loglog(k, -np.log(result.predict(k=k)), color=FIT_COLOR, label=f"power law, b = {result.params['b']:.3f}")
    axes[1].set_xlabel("k")
    axes[1].set_ylabel("-log pass@k")
    return axes


def plot_exponent_in_k(ax, k, joint_exponent, per_k_params, *, color=None, label: str = ""):
    """A compute exponent against k: the joint law's curve and separate per-k fits (``fit_groups`` table with
    ``alpha`` and ``se_alpha``) with ±1 SE bars."""
    line = ax.plot(k, joint_exponent, color=color, label=f"{label}, joint law")[0]
    ax.errorbar(per_k_params.index.to_numpy(float), per_k_params["alpha"], yerr=per_k_params["se_alpha"], fmt="o",
                ms=3, color=line.get_color(), label=f"{label}, per k")
    ax.set_xscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("compute exponent")
    return ax


def plot_forecast(ax, fc, *, observed=None, n_grid: int = 200):
    """A :class:`~scalinglaws.Forecast`: the fitted runs, the fitted law out to the targets, the backtest's
    predictions from its middle cutoff (runs predicted from the smaller ones), each target's prediction with its
    interval and, when known, its ``observed`` value (one per target). The x axis is compute (C, or 6ND); an
    accuracy axis is kept inside [0, 1]."""
    res = fc.fit
    law = res.law
    size = ladder_size(law, res.X)
    y_obs = res.response
    ax.scatter(size, y_obs, s=12, color=FIT_COLOR, label="fitted runs", zorder=3)
    t_size = ladder_size(law, {k: fc.at[k].to_numpy() for k in law.variables})
    if list(law.variables) == ["C"]:
        grid = np.geomspace(size.min(), max(size.max(), t_size.max()) * 1.1, n_grid)
        ax.plot(grid, res.predict(C=grid), color=FIT_COLOR, lw=1, label=f"{law.name} fit")
    if fc.backtest is not None:
        cut = np.sort(fc.backtest["cutoff"].unique())[len(fc.backtest["cutoff"].unique()) // 2]
        b = fc.backtest[fc.backtest["cutoff"] == cut]
        ax.scatter(b["size"], b["predicted"], marker="x", s=14, color="0.55",
                   label=f"backtest: predicted from runs up to {cut:.1e}")
    err = np.vstack([fc.predicted - fc.lower, fc.upper - fc.predicted])
    ax.errorbar(t_size, fc.predicted, yerr=err, fmt="D", color=HELDOUT_COLOR, ms=5, capsize=3,
                label=f"forecast, {fc.level:.0%} {fc.interval} interval")
    if observed is not None:
        observed = np.atleast_1d(np.asarray(observed, float))
        if observed.shape != np.shape(fc.predicted):
            raise ValueError(f"observed: one value per target ({np.size(fc.predicted)}), got {observed.size}")
        ax.scatter(t_size, observed, marker="*", s=90, color="k", zorder=5, label="observed (not fitted)")
    ax.set_xscale("log")
    ax.set_xlabel("training compute C (FLOPs)" if "C" in law.variables else "training compute 6ND (FLOPs)")
    ax.set_ylabel({"Q": "accuracy", "P": "pass@k", "L": "loss"}.get(law.response, law.response))
    if law.response in ("Q", "P"):
        values = np.concatenate([y_obs, fc.lower, fc.upper, [] if observed is None else observed])
        lo, hi = np.nanmin(values), np.nanmax(values)
        pad = 0.05 * (hi - lo)
        ax.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad))
    ax.legend(fontsize=8)
    return ax


def plot_error_vs_distance(ax, curve, *, methods=None, ylabel: str = "median absolute error", band: bool = True,
                           logy: bool = False):
    """A :func:`scalinglaws.benchmark.distance_curve` frame: each method's median error against the compute gap
    between its largest fitted run and the predicted run (decades), with its interquartile band; route colours
    from :data:`~scalinglaws.routes.ROUTES`. Bins with fewer than 3 predictions are not drawn."""
    from .routes import route_color

    methods = list(dict.fromkeys(curve["method"])) if methods is None else list(methods)
    for m in methods:
        c = curve[(curve["method"] == m) & (curve["n"] >= 3)].sort_values("distance")
        if c.empty:
            continue
        color = route_color(m) if m in ROUTES else None
        ax.plot(c["distance"], c["median"], marker="o", ms=3, lw=1.2, color=color, label=m)
        if band:
            ax.fill_between(c["distance"], c["q25"], c["q75"], color=color, alpha=0.12, lw=0)
    ax.set_xlabel("distance: decades of compute beyond the largest fitted run")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    return ax
