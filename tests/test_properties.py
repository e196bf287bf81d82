"""Property tests of share timers: warnings, overtime and hard caps at the share's own clock.

The random sessions of every format (valid and invalid actions, clock jumps,
pauses, amendments) are in ``test_conformance.py``, run by the conformance kit
``peersupport.testing``. The focused ``@given`` tests here drive one share
through pauses, amendments and departures, and fold the log through the kit's
independent model, which checks that every deadline event falls exactly when due.
"""

from __future__ import annotations

import contextlib
from typing import Any

import hypothesis.strategies as st
from hypothesis import given, settings

import peersupport as ps
from peersupport.testing import SessionModel, agreements
from peersupport.testing.strategies import STEPS, new_limits

FORMATS = ("sharing-circle", "open-sharing")
#: For the focused ``@given`` tests (the example count comes from the active profile).
SHORT = settings(deadline=None)


def make_group(agreement: ps.Agreement) -> ps.Group:
    """A facilitator, a co-facilitator, members, a newcomer and an observer."""
    roles = {
        "dee": ps.Role.FACILITATOR,
        "al": ps.Role.MEMBER,
        "bo": ps.Role.NEWCOMER,
        "ob": ps.Role.OBSERVER,
        "cat": ps.Role.CO_FACILITATOR,
    }
    return ps.Group(
        name="Circle",
        roles={ps.Member(i, i.title()): r for i, r in roles.items()},
        agreement=agreement,
    )


def sharing_session(fmt_name: str, agreement: ps.Agreement) -> tuple[ps.Session, ps.ManualClock]:
    """A session in its main sharing phase (timed by the agreement) with a share running."""
    clock = ps.ManualClock()
    session = ps.Session(make_group(agreement), ps.formats.get(fmt_name), clock=clock)
    for member in ("dee", "al", "bo"):
        session.arrive(member)
        session.consent(member)
    session.advance(by="dee")
    if session.state.phase != "sharing":  # the circle opens with a check-in round
        session.close_round(by="dee")
        session.advance(by="dee")
    assert session.state.phase == "sharing"
    session.start_share("al")
    return session, clock


def check_log(session: ps.Session) -> None:
    """Fold the log through the kit's model (which checks each event); restore and verify it."""
    model = SessionModel(session.group, session.format)
    for event in session.events:
        model.apply(event)
    model.check_settled()
    group, fmt, events = session.group, session.format, session.events
    assert ps.Session.restore(group, fmt, events).state == session.state
    assert ps.Session.verify(group, fmt, events).state == session.state


class TestShareTimers:
    """Time warnings, overtime and hard caps fall due exactly at the share's own clock."""

    @SHORT
    @given(
        fmt=st.sampled_from(FORMATS),
        agreement=agreements(),
        script=st.lists(
            st.tuples(st.sampled_from(["tick", "tick", "pause", "resume"]), st.sampled_from(STEPS)),
            max_size=12,
        ),
        punctual=st.booleans(),
    )
    def test_deadlines_follow_share_start_pauses_and_limits(
        self, fmt: str, agreement: ps.Agreement, script: list[tuple[str, float]], punctual: bool
    ) -> None:
        """Every deadline event lies at share start + pauses + its point, whenever applied."""
        session, clock = sharing_session(fmt, agreement)
        for action, seconds in script:
            clock.advance(seconds)
            if punctual:
                session.apply_due()
            if action != "tick":
                with contextlib.suppress(ps.ActionRejected):
                    getattr(session, action)(by="dee")
        session.apply_due()
        check_log(session)

    @SHORT
    @given(
        fmt=st.sampled_from(FORMATS),
        agreement=agreements(),
        elapsed=st.sampled_from(STEPS),
        limits=new_limits(),
        hard_cap=st.booleans(),
    )
    def test_amending_limits_mid_share_never_goes_back_in_time(
        self,
        fmt: str,
        agreement: ps.Agreement,
        elapsed: float,
        limits: dict[str, Any],
        hard_cap: bool,
    ) -> None:
        """Deadlines made due by an amendment are not stamped before the amendment."""
        session, clock = sharing_session(fmt, agreement)
        clock.advance(elapsed)
        amended = session.amend_agreement(by="dee", hard_cap=hard_cap, **limits)
        clock.advance(1.0)
        session.apply_due()
        later = session.events[amended.seq + 1 :]
        assert all(e.time >= amended.time for e in later), later
        check_log(session)

    @SHORT
    @given(
        fmt=st.sampled_from(FORMATS),
        agreement=agreements(),
        before=st.sampled_from(STEPS),
        paused_for=st.sampled_from(STEPS[1:]),
        how=st.sampled_from(["leave", "leave-by-facilitator", "end"]),
    )
    def test_a_share_ended_during_a_pause_does_not_count_the_pause(
        self, fmt: str, agreement: ps.Agreement, before: float, paused_for: float, how: str
    ) -> None:
        """Paused time is not share time, also when the share ends while paused."""
        session, clock = sharing_session(fmt, agreement)
        clock.advance(before)
        session.apply_due()
        holding = session.state.floor.holder == "al"
        session.pause(by="dee")
        clock.advance(paused_for)
        if how == "end":
            event = session.end(by="dee")
        else:
            event = session.leave("al", by="dee" if how == "leave-by-facilitator" else None)
        if holding:
            assert event.data["duration"] == before
            assert session.state.speaking_time["al"] == before
        check_log(session)
