"""The header: title, dataset switcher, what the page shows, notices, Guide, theme."""

from __future__ import annotations

import panel as pn

from pyvizzy.app.bridge import GUIDE_BUTTON_CLASS, THEME_TOGGLE_CLASS
from pyvizzy.app.components import batched, html_pane, themed
from pyvizzy.app.markup import esc
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState

__all__ = ["Header", "render_notices", "render_title"]

HEADER_CSS = stylesheet("header.css")

LEDE = (
    "Confident learning finds mislabeled and out-of-distribution images from a model's "
    "out-of-sample probabilities: drag the sliders."
)


def render_title(state: AppState, show_dataset_name: bool) -> str:
    """The app's name and, when there is no switcher, the dataset's name."""
    name = ""
    if show_dataset_name and state.dataset is not None:
        dataset = state.dataset
        name = f'<span class="ds" title="{esc(dataset.description)}">{esc(dataset.name)}</span>'
    return f'<div class="pv-brand"><h1>py<span>vizzy</span></h1>{name}</div>'


def render_notices(state: AppState) -> str:
    """The newest notice (all of them in the tooltip) and the last error, if any."""
    parts = []
    if state.error:
        parts.append(f'<div class="pv-notice err" role="alert">{esc(state.error)}</div>')
    if state.notices:
        newest = state.notices[-1]
        more = f" (+{len(state.notices) - 1} more)" if len(state.notices) > 1 else ""
        tooltip = esc("\n".join(state.notices))
        parts.append(
            f'<div class="pv-notice" role="status" title="{tooltip}">{esc(newest)}{more}</div>'
        )
    return "".join(parts)


class Header(pn.viewable.Viewer):
    """Top bar of the page. ``dataset_select`` is shown when the catalog has several datasets."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.title = html_pane(
            render_title(state, True),
            sizing_mode="fixed",
            width=250,
            height=32,
            stylesheets=[HEADER_CSS],
        )
        self.dataset_select = themed(
            pn.widgets.Select(
                options={},
                width=210,
                margin=(3, 8),
                visible=False,
                css_classes=["pv-dataset-select"],
            )
        )
        self.lede = html_pane(LEDE, stylesheets=[HEADER_CSS], margin=(0, 6), min_width=100)
        self.lede.object = f'<div class="pv-lede">{esc(LEDE)}</div>'
        self.notices = html_pane(
            render_notices(state),
            stylesheets=[HEADER_CSS],
            width=330,
            height=30,
            sizing_mode="fixed",
        )
        self.dismiss = themed(
            pn.widgets.Button(name="✕", width=30, margin=(3, 4), visible=False)
        )
        self.dismiss.on_click(batched(lambda _event: self.state.dismiss_notices()))
        self.guide = themed(
            pn.widgets.Button(
                name="Guide", width=64, margin=(3, 4), css_classes=[GUIDE_BUTTON_CLASS]
            )
        )
        self.theme = themed(
            pn.widgets.Button(
                name="◐ Theme", width=80, margin=(3, 0, 3, 4), css_classes=[THEME_TOGGLE_CLASS]
            )
        )
        state.param.watch(self._redraw, ["notices", "error", "dataset"])
        self._layout = pn.Row(
            self.title,
            self.dataset_select,
            self.lede,
            self.notices,
            self.dismiss,
            self.guide,
            self.theme,
            sizing_mode="stretch_width",
            height=34,
            margin=0,
            styles={"align-items": "center"},
            css_classes=["pv-header"],
        )

    def __panel__(self):
        return self._layout

    def set_catalog(self, catalog) -> None:
        """Offer the catalog's datasets in the switcher (hidden when there is only one)."""
        self.dataset_select.options = {entry.name: entry.key for entry in catalog.entries}
        self.dataset_select.visible = len(catalog.entries) > 1
        self._redraw()

    def _redraw(self, *_events) -> None:
        state = self.state
        self.title.object = render_title(state, not self.dataset_select.visible)
        self.notices.object = render_notices(state)
        self.dismiss.visible = bool(state.notices or state.error)
        if state.dataset_key and self.dataset_select.value != state.dataset_key:
            if state.dataset_key in self.dataset_select.options.values():
                self.dataset_select.value = state.dataset_key
