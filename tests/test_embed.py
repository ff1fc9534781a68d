"""The one-line embed (the site's ``embed.js``) in blog pages of the tests' own, in Chromium.

The host pages are served from another origin (``localhost``; the site is on ``127.0.0.1``):
a 700 px column holding ``<a class="pyvizzy-embed" href=".../index.html?...">`` and the
``embed.js`` script. Checked: the frame fills the column and takes the height the app asks
for (never more than the host's window), so the app does not scroll inside; a dark host (the
reader's colour scheme) gets a dark app, ``data-theme`` and a ``pyvizzy:set-theme`` message
choose, and a message from another window is ignored; a frame far below the fold costs the
host nothing but ``embed.js`` until it is scrolled near, then trains; ``data-start="click"``
waits for its Start button; two embeds on one page are sized independently; the embedded
app's Full screen link opens the view the reader has, in a new tab; the host is told the
figure's summary, and the full state only at the origin it names.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import size_gallery  # (a script, not a module of the package)

pytestmark = pytest.mark.browser

COLUMN = 700
LOAD_TIMEOUT_MS = 120_000


def _host_page(host, name: str, base_url: str, links: list[str], *, above: int = 200,
               extra: str = "") -> str:
    """Write a blog page holding ``links`` (``<a class="pyvizzy-embed">`` markup) below
    ``above`` px of text; returns its address."""
    folder, url = host
    spacer = f'<div style="height:{above}px">A paragraph of the post.</div>'
    (folder / name).write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<style>body{margin:0;background:Canvas;color:CanvasText}"
        f"main{{width:{COLUMN}px;margin:0 auto}}</style>"
        "<meta name='color-scheme' content='light dark'></head><body><main>"
        f"<h1>A post</h1>{spacer}{''.join(links)}<p>The end.</p></main>{extra}"
        f"<script async src='{base_url}embed.js'></script></body></html>",
        encoding="utf-8",
    )
    return url + name


def _link(base_url: str, query: str = "?dataset=digits", poster: str | None = None,
          **data: str) -> str:
    """The one-line embed's link (with ``poster``, the picture ``posters/<poster>.webp``)."""
    attributes = "".join(f' data-{key}="{value}"' for key, value in data.items())
    text = "The live figure: confident learning on handwritten digits"
    inner = (f'<img src="{base_url}posters/{poster}.webp" alt="{text}" width="700" height="651"'
             ' loading="lazy" style="max-width:100%;height:auto">' if poster else text)
    return f'<a class="pyvizzy-embed" href="{base_url}index.html{query}"{attributes}>{inner}</a>'


def _fetched(page) -> list[str]:
    """The addresses ``page`` fetches, once each response has come whole with status 200."""
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url)
            if request.response() and request.response().status == 200 else None)
    return fetched


def _app(page, index: int = 0):
    """The app's frame in the ``index``-th embed, once it has trained."""
    handle = page.wait_for_selector(f"iframe.pyvizzy-embed-frame >> nth={index}",
                                    timeout=LOAD_TIMEOUT_MS)
    frame = handle.content_frame()
    frame.wait_for_function(size_gallery.READY, timeout=LOAD_TIMEOUT_MS, polling=200)
    return handle, frame


def _theme(frame) -> str:
    return frame.evaluate("document.documentElement.dataset.pvTheme")


@pytest.mark.parametrize("window_height, expected", [(900, 651), (520, 520)])
def test_the_frame_fills_the_column_at_the_height_the_app_asks(browser, base_url, host,
                                                               window_height, expected):
    address = _host_page(host, f"column-{window_height}.html", base_url, [_link(base_url)])
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": window_height})
    page = context.new_page()
    try:
        page.goto(address)
        handle, frame = _app(page)
        page.wait_for_function(
            f"document.querySelector('iframe.pyvizzy-embed-frame').offsetHeight === {expected}",
            timeout=10_000)
        box = handle.bounding_box()
        metrics = frame.evaluate(size_gallery.METRICS)
    finally:
        context.close()
    assert (box["width"], box["height"]) == (COLUMN, expected)
    assert not metrics["scrolls"], metrics
    for hook in ("joint", "classSlider", "oodSlider"):
        assert metrics[hook]["inView"], metrics


