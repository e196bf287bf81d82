"""The group amends its agreement in the web room: proposals, decisions, withdrawals.

A member present who takes part proposes changing one setting of the agreement;
every page shows the open proposals (who proposed, the change in words) and the
group's decision rule. A facilitator records the count (how many agreed,
disagreed and stood aside: never who), the rule decides, and an accepted proposal
makes the next version of the agreement, which everyone is asked to consent to;
or the facilitator withdraws it. Observers propose nothing. Malformed requests
and refusals record nothing. From the state alone, and over a real server.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import peersupport as ps
from peersupport.web import room_view
from peersupport.web.agreementview import (
    DECISION_LABELS,
    SETTING_KINDS,
    describe,
    proposals,
    setting_value,
)
from people import make_group
from web_server import ask, initial, request, room, serve_session, state_where, watch

pytestmark = pytest.mark.web

#: Who is in the session: facilitator dee, members al and bo, observer ob.
PRESENT = ("dee", "al", "bo", "ob")


def circle(clock: ps.Clock, agreement: ps.Agreement | None = None) -> ps.Session:
    """A sharing circle of the test group in its sharing round, everyone in and consented."""
    session = ps.Session(make_group(agreement), ps.formats.get("sharing-circle"), clock=clock)
    for member in PRESENT:
        session.arrive(member)
        session.consent(member)
    session.advance(by="dee")
    return session


def view(session: ps.Session, member: str) -> dict[str, Any]:
    """The room as ``member`` sees it, with the proposals read from the log as the server does."""
    return room_view(
        session.state,
        session.group,
        session.format,
        member,
        now=session.clock.now(),
        proposals=proposals(session.state, session.events),
    )


def buttons(session: ps.Session, member: str) -> set[str]:
    return set(view(session, member)["buttons"])


class TestFromTheState:
    """Who gets which button, and what every page shows, from the state alone."""

    def test_who_proposes_decides_and_withdraws(self, clock):
        session = circle(clock)
        for member in ("al", "bo", "dee"):
            assert "propose_amendment" in buttons(session, member)
        assert "propose_amendment" not in buttons(session, "ob")  # observers propose nothing
        session.start_share("al")
        assert "propose_amendment" not in buttons(session, "al")  # not while sharing
        assert "propose_amendment" in buttons(session, "bo")
        session.end_share("al")
        assert not {"decide_amendment", "withdraw_amendment"} & buttons(session, "dee")
        session.propose_amendment("al", share_the_air=0.3)
        assert {"decide_amendment", "withdraw_amendment"} <= buttons(session, "dee")
        assert not {"decide_amendment", "withdraw_amendment"} & buttons(session, "al")
        session.pause(by="dee")  # no decision while paused; withdrawing is fine
        assert "withdraw_amendment" in buttons(session, "dee")
        assert not {"decide_amendment", "propose_amendment"} & buttons(session, "dee")
        assert "propose_amendment" not in buttons(session, "al")
        session.resume(by="dee")
        session.withdraw_amendment(1, by="dee")
        assert not {"decide_amendment", "withdraw_amendment"} & buttons(session, "dee")
        session.end(by="dee")
        assert not buttons(session, "al")

    def test_nothing_is_read_from_the_log_without_proposals(self, clock):
        session = circle(clock)

        class Unread:
            def __iter__(self) -> Iterator[ps.Event]:
                raise AssertionError("the log was read")

        assert proposals(session.state, Unread()) == {}
        assert view(session, "al")["amendments"] == {
            "decision": {
                "rule": "consensus",
                "label": "consensus",
                "needs": DECISION_LABELS["consensus"][1],
            },
            "taking_part": 3,
            "proposals": [],
        }

    def test_proposals_in_words_with_their_outcome_and_counts(self, clock):
        session = circle(clock, ps.Agreement(share_limit=300.0, warn_at=60.0))
        session.propose_amendment("al", share_limit=120.0)
        session.propose_amendment("bo", decision="majority")
        session.propose_amendment("al", cross_talk=True, by="dee")
        shown = view(session, "ob")["amendments"]  # observers see them too
        assert [(p["number"], p["id"], p["name"], p["status"]) for p in shown["proposals"]] == [
            (1, "al", "Al", "open"),
            (2, "bo", "Bo", "open"),
            (3, "al", "Al", "open"),
        ]
        assert [p["text"] for p in shown["proposals"]] == [
            "Share limit: 2:00",
            "How we decide: majority",
            "Cross-talk allowed: yes",
        ]
        assert shown["proposals"][0]["changes"] == [
            {"setting": "share_limit", "value": 120.0, "text": "Share limit: 2:00"}
        ]
        session.decide_amendment(1, by="dee", agree=2, stand_aside=1)
        session.decide_amendment(2, by="dee", agree=2, disagree=1)
        session.withdraw_amendment(3, by="dee")
        shown = view(session, "al")["amendments"]
        assert [(p["status"], p["counts"]) for p in shown["proposals"]] == [
            ("accepted", {"agree": 2, "disagree": 0, "stand_aside": 1}),
            ("rejected", {"agree": 2, "disagree": 1, "stand_aside": 0}),
            ("withdrawn", None),
        ]
        assert view(session, "al")["agreement"]["version"] == 2
        assert "consent" in buttons(session, "al")
        assert view(session, "al")["me"]["consented"] is False

    def test_the_rule_is_shown_and_follows_an_amendment(self, clock):
        session = circle(clock)
        session.propose_amendment("bo", decision="two-thirds")
        session.decide_amendment(1, by="dee", agree=3)
        rule = view(session, "al")["amendments"]["decision"]
        assert (rule["rule"], rule["label"]) == ("two-thirds", "two thirds")
        assert "two thirds of those who vote agree" in rule["needs"]

    @pytest.mark.parametrize(
        ("setting", "value", "text"),
        [
            ("share_limit", 120.0, "Share limit: 2:00"),
            ("share_limit", None, "Share limit: none"),
            ("warn_at", 90.5, "Time warning at: 1:30.5"),
            ("reserved_time", 3600.0, "Time reserved for those who have not shared: 60:00"),
            ("may_pass", False, "Members may pass: no"),
            ("share_the_air", 0.25, "Share-the-air notice above: 25%"),
            ("size_guidance", 12, "Group size guidance: 12"),
            ("decision", "consensus", "How we decide: consensus"),
        ],
    )
    def test_a_change_in_words(self, setting, value, text):
        assert describe(setting, value) == text

    @pytest.mark.parametrize(
        ("setting", "good", "bad"),
        [
            ("share_limit", [120, 120.5, None, 86400], [0, -1, 86401, True, "120", float("inf")]),
            ("warn_at", [1, None], [0.0, False, [60]]),
            ("hard_cap", [True, False], [None, 1, "yes"]),
            ("share_the_air", [0.4, 1, None], [0, 1.5, True, "0.4"]),
            ("size_guidance", [2, 12, None], [1, 12.0, True, "12"]),
            ("decision", list(DECISION_LABELS), [None, "unanimity", 1]),
        ],
    )
    def test_values_are_checked_per_setting(self, setting, good, bad):
        for value in good:
            fits, asked, _wanted = setting_value(setting, value)
            assert fits, value
            if SETTING_KINDS[setting].kind == "seconds" and value is not None:
                assert type(asked) is float
        for value in bad:
            assert not setting_value(setting, value)[0], value
        assert not setting_value("share_limit", 10**400)[0]


# ---------------------------------------------------------------------- over a server


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, ps.store.Store]]:
    """The sharing circle over a real server; the warning at 1:00, so shares may be 2:00."""
    session = circle(ps.SystemClock(), ps.Agreement(share_limit=300.0, warn_at=60.0))
    with serve_session(tmp_path / "room.db", session) as both:
        yield both


def ok(reply: dict[str, Any]) -> None:
    assert reply["ok"], reply


def new_events(store: ps.store.Store, before: int) -> list[ps.Event]:
    return list(store.events("s1")[before:])


def propose(connection: Any, setting: str, value: Any) -> dict[str, Any]:
    return request(
        connection, {"id": 3, "action": "propose_amendment", "setting": setting, "value": value}
    )


def decide(connection: Any, proposal: Any, agree: Any, disagree: Any = 0, aside: Any = 0) -> Any:
    message = {"proposal": proposal, "agree": agree, "disagree": disagree, "stand_aside": aside}
    return request(connection, {"id": 4, "action": "decide_amendment", **message})


class TestOverTheSocket:
    """Each request records its event; every page hears of it; nobody's vote is sent."""

    def test_propose_decide_and_everyone_is_asked_to_consent(self, served):
        base, store = served
        before = len(store.events("s1"))
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            ok(propose(al, "share_limit", 120))
            shown = state_where(dee, lambda s: s["amendments"]["proposals"])
            (proposed,) = shown["amendments"]["proposals"]
            assert (proposed["number"], proposed["name"], proposed["text"]) == (
                1,
                "Al",
                "Share limit: 2:00",
            )
            assert {"decide_amendment", "withdraw_amendment"} <= set(shown["buttons"])
            ok(decide(dee, 1, 2, 0, 1))  # dee, al agree; bo stands aside (ob observes)
            shown = state_where(al, lambda s: s["agreement"]["version"] == 2)
            assert "consent" in shown["buttons"]
            assert shown["me"]["consented"] is False
            assert "start_share" not in shown["buttons"]
            (decided,) = shown["amendments"]["proposals"]
            assert decided["status"] == "accepted"
            assert decided["counts"] == {"agree": 2, "disagree": 0, "stand_aside": 1}
            ok(ask(al, "consent"))
        again = initial(urllib.request.urlopen(room(base, "s1", "al"), timeout=10).read().decode())
        assert again["me"]["consented"] is True
        assert "consent" not in again["buttons"]
        kinds = [(e.kind, e.actor, e.member) for e in new_events(store, before)]
        assert kinds == [
            (ps.EventKind.AMENDMENT_PROPOSED, "al", "al"),
            (ps.EventKind.AMENDMENT_DECIDED, "dee", None),
            (ps.EventKind.AGREEMENT_AMENDED, "dee", None),
            (ps.EventKind.CONSENTED, "al", "al"),
        ]
        assert dict(new_events(store, before)[0].data) == {"proposal": 1, "share_limit": 120.0}
        page = urllib.request.urlopen(room(base, "s1", "bo"), timeout=10).read().decode()
        loaded = initial(page)  # a page loaded now
        assert loaded["amendments"]["proposals"][0]["status"] == "accepted"
        assert "consent" in loaded["buttons"]
        assert "Share limit: 2:00" in page

    def test_a_proposal_the_group_does_not_accept(self, served):
        base, store = served
        with watch(base, "s1", "bo") as bo, watch(base, "s1", "dee") as dee:
            ok(propose(bo, "cross_talk", True))
            ok(decide(dee, 1, 2, 1))  # consensus: one disagrees
            shown = state_where(bo, lambda s: s["amendments"]["proposals"][0]["status"] != "open")
        assert shown["amendments"]["proposals"][0]["status"] == "rejected"
        assert shown["agreement"]["version"] == 1
        assert "consent" not in shown["buttons"]
        decided = [e for e in store.events("s1") if e.kind is ps.EventKind.AMENDMENT_DECIDED]
        assert decided[0].data["outcome"] == "rejected"
        assert decided[0].member is None  # never who

    def test_a_facilitator_withdraws_a_proposal(self, served):
        base, store = served
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            ok(propose(al, "size_guidance", None))
            before = len(store.events("s1"))
            ok(request(dee, {"id": 5, "action": "withdraw_amendment", "proposal": 1}))
            shown = state_where(al, lambda s: s["amendments"]["proposals"][0]["status"] != "open")
            assert shown["amendments"]["proposals"][0]["status"] == "withdrawn"
            later = decide(dee, 1, 3)
        assert later["ok"] is False
        assert "proposal 1 is not open (it was withdrawn)" in later["error"]
        (event,) = new_events(store, before)
        assert (event.kind, event.actor) == (ps.EventKind.AMENDMENT_WITHDRAWN, "dee")

    def test_clearing_a_setting_and_the_rule(self, served):
        base, _store = served
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            ok(propose(al, "warn_at", None))
            ok(propose(al, "decision", "majority"))
            ok(decide(dee, 1, 3))
            ok(decide(dee, 2, 3))
            shown = state_where(al, lambda s: s["agreement"]["version"] == 3)
        assert shown["amendments"]["decision"]["rule"] == "majority"
        assert [p["text"] for p in shown["amendments"]["proposals"]] == [
            "Time warning at: none",
            "How we decide: majority",
        ]


