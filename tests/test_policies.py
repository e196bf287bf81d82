"""Turn policies added for the recovery formats: open floor, called on, tag; and their logs."""

from __future__ import annotations

from typing import ClassVar

import pytest

import peersupport as ps
from checking import refused
from people import around, make_group

K = ps.EventKind
DEE, AL, BO, CY = (ps.Member(i, i.title()) for i in ("dee", "al", "bo", "cy"))


class Chart(ps.FormatChart):
    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    called = ps.Phase("Called on", policy="called-on")
    tagged = ps.Phase("Tag", policy="tag")
    discussion = ps.Phase("Discussion", policy="open-floor")
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = (
        opening.to(called) | called.to(tagged) | tagged.to(discussion) | discussion.to(closing)
    )


FMT = ps.Format.from_chart("policies-test", Chart)


def session_in(phase: str) -> tuple[ps.Session, ps.ManualClock]:
    group = ps.Group(
        "g",
        {DEE: ps.Role.FACILITATOR, AL: ps.Role.MEMBER, BO: ps.Role.MEMBER, CY: ps.Role.OBSERVER},
    )
    clock = ps.ManualClock()
    s = ps.Session(group, FMT, clock=clock)
    for m in ("dee", "al", "bo", "cy"):
        s.arrive(m)
        s.consent(m)
    while s.state.phase != phase:
        s.advance(by="dee")
    return s, clock


class TestCalledOn:
    def test_members_cannot_call_on_people(self):
        """Only a facilitator calls on people under called-on."""
        s, _ = session_in("called")
        with pytest.raises(ps.PermissionDenied) as exc:
            s.call_on("bo", by="al")
        assert exc.value.rule == "facilitator-only-action"

    def test_the_chair_may_take_a_turn(self):
        """The chair is in the round too and may call on themself."""
        s, _ = session_in("called")
        s.call_on("dee", by="dee")
        assert s.offered_to() == "dee"

    def test_observers_are_not_called_on(self):
        """An observer does not take turns, so nobody calls on them."""
        s, _ = session_in("called")
        with pytest.raises(ps.PermissionDenied) as exc:
            s.call_on("cy", by="dee")
        assert exc.value.rule == "eligible"

    def test_only_the_member_called_on_speaks(self):
        """Before anyone is called nobody may start; then only the member called on."""
        s, clock = session_in("called")
        with pytest.raises(ps.NotYourTurn, match="calls on the next speaker"):
            s.start_share("al")
        s.call_on("al", by="dee")
        assert s.offered_to() == "al"
        with pytest.raises(ps.NotYourTurn, match="al was called on"):
            s.pass_turn("bo")
        s.start_share("al")
        clock.advance(10)
        s.end_share("al")
        with pytest.raises(ps.RuleViolation) as refused:
            s.call_on("al", by="dee")
        # the facilitator acted: the refusal names dee, and al as who already shared
        assert (refused.value.actor, refused.value.action) == ("dee", "call_on")
        assert refused.value.rule == "one-share-per-round"
        assert str(refused.value).startswith("dee may not call_on: al had their turn")

    def test_a_new_round_starts_when_everyone_had_a_turn(self):
        """Once everyone had a turn, calling on someone starts round two."""
        s, _ = session_in("called")
        s.call_on("al", by="dee")
        s.pass_turn("al")
        s.call_on("bo", by="dee")
        s.pass_turn("bo")
        s.call_on("dee", by="dee")
        s.pass_turn("dee")
        assert s.state.round == 1
        s.call_on("al", by="dee")
        assert s.state.round == 2
        assert s.state.floor.offered_to == "al"

    def test_skipping_the_member_called_on_clears_the_call(self):
        """A member skipped or gone after being called on is no longer offered the floor."""
        s, _ = session_in("called")
        s.call_on("al", by="dee")
        s.skip("al", by="dee")
        assert s.offered_to() is None
        s.call_on("bo", by="dee")
        s.leave("bo")
        assert s.offered_to() is None
        assert ps.Session.verify(s.group, FMT, s.events).state == s.state


