"""Fixtures for the browser tests: the built site on a local port, and Chromium.

Playwright drives Debian's Chromium (``/usr/bin/chromium``); it never downloads a
browser (no ``playwright install``). ``python3 dev.py test-browser`` installs the
``browser`` extra, builds the site into ``site/`` and runs these tests. Without
Chromium or the built site they skip saying so; under ``CI=true`` they fail instead.
Playwright is imported inside the fixtures: where it is missing, the root conftest
skips the ``browser``-marked tests before any fixture runs.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Route

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
CHROMIUM = Path("/usr/bin/chromium")
#: Headless Chromium as root in a container, with its own background traffic off.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: mkdocs-material draws each diagram into a closed shadow root, which no script can
#: read; in these tests every shadow root is opened, so the drawn ``<svg>`` can be seen.
OPEN_SHADOW_ROOTS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
    return attachShadow.call(this, { ...init, mode: "open" });
};
"""
#: URL schemes that fetch nothing from any host.
LOCAL_SCHEMES = ("data", "blob", "about")


def unavailable(reason: str) -> None:
    """Skip the test, or fail it under ``CI=true``, where the browser tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run, not skip)")
    pytest.skip(reason)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """The built ``site/`` served on a free localhost port; its base URL."""
    if not (SITE / "index.html").is_file():
        unavailable(f"{SITE}/ is not built (python3 dev.py test-browser builds it, then runs this)")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/"
        server.shutdown()
        thread.join()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright.

    One per test: Playwright's synchronous API keeps an event loop running in the
    thread while it is open, and other tests on the same worker use ``asyncio.run``.
    """
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


@dataclass
class Visit:
    """A page in a fresh browser context, and every request made while it was open."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)

    def elsewhere(self) -> list[str]:
        """The requests that went to any origin other than the local server."""
        return [url for url in self.requests if not is_local(url, self.origin)]


def is_local(url: str, origin: str) -> bool:
    """Whether ``url`` is on ``origin``, or fetches nothing from any host (``data:``)."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or f"{parts.scheme}://{parts.netloc}" == origin


def block_elsewhere(route: Route, request: Request, origin: str) -> None:
    """Let a request to the local server through; abort any other."""
    if is_local(request.url, origin):
        route.continue_()
    else:
        route.abort("blockedbyclient")


@pytest.fixture
def visit(browser: Browser, site_url: str) -> Iterator[Callable[[str], Visit]]:
    """Open a page of the site; every request is recorded, and any to another host blocked.

    Blocking makes the test hermetic: a diagram that needs a third-party script is not
    drawn, even on a machine that could reach it (and the request is still recorded).
    """
    origin = site_url.rstrip("/")
    contexts = []

    def open_page(path: str) -> Visit:
        context = browser.new_context()
        contexts.append(context)
        context.add_init_script(OPEN_SHADOW_ROOTS)
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        context.route("**/*", lambda route, request: block_elsewhere(route, request, origin))
        opened = Visit(page=context.new_page(), origin=origin, requests=requests)
        opened.page.goto(site_url + path, wait_until="networkidle")
        return opened

    yield open_page
    for context in contexts:
        context.close()
