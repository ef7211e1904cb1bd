"""Smoke tests for the plotting helpers: they draw what they say, on log-scaled compute axes."""

import pytest

pytest.importorskip("matplotlib", reason="needs the plot extra: pip install 'scalinglaws[plot]'")
pytest.importorskip("seaborn", reason="needs the plot extra: pip install 'scalinglaws[plot]'")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import scalinglaws as sl  # noqa: E402
from scalinglaws.plotting import (  # noqa: E402
    plot_backtest,
    plot_mixtures,
    plot_predicted_vs_observed,
    plot_proxy_fits,
    plot_routes,
    readable,
)


def test_plot_routes_draws_one_line_per_route_and_bands():
    runs = pd.DataFrame({"C": np.geomspace(1e18, 1e22, 10), "value": np.linspace(0.3, 0.7, 10)})
    held = runs[runs["C"] > 1e21]
    pts = pd.concat([held.assign(route=r, predicted=held["value"] + 0.01, lower=held["value"] - 0.05,
                                 upper=held["value"] + 0.05) for r in ("direct", "two_stage_linear")])
    fig, ax = plt.subplots()
    plot_routes(ax, runs, pts, threshold=1e21)
    assert ax.get_xscale() == "log"
    assert len(ax.lines) == 3  # two routes + the threshold line
    assert len(ax.collections) == 4  # fitted, held out, two bands
    plt.close(fig)


def test_other_helpers_run():
    fig, axes = plt.subplots(1, 3)
    pts = pd.DataFrame({"observed": [0.5, 0.6], "predicted": [0.52, 0.58], "lower": [0.4, np.nan],
                        "upper": [0.6, np.nan], "corpus": ["a", "b"]})
    plot_predicted_vs_observed(axes[0], pts, by="corpus")
    assert len(axes[0].collections) >= 2 and axes[0].get_xlabel() and axes[0].get_ylabel()  # one group per corpus
    table = pd.DataFrame({"C": [1e18, 1e19, 1e18, 1e19], "value": [0.3, 0.4, 0.3, 0.35], "benchmark": "x",
                          "metric": "acc", "mixture": ["dclm", "dclm", "c4", "c4"]})
    plot_mixtures(axes[1], table, benchmark="x", metric="acc", chance=0.25)
    assert len(axes[1].collections) == 2 and axes[1].get_xscale() == "log"  # one scatter per mixture
    assert [line.get_ydata()[0] for line in axes[1].lines] == [0.25]  # the chance line
    bt = pd.DataFrame({"C_max": [1e18, 1e19], "predicted": [0.1, 0.2], "lower": [0.05, 0.1], "upper": [0.2, 0.3]})
    plot_backtest(axes[2], bt, target_C=1e21, observed=0.2)
    assert axes[2].xaxis_inverted()
    plt.close(fig)


def test_envelope_and_passk_helpers():
    import scalinglaws as sl
    from scalinglaws.plotting import plot_envelope_vs_fit, plot_isoflop, plot_passk_joint, plot_penalty

    fig, axes = plt.subplots(1, 4)
    plot_isoflop(axes[0], 400.0, 0.34, 400.0, 0.28, [1e20, 1e21])
    assert len(axes[0].lines) == 4  # two curves, two envelope dots
    plot_penalty(axes[1], [(0.34, 0.28)])
    C = np.repeat(np.geomspace(1e18, 1e22, 8), 3)
    k = np.tile([1.0, 4.0, 16.0], 8)
    Q = np.exp(-(2e3 * k**-0.3 * C ** (-0.15 - 0.01 * np.log(k))))
    res = sl.fit("passk_joint", C=C, k=k, Q=Q)
    plot_passk_joint(axes[2], res, pd.DataFrame({"C": C, "k": k, "value": Q}), [1, 16])
    assert len(axes[2].lines) == 2
    cfit = sl.fit("compute", C=C[k == 1], P=Q[k == 1], warn=False)
    plot_envelope_vs_fit(axes[3], C[k == 1], Q[k == 1], np.ones(8), envelope_law=(0.0, 2e3, 0.15), compute_fit=cfit)
    assert len(axes[3].lines) == 2
    plt.close(fig)


