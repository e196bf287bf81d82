"""The research export: keyed pseudonyms, visitors per session or dropped, nothing else kept."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import peersupport as ps
from peersupport.engine import kinds
from peersupport.research import pseudonym, research_export
from peersupport.testing import ReachError, action_sequences, groups, reach
from peersupport.testing.strategies import OUTSIDERS

KEY = b"the group keeps this secret key!"
OTHER_KEY = b"another group's own secret key!!"
PSEUDONYM = re.compile(r"^[mv]-[0-9a-f]{16}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


def run(group: ps.Group, fmt: ps.Format, draw: st.DrawFn) -> list[ps.Event]:
    """A random session: played forward to a random phase with visitors, then random actions."""
    visitors = draw(st.lists(st.sampled_from(OUTSIDERS), unique=True, max_size=2))
    try:
        session = reach(
            fmt,
            group,
            phase=draw(st.sampled_from(list(fmt.phases))),
            turns=draw(st.integers(0, 4)),
            present=[m.id for m in group.members] + visitors,
            clock=ps.ManualClock(5000.0),
        )
    except ReachError:
        reject()
    for step in draw(action_sequences(group, fmt, max_size=20)):
        with contextlib.suppress(ps.ActionRejected, ValueError):
            step.perform(session)
    return list(session.events)


def strings(value: Any) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    return []


def allowed_names(fmt: ps.Format) -> set[str]:
    """Strings a log may hold besides ids: kinds, phases, chart events, format, roles, rules."""
    names = {k.value for k in ps.EventKind} | {r.value for r in ps.Role} | {fmt.name}
    names |= (
        set(fmt.phases) | set(ps.plugins.registry().rules) | set(ps.plugins.registry().policies)
    )
    names |= {t.event for phase in fmt.phases.values() for t in phase.transitions}
    names |= {*ps.agreement.DECISIONS, "size-guidance"}  # a decision rule, a notice's rule
    names |= {*kinds.REASONS, *kinds.REFERRALS}  # safety codes (docs/safety.md)
    return names


@st.composite
def logs(draw: st.DrawFn) -> tuple[ps.Group, ps.Format, list[list[ps.Event]]]:
    """A random open group and two or three random sessions of a random format."""
    fmt = ps.formats.get(draw(st.sampled_from(ps.formats.names())))
    group = draw(groups(min_facilitators=fmt.facilitators, closed=False))
    sessions = [run(group, fmt, draw) for _ in range(draw(st.integers(2, 3)))]
    return group, fmt, sessions


@settings(max_examples=40, deadline=None)
@given(logs(), st.booleans())
def test_the_export_holds_no_id_and_no_name(drawn: Any, drop: bool) -> None:
    """Every string of every exported event is a pseudonym, a name of the format's
    vocabulary or a fingerprint: no member id, visitor id or member's name."""
    group, fmt, sessions = drawn
    export = research_export(sessions, group, key=KEY, visitors="drop" if drop else "pseudonymise")
    ids = {m.id for m in group.members} | set(OUTSIDERS)
    names = {m.name for m in group.members}
    vocabulary = allowed_names(fmt)
    texts = []
    for events in export.sessions:
        assert [e.seq for e in events] == list(range(len(events)))
        for line in ps.events.dumps(events).splitlines():
            texts += strings(json.loads(line))
    for text in texts:
        assert text not in ids, text
        assert not any(name in text for name in names), text
        assert PSEUDONYM.match(text) or FINGERPRINT.match(text) or text in vocabulary, text
    if drop:
        assert not any(text.startswith("v-") for text in texts)


@settings(max_examples=25, deadline=None)
@given(logs())
def test_a_member_keeps_one_pseudonym_across_sessions_and_groups_do_not_link(drawn: Any) -> None:
    """Same key: each member has one pseudonym in every session; another key shares none."""
    group, _fmt, sessions = drawn
    export = research_export(sessions, group, key=KEY)
    other = research_export(sessions, group, key=OTHER_KEY)
    expected = {pseudonym(KEY, m.id) for m in group.members}
    seen = {e.member for s in export.sessions for e in s if (e.member or "").startswith("m-")}
    assert seen <= expected
    assert export.manifest.members == len(
        seen | {e.actor for s in export.sessions for e in s if (e.actor or "").startswith("m-")}
    )
    theirs = {e.member for s in other.sessions for e in s if e.member}
    assert not theirs & (seen | expected)


