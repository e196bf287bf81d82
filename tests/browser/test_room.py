"""A whole sharing circle in real browsers: three people's pages in Debian's Chromium.

Join, consent, shares and passes in seat order, a refused second share shown to
the member, a time warning on every page, a safety pause, and a server restart in
the middle of the session, after which every page reconnects and goes on. No page
loads anything from another host; a phone-sized page has no sideways scrolling;
the facilitator joins with the keyboard alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import peersupport as ps
import peersupport.web
from web_server import SECRET, free_port, press, room_server, shows

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PEOPLE = {"dee": "Dee", "al": "Al", "bo": "Bo"}
#: The sharing phase uses the agreement's limits: a warning 2 s into a share.
AGREEMENT = ps.Agreement(share_limit=6.0, warn_at=2.0)
PHONE = {"width": 375, "height": 667}


def group() -> ps.Group:
    """Dee facilitates; Al and Bo are members (seat order: Al, Bo, then Dee)."""
    roles = {ps.Member("dee", "Dee"): ps.Role.FACILITATOR}
    roles |= {ps.Member(m, PEOPLE[m]): ps.Role.MEMBER for m in ("al", "bo")}
    return ps.Group("Browser circle", roles, agreement=AGREEMENT)


@pytest.fixture
def store(tmp_path) -> Iterator[ps.store.Store]:
    """An SQLite store with the group and one sharing circle, 's1'."""
    with ps.store.SqliteStore(tmp_path / "room.db") as opened:
        opened.save_group("g", group())
        ps.live.LiveSession.start(opened, "s1", "g", ps.formats.get("sharing-circle"))
        yield opened


def emptied(page: Page, selector: str) -> None:
    """Wait until the list ``selector`` on ``page`` has no items."""
    page.wait_for_function("s => document.querySelector(s).childElementCount === 0", arg=selector)


def test_a_whole_circle_in_real_browsers(browser: Browser, store: ps.store.Store) -> None:
    links = ps.web.Links(SECRET)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    elsewhere: list[str] = []
    pages: dict[str, Page] = {}
    with room_server(store, port):
        for member in PEOPLE:
            size = PHONE if member == "bo" else {"width": 1100, "height": 900}
            context = browser.new_context(viewport=size)
            context.on(
                "request",
                lambda r: None if r.url.startswith((origin, "data:")) else elsewhere.append(r.url),
            )
            page = context.new_page()
            page.goto(f"{origin}/s/s1/{links.token('session:s1', member)}")
            shows(page, "#connection", "connected")
            pages[member] = page
        dee, al, bo = pages["dee"], pages["al"], pages["bo"]

        # The facilitator joins with the keyboard alone: Tab to the button, Enter.
        join = dee.get_by_role("button", name="Join the meeting", exact=True)
        for _ in range(30):
            dee.keyboard.press("Tab")
            if join.evaluate("button => button === document.activeElement"):
                break
        dee.keyboard.press("Enter")
        for page in (al, bo):
            press(page, "Join the meeting")
        for page in pages.values():
            press(page, "I agree to the agreement")
        shows(bo, "#present", "Dee")
        press(dee, "Next phase")
        for page in pages.values():
            shows(page, "#phase", "Check-in")
            assert page.locator('.phase.current[data-phase="check_in"]').count() == 1

        # Check-in, in seat order: Al shares, then tries to share again and is told why not.
        shows(al, "#next", "It is your turn.")
        press(al, "Share")
        shows(bo, "#floor", "Al is sharing.")
        press(al, "End my share")
        shows(bo, "#next", "It is your turn.")
        press(al, "Share")
        shows(al, "#message", "al may not start_share")
        assert "bo" in al.locator("#message").text_content()  # the library's own message
        press(bo, "Pass")
        press(dee, "Pass")
        emptied(dee, "#waiting")
        press(dee, "Next phase")

        # Sharing: Al talks past the warning point; every page shows the warning.
        shows(al, "#phase", "Sharing")
        press(al, "Share")
        for page in pages.values():
            page.locator("#warning").wait_for(state="visible", timeout=10_000)
        press(al, "End my share")
        for page in pages.values():
            shows(page, "#floor", "Nobody holds the floor.")

        # A safety pause, then on.
        press(dee, "Pause for a safety break")
        for page in pages.values():
            shows(page, "#floor", "Paused for a safety break.")
        press(dee, "Resume")
        shows(bo, "#floor", "Nobody holds the floor.")

    # The server goes down mid-session; the pages say so and reconnect when it is back.
    for page in pages.values():
        shows(page, "#connection", "reconnecting")
    with ps.store.SqliteStore(store.path) as reopened, room_server(reopened, port):
        for page in pages.values():
            shows(page, "#connection", "connected")
        press(bo, "Share")
        for page in (dee, al):
            shows(page, "#floor", "Bo is sharing.")
        press(bo, "End my share")
        press(dee, "Pass")
        emptied(dee, "#waiting")
        press(dee, "End the meeting")
        for page in pages.values():
            shows(page, "#floor", "The meeting has ended.")
        stored = [e.kind for e in reopened.events("s1")]

    assert elsewhere == []
    assert stored.count(ps.EventKind.TIME_WARNING) == 1
    assert stored[-1] is ps.EventKind.ENDED
    assert bo.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
