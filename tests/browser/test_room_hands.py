"""Raised hands in real browsers: a speaker meeting's sharing phase on three pages.

Al and Bo raise their hands; Al, first in the queue, sees that they are next and
shares; Bo's share out of turn is refused with the library's reason; Bo raises a
point of process, which stops the queue until the facilitator acknowledges and
resolves it; the facilitator moves an entry up and clears the queue. Every page's
queue follows each change live, and no page loads anything from another host.
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

PEOPLE = {"dee": "Dee", "al": "Al", "bo": "Bo"}


def group() -> ps.Group:
    """Dee facilitates; Al and Bo are members."""
    roles = {ps.Member("dee", "Dee"): ps.Role.FACILITATOR}
    roles |= {ps.Member(m, PEOPLE[m]): ps.Role.MEMBER for m in ("al", "bo")}
    return ps.Group("Speaker meeting", roles, agreement=ps.Agreement(share_limit=300.0))


@pytest.fixture
def store(tmp_path) -> Iterator[ps.store.Store]:
    """A store holding 's1', a speaker meeting advanced to its sharing phase, everyone in."""
    session = ps.Session(group(), ps.formats.get("speaker-meeting"), clock=ps.SystemClock())
    for member in PEOPLE:
        session.arrive(member)
        session.consent(member)
    while session.state.phase != "sharing":
        session.advance(by="dee")
    with ps.store.SqliteStore(tmp_path / "room.db") as opened:
        opened.save_group("g", group())
        opened.start_session("s1", "g", session.events)
        yield opened


def queue_is(page: Page, members: list[str], nxt: str | None = None) -> None:
    """Wait until the page's queue is ``members`` (head first), ``nxt`` marked next."""
    page.wait_for_function(
        """([ids, next]) => {
            const items = [...document.querySelectorAll("#hands li")];
            const marked = items.filter((li) => li.querySelector(".badge.next"));
            return items.map((li) => li.dataset.member).join() === ids.join()
                && marked.map((li) => li.dataset.member).join() === (next || "");
        }""",
        arg=[members, nxt],
    )


def test_raised_hands_and_a_point_of_process(browser: Browser, store: ps.store.Store) -> None:
    links = Links(SECRET)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    elsewhere: list[str] = []
    pages: dict[str, Page] = {}
    with room_server(store, port):
        for member in PEOPLE:
            context = browser.new_context(viewport={"width": 1000, "height": 900})
            context.on(
                "request",
                lambda r: None if r.url.startswith((origin, "data:")) else elsewhere.append(r.url),
            )
            page = context.new_page()
            page.goto(f"{origin}/s/s1/{links.token('session:s1', member)}")
            shows(page, "#connection", "connected")
            pages[member] = page
        dee, al, bo = pages["dee"], pages["al"], pages["bo"]
        for page in pages.values():
            shows(page, "#phase", "Sharing by raised hands")
            shows(page, "#queue-me", "No hands are up.")

        # Al, then Bo, raise their hands: Al is next, on every page.
        press(al, "Raise hand")
        queue_is(bo, ["al"], "al")
        press(bo, "Raise hand")
        for page in pages.values():
            queue_is(page, ["al", "bo"], "al")
        shows(al, "#queue-me", "You are next.")
        shows(al, "#next", "It is your turn.")
        shows(bo, "#queue-me", "Your hand is up: number 2 in the queue.")
        assert al.get_by_role("button", name="Lower hand", exact=True).is_visible()

        # Bo tries to go first and is told why not; Al shares.
        press(bo, "Share")
        shows(bo, "#message", "bo may not start_share: al is next in the queue")
        press(al, "Share")
        for page in pages.values():
            shows(page, "#floor", "Al" if page is not al else "You are sharing.")
            queue_is(page, ["bo"], "bo")
        shows(bo, "#queue-me", "You are next.")

        # Bo raises a point of process: it comes first, until the facilitator takes it.
        press(bo, "Point of process")
        for page in pages.values():
            shows(page, "#points", "Bo: waiting for the facilitator")
        press(al, "End my share")
        for page in pages.values():
            queue_is(page, ["bo"])  # nobody is next while the point is pending
            shows(page, "#queue-me", "A point of process comes first")
        assert al.get_by_role("button", name="Acknowledge Bo's point").count() == 0
        press(dee, "Acknowledge Bo's point")
        for page in pages.values():
            shows(page, "#points", "Bo: acknowledged")
        press(dee, "Bo's point: resolved")
        for page in pages.values():
            page.locator("#points-part").wait_for(state="hidden")
            queue_is(page, ["bo"], "bo")

        # The facilitator moves Al (who raised again) ahead of Bo, then clears the queue.
        press(al, "Raise hand")
        queue_is(dee, ["bo", "al"], "bo")
        press(dee, "Move Al up")
        for page in pages.values():
            queue_is(page, ["al", "bo"], "al")
        press(dee, "Clear the queue")
        for page in pages.values():
            queue_is(page, [])
            shows(page, "#queue-me", "No hands are up.")
        stored = store.events("s1")

    kinds = [e.kind.value for e in stored]
    assert kinds.count("hand_raised") == 3
    assert [e.data.get("outcome") for e in stored if e.kind.value == "point_resolved"] == [
        "resolved"
    ]
    assert [(e.actor, e.member) for e in stored if e.kind.value == "hand_moved"] == [("dee", "al")]
    assert elsewhere == []
