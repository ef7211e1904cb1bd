"""The dataset registry and verified file access.

Every file the book reads is listed in the registry (``registry.toml`` in this package, also at
``data/registry.toml``) with its upstream repository pinned to a commit, its sha256, licence and citation.
:func:`fetch` resolves a file

1. from the mirror folder named by ``$SCALINGLAWS_DATA_MIRROR`` (``<mirror>/<dataset>/<path>``), or else
2. by downloading ``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` with pooch into a cache
   (``$SCALINGLAWS_CACHE``, default pooch's per-user cache),

and refuses a file whose sha256 differs from the registry's (:class:`DataIntegrityError`). A file that can be
found nowhere raises :class:`DataUnavailableError` saying where it was looked for and how to provide it.

For ``krajewski2025`` the registry hash is that of a *row subset* of the upstream CSV (the rows listed in the
registry's ``subset_rows``): a download is filtered line by line to those rows, verbatim, before the hash is
checked, so the mirror and a download give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import tomllib
from functools import cache
from pathlib import Path

import pandas as pd
import pooch

logger = logging.getLogger("scalinglaws")

__all__ = ["DataIntegrityError", "DataUnavailableError", "registry", "registered_entry", "fetch", "file_status",
           "sha256", "upstream_url", "mirror_dir", "cache_dir", "filter_rows", "read_json", "MIRROR_ENV",
           "CACHE_ENV", "REGISTRY_ENV"]

MIRROR_ENV = "SCALINGLAWS_DATA_MIRROR"
CACHE_ENV = "SCALINGLAWS_CACHE"
REGISTRY_ENV = "SCALINGLAWS_REGISTRY"


class DataIntegrityError(ValueError):
    """A data file's sha256 differs from the registry's: the file is refused."""


class DataUnavailableError(FileNotFoundError):
    """A registered data file is neither in the mirror nor downloadable."""


def _registry_path() -> Path:
    env = os.environ.get(REGISTRY_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().with_name("registry.toml")


@cache
def _load_registry(path: str) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def registry() -> dict:
    """The registry: ``{dataset: {repo, commit, license, citation, files: {path: sha256}, ...}}``."""
    path = _registry_path()
    if not path.exists():
        raise DataUnavailableError(
            f"dataset registry not found at {path}; reinstall the package or set ${REGISTRY_ENV}"
        )
    return _load_registry(str(path))


def registered_entry(dataset: str, path: str) -> tuple[dict, str]:
    """A registered file's dataset entry and sha256; ``ValueError`` for an unknown dataset or file."""
    reg = registry()
    if dataset not in reg:
        raise ValueError(f"unknown dataset {dataset!r}; registered: {', '.join(reg)}")
    files = reg[dataset]["files"]
    if path not in files:
        raise ValueError(f"{dataset}: {path!r} is not a registered file")
    return reg[dataset], files[path]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verify(path: Path, expected: str, origin: str) -> Path:
    got = sha256(path)
    if got != expected:
        raise DataIntegrityError(
            f"refusing {path} ({origin}): sha256 {got} does not match the registry's {expected}. "
            "The file is corrupted or a different version; delete it and fetch it again."
        )
    return path


def upstream_url(dataset: str, path: str) -> str:
    entry, _ = registered_entry(dataset, path)
    return f"https://raw.githubusercontent.com/{entry['repo']}/{entry['commit']}/{path}"


def mirror_dir() -> Path | None:
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else None


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return Path(pooch.os_cache("scalinglaws"))


def filter_rows(text: str, rows: list[list[str]]) -> str:
    """Keep the header and the lines whose (benchmark, metric_type) is in ``rows``, verbatim and in order."""
    keep = {tuple(r) for r in rows}
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(io.StringIO(lines[0])))
    ib, im = header.index("benchmark"), header.index("metric_type")
    out = [lines[0]]
    for line in lines[1:]:
        fields = next(csv.reader(io.StringIO(line)), None)
        if fields and (fields[ib], fields[im]) in keep:
            out.append(line)
    return "".join(out)


def fetch(dataset: str, path: str) -> Path:
    """Local path of a registered, hash-verified file (mirror first, then a pooch download)."""
    entry, expected = registered_entry(dataset, path)
    looked = []
    mirror = mirror_dir()
    if mirror is not None:
        candidate = mirror / dataset / path
        looked.append(str(candidate))
        if candidate.exists():
            return _verify(candidate, expected, f"mirror ${MIRROR_ENV}")
    target = cache_dir() / dataset / path
    looked.append(str(target))
    if target.exists():
        return _verify(target, expected, "cache")
    url = upstream_url(dataset, path)
    try:
        raw = pooch.retrieve(url, known_hash=None if entry.get("subset") else f"sha256:{expected}",
                             fname=Path(path).name + (".upstream" if entry.get("subset") else ""),
                             path=target.parent, progressbar=False)
    except Exception as exc:  # pooch raises requests/urllib errors, or ValueError on a hash mismatch
        if isinstance(exc, ValueError) and "hash" in str(exc).lower():
            raise DataIntegrityError(f"refusing download of {url}: {exc}") from None
        raise DataUnavailableError(
            f"{dataset}/{path} not found. Looked in: {', '.join(looked)}; download of {url} failed "
            f"({type(exc).__name__}: {exc}). Provide it by setting ${MIRROR_ENV} to a folder holding "
            f"{dataset}/{path}, or by placing the file at {target}."
        ) from None
    if entry.get("subset"):
        text = Path(raw).read_text()
        target.write_text(filter_rows(text, entry["subset_rows"]))
        return _verify(target, expected, f"filtered download of {url}")
    return Path(raw)


def file_status() -> pd.DataFrame:
    """Every registered file and whether it is available locally (mirror or cache) with the right hash."""
    rows = []
    mirror = mirror_dir()
    for dataset, entry in registry().items():
        for path, expected in entry["files"].items():
            where = "missing"
            for label, base in (("mirror", mirror), ("cache", cache_dir())):
                if base is not None and (base / dataset / path).exists():
                    ok = sha256(base / dataset / path) == expected
                    where = label if ok else f"{label} (WRONG HASH)"
                    break
            rows.append({"dataset": dataset, "path": path, "license": entry["license"], "local": where})
    return pd.DataFrame(rows)


def read_json(path: Path):
    """A JSON file's contents."""
    with open(path) as fh:
        return json.load(fh)
