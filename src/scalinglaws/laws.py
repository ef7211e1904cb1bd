r"""The scaling laws of Krajewski et al. (2025) and Schaeffer et al. (2025), one plain function each.

Every law is written as a vectorised function *in the space it is fitted in* (``log(-log Q)`` for accuracy and
pass@k laws, ``log L`` for loss laws, ``-log Q`` for BNSL), with its amplitudes parametrised by their logarithm:
power laws are badly conditioned otherwise. :data:`LAWS` wraps each function with the metadata the fitting engine
needs (variables, bounds, starting values, the paper's start grid). Public parameter names are those of the papers
(``A``, ``alpha``, ``E0``, ...); the fitted internal parameter of an amplitude ``A`` is ``log_A``.

Response spaces
---------------
accuracy
    :math:`y = \log(-\log Q')` with :math:`Q' = (Q - q_0)/(1 - q_0)` the chance-normalised accuracy
    (:math:`q_0 = 0` leaves Q unchanged; pass@k is an accuracy with :math:`q_0 = 0`).
loss
    :math:`y = \log L`.
neglog
    :math:`y = -\log Q'` (BNSL, whose offset ``a`` may be negative, so no outer log is taken).
identity
    :math:`y = Q` (stage 2 of the two-stage route, which regresses accuracy on loss directly).
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import spaces
from . import starts as S
from .forms import (
    accuracy_linear_in_log_compute,
    accuracy_linear_in_loss,
    accuracy_logistic_in_log_compute,
    accuracy_logistic_in_log_compute_jacobian,
    accuracy_logistic_in_loss,
    across_tpr,
    bnsl,
    bnsl_jacobian,
    chinchilla,
    direct_power_law,
    direct_qmax,
    gold_reference,
    loss_floor_in_compute,
    loss_floor_in_compute_jacobian,
    loss_in_compute,
    params_tokens,
    params_tokens_jacobian,
    pass_at_k_in_compute,
    pass_at_k_in_compute_jacobian,
    passk_joint,
    power_in_k,
)
from .law import Law, Param, Term

__all__ = [
    "LAWS",
    "COMPOSITES",
    "CompositeLaw",
    "register_composite",
    "start_grid",
    "Law",
    "Param",
    "Term",
    "get_law",
    "direct_power_law",
    "direct_qmax",
    "bnsl",
    "across_tpr",
    "passk_joint",
    "pass_at_k_in_compute",
    "params_tokens",
    "gold_reference",
    "chinchilla",
]

_LOG_AMP = (-100.0, 200.0)  # bounds of a log-amplitude: wide enough for C^alpha with C ~ 1e25, alpha ~ 2


# ---------------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------------


def start_grid(**axes) -> tuple[dict[str, float], ...]:
    """Every combination of the given values, one start per combination (internal names, e.g. ``log_A``)."""
    names = list(axes)
    return tuple(dict(zip(names, map(float, values))) for values in itertools.product(*axes.values()))


def _amp(name: str) -> Param:
    return Param(name, *_LOG_AMP, log=True)


LAWS: dict[str, Law] = {
    law.name: law
    for law in [
        Law(
            name="direct",
            func=direct_power_law,
            variables=("C",),
            response="Q",
            space="loglog",
            params=(_amp("A"), Param("alpha", -10.0, 10.0)),
            formula="-log Q = A * C^(-alpha)",
            reference="Krajewski et al. 2025, Eq. 2",
            terms=(Term("C", "A", "alpha"),),
            start_rule=S.exact_least_squares,
        ),
        Law(
            name="direct_qmax",
            func=direct_qmax,
            variables=("C",),
            response="Q",
            space="loglog",
            params=(_amp("A"), Param("alpha", 0.0, 5.0), Param("E", -30.0, 5.0, log=True)),
            formula="-log Q = A * C^(-alpha) + E,  Q_max = exp(-E)",
            reference="Krajewski et al. 2025, Eq. 10",
            default_loss="huber",
            terms=(Term("C", "A", "alpha"),),
            constant="E",
            start_rule=S.variable_projection,
            paper_starts=start_grid(log_A=np.arange(0, 26, 5), alpha=[0, 0.5, 1, 1.5, 2], log_E=[-1, -0.5, 0, 0.5, 1]),
        ),
        Law(
            name="bnsl",
            func=bnsl,
            variables=("C",),
            response="Q",
            space="neglog",
            params=(
                Param("a", -2.0, 5.0),
                Param("b", -30.0, 30.0, log=True),
                Param("c0", 0.0, 3.0),
                Param("d1", 15.0, 27.0, log=10),
                Param("f1", 0.01, 3.0),
                Param("c1", -3.0, 3.0),
            ),
            formula="-log Q = a + b * C^(-c0) * (1 + (C/d1)^(1/f1))^(-c1*f1)",
            reference="Krajewski et al. 2025, Eq. 1 (Caballero et al. 2023)",
            default_loss="huber",
            start_rule=S.bnsl_from_power_law,
            paper_starts=S.bnsl_paper_starts(100, seed=0),
            jacobian=bnsl_jacobian,
        ),
        Law(
            name="across_tpr",
            func=across_tpr,
            variables=("N", "D"),
            response="Q",
            space="loglog",
            params=(_amp("A"), Param("alpha", 0.0, 5.0), _amp("B"), Param("beta", 0.0, 5.0)),
            formula="-log Q = A * N^(-alpha) + B * D^(-beta)",
            reference="Krajewski et al. 2025, Eq. 4",
            default_loss="huber",
            terms=(Term("N", "A", "alpha"), Term("D", "B", "beta")),
            start_rule=S.variable_projection,
            paper_starts=start_grid(log_A=[5, 10, 15], alpha=[0.5, 1, 1.5], log_B=[5, 10, 15], beta=[0.5, 1, 1.5]),
        ),
        Law(
            name="passk_joint",
            func=passk_joint,
            variables=("C", "k"),
            response="Q",
            space="loglog",
            params=(_amp("A"), Param("alpha", -10.0, 10.0), Param("beta", -10.0, 10.0), Param("delta", -10.0, 10.0)),
            formula="log(-log Q) = log A + alpha*log C + beta*log k + delta*log C*log k",
            reference="Krajewski et al. 2025, Eq. 5",
            start_rule=S.exact_least_squares,
        ),
        Law(
            name="power_in_k",
            func=power_in_k,
            variables=("k",),
            response="P",
            space="loglog",
            params=(_amp("a"), Param("b", -10.0, 10.0)),
            formula="-log pass@k = a * k^(-b)",
            reference="Brown et al. 2024; Schaeffer et al. 2025 (how monkeys get their power laws)",
            terms=(Term("k", "a", "b"),),
            start_rule=S.exact_least_squares,
        ),
        Law(
            name="compute",
            func=pass_at_k_in_compute,
            variables=("C",),
            response="P",
            space="loglog",
            params=(Param("E0", -30.0, 5.0, log=True), _amp("C0"), Param("alpha", 0.0, 5.0)),
            formula="-log pass@k = E0 + C0 * C^(-alpha)",
            reference="Schaeffer et al. 2025, law 1",
            terms=(Term("C", "C0", "alpha"),),
            constant="E0",
            start_rule=S.variable_projection,
            paper_starts=start_grid(
                log_E0=np.arange(-3, 3.01, 0.75), log_C0=np.arange(0, 30.1, 5), alpha=np.arange(0, 2.01, 0.25)
            ),
            jacobian=pass_at_k_in_compute_jacobian,
        ),
        Law(
            name="params_tokens",
            func=params_tokens,
            variables=("N", "D"),
            response="P",
            space="loglog",
            params=(
                Param("E0", -30.0, 5.0, log=True),
                _amp("N0"),
                Param("beta", 0.0, 5.0),
                _amp("D0"),
                Param("gamma", 0.0, 5.0),
            ),
            formula="-log pass@k = E0 + N0 * N^(-beta) + D0 * D^(-gamma)",
            reference="Schaeffer et al. 2025, law 2",
            terms=(Term("N", "N0", "beta"), Term("D", "D0", "gamma")),
            constant="E0",
            start_rule=S.variable_projection,
            jacobian=params_tokens_jacobian,
        ),
        Law(
            name="gold_reference",
            func=gold_reference,
            variables=("G",),
            response="P",
            space="loglog",
            params=(Param("xi0", -30.0, 5.0, log=True), _amp("K0"), Param("kappa", 0.0, 10.0)),
            formula="-log pass@k = xi0 + K0 * G^kappa,  G = -log GoldProb",
            reference="Schaeffer et al. 2025, law 3",
            terms=(Term("G", "K0", "kappa", sign=+1),),
            constant="xi0",
            start_rule=S.variable_projection,
        ),
        Law(
            name="chinchilla",
            func=chinchilla,
            variables=("N", "D"),
            response="L",
            space="loss",
            params=(
                Param("E", -10.0, 5.0, log=True),
                _amp("A"),
                Param("alpha", 0.0, 3.0),
                _amp("B"),
                Param("beta", 0.0, 3.0),
            ),
            formula="L = E + A * N^(-alpha) + B * D^(-beta)",
            reference="Hoffmann et al. 2022, Approach 3; refit by Besiroglu et al. 2024",
            default_loss="huber",
            terms=(Term("N", "A", "alpha"), Term("D", "B", "beta")),
            constant="E",
            start_rule=S.variable_projection,
            paper_starts=start_grid(
                log_E=[-1, -0.5, 0, 0.5, 1, 1.5],
                log_A=[0, 5, 10, 15, 20, 25],
                alpha=[0, 0.5, 1, 1.5, 2],
                log_B=[0, 5, 10, 15, 20, 25],
                beta=[0, 0.5, 1, 1.5, 2],
            ),
        ),
        Law(
            name="loss_floor_in_compute",
            func=loss_floor_in_compute,
            variables=("C",),
            response="L",
            space="loss",
            params=(Param("E", -10.0, 5.0, log=True), _amp("A"), Param("alpha", 0.0, 3.0)),
            formula="L = E + A * C^(-alpha)",
            reference="Bhagia et al. 2024, step 1 (FLOPs variant): task loss in compute",
            terms=(Term("C", "A", "alpha"),),
            constant="E",
            start_rule=S.variable_projection,
            jacobian=loss_floor_in_compute_jacobian,
        ),
        Law(
            name="loss_in_compute",
            func=loss_in_compute,
            variables=("C",),
            response="L",
            space="loss",
            params=(Param("C_N", -700.0, 700.0, log=True), Param("alpha_N", -5.0, 5.0)),
            formula="L = (C / C_N)^alpha_N",
            reference="Krajewski et al. 2025, two-stage route, stage 1",
            start_rule=S.closed_form(S.loss_in_compute_guess),
        ),
        Law(
            name="accuracy_linear_in_loss",
            func=accuracy_linear_in_loss,
            variables=("L",),
            response="Q",
            space="identity",
            params=(Param("a", -100.0, 100.0), Param("b", -100.0, 100.0)),
            formula="Q = a + b * L",
            reference="Krajewski et al. 2025, two-stage route, stage 2 (linear)",
            start_rule=S.exact_least_squares,
        ),
        Law(
            name="accuracy_logistic_in_loss",
            func=accuracy_logistic_in_loss,
            variables=("L",),
            response="Q",
            space="identity",
            params=(Param("a", -2.0, 2.0), Param("k", -1000.0, 1000.0), Param("l0", 0.0, 100.0),
                    Param("b", -1.0, 1.0)),
            formula="Q = a / (1 + exp(-k (L - l0))) + b",
            reference="Krajewski et al. 2025, two-stage route, stage 2 (logistic)",
            start_rule=S.closed_form(S.logistic_guess),
        ),
        Law(
            name="linear_in_log_compute",
            func=accuracy_linear_in_log_compute,
            variables=("C",),
            response="Q",
            space="identity",
            params=(Param("a", -100.0, 100.0), Param("b", -100.0, 100.0)),
            formula="Q = a + b * log10(C)",
            reference="ours: the naive baseline of the forecasting benchmark (a straight line in log C)",
            start_rule=S.exact_least_squares,
        ),
        Law(
            name="sigmoid_in_log_compute",
            func=accuracy_logistic_in_log_compute,
            variables=("C",),
            response="Q",
            space="identity",
            # an accuracy spans at most 1; |k| <= 20 per decade is a rise from 12% to 88% of the span within a
            # fifth of a decade, steeper than any ladder resolves (a wider bound only lets a flat series wander)
            params=(Param("a", 0.0, 1.0), Param("k", -20.0, 20.0), Param("x0", 0.0, 40.0), Param("b", -1.0, 1.0)),
            formula="Q = a / (1 + exp(-k (log10(C) - x0))) + b",
            reference="ours: an emergence sigmoid in log compute (the benchmark's sigmoid method)",
            start_rule=S.closed_form(S.logistic_in_log_compute_guess),
            jacobian=accuracy_logistic_in_log_compute_jacobian,
        ),
    ]
}


@dataclass(frozen=True)
class CompositeLaw:
    """A prediction route made of laws fitted one after another (the two-stage route: compute -> loss -> accuracy).

    It has a law's metadata -- ``name``, ``variables``, ``response``, ``formula``, ``reference`` -- and ``options``,
    the keyword choices its fit takes besides the data (``link`` for the two-stage route). ``fitter(**data,
    **options)`` fits it; :func:`scalinglaws.fit` dispatches to it, so a composite is used by name like any law.
    Registered in :data:`COMPOSITES` by the module that defines its fit (:mod:`scalinglaws.two_stage`).
    """

    name: str
    variables: tuple[str, ...]
    response: str
    formula: str
    reference: str
    stages: tuple[str, ...]
    options: dict[str, tuple] = field(default_factory=dict)
    fitter: Callable | None = field(default=None, repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Every stage's parameters (the names do not collide)."""
        names = []
        for stage in self.stages:
            names += [n for n in LAWS[stage].param_names if n not in names]
        return tuple(names)


