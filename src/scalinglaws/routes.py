r"""The one registry of prediction routes: a name, the variables a route needs, and how it is fitted.

A *route* turns a ladder's runs into a :class:`~scalinglaws.results.Predictor` -- something with a status, the
points it was fitted on, parameters, ``predict(**variables)`` and ``get_prediction(**variables)`` in the response's
units. Every comparison in the library and the book (the Krajewski main table, the held-out comparisons, the
backtests, the forecasts, the plots' colours) takes its routes from :data:`ROUTES`; one name means one thing:

======================= ====================== ====================================================================
route                   needs                  what it is
======================= ====================== ====================================================================
``direct``              C                      :math:`-\log Q' = A C^{-\alpha}` (Krajewski Eq. 2), OLS in log space
``direct_qmax``         C                      Eq. 10, a maximum accuracy (summed Huber)
``bnsl``                C                      Eq. 1 fitted by our engine (deterministic starts, in :math:`-\log Q'`)
``bnsl_authors``        C                      Eq. 1 fitted as the authors' script does, over seeds (median)
``two_stage_linear``    C, L                   compute -> validation loss -> accuracy, linear link
``two_stage_logistic``  C, L                   the same, logistic link
``across_tpr``          N, D                   one law across token ratios (Krajewski Eq. 4)
``passk_joint``         C, k                   pass@k across compute and k (Krajewski Eq. 5)
``compute``             C                      pass@k in compute (Schaeffer law 1), response P
``params_tokens``       N, D                   pass@k in parameters and tokens (Schaeffer law 2), response P
``olmo_chained``        N, D, L                the OLMo ladder paper's method: task loss in N, D, then a sigmoid
``olmo_chained_flops``  C, L                   its FLOPs variant: task loss in compute, then the sigmoid
``sigmoid_log_compute`` C                      accuracy a sigmoid in log10 C (floor, ceiling, midpoint, steepness)
``carry_forward``       C                      naive baseline: the largest fitted run's score, carried forward
``linear_log_compute``  C                      naive baseline: a straight line in (log10 C, score)
======================= ====================== ====================================================================

The last two are the baselines a forecasting method must beat (:mod:`scalinglaws.benchmark`).

For a chained route, ``L`` is the proxy loss of each fitted run (the validation loss for the two-stage routes, the
task loss -- bits per byte of the correct answer -- for the OLMo routes); predicting needs only the first stage's
variables. :func:`fit_route` fits a route from arrays; ``options`` pass through to the fit (e.g. ``loss="huber"``
for ``direct``). Adding a route is one :class:`Route` in :data:`ROUTES` and, if it needs one, a law in
:mod:`scalinglaws.laws`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .fitting import fit
from .results import FitStatus, PointPrediction, Predictor
from .two_stage import TwoStageResult, fit_two_stage

__all__ = ["Route", "ROUTES", "route", "fit_route", "route_color", "CarriedForward"]


@dataclass(frozen=True)
class Route:
    """A prediction route: its ``name``, the ``variables`` a fitted run must have, the ``response`` it predicts, the
    ``predict_variables`` a prediction needs (the first stage's for a chained route), a plotting ``color``, a
    one-line ``description``, ``fitter(data, chance, **options) -> Predictor``, and for a chained route which loss
    ``L`` is (``proxy``: ``"validation"``, one loss on a validation set for every task, or ``"task"``, the task's
    own loss, e.g. bits per byte of the correct answer)."""

    name: str
    variables: tuple[str, ...]
    response: str
    fitter: object = field(repr=False)
    color: str
    description: str
    predict_variables: tuple[str, ...] = ()
    proxy: str = ""

    def __post_init__(self):
        if ("L" in self.variables) != (self.proxy in ("validation", "task")):
            raise ValueError(f"route {self.name}: a route with a loss L says which (proxy 'validation' or 'task'); "
                             "one without has no proxy")
        if not self.predict_variables:
            object.__setattr__(self, "predict_variables", tuple(v for v in self.variables if v != "L"))

    def fit(self, *, chance: float = 0.0, **data) -> Predictor:
        """Fit the route on the runs in ``data`` (its variables and response as arrays, plus options)."""
        missing = [v for v in (*self.variables, self.response) if v not in data]
        if missing:
            raise ValueError(f"route {self.name} needs {', '.join(missing)} (it takes {', '.join(self.variables)} "
                             f"and the response {self.response})")
        return self.fitter(data, chance)


def _law(name: str):
    def fitter(data, chance):
        return fit(name, chance=chance, invalid=data.pop("invalid", "drop"), warn=data.pop("warn", False), **data)

    return fitter


def _two_stage(link: str):
    def fitter(data, chance):
        for k in ("invalid", "warn"):
            data.pop(k, None)
        return fit_two_stage(data["C"], data["L"], data["Q"], link=link, warn=False)

    return fitter


def _bnsl_authors(data, chance):
    from .papers.bnsl_authors import fit_bnsl_authors_seeds  # the authors' procedure lives with their paper

    C, Q = np.asarray(data.pop("C"), float), np.asarray(data.pop("Q"), float)
    for k in ("invalid", "warn"):
        data.pop(k, None)
    ok = (Q > chance) & (Q < 1)
    return fit_bnsl_authors_seeds(C[ok], Q[ok], chance=chance, **data)


def _olmo_chained(stage1_law: str, stage1_vars: tuple[str, ...], name: str):
    """The OLMo ladder paper's chained method (Bhagia et al. 2024): step 1, the task loss in ``stage1_vars``
    (``chinchilla``'s form in N and D, or ``loss_floor_in_compute`` in C); step 2, accuracy as a sigmoid of the
    task loss (:math:`Q = a/(1 + e^{-k(L - l_0)}) + b`); both fitted on the same runs, chained at prediction."""

    def fitter(data, chance):
        for k in ("invalid", "warn"):
            data.pop(k, None)
        stage1 = fit(stage1_law, **{v: data[v] for v in stage1_vars}, L=data["L"], warn=False)
        stage2 = fit("accuracy_logistic_in_loss", L=data["L"], Q=data["Q"], warn=False)
        return TwoStageResult(stage1, stage2, "logistic", route=name)

    return fitter


@dataclass(frozen=True)
class CarriedForward:
    """The naive forecast: the score of the largest fitted run (the mean of the runs at the largest compute, if
    several), predicted at every larger budget. No parameters are fitted, so there is no interval: its standard
    errors are NaN and its coverage is undefined. A :class:`~scalinglaws.results.Predictor`."""

    C: np.ndarray
    Q: np.ndarray
    response: str = "Q"
    name: str = "carry_forward"
    reason: str = ""

    @property
    def value(self) -> float:
        """The carried score."""
        return float(np.mean(self.Q[self.C == np.max(self.C)]))

    @property
    def status(self) -> FitStatus:
        return FitStatus.CONVERGED

    @property
    def params(self) -> dict:
        return {f"{self.response}_last": self.value}

    @property
    def stderr(self) -> dict:
        return {f"{self.response}_last": float("nan")}

    @property
    def n_points(self) -> int:
        return int(self.Q.size)

    @property
    def fitted(self) -> dict:
        return {"C": self.C, self.response: self.Q}

    def predict(self, C) -> np.ndarray:
        return np.full(np.shape(np.atleast_1d(np.asarray(C, float))), self.value)

    def get_prediction(self, C) -> PointPrediction:
        pred = self.predict(C)
        nan = np.full(pred.shape, np.nan)
        return PointPrediction({"C": np.atleast_1d(np.asarray(C, float))}, pred, nan, nan)


def _carry_forward(data, chance):
    response = "P" if "P" in data else "Q"
    C, Q = np.asarray(data["C"], float), np.asarray(data[response], float)
    if C.size == 0 or C.shape != Q.shape:
        raise ValueError(f"carry_forward needs C and {response} of the same, non-zero length")
    ok = np.isfinite(C) & np.isfinite(Q)
    if not ok.any():
        raise ValueError("carry_forward: no run with a finite compute and score")
    return CarriedForward(C[ok], Q[ok], response=response)


#: Every route, by name (see the module docstring).
ROUTES: dict[str, Route] = {r.name: r for r in [
    Route("direct", ("C",), "Q", _law("direct"), "#1f77b4", "-log Q' = A C^-alpha (Krajewski Eq. 2)"),
    Route("direct_qmax", ("C",), "Q", _law("direct_qmax"), "#17becf", "Eq. 10: with a maximum accuracy"),
    Route("bnsl", ("C",), "Q", _law("bnsl"), "#7b4173", "Eq. 1, our engine"),
    Route("bnsl_authors", ("C",), "Q", _bnsl_authors, "#9467bd", "Eq. 1 as the authors' script fits it, over seeds"),
    Route("two_stage_linear", ("C", "L"), "Q", _two_stage("linear"), "#d62728",
          "compute -> validation loss -> accuracy, linear link", proxy="validation"),
    Route("two_stage_logistic", ("C", "L"), "Q", _two_stage("logistic"), "#ff7f0e",
          "compute -> validation loss -> accuracy, logistic link", proxy="validation"),
    Route("across_tpr", ("N", "D"), "Q", _law("across_tpr"), "#2ca02c", "one law across token ratios (Eq. 4)"),
    Route("passk_joint", ("C", "k"), "Q", _law("passk_joint"), "#393b79", "pass@k across compute and k (Eq. 5)"),
    Route("compute", ("C",), "P", _law("compute"), "#8c564b", "pass@k in compute (Schaeffer law 1)"),
    Route("params_tokens", ("N", "D"), "P", _law("params_tokens"), "#e377c2",
          "pass@k in parameters and tokens (Schaeffer law 2)"),
    Route("olmo_chained", ("N", "D", "L"), "Q", _olmo_chained("chinchilla", ("N", "D"), "olmo_chained"),
          "#7f7f7f", "OLMo ladder: task loss in N, D, then a sigmoid (Bhagia et al. 2024)", proxy="task"),
    Route("olmo_chained_flops", ("C", "L"), "Q",
          _olmo_chained("loss_floor_in_compute", ("C",), "olmo_chained_flops"), "#bcbd22",
          "OLMo ladder, FLOPs variant: task loss in compute, then a sigmoid", proxy="task"),
    Route("sigmoid_log_compute", ("C",), "Q", _law("sigmoid_in_log_compute"), "#e6550d",
          "accuracy a sigmoid in log10 C"),
    Route("carry_forward", ("C",), "Q", _carry_forward, "#636363",
          "naive baseline: the largest fitted run's score carried forward"),
    Route("linear_log_compute", ("C",), "Q", _law("linear_in_log_compute"), "#a1d99b",
          "naive baseline: a straight line in (log10 C, score)"),
]}


def route(name: str) -> Route:
    """The route called ``name``; ``ValueError`` lists the known ones."""
    try:
        return ROUTES[name]
    except KeyError:
        raise ValueError(f"unknown route {name!r}; known: {', '.join(ROUTES)}") from None


def fit_route(name: str, *, chance: float = 0.0, **data) -> Predictor:
    """Fit route ``name`` on ``data`` (its variables and response as arrays; options such as ``loss``, ``seeds``
    pass through) and return the fitted :class:`~scalinglaws.results.Predictor`."""
    return route(name).fit(chance=chance, **data)


def route_color(name: str) -> str:
    """The route's colour in every figure of the book."""
    return route(name).color
