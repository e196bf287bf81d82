"""The ``twelve-step`` format's introductions round and called-on sharing, via the public API."""

from __future__ import annotations

import itertools

import pytest

import peersupport as ps
from people import EVERYONE, ROUND, T0, make_group

K = ps.EventKind

#: The sharing phases of the core, and the phase that leads to them in each core variant.
SHARING = ("round_sharing", "volunteer_sharing", "tag_sharing", "called_sharing")
CORES = {
    "topic": SHARING,
    "speaker": ("round_sharing", "volunteer_sharing", "called_sharing"),
    "step_reading": ("round_sharing", "volunteer_sharing", "called_sharing"),
}
TAIL = ("seventh_tradition", "announcements", "closing")

#: Every path from the opening to the closing: with or without the introductions round,
#: then each core and each of its sharing phases.
PATHS = [
    ("opening", "readings", "newcomer_welcome", *intro, core, sharing, *TAIL)
    for intro in ((), ("introductions",))
    for core, sharings in CORES.items()
    for sharing in sharings
]


def start(**agreement: object) -> tuple[ps.Session, ps.ManualClock]:
    """A new twelve-step session with everyone arrived and consenting (ob observes)."""
    clock = ps.ManualClock(T0)
    group = make_group(ps.Agreement(**agreement)) if agreement else make_group()  # type: ignore[arg-type]
    session = ps.Session(group, ps.formats.get("twelve-step"), clock=clock)
    for member in EVERYONE:
        session.arrive(member)
        session.consent(member)
    return session, clock


def share(session: ps.Session, clock: ps.ManualClock, member: str, seconds: float) -> None:
    session.start_share(member)
    clock.advance(seconds)
    session.end_share(member)


def at_introductions(**agreement: object) -> tuple[ps.Session, ps.ManualClock]:
    """A session in the introductions round, after a reading and the newcomer welcome."""
    s, clock = start(**agreement)
    share(s, clock, "dee", 120)  # opening, preamble
    s.advance(by="dee")  # -> readings
    s.call_on("cy", by="dee")
    share(s, clock, "cy", 150)
    s.advance(by="dee")  # -> newcomer welcome
    share(s, clock, "nu", 30)
    s.advance(by="dee", to="introductions")
    assert s.state.phase == "introductions"
    return s, clock


def at_called_sharing(
    core: str = "topic", **agreement: object
) -> tuple[ps.Session, ps.ManualClock]:
    """A session in the chair-calls-on sharing phase, after ``core``."""
    s, clock = start(**agreement)
    s.advance(by="dee")  # -> readings
    s.advance(by="dee")  # -> newcomer welcome
    s.pass_turn("nu")
    s.advance(by="dee", to=core)
    s.advance(by="dee", to="called_sharing")
    assert s.state.phase == "called_sharing"
    return s, clock


def phases_of(session: ps.Session) -> list[str]:
    return [str(e.data["phase"]) for e in session.events if e.kind is K.PHASE_ENTERED]


def chart_paths(fmt: ps.Format) -> list[tuple[str, ...]]:
    """Every path from the initial phase to a final one, without going round a phase again."""
    out: list[tuple[str, ...]] = []

    def walk(route: tuple[str, ...]) -> None:
        phase = fmt.phases[route[-1]]
        if phase.final:
            out.append(route)
        for t in phase.transitions:
            if t.target not in route:
                walk((*route, t.target))

    walk((fmt.initial,))
    return out


def play(route: tuple[str, ...]) -> None:
    """Play a session along ``route`` to the closing, one turn in each phase; end and verify it."""
    s, clock = start()
    for phase in route[1:]:
        if s.phase.rounds and not s.state.floor.complete:
            s.close_round(by="dee")
        s.advance(by="dee", to=phase)
        member = s.offered_to()
        if member is None and s.phase.policy.name in {"called-on", "tag"}:
            s.call_on("al", by="dee")
            member = "al"
        if member is not None:
            share(s, clock, member, 10)
        elif s.phase.policy.name == "popcorn":
            share(s, clock, "bo", 10)
    assert s.state.phase == "closing"
    assert phases_of(s) == list(route[1:])
    s.end(by="dee")
    assert s.state.status is ps.SessionStatus.ENDED
    assert ps.Session.verify(s.group, s.format, s.events).state == s.state


