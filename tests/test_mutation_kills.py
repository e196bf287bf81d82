"""Tests that kill mutants of the engine which the rest of the suite let survive.

Each test here was written against a surviving mutant of ``scripts/mutation.py``
(the mutated function is named in its docstring; the report is
docs/testing/mutation.md) and fails on it. They go through the public API only, and
each pins a rule that the engine's docstrings or the documentation state (cited).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from people import T0, make_group

# --------------------------------------------------------------------------- deadlines


class WarnAtTheLimit(ps.ShareTimeLimit):
    """A share-time-limit whose warning falls due together with the limit.

    An agreement or a phase refuses ``warn_at >= share_limit``; a replacement rule's
    ``limits()`` is the only way to a warning at the limit itself.
    """

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        _warn, limit, hard = super().limits(phase, agreement)
        return limit, limit, hard


class WarnAtTheLimitPlugin:
    @ps.hookimpl
    def register_rules(self, register: Callable[..., object]) -> None:
        register(WarnAtTheLimit(), replace=True)


@pytest.mark.parametrize("late", [0.0, 45.0])
@pytest.mark.parametrize("hard", [False, True])
def test_a_warning_due_with_the_limit_comes_first(
    added: Callable[[object, str], None],
    make_session: Callable[..., ps.Session],
    clock: ps.ManualClock,
    late: float,
    hard: bool,
) -> None:
    """A warning that falls due at the share limit is recorded, before the limit's event.

    The deadlines each fall due exactly once, at exactly their moment (the kit's
    ``[deadlines]`` invariant, docs/plugins/testing.md), stamped with that moment
    even when applied late (``engine/deadlines.py``); and ``ShareTimeLimit`` warns
    at the warning point, *then* gives overtime or ends the share at a hard cap.
    Kills ``deadlines.next_deadline`` choosing the limit on a tie (``<`` made
    ``<=``), which records the overtime (or the hard cap's end) and loses the warning.
    """
    added(WarnAtTheLimitPlugin(), "warn-at-the-limit")
    group = make_group(ps.Agreement(share_limit=300.0, hard_cap=hard))
    session = make_session(group=group)
    session.advance(by="dee", to="check_in")
    member = session.offered_to()
    session.start_share(member)
    due = session.next_deadline()
    assert due is not None
    assert (due.kind, due.member) == ("time-warning", member)
    clock.set(due.at + late)
    session.apply_due()
    kinds = [e.kind for e in session.events if e.time == due.at]
    last = ps.EventKind.SHARE_ENDED if hard else ps.EventKind.OVERTIME
    assert kinds == [ps.EventKind.TIME_WARNING, last]


# --------------------------------------------------------------------------- charts


class NamedChart(ps.FormatChart):
    """Phases with and without a name of their own; the initial phase is not the first."""

    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    opening = ps.Phase(policy="facilitator-only", initial=True)
    sharing_time = ps.Phase("Sharing now", policy="popcorn", timed=False)

    advance = opening.to(sharing_time) | sharing_time.to(closing)


@pytest.fixture
def named() -> ps.Format:
    """The format of :class:`NamedChart`."""
    return ps.Format.from_chart("named", NamedChart)


def test_phase_names_come_from_the_chart(named: ps.Format) -> None:
    """A phase's own name is kept; without one, it is made from the attribute.

    (``ps.Phase``: ``name``, the human-readable name.) Kills ``chart.Phase.__init__``
    dropping the name or changing its default.
    """
    names = {phase.id: phase.name for phase in named.phases.values()}
    assert names == {"closing": "Closing", "opening": "Opening", "sharing_time": "Sharing now"}


def test_the_initial_phase_need_not_come_first(
    named: ps.Format, make_session: Callable[..., ps.Session]
) -> None:
    """The phase marked initial opens the session wherever the chart declares it.

    (``ps.Phase``: ``initial``, whether the session opens in this phase.) Kills
    ``chart.Phase.__init__`` losing ``initial`` (the first phase would open).
    """
    assert named.initial == "opening"
    assert make_session(named, arrive=()).phase.id == "opening"


def test_a_phase_can_switch_timing_off(
    named: ps.Format, make_session: Callable[..., ps.Session]
) -> None:
    """``timed=False`` makes a phase's shares untimed even where its policy times them.

    (``ps.Phase``: ``timed``, whether shares are timed at all; the agreement here
    has a share limit.) Kills ``chart.Phase.__init__`` dropping ``timed`` (the
    policy's default would win).
    """
    assert named.phases["sharing_time"].timed is False
    session = make_session(named)
    session.advance(by="dee", to="sharing_time")
    session.start_share("al")
    assert session.next_deadline() is None


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
@pytest.mark.parametrize("field", ["budget", "share_limit", "warn_at"])
def test_a_phase_limit_out_of_bounds_is_named(field: str, value: float) -> None:
    """A phase's budget, share limit or warning that is not a time names the format and field.

    (``ps.FormatError``: ``format_name`` and ``problem``.) Kills ``chart.check_limits``
    changing the field's label or losing the format's name.
    """
    limits = {"share_limit": 300.0, field: value} if field == "warn_at" else {field: value}

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy="popcorn", **limits)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing)

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("limits", Chart)
    assert raised.value.format_name == "limits"
    assert raised.value.problem.startswith(f"phase 'sharing': {field} ")
    assert str(raised.value).startswith(f"format 'limits': phase 'sharing': {field} ")


# --------------------------------------------------------------------------- events


def paused_data() -> ps.EventData:
    """The (empty) data of a ``paused`` event."""
    return ps.Event(seq=1, time=T0, kind=ps.EventKind.PAUSED, actor="dee").data


def test_event_data_says_why_it_cannot_change() -> None:
    """Changing an event's data raises TypeError saying that an event is a fact of the past.

    The message is the one docs/concepts.md shows (a documentation example, which
    the mutation runs do not run). Kills the message of ``EventData``'s refusal
    being changed.
    """
    with pytest.raises(TypeError, match=r"^event data cannot be changed: an event is a fact"):
        paused_data()["duration"] = 1.0  # type: ignore[index]


def test_event_data_repr() -> None:
    """An event's data shows its items, as ``EventData({...})``.

    Kills ``EventData.__repr__`` losing its items.
    """
    event = ps.Event(seq=2, time=T0, kind=ps.EventKind.SHARE_STARTED, actor="al", member="al")
    assert repr(paused_data()) == "EventData({})"
    assert repr(ps.EventData(event.data)) == f"EventData({dict(event.data)!r})"


@given(fields=st.sets(st.sampled_from(["colour", "mood", "words"]), min_size=1))
def test_evolve_names_the_fields_an_event_does_not_have(fields: set[str]) -> None:
    """``Event.evolve`` with unknown fields raises TypeError naming them all, sorted.

    Kills ``Event.evolve`` no longer looking for unknown fields, or changing the message.
    """
    event = ps.Event(seq=1, time=T0, kind=ps.EventKind.PAUSED, actor="dee")
    message = f"an event has no field {', '.join(sorted(fields))}"
    with pytest.raises(TypeError) as raised:
        event.evolve(time=T0 + 1, **dict.fromkeys(fields, 1))
    assert str(raised.value) == message


def test_a_log_view_ends_where_it_was_taken(session: ps.Session) -> None:
    """A view taken earlier ends at its length even when the session went on.

    (``ps.events.LogView``: it keeps its length; indexing works as for a tuple.)
    Kills ``LogView.__getitem__`` letting the index equal the length (it returned
    the next event of the session) or changing its IndexError's message.
    """
    view = session.events
    session.advance(by="dee", to="check_in")
    assert len(session.events) > len(view)
    for index in (len(view), -len(view) - 1):
        with pytest.raises(IndexError, match=r"^event index out of range$"):
            view[index]


def test_a_log_view_equals_only_the_same_events(
    session: ps.Session, make_session: Callable[..., ps.Session]
) -> None:
    """A view equals a sequence of the same events, and nothing else.

    (``ps.events.LogView``: equality with any sequence of events works as for a
    tuple.) Kills ``LogView.__eq__`` comparing lengths only, or comparing with
    non-sequences.
    """
    view = session.events
    other = make_session("open-sharing").events
    assert len(other) == len(view)
    assert view == tuple(view)
    assert view == list(view)
    assert view != other
    assert view != tuple(other)
    assert (view == 5) is False
    assert view != object()
    assert view != "x" * len(view)


def test_a_log_view_hashes_as_its_events(session: ps.Session) -> None:
    """A view hashes like the tuple of its events, which it equals (the hash contract).

    Kills ``LogView.__hash__``.
    """
    assert hash(session.events) == hash(tuple(session.events))


# --------------------------------------------------------------------------- kinds


def test_only_some_kinds_carry_the_agreement_s_settings() -> None:
    """Only ``opened`` and ``agreement_amended`` carry agreement settings in their data.

    (``ps.events.KindSpec.settings``: whether agreement settings may appear as
    further keys; ``opened`` records the agreement in force, ``agreement_amended``
    the amended settings.) Kills ``kinds._spec`` giving every kind the settings by
    default.
    """
    carry = {k for k, spec in ps.events.KINDS.items() if spec.settings}
    assert carry == {ps.EventKind.OPENED, ps.EventKind.AGREEMENT_AMENDED}
    amended = {"version": 2, "share_limit": 1.0}
    kind = ps.EventKind.AGREEMENT_AMENDED
    assert ps.Event(seq=1, time=T0, kind=kind, actor="dee", data=amended).data == amended
    with pytest.raises(ValueError, match="share_limit"):
        ps.Event(seq=1, time=T0, kind=ps.EventKind.PAUSED, actor="dee", data={"share_limit": 1.0})


def test_the_kinds_that_may_happen_while_paused() -> None:
    """KINDS says which actions' events may happen while the session is paused.

    (``ps.events.KindSpec.while_paused``.) The engine refuses floor actions while
    paused and resumes only a paused session (the ``paused`` check,
    docs/reference/index.md); people still arrive, consent and leave, and a paused
    session can end (tests/test_session.py); a point of process may be raised and
    handled (tests/test_hands.py). Deadlines never fall due while paused
    (the kit's ``[deadlines]`` invariant). The kit's model reads the table for
    actions; ``opened`` and ``rule_notice`` (engine events that are never checked
    against it) are left out. Kills ``kinds._spec`` letting every kind happen while
    paused by default.
    """
    kinds = ps.events.KINDS
    acted = {k.value for k, spec in kinds.items() if spec.actors - {ps.events.Actor.ENGINE}}
    paused = {k.value for k, spec in kinds.items() if spec.while_paused}
    points = {"point_raised", "point_acknowledged", "point_resolved"}  # any time (docs/concepts)
    safety = {"referred"}  # a referral may be recorded at any time (docs/safety.md)
    assert paused & acted == {"arrived", "consented", "left", "resumed", "ended", *points, *safety}
    deadlines = (ps.EventKind.TIME_WARNING, ps.EventKind.OVERTIME, ps.EventKind.PHASE_TIME_UP)
    assert not any(kinds[kind].while_paused for kind in deadlines)


# --------------------------------------------------------------------------- state


def test_a_hook_s_view_knows_a_visitor_s_role(make_session: Callable[..., ps.Session]) -> None:
    """``SessionView.role_of``: a visitor's role in the session, a member's in the group.

    (``role_of``: the role of a member id in this session, visitor role, or the
    group.) Kills ``SessionView.role_of`` ignoring the session's roles or the group's.
    """
    session = make_session(group=make_group(closed=False), arrive=())
    session.arrive("dee")
    session.arrive("vi", role="observer")
    session.arrive("al")
    _event, view = list(ps.Session.restore_steps(session.group, session.format, session.events))[-1]
    assert view.role_of("vi") is ps.Role.OBSERVER
    assert view.role_of("al") is ps.Role.MEMBER
    assert view.role_of("dee") is ps.Role.FACILITATOR
    assert view.role_of("bo") is ps.Role.MEMBER  # in the group, not (yet) here
    assert view.role_of("zed") is None
