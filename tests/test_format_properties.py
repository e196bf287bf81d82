"""Property tests for every installed format: random action sequences keep the rules."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

import peersupport as ps

K = ps.EventKind
PEOPLE = ("dee", "co", "al", "bo", "nu", "ob", "zed")
ROLES = {
    "dee": ps.Role.FACILITATOR,
    "co": ps.Role.CO_FACILITATOR,
    "al": ps.Role.MEMBER,
    "bo": ps.Role.MEMBER,
    "nu": ps.Role.NEWCOMER,
    "ob": ps.Role.OBSERVER,
}
ACTIONS = (
    "arrive",
    "consent",
    "start_share",
    "end_share",
    "pass_turn",
    "interject",
    "leave",
    "call_on",
    "advance",
    "new_round",
    "close_round",
    "skip",
    "pause",
    "resume",
    "wait",
    *(["auto"] * 15),
    "again",
    "again",
    "again",
)
TURNS = {K.SHARE_STARTED, K.PASSED}

step = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(PEOPLE),
    st.sampled_from((None, None, "dee", "al")),
    st.sampled_from((0.0, 1.0, 30.0, 90.0, 200.0, 900.0)),
    st.integers(0, 20),
)


def sensible(s: ps.Session, pick: int) -> None:
    """Do what the session is waiting for, so random runs reach turns and later phases."""
    for member in ("dee", "co", "al", "bo", "nu", "ob"):
        if not s.is_present(member):
            s.arrive(member)
            return
        if s.state.consents.get(member) != s.agreement.version:
            s.consent(member)
            return
    holder = s.floor.holder
    if holder is not None:
        s.end_share(holder)
        return
    offered = s.offered_to()
    eligible = [m for m in ("al", "bo", "nu", "co", "dee") if m not in s.floor.had_turn]
    if offered is not None:
        (s.pass_turn if pick % 4 == 0 else s.start_share)(offered)
    elif s.phase.policy.name in ("called-on", "tag") and eligible and pick % 3:
        s.call_on(eligible[pick % len(eligible)], by="dee")
    elif s.phase.policy.name in ("popcorn", "open-floor", "tag") and eligible and pick % 3:
        s.start_share(eligible[pick % len(eligible)])
    elif not s.floor.complete() and pick % 2:
        s.close_round(by="dee")
    else:
        s.advance(by="dee")


def run(name: str, agreement: ps.Agreement, steps: list[tuple], warm: bool = True) -> int:
    """Drive a session of ``name`` through ``steps``; return how many turns were taken."""
    group = ps.Group(
        "g", {ps.Member(i, i.title()): r for i, r in ROLES.items()}, agreement=agreement
    )
    fmt = ps.formats.get(name)
    clock = ps.ManualClock()
    s = ps.Session(group, fmt, clock=clock)
    if warm:  # most runs start with everyone but Bo arrived and consented
        for member in ("dee", "co", "al", "nu", "ob"):
            s.arrive(member)
            s.consent(member)
    phases = list(fmt.phases)
    turns: set[tuple[int, int, str]] = set()
    entry = 0
    for action, who, by, seconds, pick in steps:
        s.apply_due()
        before_state, before_events = s.state, s.events
        was_complete = before_state.floor.complete
        try:
            if action == "wait":
                clock.advance(seconds)
                continue
            if action == "auto":
                sensible(s, pick)
            elif action == "again":  # the last speaker tries for a second turn
                (s.pass_turn if pick % 2 else s.start_share)(s.floor.last or who)
            elif action in ("advance",):
                s.advance(by=by or "dee", to=phases[pick % len(phases)] if pick % 3 else None)
            elif action in ("new_round", "close_round", "pause", "resume"):
                getattr(s, action)(by=by or "dee")
            elif action in ("call_on", "skip"):
                getattr(s, action)(who, by=by or "dee")
            else:
                getattr(s, action)(who, by=by)
        except ps.CrossTalkBlocked:
            new = s.events[len(before_events) :]
            assert [e.kind for e in new] == [K.CROSS_TALK_BLOCKED]
            continue
        except ps.ActionRejected:
            assert s.state == before_state
            assert s.events == before_events
            continue
        new = s.events[len(before_events) :]
        assert [e.actor is not None for e in new][:1] == [True]
        assert all(e.kind is K.RULE_NOTICE and e.actor is None for e in new[1:])
        event = new[0]
        if event.kind is K.PHASE_ENTERED:
            entry = event.seq
        state = s.state
        if event.kind in TURNS and s.phase.policy.rounds:
            # a new round may only have begun if the last one was complete
            assert state.round == before_state.round or was_complete
            key = (entry, state.round, event.member or "")
            assert key not in turns, f"{event.member} had two turns in round {state.round}"
            turns.add(key)
        holder = state.floor.holder
        assert holder is None or (holder in state.present and state.roles[holder].takes_turns)
        passed = state.floor.passed
        assert state.floor.offered_to not in passed
    assert ps.Session.replay(group, fmt, s.events).state == s.state
    assert ps.events.loads(ps.events.dumps(s.events)) == list(s.events)
    return len(turns)


@pytest.mark.parametrize("name", ps.formats.names())
@settings(max_examples=max(300, settings.default.max_examples))
@given(
    agreement=st.builds(
        ps.Agreement,
        share_limit=st.sampled_from([None, 60.0, 300.0]),
        warn_at=st.sampled_from([None, 30.0]),
        hard_cap=st.booleans(),
        cross_talk=st.booleans(),
        may_pass=st.booleans(),
        reserved_time=st.sampled_from([None, 300.0]),
        share_the_air=st.sampled_from([None, 0.3]),
    ),
    steps=st.lists(step, max_size=80),
    warm=st.booleans() | st.just(True),
)
def test_rules_hold_for_every_format(name, agreement, steps, warm):
    """Random valid and invalid actions never break fairness, atomicity, replay or the log."""
    run(name, agreement, steps, warm)
