r"""Krajewski et al. (2025), "Revisiting the Scaling Properties of Downstream Metrics in Large Language Model
Training" (arXiv 2512.08894): the protocol, one function per claim, and :func:`claims`.

Modules: :mod:`.protocol` (the protocol and the data it selects), :mod:`.routes` (the main table and why the
routes differ), :mod:`.variants` (Eq. 4, Eq. 5, proxies, mixtures), :mod:`.search` (choices varied together),
:mod:`.claims`; everything public is here.

Error metrics (the paper does not define them; ours, stated here and in :class:`KrajewskiProtocol`):

MRE
    mean over a benchmark's held-out runs (C > ``split_compute``) of :math:`|\hat Q - Q| / Q`, raw accuracy;
    then the mean over benchmarks.
MAE
    the same with :math:`|\hat Q - Q|`.
RMSE, R²
    on the *fitted* runs, in raw accuracy: :math:`\sqrt{\overline{(\hat Q - Q)^2}}` and
    :math:`1 - \sum(\hat Q - Q)^2 / \sum(Q - \bar Q)^2`; then the mean over benchmarks. In-sample because the
    paper's RMSE is below its MAE for every method, which cannot happen on the same points (RMSE ≥ MAE always).
"""


from .claims import CLAIM_IDS, claims
from .protocol import (
                       ACC_NORM_BENCHMARKS,
                       ALL_BENCHMARKS,
                       PAPER_BENCHMARKS,
                       PROTOCOL,
                       ROUTES,
                       TWO_STAGE_LINKS,
                       VARIANTS,
                       KrajewskiProtocol,
                       Series,
                       benchmark_series,
                       benchmark_specs,
                       fit_mask,
                       heldout_options,
                       ladder,
                       random_levels,
                       route_options,
)
from .routes import (
                       bnsl_optima,
                       bnsl_seed_table,
                       extrapolation,
                       fit_route,
                       main_table,
                       qmax_reduction,
                       route_winners,
                       seed_means,
                       sensitivity,
                       two_stage_decomposition,
)
from .search import JOINT_FIELDS, joint_search
from .variants import across_tpr, mixture_exponents, pass_at_k, pass_at_k_heldout, per_tpr_fits, proxy_r2

__all__ = [
    "PAPER_BENCHMARKS", "ALL_BENCHMARKS", "ACC_NORM_BENCHMARKS", "ROUTES", "VARIANTS", "TWO_STAGE_LINKS",
    "KrajewskiProtocol",
    "PROTOCOL", "Series", "benchmark_series", "benchmark_specs", "ladder", "random_levels", "fit_mask",
    "heldout_options", "route_options",
    "fit_route", "extrapolation", "main_table", "sensitivity", "bnsl_optima", "two_stage_decomposition",
    "qmax_reduction", "bnsl_seed_table", "seed_means", "route_winners", "across_tpr", "per_tpr_fits", "pass_at_k",
    "pass_at_k_heldout",
    "proxy_r2", "mixture_exponents", "claims", "JOINT_FIELDS", "joint_search",
    "CLAIM_IDS",
]
