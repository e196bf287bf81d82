"""Scripted full sessions, opening to closing, for every built-in format."""

from __future__ import annotations

import pytest

import peersupport as ps
from people import AL, BO, BUILTIN_FORMATS, CY, DEE, NU

K = ps.EventKind

CO = ps.Member("co", "Co")


def make_group(**agreement: object) -> ps.Group:
    return ps.Group(
        name="Tuesday group",
        roles={
            DEE: ps.Role.FACILITATOR,
            CO: ps.Role.CO_FACILITATOR,
            AL: ps.Role.MEMBER,
            BO: ps.Role.MEMBER,
            CY: ps.Role.MEMBER,
            NU: ps.Role.NEWCOMER,
        },
        agreement=ps.Agreement(**agreement),  # type: ignore[arg-type]
    )


def start(fmt_name: str, **agreement: object) -> tuple[ps.Session, ps.ManualClock]:
    clock = ps.ManualClock()
    session = ps.Session(make_group(**agreement), ps.formats.get(fmt_name), clock=clock)
    for member in ("dee", "co", "al", "bo", "cy", "nu"):
        session.arrive(member)
        session.consent(member)
    return session, clock


def share(session: ps.Session, clock: ps.ManualClock, member: str, seconds: float = 60) -> None:
    session.start_share(member)
    clock.advance(seconds)
    session.end_share(member)


def go_round(session: ps.Session, clock: ps.ManualClock, passes: tuple[str, ...] = ()) -> list[str]:
    """Go round a seat-order phase; return who was offered the floor, in order."""
    offered = []
    while (member := session.offered_to()) is not None:
        offered.append(member)
        if member in passes:
            session.pass_turn(member)
        else:
            share(session, clock, member, 45)
    return offered


def phases_of(session: ps.Session) -> list[str]:
    return [str(e.data["phase"]) for e in session.events if e.kind is K.PHASE_ENTERED]


class TestEveryFormat:
    @pytest.mark.parametrize("name", BUILTIN_FORMATS)
    def test_budgets_and_limits_are_positive(self, name):
        """Every phase of every built-in format has a turn policy and sane limits."""
        fmt = ps.formats.get(name)
        for phase in fmt.phases.values():
            assert phase.policy.name
            assert phase.budget is None or phase.budget > 0
            if phase.share_limit is not None and phase.warn_at is not None:
                assert phase.warn_at < phase.share_limit
        assert any(p.final for p in fmt.phases.values())

    @pytest.mark.parametrize("name", BUILTIN_FORMATS)
    def test_installed_by_its_own_module(self, name):
        """Each built-in format is registered by its own module, through the hooks."""
        assert ps.formats.installed()[name].startswith("peersupport.formats.")


class TestSharingCircle:
    def test_full_session(self):
        """Check-in, two sharing rounds, check-out: everyone reached, the facilitator last."""
        s, clock = start("sharing-circle")
        share(s, clock, "dee", 120)
        s.advance(by="dee")
        assert go_round(s, clock, passes=("nu",)) == ["co", "al", "bo", "cy", "nu", "dee"]
        s.advance(by="dee")
        go_round(s, clock)
        s.new_round(by="dee")
        go_round(s, clock, passes=("al",))
        s.advance(by="dee")
        go_round(s, clock)
        s.advance(by="dee")
        s.end(by="dee")
        assert phases_of(s) == ["check_in", "sharing", "check_out", "closing"]
        assert s.state.status is ps.SessionStatus.ENDED
        assert s.state.not_reached == {}


class TestOpenSharing:
    def test_popcorn_rounds(self):
        """Volunteers share in any order; round two starts once everyone had a turn."""
        s, clock = start("open-sharing")
        s.advance(by="dee")
        for member in ("bo", "al", "dee", "co", "cy"):
            share(s, clock, member)
        s.pass_turn("nu")
        share(s, clock, "al")
        assert s.state.round == 2
        s.close_round(by="dee")
        s.advance(by="dee")
        assert s.state.not_reached == {"dee": 1, "co": 1, "bo": 1, "cy": 1, "nu": 1}


