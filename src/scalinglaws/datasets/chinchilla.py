"""Chinchilla: Epoch's digitised points of Hoffmann et al. (2022), Fig. 4 (Besiroglu et al. 2024)."""

from __future__ import annotations

import logging

import pandas as pd

from .perturbation import perturb
from .registry import DataIntegrityError, fetch

logger = logging.getLogger("scalinglaws")

__all__ = ['load_chinchilla']


def load_chinchilla(*, drop_highest_loss: int = 5) -> pd.DataFrame:
    """The 245 Chinchilla training runs digitised by Besiroglu et al. (2024): ``N, D, C, L``.

    ``D = C / (6N)``. Epoch's refit drops the ``drop_highest_loss`` (default 5) runs with the highest loss, which
    lie far off the law (logged); pass 0 to keep every run.
    """
    if drop_highest_loss < 0:
        raise ValueError(f"drop_highest_loss must be >= 0, got {drop_highest_loss}")
    raw = pd.read_csv(fetch("chinchilla_epoch", "data/svg_extracted_data.csv"))
    out = pd.DataFrame({"N": raw["Model Size"].astype(float), "C": raw["Training FLOP"].astype(float),
                        "L": raw["loss"].astype(float)})
    if (out <= 0).any().any() or out.isna().any().any():
        raise DataIntegrityError("chinchilla: non-positive or missing values")
    out["L"] = perturb(out["L"], "chinchilla")
    out["D"] = out["C"] / (6.0 * out["N"])
    if drop_highest_loss:
        worst = out["L"].nlargest(drop_highest_loss).index
        logger.info("chinchilla: dropping the %d highest-loss runs (L = %s), as Epoch's refit does",
                    drop_highest_loss, ", ".join(f"{v:.3f}" for v in out.loc[worst, "L"]))
        out = out.drop(index=worst)
    return out[["N", "D", "C", "L"]].reset_index(drop=True)
