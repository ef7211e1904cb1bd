"""Goodness-of-fit numbers used across the library."""

from __future__ import annotations

import numpy as np

__all__ = ["r_squared"]


def r_squared(observed, predicted) -> float:
    r"""Coefficient of determination :math:`1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2`, in the units given;
    NaN when the observations do not vary."""
    y, y_hat = np.asarray(observed, float), np.asarray(predicted, float)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - y_hat) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
