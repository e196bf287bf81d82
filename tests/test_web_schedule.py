"""The meeting's time, reason codes and referrals in the web room.

A session started from the group's home page follows the schedule of the group's
weekly meeting of that format; every page shows the time left, the time-to-close
notice and an overrun, facilitators also how far behind the phases to come are.
Facilitators pause, resume and end with a reason code and record referrals; a
code not in the tables is refused and records nothing; a referral reaches
facilitators' pages only. Over a real server, and from the state alone.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import peersupport as ps
from peersupport.engine.kinds import REASONS, REFERRALS
from peersupport.web import Links, room_view
from peersupport.web.meetingview import scheduled_end
from people import T0
from web_server import SECRET, ask, initial, request, room, room_server, state_where, watch

pytestmark = pytest.mark.web

CIRCLE = ps.formats.get("sharing-circle")
#: Distinctive names, so that finding one in a log is no accident.
NAMES = {"dee": "Delphine", "al": "Alberic", "bo": "Bogumila", "cy": "Cyprian"}
ROLES = {"dee": ps.Role.FACILITATOR} | dict.fromkeys(("al", "bo", "cy"), ps.Role.MEMBER)
ONLINE = ps.Conference(url="https://meet.example.org/circle")
UTC = datetime.UTC


def weekly(start: datetime.datetime, minutes: int, fmt: str = "sharing-circle") -> ps.Meeting:
    """A weekly meeting (UTC) starting at ``start``'s weekday and time, ``minutes`` long."""
    end = start + datetime.timedelta(minutes=minutes)
    return ps.Meeting(
        day=(start.weekday() + 1) % 7,
        time=start.strftime("%H:%M"),
        end_time=end.strftime("%H:%M"),
        timezone="UTC",
        format=fmt,
        conference=ONLINE,
    )


def make_group(*meetings: ps.Meeting) -> ps.Group:
    roles = {ps.Member(m, NAMES[m]): role for m, role in ROLES.items()}
    return ps.Group("Thursday circle", roles, meetings=meetings)


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class TestScheduledEnd:
    """Which meeting's end a new session takes (from the state of the schedule alone)."""

    #: A Thursday, 18:00 UTC.
    NOW = datetime.datetime(2026, 12, 3, 18, 0, tzinfo=UTC)

    def at(self, hour: int, minute: int = 0) -> datetime.datetime:
        return self.NOW.replace(hour=hour, minute=minute)

    def test_the_soonest_end_to_come_of_the_chosen_format(self):
        """Among the chosen format's meetings; none once the nearest occurrence is over."""
        meetings = (
            weekly(self.at(17, 30), 210),  # ends 21:00
            weekly(self.at(18, 30), 90),  # ends 20:00
            weekly(self.at(18, 0), 30, fmt="open-sharing"),  # another format
        )
        now = self.NOW.timestamp()
        assert scheduled_end(meetings, "sharing-circle", now) == self.at(20).timestamp()
        assert scheduled_end(meetings, "open-sharing", now) == self.at(18, 30).timestamp()
        assert scheduled_end(meetings, "dbsa", now) is None
        assert scheduled_end((), "sharing-circle", now) is None
        over = weekly(self.at(15), 60)  # 15:00 to 16:00, two hours ago
        assert scheduled_end((over,), "sharing-circle", now) is None


@pytest.fixture
def now_meeting() -> ps.Meeting:
    """A weekly sharing circle that started a minute ago (or two) and runs an hour."""
    start = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
    return weekly(start - datetime.timedelta(minutes=1), 60)