class TestRefusals:
    """Refused requests and bad arguments are answered with why, and record nothing."""

    def test_an_observer_gets_no_button_and_is_refused(self, served):
        base, store = served
        page = urllib.request.urlopen(room(base, "s1", "ob"), timeout=10).read().decode()
        assert "propose_amendment" not in initial(page)["buttons"]
        before = store.events("s1")
        with watch(base, "s1", "ob") as ob:
            reply = propose(ob, "may_pass", False)
        assert reply["ok"] is False
        assert "ob observes" in reply["error"]
        assert store.events("s1") == before

    @pytest.mark.parametrize(
        ("member", "message", "error"),
        [
            ("al", {"value": 120}, "propose_amendment needs 'setting': one of 'share_limit'"),
            ("al", {"setting": "guidelines", "value": []}, "needs 'setting'"),
            ("al", {"setting": "version", "value": 3}, "needs 'setting'"),
            ("al", {"setting": ["share_limit"], "value": 120}, "needs 'setting'"),
            ("al", {"setting": "share_limit"}, "needs 'value': for share_limit, a number of"),
            ("al", {"setting": "share_limit", "value": "2:00"}, "needs 'value'"),
            ("al", {"setting": "share_limit", "value": 0}, "needs 'value'"),
            ("al", {"setting": "share_limit", "value": True}, "needs 'value'"),
            ("al", {"setting": "hard_cap", "value": None}, "for hard_cap, true or false"),
            ("al", {"setting": "hard_cap", "value": 1}, "for hard_cap, true or false"),
            ("al", {"setting": "share_the_air", "value": 40}, "for share_the_air, a fraction"),
            ("al", {"setting": "size_guidance", "value": 12.0}, "a whole number from 2"),
            ("al", {"setting": "decision", "value": "unanimity"}, "'consensus', 'majority'"),
            ("al", {"setting": "decision", "value": None}, "for decision, one of"),
            # The engine's own refusals: a value the agreement refuses as a whole.
            ("al", {"setting": "share_limit", "value": 30}, "must come before the share limit"),
            ("al", {"setting": "size_guidance", "value": 5000}, "size_guidance must be"),
        ],
    )
    def test_bad_proposals(self, served, member, message, error):
        base, store = served
        before = store.events("s1")
        with watch(base, "s1", member) as person:
            reply = request(person, {"id": 7, "action": "propose_amendment", **message})
        assert reply["ok"] is False
        assert error in reply["error"]
        assert store.events("s1") == before

    @pytest.mark.parametrize(
        ("message", "error"),
        [
            ({"agree": 3, "disagree": 0, "stand_aside": 0}, "needs 'proposal': a proposal's"),
            ({"proposal": "1", "agree": 3, "disagree": 0, "stand_aside": 0}, "needs 'proposal'"),
            ({"proposal": 0, "agree": 3, "disagree": 0, "stand_aside": 0}, "needs 'proposal'"),
            ({"proposal": True, "agree": 3, "disagree": 0, "stand_aside": 0}, "needs 'proposal'"),
            ({"proposal": 1, "disagree": 0, "stand_aside": 0}, "needs 'agree': a whole number"),
            ({"proposal": 1, "agree": -1, "disagree": 0, "stand_aside": 0}, "needs 'agree'"),
            ({"proposal": 1, "agree": 3.0, "disagree": 0, "stand_aside": 0}, "needs 'agree'"),
            ({"proposal": 1, "agree": 3, "disagree": None, "stand_aside": 0}, "'disagree'"),
            ({"proposal": 1, "agree": 3, "disagree": 0}, "needs 'stand_aside'"),
            ({"proposal": 1, "agree": 3, "disagree": 0, "stand_aside": "0"}, "'stand_aside'"),
            # The engine's own refusals: the count does not fit who is present, no such proposal.
            ({"proposal": 1, "agree": 2, "disagree": 0, "stand_aside": 0}, "consensus counts"),
            ({"proposal": 1, "agree": 4, "disagree": 0, "stand_aside": 0}, "4 counted but 3"),
            ({"proposal": 2, "agree": 3, "disagree": 0, "stand_aside": 0}, "no such proposal"),
        ],
    )
    def test_bad_decisions(self, served, message, error):
        base, store = served
        with watch(base, "s1", "al") as al, watch(base, "s1", "dee") as dee:
            ok(propose(al, "share_limit", 120))
            before = store.events("s1")
            reply = request(dee, {"id": 8, "action": "decide_amendment", **message})
            withdrawn = request(dee, {"id": 9, "action": "withdraw_amendment", "proposal": "1"})
        assert reply["ok"] is False
        assert error in reply["error"]
        assert withdrawn["ok"] is False
        assert "withdraw_amendment needs 'proposal'" in withdrawn["error"]
        assert store.events("s1") == before

    def test_only_a_facilitator_decides_or_withdraws(self, served):
        base, store = served
        with watch(base, "s1", "al") as al:
            ok(propose(al, "may_pass", False))
            before = store.events("s1")
            decided = decide(al, 1, 3)
            withdrawn = request(al, {"id": 5, "action": "withdraw_amendment", "proposal": 1})
        assert "only a facilitator may decide_amendment" in decided["error"]
        assert "only a facilitator may withdraw_amendment" in withdrawn["error"]
        assert store.events("s1") == before
