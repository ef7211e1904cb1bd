"""The datasets the book reads: a registry of pinned, hash-verified files (:mod:`.registry`), the tidy run table
every loader returns (:mod:`.schema`), and one module per source -- :mod:`.krajewski`, :mod:`.pythia`,
:mod:`.chinchilla`, :mod:`.olmo`, :mod:`.gadre`, :mod:`.obsscaling` -- and the perturbation of every loaded
measurement that tests whether a result hangs on floating-point noise (:mod:`.perturbation`). Everything public is
re-exported here."""

from .chinchilla import load_chinchilla
from .gadre import gadre_benchmarks, load_gadre
from .krajewski import impossible_passk_groups, krajewski_benchmarks, krajewski_pass_at_k, load_krajewski
from .obsscaling import load_obsscaling, obsscaling_benchmarks
from .olmo import load_olmo_ladder, load_olmo_published, olmo_benchmarks
from .perturbation import PERTURB_ENV, perturb, perturbed
from .pythia import load_pythia_gold, load_pythia_models, load_pythia_samples, pythia_gold_neglog, pythia_pass_at_k
from .registry import (
                     CACHE_ENV,
                     MIRROR_ENV,
                     REGISTRY_ENV,
                     DataIntegrityError,
                     DataUnavailableError,
                     cache_dir,
                     fetch,
                     file_status,
                     filter_rows,
                     mirror_dir,
                     registry,
                     sha256,
                     upstream_url,
)
from .schema import select, validate_runs

__all__ = [
    "DataIntegrityError", "DataUnavailableError", "registry", "fetch", "file_status", "sha256", "upstream_url",
    "mirror_dir", "cache_dir", "filter_rows", "MIRROR_ENV", "CACHE_ENV", "REGISTRY_ENV", "select", "validate_runs",
    "krajewski_benchmarks", "load_krajewski", "krajewski_pass_at_k", "impossible_passk_groups",
    "load_pythia_models", "load_pythia_samples", "pythia_pass_at_k", "load_pythia_gold", "pythia_gold_neglog",
    "load_chinchilla",
    "olmo_benchmarks", "load_olmo_ladder", "load_olmo_published", "gadre_benchmarks", "load_gadre",
    "obsscaling_benchmarks", "load_obsscaling", "PERTURB_ENV", "perturb", "perturbed",
]