class TestStartOnSchedule:
    """A facilitator starts a session on the group's home page."""

    @pytest.fixture
    def served(self, tmp_path, now_meeting):
        store = ps.store.SqliteStore(tmp_path / "room.db")
        store.save_group("g", make_group(now_meeting))
        with room_server(store) as base:
            yield base, store
        store.close()

    def start(self, base: str, fmt: str) -> None:
        token = Links(SECRET).token("group:g", "dee")
        assert fetch(f"{base}/g/g/{token}", f"format={fmt}".encode())[0] == 200  # the links

    def test_the_opened_event_has_the_meetings_end(self, served, now_meeting):
        """The session of the meeting's format ends as the meeting does; its room says so."""
        base, store = served
        self.start(base, "sharing-circle")
        (record,) = store.sessions("g")
        opened = store.events(record.session_id)[0]
        expected = now_meeting.scheduled_end(time.time())
        assert opened.kind is ps.EventKind.OPENED
        assert opened.data["ends_at"] == expected
        shown = initial(fetch(room(base, record.session_id, "al"))[1])["time"]
        assert 57 * 60 < shown["left"] <= 59 * 60
        assert shown["ends_at"] == expected
        assert (shown["closing"], shown["overran"]) == (False, False)
        assert 0 < shown["phase_left"] < CIRCLE.phases["opening"].budget  # shrunk: 80 min planned

    def test_another_format_has_no_schedule(self, served):
        base, store = served
        self.start(base, "open-sharing")
        (record,) = store.sessions("g")
        assert "ends_at" not in store.events(record.session_id)[0].data
        assert initial(fetch(room(base, record.session_id, "al"))[1])["time"] is None

    def test_rooms_create_without_meetings_has_no_schedule(self, tmp_path):
        """``Rooms.create``'s callers that name no meetings start sessions as before."""
        from peersupport.web import Rooms

        with ps.store.SqliteStore(tmp_path / "room.db") as store:
            store.save_group("g", make_group())

            async def create() -> str:
                rooms = Rooms(store)
                try:
                    return await rooms.create("g", "sharing-circle")
                finally:
                    await rooms.close()

            sid = asyncio.run(create())
            assert "ends_at" not in store.events(sid)[0].data


class TestTimeView:
    """What the pages show of the meeting's time, from the state alone."""

    def view(self, session: ps.Session, member: str) -> dict[str, Any]:
        now = session.clock.now()
        return room_view(session.state, session.group, session.format, member, now=now)

    @pytest.fixture
    def session(self, clock) -> ps.Session:
        """An hour's meeting of a circle that plans 80 minutes: it starts 20 minutes behind."""
        session = ps.Session(make_group(), CIRCLE, clock=clock, ends_at=T0 + 3600)
        for member in ROLES:
            session.arrive(member)
            session.consent(member)
        return session

    def test_time_left_of_the_meeting_and_the_phase(self, session, clock):
        clock.advance(60)
        shown = self.view(session, "al")["time"]
        assert shown == {
            "ends_at": T0 + 3600,
            "left": 3540.0,
            "phase_left": 300 * 3600 / 4800 - 60,  # the opening's budget shrank to fit
            "closing": False,
            "overran": False,
        }

    def test_the_same_plan_as_the_engines(self, session, clock):
        """Left, phase left and behind agree with Session.time_plan, paused or not."""
        for step in (
            lambda: clock.advance(100),
            lambda: session.advance(by="dee"),
            lambda: clock.advance(700),
            lambda: session.pause(by="dee"),
            lambda: clock.advance(300),
            lambda: session.resume(by="dee"),
            lambda: clock.advance(500),
        ):
            step()
            mine = self.view(session, "dee")
            plan = session.time_plan()
            assert mine["time"]["left"] == pytest.approx(plan.left)
            assert mine["time"]["phase_left"] == pytest.approx(plan.phase_left)
            assert mine["facilitation"]["behind"] == pytest.approx(plan.behind)
        assert plan.behind > 0

    def test_time_to_close_then_overran(self, session, clock):
        clock.advance(3600 - 300)
        session.apply_due()
        shown = self.view(session, "bo")["time"]
        assert (shown["closing"], shown["overran"], shown["left"]) == (True, False, 300.0)
        clock.advance(301)
        session.apply_due()
        shown = self.view(session, "bo")["time"]
        assert (shown["closing"], shown["overran"], shown["left"]) == (True, True, -1.0)

    def test_without_a_schedule_no_time(self, clock):
        session = ps.Session(make_group(), CIRCLE, clock=clock)
        session.arrive("dee")
        assert self.view(session, "dee")["time"] is None
        assert self.view(session, "dee")["facilitation"]["behind"] is None

    def test_behind_and_referrals_are_for_facilitators_only(self, session):
        assert self.view(session, "dee")["facilitation"]["behind"] > 0
        assert "refer" in self.view(session, "dee")["buttons"]
        assert self.view(session, "al")["facilitation"] is None
        assert "refer" not in self.view(session, "al")["buttons"]


