"""Tests that kill mutants of the engine which the rest of the suite let survive.

Each test here was written against a surviving mutant of ``scripts/mutation.py``
(the mutated function is named in its docstring; the report is
docs/testing/mutation.md) and fails on it. They go through the public API only, and
each pins a rule that the engine's docstrings or the documentation state (cited).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from people import EVERYONE, T0, around, installed_rules, make_group

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


def test_a_paused_session_restored_without_its_due_deadlines_records_them_now(
    clock: ps.ManualClock,
) -> None:
    """Deadlines a restored log missed while paused are recorded at once, never in the past.

    (`deadlines.next_deadline`, paused: restore folds the events and runs no check,
    docs/concepts.md, so it takes a log that lacks the meeting's notice and
    overrun; the session then records them at the time of the log's last event, as
    the log's times never go back.)
    """
    group, fmt = make_group(), ps.formats.get("sharing-circle")
    s = ps.Session(group, fmt, clock=clock, ends_at=T0 + 600, close_notice=120)
    for member in ("dee", "al"):
        s.arrive(member)
        s.consent(member)
    clock.advance(10)
    s.pause(by="dee", reason="break")
    clock.advance(690)
    s.leave("al")
    kinds = [e.kind for e in s.events]
    assert kinds[-3:] == [
        ps.EventKind.TIME_TO_CLOSE,
        ps.EventKind.MEETING_OVERRAN,
        ps.EventKind.LEFT,
    ]
    missed = [e for e in s.events if e.kind not in set(kinds[-3:-1])]
    log = [ps.Event(seq, e.time, e.kind, e.actor, e.member, e.data) for seq, e in enumerate(missed)]
    restored = ps.Session.restore(group, fmt, log, clock=clock)
    assert restored.state.status is ps.SessionStatus.PAUSED
    due = restored.apply_due()
    assert [(e.kind, e.time) for e in due] == [
        (ps.EventKind.TIME_TO_CLOSE, T0 + 700),
        (ps.EventKind.MEETING_OVERRAN, T0 + 700),
    ]


def test_deadlines_due_together_come_share_first_then_the_meeting_s(
    clock: ps.ManualClock,
) -> None:
    """A share's limit and the meeting's close notice due at one moment: the share's first.

    (`deadlines.next_deadline`: deadlines due at the same moment are recorded in a
    fixed order, the share's warning and limit, the phase's budget, then the
    meeting's notice and overrun; the module's docs.)
    """
    s = ps.Session(
        make_group(),
        ps.formats.get("sharing-circle"),
        clock=clock,
        ends_at=T0 + 340,
        close_notice=100,
    )
    for member in ("dee", "al"):
        s.arrive(member)
        s.consent(member)
    s.advance(by="dee")
    clock.advance(120)
    s.start_share("al")
    clock.advance(300)
    due = [(e.kind, e.time - T0) for e in s.apply_due()]
    assert due[:3] == [
        (ps.EventKind.TIME_WARNING, 210.0),
        (ps.EventKind.OVERTIME, 240.0),
        (ps.EventKind.TIME_TO_CLOSE, 240.0),
    ]


def test_an_untimed_phase_has_no_hard_cap_in_force(circle: ps.Format) -> None:
    """Where shares are not timed, no limit is in force, so no hard cap either.

    (`ShareTimeLimit.limits`: "(warn_at, share_limit, hard_cap) in force for a share
    in phase"; the opening of sharing-circle is not timed.)
    """
    opening = circle.phases["opening"]
    assert not opening.timed
    assert ps.ShareTimeLimit().limits(opening, ps.Agreement(hard_cap=True)) == (None, None, False)


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


def test_a_format_without_title_or_description(named: ps.Format) -> None:
    """Without ``title`` the format's title is its name; without ``description``, empty.

    (``ps.Format.from_chart``: ``title`` defaults to ``name``.) Kills
    ``format.Format.from_chart`` changing either default.
    """
    assert (named.title, named.description) == ("named", "")
    titled = ps.Format.from_chart("titled", NamedChart, title="Titled", description="Rounds.")
    assert (titled.title, titled.description) == ("Titled", "Rounds.")


def test_a_chart_without_phases_is_refused() -> None:
    """A chart class that declares no phases (a base class) is refused by name.

    (``ps.Format.from_chart``: ``FormatError`` naming the format and the problem.)
    Kills ``format.Format.from_chart`` losing the format's name or the problem.
    """

    class Empty(ps.FormatChart):
        """A base for charts, with no phases of its own."""

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("empty", Empty)
    assert (raised.value.format_name, raised.value.problem) == ("empty", "the chart has no phases")
    assert str(raised.value) == "format 'empty': the chart has no phases"


class Counter(ps.Rule):
    """A phase rule asked about every share, and giving a notice after each."""

    actions = frozenset({"start_share"})
    watches = frozenset({ps.EventKind.SHARE_STARTED})

    def __init__(self) -> None:
        self.asked: list[str] = []

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        self.asked.append(member)

    def notice(self, session: ps.Session, event: ps.Event) -> dict[str, int]:
        return {"shares": len(self.asked)}


class FirstCounter(Counter):
    id = "first-counter"


class SecondCounter(Counter):
    id = "second-counter"


def test_two_rules_of_a_phase_on_the_same_action_are_both_asked(
    make_session: Callable[..., ps.Session],
) -> None:
    """Every rule a phase names is asked about its actions, and notices what it watches.

    (``ps.Rule``: ``check`` is called for the actions in ``actions``, ``notice``
    after the events in ``watches``; two rules may share both.) Kills
    ``format.Format.from_chart`` keeping only the last rule for an action or a kind.
    """
    first, second = FirstCounter(), SecondCounter()
    chart = around("popcorn", rules=(first.id, second.id))
    fmt = ps.Format.from_chart("counted", chart, rules=installed_rules(first, second))
    session = make_session(fmt)
    session.advance(by="dee")
    session.start_share("al")
    assert (first.asked, second.asked) == (["al"], ["al"])
    notices = [e.data["rule"] for e in session.events if e.kind is ps.EventKind.RULE_NOTICE]
    assert notices == ["first-counter", "second-counter"]


class NoPassing(ps.Rule):
    """A phase rule that refuses every pass."""

    id = "no-passing"
    actions = frozenset({"pass_turn"})

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        raise ps.RuleViolation(member, action, self.id, "everyone speaks in this phase")


def test_a_phase_rule_on_passes_is_asked_about_a_members_own_pass(
    make_session: Callable[..., ps.Session],
) -> None:
    """A phase rule that checks passes is asked, even about a member's own pass in turn.

    (The turns' module docs: a phase is *plain*, its turns accepted in one pass,
    only if no rule of the phase checks shares or passes.) Kills
    ``format.Format.from_chart`` not seeing a rule on ``pass_turn``.
    """
    fmt = ps.Format.from_chart(
        "no-passing",
        around("seat-order", rules=("no-passing",)),
        rules=installed_rules(NoPassing()),
    )
    session = make_session(fmt)
    session.advance(by="dee")
    member = session.offered_to()
    assert member is not None
    with pytest.raises(ps.RuleViolation) as raised:
        session.pass_turn(member)
    assert (raised.value.rule, raised.value.reason) == (
        "no-passing",
        "everyone speaks in this phase",
    )


def test_phases_that_cannot_be_reached_are_all_named() -> None:
    """Every phase that cannot be reached from the start is named, with the format.

    (docs/plugins/index.md: ``format 'my-format': phase(s) 'sharing' cannot be
    reached``.) Kills ``format._check_graph`` losing the format's name or garbling
    the list.
    """

    class Lost(ps.FormatChart):
        validate_disconnected_states = False

        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        lost = ps.Phase("Lost", policy="popcorn")
        gone = ps.Phase("Gone", policy="popcorn")
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(closing) | lost.to(closing) | gone.to(closing)

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("lost", Lost)
    assert str(raised.value) == "format 'lost': phase(s) 'lost', 'gone' cannot be reached"


def test_a_chart_without_a_final_phase_is_refused_by_name() -> None:
    """A chart that python-statemachine accepts but that never ends is refused.

    (docs/plugins/index.md: ``format 'my-format': the chart has no final phase``.)
    Kills ``format.Format.from_chart`` losing the format's name or the problem.
    """

    class NoEnd(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy="popcorn")

        advance = opening.to(sharing)
        back = sharing.to(opening)

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("no-end", NoEnd)
    assert (raised.value.format_name, raised.value.problem) == (
        "no-end",
        "the chart has no final phase",
    )
    assert str(raised.value) == "format 'no-end': the chart has no final phase"


def test_each_transition_names_the_phase_it_leaves(named: ps.Format) -> None:
    """A compiled transition's ``source`` is the id of the phase it leaves.

    (``Transition``: ``source``, the phase id it leaves; a phase's ``transitions``
    are those out of it.) Kills ``chart.compile_transitions`` losing the source.
    """
    found = {(t.source, t.event, t.target) for p in named.phases.values() for t in p.transitions}
    assert found == {("opening", "advance", "sharing_time"), ("sharing_time", "advance", "closing")}


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
@pytest.mark.parametrize("field", ["budget", "share_limit", "warn_at"])
def test_a_phase_limit_out_of_bounds_is_named(field: str, value: float) -> None:
    """A phase's budget, share limit or warning that is not a time names the format and field.

    (``ps.FormatError``: ``format_name`` and ``problem``.) Kills ``chart.check_limits``
    changing the field's label or losing the format's name.
    """
    limits = {"share_limit": 300.0, field: value} if field == "warn_at" else {field: value}

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("limits", around("popcorn", **limits))
    assert raised.value.format_name == "limits"
    assert raised.value.problem.startswith(f"phase 'talk': {field} ")
    assert str(raised.value).startswith(f"format 'limits': phase 'talk': {field} ")


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        ({"warn_at": 30.0}, "warn_at needs a share_limit"),
        ({"share_limit": 60.0, "warn_at": 60.0}, "the warning must come before the share limit"),
    ],
)
def test_limits_out_of_order_name_the_format(limits: dict[str, float], problem: str) -> None:
    """A warning without a share limit, or not before it, names the format and the phase.

    (``ps.FormatError``: ``format_name`` and ``problem``.) Kills ``chart.check_limits``
    losing the format's name in either refusal.
    """
    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("order", around("popcorn", **limits))
    assert raised.value.format_name == "order"
    assert str(raised.value) == f"format 'order': phase 'talk': {problem}"


def test_a_phase_that_holds_phases_is_refused() -> None:
    """A compound phase (phases inside a phase) is refused: a format's phases do not nest.

    (``ps.Format.from_chart``: the format is refused with a ``FormatError`` naming
    the phase; its inner phases would never run.) Kills ``chart.compile_transitions``
    skipping the compound phase's entry into its first inner phase.
    """
    inner = [ps.Phase("First", policy="seat-order", initial=True), ps.Phase("Second")]

    class Chart(ps.FormatChart):
        validate_disconnected_states = False  # the inner phases have no ids of their own

        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        talk = ps.Phase("Talk", policy="seat-order", states=inner)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(talk) | talk.to(closing)

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("nested", Chart)
    assert str(raised.value) == (
        "format 'nested': phase 'talk' holds phases of its own (a compound state); "
        "a format's phases do not nest"
    )


def test_a_format_without_a_built_in_rule_names_every_one_missing() -> None:
    """Rules given to a format must include every always-on rule; each missing id is named.

    (``ps.Format.from_chart``: ``rules``, and ``FormatError`` for an unknown rule
    id.) Kills ``rules.AlwaysOn.from_rules`` losing the list of missing ids or
    garbling its message.
    """
    rules = installed_rules(without=("consent", "right-to-pass"))
    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("short", NamedChart, rules=rules)
    assert str(raised.value) == (
        "format 'short': no rule registered as 'consent', 'right-to-pass' "
        "(a plugin may replace a built-in rule, not remove it)"
    )


def test_a_replacement_for_no_cross_talk_must_subclass_it() -> None:
    """A rule replacing ``no-cross-talk`` that does not subclass ``ps.NoCrossTalk`` is refused.

    (docs/plugins/hooks.md: a replacement for ``no-cross-talk`` must subclass
    ``ps.NoCrossTalk``.) Kills ``rules.AlwaysOn.from_rules`` losing the message.
    """

    class Loose(ps.Rule):
        id = "no-cross-talk"
        description = "no cross-talk, without what the engine asks of it"

    with pytest.raises(ps.FormatError) as raised:
        ps.Format.from_chart("loose", NamedChart, rules=installed_rules(Loose()))
    assert str(raised.value) == (
        "format 'loose': rule 'no-cross-talk' replaces a built-in rule and must subclass "
        "NoCrossTalk"
    )


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
    """Only ``opened``, ``agreement_amended`` and ``amendment_proposed`` carry settings.

    (``ps.events.KindSpec.settings``: whether agreement settings may appear as
    further keys; ``opened`` records the agreement in force, ``agreement_amended``
    the amended settings.) Kills ``kinds._spec`` giving every kind the settings by
    default.
    """
    carry = {k for k, spec in ps.events.KINDS.items() if spec.settings}
    proposed = ps.EventKind.AMENDMENT_PROPOSED  # the settings a member proposes (docs/agreement.md)
    assert carry == {ps.EventKind.OPENED, ps.EventKind.AGREEMENT_AMENDED, proposed}
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
    handled (tests/test_hands.py). A share's and a phase's deadlines never fall due
    while paused (the kit's ``[deadlines]`` invariant); the meeting's schedule does.
    The kit's model reads the table for actions; ``opened`` and ``rule_notice``
    (engine events that are never checked against it) are left out. Kills
    ``kinds._spec`` letting every kind happen while paused by default.
    """
    kinds = ps.events.KINDS
    acted = {k.value for k, spec in kinds.items() if spec.actors - {ps.events.Actor.ENGINE}}
    paused = {k.value for k, spec in kinds.items() if spec.while_paused}
    points = {"point_raised", "point_acknowledged", "point_resolved"}  # any time (docs/concepts)
    safety = {"referred"}  # a referral may be recorded at any time (docs/safety.md)
    practice = {"listening", "amendment_withdrawn"}  # docs/practice.md, docs/agreement.md
    assert paused & acted == {
        "arrived",
        "consented",
        "left",
        "resumed",
        "ended",
        *points,
        *safety,
        *practice,
    }
    deadlines = (ps.EventKind.TIME_WARNING, ps.EventKind.OVERTIME, ps.EventKind.PHASE_TIME_UP)
    assert not any(kinds[kind].while_paused for kind in deadlines)
    schedule = (ps.EventKind.TIME_TO_CLOSE, ps.EventKind.MEETING_OVERRAN)  # docs/meeting-time.md
    assert all(kinds[kind].while_paused for kind in schedule)


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


# --------------------------------------------------------------------------- restore


def ended_log(make_session: Callable[..., ps.Session]) -> list[ps.Event]:
    """The log of a sharing circle that everyone arrived at and that then ended."""
    session = make_session()
    session.end(by="dee")
    return list(session.events)


@pytest.mark.parametrize(
    ("actor", "member", "kind", "data", "described"),
    [
        ("ob", "ob", "arrived", {}, "event {n} 'arrived' by ob at {t} s"),
        ("dee", "ob", "arrived", {}, "event {n} 'arrived' by dee for ob at {t} s"),
        ("dee", None, "paused", {}, "event {n} 'paused' by dee at {t} s"),
        (
            None,
            "al",
            "time_warning",
            {"rule": "share-time-limit"},
            "event {n} 'time_warning' for al at {t} s",
        ),
        (
            None,
            None,
            "phase_time_up",
            {"phase": "opening", "budget": 300.0},
            "event {n} 'phase_time_up' at {t} s",
        ),
    ],
)
def test_a_refused_event_is_described_by_number_kind_who_and_when(
    make_session: Callable[..., ps.Session],
    group: ps.Group,
    circle: ps.Format,
    actor: str | None,
    member: str | None,
    kind: str,
    data: dict[str, object],
    described: str,
) -> None:
    """Restore names the line of an event that cannot follow, and describes the event.

    The description is the one the documentation shows (docs/concepts.md, "event 8
    'passed' by bo at 0 s was refused on re-enactment"; docs/cli.md, "event 15
    'share_ended' by dee at 315 s"): the number, the kind, ``by`` the actor if any,
    ``for`` the member it concerns when someone else acted, and the time. Kills
    ``restore.describe`` losing or garbling the actor or the member.
    """
    log = ended_log(make_session)
    late = ps.Event(len(log), log[-1].time + 2.5, ps.EventKind(kind), actor, member, data)
    with pytest.raises(ps.LogError) as raised:
        ps.Session.restore(group, circle, [*log, late])
    assert raised.value.line == len(log) + 1
    described = described.format(n=len(log), t=f"{late.time:g}")
    assert raised.value.problem == f"{described} cannot follow the log: the session has ended"


def test_an_empty_log_is_refused_at_its_first_line(group: ps.Group, circle: ps.Format) -> None:
    """Restoring an empty log raises a LogError at line 1 saying that it is empty.

    (``ps.Session.restore``: "LogError: Naming the line: an empty or disordered
    log ..."; a log starts with an ``opened`` event.) Kills ``restore.restore_steps``
    losing the line or the message of that refusal.
    """
    with pytest.raises(ps.LogError) as raised:
        ps.Session.restore(group, circle, [])
    assert raised.value.line == 1
    assert raised.value.problem == "the log is empty; it must start with an 'opened' event"


def test_restore_names_the_line_of_an_event_out_of_order(
    make_session: Callable[..., ps.Session], group: ps.Group, circle: ps.Format
) -> None:
    """Restore refuses a log with a gap in its numbers, or going back in time, at that line.

    (``ps.Session.restore``: "LogError: Naming the line: an empty or disordered
    log ..."; docs/concepts.md: restore refuses, naming its line, any event that
    cannot follow the ones before it.) Kills ``restore.restore_steps`` losing the
    line of a numbering or ordering error.
    """
    log = ended_log(make_session)
    gap = [*log[:5], *log[6:]]
    with pytest.raises(ps.LogError) as raised:
        ps.Session.restore(group, circle, gap)
    assert (raised.value.line, raised.value.problem) == (6, "expected event number 5, found 6")
    early = [*log[:5], log[5].evolve(time=log[4].time - 1), *log[6:]]
    with pytest.raises(ps.LogError) as raised:
        ps.Session.restore(group, circle, early)
    assert raised.value.line == 6
    assert raised.value.problem.endswith("is earlier than the one before")


@pytest.mark.parametrize("changed", ["kind", "log", "format", "chart", "group"])
def test_restore_refuses_another_opening_at_line_1_saying_what_differs(
    make_session: Callable[..., ps.Session], group: ps.Group, circle: ps.Format, changed: str
) -> None:
    """A log must open with this release's version, this format, chart and group.

    (docs/concepts.md: restore "refuses, at line 1, a log of another format, of a
    format whose chart fingerprint changed, or of another group"; ``restore.check_opening``
    says which of them differs, both values, and how to go on.) Kills
    ``restore.check_opening`` losing the line or any part of its messages.
    """
    log = ended_log(make_session)
    opened = log[0]
    other = "0123456789abcdef"
    problems = {
        "kind": "a log starts with an 'opened' event, not 'arrived'",
        "log": f"the log has version 1, not {opened.data['log']}",
        "format": "the log is of format 'open-sharing', not 'sharing-circle'",
        "chart": (
            f"format 'sharing-circle' has changed since the log was written (chart "
            f"fingerprint {other}, now {circle.fingerprint}): its phases, policies, "
            "limits, rules or transitions differ; restore with the format the log was "
            "written with"
        ),
        "group": (
            f"the log was written for another group, or group 'Thursday circle' has "
            f"changed since (fingerprint {other}, this group's {group.fingerprint}): its "
            "member ids, roles, closed setting or agreement differ"
        ),
    }
    if changed == "kind":
        log = [e.evolve(seq=e.seq - 1) for e in log[1:]]
    else:
        value = {"log": 1, "format": "open-sharing"}.get(changed, other)
        log = [opened.evolve(data={**opened.data, changed: value}), *log[1:]]
    with pytest.raises(ps.LogError) as raised:
        ps.Session.restore(group, circle, log)
    assert (raised.value.line, raised.value.problem) == (1, problems[changed])


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize(
    ("kind", "actor", "member", "data", "message"),
    [
        ("arrived", "al", None, {}, "an 'arrived' event names the member it concerns"),
        ("opened", "dee", None, {}, "an 'opened' event is recorded by the engine, with no actor"),
        ("ended", "dee", None, {}, "an 'ended' event needs data['phase']"),
        (
            "overtime",
            None,
            "al",
            {"rule": "r", "limit": 1.0, "x": 1},
            "an 'overtime' event has no data['x']",
        ),
        ("paused", "dee", "al", {}, "a 'paused' event concerns no one member"),
        ("passed", "al", "al", {"said": 1}, "a 'passed' event has no data['said']"),
        (
            "round_closed",
            "dee",
            None,
            {"not_reached": "al"},
            "data['not_reached'] must be a list of ids, got 'al'",
        ),
        (
            "round_closed",
            "dee",
            None,
            {"not_reached": ["al", ""]},
            "an id in data['not_reached'] must not be empty",
        ),
        (
            "share_ended",
            "al",
            "al",
            {"duration": float("nan")},
            "data['duration'] must be a finite number, got nan",
        ),
        (
            "share_ended",
            "al",
            "al",
            {"duration": -1.0},
            "data['duration'] must not be negative, got -1.0",
        ),
        (
            "phase_entered",
            "dee",
            None,
            {"phase": "b", "from": "a", "event": "advance", "skipped": "x"},
            "data['skipped'] must be a list of names, got 'x'",
        ),
        (
            "phase_entered",
            "dee",
            None,
            {"phase": "b", "from": "a", "event": "advance", "skipped": ["x", "two words"]},
            "a name in data['skipped'] must be 1 to 100 printable characters without "
            "whitespace, got 'two words'",
        ),
        (
            "agreement_amended",
            "dee",
            None,
            {"version": 2, "size_guidance": 2.5},
            "data['size_guidance'] must be a whole number, got 2.5",
        ),
        (
            "agreement_amended",
            "dee",
            None,
            {"version": 2, "decision": "vote"},
            "data['decision'] must be one of consensus, majority, two-thirds, got 'vote'",
        ),
    ],
)
def test_an_event_that_does_not_fit_its_kind_says_what_is_wrong(
    kind: str, actor: str | None, member: str | None, data: dict[str, object], message: str
) -> None:
    """Making an event checks it against its kind and names what is wrong, in so many words.

    (``ps.Event``: checked like any new event; the messages docs/concepts.md shows:
    "event 8: a 'share_ended' event needs data['duration']", "event 9: a 'passed'
    event has no data['said']": ``a`` or ``an`` by the kind's first letter, the data
    key, the problem and the value.) Kills ``schema._a`` (the article), and
    ``schema._ids``, ``schema._names``, ``schema._seconds`` and ``schema._setting``
    losing the key or the value from their messages (or checking a group's size
    guidance as seconds, not a count).
    """
    with pytest.raises(ValueError, match=f"^{re.escape(f'event 3: {message}')}$"):
        ps.Event(3, T0, ps.EventKind(kind), actor, member, data)


def test_a_notice_may_hold_ids_names_numbers_flags_and_nothing() -> None:
    """A rule's notice data may hold ids, names, numbers, flags, lists of ids and None.

    (docs/plugins/index.md: "The values must be ids, names (no spaces), numbers,
    flags or lists of ids"; ``schema.check_value``: "a number, flag, name, ``None``
    or list of ids".) Kills ``schema._any`` refusing flags or ``None``.
    """
    data = {"rule": "r", "x": True, "y": None, "z": -3, "w": 1.5, "v": ["al"], "u": "word"}
    event = ps.Event(3, T0, ps.EventKind.RULE_NOTICE, None, None, data)
    assert dict(event.data) == {**data, "v": ("al",)}


#: Values a rule's notice may not hold, and what the refusal says of the key ``x``.
NOT_NOTICE_DATA = [
    (
        "two words",
        "data['x'] must be 1 to 100 printable characters without whitespace, got 'two words'",
    ),
    (["al", ""], "an id in data['x'] must not be empty"),
    (float("inf"), "data['x'] must be a finite number, got inf"),
    (2**60, f"data['x'] must be from 0 to {2**53}, got {2**60}"),
    ({"a": 1}, "data['x'] must be a number, flag, id or list of ids, got {'a': 1}"),
]


@pytest.mark.parametrize(("value", "message"), NOT_NOTICE_DATA)
def test_notice_data_that_cannot_be_logged_is_named(value: object, message: str) -> None:
    """A notice value that is no id, name, number, flag or list of ids is refused, by key.

    (docs/plugins/index.md: no free text reaches a log; ``ps.Event`` names the key and
    the problem, as in docs/concepts.md.) Kills ``schema._any`` losing the key or the
    value from its messages.
    """
    with pytest.raises(ValueError, match=f"^{re.escape(f'event 3: {message}')}$"):
        ps.Event(3, T0, ps.EventKind.RULE_NOTICE, None, None, {"rule": "r", "x": value})


def test_a_notice_s_keys_are_names() -> None:
    """A rule's notice data keys are names (no spaces), as its values are.

    (docs/plugins/index.md: no free text reaches a log; ``ps.Event`` names what is
    wrong, as in docs/concepts.md.) Kills ``schema.check_data`` losing what it
    checks from the message about a key.
    """
    message = (
        "event 3: a data key must be 1 to 100 printable characters without whitespace, "
        "got 'two words'"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        ps.Event(3, T0, ps.EventKind.RULE_NOTICE, None, None, {"rule": "r", "two words": 1})


@pytest.mark.parametrize(("value", "message"), NOT_NOTICE_DATA)
def test_an_old_log_s_bad_value_is_named_with_its_line(value: object, message: str) -> None:
    """Reading an old log for its upgrade checks each data value, naming the line and key.

    (``ps.events.read_legacy``: fields are checked for type and bounds; the log
    module refuses "a value of the wrong type or out of bounds" with a ``LogError``
    naming the line.) Kills ``schema.check_value`` losing the key from its messages.
    """
    line = {"seq": 0, "time": 0.0, "kind": "opened", "actor": None, "member": None}
    text = json.dumps({**line, "data": {"format": "sharing-circle", "x": value}})
    with pytest.raises(ps.LogError) as raised:
        ps.events.read_legacy(io.BytesIO(text.encode() + b"\n"))
    assert (raised.value.line, raised.value.problem) == (1, message)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"chart": "0123abcd"}, "data['chart'] must be 16 hex digits, got '0123abcd'"),
        (
            {"group": "0123456789abcdeX"},
            "data['group'] must be 16 hex digits, got '0123456789abcdeX'",
        ),
        ({"chart": 12}, "data['chart'] must be 16 hex digits, got 12"),
        ({"hard_cap": "yes"}, "data['hard_cap'] must be true or false, got 'yes'"),
        ({"share_the_air": 1.5}, "data['share_the_air'] must be a fraction in (0, 1], got 1.5"),
        (
            {"share_limit": -1.0},
            "data['share_limit'] must be more than 0 and at most 86400 seconds, got -1.0",
        ),
    ],
)
def test_an_opening_with_a_bad_fingerprint_or_setting_is_refused(
    session: ps.Session, changed: dict[str, object], message: str
) -> None:
    """The ``opened`` event's fingerprints are 16 hex digits, its settings those of an agreement.

    (docs/concepts.md: the ``opened`` event records the format's chart fingerprint,
    the group's fingerprint and the agreement in force, its settings; ``ps.Agreement``:
    ``share_the_air`` is a fraction, the limits are seconds, ``hard_cap`` a flag; an
    event is checked like any new event, naming the key.) Kills ``schema._fingerprint``
    accepting a short or non-hex fingerprint, and ``schema._setting`` checking
    ``share_the_air`` as seconds or losing the key from its messages.
    """
    opened = session.events[0]
    assert opened.kind is ps.EventKind.OPENED
    data = {**opened.data, **changed}
    with pytest.raises(ValueError, match=f"^{re.escape(f'event 0: {message}')}$"):
        ps.Event(0, T0, ps.EventKind.OPENED, None, None, data)


