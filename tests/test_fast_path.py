"""The one-pass acceptance of the common turn decides exactly as the checks one by one.

In a *plain* phase (see :mod:`peersupport.engine.turns`) the engine accepts a
member's own share or pass in one pass. Replacing the built-in rules that refuse
turns with subclasses that behave the same makes every phase not plain, so the
same format then decides every turn through the checks one by one. Both must
give the same log and the same refusals for any sequence of actions.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import peersupport as ps
from people import BUILTIN_FORMATS, EVERYONE, T0, installed_rules, make_group


class SameObserversListen(ps.ObserversListen):
    """The built-in rule, but not the built-in class."""


class SameConsent(ps.Consent):
    """The built-in rule, but not the built-in class."""


class SameOneSharePerRound(ps.OneSharePerRound):
    """The built-in rule, but not the built-in class."""


class SameRightToPass(ps.RightToPass):
    """The built-in rule, but not the built-in class."""


def checked_one_by_one(fmt: ps.Format) -> ps.Format:
    """``fmt`` compiled again with look-alike rules: no phase of it is plain."""
    rules = {
        **installed_rules(),
        "observers-listen": SameObserversListen(),
        "consent": SameConsent(),
        "one-share-per-round": SameOneSharePerRound(),
        "right-to-pass": SameRightToPass(),
    }
    policies = {k: v.item for k, v in ps.plugins.registry().policies.items()}
    policies.update((phase.policy.name, phase.policy) for phase in fmt.phases.values())
    return ps.Format.from_chart(
        fmt.name, fmt.chart, facilitators=fmt.facilitators, policies=policies, rules=rules
    )


class NewcomersSpeakUp(ps.TurnPolicy):
    """A plugin's purely declarative policy: any newcomer, rounds, may pass."""

    name = "newcomers-speak-up"
    roles = frozenset({ps.Role.NEWCOMER})
    rounds = True