def serve(path, ends_in: float, close_notice: float | None = None) -> Iterator[tuple[str, Any]]:
    """A server over a store holding 's1', a circle ending in ``ends_in`` s, everyone in."""
    group = make_group()
    end = time.time() + ends_in
    session = ps.Session(group, CIRCLE, ends_at=end, close_notice=close_notice)
    for member in ROLES:
        session.arrive(member)
        session.consent(member)
    session.advance(by="dee")
    store = ps.store.SqliteStore(path)
    store.save_group("g", group)
    store.start_session("s1", "g", session.events)
    with room_server(store) as base:
        yield base, store
    store.close()


@pytest.fixture
def served(tmp_path):
    """An hour to go."""
    yield from serve(tmp_path / "room.db", 3600)


def ok(reply: dict[str, Any]) -> None:
    assert reply["ok"], reply


def stored(store: Any, kind: ps.EventKind) -> list[ps.Event]:
    return [e for e in store.events("s1") if e.kind is kind]


class TestTimeOverTheSocket:
    """Every page hears the meeting's time, the notice and the overrun."""

    def test_the_state_carries_the_time_left(self, served):
        base, _store = served
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            shown = state_where(al, lambda s: True)
            assert 3500 < shown["time"]["left"] <= 3600
            assert shown["time"]["phase_left"] <= CIRCLE.phases["check_in"].budget
            assert shown["facilitation"] is None
            assert state_where(dee, lambda s: True)["facilitation"]["behind"] > 0

    def test_time_to_close_then_the_meeting_ran_over(self, tmp_path):
        """Ending in 2 s with a 1 s notice: both are recorded and every page shows them."""
        for base, store in serve(tmp_path / "room.db", 2.0, close_notice=1.0):
            with watch(base, "s1", "al") as al:
                shown = state_where(al, lambda s: s["time"]["closing"])
                assert shown["time"]["left"] <= 1.0
                shown = state_where(al, lambda s: s["time"]["overran"])
                assert shown["time"]["left"] <= 0
            assert len(stored(store, ps.EventKind.TIME_TO_CLOSE)) == 1
            assert len(stored(store, ps.EventKind.MEETING_OVERRAN)) == 1


class TestReasons:
    """Pause, resume and end with a reason code, or none."""

    def test_pause_resume_and_end_record_their_reason(self, served):
        base, store = served
        with watch(base, "s1", "dee") as dee:
            ok(ask(dee, "pause", reason="break"))
            ok(ask(dee, "resume"))  # no reason: none recorded
            ok(ask(dee, "pause", reason=None))
            ok(ask(dee, "resume", reason="technical"))
            ok(ask(dee, "end", reason="safety"))
        paused, resumed = stored(store, ps.EventKind.PAUSED), stored(store, ps.EventKind.RESUMED)
        assert [dict(e.data) for e in paused] == [{"reason": "break"}, {}]
        assert [dict(e.data) for e in resumed] == [{}, {"reason": "technical"}]
        (ended,) = stored(store, ps.EventKind.ENDED)
        assert (ended.actor, ended.data["reason"]) == ("dee", "safety")

    @pytest.mark.parametrize("action", ["pause", "end"])
    @pytest.mark.parametrize("reason", ["Bogumila is upset", "", "BREAK", 3, ["break"], True])
    def test_a_reason_not_a_code_is_refused_and_records_nothing(self, served, action, reason):
        base, store = served
        with watch(base, "s1", "dee") as dee:
            before = store.events("s1")
            reply = request(dee, {"id": 3, "action": action, "reason": reason})
            assert reply["ok"] is False
            assert reply["error"] == (
                f"{action} needs 'reason': none (null) or one of "
                "'safety', 'break', 'technical', 'other'"
            )
            assert store.events("s1") == before


