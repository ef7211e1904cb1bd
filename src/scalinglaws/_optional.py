"""Optional dependencies, imported only where a feature needs them.

The core (laws, fitting, forecasting, the CSV and parquet-free loaders) needs numpy, scipy, pandas, lmfit, pooch and
threadpoolctl. Plotting, the symbolic check of the envelope theorem and the parquet files of the Pythia data need
more; each is an extra of the package (``pyproject.toml``), and a missing one raises an error that says which extra
to install rather than a bare ``No module named ...``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: The extra that installs each optional top-level module.
EXTRAS = {"matplotlib": "plot", "seaborn": "plot", "sympy": "symbolic", "pyarrow": "parquet"}


def missing_message(module: str, feature: str) -> str:
    """The message of the error raised when ``module`` is not installed: what needs it and the pip command."""
    top = module.partition(".")[0]
    extra = EXTRAS[top]
    return f"{feature} needs {top}, which is not installed: pip install 'scalinglaws[{extra}]'"


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (an optional dependency, a key of :data:`EXTRAS` or a submodule of one) for ``feature``.

    Raises
    ------
    ModuleNotFoundError
        When the optional package itself is missing, naming the extra to install. An error raised inside an
        installed package (one of *its* dependencies missing) propagates unchanged.
    """
    top = module.partition(".")[0]
    if top not in EXTRAS:
        raise ValueError(f"{top} is not an optional dependency of scalinglaws")
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.partition(".")[0] != top:
            raise
        raise ModuleNotFoundError(missing_message(module, feature), name=top) from exc

