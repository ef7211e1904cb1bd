"""Collect the chapters (MyST-markdown notebooks, book/**/*.md) for nbval.

nbval 0.11 collects only ``.ipynb`` files. The committed chapter is the ``.md``; rather than generating ``.ipynb``
twins, this collector reads the ``.md`` with jupytext and hands the notebook to nbval's own ``IPyNbFile``. It
relies on nbval internals (``IPyNbFile.collect`` reads ``self.fspath`` with ``nbformat.read``), hence the exact pin.
"""

from unittest import mock

try:
    import jupytext
    import nbval.plugin
except ImportError:  # the library's tests only (pytest tests) need neither: no book extra, no chapters to collect
    nbval = None
else:

    class MystNotebook(nbval.plugin.IPyNbFile):
        def collect(self):
            notebook = jupytext.read(str(self.path))
            with mock.patch.object(nbval.plugin.nbformat, "read", lambda *args, **kwargs: notebook):
                yield from super().collect()


def pytest_collect_file(file_path, parent):
    if nbval is None:
        return None
    opt = parent.config.option
    if (opt.nbval or opt.nbval_lax) and file_path.suffix == ".md" and "book" in file_path.parts:
        if file_path.read_text().startswith("---\njupytext:"):
            return MystNotebook.from_parent(parent, path=file_path)
    return None