class EveryPolicy(ps.FormatChart):
    """One phase per built-in turn policy, and a plugin's, in a row."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    speak_up = ps.Phase("Speak up", policy="newcomers-speak-up")
    newcomers = ps.Phase("Newcomers", policy="newcomer-introductions")
    seats = ps.Phase("Seats", policy="seat-order", share_limit=60.0, budget=600.0)
    popcorn = ps.Phase("Popcorn", policy="popcorn", cross_talk=True)
    called = ps.Phase("Called on", policy="called-on")
    tag = ps.Phase("Tag", policy="tag")
    open_floor = ps.Phase("Open floor", policy="open-floor", cross_talk=True)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = (
        opening.to(speak_up)
        | speak_up.to(newcomers)
        | newcomers.to(seats)
        | seats.to(popcorn)
        | popcorn.to(called)
        | called.to(tag)
        | tag.to(open_floor)
        | open_floor.to(closing)
    )


FORMATS = [name for name in BUILTIN_FORMATS if ps.formats.get(name).facilitators == 1]
FORMATS.append("every-policy")


def compiled(name: str) -> ps.Format:
    if name == "every-policy":
        policies = {k: v.item for k, v in ps.plugins.registry().policies.items()}
        policies["newcomers-speak-up"] = NewcomersSpeakUp()
        return ps.Format.from_chart(name, EveryPolicy, policies=policies)
    return ps.formats.get(name)


ACTIONS = (
    "start_share",
    "pass_turn",
    "end_share",
    "interject",
    "arrive",
    "leave",
    "consent",
    "advance",
    "close_round",
    "call_on",
    "new_round",
    "skip",
    "pause",
    "resume",
    "amend_agreement",
    "apply_due",
    "start_share_for",
    "pass_turn_for",
)

#: Stands for whomever the floor is offered to at the time (else the facilitator).
OFFERED = "<offered>"
prefix = st.booleans()
steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.sampled_from((*EVERYONE, OFFERED, OFFERED, OFFERED)),
        st.sampled_from((0.0, 0.0, 5.0, 130.0)),
    ),
    min_size=20,
    max_size=80,
)


def act(session: ps.Session, action: str, member: str) -> object:
    """Do one action; return the event's fields or the refusal's type and rule."""
    if member == OFFERED:
        member = session.offered_to() or "dee"
    try:
        if action in ("advance", "close_round", "new_round", "pause", "resume"):
            event = getattr(session, action)(by="dee")
        elif action in ("call_on", "skip"):
            event = getattr(session, action)(member, by="dee")
        elif action == "amend_agreement":
            event = session.amend_agreement(by="dee", may_pass=not session.agreement.may_pass)
        elif action == "apply_due":
            return [fields_of(e) for e in session.apply_due()]
        elif action.endswith("_for"):
            event = getattr(session, action.removesuffix("_for"))(member, by="dee")
        else:
            event = getattr(session, action)(member)
    except ps.ActionRejected as exc:
        return type(exc).__name__, exc.rule
    return fields_of(event)


def fields_of(event: ps.Event) -> tuple[Any, ...]:
    return event.kind, event.time, event.actor, event.member, dict(event.data)


def opened(
    fmt: ps.Format, agreement: ps.Agreement | None = None
) -> tuple[ps.Session, ps.ManualClock]:
    clock = ps.ManualClock(T0)
    session = ps.Session(make_group(agreement), fmt, clock=clock)
    return session, clock


agreements = st.builds(
    ps.Agreement,
    share_limit=st.sampled_from((None, 120.0, 300.0)),
    warn_at=st.none(),
    hard_cap=st.booleans(),
    cross_talk=st.booleans(),
    may_pass=st.booleans(),
)


class TestPlainPhases:
    def test_the_built_in_formats_turn_phases_are_plain(self) -> None:
        """The fast path is really taken: every built-in format has plain phases.

        Except a format run by two facilitators: every turn there asks whether
        both are present (check ``facilitators-present``), one by one.
        """
        for name in BUILTIN_FORMATS:
            fmt = ps.formats.get(name)
            plain = any(phase.plain for phase in fmt.phases.values())
            assert plain == (fmt.facilitators == 1), name

    def test_look_alike_rules_make_no_phase_plain(self) -> None:
        for name in FORMATS:
            fmt = checked_one_by_one(compiled(name))
            assert not any(phase.plain for phase in fmt.phases.values()), name

    def test_a_phase_with_a_rule_on_shares_is_not_plain(self) -> None:
        class Quiet(ps.Rule):
            id = "quiet"
            actions = frozenset({"start_share"})

            def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
                raise ps.RuleViolation(member, action, self.id, "quiet please")

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="open-floor", rules=("quiet",), initial=True)
            b = ps.Phase("B", policy="open-floor")
            c = ps.Phase("C", policy="facilitator-only", final=True)
            go = a.to(b) | b.to(c)

        fmt = ps.Format.from_chart("quiet", Chart, rules=installed_rules(Quiet()))
        assert not fmt.phases["a"].plain
        assert fmt.phases["b"].plain
        session, _ = opened(fmt)
        for member in ("dee", "al"):
            session.arrive(member)
            session.consent(member)
        with pytest.raises(ps.RuleViolation, match="quiet please"):
            session.start_share("al")
        session.advance(by="dee")
        assert session.start_share("al").kind is ps.EventKind.SHARE_STARTED

    def test_a_policy_that_checks_is_asked(self) -> None:
        class OnlyAl(ps.TurnPolicy):
            name = "only-al"

            def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
                if member != "al":
                    raise ps.NotYourTurn(member, "start_share", "only-al", "only al shares")

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="only-al", initial=True)
            c = ps.Phase("C", policy="facilitator-only", final=True)
            go = a.to(c)

        policies = {k: v.item for k, v in ps.plugins.registry().policies.items()}
        fmt = ps.Format.from_chart("only-al", Chart, policies={**policies, "only-al": OnlyAl()})
        assert not fmt.phases["a"].plain
        session, _ = opened(fmt)
        for member in ("dee", "al", "bo"):
            session.arrive(member)
            session.consent(member)
        with pytest.raises(ps.NotYourTurn, match="only al shares"):
            session.start_share("bo")
        assert session.start_share("al").member == "al"

    def test_a_policy_naming_observers_does_not_let_them_share(self) -> None:
        """Observers listen whatever roles a plain phase's policy names (``observers-listen``)."""

        class EveryoneIn(ps.TurnPolicy):
            name = "everyone-in"
            roles = frozenset(ps.Role)

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="everyone-in", initial=True)
            c = ps.Phase("C", policy="facilitator-only", final=True)
            go = a.to(c)

        policies = {k: v.item for k, v in ps.plugins.registry().policies.items()}
        fmt = ps.Format.from_chart(
            "all-in", Chart, policies={**policies, "everyone-in": EveryoneIn()}
        )
        assert fmt.phases["a"].plain
        session, _ = opened(fmt)
        for member in ("dee", "ob", "al"):
            session.arrive(member)
            session.consent(member)
        for action in (session.start_share, session.pass_turn):
            with pytest.raises(ps.PermissionDenied) as caught:
                action("ob")
            assert (caught.value.actor, caught.value.rule) == ("ob", "observers-listen")
        assert session.start_share("al").member == "al"


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=60, deadline=None)
@given(agreement=agreements, everyone_first=prefix, script=steps)
def test_one_pass_and_one_by_one_agree(
    name: str, agreement: ps.Agreement, everyone_first: bool, script: list[tuple[str, str, float]]
) -> None:
    """Same actions, same times: the same outcome of each action and the same log."""
    fast, fast_clock = opened(compiled(name), agreement)
    slow, slow_clock = opened(checked_one_by_one(compiled(name)), agreement)
    if everyone_first:
        script = [(a, m, 0.0) for m in EVERYONE for a in ("arrive", "consent")] + script
    for action, member, wait in script:
        fast_clock.advance(wait)
        slow_clock.advance(wait)
        assert act(fast, action, member) == act(slow, action, member), (action, member)
    assert [fields_of(e) for e in fast.events] == [fields_of(e) for e in slow.events]
    assert fast.state == slow.state
