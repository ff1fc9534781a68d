"""Step *pre-render*: run the Panel app in CPython at build time, once for each dataset,
and capture its first view.

Each captured Bokeh document (JSON) is drawn by the page while Python loads in the browser
(the one of the dataset the address asks for), and the Bokeh/Panel resources they need tell
the build which JS and CSS files to vendor.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BOKEH_CDN = "https://cdn.bokeh.org/bokeh/release/"
PANEL_CDN_DIST_TEMPLATE = "https://cdn.holoviz.org/panel/{version}/dist/"

_SRC_RE = re.compile(r'<script[^>]*\ssrc="([^"]+)"')
_HREF_RE = re.compile(r'<link[^>]*\shref="([^"]+)"')


@dataclass(frozen=True)
class Prerendered:
    """The first view of the app, as computed in CPython."""

    query: str                   # the address it was made for ("?dataset=digits")
    settings: dict               # the sliders' settings it shows: class, ood, mode
    title: str
    docs_json: str               # Bokeh's docs JSON (CDN URLs already rewritten)
    render_items: list           # Bokeh render items (JSON-able)
    roots: list[tuple[str, str]]  # (element id, root model id) for each root <div>
    js_urls: list[str]           # script URLs, in order (CDN form)
    css_urls: list[str]          # stylesheet URLs (CDN form)


@contextmanager
def _environment(overrides: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def prerender_app(app_script: Path, *, env: dict[str, str] | None = None,
                  query: str = "") -> Prerendered:
    """Run ``app_script`` as ``panel serve`` would (on-load callbacks included) for an address
    with ``query``, and capture it."""
    from bokeh.embed.util import standalone_docs_json_and_render_items
    from panel.io.resources import Resources, bundle_resources
    from panel.io.state import set_curdoc

    from pyvizzy.app.panel_compat import run_app_script
    from pyvizzy.app.state import AppState

    with _environment(env or {}):
        document = run_app_script(app_script, query)
        with set_curdoc(document):
            js_html, css_html = bundle_resources(document.roots, Resources(mode="cdn"))
        docs_json, render_items = standalone_docs_json_and_render_items(document)
    render_item = render_items[0].to_json()
    roots = list(render_item["roots"].items())
    defaults = AppState.param
    return Prerendered(
        query=query,
        settings={"class": defaults.class_percentile.default,
                  "ood": defaults.ood_percentile.default,
                  "mode": defaults.threshold_mode.default},
        title=document.title or "pyvizzy",
        docs_json=json.dumps(docs_json, separators=(",", ":")),
        render_items=[{**render_item, "roots": dict(render_item["roots"])}],
        roots=[(element_id, model_id) for model_id, element_id in roots],
        js_urls=_SRC_RE.findall(js_html),
        css_urls=_HREF_RE.findall(css_html),
    )


def prerender_app_isolated(
    app_script: Path, *, env: dict[str, str] | None = None, queries: tuple[str, ...] = ("",)
) -> tuple[list[Prerendered], frozenset[str]]:
    """:func:`prerender_app` in a fresh interpreter for each of ``queries``; also the
    modules that run imported.

    A fresh process makes the set of imported modules the app's own, not whatever the calling
    process (a test session that ran the pipeline, say) had imported before.
    """
    with tempfile.TemporaryDirectory() as folder:
        result_file = Path(folder) / "prerendered.json"
        command = [sys.executable, "-m", __name__, str(app_script), json.dumps(env or {}),
                   str(result_file), json.dumps(list(queries))]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            raise RuntimeError(
                f"{app_script}: pre-rendering failed (exit {finished.returncode}):\n"
                + finished.stderr[-4000:]
            )
        result = json.loads(result_file.read_text(encoding="utf-8"))
    prerendered = [Prerendered(**{**one, "roots": [tuple(pair) for pair in one["roots"]]})
                   for one in result["prerendered"]]
    return prerendered, frozenset(result["modules"])


def _main(argv: list[str]) -> None:
    app_script, env, result_file = Path(argv[0]), json.loads(argv[1]), Path(argv[2])
    queries = json.loads(argv[3]) if len(argv) > 3 else [""]
    prerendered = [prerender_app(app_script, env=env, query=query) for query in queries]
    result = {"prerendered": [dataclasses.asdict(one) for one in prerendered],
              "modules": sorted(sys.modules)}
    result_file.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    _main(sys.argv[1:])