#: Composite laws by name (the two-stage route), filled in by the modules that fit them.
COMPOSITES: dict[str, CompositeLaw] = {}


def register_composite(law: CompositeLaw) -> CompositeLaw:
    """Add a composite law to :data:`COMPOSITES` (its name must not be a law's)."""
    if law.name in LAWS:
        raise ValueError(f"{law.name!r} is already a law")
    COMPOSITES[law.name] = law
    return law


def in_space(law: str | Law, space: str) -> Law:
    """The same law with its residuals taken in another fitting space (e.g. the direct law fitted on the normalised
    accuracy ``"normalised"`` or on ``"neglog"`` instead of ``log(-log Q')``): same parameters, bounds and start
    rule (fed the response mapped back to the law's own space); finite-difference derivatives."""
    law = get_law(law)
    if not isinstance(law, Law):
        raise ValueError(f"{law.name} is a composite law; fit its stages in their spaces")
    if space not in spaces.SPACES or (space == "loss") != (law.space == "loss"):
        raise ValueError(f"{law.name} ({law.space}) cannot be fitted in space {space!r}; "
                         f"spaces: {', '.join(spaces.SPACES)}")
    if space == law.space:
        return law
    own = law

    def func(**kw):
        return spaces.convert(own.func(**kw), own.space, space)

    def start_rule(_, X, y):
        with np.errstate(invalid="ignore", divide="ignore"):
            return own.guess(X, spaces.convert(y, space, own.space))

    func.__signature__ = inspect.signature(own.func)  # lmfit reads the parameter names from the signature
    return dataclasses.replace(law, name=f"{law.name}_in_{space}", func=func, space=space, start_rule=start_rule,
                               jacobian=None)


def get_law(name: str | Law | CompositeLaw) -> Law | CompositeLaw:
    """Look a law (or a composite law) up by name; ``ValueError`` lists the known names."""
    if isinstance(name, (Law, CompositeLaw)):
        return name
    if name in LAWS:
        return LAWS[name]
    if name in COMPOSITES:
        return COMPOSITES[name]
    raise ValueError(f"unknown law {name!r}; known laws: {', '.join([*LAWS, *COMPOSITES])}")
