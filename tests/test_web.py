"""The web room over a real server: links, who may do what, live updates, restarts."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

import peersupport as ps
from peersupport.web import Links, phase_diagram, room_view
from people import make_group
from web_server import SECRET, ask, free_port, room, room_server, socket, state_after

pytestmark = pytest.mark.web

LINKS = Links(SECRET)


def get(url: str, data: bytes | None = None) -> tuple[int, str]:
    """Status and body of a GET (or a POST with ``data``)."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def served_store(tmp_path):
    """An SQLite store with the test group and one sharing circle, 's1'."""
    with ps.store.SqliteStore(tmp_path / "room.db") as store:
        store.save_group("g", make_group())
        ps.live.LiveSession.start(store, "s1", "g", ps.formats.get("sharing-circle"))
        yield store


@pytest.fixture
def served(tmp_path):
    """A room server over an SQLite store with the test group and one sharing circle."""
    store = ps.store.SqliteStore(tmp_path / "room.db")
    store.save_group("g", make_group())
    ps.live.LiveSession.start(store, "s1", "g", ps.formats.get("sharing-circle"))
    with room_server(store) as base:
        yield base, store
    store.close()


def test_every_link_is_checked(served):
    base, _store = served
    good = room(base, "s1", "al")
    assert get(good)[0] == 200
    for bad in (
        good + "x",  # a changed tag
        good.replace("/al.", "/bo."),  # another member's id with al's tag
        room(base, "s2", "al"),  # a link of another session
        f"{base}/s/s1/al",  # no tag
        f"{base}/s/nope/{LINKS.token('session:nope', 'al')}",  # a well-signed unknown session
    ):
        status, body = get(bad)
        assert status == 403, bad
        assert "This link is not valid" in body
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with (
        pytest.raises(InvalidStatus, match="403"),
        connect(good.replace("http://", "ws://") + "x/ws"),
    ):
        pass


def test_only_a_facilitator_sees_the_links_and_starts_sessions(served):
    base, store = served
    assert get(room(base, "s1", "al") + "/links")[0] == 403
    status, page = get(room(base, "s1", "dee") + "/links")
    assert status == 200
    assert room(base, "s1", "bo") in page  # everyone's own link is listed
    member_page = f"{base}/g/g/{LINKS.token('group:g', 'al')}"
    assert get(member_page, data=b"format=sharing-circle")[0] == 403
    facilitator_page = f"{base}/g/g/{LINKS.token('group:g', 'dee')}"
    status, page = get(facilitator_page, data=b"format=open-sharing")
    assert status == 200  # redirected to the new session's links
    assert "Join links" in page
    assert [s.format for s in store.sessions("g")] == ["sharing-circle", "open-sharing"]


def test_a_link_acts_only_for_its_member(served):
    base, store = served
    with socket(base, "s1", "al") as al:
        assert ask(al, "arrive")["ok"]
        assert ask(al, "arrive", target="bo")["ok"] is False  # the target is ignored: al again
        reply = ask(al, "skip", target="bo")
        assert reply["ok"] is False
        assert "al may not skip" in reply["error"]
    arrivals = [e.member for e in store.events("s1") if e.kind is ps.EventKind.ARRIVED]
    assert arrivals == ["al"]


def test_an_observer_cannot_take_the_floor_and_the_refusal_is_the_librarys(served):
    base, _store = served
    with socket(base, "s1", "dee") as dee, socket(base, "s1", "ob") as ob:
        for connection in (dee, ob):
            assert ask(connection, "arrive")["ok"]
            assert ask(connection, "consent")["ok"]
        assert ask(dee, "advance")["ok"]
        reply = ask(ob, "start_share")
        assert reply["ok"] is False
        assert "rule 'observers-listen'" in reply["error"]


def test_every_page_hears_every_update(served):
    base, _store = served
    with socket(base, "s1", "al") as al, socket(base, "s1", "bo") as bo:
        assert ask(al, "arrive")["ok"]
        seen = state_after(bo, "arrived")
        assert [p["name"] for p in seen["present"]] == ["Al"]
        assert seen["me"]["id"] == "bo"  # each page sees the room as its own member


def test_the_room_survives_a_restart(tmp_path):
    store = ps.store.SqliteStore(tmp_path / "room.db")
    store.save_group("g", make_group())
    ps.live.LiveSession.start(store, "s1", "g", ps.formats.get("sharing-circle"))
    port = free_port()
    with room_server(store, port) as base, socket(base, "s1", "al") as al:
        assert ask(al, "arrive")["ok"]
        assert ask(al, "consent")["ok"]
    with room_server(store, port) as base, socket(base, "s1", "al") as al:
        again = ask(al, "leave")  # the restored session knows al is present
        assert again["ok"], again
    store.close()