class TestWhyNot:
    """A turn policy's refusal says exactly why, by how the floor is offered."""

    def test_called_on(self):
        s, _ = session_in("called")
        error = refused(s, lambda: s.start_share("al"), "called-on")
        assert str(error) == (
            "al may not start_share: the facilitator calls on the next speaker (rule 'called-on')"
        )
        s.call_on("al", by="dee")
        error = refused(s, lambda: s.pass_turn("bo"), "called-on")
        assert str(error) == "bo may not pass_turn: al was called on (rule 'called-on')"

    def test_tagged(self):
        s, clock = session_in("tagged")
        s.start_share("al")
        clock.advance(5)
        s.end_share("al")
        s.call_on("bo", by="al")
        error = refused(s, lambda: s.start_share("dee"), "tag")
        assert str(error) == "dee may not start_share: bo was tagged (rule 'tag')"


class TestTag:
    def test_nobody_tags_themself(self):
        """A member who just spoke cannot name themself as the next speaker."""
        s, clock = session_in("tagged")
        s.start_share("al")
        clock.advance(5)
        s.end_share("al")
        with pytest.raises(ps.NotYourTurn) as exc:
            s.call_on("al", by="al")
        assert exc.value.rule == "call-on-others"

    def test_tagging_twice_is_refused(self):
        """The last speaker tags once; a second tag is refused."""
        s, clock = session_in("tagged")
        s.start_share("al")
        clock.advance(5)
        s.end_share("al")
        s.call_on("bo", by="al")
        with pytest.raises(ps.NotYourTurn, match="already tagged"):
            s.call_on("dee", by="al")

    def test_facilitator_may_always_tag(self):
        """A facilitator may name the next speaker even without having spoken."""
        s, _ = session_in("tagged")
        s.call_on("bo", by="dee")
        assert s.offered_to() == "bo"


class TestOpenFloor:
    def test_no_turns_to_pass(self):
        """In an open discussion there is no turn to pass."""
        s, _ = session_in("discussion")
        with pytest.raises(ps.WrongPhase):
            s.pass_turn("al")

    def test_anyone_may_speak_again(self):
        """Without round fairness a member may take the floor again at once."""
        s, clock = session_in("discussion")
        for _ in range(2):
            s.start_share("al")
            clock.advance(5)
            s.end_share("al")
        assert s.state.shares["al"] == 2

    def test_nobody_is_called_on(self):
        """call_on is refused in phases whose policy does not call on people."""
        s, _ = session_in("discussion")
        with pytest.raises(ps.WrongPhase):
            s.call_on("al", by="dee")


class TestRepr:
    def test_policies_and_rules_name_themselves(self):
        """Policies and rules show their stable names."""
        assert repr(ps.SeatOrder()) == "<turn policy 'seat-order'>"
        assert repr(ps.ReservedTime()) == "<rule 'reserved-time'>"
        s, _ = session_in("called")
        assert ps.Rule().notice(s, s.events[-1]) is None


