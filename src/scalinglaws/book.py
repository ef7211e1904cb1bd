"""What the chapters of the book share: glued numbers that cannot silently lie, and the record that lets a check
compare them across runs. :func:`glue` needs the ``[book]`` extra (IPython and myst-nb); the rest does not.

A number in a chapter's prose is glued (myst-nb's ``glue``) from the frame the page shows. Two things went wrong
with bare ``glue`` calls: a count summed over a column of Python/NumPy booleans held as ``object`` dtype after a
transpose is ``True``, not 8, and was printed as "1 of 12"; and a verdict that hangs on floating-point noise looked
the same as one that does not. So chapters call :func:`glue` from here, which

* refuses a value that is not a plain scalar (a NumPy 0-d array, a Series, an ``object``), a boolean glued as a
  number and a non-finite number, naming the key;
* glues it with myst-nb (``display=False``, as the chapters always did), and
* writes a small record beside it -- name, kind, value and tolerance -- in an output of its own MIME type
  (``application/vnd.scalinglaws.glue+json``, which the built page does not show; ``_config.yml`` suppresses the
  unknown-MIME warning). ``.ci/glue_check.py`` reads these records from the executed chapters and compares them with
  ``book/_glue.json``: exactly for counts, verdicts and text, within the stated tolerance for other numbers.

:func:`count` and :func:`share` count a boolean mask after checking its dtype, so a count of an ``object`` column is
an error, not ``True``.

Tolerances: a number is compared with ``rtol`` (relative, default 1e-4) or ``atol`` (absolute, default 1e-9),
whichever is looser. Move the data by 1e-12 and a result of a well-posed fit moves by far less than 1e-4 (the
least well-conditioned fit of the book, Chinchilla's five parameters, moved a derived difference by 4e-6); a number
that moves more is a property of the optimiser, not of the data (the authors' BNSL search moved its break by a
factor of 27), and a chapter that glues one states how far it may move and says in its prose why.
"""

from __future__ import annotations

import html
import math
import numbers
import posixpath

import numpy as np
import pandas as pd

__all__ = ["GLUE_MIME", "glue", "count", "share", "record", "claims_html", "bounded", "at_lower_bound",
           "LOG_LOWER_BOUND"]

GLUE_MIME = "application/vnd.scalinglaws.glue+json"
RTOL, ATOL = 1e-4, 1e-9
#: The lower bound of the laws' log-parametrised parameters (E, E0, xi0: log value >= -30, laws.py): a fitted value
#: there, exp(-30) = 9.36e-14, is a bound, not a measurement.
LOG_LOWER_BOUND = -30.0


