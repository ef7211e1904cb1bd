import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import scalinglaws as sl
from scalinglaws.cli import main


@pytest.fixture
def ladder_csv(tmp_path):
    C = np.geomspace(1e18, 1e22, 12)
    Q = np.exp(-2000.0 * C**-0.15)
    path = tmp_path / "ladder.csv"
    pd.DataFrame({"flops": C, "acc": Q, "loss": 10 * (C / 1e8) ** -0.05}).to_csv(path, index=False)
    return path


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_laws_lists_every_law(capsys):
    code, out, _ = run(["laws"], capsys)
    assert code == 0
    for name in ["direct", "direct_qmax", "bnsl", "across_tpr", "passk_joint", "two_stage", "compute",
                 "params_tokens", "gold_reference", "chinchilla"]:
        assert name in out


def test_fit_json_is_one_object(ladder_csv, capsys):
    code, out, _ = run(["fit", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc", "--json"],
                       capsys)
    assert code == 0
    obj = json.loads(out)
    table = pd.read_csv(ladder_csv)
    assert obj == json.loads(json.dumps(sl.fit("direct", C=table["flops"], Q=table["acc"]).to_dict()))
    assert {"law", "params", "stderr", "status", "reason", "n_points", "objective", "dropped"} <= set(obj)
    assert obj["law"] == "direct" and obj["status"] == "converged" and obj["n_points"] == 12
    assert obj["params"]["alpha"] == pytest.approx(0.15, rel=1e-8)
    assert set(obj["stderr"]) == {"A", "alpha"}


def test_fit_report_and_options(ladder_csv, capsys):
    code, out, _ = run(["fit", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                        "--max-compute", "1e21", "--loss", "huber", "--huber-delta", "0.01"], capsys)
    # 9 of the 12 budgets are at most 1e21 FLOPs; the report says how many were held out
    assert code == 0 and "alpha" in out and "huber, delta=0.01" in out and "points: 9 fitted, 3 dropped" in out


def test_two_stage_from_the_cli(ladder_csv, capsys):
    code, out, _ = run(["fit", str(ladder_csv), "--law", "two_stage", "--col", "C=flops", "--col", "L=loss",
                        "--col", "Q=acc", "--json"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert {"C_N", "alpha_N", "a", "b"} == set(obj["params"]) and obj["link"] == "linear"
    assert obj["stage1"]["law"] == "loss_in_compute" and obj["stage2"]["law"] == "accuracy_linear_in_loss"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--law", "nope", "--col", "C=flops", "--col", "Q=acc"], "unknown law"),
        (["--law", "direct", "--col", "Q=acc"], "missing column 'C'"),
        (["--law", "direct", "--col", "C=flops", "--col", "Q=nothere"], "missing column 'nothere'"),
        (["--law", "direct", "--col", "C=flops", "--col", "Q=acc", "--col", "Z=acc"], "takes C, Q"),
        (["--law", "direct", "--col", "Cflops"], "VAR=COLUMN"),
        (["--law", "direct", "--col", "C=flops", "--col", "Q=loss"], "above 1"),
        (["--law", "direct", "--col", "C=flops", "--col", "Q=acc", "--chance", "2"], "chance level"),
    ],
)
def test_errors_are_one_line_on_stderr(ladder_csv, capsys, argv, message):
    code, out, err = run(["fit", str(ladder_csv), *argv], capsys)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and err.startswith("scalinglaws: error:")


def test_bad_csv_and_missing_file(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("flops,acc\n1e18,0.5\n1e19,oops\n1e20,0.7\n")
    code, _, err = run(["fit", str(bad), "--law", "direct", "--col", "C=flops", "--col", "Q=acc"], capsys)
    assert code == 2 and "non-numeric value 'oops'" in err
    code, _, err = run(["fit", str(tmp_path / "none.csv"), "--law", "direct"], capsys)
    assert code == 2 and "no such file" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(["fit", str(empty), "--law", "direct"], capsys)
    assert code == 2 and "cannot read" in err


def test_nan_values_are_refused(tmp_path, capsys):
    path = tmp_path / "nan.csv"
    path.write_text("C,Q\n1e18,0.5\n1e19,\n1e20,0.7\n1e21,0.8\n")
    code, _, err = run(["fit", str(path), "--law", "direct"], capsys)
    assert code == 2 and "NaN" in err


def test_datasets_command(use_mirror, capsys):
    code, out, _ = run(["datasets"], capsys)
    assert code == 0 and "krajewski2025" in out and "mirror: 2" in out


def test_console_script_and_module_entry_points(ladder_csv):
    out = subprocess.run([sys.executable, "-m", "scalinglaws", "laws"], capture_output=True, text=True, check=True)
    assert "chinchilla" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "scalinglaws", "fit", str(ladder_csv), "--law", "nope"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("scalinglaws: error: unknown law")


def test_forecast_json_is_one_object_in_the_stated_shape(ladder_csv, capsys):
    code, out, _ = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                        "--at", "C=1e23", "--at", "C=3e23", "--level", "0.8", "--interval", "delta", "--json"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert set(obj) == {"law", "level", "interval", "auto", "forecasts", "backtest", "status", "warnings"}
    assert obj["level"] == 0.8 and obj["interval"] == "delta" and len(obj["forecasts"]) == 2
    first = obj["forecasts"][0]
    assert first["at"] == {"C": 1e23} and first["predicted"] == pytest.approx(np.exp(-2000.0 * 1e23**-0.15))


def test_forecast_plot_draws_a_figure(ladder_csv, capsys, tmp_path, needs_plot):
    png = tmp_path / "f.png"
    code, out, _ = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                        "--at", "C=1e23", "--interval", "delta", "--plot", str(png), "--json"], capsys)
    assert code == 0 and png.stat().st_size > 10_000 and json.loads(out)["level"] == 0.9