class TestLogsOfThesePolicies:
    def test_calls_replay(self):
        """Logs with called_on events replay exactly."""
        s, clock = session_in("called")
        s.call_on("al", by="dee")
        s.start_share("al")
        clock.advance(3)
        s.end_share("al")
        assert ps.Session.verify(s.group, FMT, s.events).state == s.state

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"kind": K.RULE_NOTICE, "actor": None, "data": {"rule": "x"}}, "no rule gives"),
            ({"kind": K.OPENED, "actor": None, "member": None}, "has only one"),
        ],
    )
    def test_impossible_events_are_refused(self, change, message):
        """A notice no rule gives, or a second opening, is refused naming its line."""
        s, _ = session_in("called")
        s.call_on("al", by="dee")
        events = list(s.events)
        if change["kind"] is K.OPENED:
            change = {**change, "data": events[0].data}
        events[-1] = events[-1].evolve(**change)
        with pytest.raises(ps.LogError, match=message) as exc:
            ps.Session.verify(s.group, FMT, events)
        assert exc.value.line == len(events)

    @pytest.mark.parametrize(
        ("kind", "member", "data", "message"),
        [
            (K.CALLED_ON, None, {}, "names the member it concerns"),
            (K.PHASE_ENTERED, None, {}, "needs data\\['phase'\\]"),
            (K.TURN_SKIPPED, None, {}, "names the member"),
            (K.PAUSED, "al", {}, "concerns no one member"),
            (K.TIME_WARNING, "al", {"rule": "share-time-limit"}, "recorded by the engine"),
        ],
    )
    def test_malformed_events_cannot_be_made(self, kind, member, data, message):
        """An event missing what its kind needs cannot even be made: it is checked on creation."""
        with pytest.raises(ValueError, match=message):
            ps.Event(5, 1.0, kind, "dee", member, data)

    def test_blocked_cross_talk_must_have_been_blocked(self):
        """A log claiming a blocked interjection where cross-talk was allowed is refused."""

        class Talk(ps.FormatChart):
            a = ps.Phase("A", policy="open-floor", cross_talk=True, initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        fmt = ps.Format.from_chart("talk", Talk)
        group = ps.Group(
            "g",
            {DEE: ps.Role.FACILITATOR, AL: ps.Role.MEMBER},
            agreement=ps.Agreement(cross_talk=True),
        )
        s = ps.Session(group, fmt, clock=ps.ManualClock())
        for m in ("dee", "al"):
            s.arrive(m)
            s.consent(m)
        s.start_share("dee")
        s.interject("al")
        events = list(s.events)
        blocked = {"rule": "no-cross-talk", "holder": "dee"}
        events[-1] = events[-1].evolve(kind=K.CROSS_TALK_BLOCKED, data=blocked)
        with pytest.raises(ps.LogError):
            ps.Session.verify(group, fmt, events)


class TestRoundRulesSayWhy:
    """The always-on round rules' refusals, word for word (one-share-per-round, right-to-pass)."""

    @staticmethod
    def why(action) -> str:
        with pytest.raises(ps.RuleViolation) as caught:
            action()
        return str(caught.value)

    def test_a_second_turn_says_what_the_first_was_and_whom_the_round_waits_for(self, make_session):
        s = make_session("open-sharing")
        s.advance(by="dee")  # popcorn: anyone, once a round
        s.start_share("al")
        s.end_share("al")
        s.pass_turn("bo")
        s.skip("cy", by="dee")
        waiting = "waiting for nu, dee to share or pass (rule 'one-share-per-round')"
        assert self.why(lambda: s.start_share("al")) == (
            f"al may not start_share: al had their turn in round 1 already; {waiting}"
        )
        assert self.why(lambda: s.start_share("bo")) == (
            f"bo may not start_share: bo passed in round 1 already; {waiting}"
        )
        assert self.why(lambda: s.pass_turn("cy")) == (
            f"cy may not pass_turn: cy was skipped in round 1 already; {waiting}"
        )

    def test_a_turn_after_a_complete_round_waits_for_the_facilitator(self, make_session):
        s = make_session()
        s.advance(by="dee", to="check_in")  # seat order: no automatic new round
        while (member := s.offered_to()) is not None:
            s.pass_turn(member)
        assert self.why(lambda: s.start_share("al")) == (
            "al may not start_share: al passed in round 1 already; the round is complete; "
            "the facilitator starts a new round or moves on (rule 'one-share-per-round')"
        )

    def test_passing_switched_off_leaves_it_to_newcomers(self, make_session):
        group = make_group(ps.Agreement(share_limit=300.0, warn_at=240.0, may_pass=False))
        s = make_session("open-sharing", group=group)
        s.advance(by="dee")
        assert self.why(lambda: s.pass_turn("al")) == (
            "al may not pass_turn: passing is switched off in agreement v1 (only newcomers "
            "may pass) (rule 'right-to-pass')"
        )
        s.pass_turn("nu")
        # The rules themselves, asked directly (as a plugin's own rule may ask them),
        # name the member too.
        for rule in (ps.RightToPass(), ps.OneSharePerRound()):
            with pytest.raises(ps.RuleViolation) as caught:
                rule.check(s, "pass_turn", "al" if rule.id == "right-to-pass" else "nu", 0.0)
            assert caught.value.actor == ("al" if rule.id == "right-to-pass" else "nu")


class TestInterjectingForSomeone:
    def test_only_a_facilitator_records_cross_talk_for_a_member(self, make_session):
        """A member interjects for themself; the chair may record it for them (by=)."""
        s = make_session("open-sharing")
        s.advance(by="dee")  # popcorn: cross-talk is blocked, and the attempt recorded
        s.start_share("al")
        with pytest.raises(ps.PermissionDenied) as caught:
            s.interject("bo", by="cy")
        assert str(caught.value) == (
            "cy may not interject: a member acts only for themself; only a facilitator may "
            "act for bo (rule 'acts-for-themself')"
        )
        with pytest.raises(ps.CrossTalkBlocked):
            s.interject("bo", by="dee")
        event = s.events[-1]
        assert (event.kind, event.actor, event.member) == (K.CROSS_TALK_BLOCKED, "dee", "bo")


class TestCallOnSaysWhy:
    """Each refusal of a call (or a tag) says who, what and which rule, word for word."""

    def test_nobody_is_called_on_in_an_open_floor(self):
        s, _ = session_in("discussion")
        error = refused(s, lambda: s.call_on("al", by="dee"), "open-floor")
        assert (
            str(error)
            == "dee may not call_on: nobody is called on in Discussion (rule 'open-floor')"
        )

    def test_a_member_does_not_call_on_people(self):
        s, _ = session_in("called")
        error = refused(s, lambda: s.call_on("bo", by="al"), "facilitator-only-action")
        assert str(error) == (
            "al may not call_on: only a facilitator may call on people "
            "(rule 'facilitator-only-action')"
        )

    def test_only_the_last_speaker_tags_once_and_someone_else(self):
        s, clock = session_in("tagged")
        s.start_share("al")
        clock.advance(5)
        s.end_share("al")
        error = refused(s, lambda: s.call_on("al", by="bo"), "tag")
        assert (
            str(error)
            == "bo may not call_on: only the last speaker names the next one (rule 'tag')"
        )
        error = refused(s, lambda: s.call_on("al", by="al"), "call-on-others")
        assert str(error) == "al may not call_on: al cannot name themself (rule 'call-on-others')"
        s.call_on("bo", by="al")
        error = refused(s, lambda: s.call_on("dee", by="al"), "tag")
        assert str(error) == "al may not call_on: bo is already tagged (rule 'tag')"

    def test_nobody_is_called_on_while_paused(self):
        s, _ = session_in("called")
        s.pause(by="dee")
        error = refused(s, lambda: s.call_on("al", by="dee"), "paused")
        assert isinstance(error, ps.SessionPaused)
        assert str(error) == (
            "dee may not call_on: the session is paused; the facilitator resumes it (rule 'paused')"
        )


class NewcomersListenFirst(ps.Rule):
    """A phase rule on interjections: newcomers listen first; remembers what it was asked."""

    id = "newcomers-listen-first"
    actions = frozenset({"interject"})
    asked: ClassVar[list[tuple[str, str, float]]] = []

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        NewcomersListenFirst.asked.append((action, member, now))
        if session.role_of(member) is ps.Role.NEWCOMER:
            raise ps.PermissionDenied(member, action, self.id, f"{member} listens first")


class NewcomersPlugin:
    @ps.hookimpl
    def register_rules(self, register):
        register(NewcomersListenFirst())


#: An open floor where cross-talk is allowed, with the newcomers' rule on interjections.
CrossTalkChart = around("open-floor", cross_talk=True, rules=("newcomers-listen-first",))


class TestInterjectSaysWhy:
    """Interjections: each refusal word for word, and a phase's own rule on them."""

    def test_nobody_interjects_when_nobody_holds_the_floor_or_into_their_own_share(
        self, make_session
    ):
        s = make_session("open-sharing")
        s.advance(by="dee")
        error = refused(s, lambda: s.interject("bo"), "one-voice-at-a-time")
        assert str(error) == (
            "bo may not interject: nobody holds the floor; take the floor "
            "(rule 'one-voice-at-a-time')"
        )
        s.start_share("al")
        error = refused(s, lambda: s.interject("al"), "one-voice-at-a-time")
        assert str(error) == "al may not interject: al holds the floor (rule 'one-voice-at-a-time')"

    def test_blocked_cross_talk_says_who_holds_the_floor_and_where(self, make_session):
        s = make_session("open-sharing")
        s.advance(by="dee")
        s.start_share("al")
        with pytest.raises(ps.CrossTalkBlocked) as caught:
            s.interject("bo")
        assert str(caught.value) == (
            "bo may not interject: al holds the floor and cross-talk is not allowed in "
            "Popcorn sharing; the attempt was recorded (rule 'no-cross-talk')"
        )
        assert caught.value.event == s.events[-1]

    def test_a_refusal_for_someone_names_the_facilitator(self, make_session):
        """Observers-listen, refusing the chair's interjection for an observer, names the chair."""
        s = make_session("open-sharing")
        s.advance(by="dee")
        s.start_share("al")
        error = refused(s, lambda: s.interject("ob", by="dee"), "observers-listen")
        assert error.actor == "dee"
        assert str(error) == (
            "dee may not interject: ob is an observer; observers listen (rule 'observers-listen')"
        )

    def test_a_phase_rule_on_interjections_is_asked(self, make_session, added, clock, monkeypatch):
        """A rule for ``interject`` named by the phase is asked with the action, member and time."""
        monkeypatch.setattr(NewcomersListenFirst, "asked", [])
        added(NewcomersPlugin(), "newcomers-plugin")
        fmt = ps.Format.from_chart("cross-talk-test", CrossTalkChart)
        group = make_group(ps.Agreement(share_limit=300.0, warn_at=240.0, cross_talk=True))
        s = make_session(fmt, group=group)
        s.advance(by="dee")
        s.start_share("al")
        clock.advance(7)
        error = refused(s, lambda: s.interject("nu"), "newcomers-listen-first")
        assert (
            str(error) == "nu may not interject: nu listens first (rule 'newcomers-listen-first')"
        )
        event = s.interject("bo")
        assert (event.kind, event.member, event.data["holder"]) == (K.INTERJECTED, "bo", "al")
        assert NewcomersListenFirst.asked == [
            ("interject", "nu", event.time),
            ("interject", "bo", event.time),
        ]


class Asked:
    """Remembers what a replaced always-on rule was asked: rule, action, member, time."""

    asked: ClassVar[list[tuple[str, str, str, float]]] = []

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        Asked.asked.append((self.id, action, member, now))  # type: ignore[attr-defined]
        super().check(session, action, member, now)  # type: ignore[misc]


class AskedObserversListen(Asked, ps.ObserversListen):
    pass


class AskedConsent(Asked, ps.Consent):
    pass


class AskedPlugin:
    @ps.hookimpl
    def register_rules(self, register):
        register(AskedObserversListen(), replace=True)
        register(AskedConsent(), replace=True)


def test_a_replaced_consent_rule_is_asked_about_an_interjection(
    make_session, added, clock, monkeypatch
):
    """A plugin's consent rule (``replace=True``) is asked with the action, member and time."""
    monkeypatch.setattr(Asked, "asked", [])
    added(AskedPlugin(), "asked-plugin")
    added(NewcomersPlugin(), "newcomers-plugin")  # the chart's phase names its rule
    fmt = ps.Format.from_chart("cross-talk-test", CrossTalkChart)
    group = make_group(ps.Agreement(share_limit=300.0, warn_at=240.0, cross_talk=True))
    s = make_session(fmt, group=group, consent=("dee", "al"))
    s.advance(by="dee")
    s.start_share("al")
    clock.advance(3)
    Asked.asked.clear()
    error = refused(s, lambda: s.interject("bo"), "consent")
    assert (
        str(error) == "bo may not interject: bo has not consented to agreement v1 (rule 'consent')"
    )
    # observers-listen (bo takes turns), then consent, which refuses
    assert Asked.asked == [
        ("observers-listen", "interject", "bo", clock.now()),
        ("consent", "interject", "bo", clock.now()),
    ]


class TestActingForSomeone:
    def test_a_stranger_acting_for_a_member_is_named(self, make_session):
        """Someone unknown acting for a member: not arrived (open group), not a member (closed)."""
        s = make_session("open-sharing", group=make_group(closed=False))
        s.advance(by="dee")
        error = refused(s, lambda: s.pass_turn("al", by="zz"), "present")
        assert str(error) == "zz may not pass_turn: zz has not arrived (rule 'present')"
        s = make_session("open-sharing")
        s.advance(by="dee")
        error = refused(s, lambda: s.pass_turn("al", by="zz"), "closed-group")
        assert str(error) == (
            "zz may not pass_turn: zz is not a member of the closed group 'Thursday circle' "
            "(rule 'closed-group')"
        )

    def test_two_unknown_settings_are_both_named(self, session):
        """An amendment of two settings a session does not amend names both, in order."""
        with pytest.raises(ValueError, match="a session amends only") as error:
            session.amend_agreement(by="dee", mood=1, colour=2)
        assert str(error.value).endswith("; got colour, mood")
        assert session.agreement.version == 1


class TestCallOnAskedDirectly:
    def test_the_policies_asked_directly_name_the_caller(self):
        """``check_call_on``, as a plugin's own policy may ask it, names who calls and why."""
        s, clock = session_in("tagged")
        s.start_share("al")
        clock.advance(5)
        s.end_share("al")
        member, facilitator = ps.Role.MEMBER, ps.Role.FACILITATOR
        asked = [
            (ps.OpenFloor(), "dee", facilitator, "al", "open-floor", "nobody is called on in Tag"),
            (ps.CalledOn(), "bo", member, "al", "facilitator-only-action", "only a facilitator"),
            (ps.Tag(), "bo", member, "al", "tag", "only the last speaker names the next one"),
            (ps.Tag(), "al", member, "al", "call-on-others", "al cannot name themself"),
        ]
        for policy, by, role, whom, rule, why in asked:
            with pytest.raises(ps.ActionRejected) as caught:
                policy.check_call_on(s, by, role, whom)
            assert (caught.value.actor, caught.value.action, caught.value.rule) == (
                by,
                "call_on",
                rule,
            )
            assert why in str(caught.value)
        s.call_on("bo", by="al")
        with pytest.raises(ps.NotYourTurn) as caught:
            ps.Tag().check_call_on(s, "al", member, "dee")
        assert (caught.value.actor, str(caught.value)) == (
            "al",
            "al may not call_on: bo is already tagged (rule 'tag')",
        )


class TestTurnsSayWhy:
    """Refusals of a turn word for word: through a session, and asked of the policy or rule."""

    def test_policies_and_rules_asked_directly_name_the_member(self):
        s, _ = session_in("called")
        s.close_round(by="dee")  # nobody is next in seat order now
        member = ps.Role.MEMBER
        asked = [
            (
                lambda: ps.SeatOrder().check_take_floor(s, "cy", ps.Role.OBSERVER),
                "cy may not start_share: cy does not take turns in Called on (rule 'seat-order')",
            ),
            (
                lambda: ps.SeatOrder().check_take_floor(s, "bo", member),
                "bo may not start_share: bo is not in round 1 of Called on (rule 'seat-order')",
            ),
            (
                lambda: ps.FacilitatorOnly().check_take_floor(s, "al", member),
                "al may not start_share: only facilitators speak in the Called on phase "
                "(rule 'facilitator-only')",
            ),
            (
                lambda: ps.OpenFloor().check_pass(s, "al", member),
                "al may not pass_turn: there are no turns to pass in Called on (rule 'open-floor')",
            ),
            (
                lambda: ps.ObserversListen().check(s, "start_share", "cy", 0.0),
                "cy may not start_share: cy is an observer; observers listen "
                "(rule 'observers-listen')",
            ),
            (
                lambda: ps.Consent().check(s, "start_share", "zz", 0.0),
                "zz may not start_share: zz has not consented to agreement v1 (rule 'consent')",
            ),
        ]
        for ask, said in asked:
            with pytest.raises(ps.ActionRejected) as caught:
                ask()
            assert str(caught.value) == said
            assert caught.value.actor == said.split()[0]

    def test_the_phase_s_policy_says_why_through_the_session(self):
        s, _ = session_in("opening")
        error = refused(s, lambda: s.start_share("al"), "facilitator-only")
        assert str(error) == (
            "al may not start_share: only facilitators speak in the Opening phase "
            "(rule 'facilitator-only')"
        )
        s, _ = session_in("discussion")
        error = refused(s, lambda: s.pass_turn("al"), "open-floor")
        assert str(error) == (
            "al may not pass_turn: there are no turns to pass in Discussion (rule 'open-floor')"
        )

    def test_a_closed_round_says_who_closed_it(self, make_session):
        s = make_session("sharing-circle")
        s.advance(by="dee")
        s.close_round(by="dee")
        for action in (s.start_share, s.pass_turn):
            error = refused(s, lambda act=action: act("al"), "round-closed")
            assert str(error) == (
                f"al may not {action.__name__}: round 1 of Check-in was closed by the "
                "facilitator (rule 'round-closed')"
            )

    def test_calling_on_a_stranger_or_an_observer_says_why(self):
        s, _ = session_in("called")
        error = refused(s, lambda: s.call_on("zz", by="dee"), "closed-group")
        assert str(error) == (
            "dee may not call_on: zz is not a member of the closed group 'g' (rule 'closed-group')"
        )
        error = refused(s, lambda: s.call_on("cy", by="dee"), "eligible")
        assert str(error) == (
            "dee may not call_on: cy does not take turns in Called on (rule 'eligible')"
        )


class RoundWatcher(ps.Rule):
    """A phase rule on shares that remembers the round and order it was asked in."""

    id = "round-watcher"
    actions = frozenset({"start_share"})
    seen: ClassVar[list[tuple[int, tuple[str, ...], float]]] = []

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        RoundWatcher.seen.append((session.floor.round, tuple(session.floor.order), now))


class AskedOneShare(Asked, ps.OneSharePerRound):
    pass


class AskedRightToPass(Asked, ps.RightToPass):
    pass


class WatchingPlugin:
    @ps.hookimpl
    def register_rules(self, register):
        register(RoundWatcher())
        register(AskedOneShare(), replace=True)
        register(AskedRightToPass(), replace=True)


PopcornChart = around("popcorn", rules=("round-watcher",))


def test_a_turn_that_rolls_the_round_over_is_checked_in_the_new_round(
    make_session, added, clock, monkeypatch
):
    """Rules are asked, with the time, on the floor as the automatic roll-over leaves it."""
    monkeypatch.setattr(RoundWatcher, "seen", [])
    monkeypatch.setattr(Asked, "asked", [])
    added(WatchingPlugin(), "watching-plugin")
    s = make_session(ps.Format.from_chart("popcorn-watch", PopcornChart))
    s.advance(by="dee")
    first = tuple(s.floor.order)
    for member in first:
        clock.advance(1)
        s.pass_turn(member)
    assert Asked.asked[-1] == ("right-to-pass", "pass_turn", first[-1], clock.now())
    clock.advance(1)
    event = s.start_share("al")
    assert s.state.round == 2
    assert RoundWatcher.seen == [(2, tuple(s.floor.order), event.time)]
    assert Asked.asked[-1] == ("one-share-per-round", "start_share", "al", event.time)


def test_a_turn_taken_for_someone_asks_the_rules_with_the_time(
    make_session, added, clock, monkeypatch
):
    """The chair's share and pass for members ask observers-listen and consent, with the time."""
    monkeypatch.setattr(Asked, "asked", [])
    added(AskedPlugin(), "asked-plugin")
    s = make_session("open-sharing")
    s.advance(by="dee")
    Asked.asked.clear()
    clock.advance(2)
    shared = s.start_share("al", by="dee")
    error = refused(s, lambda: s.end_share("bo"), "one-voice-at-a-time")
    assert str(error) == (
        "bo may not end_share: bo does not hold the floor (rule 'one-voice-at-a-time')"
    )
    s.end_share("al", by="dee")
    passed = s.pass_turn("bo", by="dee")
    assert Asked.asked == [
        ("observers-listen", "start_share", "al", shared.time),
        ("consent", "start_share", "al", shared.time),
        ("observers-listen", "pass_turn", "bo", passed.time),
    ]


@pytest.mark.parametrize("bad", [["al"], {"id": "al"}, 5, None])
def test_a_turn_of_an_id_that_is_no_string_is_refused_in_a_plain_phase(make_session, bad):
    """In a plain phase too (the one-pass check), an id that is no string is named."""
    s = make_session("open-sharing")
    s.advance(by="dee")
    for action in (s.start_share, s.pass_turn):
        error = refused(s, lambda act=action: act(bad), "member-id")
        assert str(error) == (
            f"someone may not {action.__name__}: ids are strings, not {bad!r} (rule 'member-id')"
        )


def test_a_stranger_ending_a_share_is_not_a_member(make_session):
    """Ending a share as someone unknown is refused as an outsider, not as the floor's."""
    s = make_session("open-sharing")
    s.advance(by="dee")
    s.start_share("al")
    error = refused(s, lambda: s.end_share("zz"), "closed-group")
    assert str(error) == (
        "zz may not end_share: zz is not a member of the closed group 'Thursday circle' "
        "(rule 'closed-group')"
    )
