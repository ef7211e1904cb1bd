"""scalinglaws: predicting the downstream performance of language models from pretraining scale.

The laws of Krajewski et al. (2025) and Schaeffer et al. (2025) as lmfit models (:mod:`scalinglaws.laws`), a
fitting engine with status checks and uncertainty (:mod:`scalinglaws.fitting`), verified access to the datasets
the book uses (:mod:`scalinglaws.datasets`), and plotting helpers (:mod:`scalinglaws.plotting`).
"""

from .fitting import BootstrapResult, FitResult, FitStatus, FitWarning, fit
from .laws import LAWS, Law, get_law

__all__ = ["LAWS", "Law", "get_law", "fit", "FitResult", "FitStatus", "FitWarning", "BootstrapResult"]
__version__ = "0.1.0"