def test_k_helpers():
    import scalinglaws as sl
    from scalinglaws.plotting import plot_curves_in_k, plot_exponent_in_k, plot_power_in_k

    k = np.geomspace(1, 1000, 12)
    P = 1 - np.exp(-0.5 * k**0.3)
    fig, axes = plt.subplots(1, 4)
    plot_curves_in_k(axes[0], k, {"a": P, "b": P * 0.9}, mark_k=128)
    assert len(axes[0].lines) == 3
    res = sl.fit("power_in_k", k=k, P=P)
    plot_power_in_k(axes[1:3], res, k, P, np.array([0.0, 0.01, 0.1, 0.5]))
    assert "25%" in axes[1].get_title()
    per_k = pd.DataFrame({"alpha": [0.2, 0.25], "se_alpha": [0.01, 0.01]}, index=[1, 128])
    plot_exponent_in_k(axes[3], np.array([1, 128]), np.array([0.2, 0.25]), per_k, label="x")
    plt.close(fig)


def test_readable_headers_and_proxy_fits():
    frame = pd.DataFrame({"se_alpha": [0.1], "n_fit": [3], "alpha": [0.2]}, index=pd.Index(["rel_error"]))
    out = readable(frame, index=True)
    assert list(out.columns) == ["SE alpha", "n fit", "alpha"] and list(out.index) == ["rel error"]
    assert list(readable(frame).index) == ["rel_error"]  # row labels only with index=True
    L = np.linspace(2.0, 4.0, 12)
    res = sl.fit("accuracy_linear_in_loss", L=L, Q=1.2 - 0.25 * L)
    fig, ax = plt.subplots()
    plot_proxy_fits(ax, L, 1.2 - 0.25 * L, {"linear": res}, xlabel="loss")
    assert len(ax.lines) == 1 and ax.get_xlabel() == "loss"
    plt.close(fig)


def test_figure_legend_collects_each_label_once_and_removes_axis_legends():
    from scalinglaws.plotting import facet_grid, figure_legend, font_record

    fig, axes = facet_grid(5)
    assert len(fig.axes) == 6 and sum(ax.get_visible() for ax in fig.axes) == 5  # 2 rows of 3, one hidden
    for ax in axes:
        ax.plot([1, 2], [1, 2], label="law")
        ax.scatter([1], [1], label="runs")
    axes[0].legend(fontsize=6)
    leg = figure_legend(fig)
    assert [t.get_text() for t in leg.get_texts()] == ["law", "runs"]
    assert all(ax.get_legend() is None for ax in axes)
    rec = font_record(fig, 200)
    assert rec["dpi"] == 200 and rec["min_pt"] >= 7  # the 6 pt axis legend is gone
    axes[1].set_title("tiny", fontsize=5)
    assert font_record(fig, 200)["min_pt"] == 5 and font_record(fig, 200)["text"] == "tiny"
    axes[1].set_visible(False)  # a hidden axis's text is not drawn, so not counted
    assert font_record(fig, 200)["min_pt"] >= 7
    plt.close(fig)


def test_plot_forecast_draws_the_observed_target():
    from scalinglaws.plotting import plot_forecast

    C = np.geomspace(1e19, 1e22, 12)
    Q = np.exp(-2000.0 * C**-0.15)
    fc = sl.forecast("direct", at={"C": 1e23}, C=C, Q=Q, level=0.9)
    fig, ax = plt.subplots()
    plot_forecast(ax, fc, observed=0.5)
    assert "observed (not fitted)" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="one value per target"):
        plot_forecast(ax, fc, observed=[0.5, 0.6])
    plt.close(fig)