def test_the_app_takes_the_readers_colour_scheme_the_hosts_choice_and_no_one_elses(
        browser, base_url, host):
    # A sibling frame of the host's own origin that posts to the app: not the app's parent.
    meddler = ("<iframe id='meddler' srcdoc=\"<script>window.addEventListener('message', () => {"
               "parent.document.querySelector('iframe.pyvizzy-embed-frame').contentWindow"
               ".postMessage({type: 'pyvizzy:set-theme', theme: 'light'}, '*');"
               " parent.meddled = true })</script>\"></iframe>")
    address = _host_page(host, "themes.html", base_url,
                         [_link(base_url), _link(base_url, theme="light")], extra=meddler)
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900},
                                  color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(address)
        _, auto = _app(page, 0)
        _, light = _app(page, 1)
        assert (_theme(auto), _theme(light)) == ("dark", "light")
        page.evaluate("document.querySelector('iframe.pyvizzy-embed-frame').contentWindow"
                      ".postMessage({type: 'pyvizzy:set-theme', theme: 'light'}, '*')")
        auto.wait_for_function("document.documentElement.dataset.pvTheme === 'light'")
        page.evaluate("document.querySelector('iframe.pyvizzy-embed-frame').contentWindow"
                      ".postMessage({type: 'pyvizzy:set-theme', theme: 'auto'}, '*')")
        auto.wait_for_function("document.documentElement.dataset.pvTheme === 'dark'")
        page.evaluate("document.getElementById('meddler').contentWindow.postMessage('go', '*')")
        page.wait_for_function("window.meddled === true")  # it did send its message
        page.wait_for_timeout(500)
        assert _theme(auto) == "dark"  # the sibling's message was ignored
        assert "theme=" not in auto.evaluate("location.search")  # auto: nothing to keep
    finally:
        context.close()


def test_a_frame_far_below_the_fold_costs_nothing_until_scrolled_near(browser, base_url,
                                                                     host):
    address = _host_page(host, "far.html", base_url, [_link(base_url, poster="digits")],
                         above=5000)
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900})
    page = context.new_page()
    fetched = []
    page.on("requestfinished", lambda request: fetched.append(request))
    try:
        page.goto(address)
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)
        site = [request for request in fetched if request.url.startswith(base_url)]
        before = sum(request.sizes()["responseBodySize"] for request in site)
        assert [request.url for request in site] == [base_url + "embed.js"]
        assert before <= 300_000
        assert page.locator("iframe").count() == 0
        page.locator("a.pyvizzy-embed").scroll_into_view_if_needed()
        _app(page)
    finally:
        context.close()


def test_click_to_start_waits_for_its_start_button_over_the_poster_or_a_plain_box(
        browser, base_url, host):
    links = [_link(base_url, poster="digits", start="click"),
             _link(base_url, poster="no-such-dataset", start="click")]
    address = _host_page(host, "click.html", base_url, links)
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 1800})
    page = context.new_page()
    try:
        page.goto(address)
        buttons = page.locator('[data-pv="start"]')
        buttons.nth(1).wait_for(state="visible")
        page.locator(".pyvizzy-embed-plain").wait_for()  # the poster that does not load
        boxes = page.locator(".pyvizzy-embed-start")
        poster = boxes.nth(0).locator("img")
        assert poster.is_visible() and poster.evaluate("(img) => img.naturalWidth") == 1400
        assert "pyvizzy-embed-plain" not in boxes.nth(0).get_attribute("class")
        assert boxes.nth(1).locator("img").count() == 0  # its description instead
        assert boxes.nth(1).locator("a").inner_text().startswith("The live figure")
        assert boxes.nth(1).bounding_box()["height"] >= 320
        page.wait_for_timeout(1000)
        assert page.locator("iframe").count() == 0
        buttons.nth(0).click()
        _app(page)
    finally:
        context.close()


