"""Every use of Panel's and Bokeh's private API, in one fenced module.

The app needs a few things Panel does not offer publicly: less bookkeeping on every slider
move, an HTML pane that sends only its text, a worker that relays one patch per page message,
a session that carries the page's query string, and the pre-render's run of the app script.
Each is written here against the pinned versions (:mod:`pyvizzy.versions`), with a comment
saying what Panel does and why we differ, and each has a test against the pinned Panel
(``tests/test_panel_compat.py``). Importing this module under another Panel or Bokeh fails
with :class:`PanelVersionError`: re-check every override before changing a pin.

Nothing else in ``pyvizzy`` touches a private name of Panel or Bokeh (a test checks that).
Text patches of Panel's files for the site live in :mod:`pyvizzy.site.wheels`. ReactiveHTML's
``_template``, ``_scripts`` and ``_stylesheets`` are Panel's documented extension API, not
private, and are used where the components are defined.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import bokeh
import panel as pn
import param
from bokeh.document import Document

from pyvizzy import versions

__all__ = [
    "DesignForStylesheetsOnly",
    "DocumentRelay",
    "PanelVersionError",
    "TextOnlyHTML",
    "attach_page_session",
    "check_versions",
    "edit_readonly",
    "install_fast_edit_readonly",
    "not_busy",
    "run_app_script",
]


class PanelVersionError(ImportError):
    """Panel or Bokeh is not the version the overrides here are written for."""


def check_versions(panel_version: str, bokeh_version: str) -> None:
    """Raise :class:`PanelVersionError` unless these are the pinned Panel and Bokeh versions."""
    if (panel_version, bokeh_version) != (versions.PANEL, versions.BOKEH):
        raise PanelVersionError(
            f"pyvizzy.app needs Panel {versions.PANEL} and Bokeh {versions.BOKEH}, found Panel "
            f"{panel_version} and Bokeh {bokeh_version}: its overrides of their private API "
            f"are written for those (pip install 'panel=={versions.PANEL}' "
            f"'bokeh=={versions.BOKEH}')"
        )


check_versions(pn.__version__, bokeh.__version__)


# --------------------------------------------------------------------------------------------
# A slider move's Python time
# --------------------------------------------------------------------------------------------


@contextmanager
def edit_readonly(parameterized: param.Parameterized) -> Iterator[None]:
    """Let the read-only and constant parameters of ``parameterized`` be set, for a while.

    Same contract as ``panel.util.edit_readonly``. Panel wraps each change it receives from
    the page in its own ``edit_readonly(pn.state)`` (twice, for its busy counter) and the
    widget's: it sets ``readonly`` and ``constant`` to False on *every* parameter and back
    afterwards (a couple of hundred attribute writes per call on ``pn.state``), a sizeable
    share of a slider move's Python time. This touches only the parameters that are locked.
    """
    locked = [
        (parameter, parameter.readonly, parameter.constant)
        for parameter in parameterized.param.objects("existing").values()
        if parameter.readonly or parameter.constant
    ]
    for parameter, _, _ in locked:
        parameter.readonly = False
        parameter.constant = False
    try:
        yield
    finally:
        for parameter, readonly, constant in locked:
            parameter.readonly = readonly
            parameter.constant = constant


def install_fast_edit_readonly() -> int:
    """Put :func:`edit_readonly` in place of Panel's in every module that holds it.

    Panel's modules import the function by name (``from ..util import edit_readonly``), so
    each loaded module's reference is replaced, as is the one later imports read
    (``panel.util``). Returns how many references were replaced (0 when already done).
    """
    import panel.util.parameters

    original = panel.util.parameters.edit_readonly
    if original is edit_readonly:
        return 0
    replaced = 0
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "panel" and getattr(module, "edit_readonly", None) is original:
            module.edit_readonly = edit_readonly
            replaced += 1
    return replaced


def not_busy(widget, *names: str):
    """Let ``widget``'s changes of the properties ``names`` not count as busy work.

    Panel counts every change it processes as busy work (``pn.state.busy``, which drives
    loading indicators this app does not show: it has its own overlay), flipping it on and
    off around each slider move, a good share of a move's Python function calls. It skips
    the count for the names in a component's private ``_busy__ignore``; this extends that
    list for one widget. Returns the widget.
    """
    widget._busy__ignore = [*widget._busy__ignore, *names]
    return widget


class DesignForStylesheetsOnly:
    """Mixin for a Panel component whose properties change often (the bridge, the sliders).

    Panel's private ``_update_properties`` computes the design's parameters on every
    property change (a noticeable part of a slider move's Python time) and uses them
    only to prepend the design's stylesheets when ``stylesheets`` changes: this does so only
    then.
    """

    def _update_properties(self, *events, doc):
        if any(event.name == "stylesheets" for event in events):
            return super()._update_properties(*events, doc=doc)
        return self._process_param_change({event.name: event.new for event in events})


class TextOnlyHTML(pn.pane.HTML):
    """An HTML pane whose content updates send the new text and nothing else.

    Panel's HTML pane (its private ``_update``) recomputes every property of its model,
    stylesheets included, building new stylesheet models to compare, each time its content
    changes, which dominates a redraw that replaces a few panes. The text is
    escaped exactly as Panel does (``_transform_object``); other parameters still update
    through Panel's usual path.
    """

    def _update(self, ref, model) -> None:
        model.update(text=self._transform_object(self.object)["object"])


# --------------------------------------------------------------------------------------------
# The site's worker: the page's address, and one patch per page message
# --------------------------------------------------------------------------------------------


def attach_page_session(document: Document, arguments: dict[str, list[bytes]]) -> None:
    """Give ``document`` a session whose request carries the page's query ``arguments``.

    In the worker there is no HTTP request; Panel's ``init_doc`` gives the document a mock
    session (its private ``_session_context``) whose request has no arguments. With this one
    ``pn.state.session_args`` reads the page's address as it does under ``panel serve``.
    """
    from panel.io.document import MockSessionContext, Request

    class PageSessionContext(MockSessionContext):
        @property
        def request(self):
            return Request(headers={}, cookies={}, arguments=arguments)

    document._session_context = lambda: PageSessionContext(document=document)


class _ChangeCollector:
    """While a page patch is applied: the components whose changes wait to be processed."""

    changes: dict[int, tuple[object, Document]] | None = None
    panels_server_change: Callable | None = None


def _collect_server_change(self, doc, ref, subpath, attr, old, new):
    """Panel's ``Syncable._server_change``, collecting the change while a patch is applied.

    Panel schedules each component's processing of a page change on the next tick under
    ``panel serve`` and runs it at once otherwise (so in the worker, a slider's ``value`` and
    ``value_throttled`` made two widget updates). Here, while :class:`DocumentRelay` applies
    a page patch, the change is only recorded, and processed once per component after.
    """
    collected = _ChangeCollector.changes
    if collected is None:
        return _ChangeCollector.panels_server_change(self, doc, ref, subpath, attr, old, new)
    if subpath:
        attr = f"{subpath}.{attr}"
    if attr in self._changing.get(ref, []):
        self._changing[ref].remove(attr)
        return None
    self._events.update({attr: new})
    collected[id(self)] = (self, doc)
    return None


def _install_change_collector() -> None:
    from panel.reactive import Syncable

    if _ChangeCollector.panels_server_change is None:
        _ChangeCollector.panels_server_change = Syncable._server_change
        Syncable._server_change = _collect_server_change


class DocumentRelay:
    """Relays a Bokeh document's changes between Python and the page's copy of it.

    Panel's ``_link_docs_worker`` sends one message per model change, each a tree of JS
    objects and a Map of buffers, and the page applies (and lays out) each separately.
    Here the changes Python makes while handling one message from the page go back as ONE
    patch, a JSON string in which binary data is written as base64 (which BokehJS decodes);
    changes made at other times go at once. Page messages arrive as one JSON string too.

    Make it before the document's models are made: Panel binds a component's change handler
    (``_server_change``) as it makes the component's model.

    Parameters
    ----------
    document : bokeh.document.Document
    send_patch : callable
        ``send_patch(json_text)``: posts a patch to the page.
    """

    def __init__(self, document: Document, send_patch: Callable[[str], object]):
        _install_change_collector()
        self._document = document
        self._send_patch = send_patch
        self._pending: list = []
        self._holding = False

    def link(self) -> None:
        """Start relaying (the page has drawn the document): as Panel's ``_link_docs_worker``."""
        from bokeh.events import DocumentReady

        self._document.on_change(self._on_change)
        self._document.unhold()
        self._document.callbacks.trigger_event(DocumentReady())

    def _on_change(self, event) -> None:
        if getattr(event, "setter", None) == "js":
            return
        self._pending.append(event)
        if not self._holding:
            self._flush()

    def _flush(self) -> None:
        """Panel's ``_process_document_events``, with binary data inline as base64."""
        from bokeh.core.serialization import Serializer
        from bokeh.document.json import PatchJson

        if not self._pending:
            return
        events = list(self._pending)
        self._pending.clear()
        models = self._document.models
        serializer = Serializer(references=models.synced_references, deferred=False)
        patch = PatchJson(events=serializer.encode(events))
        models.flush_synced(lambda model: not serializer.has_ref(model))
        self._send_patch(json.dumps(patch, separators=(",", ":")))

    def apply_page_patch(self, patch) -> None:
        """Apply one message of the page's changes, then send Python's answer as one patch.

        ``patch`` is the page's JSON string, or (when it holds binary buffers) the JS object
        Panel's worker protocol sends.
        """
        from bokeh.core.serialization import Serialized
        from panel.io.state import state

        if isinstance(patch, str):
            serialized = Serialized(content=json.loads(patch), buffers=[])
        else:
            from panel.io.pyodide import _convert_json_patch

            serialized = _convert_json_patch(patch)
        collected: dict = {}
        _ChangeCollector.changes = collected
        self._holding = True
        try:
            self._document.apply_json_patch(serialized, setter="js")
            while collected:
                component, doc = collected.pop(next(iter(collected)))
                try:
                    component._change_event(doc)
                except Exception as error:  # as Panel: reported, the others still processed
                    state._handle_exception(error)
        finally:
            _ChangeCollector.changes = None
            self._holding = False
            self._flush()


# --------------------------------------------------------------------------------------------
# The site build's pre-render
# --------------------------------------------------------------------------------------------


def run_app_script(app_script: Path, query: str = "") -> Document:
    """Run an app script as ``panel serve`` would, on-load callbacks included; its document.

    ``query`` is the address's query string the session sees (``pn.state.session_args``).
    Panel offers no public way to run a script into a document outside a server: this uses
    the application's private handler list (to report a script that failed), a mock session
    (the private ``_session_context``) and the private ``state._on_load``, which runs the
    callbacks a served page runs once loaded.
    """
    from urllib.parse import parse_qs

    from panel.io.application import build_single_handler_application
    from panel.io.state import set_curdoc, state

    application = build_single_handler_application(str(Path(app_script).resolve()))
    document = Document()
    arguments = {key: [value.encode() for value in values]
                 for key, values in parse_qs(query.lstrip("?")).items()}
    attach_page_session(document, arguments)
    with set_curdoc(document):
        application.initialize_document(document)
        handler = application._handlers[0]
        if getattr(handler, "failed", False):
            raise RuntimeError(f"{app_script}: the app failed to run:\n{handler.error_detail}")
        state._on_load(None)
    if not document.roots:
        raise RuntimeError(f"{app_script}: the app published nothing (.servable())")
    return document
