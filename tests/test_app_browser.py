"""The app in headless Chromium against ``panel serve`` on 127.0.0.1.

Starts the server on a free port with a temporary datasets folder (a synthetic catalog),
then drives the page: sliders moved with the keyboard agree with ``categorize()``
recomputed here, the page never scrolls, the address and the parent frame follow the
state, and screenshots of both themes go to ``tests/artifacts/`` (look at them).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from snapshot_check import categorize_state

from pyvizzy.app.synthetic import synthetic_table, write_synthetic_catalog
from pyvizzy.site.chromium import CHROMIUM
from pyvizzy.site.resources import app_script_file

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
READY = "() => { const s = window.pyvizzy && window.pyvizzy.state(); return !!(s && s.trained) }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_http(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"panel serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


def _add_committed_digits(datasets: Path) -> None:
    """Make the committed digits asset (real thumbnails) the default dataset, if present."""
    asset = REPO / "src" / "pyvizzy" / "pipeline" / "bundled" / "digits"
    if not (asset / "dataset.json").is_file():
        return
    shutil.copytree(asset, datasets / "digits")
    index = json.loads((datasets / "index.json").read_text())
    index["datasets"].insert(
        0, {"key": "digits", "name": "Handwritten digits 3/5/8", "path": "digits/dataset.json"}
    )
    index["default"] = "digits"
    (datasets / "index.json").write_text(json.dumps(index))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps)")
    pytest.importorskip("playwright.sync_api")
    datasets = write_synthetic_catalog(
        tmp_path_factory.mktemp("datasets"), keys=("synthetic", "second")
    )
    _add_committed_digits(datasets)
    port = _free_port()
    log = (tmp_path_factory.mktemp("server") / "panel.log").open("w")
    command = [
        sys.executable, "-m", "panel", "serve", str(app_script_file()),
        "--address", "127.0.0.1", "--port", str(port),
        "--allow-websocket-origin", f"127.0.0.1:{port}",
        "--static-dirs", f"datasets={datasets}",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env={**os.environ, "PYVIZZY_DATASETS": str(datasets)}, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/main", process)
        yield f"http://127.0.0.1:{port}/main"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _open(browser, url, width=1440, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_function(READY, timeout=60_000)
    return page, errors


def _state(page) -> dict:
    return page.evaluate("window.pyvizzy.state()")


def _assert_agrees_with_categorize(state: dict) -> None:
    expected = categorize_state(state)
    assert state["categories"] == expected.categories.tolist()
    assert state["joint"] == expected.joint.tolist()
    np.testing.assert_allclose(state["class_thresholds"], expected.class_thresholds)
    np.testing.assert_allclose(state["ood_thresholds"], expected.ood_thresholds)


_SHOWN_JS = """() => {
  const all = (node, selector, found = []) => {
    found.push(...node.querySelectorAll(selector))
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) { all(el.shadowRoot, selector, found) }
    }
    return found
  }
  const ids = (el) => [...el.querySelectorAll('[data-pv-tile]')].map((t) => t.dataset.pvTile)
  // A cell shows the tiles that fit; its "+N" button, when shown, holds every row.
  const cells = {}
  for (const cell of all(document, '.pv-cell')) {
    const more = cell.querySelector('.pv-more')
    const root = cell.getRootNode()
    const listed = more && !more.hidden ? more.dataset.rows.split(',').map(
      (row) => root.querySelector('[data-pv-key="' + row + '"]').dataset.pvTile) : null
    cells[cell.dataset.given + ',' + cell.dataset.suggested] = {
      shown: ids(cell), ids: listed || ids(cell),
      more: more && !more.hidden ? Number(more.textContent.slice(1)) : 0,
      count: Number(cell.querySelector('.cnt').textContent)}
  }
  const sections = {}
  for (const section of all(document, '.pv-sec[data-category]')) {
    sections[section.dataset.category] = {
      ids: ids(section), count: Number(section.querySelector('.n').textContent)}
  }
  const marks = all(document, '.pv-plot').map((plot) => ({
    cls: plot.querySelector('.val.cls').textContent,
    ood: plot.querySelector('.val.ood').textContent,
    left: plot.querySelector('.mark.cls').style.left}))
  const card = all(document, '.pv-ex')[0]
  const explained = card ? {
    id: card.querySelector('[data-pv-tile]').dataset.pvTile,
    category: all(document, '.pv-cat')[0].className,
    lines: [...all(document, '.pv-pbars .mk.cls')].map((line) => line.title),
    why: all(document, '.pv-why')[0].textContent} : null
  return {cells, sections, marks, explained}
}"""


def _assert_views_show(page, state: dict) -> None:
    """The joint's cells and the result lists on the page hold exactly the right images."""
    expected = categorize_state(state)
    ids = np.array(state["ids"])
    given = np.array(state["given"])
    want_cells = {
        f"{i},{j}": ids[(given == i) & (expected.suggested == j)].tolist()
        for i in range(len(state["class_names"]))
        for j in range(len(state["class_names"]))
    }
    want_sections = {
        category: sorted(ids[expected.categories == category].tolist())
        for category in ("label_issue", "ood", "unconfident")
    }
    shown = None
    for _ in range(50):  # the page lays the views out as the state arrives; allow a frame
        shown = page.evaluate(_SHOWN_JS)
        cells = {key: cell["ids"] for key, cell in shown["cells"].items()}
        sections = {key: sorted(sec["ids"]) for key, sec in shown["sections"].items()}
        marks = [mark["cls"] for mark in shown["marks"]]
        want_marks = [f"{value:.3f}" for value in expected.class_thresholds]
        card = shown["explained"]
        lines = card["lines"] if card else None
        want_lines = [f"class threshold {value:.3f}" for value in expected.class_thresholds]
        if (cells, sections, marks, lines) == (want_cells, want_sections, want_marks, want_lines):
            break
        time.sleep(0.1)
    assert {key: cell["ids"] for key, cell in shown["cells"].items()} == want_cells
    assert {key: cell["count"] for key, cell in shown["cells"].items()} == {
        key: len(value) for key, value in want_cells.items()
    }
    # A cell shows the first of its items, and "+N" counts exactly the rest.
    for key, cell in shown["cells"].items():
        assert cell["shown"] == want_cells[key][: len(cell["shown"])], key
        assert len(cell["shown"]) + cell["more"] == len(want_cells[key]), key
    assert {key: sorted(sec["ids"]) for key, sec in shown["sections"].items()} == want_sections
    assert {key: sec["count"] for key, sec in shown["sections"].items()} == {
        key: len(value) for key, value in want_sections.items()
    }
    # The histograms' threshold lines carry the current thresholds.
    assert [mark["cls"] for mark in shown["marks"]] == [
        f"{value:.3f}" for value in expected.class_thresholds
    ]
    assert [mark["ood"] for mark in shown["marks"]] == [
        f"{value:.3f}" for value in expected.ood_thresholds
    ]
    assert [mark["left"] for mark in shown["marks"]] == [
        f"{min(max(value, 0.0), 1.0) * 100:.2f}%" for value in expected.class_thresholds
    ]
    # The selected image's card: its category and the class threshold lines of now.
    explained = shown["explained"]
    assert explained is not None and explained["id"] == state["selected"]
    row = state["ids"].index(state["selected"])
    assert explained["category"] == f"pv-cat {expected.categories[row]}"
    assert explained["lines"] == [
        f"class threshold {value:.3f}" for value in expected.class_thresholds
    ]
    assert f"{expected.class_thresholds[int(np.argmax(state['pred_probs'][row]))]:.3f}" in (
        explained["why"]
    )