@pytest.mark.parametrize(
    ("kind", "actor", "member", "data", "message"),
    [
        ("passed", "al", "al", {}, "unknown event kind 'passed'"),
        ("teleported", "al", "al", {}, "unknown event kind 'teleported'"),
        (ps.EventKind.PASSED, None, "al", {}, "a 'passed' event needs an actor"),
        (ps.EventKind.PASSED, "", "al", {}, "actor must not be empty"),
        (ps.EventKind.PASSED, "al", "", {}, "member must not be empty"),
        (ps.EventKind.PASSED, "al", "al", [1], "data must be an object, got [1]"),
    ],
)
def test_an_event_s_kind_actor_member_and_data_are_checked(
    kind: object, actor: str | None, member: str | None, data: object, message: str
) -> None:
    """An event's kind is an ``EventKind``, its actor and member ids, its data an object.

    (``ps.Event``: ``kind`` is an ``EventKind``, ``actor`` and ``member`` ids,
    ``data`` a mapping, each checked, with a ``ValueError`` naming the event number
    and what is wrong; a kind's name as text is read only from a log, by
    ``ps.events.loads``.) Kills ``schema.check_event`` taking a kind's name for the
    kind, or losing the kind, the field or the value from its messages, and
    ``schema.check_data`` losing the value.
    """
    with pytest.raises(ValueError, match=f"^{re.escape(f'event 3: {message}')}$"):
        ps.Event(3, T0, kind, actor, member, data)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- log


