"""How the build, the browser tests and the benchmarks start headless Chromium (Debian's, not
a download)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

#: Debian's Chromium (``apt-get install chromium``); Playwright's own browser download is not used.
CHROMIUM = "/usr/bin/chromium"

#: Headless, and no background traffic: the page under test must be the only thing talking.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Every thumbnail in the window has loaded (lazy images load once laid out in view).
IMAGES_SHOWN = """() => {
    const all = (node, found = []) => {
        found.push(...node.querySelectorAll('img'));
        for (const el of node.querySelectorAll('*')) {
            if (el.shadowRoot) { all(el.shadowRoot, found); }
        }
        return found;
    };
    return all(document).every((img) => {
        const r = img.getBoundingClientRect();
        const inView = r.width > 0 && r.bottom > 0 && r.right > 0 &&
            r.top < innerHeight && r.left < innerWidth;
        return !inView || (img.complete && img.naturalWidth > 0);
    });
}"""


def unavailable() -> str | None:
    """Why this machine cannot drive Chromium (no Chromium, no Playwright), or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Python's playwright is not installed (pip install playwright)"
    return None


def run_in_own_thread(function, *args) -> None:
    """Run ``function(*args)`` in a new thread and re-raise what it raised: Playwright's sync
    API refuses to start in a thread where another one is running (a test session's)."""
    raised: list[BaseException] = []

    def run():
        try:
            function(*args)
        except BaseException as error:  # handed to the caller below
            raised.append(error)

    thread = threading.Thread(target=run, name="pyvizzy-chromium")
    thread.start()
    thread.join()
    if raised:
        raise raised[0]