def test_two_server_processes_on_one_store(tmp_path):
    """Al's page is served by one server, Bo's by another: with polling, each hears the other."""
    path = tmp_path / "room.db"
    with ps.store.SqliteStore(path) as store:
        store.save_group("g", make_group())
        ps.live.LiveSession.start(store, "s1", "g", ps.formats.get("sharing-circle"))
    with (
        ps.store.SqliteStore(path) as first_store,
        ps.store.SqliteStore(path) as second_store,
        room_server(first_store, poll=0.05) as first,
        room_server(second_store, poll=0.05) as second,
        socket(first, "s1", "al") as al,
        socket(second, "s1", "bo") as bo,
    ):
        assert ask(al, "arrive")["ok"]
        assert [p["id"] for p in state_after(bo, "arrived")["present"]] == ["al"]
        assert ask(bo, "arrive")["ok"]  # bo's server is up to date: no conflict to lose
        assert [p["id"] for p in state_after(al, "arrived")["present"]] == ["al", "bo"]
        assert [e.member for e in second_store.events("s1")[1:]] == ["al", "bo"]


def test_the_server_freezes_long_lived_objects_as_configured(served_store):
    gc.unfreeze()
    try:
        with room_server(served_store, freeze_every=None):
            time.sleep(0.3)
            assert gc.get_freeze_count() == 0
        with room_server(served_store, freeze_every=0.05):
            deadline = time.monotonic() + 10
            while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_serve_demo_prints_links_that_open_the_room(tmp_path):
    """The README's ``peersupport serve --demo``: a store, the demo group, working links."""
    port = free_port()
    command = [sys.executable, "-m", "peersupport.cli", "serve", "--demo", "--port", str(port)]
    server = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(9)]  # type: ignore[union-attr]
        links = dict(re.findall(r"^\s+(\w+)\s+\w+: (http://\S+)$", "".join(lines), re.M))
        assert sorted(links) == ["Al", "Bo", "Cy", "Dee", "Di", "Ed", "Flo"]
        for _ in range(200):  # until the server listens
            try:
                status, page = get(links["Flo"])
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert status == 200
        assert "Thursday circle" in page
        assert get(links["Flo"].replace("/flo.", "/al."))[0] == 403
    finally:
        server.terminate()
        server.wait(20)
        server.stdout.close()  # type: ignore[union-attr]
    assert (tmp_path / "peersupport.db").exists()
    assert (tmp_path / "peersupport.db.secret").stat().st_mode & 0o077 == 0  # the key is private


def test_pages_escape_names(tmp_path):
    group = ps.Group(
        "<script>alert(1)</script>", {ps.Member("dee", "<b>Dee</b>"): ps.Role.FACILITATOR}
    )
    store = ps.store.SqliteStore(tmp_path / "room.db")
    store.save_group("g", group)
    ps.live.LiveSession.start(store, "s1", "g", ps.formats.get("sharing-circle"))
    with room_server(store) as base:
        _status, page = get(room(base, "s1", "dee"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    store.close()


class TestView:
    """What each person's page offers, from the state alone."""

    @pytest.fixture
    def session(self, clock):
        session = ps.Session(make_group(), ps.formats.get("sharing-circle"), clock=clock)
        for member in ("dee", "al", "bo", "ob"):
            session.arrive(member)
            session.consent(member)
        session.advance(by="dee")
        return session

    def view(self, session: ps.Session, member: str) -> dict[str, Any]:
        return room_view(session.state, session.group, session.format, member, now=0.0)

    def test_buttons_follow_the_turn_and_the_role(self, session):
        assert self.view(session, "al")["buttons"] == [
            "start_share",
            "pass_turn",
            "raise_point",
            "leave",
            "listen",
            "propose_amendment",
        ]
        assert "start_share" not in self.view(session, "ob")["buttons"]  # observers listen
        facilitator = self.view(session, "dee")["buttons"]
        assert {"advance", "close_round", "skip", "pause", "end"} <= set(facilitator)
        session.start_share("al")
        assert self.view(session, "al")["buttons"] == ["end_share", "raise_point", "leave"]
        assert "end_share_for" in self.view(session, "dee")["buttons"]
        session.pause(by="dee")
        assert "resume" in self.view(session, "dee")["buttons"]

    def test_the_timer_and_who_is_waiting(self, session, clock):
        session.pass_turn("al")
        session.start_share("bo")
        clock.advance(95)
        session.apply_due()
        view = room_view(session.state, session.group, session.format, "al", now=clock.now())
        assert view["share"]["elapsed"] == 95
        assert (view["share"]["warn_at"], view["share"]["limit"]) == (90.0, 120.0)
        assert view["share"]["warned"] is True
        assert view["share"]["over"] is False
        assert [w["id"] for w in view["waiting"]] == ["dee"]  # al passed, bo shares, ob listens

    def test_the_diagram_has_every_phase(self):
        fmt = ps.formats.get("sharing-circle")
        svg = phase_diagram(fmt)
        assert re.findall(r'data-phase="([^"]+)"', svg) == list(fmt.phases)
