"""The two percentile sliders: the core of the app, in view at every size.

Moving a slider only sets ``AppState.class_percentile`` / ``ood_percentile``; the state
recomputes the categorization (no training). The sliders are native range inputs
(``page/sliders.html``, ``page/sliders.js``): keyboard, touch and screen readers work as the
browser makes them work, each is named, and its value is announced as a percentile. In
per-class-mean mode the class slider is off: it looks it and takes no input. Beside the OOD
slider's name, a native select chooses the OOD lens (``AppState.ood_lens``).
"""

from __future__ import annotations

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.bridge import SLIDERS_CLASS
from pyvizzy.app.components import batched
from pyvizzy.app.panel_compat import DesignForStylesheetsOnly, not_busy
from pyvizzy.app.query import OOD_LENSES, PERCENTILE_BOUNDS
from pyvizzy.app.resources import page_file, page_script, stylesheet
from pyvizzy.app.state import DEFAULT_CLASS_PERCENTILE, DEFAULT_OOD_PERCENTILE, AppState

__all__ = ["Sliders", "SlidersPanel"]

SLIDERS_CSS = stylesheet("sliders.css")


class Sliders(DesignForStylesheetsOnly, ReactiveHTML):
    """The OOD and the class percentile sliders, synced with the page as two numbers."""

    class_percentile = param.Integer(default=DEFAULT_CLASS_PERCENTILE, bounds=PERCENTILE_BOUNDS)
    ood_percentile = param.Integer(default=DEFAULT_OOD_PERCENTILE, bounds=PERCENTILE_BOUNDS)
    class_disabled = param.Boolean(default=False, doc="Per-class-mean mode: the class slider off.")
    ood_lens = param.Selector(default=OOD_LENSES[0], objects=list(OOD_LENSES))

    _template = page_file("sliders.html")

    _scripts = {  # noqa: RUF012 - Panel's class attribute
        "render": page_script("sliders.js"),
        "moved_class": "data.class_percentile = Number(class_range.value)",
        "moved_ood": "data.ood_percentile = Number(ood_range.value)",
        "chose_lens": "data.ood_lens = lens_select.value",
        "class_percentile": "state.show()",
        "ood_percentile": "state.show()",
        "class_disabled": "state.show()",
        "ood_lens": "state.show()",
    }

    _stylesheets = [SLIDERS_CSS]  # noqa: RUF012 - Panel's class attribute


class SlidersPanel:
    """The sliders, kept in step with the state both ways.

    A move on the page sets the state (which recomputes); a setting from elsewhere (the
    address, the threshold mode) moves the sliders.
    """

    def __init__(self, state: AppState):
        self.state = state
        self.sliders = Sliders(
            class_percentile=state.class_percentile,
            ood_percentile=state.ood_percentile,
            css_classes=[SLIDERS_CLASS],
            sizing_mode="stretch_width",
            margin=0,
        )
        # Moved often: not Panel's busy work.
        not_busy(self.sliders, "class_percentile", "ood_percentile")
        self.sliders.param.watch(
            batched(self._moved), ["class_percentile", "ood_percentile", "ood_lens"]
        )
        state.param.watch(
            self._sync, ["class_percentile", "ood_percentile", "threshold_mode", "ood_lens"]
        )
        self._sync()

    def __panel__(self) -> Sliders:
        return self.sliders

    def _moved(self, *events) -> None:
        self.state.param.update({event.name: event.new for event in events})

    def _sync(self, *_events) -> None:
        # (Only what differs is set: a slider moved on the page already shows its value, and
        # setting a parameter to its own value still costs param's checks.)
        state = self.state
        wanted = {
            "class_percentile": state.class_percentile,
            "ood_percentile": state.ood_percentile,
            "class_disabled": state.threshold_mode == "mean",
            "ood_lens": state.ood_lens,
        }
        changed = {name: value for name, value in wanted.items()
                   if getattr(self.sliders, name) != value}
        if changed:
            self.sliders.param.update(changed)
