"""The queue of raised hands in the web room: what each page shows, what each button sends.

A 12-step speaker meeting in its sharing phase (raised hands): the view's queue
and points of process, the buttons per role, and the socket's queue actions over
a real server, malformed requests and refusals included (both change nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import peersupport as ps
from peersupport.web import room_view
from people import make_group
from web_server import ask, request, room_server, socket, state_after

pytestmark = pytest.mark.web

WEB = Path(ps.__file__).parent / "web"
#: Who is in the meeting: facilitator dee, members al, bo and cy, observer ob.
PRESENT = ("dee", "al", "bo", "cy", "ob")


def in_sharing(clock: ps.Clock) -> ps.Session:
    """A speaker meeting of the test group, everyone present and consented, in its sharing phase."""
    session = ps.Session(make_group(), ps.formats.get("speaker-meeting"), clock=clock)
    for member in PRESENT:
        session.arrive(member)
        session.consent(member)
    while session.state.phase != "sharing":
        session.advance(by="dee")
    return session


def view(session: ps.Session, member: str) -> dict[str, Any]:
    """The room as ``member`` sees it."""
    return room_view(session.state, session.group, session.format, member, now=0.0)


class TestQueueView:
    """What the queue looks like on each page, from the state alone."""

    @pytest.fixture
    def session(self, clock):
        return in_sharing(clock)

    def test_the_queue_in_order_with_the_next_marked(self, session):
        """Hands are listed head first, the one the floor is offered to marked next."""
        session.raise_hand("al")
        session.raise_hand("bo")
        shown = view(session, "cy")
        assert shown["phase"]["queue"] is True
        assert shown["hands"] == [
            {"id": "al", "name": "Al", "next": True},
            {"id": "bo", "name": "Bo", "next": False},
        ]
        assert shown["next"] == {"id": "al", "name": "Al"}

    def test_while_someone_shares_the_head_is_next(self, session):
        """The head of the queue is marked next while the one before them shares."""
        session.raise_hand("al")
        session.raise_hand("bo")
        session.start_share("al")
        assert view(session, "cy")["hands"] == [{"id": "bo", "name": "Bo", "next": True}]

    def test_a_point_of_process_shows_who_and_whether_acknowledged_only(self, session):
        """A pending point names who raised it and whether it was acknowledged; nobody is next."""
        session.raise_hand("al")
        session.raise_point("bo")
        shown = view(session, "al")
        assert shown["points"] == [{"id": "bo", "name": "Bo", "acknowledged": False}]
        assert [hand["next"] for hand in shown["hands"]] == [False]
        assert shown["next"] is None
        session.acknowledge_point("bo", by="dee")
        assert view(session, "al")["points"] == [{"id": "bo", "name": "Bo", "acknowledged": True}]
        session.resolve_point("bo", by="dee", outcome="amendment")
        assert view(session, "al")["points"] == []
        assert view(session, "al")["hands"][0]["next"] is True

    def test_not_yet_had_a_turn_is_who_has_not_shared_in_this_phase(self, session):
        """Without rounds, a turn is a share in this phase: who shared leaves the list."""
        assert [w["id"] for w in view(session, "al")["waiting"]] == ["dee", "al", "bo", "cy"]
        session.raise_hand("al")
        session.start_share("al")
        session.end_share("al")
        assert [w["id"] for w in view(session, "al")["waiting"]] == ["dee", "bo", "cy"]

    def test_a_phase_without_a_queue(self, clock):
        """Outside a queue phase there is no queue and no hand to raise; points still are."""
        session = ps.Session(make_group(), ps.formats.get("speaker-meeting"), clock=clock)
        for member in PRESENT:
            session.arrive(member)
            session.consent(member)
        session.raise_point("cy")
        shown = view(session, "al")
        assert shown["phase"]["queue"] is False
        assert shown["hands"] == []
        assert [p["id"] for p in shown["points"]] == ["cy"]
        assert not {"raise_hand", "lower_hand"} & set(shown["buttons"])
        assert "raise_point" in shown["buttons"]
        assert "acknowledge_point" in view(session, "dee")["buttons"]


class TestQueueButtons:
    """Which of the queue's buttons each person gets."""

    @pytest.fixture
    def session(self, clock):
        return in_sharing(clock)

    def buttons(self, session: ps.Session, member: str) -> set[str]:
        return set(view(session, member)["buttons"])

    def test_raise_then_lower_and_a_point_of_process(self, session):
        """A member raises their hand, then may lower it; a point of process once at a time."""
        assert {"raise_hand", "raise_point"} <= self.buttons(session, "al")
        assert "lower_hand" not in self.buttons(session, "al")
        session.raise_hand("al")
        assert "lower_hand" in self.buttons(session, "al")
        assert "raise_hand" not in self.buttons(session, "al")
        session.start_share("al")  # off the queue, holding the floor
        assert not {"raise_hand", "lower_hand"} & self.buttons(session, "al")
        session.raise_point("al")
        assert "raise_point" not in self.buttons(session, "al")

    def test_an_observer_raises_no_hand_but_may_raise_a_point(self, session):
        """Observers take no turn, but anyone present may raise a point of process."""
        assert "raise_hand" not in self.buttons(session, "ob")
        assert "raise_point" in self.buttons(session, "ob")

    def test_the_facilitators_queue_buttons(self, session):
        """Remove and clear with a hand up; move with two; acknowledge, then resolve a point."""
        facilitating = {"lower_hand_for", "move_hand", "clear_hands"}
        assert not facilitating & self.buttons(session, "dee")
        session.raise_hand("al")
        assert facilitating & self.buttons(session, "dee") == {"lower_hand_for", "clear_hands"}
        session.raise_hand("bo")
        assert facilitating <= self.buttons(session, "dee")
        assert not facilitating & self.buttons(session, "al")  # only facilitators
        session.raise_point("cy")
        assert "acknowledge_point" in self.buttons(session, "dee")
        assert "resolve_point" not in self.buttons(session, "dee")
        session.acknowledge_point("cy", by="dee")
        assert "resolve_point" in self.buttons(session, "dee")
        assert "acknowledge_point" not in self.buttons(session, "dee")

    def test_while_paused_the_queue_is_frozen_and_points_are_taken(self, session):
        """Paused: no hand goes up or is moved; points are raised and handled."""
        session.raise_hand("al")
        session.raise_hand("bo")
        session.pause(by="dee")
        assert "raise_hand" not in self.buttons(session, "cy")
        assert "raise_point" in self.buttons(session, "cy")
        assert not {"lower_hand_for", "move_hand", "clear_hands"} & self.buttons(session, "dee")
        session.raise_point("cy")
        assert {"resume", "acknowledge_point"} <= self.buttons(session, "dee")

    def test_every_button_is_an_action_and_is_on_the_page(self):
        """Each button of the table asks for a session action and is drawn by the page."""
        from peersupport.web.view import BUTTONS

        page = (WEB / "templates" / "room.html").read_text(encoding="utf-8")
        script = (WEB / "static" / "room.js").read_text(encoding="utf-8")
        drawn = set(re.findall(r'data-action="(\w+)"', page))
        drawn |= set(re.findall(r'entryButton\([^)]*?"(\w+)",\s*\{', script, re.S))
        assert set(BUTTONS) == drawn
        assert {b.action for b in BUTTONS.values()} <= ps.live.ACTIONS