def _wait_for(page, condition: str) -> dict:
    page.wait_for_function(
        f"() => {{ const s = window.pyvizzy.state(); return !!(s && ({condition})) }}",
        timeout=20_000,
    )
    return _state(page)


def test_sliders_moved_with_the_keyboard_agree_with_categorize(browser, server):
    page, errors = _open(browser, server)
    start = _state(page)
    assert start["class_percentile"] == 50 and start["ood_percentile"] == 15
    _assert_agrees_with_categorize(start)
    _assert_views_show(page, start)
    train_seconds = start["train_seconds"]

    page.locator('[data-pv="class-slider"] input').focus()
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    moved = _wait_for(page, "s.class_percentile === 57")
    _assert_agrees_with_categorize(moved)
    _assert_views_show(page, moved)

    page.locator('[data-pv="ood-slider"] input').focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    moved = _wait_for(page, "s.ood_percentile === 11 && s.class_percentile === 57")
    _assert_agrees_with_categorize(moved)
    _assert_views_show(page, moved)
    assert moved["categories"] != start["categories"] or moved["joint"] != start["joint"]
    assert moved["train_seconds"] == train_seconds  # a slider never retrains

    page.wait_for_function(
        "location.search.includes('class=57') && location.search.includes('ood=11')"
    )

    page.get_by_role("button", name="Per-class mean").click()
    mean = _wait_for(page, "s.threshold_mode === 'mean'")
    _assert_agrees_with_categorize(mean)
    _assert_views_show(page, mean)
    page.get_by_role("button", name="Label quality ↑").click()
    first_row = page.locator(".pv-prow").first
    page.wait_for_function("location.search.includes('mode=mean')")
    worst = int(np.argmin([p[g] for p, g in zip(mean["pred_probs"], mean["given"], strict=True)]))
    first_row.and_(page.locator(f'[data-pv-tile="{mean["ids"][worst]}"]')).wait_for(timeout=10_000)
    assert errors == []
    page.close()


