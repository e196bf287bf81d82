"""``peersupport.testing.reach``: a session played forward to a situation, with valid actions."""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import peersupport as ps
from peersupport.testing import ReachError, groups, reach
from people import ROUND, T0, make_group

#: Every installed format and each of its phases.
PHASES = [(name, phase) for name in ps.formats.names() for phase in ps.formats.get(name).phases]


def two_leads() -> ps.Group:
    """The test group with bo as co-facilitator (for formats that need two)."""
    roles = {m: make_group().role_of(m.id) for m in make_group().members}
    return ps.Group(
        "Two leads", {m: ps.Role.CO_FACILITATOR if m.id == "bo" else r for m, r in roles.items()}
    )


def group_for(name: str) -> ps.Group:
    """The test group, or one with two facilitators where the format needs them."""
    return two_leads() if ps.formats.get(name).facilitators > 1 else make_group()


def shares_in_phase(session: ps.Session) -> int:
    """Shares started since the session entered its current phase."""
    entered = max((e.seq for e in session.events if e.kind == "phase_entered"), default=0)
    return sum(1 for e in session.events[entered:] if e.kind == "share_started")


def assert_log_is_the_engines(session: ps.Session) -> None:
    """Re-enacting the log accepts it, and restoring it gives the session's state."""
    group, fmt, events = session.group, session.format, session.events
    assert ps.Session.verify(group, fmt, events).state == session.state
    assert ps.Session.restore(group, fmt, events).state == session.state


@pytest.mark.parametrize(("name", "phase"), PHASES)
def test_every_phase_of_every_format_is_reached_with_a_turn_taken(name: str, phase: str) -> None:
    """Each phase is reached and one turn taken in it; the log is one the engine wrote."""
    session = reach(name, group_for(name), phase=phase, turns=1, clock=ps.ManualClock(T0))
    state = session.state
    assert state.phase == phase
    assert state.round == (1 if session.phase.rounds else 0)
    assert shares_in_phase(session) == 1
    assert set(state.present) == {m.id for m in session.group.members}
    assert all(v == state.agreement.version for v in state.consents.values())
    assert_log_is_the_engines(session)


def test_turns_in_seat_order_with_a_pass_and_a_holder() -> None:
    """In the circle's sharing round al shares, bo passes, cy holds the floor; nu is next."""
    session = reach(
        "sharing-circle",
        make_group(),
        phase="sharing",
        turns=("al", "bo"),
        passes={"bo"},
        holder="cy",
        seconds=90.0,
        clock=ps.ManualClock(T0),
    )
    floor = session.state.floor
    assert floor.round == 1
    assert floor.had_turn == {"al", "bo", "cy"}
    assert floor.passed == {"bo"}
    assert floor.holder == "cy"
    assert session.phase_speaking_time == {"al": 90.0}
    with pytest.raises(ps.ActionRejected):
        session.start_share("al")  # cy holds the floor, and al had their turn
    assert_log_is_the_engines(session)


def test_a_later_round_is_reached_by_playing_out_the_earlier_ones() -> None:
    """Round 3 of open sharing: everyone eligible shared in rounds 1 and 2."""
    session = reach("open-sharing", make_group(), phase="sharing", round=3, turns=("cy",))
    assert session.state.round == 3
    assert session.state.floor.had_turn == {"cy"}
    assert session.phase_shares == dict.fromkeys(ROUND, 2) | {"cy": 3}
    assert_log_is_the_engines(session)


def test_the_chair_calls_on_members_where_the_floor_goes_to_whoever_is_called() -> None:
    """Under twelve-step's called-on readings the chair calls on cy, then al, before each reads."""
    session = reach("twelve-step", make_group(), phase="readings", turns=("cy", "al"))
    kinds = [(e.kind, e.member, e.actor) for e in session.events[-6:]]
    assert kinds == [
        ("called_on", "cy", "dee"), ("share_started", "cy", "cy"), ("share_ended", "cy", "cy"),
        ("called_on", "al", "dee"), ("share_started", "al", "al"), ("share_ended", "al", "al"),
    ]  # fmt: skip


def test_only_those_present_arrive_in_the_order_given() -> None:
    """``present`` sets who arrives and the seats: the round goes cy, al, then dee."""
    session = reach("sharing-circle", make_group(), phase="sharing", present=("dee", "cy", "al"))
    assert session.state.present == ("dee", "cy", "al")
    assert session.state.floor.order == ("cy", "al", "dee")
    assert session.offered_to() == "cy"


def test_a_refused_step_names_the_step_the_action_and_the_rule() -> None:
    """Out of seat order, bo's share is refused: the error says so and keeps the refusal."""
    with pytest.raises(
        ReachError, match=r"start_share\('bo'\), was refused in phase 'sharing'"
    ) as info:
        reach("sharing-circle", make_group(), phase="sharing", turns=("bo",))
    assert isinstance(info.value.__cause__, ps.NotYourTurn)
    assert "al" in str(info.value)  # the engine's own message: it is al's turn


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"phase": "nowhere"}, "has no phase 'nowhere'"),
        ({"phase": "opening", "round": 2}, "phase 'opening' has no rounds"),
        ({"phase": "sharing", "round": 0}, "rounds numbered from 1"),
        ({"phase": "sharing", "turns": ("al",), "passes": ("bo",)}, "bo would pass"),
        ({"phase": "check_in", "round": 2}, "no transition from 'check_in' to 'check_in'"),
        ({"phase": "sharing", "present": ("al", "bo")}, "no facilitator"),
        ({"phase": "sharing", "turns": 6}, "nobody is waiting for a turn in round 1"),
    ],
)
def test_situations_that_cannot_be_reached_are_refused_clearly(
    kwargs: dict[str, object], message: str
) -> None:
    """Each impossible situation raises a ReachError saying why."""
    with pytest.raises(ReachError, match=message):
        reach("sharing-circle", make_group(), **kwargs)  # type: ignore[arg-type]


@given(data=st.data(), where=st.sampled_from(PHASES), turns=st.integers(0, 4))
def test_whatever_it_reaches_is_a_situation_the_engine_wrote(
    data: st.DataObject, where: tuple[str, str], turns: int
) -> None:
    """For any group, format and phase: either the situation is reached, turns taken and
    the log verified, or a ReachError says which step the engine refused and why."""
    name, phase = where
    fmt = ps.formats.get(name)
    group = data.draw(groups(min_facilitators=fmt.facilitators))
    rounds = fmt.phases[phase].rounds
    number = data.draw(st.integers(1, 2)) if rounds else 1
    hold = data.draw(st.booleans())
    try:
        session = reach(fmt, group, phase=phase, round=number, turns=turns)
        before = shares_in_phase(session)
        holder = session.offered_to() if hold else None
        if holder is not None:
            session = reach(fmt, group, phase=phase, round=number, turns=turns, holder=holder)
    except ReachError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        event("refused")
        assert refused.__cause__ is None or isinstance(refused.__cause__, ps.ActionRejected)
        assert str(refused).startswith("cannot reach the situation: ")
        return
    state = session.state
    assert state.phase == phase
    rolls_in = fmt.phases[phase].auto_rollover and number > 1 and not turns and holder is None
    assert state.round == (0 if not rounds else number - 1 if rolls_in else number)
    assert before >= turns + (number - 1) * (1 if rounds else 0)
    assert state.floor.holder == holder
    assert_log_is_the_engines(session)