def test_forecast_plot_draws_the_observed_target(ladder_csv, capsys, tmp_path, needs_plot):
    png = tmp_path / "f.png"
    args = ["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc", "--at", "C=1e23"]
    code, _, _ = run([*args, "--plot", str(png), "--observed", "0.5"], capsys)
    assert code == 0 and b"scalinglaws:fonts" in png.read_bytes()  # the font record the page check reads
    code, _, err = run([*args, "--plot", str(png), "--observed", "0.5", "0.6"], capsys)
    assert code == 2 and "one value per --at" in err
    code, _, err = run([*args, "--observed", "0.5"], capsys)
    assert code == 2 and "--plot" in err


def test_forecast_plot_without_the_plot_extra_names_it(ladder_csv, capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    code, out, err = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                          "--at", "C=1e23", "--plot", str(tmp_path / "f.png")], capsys)
    assert code == 2 and out == "" and "pip install 'scalinglaws[plot]'" in err
    assert not (tmp_path / "f.png").exists()


def test_forecast_report_says_the_verdict_and_interpolation(ladder_csv, capsys):
    code, out, _ = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                        "--at", "C=1e20", "--items", "1000"], capsys)
    assert code == 0 and "interpolation" in out and "backtest:" in out and "90% interval" in out


@pytest.mark.parametrize("at, message", [
    ("N=1e9", "law direct takes C"),
    ("C=-3", "must be > 0"),
    ("C=lots", "not a number"),
    ("C", "VAR=VALUE"),
])
def test_forecast_bad_targets(ladder_csv, capsys, at, message):
    code, out, err = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                          "--at", at], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


@pytest.fixture
def wide_csv(tmp_path):
    C = np.geomspace(1e18, 1e22, 12)
    path = tmp_path / "wide.csv"
    pd.DataFrame({"flops": C, "acc": 0.25 + 0.75 * np.exp(-2000.0 * C**-0.15),
                  "line": np.linspace(0.3, 0.5, C.size), "flat": 0.3}).to_csv(path, index=False)
    return path


def test_compare_reports_a_pick_per_task(wide_csv, capsys):
    code, out, _ = run(["compare", str(wide_csv), "--col", "C=flops", "--task", "acc", "--task", "line",
                        "--chance", "0.25", "--items", "1000", "--methods", "direct,linear_log_compute"], capsys)
    assert code == 0, out
    assert "== acc ==" in out and "== line ==" in out and "pick: direct" in out
    assert "pick: linear_log_compute" in out and "naive baseline" in out