class TestChart:
    def test_phases_and_transitions(self):
        """Introductions come between welcome and core; called-on sharing ends every core."""
        fmt = ps.formats.get("twelve-step")
        targets = {pid: [t.target for t in p.transitions] for pid, p in fmt.phases.items()}
        assert targets == {
            "opening": ["readings"],
            "readings": ["newcomer_welcome"],
            # plain advance() still goes straight to the core
            "newcomer_welcome": ["topic", "speaker", "step_reading", "introductions"],
            "introductions": ["topic", "speaker", "step_reading"],
            "topic": list(CORES["topic"]),
            "speaker": list(CORES["speaker"]),
            "step_reading": list(CORES["step_reading"]),
            "round_sharing": ["seventh_tradition", "round_sharing"],
            "volunteer_sharing": ["seventh_tradition"],
            "tag_sharing": ["seventh_tradition"],
            "called_sharing": ["seventh_tradition"],
            "seventh_tradition": ["announcements"],
            "announcements": ["closing"],
            "closing": [],
        }

    def test_introductions_round_options(self):
        """A short seat-order round: 20 s with a warning at 15 and a hard cap; not sharing."""
        fmt = ps.formats.get("twelve-step")
        intro = fmt.phases["introductions"]
        assert intro.policy.name == "seat-order"
        assert (intro.share_limit, intro.warn_at, intro.hard_cap) == (20.0, 15.0, True)
        assert intro.budget == 4 * 60
        assert not intro.sharing
        assert intro.policy.passing
        assert not intro.cross_talk
        assert intro.rules == ()
        onward = [(t.target, t.guards) for t in intro.transitions]
        assert onward == [(core, (("round_complete", True),)) for core in CORES]

    def test_called_sharing_is_like_the_other_sharing_phases(self):
        """Called-on sharing has the other sharing phases' budget, limits, rules and exit."""
        fmt = ps.formats.get("twelve-step")
        called = fmt.phases["called_sharing"]
        assert called.policy.name == "called-on"

        def terms(phase: str) -> tuple[object, ...]:
            p = fmt.phases[phase]
            exits = [(t.target, t.guards) for t in p.transitions if t.target != phase]
            rules = tuple(rule.id for rule in p.rules)
            return (p.budget, rules, p.share_limit, p.warn_at, p.hard_cap, p.cross_talk,
                    p.sharing, exits)  # fmt: skip

        assert terms("called_sharing") == terms("round_sharing")
        assert terms("called_sharing") == terms("volunteer_sharing")
        assert terms("called_sharing") == terms("tag_sharing")
        assert terms("called_sharing")[1] == ("reserved-time",)

    def test_the_chart_has_exactly_these_paths(self):
        """With or without introductions, each core with each of its sharing phases: 20 paths."""
        assert sorted(chart_paths(ps.formats.get("twelve-step"))) == sorted(PATHS)
        assert len(PATHS) == 20

    def test_registration_describes_the_new_phases(self):
        """The registered description names the introductions round and called-on sharing."""
        fmt = ps.formats.get("twelve-step")
        assert "introductions round for everyone" in fmt.description
        assert "called on by the chair" in fmt.description