def serve(path: Path, *, busy: bool) -> Iterator[tuple[str, ps.store.Store]]:
    """A room server over a store holding session 's1', a speaker meeting in its sharing phase.

    ``busy``: Al's and Bo's hands are up, and Cy's point of process waits.
    """
    session = in_sharing(ps.SystemClock())
    if busy:
        session.raise_hand("al")
        session.raise_hand("bo")
        session.raise_point("cy")
    store = ps.store.SqliteStore(path)
    store.save_group("g", make_group())
    store.start_session("s1", "g", session.events)
    with room_server(store) as base:
        yield base, store
    store.close()


@pytest.fixture
def served(tmp_path):
    """Nobody's hand is up yet."""
    yield from serve(tmp_path / "room.db", busy=False)


@pytest.fixture
def busy(tmp_path):
    """Al's and Bo's hands are up; Cy's point of process waits."""
    yield from serve(tmp_path / "room.db", busy=True)


def ok(reply: dict[str, Any]) -> None:
    assert reply["ok"], reply


def queue_after(connection, kind: str) -> list[str]:
    """The queue pushed with the next event of ``kind``."""
    return [hand["id"] for hand in state_after(connection, kind)["hands"]]


class TestQueueOverTheSocket:
    """The queue's buttons over a real server, on every page at once."""

    def test_hands_go_up_and_down_on_every_page(self, served):
        """Raising and lowering reach every page; a member's target is ignored: their own hand."""
        base, store = served
        with socket(base, "s1", "al") as al, socket(base, "s1", "bo") as bo:
            ok(ask(al, "raise_hand", target="bo"))
            assert queue_after(bo, "hand_raised") == ["al"]
            ok(ask(bo, "raise_hand"))
            assert queue_after(al, "hand_raised") == ["al", "bo"]
            ok(ask(al, "lower_hand"))
            assert queue_after(bo, "hand_lowered") == ["bo"]
        raised = [e for e in store.events("s1") if e.kind is ps.EventKind.HAND_RAISED]
        assert [(e.actor, e.member) for e in raised] == [("al", "al"), ("bo", "bo")]

    def test_the_facilitator_moves_removes_and_clears(self, busy):
        """Move (with a position), remove and clear, each recorded with who did it."""
        base, store = busy
        with socket(base, "s1", "dee") as dee, socket(base, "s1", "cy") as cy:
            ok(ask(cy, "raise_hand"))
            assert queue_after(dee, "hand_raised") == ["al", "bo", "cy"]
            ok(request(dee, {"action": "move_hand", "target": "cy", "position": 0}))
            assert queue_after(cy, "hand_moved") == ["cy", "al", "bo"]
            ok(ask(dee, "lower_hand_for", target="al"))
            assert queue_after(cy, "hand_lowered") == ["cy", "bo"]
            ok(ask(dee, "clear_hands"))
            assert queue_after(cy, "hands_cleared") == []
        moved = [e for e in store.events("s1") if e.kind is ps.EventKind.HAND_MOVED]
        assert [(e.actor, e.member, dict(e.data)) for e in moved] == [
            ("dee", "cy", {"position": 0})
        ]
        lowered = [e for e in store.events("s1") if e.kind is ps.EventKind.HAND_LOWERED]
        assert [(e.actor, e.member) for e in lowered] == [("dee", "al")]

    def test_a_point_of_process_acknowledged_then_resolved(self, served):
        """A point is raised, acknowledged and resolved with its outcome; no content anywhere."""
        base, store = served
        with socket(base, "s1", "dee") as dee, socket(base, "s1", "bo") as bo:
            ok(ask(bo, "raise_point"))
            assert state_after(dee, "point_raised")["points"] == [
                {"id": "bo", "name": "Bo", "acknowledged": False}
            ]
            ok(ask(dee, "acknowledge_point", target="bo"))
            assert state_after(bo, "point_acknowledged")["points"][0]["acknowledged"] is True
            ok(request(dee, {"action": "resolve_point", "target": "bo", "outcome": "amendment"}))
            assert state_after(bo, "point_resolved")["points"] == []
        points = [e for e in store.events("s1") if e.kind.value.startswith("point_")]
        assert [dict(e.data) for e in points] == [{}, {}, {"outcome": "amendment"}]

    @pytest.mark.parametrize(
        ("message", "error"),
        [
            ({"action": "move_hand", "target": "bo"}, "move_hand needs 'position'"),
            ({"action": "move_hand", "target": "bo", "position": "0"}, "needs 'position'"),
            ({"action": "move_hand", "target": "bo", "position": True}, "needs 'position'"),
            ({"action": "move_hand", "target": "bo", "position": -1}, "needs 'position'"),
            ({"action": "move_hand", "target": "bo", "position": 0.0}, "needs 'position'"),
            ({"action": "move_hand", "position": 0}, "move_hand needs 'target': a member's id"),
            ({"action": "lower_hand_for", "target": ["bo"]}, "needs 'target'"),
            ({"action": "acknowledge_point", "target": ""}, "needs 'target'"),
            ({"action": "resolve_point", "target": "cy"}, "resolve_point needs 'outcome'"),
            (
                {"action": "resolve_point", "target": "cy", "outcome": "settled"},
                "needs 'outcome': 'resolved' or 'amendment'",
            ),
            ({"action": "raise_hands"}, "there is no action 'raise_hands' in the room"),
            ({"target": "bo"}, "a request names an action"),
        ],
    )
    def test_a_malformed_request_is_answered_and_changes_nothing(self, busy, message, error):
        """A request missing or mangling what its button needs: a clear error, nothing stored."""
        base, store = busy
        with socket(base, "s1", "dee") as dee:
            ok(ask(dee, "acknowledge_point", target="cy"))
            before = store.events("s1")
            reply = request(dee, {"id": 7, **message})
            assert reply["ok"] is False
            assert error in reply["error"]
            assert store.events("s1") == before

    @pytest.mark.parametrize(
        ("member", "message", "error"),
        [
            ("al", {"action": "move_hand", "target": "bo", "position": 0}, "only a facilitator"),
            ("al", {"action": "clear_hands"}, "al may not clear_hands"),
            ("al", {"action": "acknowledge_point", "target": "cy"}, "al may not acknowledge_point"),
            ("dee", {"action": "move_hand", "target": "bo", "position": 5}, "from 0 to 1"),
            ("dee", {"action": "move_hand", "target": "cy", "position": 0}, "cy's hand is not up"),
            ("dee", {"action": "acknowledge_point", "target": "bo"}, "rule 'point-of-process'"),
            (
                "dee",
                {"action": "resolve_point", "target": "cy", "outcome": "resolved"},
                "cy has no point of process acknowledged",
            ),
            ("al", {"action": "raise_hand"}, "has a hand up already (rule 'one-hand-each')"),
            ("cy", {"action": "lower_hand"}, "cy's hand is not up"),
            ("cy", {"action": "raise_point"}, "cy's point is pending"),
            ("ob", {"action": "raise_hand"}, "ob may not raise_hand"),
        ],
    )
    def test_a_refusal_is_the_librarys_and_changes_nothing(self, busy, member, message, error):
        """A well-formed request the session refuses shows its own reason; nothing is stored."""
        base, store = busy
        with socket(base, "s1", member) as person:
            before = store.events("s1")
            reply = request(person, message)
            assert reply["ok"] is False
            assert error in reply["error"]
            assert store.events("s1") == before
