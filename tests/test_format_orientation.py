"""The ``orientation`` format: a newcomer orientation, through the public API."""

from __future__ import annotations

import pytest

import peersupport as ps
from peersupport.testing import check_format, reach

K = ps.EventKind

DEE = ps.Member("dee", "Dee")
AL = ps.Member("al", "Al")
NU = ps.Member("nu", "Nu")
NY = ps.Member("ny", "Ny")

#: Turn order of the introductions round: from the facilitator's left, the facilitator last.
ROUND = ("al", "nu", "ny", "dee")


def orientation_group(**agreement: object) -> ps.Group:
    """A facilitator, one experienced member who attends, and two newcomers."""
    return ps.Group(
        name="Orientation",
        roles={
            DEE: ps.Role.FACILITATOR,
            AL: ps.Role.MEMBER,
            NU: ps.Role.NEWCOMER,
            NY: ps.Role.NEWCOMER,
        },
        agreement=ps.Agreement(**agreement),  # type: ignore[arg-type]
    )


def start(**agreement: object) -> tuple[ps.Session, ps.ManualClock]:
    """A new orientation session with everyone arrived and consenting."""
    clock = ps.ManualClock()
    session = ps.Session(orientation_group(**agreement), ps.formats.get("orientation"), clock=clock)
    for member in ("dee", "al", "nu", "ny"):
        session.arrive(member)
        session.consent(member)
    return session, clock


def share(session: ps.Session, clock: ps.ManualClock, member: str, seconds: float) -> None:
    session.start_share(member)
    clock.advance(seconds)
    session.end_share(member)


def phases_of(session: ps.Session) -> list[str]:
    return [str(e.data["phase"]) for e in session.events if e.kind is K.PHASE_ENTERED]


@pytest.mark.kit  # random sessions of the kit: tracing only slows them
class TestConformance:
    def test_passes_the_conformance_kit(self):
        """The conformance kit's random sessions keep every invariant in this format."""
        check_format("orientation")

    def test_installed_as_a_built_in_format(self):
        """The format is registered by its own module through the hooks."""
        assert "orientation" in ps.formats.names()
        assert ps.formats.installed()["orientation"] == "peersupport.formats.orientation"
        assert ps.formats.get("orientation").title == "Newcomer orientation"


class TestChart:
    def test_phases_in_order(self):
        """Welcome, guidelines, introductions, questions, closing: one path, in that order."""
        fmt = ps.formats.get("orientation")
        assert fmt.initial == "welcome"
        assert list(fmt.phases) == [
            "welcome",
            "guidelines",
            "introductions",
            "questions",
            "closing",
        ]
        targets = {pid: [t.target for t in p.transitions] for pid, p in fmt.phases.items()}
        assert targets == {
            "welcome": ["guidelines"],
            "guidelines": ["introductions"],
            "introductions": ["questions"],
            "questions": ["closing"],
            "closing": [],
        }
        assert fmt.phases["closing"].final
        assert fmt.facilitators == 1

    def test_policies_limits_and_budgets(self):
        """The facilitator speaks alone except in the introductions and questions; 45 min."""
        fmt = ps.formats.get("orientation")
        policies = {pid: p.policy.name for pid, p in fmt.phases.items()}
        assert policies == {
            "welcome": "facilitator-only",
            "guidelines": "facilitator-only",
            "introductions": "seat-order",
            "questions": "open-floor",
            "closing": "facilitator-only",
        }
        intro = fmt.phases["introductions"]
        assert (intro.share_limit, intro.warn_at) == (60.0, 45.0)
        assert sum(p.budget or 0 for p in fmt.phases.values()) == 45 * 60
        assert all(p.budget for p in fmt.phases.values())
        assert not any(p.cross_talk for p in fmt.phases.values())
        assert not fmt.phases["questions"].sharing
        assert intro.sharing


class TestGuidelines:
    def test_the_facilitator_reads_and_members_are_refused(self):
        """Only the facilitator reads the guidelines; a member's share or pass is refused."""
        s, clock = start()
        s.advance(by="dee")
        assert s.state.phase == "guidelines"
        with pytest.raises(ps.NotYourTurn) as exc:
            s.start_share("al")
        assert exc.value.rule == "facilitator-only"
        with pytest.raises(ps.NotYourTurn):
            s.start_share("nu")
        with pytest.raises(ps.WrongPhase):
            s.pass_turn("nu")
        share(s, clock, "dee", 400)
        assert s.state.floor.holder is None
        assert s.state.shares == {}  # reading the guidelines is not a share


