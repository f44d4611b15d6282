"""What every real-browser test shares: one way to open Debian's Chromium on
the live server, one way to log in, one way to wait for a page to be ready.

A page is ready only after its `load` event: htmx and app.js sit at the end
of <body>, so a test that acts as soon as the URL changes can change a field
before htmx is listening and the request it expects never comes. On a busy
CI machine that race is lost often enough to fail a run, so every helper
here that lands on a page waits for `load` (and for htmx to go quiet).
"""

import os
import re
import unicodedata
from contextlib import contextmanager

import pytest

from tongxin.conftest import PASSWORD

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

CHROMIUM = os.environ.get("TONGXIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}


@contextmanager
def chromium_page(live_server, *, init_script: str | None = None):
    """A fresh Chromium page at 1366×768 on the live server: yields (page, problems).

    `problems` collects console errors (Content-Security-Policy reports too),
    uncaught exceptions and HTTP errors. `init_script` runs in every document
    before the page's own scripts.
    Keep ORM calls outside this block: between its calls Playwright's sync API
    marks an event loop as running in this thread, so Django refuses them
    (SynchronousOnlyOperation). DJANGO_ALLOW_ASYNC_UNSAFE would silence that
    but not fix it: asgiref then hands out a second connection instead of the
    test's own, and serialized rollback stops restoring the seeded dictionaries
    for the next test.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set TONGXIN_CHROMIUM")
    problems: list[str] = []

    def on_console(message):
        reported = message.type == "error" or "Content Security Policy" in message.text
        if reported and not _is_favicon(message.location.get("url", "")):
            problems.append(
                f"console {message.type}: {message.text} ({message.location.get('url')})"
            )

    def on_response(response):
        if response.status >= 400 and not _is_favicon(response.url):
            problems.append(f"HTTP {response.status} {response.url}")

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                viewport=VIEWPORT, base_url=live_server.url, locale="zh-CN"
            )
            if init_script:
                context.add_init_script(init_script)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
            page.on("response", on_response)
            yield page, problems
        finally:
            browser.close()


def _is_favicon(url: str) -> bool:
    # Chromium asks every site for /favicon.ico; the app has none (yet).
    return url.endswith("/favicon.ico")


def settle(page) -> None:
    """Wait until the page has loaded its scripts and no htmx request is running."""
    page.wait_for_load_state("load")
    expect(page.locator(".htmx-request")).to_have_count(0)


def submit_login(page, username: str) -> None:
    """Fill the login form on the current page with the test password and send it."""
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()


def log_in(page, username: str, landing: str = "/persons/") -> None:
    """Open `landing`, get sent to the login page, log in, and wait until
    `landing` is back and ready (scripts loaded, htmx quiet)."""
    page.goto(landing)
    expect(page).to_have_url(re.compile(r"/login/\?next=" + re.escape(landing) + "$"))
    submit_login(page, username)
    expect(page).to_have_url(re.compile(re.escape(landing) + "$"))
    expect(page.locator(".tx-user")).to_be_visible()
    settle(page)


# The CJK font's ToUnicode map names some characters by their radical twins
# (⼈ U+2F08 for 人, ⺠ U+2EA0 for 民): read them as the characters they print.
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)} | {
    ord(radical): char
    for radical, char in zip(
        "⺟⺠⻄⻅⻆⻋⻓⻔⻘⻚⻛⻜⻝⻢", "母民西见角车长门青页风飞食马", strict=True
    )
}


def print_to_pdf(page) -> list[dict]:
    """The page as Chromium prints it on A4, CSS @page rules honoured: per
    sheet, {"text": its text, "sizes": the font sizes its text is set in, in
    points}. `beforeprint` listeners (charts sizing themselves for paper) run
    first, as they do before the print dialog."""
    import io

    from pypdf import PdfReader

    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    sheets = []
    for sheet in PdfReader(io.BytesIO(data)).pages:
        sizes: list[float] = []

        def visit(text, cm, tm, font, size, sizes=sizes):
            if text.strip():
                # The size set by Tf, scaled by the text and transformation matrices.
                scale = (abs(tm[0] * tm[3] - tm[1] * tm[2]) ** 0.5) * (
                    abs(cm[0] * cm[3] - cm[1] * cm[2]) ** 0.5
                )
                sizes.append(round(size * scale, 1))

        text = sheet.extract_text(visitor_text=visit).translate(_RADICALS)
        sheets.append({"text": text, "sizes": sizes})
    return sheets
