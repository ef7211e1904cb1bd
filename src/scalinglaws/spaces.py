"""The fitting spaces of the laws: how a response (accuracy, pass@k or loss) maps to the quantity a law is linear or
smooth in, and back. Each :class:`~scalinglaws.laws.Law` names its space and exposes ``law.to_space`` /
``law.from_space``; these functions are the implementation, without validation (see :func:`scalinglaws.fit`)."""

from __future__ import annotations

import numpy as np

__all__ = ["SPACES", "SPACE_LABELS", "to_space", "from_space", "convert"]

#: Each space and the quantity that is fitted in it (Q' is the chance-normalised accuracy).
SPACE_LABELS = {"loglog": "log(-log Q')", "loss": "log L", "neglog": "-log Q'", "normalised": "Q'", "identity": "Q"}
SPACES = tuple(SPACE_LABELS)


def to_space(values, space: str, chance: float = 0.0) -> np.ndarray:
    """Map a response (accuracy or loss) to a fitting space."""
    values = np.asarray(values, dtype=float)
    if space == "loss":
        return np.log(values)
    if space == "identity":
        return values
    normalised = (values - chance) / (1.0 - chance)
    if space == "normalised":
        return normalised
    if space == "loglog":
        return np.log(-np.log(normalised))
    if space == "neglog":
        return -np.log(normalised)
    raise ValueError(f"unknown fitting space {space!r}; known: {', '.join(SPACES)}")


def from_space(y, space: str, chance: float = 0.0) -> np.ndarray:
    """Inverse of :func:`to_space`: accuracy (chance level restored) or loss."""
    y = np.asarray(y, dtype=float)
    if space == "loss":
        return np.exp(y)
    if space == "identity":
        return y
    if space == "normalised":
        return chance + (1.0 - chance) * y
    if space not in ("loglog", "neglog"):
        raise ValueError(f"unknown fitting space {space!r}; known: {', '.join(SPACES)}")
    with np.errstate(over="ignore"):  # exp overflow maps to accuracy 0 / chance, which is the limit
        neglog = np.exp(y) if space == "loglog" else y
        return chance + (1.0 - chance) * np.exp(-neglog)


def convert(y, source: str, target: str) -> np.ndarray:
    """A value in one fitting space expressed in another (no chance level: Q' throughout). The accuracy-family
    conversions are written directly, so that a large ``log(-log Q')`` stays finite in ``-log Q'`` instead of
    passing through an accuracy that underflows to 0."""
    y = np.asarray(y, dtype=float)
    if source == target:
        return y
    if (source, target) == ("loglog", "neglog"):
        return np.exp(np.clip(y, -700.0, 700.0))
    if (source, target) == ("neglog", "loglog"):
        return np.log(y)
    return to_space(from_space(y, source), target)
