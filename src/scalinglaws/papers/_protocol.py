"""Protocols as data: every choice a reproduced result depends on, with where it comes from.

A paper's protocol is a frozen dataclass whose fields are declared with :func:`choice`, which records the field's
*provenance* in the dataclass field's metadata:

``paper``
    stated by the paper (``source`` says where, ``confidence`` how sure we are: ``confirmed`` when read in the
    paper or its released data, ``secondary`` when it comes from third-party notes on the paper);
``code``
    the default of the authors' released code (the paper's own setting was not released);
``ours``
    our decision, UNCONFIRMED for the paper; ``note`` gives the reason.

:func:`provenance` turns a protocol into a table, and :func:`vary` builds the one-field-at-a-time sensitivity
variants (:func:`dataclasses.replace`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

__all__ = ["PROVENANCES", "choice", "provenance", "vary"]

PROVENANCES = ("paper", "code", "ours")
_CONFIDENCE = ("confirmed", "secondary", "unconfirmed")


def choice(default: Any, provenance: str, note: str, *, source: str = "", confidence: str = "unconfirmed"):
    """A protocol field with its provenance (see the module docstring)."""
    if provenance not in PROVENANCES:
        raise ValueError(f"provenance must be one of {PROVENANCES}, got {provenance!r}")
    if confidence not in _CONFIDENCE:
        raise ValueError(f"confidence must be one of {_CONFIDENCE}, got {confidence!r}")
    if provenance == "ours" and confidence != "unconfirmed":
        raise ValueError("a choice of ours is UNCONFIRMED for the paper by definition")
    if not note:
        raise ValueError("every protocol field needs a note saying what it is and why it has this value")
    return dataclasses.field(default=default, metadata={"provenance": provenance, "source": source,
                                                        "confidence": confidence, "note": note})


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return ", ".join(f"{k}: {v}" for k, v in value)
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


def provenance(protocol) -> pd.DataFrame:
    """One row per field of a protocol: its value, provenance, confidence, source and note."""
    rows = []
    for f in dataclasses.fields(protocol):
        m = f.metadata
        rows.append({"field": f.name, "value": _show(getattr(protocol, f.name)), "provenance": m["provenance"],
                     "confidence": m["confidence"], "source": m["source"], "note": m["note"]})
    return pd.DataFrame(rows).set_index("field")


def vary(protocol, **alternatives) -> list[tuple[str, Any, Any]]:
    """``(field, value, protocol)`` for the protocol itself and for each alternative value of each field, one field
    varied at a time: ``vary(P, filter_margin=[0.0, 0.1])``. Unknown fields raise ``ValueError``."""
    names = {f.name for f in dataclasses.fields(protocol)}
    unknown = set(alternatives) - names
    if unknown:
        raise ValueError(f"unknown protocol field(s) {sorted(unknown)}; fields: {sorted(names)}")
    out = [("protocol", "as stated", protocol)]
    for name, values in alternatives.items():
        for v in values:
            if v != getattr(protocol, name):
                out.append((name, v, dataclasses.replace(protocol, **{name: v})))
    return out