def test_no_page_scrolling_at_the_required_sizes(browser, server):
    for width, height in ((1440, 900), (1280, 720), (1100, 760)):
        page, errors = _open(browser, server, width, height)
        overflow = page.evaluate(
            "() => [document.documentElement.scrollWidth - innerWidth,"
            " document.documentElement.scrollHeight - innerHeight]"
        )
        assert overflow == [0, 0], f"page scrolls at {width}x{height}: {overflow}"
        assert errors == []
        page.close()


def test_the_address_sets_the_view_and_bad_values_show_a_notice(browser, server):
    page, _errors = _open(browser, f"{server}?dataset=second&class=70&ood=banana&mode=mean")
    state = _state(page)
    assert state["dataset"] == "second"
    assert (state["class_percentile"], state["ood_percentile"]) == (70, 15)
    assert state["threshold_mode"] == "mean"
    _assert_agrees_with_categorize(state)
    assert any("ood='banana'" in notice for notice in state["notices"])
    assert page.get_by_text("Ignored ood='banana'", exact=False).first.is_visible()
    page.close()


def test_clicking_a_thumbnail_selects_it_everywhere(browser, server):
    page, _errors = _open(browser, server)
    tile = page.locator(".pv-cell.diag .th").first
    item_id = tile.get_attribute("data-pv-tile")
    tile.click()
    state = _wait_for(page, f"s.selected === {item_id!r}")
    assert state["selected"] == item_id
    page.wait_for_function(f"location.search.includes('select={item_id}')")
    assert page.locator(f'.pv-ex .th[data-pv-tile="{item_id}"]').count() == 1  # the explainer
    # The long lists mark the selection in the page (they are not rebuilt for it).
    page.locator(f'.pv-grid .th.sel[data-pv-tile="{item_id}"]').wait_for(timeout=10_000)
    assert page.locator(f'.pv-prow.sel[data-pv-tile="{item_id}"]').count() == 1
    assert page.locator(".pv-grid .th.sel").count() == 1
    page.close()


