"""The Python half of the site's Web Worker (``pyvizzy/site/templates/worker.js``).

The worker starts Pyodide, then calls, in this order:

1. :func:`preload` (skipped when Python starts from a memory snapshot: the snapshot is taken
   right after it, so it holds everything imported and made there; a restored Python gets
   :func:`defer_stdlib` instead);
2. :func:`build_page` with the page's address and the app script's source: a fresh Bokeh
   document with the app in it; :meth:`WorkerPage.render` gives its JSON for the page;
3. once the page has drawn it, :meth:`WorkerPage.link`; then, for every message of the
   page's changes, :meth:`WorkerPage.apply_page_patch`, and while idle
   :meth:`WorkerPage.lookahead_step`.

Only the worker imports this module (``panel.io.pyodide`` needs Pyodide's ``js`` module);
the tests run it in CPython with stand-ins for Pyodide's modules.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from urllib.parse import parse_qs

__all__ = ["StdlibGate", "WorkerPage", "build_page", "defer_stdlib", "imported_bytecode",
           "page_query_arguments", "preload", "stdlib_archive"]


def preload() -> None:
    """Import and make, once, what every visit needs before the app is built.

    Panel; libsvm's binding without the rest of scikit-learn and SciPy
    (:mod:`pyvizzy.libsvm`); Panel's Pyodide glue; what the app imports as it builds (its
    panels, ``numpy.random`` for the folds, the modules Panel imports as it makes the
    document); and the HTML sanitizer Panel makes then (a bleach Cleaner: its making imports
    html5lib's tree walkers and compiles its patterns). A visit starts from Python's memory
    right after this (the memory snapshot), so nothing here is done again; a test checks
    that building the app then imports nothing more: a restored Python starts without the
    standard library's archive, fetched once the app is live (:class:`StdlibGate`).

    Then every object alive is frozen out of the cyclic garbage collector's reach, so that
    a full pass over the libraries' objects does not run in the middle of the app's first
    build.
    """
    from pyvizzy import crossval, libsvm  # noqa: F401

    libsvm.import_binding()
    import bokeh.server  # noqa: F401
    import numpy.random  # noqa: F401
    import panel.io.browser
    import panel.io.location
    import panel.io.pyodide  # noqa: F401
    from panel.util import HTML_SANITIZER

    HTML_SANITIZER.clean("")
    import pyvizzy.app.controller  # noqa: F401

    gc.collect()
    gc.freeze()


def imported_bytecode() -> list[str]:
    """The bytecode files of the modules imported so far (for the memory snapshot).

    Their code is in Python's memory, and Python reads a module's file only to import it, so
    the snapshot need not keep these files (about a tenth of its size).
    """
    import sys

    origins = (getattr(module.__spec__, "origin", None) for module in list(sys.modules.values())
               if getattr(module, "__spec__", None) is not None)
    return sorted({origin for origin in origins
                   if isinstance(origin, str) and origin.endswith(".pyc")})


class StdlibGate:
    """The import system's first finder while the standard library's archive is not written.

    A Python restored from a memory snapshot starts with an empty file in place of the
    standard library's archive (``python3XX.zip``): every module imported before the
    snapshot is in the restored memory, so the worker fetches the archive only once the app
    is live. The zip importer in the restored memory still holds the archive's table of
    contents (it read it before the snapshot), so this finder knows which modules are in it:
    when one of them is imported before the archive is written, it has the worker fetch and
    write it at once (``loader.now(archive)``, a synchronous download, which a worker may
    make). Once the archive is written it steps aside.

    ``loader``: ``written()`` says whether the archive is in place; ``now(archive)`` puts it
    there.
    """

    def __init__(self, archive: str, contents, loader):
        self.archive, self.contents, self.loader = archive, contents, loader

    def needs_archive(self, fullname: str) -> bool:
        """Whether importing ``fullname`` reads the archive (a module or package in it)."""
        stem = fullname.replace(".", "/")
        return any(stem + end in self.contents
                   for end in (".pyc", ".py", "/__init__.pyc", "/__init__.py"))

    def find_spec(self, fullname, path=None, target=None):
        import sys

        if not self.loader.written() and self.needs_archive(fullname):
            self.loader.now(self.archive)
        if self.loader.written():
            # (a new list: the import under way walks the old one, which stays whole)
            sys.meta_path = [finder for finder in sys.meta_path if finder is not self]
        return None  # the usual finders find it (the archive written is the one read before)


def stdlib_archive() -> str:
    """The path of the standard library's archive (``python3XX.zip``, on ``sys.path``)."""
    import sys

    return next(entry for entry in sys.path if entry.endswith(".zip"))


def defer_stdlib(loader) -> str:
    """Install a :class:`StdlibGate` for the standard library's archive; its path.

    Call it right after a restore, before anything is imported. The table of contents is
    the zip importer's (its ``_files``: the private name CPython 3.12 keeps it under).
    """
    import sys

    archive = stdlib_archive()
    importer = sys.path_importer_cache.get(archive)
    contents = getattr(importer, "_files", None)
    if not contents:
        raise RuntimeError(f"the zip importer of {archive} holds no table of contents")
    sys.meta_path.insert(0, StdlibGate(archive, frozenset(contents), loader))
    return archive


def page_query_arguments(page_location: dict | None) -> dict[str, list[bytes]]:
    """The page's query string as a request's arguments (name -> list of UTF-8 values)."""
    search = (page_location or {}).get("search", "") or ""
    return {
        key: [value.encode("utf-8") for value in values]
        for key, values in parse_qs(search.lstrip("?"), keep_blank_values=True).items()
    }


def _set_location(page_location: dict | None) -> None:
    """Copy the page's ``window.location`` fields into ``pn.state.location`` (its query
    string only with what Panel can read: :func:`pyvizzy.app.query.panel_safe_search`)."""
    from panel.io.state import state
    from panel.util import edit_readonly

    from pyvizzy.app.query import panel_safe_search

    location = state.location
    if not page_location or state.curdoc is None or location is None:
        return
    fields = {k: v for k, v in page_location.items() if k in location.param}
    if isinstance(fields.get("search"), str):
        fields["search"] = panel_safe_search(fields["search"])
    with edit_readonly(location):
        location.param.update(fields)


class WorkerPage:
    """The app's document in the worker, and what the worker asks of it.

    Parameters
    ----------
    document : bokeh.document.Document
    relay : pyvizzy.app.panel_compat.DocumentRelay
        Relays the document's changes to and from the page.
    app : PyvizzyApp or None
        The app built in the document (its slider look-ahead).
    send_ahead : callable
        ``send_ahead(basis, key, payload_json)``: posts a payload computed ahead.
    """

    def __init__(self, document, relay, app, send_ahead: Callable[[int, str, str], object]):
        self.document = document
        self.relay = relay
        self.app = app
        self._send_ahead = send_ahead

    async def render(self) -> dict[str, str]:
        """The document for the page: ``docs_json``, ``render_items`` and ``root_ids`` (JSON)."""
        from panel.io.pyodide import write_doc

        docs_json, render_items, root_ids = await write_doc(self.document)
        return {"docs_json": docs_json, "render_items": render_items, "root_ids": root_ids}

    def link(self) -> None:
        """The page has drawn the document: relay changes both ways from now on."""
        self.relay.link()

    def apply_page_patch(self, patch) -> None:
        """Apply one message of the page's changes (see ``DocumentRelay.apply_page_patch``)."""
        self.relay.apply_page_patch(patch)

    def set_location(self, page_location_json: str) -> None:
        """The page's ``window.location`` (JSON) changed: keep ``pn.state.location`` in step."""
        _set_location(json.loads(page_location_json))

    def lookahead_step(self) -> bool:
        """Send the page the payload of one nearby slider setting; False when none is left."""
        found = None if self.app is None else self.app.lookahead.next_payload()
        if found is None:
            return False
        self._send_ahead(found.basis, found.key, found.payload)
        return True


def build_page(
    page_location_json: str | None,
    app_source: str,
    send_patch: Callable[[str], object],
    send_ahead: Callable[[int, str, str], object],
) -> WorkerPage:
    """A fresh document that knows the page's address, with the app built in it.

    Parameters
    ----------
    page_location_json : str or None
        ``JSON.stringify(window.location)`` of the page.
    app_source : str
        The app script (``pyvizzy/app/main.py`` unless the build was given another).
    send_patch, send_ahead : callable
        The worker's functions that post a patch, and a payload computed ahead, to the page.
    """
    from panel.io.pyodide import init_doc
    from panel.io.state import state

    from pyvizzy.app.controller import app_for
    from pyvizzy.app.panel_compat import DocumentRelay, attach_page_session

    page_location = json.loads(page_location_json) if page_location_json else None
    init_doc()
    document = state.curdoc
    relay = DocumentRelay(document, send_patch)
    attach_page_session(document, page_query_arguments(page_location))
    _set_location(page_location)
    # Building the app makes tens of thousands of objects and almost no garbage: the
    # collector's passes meanwhile (about 280 of them) would only slow the first build.
    gc.disable()
    try:
        exec(compile(app_source, "app script", "exec"), {"__name__": "__main__"})
    finally:
        gc.enable()
    # The app's objects live as long as the page: keep them out of the collector's full
    # passes too, which would otherwise stall a slider move now and then.
    gc.freeze()
    return WorkerPage(document, relay, app_for(document), send_ahead)
