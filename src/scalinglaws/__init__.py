"""scalinglaws: predicting the downstream performance of language models from pretraining scale.

The laws of Krajewski et al. (2025) and Schaeffer et al. (2025) with the metadata a fit needs
(:mod:`scalinglaws.laws`), a fitting engine with status checks and uncertainty (:mod:`scalinglaws.fitting`, whose
results are :mod:`scalinglaws.results`), the unbiased pass@k estimator (:mod:`scalinglaws.passk`), verified access
to the datasets the book uses (:mod:`scalinglaws.datasets`), the papers' protocols and claims
(:mod:`scalinglaws.papers`), and plotting helpers (:mod:`scalinglaws.plotting`).
"""

from .fitting import fit, fit_groups
from .forecasting import Forecast, forecast
from .laws import COMPOSITES, LAWS, CompositeLaw, Law, get_law
from .passk import pass_at_k
from .results import BootstrapResult, FitError, FitResult, FitStatus, FitWarning
from .two_stage import TWO_STAGE, TwoStageResult  # registers the two-stage route as a composite law

__all__ = [
    "forecast", "Forecast",
    "LAWS", "COMPOSITES", "Law", "CompositeLaw", "TWO_STAGE", "TwoStageResult", "get_law", "fit", "fit_groups",
    "FitResult", "FitStatus", "FitWarning", "FitError", "BootstrapResult", "pass_at_k",
]
#: The package version; pyproject.toml reads it from here (``[tool.setuptools.dynamic]``).
__version__ = "0.1.0"
