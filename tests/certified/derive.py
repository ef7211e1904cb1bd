"""Derive the certified values of each case, independently of the library's fitting engine, and write them into
the case files (below the marker line). Run once, by hand, when a case is added:

    SCALINGLAWS_DATA_MIRROR=../shared/data .venv/bin/python tests/certified/derive.py --write

The tests never run this script; they read what it wrote. Independence: every objective is written out here from
the law's formula (not imported from :mod:`scalinglaws`); linear laws are solved in closed form
(``numpy.linalg.lstsq``, standard errors from :math:`s^2 (X^\\top X)^{-1}`); nonlinear ones by
``scipy.optimize.minimize`` (Nelder-Mead, then Powell, to 1e-14) from every start of a grid, keeping the lowest
objective, with standard errors from the Gauss-Newton matrix of a squared-loss objective. A case whose certified
values are published (``certified_from = "published:<paper>"``) takes them from ``data/published.toml``.
"""

from __future__ import annotations

import argparse
import itertools
import math

import numpy as np
from casedata import cases, data, read
from scipy import optimize

MARKER = "# --- certified values, written by tests/certified/derive.py: do not edit below this line ---"


def _y(Q, chance=0.0):
    return np.log(-np.log((Q - chance) / (1 - chance)))


def _huber(r, delta):
    a = np.abs(r)
    return float(np.sum(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))


# Each form: (internal names, public names, f(theta, X) in the fitting space, whether the first k are logs)
FORMS = {
    "direct": (("log_A", "alpha"), lambda t, X: t[0] - t[1] * np.log(X["C"])),
    "passk_joint": (("log_A", "alpha", "beta", "delta"),
                    lambda t, X: t[0] + t[1] * np.log(X["C"]) + t[2] * np.log(X["k"])
                    + t[3] * np.log(X["C"]) * np.log(X["k"])),
    "direct_qmax": (("log_A", "alpha", "log_E"),
                    lambda t, X: np.log(np.exp(t[0]) * X["C"] ** -t[1] + np.exp(t[2]))),
    "across_tpr": (("log_A", "alpha", "log_B", "beta"),
                   lambda t, X: np.log(np.exp(t[0]) * X["N"] ** -t[1] + np.exp(t[2]) * X["D"] ** -t[3])),
    "compute": (("log_E0", "log_C0", "alpha"),
                lambda t, X: np.log(np.exp(t[0]) + np.exp(t[1]) * X["C"] ** -t[2])),
}
RESPONSE = {"direct": "Q", "passk_joint": "Q", "direct_qmax": "Q", "across_tpr": "Q", "compute": "P"}


def _public(names, theta):
    return {n[4:] if n.startswith("log_") else n: (math.exp(v) if n.startswith("log_") else v)
            for n, v in zip(names, theta)}


def derive(case: dict) -> dict:
    if "certified_from" in case:
        from scalinglaws.papers import paper_value

        paper, prefix = case["certified_from"].split(":", 1)[1], case.get("certified_prefix", "")
        return {"method": f"published: data/published.toml [{paper}.{prefix}*]",
                "params": {p: paper_value(paper, prefix + p) for p in case["params"]}}
    if "truth" in case:
        return {"method": "the values the data were generated from, without noise", "objective": 0.0,
                "params": dict(case["truth"])}
    names, f = FORMS[case["law"]]
    d = data(case)
    y = _y(d.pop(RESPONSE[case["law"]]), case.get("chance", 0.0))
    X = d
    if case.get("loss", "squared") == "squared" and case["law"] in ("direct", "passk_joint"):
        cols = [np.ones_like(y)]
        if case["law"] == "direct":
            cols.append(-np.log(X["C"]))
        else:
            lc, lk = np.log(X["C"]), np.log(X["k"])
            cols += [lc, lk, lc * lk]
        A = np.column_stack(cols)
        theta, *_ = np.linalg.lstsq(A, y, rcond=None)
        r = y - A @ theta
        s2 = float(r @ r) / (len(y) - len(theta))
        cov = s2 * np.linalg.inv(A.T @ A)
        method = "closed-form least squares (numpy.linalg.lstsq); SE from s^2 (X'X)^-1"
    else:
        loss = case.get("loss", "squared")
        delta = case.get("huber_delta", 1e-3)

        def obj(t):
            r = y - f(t, X)
            if not np.all(np.isfinite(r)):
                return 1e300
            return float(r @ r) if loss == "squared" else _huber(r, delta)

        grid = [tuple(v.values()) for v in case["derive_grid"]] if "derive_grid" in case else None
        if grid is None:
            axes = case["derive_axes"]
            grid = list(itertools.product(*[axes[n] for n in names]))
        best = None
        for g in grid:
            res = optimize.minimize(obj, np.array(g, float), method="Nelder-Mead",
                                    options=dict(xatol=1e-14, fatol=1e-16, maxiter=200_000, maxfev=200_000))
            res = optimize.minimize(obj, res.x, method="Powell", options=dict(xtol=1e-14, ftol=1e-16, maxiter=200_000))
            if best is None or res.fun < best.fun:
                best = res
        theta = best.x
        cov = None
        if loss == "squared":
            h = 1e-6
            J = np.column_stack([(f(theta + h * e, X) - f(theta - h * e, X)) / (2 * h) for e in np.eye(len(theta))])
            r = y - f(theta, X)
            cov = float(r @ r) / (len(y) - len(theta)) * np.linalg.inv(J.T @ J)
        method = (f"scipy.optimize.minimize (Nelder-Mead then Powell, tol 1e-14) from {len(grid)} starts, summed "
                  f"{loss} objective" + ("; SE from the Gauss-Newton matrix" if cov is not None else "; no SE"))
    r = y - f(theta, X)
    loss = case.get("loss", "squared")
    out = {"method": method, "n_points": len(y),
           "objective": float(r @ r) if loss == "squared" else _huber(r, case.get("huber_delta", 1e-3)),
           "params": _public(names, theta)}
    if cov is not None:
        se = np.sqrt(np.diag(cov))
        pub = out["params"]
        out["stderr"] = {k: (pub[k] * s if n.startswith("log_") else s) for (k, n, s) in zip(pub, names, se)}
    return out


def _toml(cert: dict) -> str:
    lines = [MARKER, "[certified]", f'method = "{cert["method"]}"']
    for key in ("n_points", "objective"):
        if key in cert:
            lines.append(f"{key} = {cert[key]!r}" if key == "n_points" else f"{key} = {float(cert[key])!r}")
    for table in ("params", "stderr"):
        if table in cert:
            lines.append(f"\n[certified.{table}]")
            lines += [f"{k} = {float(v)!r}" for k, v in cert[table].items()]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the certified values into the case files")
    args = ap.parse_args()
    for path in cases():
        case = read(path)
        cert = derive(case)
        block = _toml(cert)
        print(f"== {path.name}\n{block}")
        if args.write:
            text = path.read_text()
            head = text.split(MARKER)[0].rstrip("\n") + "\n\n"
            path.write_text(head + block)


if __name__ == "__main__":
    main()
