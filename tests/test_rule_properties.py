"""Targeted property tests for the phase-named rules, through the conformance harness.

Random whole sessions (tests/test_conformance.py) rarely reach the last minutes of
a phase that reserves them, so ``reserved-time`` and ``share-the-air`` get their
own runs here: everyone arrives and consents, the facilitator opens a phase that
names the rule, then random actions and clock steps follow, each checked by the
harness against the independent model (which knows both rules). Each test also
asserts that the rule really acted in a share of the examples (derandomized: 12
and 21 of 150 today), so it cannot pass by never getting there. With the
reserved-time check switched off, the first test fails with ``[reserved-time]`` (the
model folds the illegal share before comparing outcomes; a check that refuses too
much fails with ``[expected-outcome]``).
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import peersupport as ps
from peersupport.testing import Action, SessionHarness, actions, waits
from peersupport.testing.expect_queue import QUEUE_ACTIONS
from peersupport.testing.strategies import FACILITATOR_ACTIONS, MEMBER_ACTIONS

MEMBERS = ("dee", "al", "bo")
#: Actions left out of the random mix: they end the phase or the session, or pause it.
STAY = frozenset({"advance", "new_round", "end", "pause"})
#: What the random mix draws from: every action but the queue's, which neither rule
#: sees (popcorn has no queue of hands, and points of process do not hold it up).
NAMES = [n for n in (*MEMBER_ACTIONS, *FACILITATOR_ACTIONS) if n not in QUEUE_ACTIONS]


class ReservedChart(ps.FormatChart):
    """Popcorn sharing whose last minutes are reserved for who has not shared."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="popcorn", budget=900, rules=("reserved-time",))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = opening.to(sharing) | sharing.to(closing)


class AirChart(ps.FormatChart):
    """Popcorn sharing with share-the-air notices."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="popcorn", budget=1800, rules=("share-the-air",))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = opening.to(sharing) | sharing.to(closing)


def group(agreement: ps.Agreement) -> ps.Group:
    roles = {ps.Member(m, m.title()): ps.Role.MEMBER for m in MEMBERS[1:]}
    return ps.Group("g", {ps.Member("dee", "Dee"): ps.Role.FACILITATOR, **roles}, agreement)


def run(
    data: st.DataObject, fmt: ps.Format, agreement: ps.Agreement
) -> tuple[SessionHarness, list[ps.ActionRejected]]:
    """Open the sharing phase, then run random actions; return the harness and refusals."""
    g = group(agreement)
    harness = SessionHarness(g, fmt)
    for member in MEMBERS:
        harness.act(Action("arrive", member))
        harness.act(Action("consent", member))
    harness.act(Action("advance", by="dee"))
    # whole shares (start, speak a while, end) are likelier than anything else, so rounds
    # fill and speaking time adds up; any other action or wait may come between
    lengths = st.sampled_from([20.0, 90.0, 200.0, 290.0])
    whole_share = st.tuples(st.sampled_from(MEMBERS), lengths).map(
        lambda ms: (Action("start_share", ms[0]), Action.wait(ms[1]), Action("end_share", ms[0]))
    )
    one = st.sampled_from(MEMBERS).flatmap(
        lambda m: st.sampled_from(
            [Action("start_share", m), Action("end_share", m), Action("pass_turn", m)]
        )
    )
    # any other action, valid or not, except those that leave the phase or stop the clock
    others = actions(g, fmt, names=NAMES).filter(lambda a: a.name not in STAY)
    steps = data.draw(
        st.lists(
            st.one_of(whole_share, whole_share, whole_share, one, waits(), others),
            max_size=30,
        ),
        label="steps",
    )
    refusals = []
    for step in steps:
        for action in step if isinstance(step, tuple | list) else (step,):
            result = harness.act(action)
            harness.check_model()
            harness.check_floor()
            harness.check_offers()
            if result is not None and isinstance(result.error, ps.ActionRejected):
                refusals.append(result.error)
    harness.apply_due()
    harness.check()
    return harness, refusals


#: Derandomized, so the "the rule acted" counts are the same on every run.
QUICK = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_reserved_time_holds_and_acts() -> None:
    """The model and session agree in reserved time; the rule refuses in many examples."""
    fmt = ps.Format.from_chart("reserved", ReservedChart)
    acted = []

    @QUICK
    @given(data=st.data(), reserved=st.sampled_from([120.0, 450.0, 880.0]))
    def check(data: st.DataObject, reserved: float) -> None:
        agreement = ps.Agreement(share_limit=300.0, warn_at=240.0, reserved_time=reserved)
        _, refusals = run(data, fmt, agreement)
        acted.append(any(e.rule == "reserved-time" for e in refusals))

    check()
    print(f"reserved-time refused in {sum(acted)} of {len(acted)}")
    assert sum(acted) >= 8, f"reserved-time refused in only {sum(acted)} of {len(acted)}"


def test_share_the_air_notices_match_the_model() -> None:
    """Notices are given exactly when the model says; some examples give them."""
    fmt = ps.Format.from_chart("air", AirChart)
    noticed = []

    @QUICK
    @given(data=st.data(), part=st.sampled_from([0.2, 0.4, 0.6]))
    def check(data: st.DataObject, part: float) -> None:
        agreement = ps.Agreement(share_limit=300.0, warn_at=240.0, share_the_air=part)
        harness, _ = run(data, fmt, agreement)
        kinds = [e.kind for e in harness.session.events]
        noticed.append(ps.EventKind.RULE_NOTICE in kinds)

    check()
    print(f"share-the-air noticed in {sum(noticed)} of {len(noticed)}")
    assert sum(noticed) >= 10, f"share-the-air noticed in only {sum(noticed)} of {len(noticed)}"