class TestIntroductions:
    def test_everyone_present_in_seat_order_observers_excepted(self):
        """The round offers the floor to every member present, the chair last; not the observer."""
        s, clock = at_introductions()
        assert s.state.floor.order == ROUND
        assert "ob" not in s.state.floor.order
        with pytest.raises(ps.ActionRejected):
            s.start_share("ob")
        with pytest.raises(ps.ActionRejected):
            s.pass_turn("ob")
        offered = []
        while (member := s.offered_to()) is not None:
            offered.append(member)
            share(s, clock, member, 5)
        assert offered == list(ROUND)
        assert s.state.floor.complete

    def test_only_the_member_whose_turn_it_is(self):
        """Seat order: bo may not take al's turn."""
        s, _clock = at_introductions()
        with pytest.raises(ps.NotYourTurn):
            s.start_share("bo")

    def test_not_counted_as_sharing(self):
        """Saying hello is not a share: the fairness statistics do not change."""
        s, clock = at_introductions()
        before = dict(s.state.shares)
        while (member := s.offered_to()) is not None:
            share(s, clock, member, 10)
        assert s.state.shares == before
        assert s.phase_shares == {}

    def test_pass_allowed_and_not_asked_again(self):
        """A member may pass; the round moves on and they are not offered the floor again."""
        s, clock = at_introductions()
        s.pass_turn("al")
        assert s.offered_to() == "bo"
        share(s, clock, "bo", 5)
        s.pass_turn("cy")
        with pytest.raises(ps.RuleViolation) as exc:
            s.start_share("al")
        assert exc.value.rule == "one-share-per-round"
        assert s.state.passes["al"] == 1
        assert s.state.passes["cy"] == 1

    def test_the_cap_holds(self):
        """A warning at 15 s; at 20 s the engine ends the introduction, whatever the agreement."""
        s, clock = at_introductions(share_limit=300.0, warn_at=240.0, hard_cap=False)
        started = s.start_share("al").time
        clock.advance(60)
        due = [(e.kind, e.member, e.time - started) for e in s.apply_due()]
        assert due == [(K.TIME_WARNING, "al", 15.0), (K.SHARE_ENDED, "al", 20.0)]
        assert s.state.floor.holder is None
        assert s.offered_to() == "bo"

    def test_the_round_must_be_complete_before_the_core(self):
        """Moving on with people not yet reached is refused; closing the round records them."""
        s, clock = at_introductions()
        share(s, clock, "al", 5)
        with pytest.raises(ps.WrongPhase) as exc:
            s.advance(by="dee")
        assert exc.value.rule == "round-complete"
        s.close_round(by="dee")
        s.advance(by="dee")
        assert s.state.phase == "topic"
        assert s.state.not_reached == {"bo": 1, "cy": 1, "nu": 1, "dee": 1}

    def test_the_newcomer_introduces_themself_in_the_round_too(self):
        """After the welcome, the round is everyone's: the newcomer too, the chair last."""
        s, clock = at_introductions()
        seen = []
        while (member := s.offered_to()) is not None:
            seen.append(member)
            share(s, clock, member, 5)
        assert seen == list(ROUND)
        s.advance(by="dee")
        assert s.state.phase == "topic"


class TestChairCallsOn:
    def test_refuses_a_member_who_was_not_called_on(self):
        """Nobody takes the floor uncalled, and only the one called; members do not call."""
        s, _clock = at_called_sharing()
        assert s.offered_to() is None
        with pytest.raises(ps.NotYourTurn):
            s.start_share("al")
        with pytest.raises(ps.NotYourTurn):
            s.pass_turn("al")
        with pytest.raises(ps.PermissionDenied):
            s.call_on("bo", by="al")
        s.call_on("bo", by="dee")
        assert s.offered_to() == "bo"
        with pytest.raises(ps.NotYourTurn) as exc:
            s.start_share("al")
        assert exc.value.rule == "called-on"

    def test_the_called_member_shares_or_passes(self):
        """bo is called and shares (a share); cy is called and passes."""
        s, clock = at_called_sharing()
        s.call_on("bo", by="dee")
        share(s, clock, "bo", 150)
        s.call_on("cy", by="dee")
        s.pass_turn("cy")
        assert s.state.shares == {"bo": 1}
        assert s.phase_shares == {"bo": 1}
        assert s.state.passes == {"nu": 1, "cy": 1}  # nu passed in the newcomer welcome
        assert s.state.floor.had_turn == {"bo", "cy"}

    def test_nobody_is_called_twice_in_a_round(self):
        """Calling bo again before everyone had a turn is refused; round two allows it."""
        s, clock = at_called_sharing()
        s.call_on("bo", by="dee")
        share(s, clock, "bo", 60)
        with pytest.raises(ps.RuleViolation) as exc:
            s.call_on("bo", by="dee")
        assert exc.value.rule == "one-share-per-round"
        for member in ("al", "cy", "nu", "dee"):
            s.call_on(member, by="dee")
            s.pass_turn(member)
        s.call_on("bo", by="dee")  # everyone had a turn: a new round
        assert s.state.round == 2
        share(s, clock, "bo", 60)
        assert s.phase_shares == {"bo": 2}

    def test_the_round_must_be_complete_before_the_7th_tradition(self):
        """Like the other sharing phases, moving on needs a complete (or closed) round."""
        s, clock = at_called_sharing()
        s.call_on("al", by="dee")
        share(s, clock, "al", 60)
        with pytest.raises(ps.WrongPhase) as exc:
            s.advance(by="dee")
        assert exc.value.rule == "round-complete"
        s.close_round(by="dee")
        s.advance(by="dee")
        assert s.state.phase == "seventh_tradition"
        assert s.state.not_reached == {"bo": 1, "cy": 1, "nu": 1, "dee": 1}

    @pytest.mark.parametrize("core", list(CORES))
    def test_reached_from_every_core(self, core):
        """Topic, speaker and step reading each lead to called-on sharing."""
        s, clock = at_called_sharing(core)
        s.call_on("cy", by="dee")
        share(s, clock, "cy", 60)
        assert phases_of(s)[-2:] == [core, "called_sharing"]

    def test_reserved_time_for_those_who_have_not_shared(self):
        """In the reserved last minutes, a member who already shared is refused; bo is not."""
        s, clock = at_called_sharing(share_limit=300.0, warn_at=240.0, reserved_time=600.0)
        s.call_on("al", by="dee")
        share(s, clock, "al", 60)
        for member in ("bo", "cy", "nu", "dee"):
            s.call_on(member, by="dee")
            s.pass_turn(member)
        clock.advance(30 * 60 - 600 - 60)  # the reserved last 600 s of the budget begin
        s.call_on("al", by="dee")  # round two: al may be called ...
        with pytest.raises(ps.RuleViolation) as exc:
            s.start_share("al")  # ... but has shared in this phase
        assert exc.value.rule == "reserved-time"
        s.call_on("bo", by="dee")
        s.start_share("bo")  # bo has not shared in this phase
        assert s.state.floor.holder == "bo"

    def test_no_cross_talk(self):
        """An interjection is blocked even if the agreement allows cross-talk."""
        s, _clock = at_called_sharing(cross_talk=True)
        s.call_on("al", by="dee")
        s.start_share("al")
        with pytest.raises(ps.CrossTalkBlocked):
            s.interject("bo")


