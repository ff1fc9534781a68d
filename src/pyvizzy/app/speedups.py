"""Less of Panel's bookkeeping on every slider move: a faster ``edit_readonly``, no busy count.

Panel wraps each change it receives from the page in ``edit_readonly(pn.state)`` (twice,
for its busy counter, and once more when the counter flips ``pn.state.busy``) and the
widget's own ``edit_readonly(widget)``. Panel's version sets ``readonly`` and ``constant``
to False on *every* parameter of the object and sets them all back afterwards, about
200 parameter-attribute writes per call on ``pn.state``: 10 to 20 % of the Python time
of a slider move, more in Pyodide. :func:`edit_readonly` touches only the parameters
that are read-only or constant, with the same effect.

For every property change Panel also asks the component's design for its parameters
(stylesheets and all), and uses them only when the change is to the stylesheets:
:class:`DesignForStylesheetsOnly` asks only then (the bridge, the sliders).

Panel also counts every change it processes as busy work (``pn.state.busy``, which drives
loading indicators this app does not show: it has its own overlay), flipping
``pn.state.busy`` on and off around each slider move. :func:`not_busy` lets a widget's
frequent changes skip that count: about a sixth of the Python function calls of a move.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import panel as pn
import param

__all__ = ["DesignForStylesheetsOnly", "IntSlider", "edit_readonly", "install", "not_busy"]


@contextmanager
def edit_readonly(parameterized: param.Parameterized) -> Iterator[None]:
    """Let the read-only and constant parameters of ``parameterized`` be set, for a while.

    Same contract as ``panel.util.edit_readonly``: inside the block every parameter can be
    set; on leaving it (also by an exception) each parameter's ``readonly`` and
    ``constant`` flags are as they were.
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


def install() -> int:
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

    Panel skips its busy count (``pn.state.busy``) for the property names in a
    component's ``_busy__ignore``; this extends that list for one widget. Returns the
    widget.
    """
    widget._busy__ignore = [*widget._busy__ignore, *names]
    return widget


class DesignForStylesheetsOnly:
    """Mixin for a Panel component whose properties change often (put it first in the bases).

    Panel's ``_update_properties`` computes the design's parameters on every property
    change (about 1 ms of a slider move in CPython, more in Pyodide) and uses them only to
    prepend the design's stylesheets when ``stylesheets`` changes: this does so only then.
    """

    def _update_properties(self, *events, doc):
        if any(event.name == "stylesheets" for event in events):
            return super()._update_properties(*events, doc=doc)
        return self._process_param_change({event.name: event.new for event in events})


class IntSlider(DesignForStylesheetsOnly, pn.widgets.IntSlider):
    """Panel's ``IntSlider``, with the design's parameters computed only when needed."""
