"""Collect the chapters (MyST-markdown notebooks, book/**/*.md) for nbval, and check what they glue.

nbval 0.11 collects only ``.ipynb`` files. The committed chapter is the ``.md``; rather than generating ``.ipynb``
twins, this collector reads the ``.md`` with jupytext and hands the notebook to nbval's own ``IPyNbFile``. It
relies on nbval internals (``IPyNbFile.collect`` reads ``self.fspath`` with ``nbformat.read``; a cell item keeps
its outputs in ``test_outputs``), hence the exact pin.

After a chapter's last cell, one more item, ``glued values``, compares the records that
:func:`scalinglaws.book.glue` wrote in the cells' outputs with ``book/_glue.json`` (``.ci/glue_check.py``): a count,
status or verdict must be equal, a number within its stated tolerance. ``make test`` runs the chapters with the data
perturbed at 1e-12 (``SCALINGLAWS_PERTURB``), so this item fails when a verdict hangs on floating-point noise.

Without jupytext and nbval (the library's tests in a user's environment, ``pytest tests``) nothing is collected here.
"""

import importlib.util
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parent

try:
    import jupytext
    import nbval.plugin
except ImportError:  # the library's tests only (pytest tests) need neither: no book extra, no chapters to collect
    nbval = None
else:
    _spec = importlib.util.spec_from_file_location("glue_check", ROOT / ".ci" / "glue_check.py")
    glue_check = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(glue_check)

    class GluedValues(pytest.Item):
        """Compare the chapter's glue records with book/_glue.json (after every cell of the chapter has run)."""

        def __init__(self, *, cells, chapter, **kwargs):
            super().__init__(**kwargs)
            self.cells, self.chapter = cells, chapter

        def runtest(self):
            outputs = [getattr(c, "test_outputs", None) for c in self.cells]
            if any(o is None for o in outputs):
                pytest.skip("a cell of the chapter did not run")
            found, bare = glue_check.records(outputs)
            reference = glue_check.load_snapshot().get(self.chapter, {})
            problems = [f"{name} is glued without a record (use scalinglaws.book.glue)" for name in bare]
            problems += glue_check.compare(found, reference)
            if problems:
                raise AssertionError(f"{self.chapter}: glued values differ from book/_glue.json:\n  "
                                     + "\n  ".join(problems))

        def reportinfo(self):
            return self.path, 0, f"{self.chapter}::glued values"

    class MystNotebook(nbval.plugin.IPyNbFile):
        def collect(self):
            notebook = jupytext.read(str(self.path))
            with mock.patch.object(nbval.plugin.nbformat, "read", lambda *args, **kwargs: notebook):
                cells = list(super().collect())
            yield from cells
            chapter = str(Path(self.path).resolve().relative_to(ROOT))
            yield GluedValues.from_parent(self, name="glued values", cells=cells, chapter=chapter)


def pytest_collect_file(file_path, parent):
    if nbval is None:
        return None
    opt = parent.config.option
    if (opt.nbval or opt.nbval_lax) and file_path.suffix == ".md" and "book" in file_path.parts:
        if file_path.read_text().startswith("---\njupytext:"):
            return MystNotebook.from_parent(parent, path=file_path)
    return None
