"""A cache for the expensive results several chapters share: in memory always, on disk when a build asks for it.

The authors' BNSL procedure over ten seeds costs about a minute of CPU, and the introduction, *Direct versus
two-stage prediction* and the tests each need it. Each chapter runs in its own kernel, so an in-memory cache cannot
share it; a disk cache can. Results are always kept in memory for the process (the last :data:`MEMORY_ITEMS` per
function); the disk cache is **off** unless the environment variable ``SCALINGLAWS_RESULT_CACHE`` names a folder:
``make book`` and ``make test`` each set it to a folder of their own under ``_build/`` that they empty first, so a
result computed by an older version of the code can never be read (the key holds the inputs, not the code).

A result is keyed by the function's qualified name and a SHA-256 of its pickled arguments: arrays by their bytes,
so data perturbed by :mod:`scalinglaws.datasets.perturbation` get a key of their own. Writes are atomic (a temporary
file renamed into place), and a per-key lock file (``fcntl.flock``) makes a second process that needs the same
result wait for the first instead of computing it again: two chapters executed at once share one computation.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import tempfile
from functools import wraps
from pathlib import Path

CACHE_ENV = "SCALINGLAWS_RESULT_CACHE"
#: Results kept in memory per decorated function (oldest dropped first).
MEMORY_ITEMS = 256


def cache_dir() -> Path | None:
    """The cache folder named by ``SCALINGLAWS_RESULT_CACHE``, or None when caching is off."""
    text = os.environ.get(CACHE_ENV, "").strip()
    return Path(text) if text else None


@contextlib.contextmanager
def exclusive(name: str):
    """Hold a named lock in the cache folder (nothing without one): two processes that would compute the same batch
    of results (two chapters executed at once) take turns, and the second finds the first's results cached."""
    folder = cache_dir()
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def disk_cached(fn=None, *, ignore=()):
    """Decorate ``fn`` (a pure function of picklable arguments with a frozen, picklable result) to keep its last
    results in memory (this process) and, when a cache folder is set, to read them from and write them to it.
    Keyword arguments named in ``ignore`` (e.g. a number of worker processes) do not change the result and are left
    out of the key. The decorated function also has ``cached(*args, **kwargs)`` (is the result there?) and
    ``store(value, *args, **kwargs)``, for a caller that computes many results at once (in one pool of workers)."""
    if fn is None:
        return lambda f: disk_cached(f, ignore=ignore)
    name = f"{fn.__module__}.{fn.__qualname__}"
    memory: dict[str, object] = {}

    def key_of(args, kwargs) -> str:
        keyed = sorted((k, v) for k, v in kwargs.items() if k not in ignore)
        return hashlib.sha256(pickle.dumps((name, args, keyed), protocol=5)).hexdigest()

    def remember(key, out):
        if len(memory) >= MEMORY_ITEMS:
            memory.pop(next(iter(memory)))
        memory[key] = out

    def write(folder: Path, path: Path, out) -> None:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(out, fh, protocol=5)
        os.replace(tmp, path)

    @wraps(fn)
    def wrapper(*args, **kwargs):
        key = key_of(args, kwargs)
        if key in memory:
            return memory[key]
        folder = cache_dir()
        if folder is None:
            out = fn(*args, **kwargs)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{fn.__name__}-{key[:32]}.pkl"
            # one process computes, the others wait for its file (two chapters executed at once need the same fits)
            with open(folder / f"{fn.__name__}-{key[:32]}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    if path.exists():
                        with open(path, "rb") as fh:
                            out = pickle.load(fh)
                    else:
                        out = fn(*args, **kwargs)
                        write(folder, path, out)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        remember(key, out)
        return out

    def cached(*args, **kwargs) -> bool:
        key = key_of(args, kwargs)
        folder = cache_dir()
        return key in memory or (folder is not None and (folder / f"{fn.__name__}-{key[:32]}.pkl").exists())

    def store(value, *args, **kwargs) -> None:
        key = key_of(args, kwargs)
        remember(key, value)
        folder = cache_dir()
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            write(folder, folder / f"{fn.__name__}-{key[:32]}.pkl", value)

    wrapper.cached, wrapper.store = cached, store
    return wrapper
