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

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "LAWS",
    "Law",
    "Param",
    "Term",
    "get_law",
    "direct_power_law",
    "direct_qmax",
    "bnsl",
    "across_tpr",
    "passk_joint",
    "compute_law",
    "params_tokens",
    "gold_reference",
    "chinchilla",
]

_LOG_AMP = (-100.0, 200.0)  # bounds of a log-amplitude: wide enough for C^alpha with C ~ 1e25, alpha ~ 2


@dataclass(frozen=True)
class Param:
    """One parameter of a law.

    ``name`` is the public name (as in the paper); if ``log`` is true the fitted quantity is ``log_<name>`` and
    ``lower``/``upper`` bound that logarithm.
    """

    name: str
    lower: float
    upper: float
    log: bool = False

    @property
    def internal(self) -> str:
        return f"log_{self.name}" if self.log else self.name


@dataclass(frozen=True)
class Term:
    """A power-law term ``amplitude * variable**(sign * exponent)`` of a sum-of-power-laws law.

    Used by the variable-projection starting guess: for fixed exponents such a law is linear in its amplitudes.
    """

    variable: str
    amplitude: str
    exponent: str
    sign: int = -1


@dataclass(frozen=True)
class Law:
    """A scaling law: its fit-space function and everything the fitting engine needs to fit it."""

    name: str
    func: Callable[..., np.ndarray]
    variables: tuple[str, ...]
    response: str  # "Q" (accuracy, pass@k) or "L" (loss)
    space: str  # "accuracy", "loss" or "neglog"
    params: tuple[Param, ...]
    formula: str
    reference: str
    default_loss: str = "squared"
    default_huber_delta: float = 1e-3
    terms: tuple[Term, ...] = ()
    constant: str | None = None
    linear: bool = False
    paper_grid: tuple[dict[str, float], ...] = field(default=(), repr=False)
    paper_loss: str = "squared"
    guess: Callable[[dict, np.ndarray], dict[str, float]] | None = field(default=None, repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def internal_names(self) -> tuple[str, ...]:
        return tuple(p.internal for p in self.params)

    def to_internal(self, public: dict[str, float]) -> dict[str, float]:
        """Map public values (``A``) to fitted ones (``log_A``)."""
        out = {}
        for p in self.params:
            v = float(public[p.name])
            if p.log:
                if v <= 0:
                    raise ValueError(f"{self.name}: parameter {p.name} must be > 0, got {v}")
                v = float(np.log(v))
            out[p.internal] = v
        return out

    def to_public(self, internal: dict[str, float]) -> dict[str, float]:
        """Map fitted values (``log_A``) to public ones (``A``)."""
        return {p.name: float(np.exp(internal[p.internal]) if p.log else internal[p.internal]) for p in self.params}

    def __call__(self, **kwargs) -> np.ndarray:
        """Evaluate the fit-space function with internal parameter names."""
        return self.func(**kwargs)


# ---------------------------------------------------------------------------------------------------------------
# The law functions, in their fitting space.
# ---------------------------------------------------------------------------------------------------------------


def direct_power_law(C, log_A, alpha):
    r"""Direct power law of downstream accuracy in compute (Krajewski et al. 2025, Eq. 2).

    .. math:: -\log Q = A\,C^{-\alpha}
              \quad\Longleftrightarrow\quad \log(-\log Q) = \log A - \alpha \log C

    Parameters
    ----------
    C : array_like
        Training compute in FLOPs.
    log_A, alpha : float
        Log amplitude and compute exponent.

    Returns
    -------
    ndarray
        :math:`\log(-\log Q)`. Fitted by ordinary least squares in this space, as in the paper's code.
    """
    return log_A - alpha * np.log(C)


def direct_qmax(C, log_A, alpha, log_E):
    r"""Direct law with a maximum accuracy (Krajewski et al. 2025, appendix L, Eq. 10).

    .. math:: -\log Q = A\,C^{-\alpha} + E, \qquad Q_{\max} = e^{-E}

    Returns :math:`\log(-\log Q) = \operatorname{logaddexp}(\log A - \alpha\log C, \log E)`; the paper fits it
    with a summed Huber loss (δ = 1e-3) in this space.
    """
    return np.logaddexp(log_A - alpha * np.log(C), log_E)


def bnsl(C, a, log_b, c0, log10_d1, f1, c1):
    r"""Broken neural scaling law with one break (Krajewski et al. 2025, Eq. 1; Caballero et al. 2023).

    .. math:: y = a + b\,C^{-c_0}\left(1 + (C/d_1)^{1/f_1}\right)^{-c_1 f_1}, \qquad y = -\log Q

    ``d1`` is fitted as ``log10_d1`` (the paper's start range is 1e18 to 1e24 FLOPs). Evaluated in log space for
    the power-law factor so that large C does not overflow; the paper clips its output to [-50, 50].
    """
    logc = np.log(C)
    log_break = np.logaddexp(0.0, (logc - log10_d1 * np.log(10.0)) / f1)
    return a + np.exp(np.clip(log_b - c0 * logc - c1 * f1 * log_break, -700.0, 700.0))


def across_tpr(N, D, log_A, alpha, log_B, beta):
    r"""Law across tokens-per-parameter ratios (Krajewski et al. 2025, Eq. 4).

    .. math:: -\log Q = A\,N^{-\alpha} + B\,D^{-\beta}

    Returns :math:`\log(-\log Q)`; the paper fits it with a summed Huber loss (δ = 1e-3) in this space.
    """
    return np.logaddexp(log_A - alpha * np.log(N), log_B - beta * np.log(D))


def passk_joint(C, k, log_A, alpha, beta, delta):
    r"""Joint law of pass@k in compute and k (Krajewski et al. 2025, Eq. 5).

    .. math:: \log(-\log Q) = \log A + \alpha\log C + \beta\log k + \delta\,\log C\,\log k

    equivalently :math:`-\log Q = A\,k^{\beta}\,C^{\alpha + \delta\log k}`: the compute exponent changes with k.
    Note the paper's sign convention: α (and usually δ) are negative. Fitted by ordinary least squares.
    """
    lc, lk = np.log(C), np.log(k)
    return log_A + alpha * lc + beta * lk + delta * lc * lk


def power_in_k(k, log_a, b):
    r"""Pass@k of one model as a power law in the number of samples k ("large language monkeys";
    Brown et al. 2024, Schaeffer et al. 2025b).

    .. math:: -\log \mathrm{pass@}k = a\,k^{-b}
              \quad\Longleftrightarrow\quad \log(-\log \mathrm{pass@}k) = \log a - b \log k

    Returns :math:`\log(-\log \mathrm{pass@}k)`, fitted by ordinary least squares in this space.
    """
    return log_a - b * np.log(k)


def compute_law(C, log_E0, log_C0, alpha):
    r"""Pass@k in compute (Schaeffer et al. 2025, law 1), for one k.

    .. math:: -\log \mathrm{pass@}k = E_0 + C_0\,C^{-\alpha}

    Returns :math:`\log(-\log \mathrm{pass@}k)`, fitted by squared error in this space (the authors' follow-up
    code; UNCONFIRMED for the paper).
    """
    return np.logaddexp(log_E0, log_C0 - alpha * np.log(C))


def params_tokens(N, D, log_E0, log_N0, beta, log_D0, gamma):
    r"""Pass@k in parameters and tokens (Schaeffer et al. 2025, law 2), for one k.

    .. math:: -\log \mathrm{pass@}k = \mathcal{E}_0 + N_0\,N^{-\beta} + D_0\,D^{-\gamma}

    Returns :math:`\log(-\log \mathrm{pass@}k)`.
    """
    stack = np.stack(np.broadcast_arrays(log_E0, log_N0 - beta * np.log(N), log_D0 - gamma * np.log(D)))
    return np.logaddexp.reduce(stack, axis=0)


def gold_reference(G, log_xi0, log_K0, kappa):
    r"""Pass@k in the gold-reference likelihood (Schaeffer et al. 2025, law 3), for one k.

    .. math:: -\log \mathrm{pass@}k = \xi_0 + K_0\,G^{\kappa}, \qquad G = -\log \mathrm{GoldProb}

    Returns :math:`\log(-\log \mathrm{pass@}k)`. Note the positive exponent: pass@k falls as the gold solution
    becomes less likely.
    """
    return np.logaddexp(log_xi0, log_K0 + kappa * np.log(G))


def chinchilla(N, D, log_E, log_A, alpha, log_B, beta):
    r"""The Chinchilla loss law (Hoffmann et al. 2022, Approach 3).

    .. math:: L = E + A\,N^{-\alpha} + B\,D^{-\beta}

    Returns :math:`\log L`; fitted with a summed Huber loss (δ = 1e-3) in this space, as Hoffmann et al. and
    Besiroglu et al. (2024) do. The classical instance of the compute-optimal envelope theorem.
    """
    stack = np.stack(np.broadcast_arrays(log_E, log_A - alpha * np.log(N), log_B - beta * np.log(D)))
    return np.logaddexp.reduce(stack, axis=0)


def loss_in_compute(C, log_C_N, alpha_N):
    r"""Stage 1 of the two-stage route: validation loss in compute (Krajewski et al. 2025, two-stage baseline).

    .. math:: L = (C / C_N)^{\alpha_N} \quad\Longleftrightarrow\quad \log L = \alpha_N(\log C - \log C_N)

    No irreducible term, as in the paper's code; :math:`\alpha_N < 0`. Fitted by least squares of log L.
    """
    return alpha_N * (np.log(C) - log_C_N)


def accuracy_linear_in_loss(L, a, b):
    r"""Stage 2 of the two-stage route, linear link: :math:`Q = a + b\,L` (least squares on Q)."""
    return a + b * L


def accuracy_logistic_in_loss(L, a, k, l0, b):
    r"""Stage 2 of the two-stage route, logistic link (least squares on Q).

    .. math:: Q = \frac{a}{1 + e^{-k (L - l_0)}} + b

    With accuracy falling as loss grows, the fitted ``k`` is negative.
    """
    return a / (1.0 + np.exp(np.clip(-k * (L - l0), -700, 700))) + b


def _loss_in_compute_guess(X, y):
    slope, intercept = np.polyfit(np.log(X["C"]), y, 1)
    return {"alpha_N": float(slope), "log_C_N": float(-intercept / slope) if slope != 0 else 50.0}


def _logistic_guess(X, y):
    # The paper's start: [max Q, min Q, 1, median L] for (a, b, k, l0); a is the span above the floor b.
    return {"a": float(np.max(y) - np.min(y)), "b": float(np.min(y)), "k": -1.0, "l0": float(np.median(X["L"]))}


# ---------------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------------


def _grid(**axes) -> tuple[dict[str, float], ...]:
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
            space="accuracy",
            params=(_amp("A"), Param("alpha", -10.0, 10.0)),
            formula="-log Q = A * C^(-alpha)",
            reference="Krajewski et al. 2025, Eq. 2",
            terms=(Term("C", "A", "alpha"),),
            linear=True,
        ),
        Law(
            name="direct_qmax",
            func=direct_qmax,
            variables=("C",),
            response="Q",
            space="accuracy",
            params=(_amp("A"), Param("alpha", 0.0, 5.0), Param("E", -30.0, 5.0, log=True)),
            formula="-log Q = A * C^(-alpha) + E,  Q_max = exp(-E)",
            reference="Krajewski et al. 2025, Eq. 10",
            default_loss="huber",
            terms=(Term("C", "A", "alpha"),),
            constant="E",
            paper_grid=_grid(log_A=np.arange(0, 26, 5), alpha=[0, 0.5, 1, 1.5, 2], log_E=[-1, -0.5, 0, 0.5, 1]),
            paper_loss="huber",
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
                Param("log10_d1", 15.0, 27.0),
                Param("f1", 0.01, 3.0),
                Param("c1", -3.0, 3.0),
            ),
            formula="-log Q = a + b * C^(-c0) * (1 + (C/d1)^(1/f1))^(-c1*f1)",
            reference="Krajewski et al. 2025, Eq. 1 (Caballero et al. 2023)",
            default_loss="huber",
            paper_loss="huber",
        ),
        Law(
            name="across_tpr",
            func=across_tpr,
            variables=("N", "D"),
            response="Q",
            space="accuracy",
            params=(_amp("A"), Param("alpha", 0.0, 5.0), _amp("B"), Param("beta", 0.0, 5.0)),
            formula="-log Q = A * N^(-alpha) + B * D^(-beta)",
            reference="Krajewski et al. 2025, Eq. 4",
            default_loss="huber",
            terms=(Term("N", "A", "alpha"), Term("D", "B", "beta")),
            paper_grid=_grid(log_A=[5, 10, 15], alpha=[0.5, 1, 1.5], log_B=[5, 10, 15], beta=[0.5, 1, 1.5]),
            paper_loss="huber",
        ),
        Law(
            name="passk_joint",
            func=passk_joint,
            variables=("C", "k"),
            response="Q",
            space="accuracy",
            params=(_amp("A"), Param("alpha", -10.0, 10.0), Param("beta", -10.0, 10.0), Param("delta", -10.0, 10.0)),
            formula="log(-log Q) = log A + alpha*log C + beta*log k + delta*log C*log k",
            reference="Krajewski et al. 2025, Eq. 5",
            linear=True,
        ),
        Law(
            name="power_in_k",
            func=power_in_k,
            variables=("k",),
            response="P",
            space="accuracy",
            params=(_amp("a"), Param("b", -10.0, 10.0)),
            formula="-log pass@k = a * k^(-b)",
            reference="Brown et al. 2024; Schaeffer et al. 2025 (how monkeys get their power laws)",
            terms=(Term("k", "a", "b"),),
            linear=True,
        ),
        Law(
            name="compute",
            func=compute_law,
            variables=("C",),
            response="P",
            space="accuracy",
            params=(Param("E0", -30.0, 5.0, log=True), _amp("C0"), Param("alpha", 0.0, 5.0)),
            formula="-log pass@k = E0 + C0 * C^(-alpha)",
            reference="Schaeffer et al. 2025, law 1",
            terms=(Term("C", "C0", "alpha"),),
            constant="E0",
            paper_grid=_grid(
                log_E0=np.arange(-3, 3.01, 0.75), log_C0=np.arange(0, 30.1, 5), alpha=np.arange(0, 2.01, 0.25)
            ),
        ),
        Law(
            name="params_tokens",
            func=params_tokens,
            variables=("N", "D"),
            response="P",
            space="accuracy",
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
        ),
        Law(
            name="gold_reference",
            func=gold_reference,
            variables=("G",),
            response="P",
            space="accuracy",
            params=(Param("xi0", -30.0, 5.0, log=True), _amp("K0"), Param("kappa", 0.0, 10.0)),
            formula="-log pass@k = xi0 + K0 * G^kappa,  G = -log GoldProb",
            reference="Schaeffer et al. 2025, law 3",
            terms=(Term("G", "K0", "kappa", sign=+1),),
            constant="xi0",
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
            paper_grid=_grid(
                log_E=[-1, -0.5, 0, 0.5, 1, 1.5],
                log_A=[0, 5, 10, 15, 20, 25],
                alpha=[0, 0.5, 1, 1.5, 2],
                log_B=[0, 5, 10, 15, 20, 25],
                beta=[0, 0.5, 1, 1.5, 2],
            ),
            paper_loss="huber",
        ),
        Law(
            name="loss_in_compute",
            func=loss_in_compute,
            variables=("C",),
            response="L",
            space="loss",
            params=(Param("log_C_N", -1000.0, 1000.0), Param("alpha_N", -5.0, 5.0)),
            formula="L = (C / C_N)^alpha_N",
            reference="Krajewski et al. 2025, two-stage route, stage 1",
            guess=_loss_in_compute_guess,
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
            linear=True,
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
            guess=_logistic_guess,
        ),
    ]
}


def get_law(name: str | Law) -> Law:
    """Look a law up by name; ``ValueError`` lists the known names."""
    if isinstance(name, Law):
        return name
    try:
        return LAWS[name]
    except KeyError:
        raise ValueError(f"unknown law {name!r}; known laws: {', '.join(LAWS)}") from None