def test_from_dict_checks_the_event_against_its_kind_at_line_1(session: ps.Session) -> None:
    """``ps.events.from_dict`` checks every field, and names line 1 unless told otherwise.

    (``from_dict(obj, line=1)``: "Build an event from its dict form, checking every
    field. Raises: LogError: Naming ``line`` and the problem"; docs/concepts.md: a
    ``passed`` event has no ``data['said']``.) Kills ``log.from_dict`` with another
    default line, or reading the event as leniently as an old log.
    """
    arrived = {**ps.events.to_dict(session.events[1]), "data": {"said": "x"}}
    with pytest.raises(ps.LogError) as raised:
        ps.events.from_dict(arrived)
    assert (raised.value.line, raised.value.problem) == (
        1,
        "an 'arrived' event has no data['said']",
    )


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("2", "data['log'] must be a whole number, got '2'"),
        (
            3,
            "this log has version 3, written by a newer peersupport; this release reads version 2",
        ),
    ],
)
def test_a_log_of_no_known_version_is_refused_at_its_first_line(
    session: ps.Session, version: object, problem: str
) -> None:
    """A log whose ``opened`` event has a version that is not a number, or a newer one.

    (The log module: reading refuses "a value of the wrong type" and "a log of
    another version" with a ``LogError`` naming the line; the ``opened`` event
    records the log's version, a count.) Kills ``log._version`` passing on a version
    that is not a whole number (it then failed with a TypeError), and ``log._read``
    losing the line of a newer version.
    """
    assert session.events[0].data["log"] == 2
    opened = ps.events.to_dict(session.events[0])
    opened["data"] = {**opened["data"], "log": version}
    with pytest.raises(ps.LogError) as raised:
        ps.events.loads(json.dumps(opened) + "\n")
    assert (raised.value.line, raised.value.problem) == (1, problem)