def test_two_embeds_on_one_page_are_two_frames_sized_apart(browser, base_url, host):
    address = _host_page(host, "two.html", base_url, [
        _link(base_url, "?dataset=digits&class=70&ood=5"),
        _link(base_url, "?dataset=digits&class=30", height="600"),
    ])
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900})
    page = context.new_page()
    try:
        page.goto(address)
        first, strict = _app(page, 0)
        second, loose = _app(page, 1)
        assert strict.evaluate("window.pyvizzy.state().class_percentile") == 70
        assert loose.evaluate("window.pyvizzy.state().class_percentile") == 30
        page.wait_for_function(
            "document.querySelector('iframe.pyvizzy-embed-frame').offsetHeight === 651")
        assert second.bounding_box()["height"] == 600  # data-height: fixed
        assert first.bounding_box()["width"] == second.bounding_box()["width"] == COLUMN
    finally:
        context.close()


def test_the_embedded_app_opens_the_same_view_full_screen(browser, base_url, host):
    address = _host_page(host, "full.html", base_url,
                         [_link(base_url, "?dataset=digits&class=70&ood=5")])
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900})
    page = context.new_page()
    try:
        page.goto(address)
        _, frame = _app(page)
        frame.locator('[data-pv="class-slider"] input').focus()
        page.keyboard.press("ArrowRight")  # 71: the view the reader has now
        frame.wait_for_function("location.search.includes('class=71')", timeout=10_000)
        link = frame.locator('[data-pv="full-screen"]')
        assert link.is_visible()
        assert link.get_attribute("target") == "_blank"
        link.focus()  # (its address is the view's before any way of opening it: its menu too)
        assert "class=71" in link.get_attribute("href")
        with context.expect_page() as opened:
            link.click()
        full = opened.value
        full.wait_for_load_state()
        assert full.url.startswith(base_url + "index.html?")
        assert "class=71" in full.url and "ood=5" in full.url and "dataset=digits" in full.url
        # On its own, the app has no such link.
        full.wait_for_function(size_gallery.READY, timeout=LOAD_TIMEOUT_MS, polling=200)
        assert not full.locator('[data-pv="full-screen"]').is_visible()
    finally:
        context.close()


def test_without_javascript_the_host_keeps_its_link_and_the_app_says_why(browser, base_url,
                                                                         host):
    address = _host_page(host, "noscript.html", base_url, [_link(base_url, poster="digits")])
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()
    fetched = _fetched(page)
    try:
        page.goto(address)
        link = page.locator("a.pyvizzy-embed")
        assert link.is_visible() and link.get_attribute("href").startswith(base_url)
        assert link.locator("img").is_visible()
        page.wait_for_load_state("load")
        assert base_url + "posters/digits.webp" in fetched  # the poster, whole
        assert page.locator("iframe").count() == 0
        page.goto(base_url + "index.html?dataset=digits")
        said = page.locator(".pyvizzy-noscript")  # (Playwright's text search skips noscript)
        assert said.is_visible() and "needs JavaScript" in said.inner_text()
        assert said.locator("img").is_visible()  # the default dataset's poster
        page.wait_for_load_state("load")
        assert any("/posters/" in url for url in fetched[-3:])
        assert not page.locator("#pyvizzy-progress").is_visible()  # no endless "Loading"
    finally:
        context.close()


def test_the_host_sets_the_apps_state_and_bad_values_are_said(browser, base_url, host):
    address = _host_page(host, "state.html", base_url, [_link(base_url)])
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900})
    page = context.new_page()
    post = ("(message) => document.querySelector('iframe.pyvizzy-embed-frame').contentWindow"
            ".postMessage(message, '*')")
    try:
        page.goto(address)
        _, frame = _app(page)
        page.evaluate(post, {"type": "pyvizzy:set-state", "class": 60, "ood": 10})
        frame.wait_for_function("(s => s.class_percentile === 60 && s.ood_percentile === 10)"
                                "(window.pyvizzy.state())", timeout=30_000)
        frame.locator('[data-pv="class-slider"] input').focus()
        page.keyboard.press("ArrowRight")  # the reader moves on; the same message applies again
        frame.wait_for_function("window.pyvizzy.state().class_percentile === 61")
        page.evaluate(post, {"type": "pyvizzy:set-state", "class": 60, "ood": 10})
        frame.wait_for_function("window.pyvizzy.state().class_percentile === 60")
        page.evaluate(post, {"type": "pyvizzy:set-state", "class": "lots", "ood": 12})
        frame.wait_for_function("window.pyvizzy.state().ood_percentile === 12")
        state = frame.evaluate("window.pyvizzy.state()")
    finally:
        context.close()
    assert state["class_percentile"] == 60  # the bad value changed nothing
    assert any("class=" in notice for notice in state["notices"]), state["notices"]


