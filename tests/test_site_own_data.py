"""A reader's own data in the built site (Pyodide in headless Chromium, nothing but 127.0.0.1):
the dataset ``pyvizzy embed`` made from generated photos and ``pyvizzy build --dataset``
published (conftest's site, key ``mine``), opened by its key and by its address; a
self-contained dataset file and a 2,000-item, 10-class table opened with the file picker,
trained in the browser with no request leaving the page."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import OWN_DATASET_KEY
from photo_set import embed_photos, make_photo_folder
from test_site_browser import (
    assert_agrees_with_categorize,
    open_page,
    wait_for_state,
    wait_until_trained,
)

from pyvizzy.app.synthetic import synthetic_table
from pyvizzy.crossval import out_of_sample_pred_probs

pytestmark = pytest.mark.browser

#: Seconds a 2,000 x 10 table may take from the picker to the trained page (the issue's
#: bound; it takes about 3 s on the development machine).
LARGE_TABLE_SECONDS = 10
IMAGES_DRAWN = """(prefix) => {
  const found = []
  const walk = (node) => {
    for (const img of node.querySelectorAll('img')) { found.push(img) }
    for (const el of node.querySelectorAll('*')) { if (el.shadowRoot) { walk(el.shadowRoot) } }
  }
  walk(document)
  // (some, loaded; none broken: an image out of view may wait, being lazy)
  const ours = found.filter((img) => img.getAttribute('src').startsWith(prefix))
  const loaded = ours.filter((img) => img.complete && img.naturalWidth > 0)
  const broken = ours.filter((img) => img.complete && img.naturalWidth === 0)
  return loaded.length >= 10 && broken.length === 0
}"""


def test_the_published_dataset_opens_by_its_key_with_its_photos(browser, base_url):
    page, recorder = open_page(browser, base_url, f"index.html?dataset={OWN_DATASET_KEY}")
    state = wait_until_trained(page)
    assert state["dataset"] == OWN_DATASET_KEY and len(state["ids"]) == 90
    assert_agrees_with_categorize(state)
    page.wait_for_function(IMAGES_DRAWN, arg=f"datasets/{OWN_DATASET_KEY}/", timeout=30_000)
    assert recorder.foreign() == [] and recorder.page_errors == []
    page.context.close()


def test_the_published_dataset_opens_by_its_address(browser, base_url):
    address = f"datasets/{OWN_DATASET_KEY}/dataset.json"
    page, recorder = open_page(browser, base_url, f"index.html?dataset={address}")
    state = wait_until_trained(page)
    assert state["dataset"] == address and state["error"] is None
    assert_agrees_with_categorize(state)
    page.wait_for_function(IMAGES_DRAWN, arg=f"datasets/{OWN_DATASET_KEY}/", timeout=30_000)
    assert recorder.foreign() == [] and recorder.page_errors == []
    page.context.close()


def _open_file(page, path, timeout_ms=120_000) -> dict:
    page.locator('[data-pv="open-dataset"]').set_input_files(str(path))
    return wait_for_state(page, f"s.dataset === 'file:{path.name}' && s.trained", timeout_ms)


def test_files_opened_with_the_picker_are_trained_in_the_page_and_never_sent(
    browser, base_url, tmp_path
):
    page, recorder = open_page(browser, base_url)
    wait_until_trained(page)
    page.evaluate("""() => {
        window.busyTexts = []
        new MutationObserver(() => {
            const text = document.querySelector('#pv-busy .pv-busy-text')
            if (text) { window.busyTexts.push(text.textContent) }
        }).observe(document.body, {subtree: true, childList: true, characterData: true})
    }""")
    requests_before = len(recorder.requests)
    # A self-contained dataset file: its photos inside it, as data: URIs.
    photos = make_photo_folder(tmp_path / "photos", per_class=10)
    inline = embed_photos(photos, tmp_path / "inline.json", "--inline-thumbnails")
    state = _open_file(page, inline)
    assert len(state["ids"]) == 30 and state["from_file"]
    assert_agrees_with_categorize(state)
    page.wait_for_function(IMAGES_DRAWN, arg="data:image/", timeout=30_000)
    # A table of 2,000 items in 10 classes, trained here as CPython trains it.
    table = tmp_path / "large.csv"
    table.write_text(synthetic_table(2000, 10), encoding="utf-8")
    started = page.evaluate("performance.now()")
    page.locator('[data-pv="open-dataset"]').set_input_files(str(table))
    # A slider moved while it trains (by keyboard: the busy card covers the page) applies
    # once the training ends.
    page.wait_for_function("document.documentElement.classList.contains('pv-busy')")
    page.locator('[data-pv="class-slider"] input').focus()
    page.keyboard.press("ArrowRight")
    state = wait_for_state(page, "s.dataset === 'file:large.csv' && s.trained && "
                                 "s.class_percentile === 51", 120_000)
    seconds = (page.evaluate("performance.now()") - started) / 1000
    assert len(state["ids"]) == 2000 and len(state["class_names"]) == 10
    assert seconds <= LARGE_TABLE_SECONDS, f"{seconds:.1f} s from the picker to trained"
    given = np.asarray(state["given"])
    from pyvizzy.dataset_csv import loads_csv_dataset

    dataset = loads_csv_dataset(table.read_text(encoding="utf-8"), table.name)
    np.testing.assert_array_equal(given, dataset.given)
    expected = out_of_sample_pred_probs(dataset.embeddings, dataset.given, n_folds=5, seed=0)
    np.testing.assert_allclose(np.asarray(state["pred_probs"]), expected, atol=1e-6)
    assert_agrees_with_categorize(state)
    assert any("Fold 5 of 5" in text for text in page.evaluate("window.busyTexts"))
    # Nothing was sent anywhere: no request at all while the files were opened (the
    # thumbnails are in the file; the standard library's archive is fetched once the app is
    # live, whatever it does), and the switcher offers both for this visit.
    made = [url for url in recorder.requests[requests_before:]
            if not url.endswith("/pyodide/python_stdlib.zip")]
    assert made == [], made
    options = page.locator('[data-pv="dataset"] option').all_inner_texts()
    assert "large (your file)" in options and any(o.endswith("(your file)") for o in options)
    assert recorder.page_errors == []
    page.context.close()


def test_a_host_page_is_told_nothing_of_a_file_the_reader_opened(browser, base_url, host,
                                                                 tmp_path):
    folder, host_url = host
    (folder / "blog.html").write_text("<!DOCTYPE html><html><body></body></html>")
    page = browser.new_page()
    page.goto(host_url + "blog.html")
    frame_url = f"{base_url}index.html?origin=null"
    page.evaluate("""(url) => {
        window.told = []
        window.addEventListener('message', (event) => window.told.push(event.data))
        const frame = document.createElement('iframe')
        frame.src = url
        frame.style.width = '900px'
        frame.style.height = '700px'
        document.body.append(frame)
    }""", frame_url)
    page.wait_for_function("window.told.some((m) => m.type === 'pyvizzy:ready')",
                           timeout=120_000)
    frame = page.frames[1]
    # A refused file: the page names it, the host hears a plain sentence.
    refused = tmp_path / "secret-diary.csv"
    refused.write_text("id,given,e0\nentry-1,cat,oops\n", encoding="utf-8")
    frame.locator('[data-pv="open-dataset"]').set_input_files(str(refused))
    page.wait_for_function("window.told.some((m) => m.state && m.state.error)", timeout=60_000)
    assert "secret-diary" in frame.locator(".pv-note.pv-err").inner_text()
    # An opened file: the host hears that one is open, and nothing of it.
    table = tmp_path / "private.csv"
    table.write_text(synthetic_table(60, 3, dims=8), encoding="utf-8")
    frame.locator('[data-pv="open-dataset"]').set_input_files(str(table))
    page.wait_for_function("window.told.some((m) => m.state && m.state.from_file)",
                           timeout=60_000)
    page.wait_for_timeout(500)
    told = json.dumps(page.evaluate("window.told"))
    assert "private" not in told and "class00" not in told and '"i1"' not in told
    assert "secret-diary" not in told and "entry-1" not in told and "oops" not in told
    assert "A file the reader chose could not be opened." in told
    page.close()
