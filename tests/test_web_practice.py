"""Listening, agenda items, skipping, two facilitators and a pause's reason in the web room.

A member chooses to listen for the session (or a facilitator asks them): every
page marks them "listening" and they get no share. In SMART Recovery's agenda
setting members propose items, and every page shows how many each proposed. A
facilitator skips to a later phase among those the chart reaches past the next
one. A format run by two facilitators tells everyone that the session waits for
the second one while they are missing. A page shows why the session is paused.
Each button records the right event; refusals and bad arguments record nothing.
From the state alone, and over a real server.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import peersupport as ps
from peersupport.engine.kinds import REASONS
from peersupport.web import room_view
from peersupport.web.meetingview import REASON_LABELS
from peersupport.web.practiceview import pause_reason, skip_targets
from people import make_group
from web_server import (
    ask,
    initial,
    request,
    room,
    serve_session,
    state_where,
    stored_kinds,
    watch,
)

pytestmark = pytest.mark.web

SMART = ps.formats.get("smart-recovery")
CONNECTION = ps.formats.get("peer-support-group")
#: Who is in the SMART meeting: facilitator dee, members al and bo, observer ob.
PRESENT = ("dee", "al", "bo", "ob")


def smart(clock: ps.Clock, phase: str = "opening_statement") -> ps.Session:
    """A SMART Recovery meeting of the test group, everyone in and consented, at ``phase``."""
    session = ps.Session(make_group(), SMART, clock=clock)
    for member in PRESENT:
        session.arrive(member)
        session.consent(member)
    if phase == "check_in":
        session.advance(by="dee")
    elif phase != session.state.phase:
        session.skip_to(phase, by="dee")
    return session


def connection_group() -> ps.Group:
    """Two facilitators, dee and flo, and two members."""
    roles = {
        ps.Member("dee", "Dee"): ps.Role.FACILITATOR,
        ps.Member("flo", "Flo"): ps.Role.CO_FACILITATOR,
        ps.Member("al", "Al"): ps.Role.MEMBER,
        ps.Member("bo", "Bo"): ps.Role.MEMBER,
    }
    return ps.Group("Connection", roles)


def view(session: ps.Session, member: str) -> dict[str, Any]:
    """The room as ``member`` sees it (with the reason of a pause, as the server gives it)."""
    return room_view(
        session.state,
        session.group,
        session.format,
        member,
        now=session.clock.now(),
        paused_for=pause_reason(session.state, session.events),
    )


def buttons(session: ps.Session, member: str) -> set[str]:
    return set(view(session, member)["buttons"])


class TestButtons:
    """Who gets which of the new buttons, from the state alone."""

    def test_a_member_may_listen_until_they_do(self, clock):
        session = smart(clock, "check_in")
        assert "listen" in buttons(session, "al")
        assert "listen" not in buttons(session, "ob")  # observers never take the floor
        assert "listen" not in buttons(session, "dee")  # a facilitator asks others
        session.start_share("al")
        assert "listen" not in buttons(session, "al")  # not while holding the floor
        session.end_share("al")
        assert "start_share" in buttons(session, "al")
        session.listen("al")
        assert "listen" not in buttons(session, "al")  # already listening
        assert "start_share" not in buttons(session, "al")  # no share: they listen
        session.start_share("bo")
        assert "interject" in buttons(session, "dee")
        assert "interject" not in buttons(session, "al")
        session.end_share("bo")
        session.pause(by="dee")
        assert "listen" in buttons(session, "bo")  # listening is no floor action

    def test_a_facilitator_asks_someone_present_to_listen(self, clock):
        session = smart(clock)
        assert "listen_for" in buttons(session, "dee")
        assert "listen_for" not in buttons(session, "al")
        for member in ("al", "bo", "ob"):
            session.listen(member, by="dee")
        assert "listen_for" not in buttons(session, "dee")  # nobody left to ask
        session.end(by="dee")
        assert not buttons(session, "dee")

    def test_agenda_items_in_the_agenda_phase_only_and_not_by_observers(self, clock):
        session = smart(clock)
        assert "propose_item" not in buttons(session, "al")
        session = smart(ps.ManualClock(clock.now()), "agenda_setting")
        assert "propose_item" in buttons(session, "al")
        assert "propose_item" in buttons(session, "dee")
        assert "propose_item" not in buttons(session, "ob")
        session.pause(by="dee")
        assert "propose_item" not in buttons(session, "al")

    def test_skip_targets_are_what_the_chart_reaches_past_the_next_phase(self, clock):
        later = ["agenda_setting", "working_time", "pass_the_hat", "check_out", "closing"]
        assert [p["id"] for p in skip_targets(SMART, "opening_statement")] == later
        assert [p["id"] for p in skip_targets(SMART, "check_in")] == later[1:]
        assert skip_targets(SMART, "check_out") == []  # only the next phase is left
        assert skip_targets(SMART, "closing") == []
        # Two ways out of the discussion, both direct: nothing to skip to from there.
        assert [p["id"] for p in skip_targets(CONNECTION, "check_in")] == [
            "problem_solving",
            "closing",
        ]
        assert skip_targets(CONNECTION, "discussion") == []
        session = smart(clock)
        assert "skip_to" in buttons(session, "dee")
        assert "skip_to" not in buttons(session, "al")
        shown = view(session, "dee")["facilitation"]["skip_to"]
        assert shown[0] == {"id": "agenda_setting", "name": "Agenda setting"}
        assert view(session, "al")["facilitation"] is None
        session.pause(by="dee")
        assert "skip_to" not in buttons(session, "dee")

    def test_a_listener_raises_no_hand(self, clock):
        """In a phase with a queue of raised hands, a listener's hand goes down for good."""
        session = ps.Session(make_group(), ps.formats.get("speaker-meeting"), clock=clock)
        for member in PRESENT:
            session.arrive(member)
            session.consent(member)
        while session.state.phase != "sharing":
            session.advance(by="dee")
        session.raise_hand("al")
        assert "lower_hand" in buttons(session, "al")
        session.listen("al", by="dee")  # takes their hand down
        assert not {"raise_hand", "lower_hand", "start_share"} & buttons(session, "al")
        assert {"raise_hand", "start_share"} <= buttons(session, "bo")


