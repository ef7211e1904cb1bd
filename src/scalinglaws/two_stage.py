r"""The two-stage route of Krajewski et al. (2025): compute -> validation loss -> accuracy.

Stage 1 fits the loss in compute, :math:`L = (C/C_N)^{\alpha_N}`; stage 2 fits accuracy in loss, linearly
(:math:`Q = a + bL`) or through a logistic link. A prediction at a new budget evaluates stage 2 at the stage-1
extrapolated loss, so stage-1 error propagates through stage 2: :meth:`TwoStageResult.interval` adds the two by
the delta method,

.. math:: \operatorname{Var}\hat Q \approx \Big(\frac{\partial Q}{\partial L}\Big)^2 \operatorname{Var}\hat L
          + \operatorname{Var}_2\big(\hat Q \mid \hat L\big),

with :math:`\operatorname{Var}\hat L` the stage-1 confidence variance of the mean loss (mapped from log space) and
the second term stage 2's own prediction variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _validate as V
from .datasets.schema import select
from .fitting import fit
from .laws import CompositeLaw, register_composite
from .metrics import r_squared
from .results import FitResult, FitStatus, PointPrediction

__all__ = ["TwoStageResult", "fit_two_stage", "proxy_quality", "TWO_STAGE"]

_LINKS = {"linear": "accuracy_linear_in_loss", "logistic": "accuracy_logistic_in_loss"}


@dataclass(frozen=True)
class TwoStageResult:
    """A chained route: ``stage1`` a loss in the route's variables, ``stage2`` accuracy in that loss; a prediction
    evaluates stage 2 at stage 1's predicted loss. Krajewski et al.'s two-stage route (compute -> validation loss ->
    accuracy, ``link`` linear or logistic) and the OLMo ladder paper's chained method (N, D or compute -> task loss
    -> accuracy through a sigmoid) are both this. A :class:`~scalinglaws.results.Predictor`."""

    stage1: FitResult
    stage2: FitResult
    link: str
    route: str | None = None

    @property
    def name(self) -> str:
        """The route's name (``two_stage_<link>`` unless given)."""
        return self.route or f"two_stage_{self.link}"

    @property
    def variables(self) -> tuple[str, ...]:
        return self.stage1.law.variables

    @property
    def status(self) -> FitStatus:
        """The worse of the two stages' statuses (failed, not identified, max_iter, at_bound, converged, in that
        order): ``converged`` only if both stages converged."""
        order = (FitStatus.FAILED, FitStatus.NOT_IDENTIFIED, FitStatus.MAX_ITER, FitStatus.AT_BOUND,
                 FitStatus.CONVERGED)
        return min(self.stage1.status, self.stage2.status, key=order.index)

    @property
    def reason(self) -> str:
        """Why the route is not ``converged``, naming the stage (empty when both converged)."""
        return "; ".join(f"stage {i}: {s.reason}" for i, s in ((1, self.stage1), (2, self.stage2)) if s.reason)

    @property
    def params(self) -> dict:
        """Both stages' parameters (their names do not collide)."""
        return {**self.stage1.params, **self.stage2.params}

    @property
    def stderr(self) -> dict:
        return {**self.stage1.stderr, **self.stage2.stderr}

    @property
    def n_points(self) -> int:
        """The runs stage 2 was fitted on (the accuracy the route predicts)."""
        return self.stage2.n_points

    @property
    def fitted(self) -> dict:
        return self.stage2.fitted

    def to_dict(self) -> dict:
        """JSON-ready: the route's ``law`` (``two_stage``), ``link``, ``status``, ``reason``, the two stages'
        parameters and errors merged (their names do not collide), ``n_points`` of stage 1, and each stage's own
        :meth:`~scalinglaws.results.FitResult.to_dict` under ``stage1`` / ``stage2``."""
        one, two = self.stage1.to_dict(), self.stage2.to_dict()
        return {"law": "two_stage", "link": self.link, "status": str(self.status), "reason": self.reason,
                "params": {**one["params"], **two["params"]}, "stderr": {**one["stderr"], **two["stderr"]},
                "n_points": one["n_points"], "objective": two["objective"], "stage1": one, "stage2": two}

    def report(self) -> str:
        """Both stages' text reports."""
        return f"{self.name} ({self.link} link)\n\n{self.stage1.report()}\n\n{self.stage2.report()}"

    def _vars(self, C, variables: dict) -> dict:
        return {**variables, "C": C} if C is not None else variables

    def predict_loss(self, C=None, **variables) -> np.ndarray:
        return self.stage1.predict(**self._vars(C, variables))

    def predict(self, C=None, **variables) -> np.ndarray:
        """Accuracy: stage 2 evaluated at the stage-1 loss (``C`` positionally, or the stage-1 law's variables)."""
        return self.stage2.predict(L=self.predict_loss(C, **variables))

    def get_prediction(self, C=None, **variables) -> PointPrediction:
        """The prediction with delta-method standard errors in accuracy (see the module docstring): the mean's
        combines stage 1's loss uncertainty through the slope of stage 2 with stage 2's own, a new run's adds stage
        2's residual scatter; NaN without both covariances."""
        X = self._vars(C, variables)
        loss = self.stage1.get_prediction(**X)  # the mean loss: its SE is in log L, the stage's fitting space
        L_hat = loss.predicted
        var_L = L_hat**2 * loss.se_mean_space**2
        h = 1e-6 * np.maximum(1.0, np.abs(L_hat))
        dQdL = (self.stage2.predict(L=L_hat + h) - self.stage2.predict(L=L_hat - h)) / (2 * h)
        acc = self.stage2.get_prediction(L=L_hat)  # a new run's accuracy given that loss (identity space)
        se_mean = np.sqrt(dQdL**2 * var_L + acc.se_mean_space**2)
        se_obs = np.sqrt(dQdL**2 * var_L + acc.se_obs_space**2)
        return PointPrediction(X, acc.predicted, se_mean, se_obs, min(self.stage1.dof, self.stage2.dof))

    def interval(self, C=None, level: float = 0.95, **variables) -> tuple[np.ndarray, np.ndarray]:
        """Delta-method prediction interval combining both stages' uncertainty (see the module docstring);
        ``ValueError`` when a stage has no covariance."""
        for stage in (self.stage1, self.stage2):
            if stage.covariance is None:
                raise ValueError(f"{stage.law.name}: no covariance for this fit ({stage.status}); no interval")
        if C is not None:
            C = V.positive("C", C)
        return self.get_prediction(C, **variables).conf_int(level, obs=True)


