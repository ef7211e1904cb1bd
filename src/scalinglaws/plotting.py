"""Plotting helpers: the book's figures are drawn here, so chapters only call them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .fitting import FitResult

__all__ = ["set_style", "plot_extrapolation", "facet_grid"]

FIT_COLOR = "#1f77b4"
HELDOUT_COLOR = "#d62728"


def set_style() -> None:
    """The book's plotting style (seaborn 'whitegrid', compact fonts)."""
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.0)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 10})


def facet_grid(n: int, ncols: int = 4, size: float = 2.6):
    """A grid of ``n`` axes (extra axes hidden), returned flat."""
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 0.9), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def plot_extrapolation(ax, result: FitResult, C, Q, heldout, *, level: float = 0.95, title: str | None = None,
                       ylabel: str = "accuracy", n_grid: int = 200):
    """Accuracy against compute: fitted runs, held-out runs, the law and its prediction interval.

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
    try:
        lo, hi = result.interval(level=level, C=grid)
        ax.fill_between(grid, lo, hi, color=FIT_COLOR, alpha=0.15, lw=0, label=f"{level:.0%} prediction")
    except ValueError:
        pass
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