class TestSharedView:
    """What every page shows of listeners, agenda items, the missing facilitator, a pause."""

    def test_listeners_are_marked_and_not_waiting_for_a_turn(self, clock):
        session = smart(clock, "check_in")
        session.listen("bo", by="dee")
        shown = view(session, "al")
        assert shown["listening"] == [{"id": "bo", "name": "Bo"}]
        assert {p["id"]: p["listening"] for p in shown["present"]} == {
            "dee": False,
            "al": False,
            "bo": True,
            "ob": False,
        }
        assert "bo" not in [p["id"] for p in shown["waiting"]]
        assert "al" in [p["id"] for p in shown["waiting"]]

    def test_agenda_items_are_counted_per_member_in_the_agenda_phase(self, clock):
        session = smart(clock, "agenda_setting")
        assert view(session, "al")["agenda"] == {"items": [], "total": 0}
        session.propose_item("bo")
        session.propose_item("al")
        session.propose_item("bo")
        assert view(session, "dee")["agenda"] == {
            "items": [
                {"id": "bo", "name": "Bo", "count": 2},
                {"id": "al", "name": "Al", "count": 1},
            ],
            "total": 3,
        }
        session.advance(by="dee")
        assert view(session, "dee")["agenda"] is None  # shown while the agenda is set

    def test_the_wait_for_the_second_facilitator(self, clock):
        session = ps.Session(connection_group(), CONNECTION, clock=clock)
        session.arrive("dee")
        session.arrive("al")
        assert view(session, "al")["staffing"] == {"needed": 2, "present": 1}
        session.arrive("flo")
        assert view(session, "al")["staffing"] is None
        session.leave("dee")
        assert view(session, "bo")["staffing"] == {"needed": 2, "present": 1}
        assert view(smart(clock), "al")["staffing"] is None  # one facilitator will do

    @pytest.mark.parametrize("reason", [*REASONS, None])
    def test_the_reason_of_the_pause(self, clock, reason):
        session = smart(clock)
        assert view(session, "al")["pause"] is None
        session.pause(by="dee", reason=reason)
        session.raise_point("al")  # events after the pause
        shown = view(session, "al")["pause"]
        if reason is None:
            assert shown is None
        else:
            assert shown["reason"] == reason
            assert shown["label"] == REASON_LABELS[reason]
        session.resume(by="dee", reason="other")
        assert pause_reason(session.state, session.events) is None
        assert view(session, "al")["pause"] is None

    def test_the_last_pause_is_the_one_shown(self, clock):
        session = smart(clock)
        session.pause(by="dee", reason="safety")
        session.resume(by="dee")
        session.pause(by="dee", reason="technical")
        assert view(session, "bo")["pause"]["reason"] == "technical"
        session.resume(by="dee")
        session.pause(by="dee")
        assert view(session, "bo")["pause"] is None


