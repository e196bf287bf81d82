"""A member's week in real browsers: home page, joining, the end, feedback, attendance.

A member opens their own link to the group's home page and joins the session
running now; the facilitator ends it; the member's room then links to the
feedback form, which they fill in and send; the facilitator's attendance view
counts one respondent and shows no mean below k answers. No page loads anything
from another host.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import peersupport as ps
from peersupport.web import Links
from web_server import SECRET, free_port, press, room_server, shows

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

MEETING = ps.Meeting(
    day=4,
    time="19:00",
    end_time="20:30",
    timezone="Europe/Berlin",
    format="sharing-circle",
    conference=ps.Conference(url="https://meet.example.org/thursday"),
)


@pytest.fixture
def store(tmp_path) -> Iterator[ps.store.Store]:
    """An SQLite store with the group (Dee facilitates, Al and Bo) and a running session 's1'."""
    roles = {ps.Member("dee", "Dee"): ps.Role.FACILITATOR}
    roles |= {ps.Member(m, m.title()): ps.Role.MEMBER for m in ("al", "bo")}
    group = ps.Group("Browser circle", roles, meetings=(MEETING,))
    with ps.store.SqliteStore(tmp_path / "room.db") as opened:
        opened.save_group("g", group)
        ps.live.LiveSession.start(opened, "s1", "g", ps.formats.get("sharing-circle"))
        yield opened


def test_join_end_feedback_and_attendance(browser: Browser, store: ps.store.Store) -> None:
    links = Links(SECRET)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    elsewhere: list[str] = []

    def open_page(path: str) -> Page:
        context = browser.new_context()
        context.on(
            "request",
            lambda r: None if r.url.startswith((origin, "data:")) else elsewhere.append(r.url),
        )
        page = context.new_page()
        page.goto(origin + path)
        return page

    with room_server(store, port):
        # Al's home page: the schedule, and a Join link into the running session.
        al = open_page(f"/g/g/{links.token('group:g', 'al')}")
        assert "Thursdays, 19:00\N{EN DASH}20:30" in al.locator("#schedule").text_content()
        al.get_by_role("link", name="Join", exact=True).click()
        al.wait_for_url(f"{origin}/s/s1/{links.token('session:s1', 'al')}")
        shows(al, "#connection", "connected")
        press(al, "Join the meeting")
        assert al.locator("#feedback-link").is_hidden()

        # Dee joins from her own room link and ends the meeting.
        dee = open_page(f"/s/s1/{links.token('session:s1', 'dee')}")
        shows(dee, "#connection", "connected")
        press(dee, "Join the meeting")
        shows(dee, "#present", "Al")
        press(dee, "End the meeting")

        # Al's room now links to the form; Al answers one question and skips the other two.
        shows(al, "#floor", "The meeting has ended.")
        al.locator("#feedback-link").wait_for(state="visible")
        al.locator("#feedback-link a").click()
        al.wait_for_url("**/feedback")
        assert al.locator("textarea, input:not([type=radio])").count() == 0
        al.locator('fieldset[data-question="felt-heard"] input[value="8"]').check()
        press(al, "Send")
        shows(al, "h1", "Thank you")

        # Dee's attendance view: one respondent, and no mean below k = 5 answers.
        dee.goto(f"{origin}/g/g/{links.token('group:g', 'dee')}")
        dee.get_by_role("link", name="Attendance and feedback").click()
        dee.wait_for_url("**/attendance")
        row = dee.locator("tr.session").first
        assert "2 of 3" in row.locator(".attended").text_content()
        assert row.locator(".respondents").text_content() == "1 answered"
        assert row.locator(".mean").count() == 0
        assert "fewer than 5 answers" in row.locator(".feedback").text_content()

    assert elsewhere == []
    assert store.answered("s1", "al")
    assert store.feedback("s1").questions[1].answers == 1