def at_lower_bound(value, tol: float = 0.05) -> bool:
    """Whether ``value`` is a log-parametrised parameter at its lower bound: within ``tol`` of
    :data:`LOG_LOWER_BOUND` in log (9.36e-14 and 9.41e-14 are; 1e-15 and 1e-12 are not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        return False
    return abs(math.log(value) - LOG_LOWER_BOUND) < tol


def bounded(fmt: str = "{:.4g}"):
    """A table formatter (``Styler.format``) that shows a parameter at its lower bound (:func:`at_lower_bound`) as a
    bound, ``≈ 0 (bound)``, not as 9.36e-14; a missing value as an em dash; any other number with ``fmt``.
    ``.ci/check_pages.py`` fails on a table that prints such a value as a number."""
    def format_value(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        if at_lower_bound(v):
            return "≈ 0 (bound)"
        return fmt.format(v)

    return format_value


def record(name: str, value, *, rtol: float | None = None, atol: float | None = None) -> dict:
    """The record :func:`glue` writes for ``value``: ``{"name", "kind", "value"}`` and, for a float, ``rtol`` and
    ``atol``. ``ValueError`` for a value a chapter must not glue as text (see the module docstring)."""
    try:
        from IPython.display import Markdown
    except ImportError:  # without IPython (the [book] extra) there is no Markdown to glue
        Markdown = ()

    if not isinstance(name, str) or not name:
        raise ValueError(f"glue: the name must be a non-empty string, got {name!r}")
    if Markdown and isinstance(value, Markdown):
        return {"name": name, "kind": "markdown", "value": str(value.data)}
    if isinstance(value, (bool, np.bool_)):
        return {"name": name, "kind": "bool", "value": bool(value)}
    if isinstance(value, (np.ndarray, pd.Series, pd.DataFrame)) or value is None:
        raise ValueError(f"glue {name!r}: expected a scalar, got {type(value).__name__} (take .item(), a count or "
                         "a mean first)")
    if isinstance(value, numbers.Integral):
        return {"name": name, "kind": "int", "value": int(value)}
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"glue {name!r}: the value is {v}; glue a finite number, or text saying why there is "
                             "none")
        rt, at = RTOL if rtol is None else float(rtol), ATOL if atol is None else float(atol)
        if rt < 0 or at < 0:
            raise ValueError(f"glue {name!r}: tolerances must be >= 0")
        return {"name": name, "kind": "float", "value": v, "rtol": rt, "atol": at}
    if isinstance(value, str):
        return {"name": name, "kind": "text", "value": value}
    raise ValueError(f"glue {name!r}: cannot glue a {type(value).__name__} as text; glue a number, a string or "
                     "IPython.display.Markdown")


def glue(name: str, value, *, rtol: float | None = None, atol: float | None = None) -> None:
    """Glue ``value`` under ``name`` (myst-nb, ``display=False``) and write its record (see the module docstring).
    ``rtol`` / ``atol`` state how far a float may move between runs; use them only for a number that is known to
    move (a result of a random search), and say so in the prose."""
    from IPython.display import display
    from myst_nb import glue as _glue

    rec = record(name, value, rtol=rtol, atol=atol)
    plain = value
    if rec["kind"] == "int":
        plain = int(value)
    elif rec["kind"] == "float":
        plain = float(value)
    elif rec["kind"] == "bool":
        plain = bool(value)
    _glue(name, plain, display=False)
    display({GLUE_MIME: rec}, raw=True)


def _mask(mask, name: str) -> np.ndarray:
    arr = mask.to_numpy() if isinstance(mask, (pd.Series, pd.Index)) else np.asarray(mask)
    if arr.dtype != bool:
        raise ValueError(f"{name}: expected a boolean mask, got dtype {arr.dtype} (an object column of booleans "
                         "sums to True, not to a count: convert it with .astype(bool) where that is meant)")
    return arr


def count(mask) -> int:
    """How many entries of a boolean mask are true; ``ValueError`` unless its dtype is bool."""
    return int(_mask(mask, "count").sum())


def share(mask) -> float:
    """The fraction of a boolean mask that is true; ``ValueError`` unless its dtype is bool or it is empty."""
    arr = _mask(mask, "share")
    if arr.size == 0:
        raise ValueError("share: empty mask")
    return float(arr.mean())


def _number(v: float) -> str:
    return "—" if not math.isfinite(v) else f"{v:.4g}"


def claims_html(frame: pd.DataFrame, page: str = "intro") -> str:
    """A ``claims()`` frame as one HTML table that fits the page: per claim, the claim with what is compared and the
    rule that decided it in small type beneath, the paper's number, ours with its note beneath (a spread over seeds,
    a caveat), the status, and a link to the chapter with the evidence. ``page`` is the page the table is shown on,
    as a path under ``book/`` without suffix (``"krajewski/direct_vs_two_stage"``): the links are relative to it."""
    rows = []
    for cid, r in frame.iterrows():
        chapter = r["chapter"]
        title = chapter.split("/")[-1].replace("_", " ")
        note = str(r.get("note", "") or "")
        rows.append(
            '<tr style="vertical-align: top">'
            f"<td><b>{html.escape(str(r['claim']))}</b><br><small>{html.escape(cid)} · compared: "
            f"{html.escape(str(r['metric']))} · rule: {html.escape(str(r['rule']))}</small></td>"
            f"<td>{_number(float(r['paper']))}</td>"
            f"<td>{_number(float(r['ours']))}" + (f"<br><small>{html.escape(note)}</small>" if note else "") + "</td>"
            f"<td>{html.escape(str(r['status']))}</td>"
            f'<td><a href="{html.escape(posixpath.relpath(chapter, posixpath.dirname(page) or "."))}.html">'
            f"{html.escape(title)}</a></td>"
            "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Claim", "Paper", "Ours", "Status", "Evidence"))
    return f'<table class="claims"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