def test_inside_an_iframe_the_page_posts_its_state_to_the_parent(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 820})
    page.goto(server.rsplit("/", 1)[0] + "/datasets/index.json")  # a same-origin blank-ish page
    page.evaluate(
        """(src) => {
            window.received = []
            window.addEventListener('message', (event) => window.received.push(event.data))
            document.body.innerHTML = ''
            const frame = document.createElement('iframe')
            frame.src = src
            frame.style = 'width:1100px;height:760px;border:0'
            document.body.appendChild(frame)
        }""",
        f"{server}?class=30&origin=" + server.split("/")[0] + "//" + server.split("/")[2],
    )
    page.wait_for_function(
        "window.received.some(m => m.type === 'pyvizzy:state' && m.state.trained"
        " && m.state.class_percentile === 30)",
        timeout=60_000,
    )
    message = page.evaluate("window.received.filter(m => m.type === 'pyvizzy:state').at(-1)")
    _assert_agrees_with_categorize(message["state"])
    frame = page.frames[1]
    overflow = frame.evaluate(
        "() => [document.documentElement.scrollWidth - innerWidth,"
        " document.documentElement.scrollHeight - innerHeight]"
    )
    assert overflow == [0, 0]
    page.close()


def test_screenshots_of_both_themes(browser, server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page, errors = _open(browser, server)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "app-light-1440x900.png"))
    page.get_by_role("button", name="Theme").click()
    page.wait_for_function("document.documentElement.dataset.pvTheme === 'dark'")
    page.wait_for_function("location.search.includes('theme=dark')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "app-dark-1440x900.png"))
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 19, 32)"
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "app-dark-1280x720.png"))
    assert errors == []
    page.close()


def test_relabel_and_train_in_the_page_retrains_with_a_busy_overlay(browser, server):
    page, errors = _open(browser, server)
    before = _state(page)
    row = before["ids"].index(before["selected"])  # the worst label issue is preselected
    given = before["given"][row]
    target = next(k for k in range(len(before["class_names"])) if k != given)
    page.evaluate(
        """() => {
            window.busySeen = false
            new MutationObserver(() => {
                const root = document.documentElement
                if (root.classList.contains('pv-busy')) { window.busySeen = true }
            }).observe(document.documentElement, {attributes: true})
        }"""
    )
    page.locator(".pv-panel-dataset select").select_option(before["class_names"][target])
    pending = _wait_for(page, f"s.pending_given[{row}] === {target}")
    assert pending["given"][row] == given  # not applied before training
    page.get_by_role("button", name="Train").click()
    after = _wait_for(page, f"s.given[{row}] === {target}")
    assert page.evaluate("window.busySeen")
    page.wait_for_function("!document.documentElement.classList.contains('pv-busy')")
    assert after["pred_probs"] != before["pred_probs"]
    _assert_agrees_with_categorize(after)
    assert errors == []
    page.close()


_DEEP_ACTIVE_JS = """() => {
  let active = document.activeElement
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement
  }
  return active ? (active.dataset.pv || active.dataset.go || active.tagName) : null
}"""


def test_the_guide_walks_through_the_panels_and_gives_the_focus_back(browser, server):
    page, _errors = _open(browser, server)
    page.get_by_role("button", name="Guide").focus()
    page.keyboard.press("Enter")
    guide = page.locator("#pv-guide")
    page.wait_for_function("document.getElementById('pv-guide').classList.contains('pv-open')")
    assert guide.get_by_role("dialog").get_attribute("aria-labelledby") == "pv-guide-title"
    assert page.evaluate(_DEEP_ACTIVE_JS) == "next"  # the dialog takes the focus
    page.keyboard.press("Tab")  # Tab stays in the dialog: Next, then back to Close
    assert page.evaluate(_DEEP_ACTIVE_JS) == "close"
    page.keyboard.press("Shift+Tab")
    titles = []
    for _ in range(8):
        titles.append(guide.locator("h2").inner_text())
        assert page.evaluate(_DEEP_ACTIVE_JS) == "next"
        page.keyboard.press("Enter")
    assert [title.split(".")[0] for title in titles] == [str(n) for n in range(1, 9)]
    assert "pv-open" not in guide.get_attribute("class")
    assert page.evaluate(_DEEP_ACTIVE_JS) == "guide"  # back where it was
    page.close()


