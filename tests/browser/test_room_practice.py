"""Listening, agenda items and skipping in real browsers (Debian's Chromium).

A SMART Recovery meeting in its check-in round, on three pages. Al, whose turn it
is, chooses to listen this session: their Share button goes, every page marks them
"listening", and the round goes on without them. In the agenda setting Bo proposes
an item and the facilitator's page counts it; a pause for a break says so on every
page. In another meeting, the facilitator skips from the opening statement past
the check-in to the agenda setting, and every page follows. What is stored is
what was pressed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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
    return ps.Group("SMART meeting", roles)


@contextmanager
def stored(tmp_path: Path, phase: str) -> Iterator[ps.store.Store]:
    """A store holding 's1', a SMART meeting at ``phase`` (by advancing), everyone in."""
    session = ps.Session(group(), ps.formats.get("smart-recovery"), clock=ps.SystemClock())
    for member in PEOPLE:
        session.arrive(member)
        session.consent(member)
    while session.state.phase != phase:
        session.advance(by="dee")
    with ps.store.SqliteStore(tmp_path / "room.db") as opened:
        opened.save_group("g", group())
        opened.start_session("s1", "g", session.events)
        yield opened


@contextmanager
def open_pages(browser: Browser, store: ps.store.Store) -> Iterator[dict[str, Page]]:
    """Everyone's page of 's1', connected, while the server runs."""
    links = Links(SECRET)
    port = free_port()
    with room_server(store, port):
        pages = {}
        for member in PEOPLE:
            page = browser.new_context().new_page()
            page.goto(f"http://127.0.0.1:{port}/s/s1/{links.token('session:s1', member)}")
            shows(page, "#connection", "connected")
            pages[member] = page
        yield pages


def button(action: str) -> str:
    """The selector of the button of ``action``."""
    return f'button[data-action="{action}"]'


def test_listening_and_an_agenda_item(browser: Browser, tmp_path: Path) -> None:
    with stored(tmp_path, "check_in") as store:
        with open_pages(browser, store) as pages:
            dee, al, bo = pages["dee"], pages["al"], pages["bo"]

            # Al's turn: they choose to listen; their Share button goes.
            shows(al, "#next", "It is your turn.")
            al.locator(button("start_share")).wait_for(state="visible")
            press(al, "Listen this session")
            al.locator(button("start_share")).wait_for(state="hidden")
            assert al.locator(button("listen")).is_hidden()
            for page in pages.values():
                shows(page, "#present", "Al (member), listening")
                shows(page, "#listening", "Al")
            assert "Al" not in dee.locator("#waiting").text_content()

            # The round goes on without them; then the agenda is set.
            shows(bo, "#next", "It is your turn.")
            press(bo, "Pass")
            shows(dee, "#next", "It is your turn.")
            press(dee, "Pass")
            press(dee, "Next phase")
            for page in pages.values():
                shows(page, "#phase", "Agenda setting")
                shows(page, "#agenda-total", "No items proposed yet.")
            press(bo, "Propose an agenda item")
            shows(dee, "#agenda-items", "Bo: 1 item")
            shows(dee, "#agenda-total", "1 item proposed so far.")
            press(bo, "Propose an agenda item")
            shows(dee, "#agenda-items", "Bo: 2 items")
            shows(al, "#agenda-items", "Bo: 2 items")
            assert dee.locator(button("propose_item")).is_visible()  # facilitators too

            # A pause for a break: every page says why.
            dee.get_by_label("Reason", exact=True).select_option("break")
            press(dee, "Pause for a safety break")
            for page in pages.values():
                shows(page, "#floor", "Paused: a break.")

        kinds = [(e.kind, e.member) for e in store.events("s1")]
        assert (ps.EventKind.LISTENING, "al") in kinds
        assert kinds.count((ps.EventKind.ITEM_PROPOSED, "bo")) == 2
        assert not [e for e in store.events("s1") if e.kind is ps.EventKind.SHARE_STARTED]


def test_a_facilitator_skips_an_element(browser: Browser, tmp_path: Path) -> None:
    with stored(tmp_path, "opening_statement") as store:
        with open_pages(browser, store) as pages:
            dee, al = pages["dee"], pages["al"]
            assert al.locator("#skipping").is_hidden()  # facilitators only
            options = dee.locator("#skip-phase option").all_text_contents()
            later = ["Agenda setting", "Working time", "Pass the hat", "Check-out", "Closing"]
            assert options == later
            dee.get_by_label("Skip to", exact=True).select_option("agenda_setting")
            press(dee, "Skip ahead")
            dee.wait_for_function(
                """() => document.querySelector("#message").textContent
                    || document.querySelector("#phase").textContent === 'Agenda setting'"""
            )
            assert dee.locator("#message").text_content() == ""  # no refusal
            for page in pages.values():
                shows(page, "#phase", "Agenda setting")
            # From here, the next phase (working time) is advanced to, not skipped to.
            assert "Working time" not in dee.locator("#skip-phase").text_content()

        entered = [e for e in store.events("s1") if e.kind is ps.EventKind.PHASE_ENTERED]
        assert entered[-1].data["skipped"] == ("check_in",)
        assert entered[-1].actor == "dee"