class TestWholeSession:
    def test_every_path_reaches_closing(self):
        """Each of the 20 paths plays from the opening to the closing, one turn in each phase."""
        for route in PATHS:
            try:
                play(route)
            except Exception as exc:
                exc.add_note(f"on the path {' -> '.join(route)}")
                raise

    def test_through_the_new_phases_restores_and_verifies(self):
        """Introductions, then called-on sharing: the log restores and verifies to the state."""
        s, clock = at_introductions()
        share(s, clock, "al", 8)
        s.pass_turn("bo")
        s.start_share("cy")
        clock.advance(40)
        s.apply_due()  # the hard cap ends cy's introduction at 20 s
        share(s, clock, "nu", 5)
        share(s, clock, "dee", 5)
        s.advance(by="dee", to="speaker")
        s.call_on("cy", by="dee")
        share(s, clock, "cy", 20 * 60)
        s.advance(by="dee", to="called_sharing")
        s.call_on("al", by="dee")
        share(s, clock, "al", 180)
        s.call_on("nu", by="dee")
        s.pass_turn("nu")
        s.call_on("bo", by="dee")
        share(s, clock, "bo", 200)
        s.close_round(by="dee")
        s.advance(by="dee")  # -> 7th Tradition
        share(s, clock, "dee", 60)
        s.advance(by="dee")  # -> announcements
        s.advance(by="dee")  # -> closing
        s.end(by="dee")
        assert phases_of(s) == [
            "readings",
            "newcomer_welcome",
            "introductions",
            "speaker",
            "called_sharing",
            "seventh_tradition",
            "announcements",
            "closing",
        ]
        state = s.state
        assert state.status is ps.SessionStatus.ENDED
        # the introductions are not shares; the welcome, the speaker and the sharing are
        assert state.shares == {"nu": 1, "cy": 1, "al": 1, "bo": 1}
        assert state.passes == {"bo": 1, "nu": 1}
        assert state.not_reached == {"cy": 1, "dee": 1}
        group, fmt = s.group, s.format
        assert ps.Session.restore(group, fmt, s.events).state == state
        assert ps.Session.verify(group, fmt, s.events).state == state
        text = ps.events.dumps(s.events)
        assert ps.Session.verify(group, fmt, ps.events.loads(text)).state == state


def test_paths_cover_every_phase():
    """Every phase of the chart lies on some path to the closing."""
    on_paths = set(itertools.chain.from_iterable(PATHS))
    assert on_paths == set(ps.formats.get("twelve-step").phases)