def test_compare_json_and_plot(wide_csv, capsys, tmp_path, needs_plot):
    png = tmp_path / "cmp.png"
    code, out, _ = run(["compare", str(wide_csv), "--col", "C=flops", "--task", "acc", "--chance", "0.25",
                        "--methods", "direct,carry_forward", "--json", "--plot", str(png)], capsys)
    assert code == 0
    obj = json.loads(out)
    assert obj["ladder"]["runs"] == 12 and obj["tasks"]["acc"]["pick"]["method"] == "direct"
    assert {r["method"] for r in obj["tasks"]["acc"]["backtest"]} == {"direct", "carry_forward"}
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, message", [
    (["--col", "C=nope"], "missing column"),
    (["--col", "C=flops", "--task", "nope"], "missing column"),
    (["--col", "C=flops", "--task", "flat"], "single value"),
    (["--col", "C=flops", "--col", "N=flops"], "both N and D"),
    (["--col", "C=flops", "--col", "Q=acc"], "compare reads C"),
    (["--col", "C=flops", "--task", "acc", "--cutoffs", "some"], "--cutoffs"),
    (["--col", "C=flops", "--task", "acc", "--methods", "nope"], "unknown route"),
])
def test_compare_bad_input_is_one_line(wide_csv, capsys, argv, message):
    code, out, err = run(["compare", str(wide_csv), *argv], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_compare_one_run_is_refused(tmp_path, capsys):
    path = tmp_path / "one.csv"
    pd.DataFrame({"C": [1e20], "acc": [0.5]}).to_csv(path, index=False)
    code, _, err = run(["compare", str(path)], capsys)
    assert code == 2 and "distinct compute" in err


def test_forecast_with_the_learned_interval(ladder_csv, capsys):
    code, out, err = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                          "--at", "C=1e23", "--interval", "learned", "--items", "1000", "--json"], capsys)
    assert code == 0, err
    obj = json.loads(out)
    f = obj["forecasts"][0]
    assert obj["interval"] == "learned" and f["lower"] < f["predicted"] < f["upper"]


def test_forecast_defaults_to_auto_and_the_learned_interval(ladder_csv, capsys):
    code, out, err = run(["forecast", str(ladder_csv), "--col", "C=flops", "--col", "Q=acc", "--at", "C=1e23",
                          "--items", "1000", "--json"], capsys)
    assert code == 0, err
    obj = json.loads(out)
    assert obj["interval"] == "learned" and obj["auto"] and sum(c["chosen"] for c in obj["auto"]) == 1
    chosen = next(c for c in obj["auto"] if c["chosen"])
    assert chosen["law"] == obj["law"] and chosen["usable"]
    # the loss column is a variable too: with L in the CSV but not in --at, the proxy-loss laws are not candidates
    assert not any("in_loss" in c["law"] for c in obj["auto"])
    code, out, _ = run(["forecast", str(ladder_csv), "--col", "C=flops", "--col", "Q=acc", "--at", "C=1e23"], capsys)
    assert code == 0 and "law chosen by auto" in out


@pytest.mark.parametrize("argv, message", [
    (["--col", "C=flops", "--at", "C=1e23"], "one score column"),
    (["--col", "C=flops", "--col", "Q=acc", "--col", "N=nope", "--at", "C=1e23"], "missing column 'nope'"),
    (["--col", "C=flops", "--col", "Q=acc", "--at", "C=1e23", "--at", "C=1e23,N=1e9"], "same variables"),
    (["--col", "C=flops", "--col", "Q=acc", "--at", "k=3"], "--law auto takes C"),
])
def test_forecast_auto_bad_input_is_one_line(ladder_csv, capsys, argv, message):
    code, out, err = run(["forecast", str(ladder_csv), *argv], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_forecast_old_interval_name_warns(ladder_csv, capsys):
    code, out, err = run(["forecast", str(ladder_csv), "--law", "direct", "--col", "C=flops", "--col", "Q=acc",
                          "--at", "C=1e23", "--interval", "calibrated"], capsys)
    assert code == 0 and "now called 'backtest'" in err
