"""Compare the numbers and verdicts the chapters glue with the book's record of them, ``book/_glue.json``.

    .venv/bin/python .ci/glue_check.py check [_build/.jupyter_cache]    # after make book (what CI and make book run)
    .venv/bin/python .ci/glue_check.py write [_build/.jupyter_cache]    # after a make book whose numbers you reviewed
    .venv/bin/python .ci/glue_check.py execute book/x.md ...            # execute some chapters (as make book does)
    .venv/bin/python .ci/glue_check.py write --only book/x.md ...       # rewrite those chapters' records only

Every chapter glues through :func:`scalinglaws.book.glue`, which writes a record (name, kind, value, tolerance) in
an output of MIME type ``application/vnd.scalinglaws.glue+json`` beside the glued value. ``check`` reads the records
of every executed chapter and compares them with ``book/_glue.json``: counts, booleans, text and Markdown (statuses,
winners, lists of benchmarks) must be equal; a float must be within its tolerance (``max(rtol * |ref|, atol)``). A
key glued without a record, a key that appeared or disappeared, or a tolerance that changed is a problem too. The
same comparison runs under nbval (``conftest.py``): ``make test`` executes the chapters with the data perturbed at
1e-12 (``SCALINGLAWS_PERTURB``), so a verdict that hangs on rounding fails there, and ``make book`` on the build's own
unperturbed run, so a verdict that differs on another machine fails there.

``write`` rewrites the record from the executed chapters (keeping nothing of the old one): run it after a change
that moves a number on purpose, and review the diff of ``book/_glue.json`` like code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "book" / "_glue.json"
GLUE_MIME = "application/vnd.scalinglaws.glue+json"
SCRAPBOOK = "scrapbook"


def records(outputs_by_cell) -> tuple[dict, list[str]]:
    """The glue records in the outputs of a notebook's cells (a list of output lists), and the names of values glued
    without a record (a bare myst-nb ``glue``)."""
    found, bare = {}, []
    for outputs in outputs_by_cell:
        names = []
        for out in outputs:
            data = out.get("data", {})
            meta = out.get("metadata", {}).get(SCRAPBOOK, {})
            if meta.get("name"):
                names.append(meta["name"])
            if GLUE_MIME in data:
                rec = data[GLUE_MIME]
                rec = json.loads(rec) if isinstance(rec, str) else dict(rec)
                found[rec["name"]] = rec
        bare += [n for n in names if n not in found]
    return found, bare


def compare(found: dict, reference: dict) -> list[str]:
    """Problems found comparing one chapter's records with its reference records."""
    problems = []
    for name in sorted(set(reference) - set(found)):
        problems.append(f"{name}: in book/_glue.json but no longer glued")
    for name in sorted(set(found) - set(reference)):
        problems.append(f"{name}: glued but not in book/_glue.json (run .ci/glue_check.py write after make book)")
    for name in sorted(set(found) & set(reference)):
        f, r = found[name], reference[name]
        if f["kind"] != r["kind"]:
            problems.append(f"{name}: kind {f['kind']} != {r['kind']} in book/_glue.json")
        elif f["kind"] == "float":
            if (f["rtol"], f["atol"]) != (r["rtol"], r["atol"]):
                problems.append(f"{name}: tolerance changed (rtol {r['rtol']} -> {f['rtol']}, atol {r['atol']} -> "
                                f"{f['atol']}); rewrite book/_glue.json")
            tol = max(f["rtol"] * abs(r["value"]), f["atol"])
            if not abs(f["value"] - r["value"]) <= tol:
                problems.append(f"{name}: {f['value']!r} differs from {r['value']!r} by "
                                f"{abs(f['value'] - r['value']):.3g} > tolerance {tol:.3g}")
        elif f["value"] != r["value"]:
            problems.append(f"{name}: {f['value']!r} != {r['value']!r}")
    return problems


def load_snapshot(path: Path = SNAPSHOT) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def chapter_key(executed: Path, root: Path) -> str:
    """``_build/jupyter_execute/book/intro.ipynb`` -> ``book/intro.md``."""
    return str(executed.relative_to(root).with_suffix(".md"))


def executed_notebooks(folder: Path):
    """``(chapter, notebook)`` of every executed chapter in ``folder``: a jupyter-cache project (what ``make book``
    executes into; ``book/x.md`` chapters by their path) or a folder of executed ``.ipynb`` files
    (``book/x.ipynb`` for ``book/x.md``)."""
    import nbformat

    if (folder / "global.db").exists():
        from jupyter_cache import get_cache

        cache = get_cache(str(folder))
        for rec in cache.list_project_records():
            cached = cache.get_cached_project_nb(rec.uri)
            if cached is not None:
                yield str(Path(rec.uri).resolve().relative_to(ROOT)), cache.get_cache_bundle(cached.pk).nb
        return
    for path in sorted(folder.rglob("*.ipynb")):
        yield chapter_key(path, folder), nbformat.read(path, as_version=4)


def executed_records(folder: Path) -> tuple[dict, dict]:
    out, bare = {}, {}
    for key, nb in executed_notebooks(folder):
        found, missing = records([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
        if found:
            out[key] = found
        if missing:
            bare[key] = missing
    return out, bare


def execute(chapters, folder: Path) -> None:
    """Execute chapters (``book/....md``) in fresh kernels in their own folders, as ``make book`` does, and save each
    executed notebook under ``folder`` (``book/x.md`` -> ``folder/book/x.ipynb``)."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    for chapter in chapters:
        path = (ROOT / chapter).resolve()
        nb = jupytext.read(path)
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                       ).execute()
        out = folder / path.relative_to(ROOT).with_suffix(".ipynb")
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        print(f"glue_check: executed {chapter} -> {out}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["check", "write", "execute"])
    ap.add_argument("folder", nargs="?", default=str(ROOT / "_build" / ".jupyter_cache"),
                    help="a jupyter-cache project (make book's) or a folder of executed .ipynb files")
    ap.add_argument("--only", nargs="*", help="chapters (book/x.md) to check or write; the others are left alone")
    args, rest = ap.parse_known_args(argv)
    if args.action == "execute":
        chapters = ([args.folder] if args.folder.endswith(".md") else []) + rest
        execute(chapters, ROOT / "_build" / "jupyter_execute")
        print("glue_check: compare or write with the folder _build/jupyter_execute")
        return 0
    if rest:
        ap.error(f"unrecognised arguments: {' '.join(rest)}")
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"glue_check: no executed chapters in {folder}; run make book first")
        return 1
    found, bare = executed_records(folder)
    if args.only:
        found = {ch: r for ch, r in found.items() if ch in args.only}
        bare = {ch: n for ch, n in bare.items() if ch in args.only}
    problems = [f"{ch}: {name} is glued without a record (use scalinglaws.book.glue)"
                for ch, names in bare.items() for name in names]
    if args.action == "write":
        if problems:
            print("\n".join(problems))
            return 1
        if args.only:
            found = {**{ch: r for ch, r in load_snapshot().items() if ch not in args.only}, **found}
        SNAPSHOT.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"glue_check: wrote {sum(map(len, found.values()))} records of {len(found)} chapters to {SNAPSHOT}")
        return 0
    reference = load_snapshot()
    if args.only:
        reference = {ch: r for ch, r in reference.items() if ch in args.only}
    for ch in sorted(set(found) | set(reference)):
        problems += [f"{ch}: {p}" for p in compare(found.get(ch, {}), reference.get(ch, {}))]
    print("\n".join(problems) if problems else
          f"glue_check: {sum(map(len, found.values()))} glued values of {len(found)} chapters agree with "
          "book/_glue.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