class TestIntroductions:
    def _at_introductions(self, **agreement: object) -> tuple[ps.Session, ps.ManualClock]:
        s, clock = start(**agreement)
        s.advance(by="dee")  # -> guidelines
        s.advance(by="dee")  # -> introductions
        assert s.state.phase == "introductions"
        return s, clock

    def test_everyone_present_in_seat_order_the_facilitator_last(self):
        """The round offers the floor to everyone present, from the facilitator's left."""
        s, clock = self._at_introductions()
        assert s.state.floor.order == ROUND
        offered = []
        while (member := s.offered_to()) is not None:
            offered.append(member)
            share(s, clock, member, 30)
        assert offered == list(ROUND)

    def test_a_newcomer_may_pass_and_is_not_asked_again(self):
        """A newcomer passes, even with passing switched off; the round moves on."""
        s, clock = self._at_introductions(may_pass=False)
        share(s, clock, "al", 40)
        s.pass_turn("nu")
        assert s.offered_to() == "ny"
        with pytest.raises(ps.RuleViolation) as exc:
            s.start_share("nu")
        assert exc.value.rule == "one-share-per-round"
        assert s.state.passes["nu"] == 1

    def test_the_round_must_be_complete_before_questions(self):
        """Moving on with people not yet reached is refused until they had their turn."""
        s, clock = self._at_introductions()
        share(s, clock, "al", 40)
        s.pass_turn("nu")
        with pytest.raises(ps.WrongPhase) as exc:
            s.advance(by="dee")
        assert exc.value.rule == "round-complete"
        assert s.state.phase == "introductions"
        share(s, clock, "ny", 20)
        share(s, clock, "dee", 30)
        s.advance(by="dee")
        assert s.state.phase == "questions"

    def test_closing_the_round_records_who_was_not_reached(self):
        """The facilitator may close the round early; whoever was not reached is recorded."""
        s, clock = self._at_introductions()
        share(s, clock, "al", 40)
        s.close_round(by="dee")
        s.advance(by="dee")
        assert s.state.phase == "questions"
        assert s.state.not_reached == {"nu": 1, "ny": 1, "dee": 1}

    def test_short_shares_are_warned(self):
        """Each introduction has 60 seconds, with a warning at 45, then overtime."""
        s, clock = self._at_introductions()
        started = s.start_share("al").time
        clock.advance(70)
        due = [(e.kind, e.member, e.time - started) for e in s.apply_due()]
        assert due == [(K.TIME_WARNING, "al", 45.0), (K.OVERTIME, "al", 60.0)]

    def test_no_cross_talk(self):
        """An interjection during an introduction is blocked, even if the agreement allows it."""
        s, _clock = self._at_introductions(cross_talk=True)
        s.start_share("al")
        with pytest.raises(ps.CrossTalkBlocked):
            s.interject("nu")
        assert s.state.cross_talk_blocked == 1


class TestQuestions:
    def test_newcomers_ask_and_the_facilitator_answers(self):
        """Newcomers ask and the facilitator answers, as often as needed; none is a share."""
        s = reach("orientation", orientation_group(), phase="questions")
        clock = s.clock
        assert isinstance(clock, ps.ManualClock)
        before = dict(s.state.shares)
        for asker in ("nu", "ny", "nu"):
            share(s, clock, asker, 30)
            share(s, clock, "dee", 90)
        share(s, clock, "al", 60)  # an experienced member adds their experience
        assert s.state.shares == before
        assert s.state.phase == "questions"
        with pytest.raises(ps.WrongPhase):
            s.pass_turn("ny")  # there are no turns to pass: nobody is pressed
        s.advance(by="dee")
        assert s.state.phase == "closing"

    def test_no_cross_talk(self):
        """Nobody talks over a newcomer's question, even if the agreement allows cross-talk."""
        s = reach("orientation", orientation_group(cross_talk=True), phase="questions")
        s.start_share("nu")
        with pytest.raises(ps.CrossTalkBlocked):
            s.interject("dee")


class TestWholeSession:
    def test_plays_through_to_closing_and_the_log_restores(self):
        """A whole orientation runs to closing; its log restores, verifies and round-trips."""
        s, clock = start()
        share(s, clock, "dee", 180)  # welcome
        s.advance(by="dee")
        share(s, clock, "dee", 420)  # the guidelines, read and explained
        s.advance(by="dee")
        share(s, clock, "al", 55)
        s.pass_turn("nu")  # a newcomer just listens
        share(s, clock, "ny", 30)
        share(s, clock, "dee", 40)
        s.advance(by="dee")
        share(s, clock, "ny", 30)
        share(s, clock, "dee", 120)
        s.advance(by="dee")
        share(s, clock, "dee", 120)  # closing: buddy pairing is available
        with pytest.raises(ps.WrongPhase):
            s.advance(by="dee")  # the closing is the last phase
        s.end(by="dee")
        assert phases_of(s) == ["guidelines", "introductions", "questions", "closing"]
        state = s.state
        assert state.status is ps.SessionStatus.ENDED
        assert state.shares == {"al": 1, "ny": 1, "dee": 1}  # the introductions only
        assert state.passes == {"nu": 1}
        assert state.not_reached == {}
        group, fmt = s.group, s.format
        assert ps.Session.restore(group, fmt, s.events).state == state
        assert ps.Session.verify(group, fmt, s.events).state == state
        text = ps.events.dumps(s.events)
        assert ps.Session.verify(group, fmt, ps.events.loads(text)).state == state

    @pytest.mark.parametrize(
        "phase", ["welcome", "guidelines", "introductions", "questions", "closing"]
    )
    def test_every_phase_is_reached(self, phase):
        """reach() gets to every phase with valid actions; the log is one the engine wrote."""
        s = reach("orientation", orientation_group(), phase=phase)
        assert s.state.phase == phase
        assert ps.Session.verify(s.group, s.format, s.events).state == s.state