class TestTwelveStep:
    def _through_welcome(self, **agreement: object) -> tuple[ps.Session, ps.ManualClock]:
        s, clock = start("twelve-step", **agreement)
        share(s, clock, "dee", 120)  # opening, preamble
        s.advance(by="dee")  # -> readings
        s.call_on("al", by="dee")
        share(s, clock, "al", 150)
        s.call_on("bo", by="dee")
        s.pass_turn("bo")
        s.advance(by="dee")  # -> newcomer welcome
        assert s.offered_to() == "nu"
        share(s, clock, "nu", 30)
        return s, clock

    def test_discussion_by_round(self):
        """Readings, newcomer welcome, topic, sharing by round, 7th Tradition, closing."""
        s, clock = self._through_welcome(share_limit=180, warn_at=150)
        s.advance(by="dee")  # -> topic (the default core)
        share(s, clock, "dee", 200)
        s.advance(by="dee")  # -> sharing by round
        go_round(s, clock, passes=("nu",))
        s.advance(by="dee")  # -> 7th Tradition
        share(s, clock, "dee", 60)
        s.advance(by="dee")  # -> announcements
        s.call_on("cy", by="dee")
        share(s, clock, "cy", 30)
        s.advance(by="dee")  # -> closing
        s.end(by="dee")
        assert phases_of(s) == [
            "readings",
            "newcomer_welcome",
            "topic",
            "round_sharing",
            "seventh_tradition",
            "announcements",
            "closing",
        ]
        # readings do not count as shares; the newcomer's introduction does
        assert s.state.shares["al"] == 1
        assert s.state.shares["nu"] == 1

    def test_only_newcomers_are_offered_the_welcome(self):
        """In the newcomer welcome only newcomers are offered the floor; others are refused."""
        s, _clock = start("twelve-step")
        s.advance(by="dee")
        s.advance(by="dee")
        assert s.state.floor.order == ("nu",)
        with pytest.raises(ps.NotYourTurn):
            s.start_share("al")
        s.pass_turn("nu")  # never pressed
        assert s.state.floor.complete

    def test_speaker_meeting(self):
        """The chair calls on one speaker with a long limit, then volunteers share."""
        s, clock = self._through_welcome()
        s.advance(by="dee", to="speaker")
        s.call_on("cy", by="dee")
        s.start_share("cy")
        clock.advance(20 * 60)
        s.end_share("cy")
        assert not [e for e in s.events if e.kind is K.TIME_WARNING and e.member == "cy"]
        s.advance(by="dee", to="volunteer_sharing")
        share(s, clock, "al")
        with pytest.raises(ps.RuleViolation) as exc:
            s.start_share("al")
        assert exc.value.rule == "one-share-per-round"

    def test_tag_sharing(self):
        """Each speaker names the next; only the tagged member may take the floor."""
        s, clock = self._through_welcome()
        s.advance(by="dee")  # topic
        s.advance(by="dee", to="tag_sharing")
        share(s, clock, "bo")  # a volunteer starts
        s.call_on("cy", by="bo")
        assert s.offered_to() == "cy"
        with pytest.raises(ps.NotYourTurn):
            s.start_share("al")
        with pytest.raises(ps.NotYourTurn):
            s.call_on("al", by="al")  # only the last speaker tags
        share(s, clock, "cy")
        with pytest.raises(ps.RuleViolation):
            s.call_on("bo", by="cy")  # bo had a turn this round
        s.call_on("al", by="cy")
        s.pass_turn("al")
        assert s.state.passes["al"] == 1

    def test_step_study(self):
        """A step-study reading by a volunteer, then sharing by round."""
        s, clock = self._through_welcome()
        s.advance(by="dee", to="step_reading")
        s.call_on("co", by="dee")
        share(s, clock, "co", 300)
        s.advance(by="dee", to="round_sharing")
        assert s.offered_to() == "co"

    def test_reserved_time_for_those_who_have_not_shared(self):
        """In the reserved last minutes, members who already shared are refused."""
        s, clock = self._through_welcome(reserved_time=600.0)
        s.advance(by="dee")
        s.advance(by="dee", to="volunteer_sharing")
        share(s, clock, "al", 60)
        for member in ("bo", "cy", "dee", "co", "nu"):
            s.pass_turn(member)
        clock.advance(30 * 60 - 600 - 60)  # 60 s shared + this: the reserved last 600 s begin
        with pytest.raises(ps.RuleViolation) as exc:
            s.start_share("al")  # popcorn would let al start round 2, reserved time does not
        assert str(exc.value) == (
            "al may not start_share: the last 600 s of Sharing by volunteers are reserved for "
            "members who have not shared yet, and al has (rule 'reserved-time')"
        )
        s.start_share("bo")  # bo has not shared in this phase
        assert s.state.floor.holder == "bo"

    def test_reserved_time_longer_than_the_budget(self):
        """Reserving more than the phase's budget reserves all of it, from its first second."""
        s, clock = self._through_welcome(reserved_time=40 * 60.0)
        s.advance(by="dee")
        s.advance(by="dee", to="volunteer_sharing")
        start = s.state.phase_started_at
        assert ps.ReservedTime().starts_at(s) == start
        s.start_share("al")
        s.end_share("al")  # a share of no time: al has shared, at the phase's first second
        for member in ("bo", "cy", "dee", "co", "nu"):
            s.pass_turn(member)
        clock.advance(0.5)
        with pytest.raises(ps.RuleViolation, match="reserved-time"):
            s.start_share("al")
        # The rule itself, asked directly (as a plugin's own rule may ask it), names al.
        with pytest.raises(ps.RuleViolation) as exc:
            ps.ReservedTime().check(s, "start_share", "al", clock.now())
        assert (exc.value.actor, exc.value.rule) == ("al", "reserved-time")