# ---------------------------------------------------------------------- over a server


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, ps.store.Store]]:
    """A SMART meeting in its agenda setting, everyone in, over a real server."""
    with serve_session(tmp_path / "room.db", smart(ps.SystemClock(), "agenda_setting")) as both:
        yield both


@pytest.fixture
def opening(tmp_path) -> Iterator[tuple[str, ps.store.Store]]:
    """A SMART meeting in its opening statement, everyone in, over a real server."""
    with serve_session(tmp_path / "room.db", smart(ps.SystemClock())) as both:
        yield both


def ok(reply: dict[str, Any]) -> None:
    assert reply["ok"], reply


def new_events(store: ps.store.Store, before: int) -> list[ps.Event]:
    return list(store.events("s1")[before:])


class TestButtonsOverTheSocket:
    """Each button records its event; every page hears of it."""

    def test_a_member_listens(self, served):
        base, store = served
        before = len(store.events("s1"))
        with watch(base, "s1", "al") as al, watch(base, "s1", "bo") as bo:
            ok(ask(al, "listen"))
            shown = state_where(bo, lambda s: s["listening"])
        (event,) = new_events(store, before)
        assert (event.kind, event.actor, event.member) == (ps.EventKind.LISTENING, "al", "al")
        assert shown["listening"] == [{"id": "al", "name": "Al"}]
        assert [p["listening"] for p in shown["present"] if p["id"] == "al"] == [True]

    def test_a_facilitator_asks_a_member_to_listen(self, served):
        base, store = served
        before = len(store.events("s1"))
        with watch(base, "s1", "dee") as dee:
            ok(ask(dee, "listen_for", target="bo"))
        (event,) = new_events(store, before)
        assert (event.kind, event.actor, event.member) == (ps.EventKind.LISTENING, "dee", "bo")
        page = urllib.request.urlopen(room(base, "s1", "al"), timeout=10).read().decode()
        assert initial(page)["listening"] == [{"id": "bo", "name": "Bo"}]

    def test_members_propose_agenda_items_and_every_page_counts_them(self, served):
        base, store = served
        before = len(store.events("s1"))
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            ok(ask(al, "propose_item"))
            ok(ask(al, "propose_item"))
            shown = state_where(dee, lambda s: s["agenda"]["total"] == 2)
        assert [(e.kind, e.actor, e.member) for e in new_events(store, before)] == [
            (ps.EventKind.ITEM_PROPOSED, "al", "al")
        ] * 2
        assert shown["agenda"]["items"] == [{"id": "al", "name": "Al", "count": 2}]

    def test_a_facilitator_skips_to_a_later_phase(self, opening):
        base, store = opening
        before = len(store.events("s1"))
        with watch(base, "s1", "dee") as dee, watch(base, "s1", "al") as al:
            ok(ask(dee, "skip_to", phase="working_time"))
            shown = state_where(al, lambda s: s["phase"]["id"] == "working_time")
        (event,) = new_events(store, before)
        assert event.kind is ps.EventKind.PHASE_ENTERED
        assert event.actor == "dee"
        assert event.data["skipped"] == ("check_in", "agenda_setting")
        assert shown["phase"]["name"] == "Working time"

    def test_a_pause_shows_its_reason_on_every_page(self, served):
        base, _store = served
        with watch(base, "s1", "dee") as dee, watch(base, "s1", "al") as al:
            ok(ask(dee, "pause", reason="technical"))
            shown = state_where(al, lambda s: s["status"] == "paused")
            assert shown["pause"] == {"reason": "technical", "label": "A technical problem"}
            ok(ask(al, "raise_point"))  # a later update still shows it
            shown = state_where(dee, lambda s: s["points"])
            assert shown["pause"]["reason"] == "technical"
            page = urllib.request.urlopen(room(base, "s1", "bo"), timeout=10).read().decode()
            assert initial(page)["pause"]["reason"] == "technical"  # a page loaded now
            ok(ask(dee, "resume"))
            assert state_where(al, lambda s: s["status"] == "open")["pause"] is None


