#!/usr/bin/env python3
"""Screenshots of the built site at every size the app is made for, and how each one fits.

    .venv/bin/python scripts/size_gallery.py --site site --out gallery [--dataset digits]
                                             [--theme light --theme dark] [--size 390x844]
                                             [--synthetic 8 --synthetic 20]

Serves the site on 127.0.0.1 and opens it in headless Chromium at each size of
:data:`SIZES` (phones with touch, the blog column inside an iframe of a host page), waits
until the model is trained, saves ``<dataset>-<theme>-<size>.png`` and prints one line per
picture: whether the page scrolls, where the joint and the sliders are, the smallest visible
font and how many click targets are under 24 px (``layout_metrics.js``). ``--synthetic K``
adds a generated set of K classes (key ``classes-K``: :mod:`pyvizzy.app.synthetic`) to the
site's own, in a folder of links beside it (:func:`site_with_datasets`). Look at every
picture. Commit only pictures of the digits set (our own data), never of the cat/dog/bear
files.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyvizzy.site.chromium import CHROMIUM, CHROMIUM_ARGS
from pyvizzy.site.serve import serve_in_thread

METRICS = (Path(__file__).with_name("layout_metrics.js")).read_text(encoding="utf-8")
READY = """() => {
    const load = window.pyvizzyLoad;
    if (load && load.error) { return true; }
    const s = load && load.live && window.pyvizzy && window.pyvizzy.state && window.pyvizzy.state();
    return !!(s && s.trained) && load.settled !== false;
}"""


@dataclass(frozen=True)
class Size:
    """A space the app is given: the frame's size, and how it is used."""

    width: int
    height: int
    touch: bool = False
    iframe: bool = False

    @property
    def name(self) -> str:
        return f"{self.width}x{self.height}" + ("-iframe" if self.iframe else "")


#: Phones (portrait, with and without the address bar; landscape), a blog column, a tablet,
#: laptops, a large screen.
SIZES = (
    Size(360, 640, touch=True),
    Size(360, 560, touch=True),
    Size(390, 844, touch=True),
    Size(844, 390, touch=True),
    Size(700, 650, iframe=True),
    Size(1024, 768, touch=True),
    Size(1280, 720),
    Size(1440, 900),
    Size(2560, 1440),
)


def site_with_datasets(site: Path, catalog: Path, into: Path) -> Path:
    """A folder ``into`` that serves as ``site`` with the datasets of ``catalog`` (a
    ``pyvizzy-catalog/1`` folder) added: links to both, and a new ``datasets/index.json``."""
    into.mkdir(parents=True)
    for entry in site.iterdir():
        if entry.name != "datasets":
            (into / entry.name).symlink_to(entry.resolve())
    datasets = into / "datasets"
    datasets.mkdir()
    for folder in (site / "datasets", catalog):
        for entry in folder.iterdir():
            if entry.is_dir():
                (datasets / entry.name).symlink_to(entry.resolve())
    index = json.loads((site / "datasets" / "index.json").read_text(encoding="utf-8"))
    added = json.loads((catalog / "index.json").read_text(encoding="utf-8"))
    index["datasets"] += added["datasets"]
    (datasets / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return into


_blog: dict = {}


def blog_page(html: str) -> str:
    """The address of a page holding ``html`` on a blog: a server of this process on
    ``localhost`` (another origin than the site's ``127.0.0.1``, and still a local one: a
    browser keeps pages of public origins from framing local addresses)."""
    if not _blog:
        folder = Path(tempfile.mkdtemp(prefix="pyvizzy-blog-"))
        (folder / "index.html").write_text("<!DOCTYPE html><title>blog</title>")
        server, url = serve_in_thread(folder, site_policy=False)
        _blog.update(folder=folder, url=url.replace("127.0.0.1", "localhost"), server=server)
    name = f"post-{len(list(_blog['folder'].iterdir()))}.html"
    (_blog["folder"] / name).write_text(html, encoding="utf-8")
    return _blog["url"] + name


def host_page(url: str, size: Size) -> str:
    """A blog page whose content column holds the app in a frame of ``size``."""
    return (
        "<!DOCTYPE html><html><body style='margin:0;background:#fafafa'>"
        f"<iframe title='pyvizzy' src='{url}' style='border:0;display:block;"
        f"width:{size.width}px;height:{size.height}px'></iframe></body></html>"
    )


def open_app(browser, url: str, size: Size):
    """A page showing the app at ``size``; returns (page, the app's frame)."""
    if size.iframe:
        context = browser.new_context(viewport={"width": size.width + 40,
                                                "height": size.height + 40})
        page = context.new_page()
        # The blog is a page of another origin (the site lets any page frame it:
        # pyvizzy.site.policy).
        page.goto(blog_page(host_page(url, size)))
        return page, page.wait_for_selector("iframe").content_frame()
    context = browser.new_context(
        viewport={"width": size.width, "height": size.height},
        is_mobile=size.touch and size.width < 900, has_touch=size.touch,
        device_scale_factor=1,
    )
    page = context.new_page()
    page.goto(url)
    return page, page.main_frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--out", type=Path, default=Path("gallery"))
    parser.add_argument("--dataset", action="append", default=None,
                        help="dataset key (repeatable; default: digits)")
    parser.add_argument("--theme", action="append", default=None, choices=("light", "dark"))
    parser.add_argument("--size", action="append", default=None,
                        help="only these sizes, e.g. 390x844 (repeatable)")
    parser.add_argument("--synthetic", action="append", type=int, default=[], metavar="K",
                        help="add a generated set of K classes, key classes-K (repeatable)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from pyvizzy.app.synthetic import write_synthetic_catalog

    sizes = [s for s in SIZES if not args.size or s.name.split("-")[0] in args.size]
    args.out.mkdir(parents=True, exist_ok=True)
    site = args.site
    scratch = tempfile.TemporaryDirectory()
    if args.synthetic:
        keys = {f"classes-{k}": k for k in args.synthetic}
        catalog = write_synthetic_catalog(Path(scratch.name) / "catalog", keys=tuple(keys),
                                          n_classes=keys)
        site = site_with_datasets(site, catalog, Path(scratch.name) / "site")
    server, base = serve_in_thread(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for dataset in args.dataset or ["digits"]:
                for theme in args.theme or ["light", "dark"]:
                    for size in sizes:
                        url = f"{base}index.html?dataset={dataset}&theme={theme}"
                        page, frame = open_app(browser, url, size)
                        frame.wait_for_function(READY, timeout=120_000, polling=200)
                        page.wait_for_timeout(800)
                        name = f"{dataset}-{theme}-{size.name}"
                        page.screenshot(path=str(args.out / f"{name}.png"))
                        metrics = frame.evaluate(METRICS)
                        print(name, json.dumps(metrics), flush=True)
                        page.context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