def fit_two_stage(C, L, Q, *, link: str = "linear", max_compute: float | None = None, warn: bool = True
                  ) -> TwoStageResult:
    """Fit the two-stage route on runs with compute at most ``max_compute``.

    Parameters
    ----------
    C, L, Q : array_like
        Compute, validation loss (the proxy) and accuracy of each run.
    link : {"linear", "logistic"}
        Stage-2 link.
    """
    if link not in _LINKS:
        raise ValueError(f"link must be one of {sorted(_LINKS)}, got {link!r}")
    C, L, Q = V.positive("C", C), V.positive("L", L), V.as_1d_float("Q", Q)
    V.same_length({"C": C, "L": L, "Q": Q})
    stage1 = fit("loss_in_compute", C=C, L=L, max_compute=max_compute, warn=warn)
    keep = C <= max_compute if max_compute is not None else np.ones_like(C, bool)
    stage2 = fit(_LINKS[link], L=L[keep], Q=Q[keep], warn=warn)
    return TwoStageResult(stage1, stage2, link)


def proxy_quality(table, benchmarks, proxies, *, links=("linear", "logistic"), metric: str = "acc"):
    """How well each candidate proxy predicts accuracy in-sample (Krajewski et al. 2025, Fig. 4): fit stage 2 of the
    two-stage route (accuracy against the proxy) on every run and report R² and RMSE in accuracy units.

    Parameters
    ----------
    table : DataFrame
        Tidy runs (``run_id, benchmark, metric, value``).
    benchmarks : iterable of str
    proxies : dict
        ``{label: (benchmark, metric, sign)}``: where each run's proxy value is, and ``sign`` (+1 or -1) to make it a
        positive loss-like quantity (e.g. ``("arc_easy", "loglikelihood", -1)`` for the negative log-likelihood of the
        correct answer; the benchmark name ``"{bench}"`` is replaced by the benchmark being scored).
    links : iterable of {"linear", "logistic"}

    Returns
    -------
    DataFrame
        One row per benchmark x proxy x link: ``n``, ``r2``, ``rmse``, ``status``, and ``fit`` (the stage-2
        :class:`~scalinglaws.results.FitResult`, for plotting the fitted curve).
    """
    rows = []
    for bench in benchmarks:
        acc = select(table, bench, metric).set_index("run_id")["value"]
        for label, (pb, pm, sign) in proxies.items():
            pb = pb.format(bench=bench)
            prox = select(table, pb, pm).set_index("run_id")["value"] * sign
            joined = pd.concat({"Q": acc, "L": prox}, axis=1, join="inner").dropna()
            if len(joined) < 6 or (joined["L"] <= 0).any():
                continue
            for link in links:
                try:
                    res = fit(_LINKS[link], L=joined["L"].to_numpy(), Q=joined["Q"].to_numpy(), warn=False)
                except (ValueError, RuntimeError):
                    continue
                pred = res.predict(L=joined["L"].to_numpy())
                resid = joined["Q"].to_numpy() - pred
                rows.append({"benchmark": bench, "proxy": label, "link": link, "n": len(joined),
                             "r2": r_squared(joined["Q"], pred), "rmse": float(np.sqrt(np.mean(resid**2))),
                             "status": res.status.value, "fit": res})
    return pd.DataFrame(rows)


def _fit_route(*, C, L, Q, link: str = "linear", max_compute: float | None = None, warn: bool = True):
    return fit_two_stage(C, L, Q, link=link, max_compute=max_compute, warn=warn)


#: The two-stage route as a composite law: ``scalinglaws.fit("two_stage", C=..., L=..., Q=..., link="logistic")``.
TWO_STAGE = register_composite(CompositeLaw(
    name="two_stage",
    variables=("C", "L"),
    response="Q",
    formula="L = (C/C_N)^alpha_N, then Q = a + b*L (link linear) or Q = a/(1+exp(-k(L-l0))) + b (link logistic)",
    reference="Krajewski et al. 2025, two-stage route",
    stages=("loss_in_compute", "accuracy_linear_in_loss", "accuracy_logistic_in_loss"),
    options={"link": tuple(_LINKS)},
    fitter=_fit_route,
))