class TestSmartRecovery:
    def test_budgets_add_up_to_ninety_minutes(self):
        """The phase budgets of the SMART format add up to 90 minutes."""
        fmt = ps.formats.get("smart-recovery")
        assert sum(p.budget or 0 for p in fmt.phases.values()) == 90 * 60

    def test_cross_talk_only_in_working_time(self):
        """Cross-talk is blocked in check-in and allowed in working time (if agreed)."""
        s, clock = start("smart-recovery", cross_talk=True)
        s.advance(by="dee")  # -> check-in
        s.start_share(s.offered_to() or "")
        with pytest.raises(ps.CrossTalkBlocked):
            s.interject("al")
        s.end_share("co")
        for member in ("al", "bo", "cy", "nu", "dee"):
            s.pass_turn(member)
        s.advance(by="dee")  # -> agenda setting
        s.advance(by="dee")  # -> working time
        s.start_share("bo")
        clock.advance(30)
        event = s.interject("al")
        assert event.kind is K.INTERJECTED
        s.end_share("bo")
        s.advance(by="dee")  # -> pass the hat
        s.advance(by="dee")  # -> check-out
        go_round(s, clock)
        s.advance(by="dee")
        assert s.state.phase == "closing"
        assert s.state.interjections == 1
        assert s.state.cross_talk_blocked == 1

    @staticmethod
    def _working_time() -> tuple[ps.Session, ps.ManualClock]:
        """SMART with share-the-air at one half, in working time (after a check-in round)."""
        s, clock = start("smart-recovery", share_the_air=0.5)
        s.advance(by="dee")
        go_round(s, clock)
        s.advance(by="dee")  # -> agenda setting
        s.advance(by="dee")  # -> working time
        return s, clock

    def test_share_the_air_notice(self):
        """Above the agreed part of working time, a notice names who has not spoken."""
        s, clock = self._working_time()
        share(s, clock, "bo", 120)
        share(s, clock, "al", 400)
        notices = [e for e in s.events if e.kind is K.RULE_NOTICE]
        assert len(notices) == 1
        assert notices[0].member == "al"
        assert notices[0].data["rule"] == "share-the-air"
        assert notices[0].data["not_spoken"] == ("dee", "co", "cy", "nu")
        s.leave("al")  # no share ends: no second notice for al's part
        assert [e for e in s.events if e.kind is K.RULE_NOTICE] == notices
        assert ps.Session.verify(s.group, s.format, s.events).state == s.state

    def test_share_the_air_at_its_bounds(self):
        """The notice starts at 300 s of speaking in the phase and above the agreed part.

        (``ShareTheAir``: "Seconds of speaking in the phase before the rule looks at
        all"; "goes above agreement.share_the_air".)
        """
        s, clock = self._working_time()
        share(s, clock, "bo", 100)
        share(s, clock, "al", 200)  # 300 s in all: the rule looks; al has 2/3
        share(s, clock, "bo", 100)  # bo has half: not above it
        notices = [e for e in s.events if e.kind is K.RULE_NOTICE]
        assert [(e.member, e.data["part"]) for e in notices] == [("al", 0.6667)]

    def test_share_the_air_from_the_first_second(self, added):
        """With ``min_total=0`` the rule looks at once; a share of no time is no one's part."""
        added(ShareTheAirAtOnce(), "share-the-air-at-once")
        s, clock = self._working_time()
        share(s, clock, "bo", 0)  # no speaking time in the phase yet: nothing to divide
        share(s, clock, "al", 10)
        notices = [e for e in s.events if e.kind is K.RULE_NOTICE]
        assert [(e.member, e.data["part"]) for e in notices] == [("al", 1.0)]

    def test_share_the_air_after_half_a_second(self, added):
        """With ``min_total=0`` any speaking time counts: half a second is all of it."""
        added(ShareTheAirAtOnce(), "share-the-air-at-once")
        s, clock = self._working_time()
        share(s, clock, "al", 0.5)
        notices = [e for e in s.events if e.kind is K.RULE_NOTICE]
        assert [(e.member, e.data["part"]) for e in notices] == [("al", 1.0)]