def test_read_legacy_takes_a_path_as_text(session: ps.Session, tmp_path: Path) -> None:
    """``ps.events.read_legacy`` reads the file a ``str`` names, as ``load`` does.

    (``read_legacy``: "Like :func:`load` (a ``str`` is a path)".) Kills
    ``log.read_legacy`` reading the ``str`` as the log's text, or losing the path.
    """
    path = tmp_path / "old.jsonl"
    ps.events.dump(session.events, path)
    assert ps.events.read_legacy(str(path)) == list(session.events)


def test_a_log_line_is_compact_json(session: ps.Session) -> None:
    """``ps.events.dumps`` writes each event as one line of compact JSON, no spaces.

    (docs/concepts.md shows a log's line:
    ``{"seq":8,"time":0.0,"kind":"passed","actor":"al","member":"al","data":{}}``.)
    Kills ``log.dumps`` losing its separators (JSON's default puts a space after
    each ``,`` and ``:``).
    """
    session.advance(by="dee", to="check_in")
    member = session.offered_to()
    assert member is not None
    passed = session.pass_turn(member)
    line = (
        f'{{"seq":{passed.seq},"time":{T0},"kind":"passed","actor":"{member}",'
        f'"member":"{member}","data":{{}}}}\n'
    )
    assert ps.events.dumps([passed]) == line


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"text": "I felt..."}, "; unknown 'text'"),
        ({"member": None, "data": None}, "; missing member, data"),
        (dict.fromkeys("edcba", 1), "; unknown 'a', 'b', 'c'"),
    ],
)
def test_a_log_line_with_other_keys_names_them(
    session: ps.Session, change: dict[str, object], problem: str
) -> None:
    """A log line must have exactly the six keys; the refusal names those missing or unknown.

    (docs/concepts.md: "event log line 11: an event has exactly the keys seq, time,
    kind, actor, member, data; unknown 'text'"; the log module refuses "a missing or
    unexpected field" naming the line.) Unknown keys are named sorted, at most three.
    Kills ``log._event`` garbling that message.
    """
    line = ps.events.to_dict(session.events[0])
    for key, value in change.items():
        if value is None:
            del line[key]
        else:
            line[key] = value
    with pytest.raises(ps.LogError) as raised:
        ps.events.loads(json.dumps(line) + "\n")
    keys = "an event has exactly the keys seq, time, kind, actor, member, data"
    assert (raised.value.line, raised.value.problem) == (1, keys + problem)


def test_a_log_line_that_is_no_object_is_named(session: ps.Session) -> None:
    """A log line that is JSON but not an object is refused, showing what it is.

    (The log module: reading refuses anything malformed with a ``LogError`` naming
    the line.) Kills ``log._event`` losing the value from that message.
    """
    with pytest.raises(ps.LogError) as raised:
        ps.events.loads("[1, 2]\n")
    assert (raised.value.line, raised.value.problem) == (1, "expected a JSON object, got [1, 2]")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"seq": -1}, f"seq must be from 0 to {2**53}, got -1"),
        ({"time": "soon"}, "time must be a number, got 'soon'"),
        ({"kind": [1]}, "unknown event kind [1]"),
        ({"kind": "shouted"}, "unknown event kind 'shouted'"),
    ],
)
def test_a_log_line_s_bad_field_is_named(
    session: ps.Session, change: dict[str, object], problem: str
) -> None:
    """Reading a log refuses a field of the wrong type or out of bounds, naming it.

    (The log module: a ``LogError`` naming the line for "an unknown kind ... a value
    of the wrong type or out of bounds".) Kills ``log._event`` losing the field's
    name or the value, or looking up a kind that is not text (it failed with a
    TypeError).
    """
    line = {**ps.events.to_dict(session.events[0]), **change}
    with pytest.raises(ps.LogError) as raised:
        ps.events.loads(json.dumps(line) + "\n")
    assert (raised.value.line, raised.value.problem) == (1, problem)