class TestReferrals:
    """A facilitator records a referral; only facilitators' pages ever hear of it."""

    def test_recorded_and_shown_to_facilitators_only(self, served):
        base, store = served
        with (
            watch(base, "s1", "dee") as dee,
            watch(base, "s1", "dee") as desk,  # the facilitator's second page, watching
            watch(base, "s1", "al") as al,
        ):
            state_where(al, lambda s: True)  # the current state
            ok(ask(dee, "refer", target="bo", to="crisis-line"))
            mine = state_where(desk, lambda s: s["facilitation"]["referrals"])["facilitation"]
            assert mine["referrals"] == [
                {"id": "bo", "name": "Bogumila", "to": "crisis-line", "label": "A crisis line"}
            ]
            assert {"id": "bo", "name": "Bogumila"} in mine["referable"]
            ok(ask(dee, "pause"))
            # Al's page heard nothing of the referral, not even that something happened.
            raw = al.recv(timeout=10)
            message = json.loads(raw)
            assert [e["kind"] for e in message["events"]] == ["paused"]
            assert message["state"]["facilitation"] is None
            assert "referr" not in raw
            assert "crisis" not in raw
        (event,) = stored(store, ps.EventKind.REFERRED)
        assert (event.actor, event.member, dict(event.data)) == ("dee", "bo", {"to": "crisis-line"})
        # A page loaded afterwards: the facilitator's lists it, a member's has no trace of it.
        page = fetch(room(base, "s1", "dee"))[1]
        assert initial(page)["facilitation"]["referrals"]
        menus = re.findall(r'<select id="(?:reason|referral-kind)">(.*?)</select>', page, re.S)
        offered = set(re.findall(r'<option value="([^"]*)"', "".join(menus)))  # and no reason
        assert offered == {"", *REASONS, *REFERRALS}
        member_page = fetch(room(base, "s1", "al"))[1]
        assert initial(member_page)["facilitation"] is None
        assert "crisis" not in member_page
        assert 'id="referral"' not in member_page

    def test_someone_who_left_may_be_referred(self, served):
        base, store = served
        with watch(base, "s1", "dee") as dee, watch(base, "s1", "cy") as cy:
            ok(ask(cy, "leave"))
            ok(ask(dee, "refer", target="cy", to="professional"))
        assert [(e.member, e.data["to"]) for e in stored(store, ps.EventKind.REFERRED)] == [
            ("cy", "professional")
        ]

    @pytest.mark.parametrize(
        ("member", "message", "error"),
        [
            ("dee", {"target": "bo", "to": "my own therapist"}, "refer needs 'to': one of"),
            ("dee", {"target": "bo", "to": None}, "refer needs 'to'"),
            ("dee", {"target": "bo"}, "refer needs 'to'"),
            ("dee", {"target": "bo", "to": ""}, "refer needs 'to'"),
            ("dee", {"to": "crisis-line"}, "refer needs 'target': a member's id"),
            ("dee", {"target": "zed", "to": "crisis-line"}, "dee may not refer"),
            ("al", {"target": "bo", "to": "crisis-line"}, "al may not refer"),
            ("al", {"action": "pause", "reason": "safety"}, "al may not pause"),
        ],
    )
    def test_a_bad_referral_is_refused_and_records_nothing(self, served, member, message, error):
        """Codes not in the table, an unknown member, a member acting: refused, nothing stored."""
        base, store = served
        with watch(base, "s1", member) as person:
            before = store.events("s1")
            reply = request(person, {"id": 5, "action": "refer", **message})
            assert reply["ok"] is False
            assert error in reply["error"]
            assert store.events("s1") == before

    def test_no_names_or_codes_in_logs(self, served, caplog):
        caplog.set_level(logging.DEBUG)
        base, _store = served
        with watch(base, "s1", "dee") as dee:
            ok(ask(dee, "refer", target="bo", to="emergency-services"))
            ok(ask(dee, "pause", reason="safety"))
            assert not ask(dee, "end", reason="Bogumila is upset")["ok"]
        # The server's logs, not the test's own client (which logs what it sends).
        logged = "\n".join(
            r.getMessage() for r in caplog.records if not r.name.startswith("websockets.client")
        )
        assert not [n for n in NAMES.values() if n in logged]
        assert "emergency" not in logged
        assert "upset" not in logged