def visited(group: ps.Group, fmt: ps.Format) -> list[ps.Event]:
    """A session of an open group that the visitor zed attends and shares in."""
    clock = ps.ManualClock(1000.0)
    session = ps.Session(group, fmt, clock=clock)
    for m in ("dee", "al", "zed"):
        session.arrive(m)
        session.consent(m)
    session.advance(by="dee", to="sharing")
    clock.advance(60)
    session.start_share("al")
    clock.advance(90)
    session.end_share("al")
    session.start_share("zed")
    clock.advance(30)
    session.end_share("zed")
    return list(session.events)


@pytest.fixture
def open_group() -> ps.Group:
    """An open group: facilitator dee, member al, no visitors in it."""
    dee, al = ps.Member("dee", "Dee"), ps.Member("al", "Al")
    return ps.Group("Open circle", {dee: ps.Role.FACILITATOR, al: ps.Role.MEMBER}, closed=False)


class TestVisitorsAndTimes:
    def test_a_visitor_has_a_new_pseudonym_in_each_session(self, open_group):
        """zed visits twice: two different v- pseudonyms; al is the same m- in both."""
        fmt = ps.formats.get("open-sharing")
        first, second = visited(open_group, fmt), visited(open_group, fmt)
        second = [
            *second,
            ps.Event(len(second), second[-1].time + 1, ps.EventKind.LEFT, "al", "al"),
        ]
        export = research_export([first, second], open_group, key=KEY)
        visitors = [
            {e.member for e in s if (e.member or "").startswith("v-")} for s in export.sessions
        ]
        assert all(len(v) == 1 for v in visitors)
        assert visitors[0] != visitors[1]
        members = [
            {e.member for e in s if (e.member or "").startswith("m-")} for s in export.sessions
        ]
        assert members[0] == members[1] == {pseudonym(KEY, "al"), pseudonym(KEY, "dee")}

    def test_dropped_visitors_take_their_events_with_them(self, open_group):
        """With visitors dropped, zed's arrival, consent and share are gone, the rest renumbered."""
        log = visited(open_group, ps.formats.get("open-sharing"))
        zeds = sum(1 for e in log if "zed" in (e.actor, e.member))
        export = research_export([log], open_group, key=KEY, visitors="drop")
        (events,) = export.sessions
        assert len(events) == len(log) - zeds
        assert export.manifest.dropped_events == zeds
        assert [e.seq for e in events] == list(range(len(events)))

    def test_times_shifted_to_the_opening(self, open_group):
        """shift_times: the session opens at 0 and every duration is kept."""
        log = visited(open_group, ps.formats.get("open-sharing"))
        (events,) = research_export([log], open_group, key=KEY, shift_times=True).sessions
        assert events[0].time == 0.0
        assert [e.time - log[0].time for e in log] == [e.time for e in events]
        assert [e.data.get("duration") for e in log] == [e.data.get("duration") for e in events]

    def test_the_group_fingerprint_is_keyed(self, open_group):
        """The opened event's group fingerprint is replaced by a keyed hash of it."""
        log = visited(open_group, ps.formats.get("open-sharing"))
        (events,) = research_export([log], open_group, key=KEY).sessions
        assert events[0].data["group"] != log[0].data["group"]
        assert FINGERPRINT.match(events[0].data["group"])
        assert events[0].data["chart"] == log[0].data["chart"]


def test_the_manifest_and_files(tmp_path, open_group):
    """write() puts one JSON Lines file per session and a manifest; the files load back."""
    log = visited(open_group, ps.formats.get("open-sharing"))
    export = research_export([log, log], open_group, key=KEY)
    paths = export.write(tmp_path / "out")
    assert [p.name for p in paths] == ["session-0001.jsonl", "session-0002.jsonl", "manifest.json"]
    assert ps.events.load(paths[0]) == list(export.sessions[0])
    manifest = json.loads(paths[-1].read_text())
    assert (manifest["sessions"], manifest["members"]) == (2, 2)
    assert manifest["visitors"] == "pseudonymised per session"
    assert "al" not in paths[-1].read_text().split('"')


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"key": b"short"}, "at least 16 bytes"), ({"key": KEY, "visitors": "keep"}, "visitors must")],
)
def test_bad_arguments(open_group, kwargs, message):
    """A short key or an unknown visitor option is refused before anything is exported."""
    with pytest.raises(ValueError, match=message):
        research_export([], open_group, **kwargs)