@pytest.mark.parametrize("field", ["actor", "member"])
def test_an_old_log_s_actor_and_member_are_ids(session: ps.Session, field: str) -> None:
    """Reading an old log checks its actors and members as ids, naming the field.

    (``ps.events.read_legacy``: fields are checked for type and bounds.) Kills
    ``log._event`` misnaming the field in the lenient reading of old logs.
    """
    line = {**ps.events.to_dict(session.events[1]), "seq": 0, field: ""}
    with pytest.raises(ps.LogError) as raised:
        ps.events.read_legacy(io.BytesIO(json.dumps(line).encode() + b"\n"))
    assert (raised.value.line, raised.value.problem) == (1, f"{field} must not be empty")


def test_an_old_log_s_data_must_be_an_object(session: ps.Session) -> None:
    """Reading an old log checks that each line's data is an object, showing what it is.

    (``ps.events.read_legacy``: fields are checked for type.) Kills ``log._event``
    losing that message, or the value from it, in the lenient reading of old logs.
    """
    line = {**ps.events.to_dict(session.events[0]), "data": [1]}
    with pytest.raises(ps.LogError) as raised:
        ps.events.read_legacy(io.BytesIO(json.dumps(line).encode() + b"\n"))
    assert (raised.value.line, raised.value.problem) == (1, "data must be an object, got [1]")


def test_a_second_opening_is_refused_by_its_line(session: ps.Session) -> None:
    """A log has one ``opened`` event, its first; reading refuses another, naming its line.

    (``ps.events.check_order`` and the log reader: "an ``opened`` event anywhere
    but first (or another kind first)" is refused at its line.) Kills
    ``log.check_next`` garbling that message.
    """
    opened = ps.events.to_dict(session.events[0])
    text = json.dumps(opened) + "\n" + json.dumps({**opened, "seq": 1}) + "\n"
    with pytest.raises(ps.LogError) as raised:
        ps.events.loads(text)
    problem = "a log starts with one 'opened' event, and has only one"
    assert (raised.value.line, raised.value.problem) == (2, problem)


# --------------------------------------------------------------------------- policies


class PickyToday(ps.TurnPolicy):
    """Anyone may speak, by its declaration; but this instance refuses everyone."""

    name = "picky-today"

    def __init__(self) -> None:
        self.check_take_floor = self.refuse  # type: ignore[method-assign]

    def refuse(self, session: ps.Session, member: str, role: ps.Role) -> None:
        raise ps.NotYourTurn(member, "start_share", self.name, "not today")


class PickyChart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="picky-today", initial=True)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(closing)


def test_a_policy_s_own_check_is_asked_even_when_set_on_the_instance(
    added: Callable[[object, str], None], make_session: Callable[..., ps.Session]
) -> None:
    """A policy that overrides a check is asked; only a pure declaration is not.

    (docs/plugins/index.md: a turn policy is a declaration and the base class
    implements the checks from it; ``policies.declarative``: the engine accepts
    the common turn of a policy that overrides no check in one pass, and asks one
    that overrides a check.) A check set on the instance overrides the class's.
    Kills ``policies.declarative`` not looking at the instance's own attributes.
    """

    class Plugin:
        @ps.hookimpl
        def register_turn_policies(self, register: Callable[..., object]) -> None:
            register(PickyToday())

    added(Plugin(), "picky-today")
    session = make_session(ps.Format.from_chart("picky", PickyChart))
    with pytest.raises(ps.NotYourTurn, match="not today"):
        session.start_share("al")


class WithoutInstanceDict(ps.TurnPolicy):
    """A declaration whose instances have no ``__dict__``, as compiled policies have not.

    (With ``python3 dev.py compile`` the built-in policies are mypyc classes, whose
    instances have no ``__dict__``; a plain Python subclass always has one, so this
    one hides it.)
    """

    name = "without-instance-dict"

    @property
    def __dict__(self) -> dict[str, object]:  # type: ignore[override]
        raise AttributeError("__dict__")


class WithoutInstanceDictChart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="without-instance-dict", initial=True)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(closing)


def test_a_policy_without_an_instance_dict_is_a_declaration(
    added: Callable[[object, str], None], make_session: Callable[..., ps.Session]
) -> None:
    """A policy whose instances have no ``__dict__`` works, as a pure declaration.

    (``peersupport.compiled``: the compiled engine is the same engine, "nothing else
    changes"; compiled built-in policies have no instance ``__dict__``, and
    ``policies.declarative`` reads an instance's own attributes where it has
    them.) Kills ``policies.declarative`` failing on a policy without one.
    """

    class Plugin:
        @ps.hookimpl
        def register_turn_policies(self, register: Callable[..., object]) -> None:
            register(WithoutInstanceDict())

    added(Plugin(), "without-instance-dict")
    session = make_session(ps.Format.from_chart("no-dict", WithoutInstanceDictChart))
    assert session.start_share("al").kind is ps.EventKind.SHARE_STARTED


# --------------------------------------------------------------------------- ledger


class Quiet(ps.Rule):
    """Watches shares starting and has nothing to say."""

    id = "quiet-watcher"
    watches = frozenset({ps.EventKind.SHARE_STARTED})

    def notice(self, session: ps.Session, event: ps.Event) -> None:
        return None


class Noticer(ps.Rule):
    """Notes who started sharing, or fails doing it when told to."""

    id = "noticer"
    watches = frozenset({ps.EventKind.SHARE_STARTED})
    fail = False

    def notice(self, session: ps.Session, event: ps.Event) -> dict[str, ps.events.DataValue]:
        if Noticer.fail:
            raise ValueError("boom")
        return {"who": event.member}


class Recorder:
    """Hears every event, with the view of the session right after it."""

    def __init__(self) -> None:
        self.heard: list[tuple[ps.Event, ps.Group, list[ps.Event]]] = []

    @ps.hookimpl
    def register_rules(self, register: Callable[..., object]) -> None:
        register(Quiet())
        register(Noticer())

    @ps.hookimpl
    def event_recorded(self, session: ps.SessionView, event: ps.Event) -> None:
        self.heard.append((event, session.group, list(session.events)))


class NoticedChart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="popcorn", rules=("quiet-watcher", "noticer"))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(sharing) | sharing.to(closing)


