"""The types a law is made of: :class:`Param` (one parameter, its bounds and how it is fitted), :class:`Term` (a
power-law term, for the variable-projection start) and :class:`Law` (a law's function in its fitting space with
everything the fitting engine needs). The registry of the papers' laws is :data:`scalinglaws.laws.LAWS`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import spaces

__all__ = ["Param", "Term", "Law"]


@dataclass(frozen=True)
class Param:
    """One parameter of a law.

    ``name`` is the public name (as in the paper). ``log`` says how it is fitted: ``False`` as is; ``True`` as its
    natural logarithm, the internal name ``log_<name>``; ``10`` as its base-10 logarithm, ``log10_<name>`` (the
    BNSL break ``d1``, whose start ranges the paper gives in decades of FLOPs). ``lower``/``upper`` bound the fitted
    quantity. The public value of a log-parametrised parameter is always the parameter itself (``A``, ``d1``).
    """

    name: str
    lower: float
    upper: float
    log: bool | int = False

    def __post_init__(self):
        if self.log not in (False, True, 10):
            raise ValueError(f"Param {self.name}: log must be False, True (natural) or 10, got {self.log!r}")

    @property
    def base(self) -> float | None:
        """Base of the fitted logarithm (``None`` when fitted as is)."""
        if not self.log:
            return None
        return 10.0 if self.log == 10 else math.e

    @property
    def internal(self) -> str:
        if self.base is None:
            return self.name
        return f"log10_{self.name}" if self.base == 10.0 else f"log_{self.name}"

    def public_value(self, internal: float) -> float:
        """The public value of a fitted (internal) value."""
        return float(internal) if self.base is None else float(self.base ** float(internal))

    def internal_value(self, public: float) -> float:
        """The fitted (internal) value of a public value; a log-parametrised one must be > 0."""
        v = float(public)
        if self.base is None:
            return v
        if not v > 0:
            raise ValueError(f"parameter {self.name} must be > 0, got {v}")
        return math.log(v, self.base) if self.base == 10.0 else math.log(v)

    def public_stderr(self, public: float, se_internal: float) -> float:
        """Delta-method standard error of the public value from the internal one's."""
        return se_internal if self.base is None else public * math.log(self.base) * se_internal

    def public_bounds(self) -> tuple[float, float]:
        return self.public_value(self.lower), self.public_value(self.upper)


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
    space: str  # a key of spaces.SPACES: "loglog" (log(-log Q)), "loss", "neglog", ...
    params: tuple[Param, ...]
    formula: str
    reference: str
    default_loss: str = "squared"
    default_huber_delta: float = 1e-3
    terms: tuple[Term, ...] = ()
    constant: str | None = None
    start_rule: Callable[..., list[dict[str, float]]] | None = field(default=None, repr=False)
    paper_starts: tuple[dict[str, float], ...] = field(default=(), repr=False)
    #: Analytic derivatives of ``func`` in the internal parameters (an (n, n_params) array, the same arguments as
    #: ``func``); ``None`` lets the optimiser difference ``func`` numerically.
    jacobian: Callable[..., np.ndarray] | None = field(default=None, repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def internal_names(self) -> tuple[str, ...]:
        return tuple(p.internal for p in self.params)

    def to_internal(self, public: dict[str, float]) -> dict[str, float]:
        """Map public values (``A``) to fitted ones (``log_A``)."""
        try:
            return {p.internal: p.internal_value(public[p.name]) for p in self.params}
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None

    def to_public(self, internal: dict[str, float]) -> dict[str, float]:
        """Map fitted values (``log_A``) to public ones (``A``)."""
        return {p.name: p.public_value(internal[p.internal]) for p in self.params}

    def guess(self, X: dict, y: np.ndarray) -> list[dict[str, float]]:
        """Starting values (internal names) for fitting ``y`` (in the law's space) on ``X``: the law's
        ``start_rule`` (:mod:`scalinglaws.starts`) -- exact least squares, variable projection, or a law's own."""
        if self.start_rule is None:
            raise ValueError(f"{self.name}: no default starting values; pass starts=")
        return self.start_rule(self, X, y)

    def to_space(self, values, chance: float = 0.0) -> np.ndarray:
        """The response mapped to the law's fitting space (:func:`scalinglaws.spaces.to_space`)."""
        return spaces.to_space(values, self.space, chance)

    def from_space(self, y, chance: float = 0.0) -> np.ndarray:
        """A fitting-space value mapped back to the response (:func:`scalinglaws.spaces.from_space`)."""
        return spaces.from_space(y, self.space, chance)