class ShareTheAirAtOnce:
    """A plugin replacing share-the-air by one that looks from the first second."""

    @ps.hookimpl
    def register_rules(self, register):
        register(ps.ShareTheAir(min_total=0), replace=True)


class TestDbsa:
    def test_ten_minute_warning(self):
        """The discussion's budget runs out with 10 minutes of the 90 left."""
        s, clock = start("dbsa")
        for _ in range(3):
            s.advance(by="dee")
        go_round(s, clock)
        s.advance(by="dee")  # -> discussion
        clock.set(80 * 60)
        due = s.apply_due()
        assert [e.kind for e in due][-1] is K.PHASE_TIME_UP
        assert due[-1].data["phase"] == "discussion"
        assert due[-1].time == pytest.approx(s.state.phase_started_at + 50 * 60)
        s.advance(by="dee")
        s.end(by="dee")
        assert phases_of(s) == ["review_format", "guidelines", "check_in", "discussion", "closing"]


class TestPeerSupportGroup:
    def test_needs_two_facilitators(self):
        """A group with a single facilitator cannot run this format."""
        group = ps.Group("solo", {DEE: ps.Role.FACILITATOR, AL: ps.Role.MEMBER})
        with pytest.raises(ValueError, match="needs 2 facilitators"):
            ps.Session(group, ps.formats.get("peer-support-group"), clock=ps.ManualClock())

    def test_timed_check_in_is_hard_capped(self):
        """Check-in shares end at two minutes by themselves, whatever the agreement says."""
        s, clock = start("peer-support-group", hard_cap=False)
        share(s, clock, "dee", 300)
        s.advance(by="dee")  # -> principles read-around
        go_round(s, clock)
        s.advance(by="dee")  # -> check-in
        assert s.offered_to() == "co"  # seats start at the facilitator's left
        s.start_share("co")
        clock.advance(200)
        s.apply_due()
        ended = [e for e in s.events if e.kind is K.SHARE_ENDED and e.actor is None]
        assert ended[-1].member == "co"
        assert ended[-1].data["duration"] == 120.0
        assert s.state.floor.holder is None
        # the read-around does not count as sharing
        assert s.state.shares.get("bo", 0) == 0
        go_round(s, clock)
        s.advance(by="dee")
        s.advance(by="dee", to="closing")
        s.end(by="dee")
        assert s.state.status is ps.SessionStatus.ENDED


class TestTalkingPieceCircle:
    def test_keeper_takes_part_and_speaks_last(self):
        """Every round starts at the keeper's left and comes back to the keeper."""
        s, clock = start("talking-piece-circle")
        share(s, clock, "dee", 90)
        s.advance(by="dee")
        assert go_round(s, clock)[-1] == "dee"
        s.advance(by="dee")
        assert go_round(s, clock, passes=("nu",))[-1] == "dee"
        s.advance(by="dee")
        go_round(s, clock)
        s.new_round(by="dee")
        go_round(s, clock)
        s.advance(by="dee")  # -> closing round, the last phase
        assert s.format.phases[s.state.phase].final
        go_round(s, clock)
        with pytest.raises(ps.WrongPhase):
            s.advance(by="dee")
        s.end(by="dee")
        assert s.state.shares["dee"] == 4  # check-in, two discussion rounds, closing round


class TestFreeDiscussion:
    def test_full_session(self):
        """Anyone speaks again and again with no round fairness; cross-talk as agreed."""
        s, clock = start("free-discussion", cross_talk=True)
        s.advance(by="dee")
        assert s.phase.policy.name == "open-floor"
        for member in ("al", "al", "bo", "al"):
            share(s, clock, member, 30)
        s.start_share("bo")
        s.interject("al")
        clock.advance(10)
        s.end_share("bo")
        s.advance(by="dee")
        s.end(by="dee")
        assert s.state.shares == {"al": 3, "bo": 2}
        assert s.state.interjections == 1
        assert not [e for e in s.events if e.kind is K.RULE_NOTICE]

    def test_cross_talk_needs_the_agreement(self):
        """Without the agreement's consent to cross-talk an interjection is blocked."""
        s, _clock = start("free-discussion")
        s.advance(by="dee")
        s.start_share("al")
        with pytest.raises(ps.CrossTalkBlocked):
            s.interject("bo")
        assert s.state.cross_talk_blocked == 1