class TestRefusals:
    """Refused presses and bad arguments are answered with why, and record nothing."""

    @pytest.mark.parametrize(
        ("member", "message", "error"),
        [
            ("ob", {"action": "propose_item"}, "ob observes and does not propose"),
            ("al", {"action": "listen_for", "target": "bo"}, "only a facilitator may act for bo"),
            ("dee", {"action": "listen_for"}, "listen_for needs 'target': a member's id"),
            ("dee", {"action": "listen_for", "target": ""}, "listen_for needs 'target'"),
            ("dee", {"action": "listen_for", "target": "zed"}, "dee may not listen"),
            pytest.param(
                "al",
                {"action": "skip_to", "phase": "closing"},
                "only a facilitator may skip_to",
            ),
        ],
    )
    def test_refused(self, served, member, message, error):
        base, store = served
        before = store.events("s1")
        with watch(base, "s1", member) as person:
            reply = request(person, {"id": 7, **message})
        assert reply["ok"] is False
        assert error in reply["error"]
        assert store.events("s1") == before

    def test_listening_twice_or_sharing_while_listening(self, served):
        base, store = served
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            ok(ask(al, "listen"))
            before = store.events("s1")
            assert "al is listening already" in ask(al, "listen")["error"]
            assert "al is listening already" in ask(dee, "listen_for", target="al")["error"]
            ok(ask(dee, "advance"))  # to working time: an open floor
            before = store.events("s1")
            assert "listening" in ask(al, "start_share")["error"]
        assert store.events("s1") == before

    def test_no_agenda_items_outside_the_agenda_phase(self, opening):
        base, store = opening
        before = store.events("s1")
        with watch(base, "s1", "al") as al:
            reply = ask(al, "propose_item")
        assert "agenda items are proposed while the agenda is set" in reply["error"]
        assert store.events("s1") == before

    @pytest.mark.parametrize(
        ("phase", "error"),
        [
            ("check_in", "'check_in' is the next phase: advance to it"),
            ("opening_statement", "no way along the chart leads"),
        ],
    )
    def test_skipping_nowhere_later(self, opening, phase, error):
        base, store = opening
        before = store.events("s1")
        with watch(base, "s1", "dee") as dee:
            reply = ask(dee, "skip_to", phase=phase)
        assert error in reply["error"]
        assert store.events("s1") == before

    @pytest.mark.parametrize("phase", ["nowhere", "", "Closing", None, 3, ["closing"], True])
    def test_a_phase_not_of_the_format_is_refused(self, opening, phase):
        base, store = opening
        before = store.events("s1")
        with watch(base, "s1", "dee") as dee:
            reply = request(dee, {"id": 9, "action": "skip_to", "phase": phase})
            missing = request(dee, {"id": 10, "action": "skip_to"})
        phases = ", ".join(map(repr, SMART.phases))
        for answer in (reply, missing):
            assert answer["ok"] is False
            assert answer["error"] == f"skip_to needs 'phase': one of the format's phases, {phases}"
        assert store.events("s1") == before


class TestTwoFacilitators:
    """A format run by two: the notice on every page while one is missing."""

    @pytest.fixture
    def alone(self, tmp_path) -> Iterator[tuple[str, ps.store.Store]]:
        session = ps.Session(connection_group(), CONNECTION, clock=ps.SystemClock())
        for member in ("dee", "al"):
            session.arrive(member)
            session.consent(member)
        with serve_session(tmp_path / "room.db", session) as both:
            yield both

    def test_the_session_waits_for_the_second_facilitator(self, alone):
        base, store = alone
        page = urllib.request.urlopen(room(base, "s1", "al"), timeout=10).read().decode()
        assert initial(page)["staffing"] == {"needed": 2, "present": 1}
        assert 'id="staffing"' in page
        with watch(base, "s1", "dee") as dee, watch(base, "s1", "flo") as flo:
            before = store.events("s1")
            assert "run by 2 facilitators and 1 is present" in ask(dee, "advance")["error"]
            assert store.events("s1") == before
            ok(ask(flo, "arrive"))
            assert state_where(dee, lambda s: len(s["present"]) == 3)["staffing"] is None
            ok(ask(flo, "consent"))
            ok(ask(dee, "advance"))
        assert stored_kinds(store)[-1] is ps.EventKind.PHASE_ENTERED