RECORD_MESSAGES = """<script>
window.received = [];
window.addEventListener("message", (event) => {
  const frames = Array.from(document.querySelectorAll("iframe.pyvizzy-embed-frame"));
  const index = frames.findIndex((frame) => frame.contentWindow === event.source);
  if (event.data && String(event.data.type).startsWith("pyvizzy:")) {
    window.received.push({frame: index, type: event.data.type, state: event.data.state});
  }
});
</script>"""
FULL_STATE_KEYS = {"ids", "given", "pending_given", "pred_probs", "categories"}


def test_the_host_gets_the_summary_and_the_full_state_only_at_the_origin_it_names(
        browser, base_url, host):
    host_origin = host[1].rstrip("/")
    links = [_link(base_url, "?dataset=digits"),
             _link(base_url, f"?dataset=digits&origin={host_origin}"),
             _link(base_url, "?dataset=digits&origin=http://example.com")]
    address = _host_page(host, "messages.html", base_url, links, extra=RECORD_MESSAGES)
    # (tall enough to show all three: a frame out of view draws, and so posts, nothing)
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 2400})
    page = context.new_page()
    try:
        page.goto(address)
        frames = [_app(page, index)[1] for index in range(3)]
        page.wait_for_function("[0, 1].every((i) => window.received.some((m) => m.frame === i"
                               " && m.type === 'pyvizzy:state' && m.state.trained))",
                               timeout=LOAD_TIMEOUT_MS)
        full = frames[0].evaluate("window.pyvizzy.state()")
        page.wait_for_timeout(1000)  # (anything the third frame would post)
        received = page.evaluate("window.received")
    finally:
        context.close()
    by_frame = {index: [m for m in received
                        if m["frame"] == index and m["type"] != "pyvizzy:resize"]
                for index in range(3)}
    summary = by_frame[0][-1]["state"]
    assert [m["type"] for m in by_frame[0]].count("pyvizzy:ready") == 1
    assert by_frame[0][0]["type"] == "pyvizzy:ready" and by_frame[0][0]["state"]["trained"]
    assert not FULL_STATE_KEYS & set(summary), sorted(summary)
    counted = {name: full["categories"].count(name) for name in set(full["categories"])}
    assert summary["counts"] == counted
    assert summary["images"] == len(full["ids"]) and summary["joint"] == full["joint"]
    assert FULL_STATE_KEYS <= set(by_frame[1][-1]["state"])  # the origin named: the full state
    assert by_frame[2] == []  # another origin named: nothing reaches this host


@pytest.mark.parametrize(("frame_ancestors", "framed"), [("*", True), ("'self'", False)])
def test_the_servers_frame_ancestors_decide_which_blogs_may_frame_the_app(
        browser, site_dir, host, frame_ancestors, framed):
    from pyvizzy.site.serve import serve_in_thread

    server, site_url = serve_in_thread(site_dir, frame_ancestors=frame_ancestors)
    context = browser.new_context(viewport={"width": COLUMN + 40, "height": 900})
    page = context.new_page()
    try:
        name = f"policy-{'any' if framed else 'self'}.html"
        page.goto(_host_page(host, name, site_url, [_link(site_url)]))
        handle = page.wait_for_selector("iframe.pyvizzy-embed-frame", timeout=LOAD_TIMEOUT_MS)
        frame = handle.content_frame()
        frame.wait_for_load_state(timeout=LOAD_TIMEOUT_MS)
        assert frame.url.startswith(site_url) is framed, frame.url
    finally:
        context.close()
        server.shutdown()
        server.server_close()
