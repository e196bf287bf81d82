"""The group amends its agreement in real browsers (Debian's Chromium).

A sharing circle on three pages. Al proposes a two-minute share limit with the
form (the setting, then its value in seconds); every page shows the proposal in
words with the group's rule. The facilitator records the count (two agree, one
stands aside: prefilled with everyone who takes part, then changed), and every
page shows the new version of the agreement and asks its person to consent; each
consents. Another proposal is withdrawn. What is stored is what was pressed, and
no page ever says who agreed.
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
    """Dee facilitates; Al and Bo are members; the warning at 1:00, so shares may be 2:00."""
    roles = {ps.Member("dee", "Dee"): ps.Role.FACILITATOR}
    roles |= {ps.Member(m, PEOPLE[m]): ps.Role.MEMBER for m in ("al", "bo")}
    return ps.Group("Thursday circle", roles, ps.Agreement(share_limit=300.0, warn_at=60.0))


@contextmanager
def stored(tmp_path: Path) -> Iterator[ps.store.Store]:
    """A store holding 's1', a sharing circle in its round, everyone in and consented."""
    session = ps.Session(group(), ps.formats.get("sharing-circle"), clock=ps.SystemClock())
    for member in PEOPLE:
        session.arrive(member)
        session.consent(member)
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


def test_the_group_amends_its_agreement(browser: Browser, tmp_path: Path) -> None:
    with stored(tmp_path) as store:
        with open_pages(browser, store) as pages:
            dee, al, bo = pages["dee"], pages["al"], pages["bo"]
            for page in pages.values():
                shows(page, "#agreement-version", "v1")
                shows(page, "#decision-label", "consensus")
                assert page.locator("#proposals-part").is_hidden()

            # Al proposes a two-minute share limit.
            al.get_by_label("Setting", exact=True).select_option("share_limit")
            al.get_by_label("Seconds", exact=True).fill("120")
            shows(al, "#amend-clock", "(2:00)")
            assert al.locator("#amend-none").is_visible()  # a share limit may be cleared
            press(al, "Propose the change")
            for page in pages.values():
                shows(page, "#proposals", "Proposal 1 by Al: Share limit: 2:00 — open")
            assert al.locator(button("decide_amendment")).count() == 0  # facilitators only
            assert bo.locator(button("withdraw_amendment")).count() == 0

            # The facilitator records the count: prefilled with the three who take part.
            agree = dee.get_by_label("Agree", exact=True)
            assert agree.input_value() == "3"
            agree.fill("2")
            dee.get_by_label("Stand aside", exact=True).fill("1")
            press(dee, "Record the decision on proposal 1")
            for page in pages.values():
                shows(page, "#agreement-version", "v2")
                shows(page, "#proposals", "accepted (2 agreed, 0 disagreed, 1 stood aside)")
                page.locator("#consent-prompt").wait_for(state="visible")
                shows(page, "#consent-prompt", "version v2")
            assert al.locator(button("start_share")).is_hidden()  # consent first

            # Everyone consents to the new version.
            for page in pages.values():
                press(page, "I agree to the agreement")
                page.locator("#consent-prompt").wait_for(state="hidden")
            shows(al, "#next", "It is your turn.")
            al.locator(button("start_share")).wait_for(state="visible")

            # Bo proposes majority decisions; the facilitator withdraws it.
            bo.get_by_label("Setting", exact=True).select_option("decision")
            assert bo.locator("#amend-none-wrap").is_hidden()  # a rule is never none
            bo.get_by_label("Rule", exact=True).select_option("majority")
            press(bo, "Propose the change")
            shows(dee, "#proposals", "Proposal 2 by Bo: How we decide: majority — open")
            press(dee, "Withdraw proposal 2")
            for page in pages.values():
                shows(page, "#proposals", "How we decide: majority — withdrawn")
                shows(page, "#decision-label", "consensus")
            assert all(page.locator("#message").text_content() == "" for page in pages.values())

        events = store.events("s1")
        kinds = [e.kind for e in events]
        assert kinds.count(ps.EventKind.AMENDMENT_PROPOSED) == 2
        assert ps.EventKind.AMENDMENT_WITHDRAWN in kinds
        (decided,) = [e for e in events if e.kind is ps.EventKind.AMENDMENT_DECIDED]
        assert dict(decided.data) == {
            "proposal": 1,
            "agree": 2,
            "disagree": 0,
            "stand_aside": 1,
            "outcome": "accepted",
        }
        (amended,) = [e for e in events if e.kind is ps.EventKind.AGREEMENT_AMENDED]
        assert (amended.data["version"], amended.data["share_limit"]) == (2, 120.0)
        consented = [e.member for e in events if e.kind is ps.EventKind.CONSENTED]
        assert sorted(consented[-3:]) == ["al", "bo", "dee"]