def test_the_dataset_switcher_loads_and_trains_another_dataset(browser, server):
    page, errors = _open(browser, server)
    before = _state(page)
    switcher = page.locator('[data-pv="dataset"]')
    target = "second" if before["dataset"] != "second" else "synthetic"
    label = "Synthetic shapes <test> 2" if target == "second" else "Synthetic shapes <test>"
    switcher.select_option(label=label)
    after = _wait_for(page, f"s.dataset === {target!r} && s.trained")
    assert after["ids"] != before["ids"]
    _assert_agrees_with_categorize(after)
    page.wait_for_function(f"location.search.includes('dataset={target}')")
    assert errors == []
    page.close()


def test_a_table_opened_in_the_page_is_trained_there_and_joins_the_switcher(
    browser, server, tmp_path
):
    page, errors = _open(browser, server)
    table = tmp_path / "my-table.csv"
    table.write_text(synthetic_table(60, 4, dims=8))
    page.locator('[data-pv="open-dataset"]').set_input_files(str(table))
    after = _wait_for(page, "s.dataset === 'file:my-table.csv' && s.trained")
    assert len(after["ids"]) == 60 and after["from_file"]
    _assert_agrees_with_categorize(after)
    assert "my-table (your file)" in page.locator('[data-pv="dataset"]').inner_text()
    page.wait_for_function("!location.search.includes('dataset=')")
    # A bad file is refused, named with its line and column; the table stays on screen.
    bad = tmp_path / "bad.csv"
    text = synthetic_table(60, 4, dims=8)
    bad.write_text(text.replace(",class03,class03,", ",class03,class03,x", 1))
    page.locator('[data-pv="open-dataset"]').set_input_files(str(bad))
    refused = _wait_for(page, "s.error !== null")
    assert "Could not open 'bad.csv'" in refused["error"] and "column 'e0'" in refused["error"]
    assert refused["dataset"] == "file:my-table.csv" and refused["ids"] == after["ids"]
    assert "column 'e0'" in page.locator(".pv-note.pv-err").inner_text()
    assert errors == []
    page.close()


def test_a_file_dropped_on_the_window_opens_and_the_export_holds_the_relabels(
    browser, server
):
    page, errors = _open(browser, server)
    page.evaluate(
        """(text) => {
            const transfer = new DataTransfer()
            transfer.items.add(new File([text], 'dropped.csv', {type: 'text/csv'}))
            const drop = new DragEvent('drop', {dataTransfer: transfer, cancelable: true})
            window.dispatchEvent(drop)
        }""",
        synthetic_table(36, 3, dims=8, seed=1),
    )
    state = _wait_for(page, "s.dataset === 'file:dropped.csv' && s.trained")
    names = state["class_names"]
    relabelled = {}
    for row in (0, 5):
        page.locator(f'.pv-panel-dataset [data-pv-tile="{state["ids"][row]}"]').first.click()
        page.wait_for_function(f"window.pyvizzy.state().selected === {state['ids'][row]!r}")
        target = (state["given"][row] + 1) % len(names)
        page.locator(".pv-panel-dataset select").select_option(names[target])
        _wait_for(page, f"s.pending_given[{row}] === {target}")
        relabelled[state["ids"][row]] = names[target]
    with page.expect_download() as download_info:
        page.locator('[data-pv="export"]').click()
    download = download_info.value
    assert download.suggested_filename == "dropped-labels.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert [row["id"] for row in rows] == state["ids"]
    assert {row["id"]: row["relabelled"] for row in rows if row["relabelled"]} == relabelled
    current = _state(page)
    assert [row["category"] for row in rows] == current["categories"]
    assert errors == []
    page.close()
