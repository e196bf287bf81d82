"""The meeting's time, reason codes and a referral in real browsers (Debian's Chromium).

A sharing circle four minutes before its scheduled end: both pages show the time
left and the time-to-close notice, the facilitator's also how far behind the
phases to come are. The facilitator pauses with the reason "A break" (both pages
show the pause), resumes, records a referral of Al (shown on the facilitator's
page only) and ends the meeting for safety; the codes are what is stored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import peersupport as ps
from peersupport.web import Links
from web_server import SECRET, free_port, press, room_server, shows

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PEOPLE = {"dee": "Dee", "al": "Al"}


def group() -> ps.Group:
    """Dee facilitates; Al is a member."""
    roles = {ps.Member("dee", "Dee"): ps.Role.FACILITATOR, ps.Member("al", "Al"): ps.Role.MEMBER}
    return ps.Group("Scheduled circle", roles)


@pytest.fixture
def store(tmp_path) -> Iterator[ps.store.Store]:
    """'s1': a sharing circle ending in 4 minutes (inside the 5-minute notice), in check-in."""
    session = ps.Session(
        group(), ps.formats.get("sharing-circle"), clock=ps.SystemClock(), ends_at=time.time() + 240
    )
    for member in PEOPLE:
        session.arrive(member)
        session.consent(member)
    session.advance(by="dee")
    with ps.store.SqliteStore(tmp_path / "room.db") as opened:
        opened.save_group("g", group())
        opened.start_session("s1", "g", session.events)
        yield opened


def visible(page: Page, selector: str) -> bool:
    return page.locator(selector).is_visible()


def test_time_reasons_and_a_referral_in_real_browsers(
    browser: Browser, store: ps.store.Store
) -> None:
    links = Links(SECRET)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    pages: dict[str, Page] = {}
    with room_server(store, port):
        for member in PEOPLE:
            page = browser.new_context().new_page()
            page.goto(f"{origin}/s/s1/{links.token('session:s1', member)}")
            shows(page, "#connection", "connected")
            pages[member] = page
        dee, al = pages["dee"], pages["al"]

        # The time left (under four minutes), and the notice that it is time to close.
        for page in pages.values():
            page.locator("#schedule").wait_for(state="visible")
            assert re.fullmatch(r"[0-3]:[0-5]\d", page.locator("#meeting-left").text_content())
            page.locator("#closing").wait_for(state="visible", timeout=10_000)
            assert not visible(page, "#overran")
        assert visible(dee, "#behind-wrap")  # 80 minutes planned, 4 left: far behind
        assert not visible(al, "#behind-wrap")  # for facilitators only

        # A pause for a break, then on.
        dee.get_by_label("Reason", exact=True).select_option("break")
        press(dee, "Pause for a safety break")
        for page in pages.values():
            shows(page, "#status", "paused")
            shows(page, "#floor", "Paused")
        dee.get_by_label("Reason", exact=True).select_option("")
        press(dee, "Resume")
        shows(al, "#status", "open")

        # A referral: on the facilitator's page, nowhere on the member's.
        dee.get_by_label("Refer", exact=True).select_option("al")
        dee.get_by_label("to", exact=True).select_option("crisis-line")
        press(dee, "Record the referral")
        shows(dee, "#referrals", "Al: referred to a crisis line")
        assert al.locator("#referral").count() == 0
        assert "crisis" not in al.content()

        # The end, for safety.
        dee.get_by_label("Reason", exact=True).select_option("safety")
        press(dee, "End the meeting")
        for page in pages.values():
            shows(page, "#floor", "The meeting has ended.")
            assert not visible(page, "#schedule")

    events = store.events("s1")
    paused = [e for e in events if e.kind is ps.EventKind.PAUSED]
    resumed = [e for e in events if e.kind is ps.EventKind.RESUMED]
    referred = [e for e in events if e.kind is ps.EventKind.REFERRED]
    assert [dict(e.data) for e in paused] == [{"reason": "break"}]
    assert [dict(e.data) for e in resumed] == [{}]
    assert [(e.member, e.data["to"]) for e in referred] == [("al", "crisis-line")]
    assert events[-1].kind is ps.EventKind.ENDED
    assert events[-1].data["reason"] == "safety"
    assert [e.kind for e in events].count(ps.EventKind.TIME_TO_CLOSE) == 1