@pytest.fixture
def recorder(added: Callable[[object, str], None], monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """A plugin with two watching rules (named by ``NoticedChart``) that hears every event."""
    monkeypatch.setattr(Noticer, "fail", False)
    recorder = Recorder()
    added(recorder, "recorder")
    return recorder


def test_hooks_hear_every_event_with_the_session_right_after_it(
    recorder: Recorder, make_session: Callable[..., ps.Session], group: ps.Group
) -> None:
    """Every event, a rule's notice included, reaches the hooks with the session after it.

    (docs/concepts.md: hooks hear of an action once it is over: for each of its
    events, in log order, they get the event and a ``ps.SessionView``, the session
    as it was right after that event; docs/plugins/index.md: a rule's ``notice``
    dict is recorded as a ``rule_notice`` event; a rule with nothing to say returns
    ``None``.) Kills ``Ledger._tell`` giving hooks a view without the group or the
    log, ``Ledger._notices`` stopping at the first rule with nothing to say, or
    telling the hooks of a notice without it.
    """
    session = make_session(ps.Format.from_chart("noticed", NoticedChart))
    session.advance(by="dee", to="sharing")
    started = session.start_share("al")
    notice = session.events[-1]
    assert (notice.kind, dict(notice.data)) == (
        ps.EventKind.RULE_NOTICE,
        {"who": "al", "rule": "noticer"},
    )
    assert notice.seq == started.seq + 1
    assert [event for event, _group, _log in recorder.heard] == list(session.events)
    for event, heard_group, log in recorder.heard:
        assert heard_group == group
        assert log == list(session.events)[: event.seq + 1]


def test_a_failing_notice_names_its_rule_and_plugin_and_nothing_is_heard(
    recorder: Recorder,
    make_session: Callable[..., ps.Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A notice that raises: a PluginError naming rule and plugin; the action never happened.

    (docs/concepts.md, atomic actions: if a plugin rule's ``notice()`` raises, the
    session is exactly as before and the caller gets a ``ps.PluginError`` naming the
    rule and its plugin; hooks hear of an action's events once it is over, so of
    none here.) Kills ``Ledger._notices`` losing the plugin's name, and
    ``Ledger.rollback`` keeping the hooks' news of the events it took back, or
    losing the news of those before.
    """
    session = make_session(ps.Format.from_chart("noticed", NoticedChart))
    session.advance(by="dee", to="sharing")
    before = list(session.events)
    heard = len(recorder.heard)
    monkeypatch.setattr(Noticer, "fail", True)
    with pytest.raises(ps.PluginError) as raised:
        session.start_share("al")
    assert str(raised.value).startswith(
        f"rule 'noticer' of plugin 'recorder' failed in notice() after event {len(before)} "
        "'share_started' by al at"
    )
    assert str(raised.value).endswith("(ValueError: boom); the action was not recorded")
    assert list(session.events) == before
    assert len(recorder.heard) == heard
    monkeypatch.setattr(Noticer, "fail", False)
    passed = session.pass_turn("bo")
    assert recorder.heard[-1][0] == passed
    assert [event for event, _group, _log in recorder.heard] == list(session.events)


class Impatient:
    """A plugin whose hook tries to act on the session it hears from."""

    session: ps.Session | None = None
    action = "pause"
    args: tuple[object, ...] = ()
    options: ClassVar[dict[str, object]] = {}

    @ps.hookimpl
    def share_started(self, session: ps.SessionView, event: ps.Event) -> None:
        assert self.session is not None
        getattr(self.session, self.action)(*self.args, by="dee", **self.options)


def busy_from_hook(
    plugin: Impatient | Reader,
    added: Callable[[object, str], None],
    make_session: Callable[..., ps.Session],
) -> ps.SessionBusy:
    """What the session told ``plugin``'s hook, which acts on it when a share starts."""
    added(plugin, "impatient")
    session = plugin.session = make_session()
    session.advance(by="dee", to="check_in")
    session.start_share("al")
    (failure,) = session.hook_failures
    busy = failure.error
    assert isinstance(busy, ps.SessionBusy)
    return busy


#: A facilitator's actions, and members' actions done by a facilitator for them.
BUSY = {
    "pause": ((), {}),
    "end": ((), {}),
    "refer": (("bo",), {"to": "crisis-line"}),
    "listen": (("bo",), {}),
    "propose_item": (("bo",), {}),
    "skip_to": (("check_out",), {}),
    "propose_amendment": (("bo",), {"share_limit": 200}),
    "decide_amendment": ((1,), {"agree": 1, "disagree": 0, "stand_aside": 0}),
    "withdraw_amendment": ((1,), {}),
    "arrive": (("cy",), {}),
    "leave": (("bo",), {}),
    "consent": (("bo",), {}),
    "start_share": (("bo",), {}),
    "end_share": (("al",), {}),
    "pass_turn": (("bo",), {}),
    "interject": (("bo",), {}),
    "call_on": (("bo",), {}),
    "advance": ((), {}),
    "new_round": ((), {}),
    "close_round": ((), {}),
    "skip": (("bo",), {}),
    "amend_agreement": ((), {"share_limit": 200}),
    "resume": ((), {}),
    "raise_hand": (("bo",), {}),
    "lower_hand": (("bo",), {}),
    "move_hand": (("bo", 0), {}),
    "clear_hands": ((), {}),
    "raise_point": (("bo",), {}),
    "acknowledge_point": (("bo",), {}),
    "resolve_point": (("bo",), {}),
}


@pytest.mark.parametrize("action", list(BUSY))
def test_an_action_from_a_hook_is_refused_as_busy(
    added: Callable[[object, str], None], make_session: Callable[..., ps.Session], action: str
) -> None:
    """An action called from a hook is refused with SessionBusy, naming who and what.

    (docs/concepts.md: an action called from inside a hook ... is refused with
    ``ps.SessionBusy`` (check ``one-action-at-a-time``); docs/embedding.md:
    ``str(refusal)`` is a full sentence; a failing hook is kept in
    ``session.hook_failures`` and the session goes on.) Kills ``ledger._busy``
    losing the actor, the action or the reason, and an action starting
    (``ledger.begin``) under another actor's or action's name.
    """
    impatient = Impatient()
    impatient.action = action
    impatient.args, impatient.options = BUSY[action]
    busy = busy_from_hook(impatient, added, make_session)
    assert (busy.actor, busy.action, busy.rule) == ("dee", action, "one-action-at-a-time")
    assert str(busy) == (
        f"dee may not {action}: another action of this session is in progress (an action "
        "cannot be called from a hook, a rule or a turn policy, nor from a second thread "
        "at the same time) (rule 'one-action-at-a-time')"
    )


class OwnTurn(Impatient):
    """A plugin whose hook takes a member's own turn (no ``by``) on the session it hears from."""

    @ps.hookimpl
    def share_started(self, session: ps.SessionView, event: ps.Event) -> None:
        assert self.session is not None
        getattr(self.session, self.action)(*self.args)


@pytest.mark.parametrize("action", ["start_share", "pass_turn"])
def test_a_members_own_turn_from_a_hook_is_refused_as_busy(
    added: Callable[[object, str], None], make_session: Callable[..., ps.Session], action: str
) -> None:
    """A member's own share or pass (the engine's one-pass way) from a hook: busy, by name.

    Kills ``turns._own_turn`` starting the action (``ledger.begin``) with no actor or
    no action's name.
    """
    own = OwnTurn()
    own.action, own.args = action, ("bo",)
    busy = busy_from_hook(own, added, make_session)
    assert (busy.actor, busy.action, busy.rule) == ("bo", action, "one-action-at-a-time")
    assert str(busy).startswith(f"bo may not {action}: another action of this session")


class Reader:
    """A plugin whose hook reads the session's time (which records what fell due)."""

    session: ps.Session | None = None
    method = "time_plan"

    @ps.hookimpl
    def share_started(self, session: ps.SessionView, event: ps.Event) -> None:
        assert self.session is not None
        getattr(self.session, self.method)()


@pytest.mark.parametrize("method", ["time_plan", "apply_due"])
def test_reading_the_time_from_a_hook_is_refused_as_busy(
    added: Callable[[object, str], None], make_session: Callable[..., ps.Session], method: str
) -> None:
    """time_plan() and apply_due() may record events: from a hook they are refused, by name."""
    reader = Reader()
    reader.method = method
    busy = busy_from_hook(reader, added, make_session)
    assert (busy.actor, busy.action, busy.rule) == (None, method, "one-action-at-a-time")
    assert str(busy).startswith(f"someone may not {method}: another action")


class Wordy(ps.Rule):
    """Fails with a message of a given length when checking a share."""

    id = "wordy"
    actions = frozenset({"start_share"})
    length = 0

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        raise ValueError("x" * Wordy.length)


class WordyChart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="popcorn", initial=True, rules=("wordy",))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(closing)


class WordyPlugin:
    @ps.hookimpl
    def register_rules(self, register: Callable[..., object]) -> None:
        register(Wordy())


@pytest.mark.parametrize(("length", "shown"), [(200, "x" * 200), (201, "x" * 195 + " …")])
def test_a_failing_plugin_s_long_message_is_cut(
    added: Callable[[object, str], None],
    make_session: Callable[..., ps.Session],
    monkeypatch: pytest.MonkeyPatch,
    length: int,
    shown: str,
) -> None:
    """A PluginError quotes the plugin's error, cut to 200 characters (195 and " …").

    (docs/concepts.md: a plugin's failure is a ``ps.PluginError`` naming the rule and
    its plugin; ``ledger._short``: an
    exception's message, cut to a bounded length: at most 200 characters, else the
    first 195 and " …".) Kills ``ledger._short`` never cutting, cutting at another
    length, or ending otherwise.
    """
    monkeypatch.setattr(Wordy, "length", length)
    added(WordyPlugin(), "wordy-plugin")
    session = make_session(ps.Format.from_chart("wordy", WordyChart))
    with pytest.raises(ps.PluginError) as raised:
        session.start_share("al")
    assert str(raised.value).endswith(f"(ValueError: {shown}); the session is unchanged")


class ReadingClock:
    """A clock that returns whatever it is given."""

    def __init__(self, reading: object) -> None:
        self.reading = reading

    def now(self) -> object:
        return self.reading


def test_a_clock_may_read_whole_seconds_but_not_text(group: ps.Group, circle: ps.Format) -> None:
    """A clock reading that is a whole number is a time; text raises ClockError, showing it.

    (docs/concepts.md: any object with a ``now()`` returning seconds will do; a
    reading that is not a finite number raises ``ps.ClockError``, whose ``reading``
    is what the clock returned.) Kills ``Ledger._reading`` refusing a whole
    number, or losing the reading or the problem from its error.
    """
    clock = ReadingClock(1005)
    session = ps.Session(group, circle, clock=clock)  # type: ignore[arg-type]
    assert session.arrive("al").time == 1005.0
    clock.reading = "soon"
    with pytest.raises(ps.ClockError) as raised:
        session.arrive("bo")
    assert raised.value.reading == "soon"
    assert str(raised.value) == (
        "the clock returned 'soon': a clock reading must be a number, got 'soon'"
    )


class FlakyLimit(ps.ShareTimeLimit):
    """The share time limit, failing while ``broken``."""

    broken = False

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        if FlakyLimit.broken:
            raise RuntimeError("flaky")
        return super().limits(phase, agreement)


class FlakyLimitPlugin:
    @ps.hookimpl
    def register_rules(self, register: Callable[..., object]) -> None:
        register(FlakyLimit(), replace=True)


def test_a_session_whose_rebuild_failed_reports_it_at_the_next_action(
    added: Callable[[object, str], None],
    make_session: Callable[..., ps.Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a failed action whose state could not be rebuilt, the next action reports it.

    (The ledger, ``engine/ledger.py``: a commit is atomic; when anything raises, the
    commit's events are taken off the log and the state is rebuilt from the log,
    "which is the truth"; if rebuilding fails, the ledger stays stale and the next
    action rebuilds and reports the failure; docs/concepts.md: a plugin's failure is
    a ``ps.PluginError`` naming the rule and its plugin, and the session is exactly
    as before.) Kills ``Ledger.rollback`` not marking the ledger stale, or not
    containing the rebuild's failure.
    """
    monkeypatch.setattr(FlakyLimit, "broken", False)
    added(FlakyLimitPlugin(), "flaky")
    session = make_session(arrive=("dee", "al", "bo"))
    before = list(session.events)
    monkeypatch.setattr(FlakyLimit, "broken", True)
    with pytest.raises(ps.PluginError, match=r"^rule 'share-time-limit' of plugin 'flaky'"):
        session.advance(by="dee")
    assert list(session.events) == before
    # an arrival moves no deadline, so only the rebuild asks the failing rule again
    with pytest.raises(ps.PluginError, match=r"^rule 'share-time-limit' of plugin 'flaky'"):
        session.arrive("cy")
    assert list(session.events) == before
    monkeypatch.setattr(FlakyLimit, "broken", False)
    session.arrive("cy")
    assert session.advance(by="dee").kind is ps.EventKind.PHASE_ENTERED


class OfferRecorder(Recorder):
    """Also hears whom the floor is newly offered to."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: list[str] = []

    @ps.hookimpl
    def turn_offered(self, session: ps.SessionView, member: str) -> None:
        self.offered.append(member)


class NoticedRoundChart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="seat-order", rules=("noticer",))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(sharing) | sharing.to(closing)


def test_a_turn_is_offered_once_even_across_a_failed_action(
    added: Callable[[object, str], None],
    make_session: Callable[..., ps.Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``turn_offered`` is heard when the floor is newly offered, not again after a failure.

    (hookspecs ``turn_offered``: the floor was newly offered to ``member``;
    docs/concepts.md: a failed action leaves the session exactly as before.) Kills
    ``Ledger._rebuild`` forgetting whom the floor was offered to, so that the next
    event offered it "again".
    """
    monkeypatch.setattr(Noticer, "fail", False)
    recorder = OfferRecorder()
    added(recorder, "offer-recorder")
    session = make_session(ps.Format.from_chart("rounds", NoticedRoundChart), arrive=EVERYONE[:3])
    session.advance(by="dee", to="sharing")
    first = session.offered_to()
    assert first is not None
    assert recorder.offered == [first]
    monkeypatch.setattr(Noticer, "fail", True)
    with pytest.raises(ps.PluginError):
        session.start_share(first)
    monkeypatch.setattr(Noticer, "fail", False)
    session.arrive("ob")  # an observer takes no turn: still offered to the same member
    assert session.offered_to() == first
    assert recorder.offered == [first]


def test_a_restored_session_knows_whom_the_floor_is_offered_to(
    added: Callable[[object, str], None],
    make_session: Callable[..., ps.Session],
    monkeypatch: pytest.MonkeyPatch,
    group: ps.Group,
) -> None:
    """A restored session goes on where it was: a turn already offered is not offered anew.

    (``ps.Session.restore``: the session rebuilt from its log, whose hooks hear of
    the events that follow, never of those restored; hookspecs ``turn_offered``: the
    floor was *newly* offered.) Kills ``Ledger.__init__`` forgetting, for a restored
    log, whom the floor is offered to.
    """
    monkeypatch.setattr(Noticer, "fail", False)
    recorder = OfferRecorder()
    added(recorder, "offer-recorder")
    fmt = ps.Format.from_chart("rounds", NoticedRoundChart)
    session = make_session(fmt, arrive=EVERYONE[:3])
    session.advance(by="dee", to="sharing")
    first = session.offered_to()
    assert first is not None
    assert recorder.offered == [first]
    heard = len(recorder.heard)
    restored = ps.Session.restore(group, fmt, session.events)
    restored.arrive("ob")  # an observer takes no turn: still offered to the same member
    assert restored.offered_to() == first
    assert [event.kind for event, _group, _log in recorder.heard[heard:]] == [ps.EventKind.ARRIVED]
    assert recorder.offered == [first]


class OpeningWatcher(ps.Rule):
    """Notes, as the session opens, whether a deadline is due yet."""

    id = "opening-watcher"
    watches = frozenset({ps.EventKind.OPENED})

    def notice(self, session: ps.Session, event: ps.Event) -> dict[str, ps.events.DataValue]:
        return {"deadline": session.next_deadline() is not None}


class OpeningWatcherPlugin:
    @ps.hookimpl
    def register_rules(self, register: Callable[..., object]) -> None:
        register(OpeningWatcher())


class WatchedOpeningChart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="popcorn", initial=True, rules=("opening-watcher",))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(closing)


def test_a_session_opens_with_no_deadline(
    added: Callable[[object, str], None], group: ps.Group, clock: ps.ManualClock
) -> None:
    """As the session opens there is no deadline, even for a rule that asks right then.

    (``session.next_deadline()``: the next deadline, if any (docs/concepts.md: a
    share's warning point, its limit, or the end of a phase's budget: none before
    anything happened); docs/plugins/index.md: a rule watching a kind gives its
    notice right after such an event.) Kills ``Ledger.__init__`` starting with a
    deadline that is not ``None``.
    """
    added(OpeningWatcherPlugin(), "opening-watcher")
    session = ps.Session(group, ps.Format.from_chart("watched", WatchedOpeningChart), clock=clock)
    notice = session.events[1]
    assert (notice.kind, dict(notice.data)) == (
        ps.EventKind.RULE_NOTICE,
        {"deadline": False, "rule": "opening-watcher"},
    )


def test_a_clock_may_read_the_last_moment_but_not_nan(group: ps.Group, circle: ps.Format) -> None:
    """A reading of exactly ``MAX_TIME`` is a time; NaN is not; ``-MAX_TIME`` goes back.

    (``peersupport.validate``: a time is finite, of magnitude at most ``MAX_TIME``;
    docs/concepts.md: a reading that is not a finite number raises
    ``ps.ClockError``, whose ``reading`` is what the clock returned.) Kills
    ``Ledger.now`` refusing the last moment, or checking a float reading as if it
    were of another type (the error then said less plainly that it is no time).
    """
    from peersupport.validate import MAX_TIME

    clock = ReadingClock(MAX_TIME)
    session = ps.Session(group, circle, clock=clock)  # type: ignore[arg-type]
    assert session.arrive("al").time == MAX_TIME
    clock.reading = float("nan")
    with pytest.raises(ps.ClockError) as raised:
        session.arrive("bo")
    assert str(raised.value) == "the clock returned nan, which is not a time"
    assert math.isnan(raised.value.reading)  # type: ignore[arg-type]
    clock.reading = -MAX_TIME  # a time, but long before the last event
    with pytest.raises(ps.ClockError) as raised:
        session.arrive("bo")
    assert raised.value.reading == -MAX_TIME
    assert str(raised.value) == (
        "the clock went back: it reads -1e+11 s but the last event was at 1e+11 s"
    )


def test_a_failed_turn_takes_its_automatic_round_back_too(
    recorder: Recorder, make_session: Callable[..., ps.Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn that fails takes back the round that started with it.

    (docs/concepts.md: an action records all of its events and state changes, or
    none; a new round that starts by itself with the turn is one of the action's
    events.) Kills ``Ledger.commit`` taking back only the turn's own event.
    """
    session = make_session(ps.Format.from_chart("noticed", NoticedChart), arrive=EVERYONE[:3])
    session.advance(by="dee", to="sharing")
    for member in EVERYONE[:3]:
        session.pass_turn(member)
    before = list(session.events)
    monkeypatch.setattr(Noticer, "fail", True)
    with pytest.raises(ps.PluginError):
        session.start_share("al")
    assert list(session.events) == before
    monkeypatch.setattr(Noticer, "fail", False)
    started = session.start_share("al")
    kinds = [e.kind for e in session.events[len(before) :]]
    assert kinds == [ps.EventKind.ROUND_STARTED, started.kind, ps.EventKind.RULE_NOTICE]


def test_a_close_notice_without_a_scheduled_end_is_refused(
    group: ps.Group, circle: ps.Format, clock: ps.ManualClock
) -> None:
    """``close_notice`` alone is refused, saying what it needs.

    (`Ledger.open`; ``Session``: ``close_notice`` is counted back from ``ends_at``.)
    """
    with pytest.raises(ValueError, match="time-to-close") as error:
        ps.Session(group, circle, clock=clock, close_notice=60)
    assert str(error.value) == "a time-to-close notice needs a scheduled end (ends_at)"


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("closed", "why"),
    [
        (True, "zz is not a member of the closed group 'Thursday circle' (rule 'closed-group')"),
        (False, "zz has not arrived (rule 'present')"),
    ],
)
@pytest.mark.parametrize("action", ["advance", "close_round", "pause", "end"])
def test_an_outsider_acting_as_facilitator_is_refused_by_name(
    clock: ps.ManualClock, closed: bool, why: str, action: str
) -> None:
    """Someone neither in the group nor arrived may not facilitate; the refusal names them.

    (`checks.facilitator`; docs/concepts.md "Roles": a closed group refuses who is
    not a member, by name, with the rule `closed-group`.)
    """
    s = ps.Session(make_group(closed=closed), ps.formats.get("sharing-circle"), clock=clock)
    for member in ("dee", "al"):
        s.arrive(member)
        s.consent(member)
    before = (s.state, len(s.events))
    with pytest.raises(ps.ActionRejected) as error:
        getattr(s, action)(by="zz")
    assert str(error.value) == f"zz may not {action}: {why}"
    assert (s.state, len(s.events)) == before


@pytest.mark.parametrize("by", [None, "dee"])
def test_an_outsider_arriving_at_a_closed_group_is_refused_by_name(
    clock: ps.ManualClock, by: str | None
) -> None:
    """A closed group refuses who is not a member, naming them, whoever signs them in.

    (`presence.arrive`; docs/concepts.md "Roles": "zoe may not arrive: zoe is not a
    member of the closed group 'Thursday circle' (rule 'closed-group')".)
    """
    s = ps.Session(make_group(), ps.formats.get("sharing-circle"), clock=clock)
    s.arrive("dee")
    before = (s.state, len(s.events))
    with pytest.raises(ps.NotAMember) as error:
        s.arrive("zz", by=by)
    assert str(error.value) == (
        f"{by or 'zz'} may not arrive: zz is not a member of the closed group "
        "'Thursday circle' (rule 'closed-group')"
    )
    assert (s.state, len(s.events)) == before


# --------------------------------------------------------------------------- presence


class CrowdWatcher(ps.Rule):
    """Fails on hearing the notice that more have arrived than the size guidance."""

    id = "crowd-watcher"
    watches = frozenset({ps.EventKind.RULE_NOTICE})

    def notice(self, session: ps.Session, event: ps.Event) -> None:
        raise ValueError("too many")


class CrowdWatcherPlugin:
    @ps.hookimpl
    def register_rules(self, register: Callable[..., object]) -> None:
        register(CrowdWatcher())


def test_an_arrival_whose_size_notice_fails_is_not_recorded_either(
    added: Callable[[object, str], None], clock: ps.ManualClock
) -> None:
    """If the size-guidance notice cannot be recorded, the arrival is taken back with it.

    (`presence.arrive`; docs/concepts.md, atomic actions: an action appends all of
    its events or none; if a plugin rule's ``notice()`` raises, the session is
    exactly as before.)
    """
    added(CrowdWatcherPlugin(), "crowd-watcher")
    chart = around("facilitator-only", rules=("crowd-watcher",))
    fmt = ps.Format.from_chart("crowd-watched", chart)
    s = ps.Session(make_group(ps.Agreement(size_guidance=2)), fmt, clock=clock)
    s.arrive("dee")
    s.arrive("al")
    s.advance(by="dee")
    before = (s.state, list(s.events))
    with pytest.raises(ps.PluginError, match="rule 'crowd-watcher' of plugin 'crowd-watcher'"):
        s.arrive("bo")
    assert (s.state, list(s.events)) == before
    assert "bo" not in s.state.present


# --------------------------------------------------------------------------- fold


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("al", "al is already present"),
        ("zz", "zz is not in the group and arrived without a role"),
    ],
)
def test_restore_refuses_an_arrival_that_cannot_follow_the_log_and_says_why(
    clock: ps.ManualClock, who: str, why: str
) -> None:
    """An arrival of someone present, or of a stranger without a role, is refused by line.

    (`LiveState._on_arrived`; docs/concepts.md "The event log": restore
    refuses, naming its line, any event that cannot follow the ones before it.)
    """
    group, fmt = make_group(), ps.formats.get("sharing-circle")
    s = ps.Session(group, fmt, clock=clock)
    s.arrive("dee")
    arrived = s.arrive("al")
    log = [*s.events, ps.Event(3, arrived.time, arrived.kind, who, who, arrived.data)]
    with pytest.raises(ps.LogError) as error:
        ps.Session.restore(group, fmt, log, clock=clock)
    assert str(error.value) == (
        f"event log line 4: event 3 'arrived' by {who} at 1000 s cannot follow the log: {why}"
    )


def _opened_with(log: list[ps.Event], **changes: object) -> list[ps.Event]:
    """``log`` with its ``opened`` event's data changed (``None``: the field removed)."""
    opened = log[0]
    data = {**opened.data, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    edited = ps.Event(0, opened.time, opened.kind, opened.actor, opened.member, ps.EventData(data))
    return [edited, *log[1:]]


def test_restore_refuses_a_scheduled_end_before_the_opening(clock: ps.ManualClock) -> None:
    """An ``opened`` event whose scheduled end is not after it is refused, saying why.

    (`LiveState._on_opened`; ``Session(ends_at=...)`` refuses an end that is not
    after the opening, and restore refuses such a log at its line 1.)
    """
    group, fmt = make_group(), ps.formats.get("sharing-circle")
    s = ps.Session(group, fmt, clock=clock, ends_at=T0 + 600, close_notice=120)
    s.arrive("dee")
    with pytest.raises(ps.LogError) as error:
        ps.Session.restore(group, fmt, _opened_with(list(s.events), ends_at=T0), clock=clock)
    assert str(error.value) == (
        "event log line 1: event 0 'opened' at 1000 s cannot follow the log: "
        "the scheduled end must come after the session opened"
    )


def test_a_log_without_a_close_notice_gives_notice_300_seconds_before_the_end(
    clock: ps.ManualClock,
) -> None:
    """A scheduled log whose ``opened`` has no ``close_notice`` takes the default, 300 s.

    (`LiveState._on_opened`; ``Session``: ``close_notice`` is 300 seconds by default.)
    """
    group, fmt = make_group(), ps.formats.get("sharing-circle")
    s = ps.Session(group, fmt, clock=clock, ends_at=T0 + 600, close_notice=120)
    s.arrive("dee")
    log = _opened_with(list(s.events), close_notice=None)
    assert "close_notice" not in log[0].data
    restored = ps.Session.restore(group, fmt, log, clock=clock)
    clock.advance(400)
    notices = [e.time for e in restored.apply_due() if e.kind is ps.EventKind.TIME_TO_CLOSE]
    assert notices == [T0 + 300]


class RoundFirstChart(ps.FormatChart):
    sharing = ps.Phase("Sharing", policy="seat-order", initial=True)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = sharing.to(closing)


def test_a_session_opening_in_a_phase_of_rounds_starts_in_round_one(
    group: ps.Group, clock: ps.ManualClock
) -> None:
    """The first phase's first round is round 1, live and restored alike.

    (`LiveState._on_opened`; docs/concepts.md: a phase's first round is round 1, as
    its refusals say: "it is al's turn in round 1".)
    """
    fmt = ps.Format.from_chart("round-first", RoundFirstChart)
    s = ps.Session(group, fmt, clock=clock)
    assert s.state.floor.round == 1
    s.arrive("al")
    s.consent("al")
    s.start_share("al")
    s.end_share("al")
    assert s.state.floor.round == 1
    assert ps.Session.restore(group, fmt, s.events, clock=clock).state == s.state
    assert ps.Session.restore(group, fmt, s.events, clock=clock).state.floor.round == 1
