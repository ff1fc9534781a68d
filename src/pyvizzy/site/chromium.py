"""How the browser tests and benchmarks start headless Chromium (Debian's, not a download)."""

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
