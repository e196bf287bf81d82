"""Session actions and every way the engine refuses them."""

from __future__ import annotations

import attrs
import pytest

import peersupport as ps
from people import EVERYONE, ROUND, T0, make_group

K = ps.EventKind


def refused(session, error, call, *, actor, action, rule):
    """Call ``call``; check it raises exactly ``error`` naming who/what/rule and changes nothing."""
    state, events = session.state, session.events
    with pytest.raises(error) as info:
        call()
    exc = info.value
    assert type(exc) is error
    assert (exc.actor, exc.action, exc.rule) == (actor, action, rule)
    assert session.state == state
    assert session.events == events
    return exc


def in_check_in(session):
    """Move a session from the opening to the check-in round."""
    session.advance(by="dee")
    return session


def everyone_passes(session, members=ROUND):
    for member in members:
        session.pass_turn(member)


def in_sharing(session):
    """Move a session through a check-in where everyone passes into the sharing phase."""
    in_check_in(session)
    everyone_passes(session)
    session.advance(by="dee")
    return session


@pytest.fixture
def open_group():
    return make_group(closed=False)


class TestOpening:
    def test_new_session_is_opened(self, group, circle, clock):
        """A new session records one 'opened' event and starts in the initial phase, empty."""
        session = ps.Session(group, circle, clock=clock)
        (opened,) = session.events
        assert (opened.seq, opened.time, opened.kind) == (0, T0, K.OPENED)
        assert {k: opened.data[k] for k in ("log", "format", "phase", "agreement")} == {
            "log": 2,
            "format": "sharing-circle",
            "phase": "opening",
            "agreement": 1,
        }
        fingerprints = (opened.data["chart"], opened.data["group"])
        assert fingerprints == (circle.fingerprint, group.fingerprint)
        state = session.state
        assert (state.phase, state.status, state.present) == ("opening", "open", ())
        assert state.time == T0
        assert state.agreement == group.agreement

    def test_arrivals_are_present_in_arrival_order(self, make_session):
        """Arriving records an event per member and lists them present in arrival order."""
        session = make_session(arrive=["al", "dee", "bo"], consent=[])
        assert session.state.present == ("al", "dee", "bo")
        assert [(e.kind, e.actor, e.member) for e in session.events[1:]] == [
            (K.ARRIVED, "al", "al"),
            (K.ARRIVED, "dee", "dee"),
            (K.ARRIVED, "bo", "bo"),
        ]
        assert session.state.roles == {
            "al": ps.Role.MEMBER,
            "dee": ps.Role.FACILITATOR,
            "bo": ps.Role.MEMBER,
        }

    def test_facilitator_signs_someone_in(self, make_session):
        """A present facilitator may record someone else's arrival."""
        session = make_session(arrive=["dee"], consent=[])
        event = session.arrive("al", by="dee")
        assert (event.kind, event.actor, event.member) == (K.ARRIVED, "dee", "al")
        assert "al" in session.state.present

    def test_arriving_twice_is_already_done(self, session):
        """A member who is present cannot arrive again."""
        refused(
            session,
            ps.AlreadyDone,
            lambda: session.arrive("al"),
            actor="al",
            action="arrive",
            rule="present",
        )

    def test_closed_group_refuses_outsiders(self, session):
        """Someone not in a closed group cannot arrive."""
        refused(
            session,
            ps.NotAMember,
            lambda: session.arrive("zed"),
            actor="zed",
            action="arrive",
            rule="closed-group",
        )

    def test_member_cannot_sign_in_someone_else(self, make_session):
        """Only a facilitator may record someone else's arrival."""
        session = make_session(arrive=["dee", "al"], consent=[])
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.arrive("bo", by="al"),
            actor="al",
            action="arrive",
            rule="acts-for-themself",
        )

    def test_absent_facilitator_cannot_sign_in(self, make_session):
        """A facilitator must be present to sign someone in."""
        session = make_session(arrive=["al"], consent=[])
        refused(
            session,
            ps.NotPresent,
            lambda: session.arrive("bo", by="dee"),
            actor="dee",
            action="arrive",
            rule="present",
        )

    def test_outsider_cannot_sign_in(self, session):
        """Someone outside a closed group cannot sign anyone in."""
        session.leave("bo")
        refused(
            session,
            ps.NotAMember,
            lambda: session.arrive("bo", by="zed"),
            actor="zed",
            action="arrive",
            rule="closed-group",
        )


class TestVisitors:
    def test_visitor_arrives_as_newcomer(self, make_session, open_group):
        """In an open group a visitor arrives as a newcomer by default."""
        session = make_session(group=open_group)
        event = session.arrive("zed")
        assert event.data == {"role": "newcomer"}
        assert session.state.roles["zed"] is ps.Role.NEWCOMER

    def test_visitor_may_arrive_as_observer(self, make_session, open_group):
        """A visitor may arrive with a role, e.g. as an observer."""
        session = make_session(group=open_group)
        session.arrive("zed", role="observer")
        assert session.state.roles["zed"] is ps.Role.OBSERVER

    @pytest.mark.parametrize("role", [ps.Role.FACILITATOR, "co-facilitator", "chair"])
    def test_visitor_cannot_take_a_facilitator_or_unknown_role(
        self, make_session, open_group, role
    ):
        """A visitor cannot arrive as a facilitator, nor with a role that does not exist."""
        session = make_session(group=open_group)
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.arrive("zed", role=role),
            actor="zed",
            action="arrive",
            rule="visitor-role",
        )

    @pytest.mark.parametrize(
        ("member", "role", "why"),
        [
            (" zed", None, "a visitor's id ' zed' contains whitespace or an invisible or "
             "control character (rule 'member-id')"),
            ("zed", "chair", "'chair' is not a role (rule 'visitor-role')"),
            ("zed", 3, "3 is not a role (rule 'visitor-role')"),
            ("zed", "co-facilitator", "a visitor cannot arrive as a facilitator "
             "(rule 'visitor-role')"),
        ],
    )  # fmt: skip
    def test_a_visitor_s_refusal_says_why(self, make_session, open_group, member, role, why):
        """The refusal of a visitor names the id or the role and the rule."""
        session = make_session(group=open_group)
        with pytest.raises(ps.ActionRejected) as error:
            session.arrive(member, role=role)
        assert str(error.value) == f"{member} may not arrive: {why}"

    def test_visitor_needs_a_valid_id(self, make_session, open_group):
        """A visitor's id must not have surrounding spaces."""
        session = make_session(group=open_group)
        refused(
            session,
            ps.NotAMember,
            lambda: session.arrive(" zed"),
            actor=" zed",
            action="arrive",
            rule="member-id",
        )

    def test_visitor_must_arrive_before_consenting(self, make_session, open_group):
        """In an open group, someone who has not arrived is not present (not an outsider)."""
        session = make_session(group=open_group)
        refused(
            session,
            ps.NotPresent,
            lambda: session.consent("zed"),
            actor="zed",
            action="consent",
            rule="present",
        )

    def test_visitor_joins_the_round_and_shares(self, make_session, open_group):
        """A visitor who arrives during a round joins its end and may share after consenting."""
        session = in_check_in(make_session(group=open_group))
        session.arrive("zed")
        session.consent("zed")
        assert session.state.floor.order == (*ROUND, "zed")
        everyone_passes(session)
        session.start_share("zed")
        assert session.state.floor.holder == "zed"

    def test_visitor_keeps_role_when_coming_back(self, make_session, open_group):
        """A visitor who leaves and comes back keeps the role they arrived with."""
        session = make_session(group=open_group)
        session.arrive("zed", role="observer")
        session.leave("zed")
        event = session.arrive("zed")
        assert event.data == {}
        assert session.state.roles["zed"] is ps.Role.OBSERVER


class TestConsent:
    def test_consent_records_the_version(self, make_session):
        """Consenting records the agreement version the member consented to."""
        session = make_session(consent=[])
        event = session.consent("al")
        assert (event.kind, event.member, event.data) == (K.CONSENTED, "al", {"version": 1})
        assert session.state.consents == {"al": 1}

    def test_consenting_twice_is_already_done(self, session):
        """Consenting again to the same version is refused."""
        refused(
            session,
            ps.AlreadyDone,
            lambda: session.consent("al"),
            actor="al",
            action="consent",
            rule="consent",
        )

    def test_must_be_present_to_consent(self, make_session):
        """A member who has not arrived cannot consent."""
        session = make_session(arrive=["dee"])
        refused(
            session,
            ps.NotPresent,
            lambda: session.consent("al"),
            actor="al",
            action="consent",
            rule="present",
        )

    def test_outsider_cannot_consent(self, session):
        """Someone outside a closed group cannot consent."""
        refused(
            session,
            ps.NotAMember,
            lambda: session.consent("zed"),
            actor="zed",
            action="consent",
            rule="closed-group",
        )

    def test_no_share_without_consent(self, make_session):
        """A member who has not consented cannot take the floor."""
        session = in_check_in(make_session(consent=["dee", "bo"]))
        refused(
            session,
            ps.ConsentRequired,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="consent",
        )

    def test_facilitator_may_record_consent(self, make_session):
        """A facilitator may record a member's consent (e.g. a show of hands)."""
        session = make_session(consent=["dee"])
        event = session.consent("al", by="dee")
        assert (event.actor, event.member) == ("dee", "al")
        assert session.state.consents["al"] == 1

    def test_member_cannot_consent_for_another(self, make_session):
        """A member consents only for themself."""
        session = make_session(consent=["dee", "al"])
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.consent("bo", by="al"),
            actor="al",
            action="consent",
            rule="acts-for-themself",
        )


class TestSeatOrder:
    def test_round_starts_after_the_facilitator(self, session):
        """A round runs in seat order from the left of the facilitator, who speaks last."""
        in_check_in(session)
        floor = session.state.floor
        assert session.state.phase == "check_in"
        assert (floor.round, floor.order, floor.offered_to) == (1, ROUND, "al")
        assert floor.order[-1] == "dee"

    def test_seat_order_follows_arrival(self, make_session):
        """Seats are taken in arrival order; the round still starts after the facilitator."""
        session = in_check_in(make_session(arrive=["al", "bo", "dee", "cy", "nu"]))
        assert session.state.floor.order == ("cy", "nu", "al", "bo", "dee")

    def test_turn_passes_along_the_circle(self, session, clock):
        """After a share or a pass the floor is offered to the next seat."""
        in_check_in(session)
        session.start_share("al")
        clock.advance(30)
        event = session.end_share("al")
        assert (event.kind, event.data) == (K.SHARE_ENDED, {"duration": 30.0})
        assert session.state.floor.offered_to == "bo"
        session.pass_turn("bo")
        floor = session.state.floor
        assert floor.offered_to == "cy"
        assert floor.had_turn == {"al", "bo"}
        assert floor.passed == {"bo"}

    def test_nobody_is_offered_the_floor_while_someone_shares(self, session):
        """While a member shares, the floor is offered to nobody (in the session and its state)."""
        in_check_in(session)
        session.start_share("al")
        assert session.offered_to() is None
        assert session.state.floor.offered_to is None

    def test_share_is_counted(self, session, clock):
        """Ending a share counts it and its speaking time for the member."""
        in_check_in(session)
        session.start_share("al")
        clock.advance(45)
        session.end_share("al")
        state = session.state
        assert state.shares == {"al": 1}
        assert state.speaking_time == {"al": 45.0}
        assert state.floor.holder is None

    def test_out_of_turn_share_is_refused(self, session):
        """Only the member whose turn it is may take the floor."""
        in_check_in(session)
        exc = refused(
            session,
            ps.NotYourTurn,
            lambda: session.start_share("bo"),
            actor="bo",
            action="start_share",
            rule="seat-order",
        )
        assert "al" in str(exc)

    def test_facilitator_waits_for_their_turn(self, session):
        """The facilitator speaks last in a round."""
        in_check_in(session)
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.start_share("dee"),
            actor="dee",
            action="start_share",
            rule="seat-order",
        )

    def test_out_of_turn_pass_is_refused(self, session):
        """Only the member whose turn it is may pass."""
        in_check_in(session)
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.pass_turn("cy"),
            actor="cy",
            action="pass_turn",
            rule="seat-order",
        )

    def test_one_share_per_round(self, session):
        """A member who shared cannot share again in the same round."""
        in_check_in(session)
        session.start_share("al")
        session.end_share("al")
        refused(
            session,
            ps.RuleViolation,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="one-share-per-round",
        )

    def test_no_share_after_passing(self, session):
        """A pass counts as the turn: no share afterwards in that round."""
        in_check_in(session)
        session.pass_turn("al")
        refused(
            session,
            ps.RuleViolation,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="one-share-per-round",
        )

    def test_one_voice_at_a_time(self, session):
        """Nobody takes the floor while someone holds it."""
        in_check_in(session)
        session.start_share("al")
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.start_share("bo"),
            actor="bo",
            action="start_share",
            rule="one-voice-at-a-time",
        )

    def test_cannot_end_someone_elses_share(self, session):
        """end_share for a member who does not hold the floor is refused."""
        in_check_in(session)
        session.start_share("al")
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.end_share("bo"),
            actor="bo",
            action="end_share",
            rule="one-voice-at-a-time",
        )

    def test_round_completes_after_everyone(self, session):
        """When everyone had their turn the round is complete and nobody is offered the floor."""
        in_check_in(session)
        everyone_passes(session)
        floor = session.state.floor
        assert floor.complete is True
        assert floor.offered_to is None
        assert session.state.passes == dict.fromkeys(ROUND, 1)

    def test_nobody_shares_twice_in_a_complete_round(self, session):
        """Once the round is complete, nobody shares again until a new round starts."""
        in_sharing(session)
        everyone_passes(session)
        refused(
            session,
            ps.RuleViolation,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="one-share-per-round",
        )

    def test_facilitator_only_phase(self, session):
        """In the opening only facilitators take the floor; their time is not a share."""
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="facilitator-only",
        )
        session.start_share("dee")
        session.end_share("dee")
        assert session.state.shares == {}


class TestLateArrivalAndLeaving:
    def test_late_arrival_joins_end_of_round(self, make_session):
        """A late arrival joins the end of the current round."""
        session = in_check_in(make_session(arrive=["dee", "al", "bo", "cy"]))
        assert session.state.floor.order == ("al", "bo", "cy", "dee")
        session.arrive("nu")
        session.consent("nu")
        assert session.state.floor.order == ("al", "bo", "cy", "dee", "nu")
        everyone_passes(session, ["al", "bo", "cy", "dee"])
        assert session.state.floor.offered_to == "nu"
        session.start_share("nu")
        assert session.state.floor.holder == "nu"

    def test_late_observer_does_not_join_round(self, make_session):
        """An observer arriving late is not added to the round."""
        session = in_check_in(make_session(arrive=["dee", "al"]))
        session.arrive("ob")
        assert session.state.floor.order == ("al", "dee")

    def test_leaving_removes_from_remaining_turns(self, session):
        """A member who leaves before their turn is removed from the round."""
        in_check_in(session)
        event = session.leave("al")
        assert (event.kind, event.member, event.data) == (K.LEFT, "al", {})
        state = session.state
        assert "al" not in state.present
        assert state.roles["al"] is ps.Role.MEMBER
        assert state.floor.order == ("bo", "cy", "nu", "dee")
        assert state.floor.offered_to == "bo"

    def test_leaving_last_waiting_member_completes_round(self, session):
        """If the only member still waiting leaves, the round is complete and may end."""
        in_check_in(session)
        everyone_passes(session, ["al", "bo", "cy"])
        session.skip("nu", by="dee")
        session.pass_turn("dee")
        session.advance(by="dee")
        session.pass_turn("al")
        session.pass_turn("bo")
        session.pass_turn("cy")
        session.pass_turn("nu")
        session.leave("dee")
        assert session.state.floor.complete is True

    def test_leaving_ends_a_share(self, session, clock):
        """A member who leaves while sharing ends their share; it counts as their turn."""
        in_check_in(session)
        session.start_share("al")
        clock.advance(20)
        event = session.leave("al")
        assert event.data == {"duration": 20.0}
        state = session.state
        assert state.floor.holder is None
        assert state.shares == {"al": 1}
        assert state.speaking_time == {"al": 20.0}
        assert state.floor.offered_to == "bo"

    def test_no_second_turn_after_rejoining(self, session):
        """A member who left after their turn and rejoined does not get a second turn."""
        in_check_in(session)
        session.start_share("al")
        session.end_share("al")
        session.leave("al")
        session.arrive("al")
        assert session.state.floor.order == ROUND
        everyone_passes(session, ROUND[1:])
        assert session.state.floor.complete is True
        refused(
            session,
            ps.RuleViolation,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="one-share-per-round",
        )

    def test_rejoining_before_turn_joins_the_end(self, session):
        """A member who left before their turn and came back waits at the end of the round."""
        in_check_in(session)
        session.leave("al")
        session.arrive("al")
        assert session.state.floor.order == ("bo", "cy", "nu", "dee", "al")

    def test_cannot_leave_when_absent(self, make_session):
        """A member who is not present cannot leave."""
        session = make_session(arrive=["dee"])
        refused(
            session,
            ps.NotPresent,
            lambda: session.leave("al"),
            actor="al",
            action="leave",
            rule="present",
        )

    def test_member_cannot_sign_out_another(self, session):
        """A member leaves only for themself; a facilitator may sign someone out."""
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.leave("bo", by="al"),
            actor="al",
            action="leave",
            rule="acts-for-themself",
        )
        event = session.leave("bo", by="dee")
        assert (event.actor, event.member) == ("dee", "bo")
        assert "bo" not in session.state.present


class TestRoundGuards:
    def test_advance_refused_while_round_incomplete(self, session):
        """The facilitator cannot move on while the round is incomplete."""
        in_check_in(session)
        session.pass_turn("al")
        exc = refused(
            session,
            ps.WrongPhase,
            lambda: session.advance(by="dee"),
            actor="dee",
            action="advance",
            rule="round-complete",
        )
        assert "bo" in str(exc)

    def test_advance_after_complete_round(self, session):
        """Once everyone had their turn the facilitator moves to the next phase."""
        in_check_in(session)
        everyone_passes(session)
        event = session.advance(by="dee")
        assert event.kind is K.PHASE_ENTERED
        assert event.data == {"phase": "sharing", "from": "check_in", "event": "advance"}
        state = session.state
        assert (state.phase, state.round) == ("sharing", 1)
        assert state.floor.had_turn == frozenset()

    def test_close_round_records_not_reached(self, session):
        """Closing a round early records whoever was not reached, and then advance is allowed."""
        in_check_in(session)
        session.pass_turn("al")
        session.pass_turn("bo")
        event = session.close_round(by="dee")
        assert (event.kind, event.data) == (K.ROUND_CLOSED, {"not_reached": ("cy", "nu", "dee")})
        state = session.state
        assert state.not_reached == {"cy": 1, "nu": 1, "dee": 1}
        assert (state.floor.closed, state.floor.complete) == (True, True)
        session.advance(by="dee")
        assert session.state.phase == "sharing"

    def test_closed_round_refuses_shares(self, session):
        """After the round is closed, members not reached cannot take the floor in it."""
        in_check_in(session)
        session.close_round(by="dee")
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="round-closed",
        )

    def test_close_round_excludes_the_speaker(self, session):
        """The member sharing when the round is closed is not counted as not reached."""
        in_check_in(session)
        session.start_share("al")
        event = session.close_round(by="dee")
        assert event.data == {"not_reached": ("bo", "cy", "nu", "dee")}
        assert "al" not in session.state.not_reached

    def test_close_round_needs_rounds(self, session):
        """There is no round to close in the opening."""
        refused(
            session,
            ps.WrongPhase,
            lambda: session.close_round(by="dee"),
            actor="dee",
            action="close_round",
            rule="rounds",
        )

    def test_close_complete_round_is_already_done(self, session):
        """A complete round cannot be closed again."""
        in_check_in(session)
        everyone_passes(session)
        refused(
            session,
            ps.AlreadyDone,
            lambda: session.close_round(by="dee"),
            actor="dee",
            action="close_round",
            rule="rounds",
        )

    def test_advance_refused_while_someone_shares(self, session):
        """The phase does not change while someone holds the floor."""
        session.start_share("dee")
        refused(
            session,
            ps.WrongPhase,
            lambda: session.advance(by="dee"),
            actor="dee",
            action="advance",
            rule="one-voice-at-a-time",
        )

    def test_full_run_to_closing(self, session):
        """The circle runs opening -> check-in -> sharing -> check-out -> closing, then stops."""
        phases = [session.state.phase]
        in_sharing(session)
        phases.append(session.state.phase)
        everyone_passes(session)
        session.advance(by="dee")
        phases.append(session.state.phase)
        everyone_passes(session)
        session.advance(by="dee")
        phases.append(session.state.phase)
        assert phases == ["opening", "sharing", "check_out", "closing"]
        assert session.state.round == 0
        refused(
            session,
            ps.WrongPhase,
            lambda: session.advance(by="dee"),
            actor="dee",
            action="advance",
            rule="chart",
        )

    @pytest.mark.parametrize("target", ["closing", "nowhere", "opening"])
    def test_advance_only_along_the_chart(self, session, target):
        """advance(to=...) refuses unknown phases and phases the chart does not lead to."""
        refused(
            session,
            ps.WrongPhase,
            lambda: session.advance(by="dee", to=target),
            actor="dee",
            action="advance",
            rule="chart",
        )

    def test_new_round_in_sharing(self, session):
        """new_round starts another sharing round with a fresh turn order."""
        in_sharing(session)
        everyone_passes(session)
        event = session.new_round(by="dee")
        assert event.kind is K.ROUND_STARTED
        assert event.data == {
            "phase": "sharing",
            "from": "sharing",
            "event": "new_round",
            "round": 2,
        }
        floor = session.state.floor
        assert (session.state.round, floor.order, floor.offered_to) == (2, ROUND, "al")
        assert floor.had_turn == frozenset()
        session.start_share("al")

    def test_new_round_refused_while_round_incomplete(self, session):
        """A new round needs the current one complete (or closed)."""
        in_sharing(session)
        refused(
            session,
            ps.WrongPhase,
            lambda: session.new_round(by="dee"),
            actor="dee",
            action="new_round",
            rule="round-complete",
        )

    def test_no_new_round_in_check_in(self, session):
        """The check-in has a single round."""
        in_check_in(session)
        everyone_passes(session)
        refused(
            session,
            ps.WrongPhase,
            lambda: session.new_round(by="dee"),
            actor="dee",
            action="new_round",
            rule="chart",
        )


class TestSkip:
    def test_skip_moves_past_a_member(self, session):
        """Skipping records the member as skipped and offers the floor to the next seat."""
        in_check_in(session)
        event = session.skip("al", by="dee")
        assert (event.kind, event.actor, event.member) == (K.TURN_SKIPPED, "dee", "al")
        floor = session.state.floor
        assert floor.skipped == {"al"}
        assert floor.offered_to == "bo"

    def test_skipped_member_has_had_their_turn(self, session):
        """A skipped member cannot share in that round."""
        in_check_in(session)
        session.skip("al", by="dee")
        refused(
            session,
            ps.RuleViolation,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="one-share-per-round",
        )

    @pytest.mark.parametrize("member", ["al", "ob", "zed"])
    def test_skip_only_who_is_waiting(self, session, member):
        """Only a member still waiting for a turn can be skipped."""
        in_check_in(session)
        session.pass_turn("al")
        refused(
            session,
            ps.AlreadyDone,
            lambda: session.skip(member, by="dee"),
            actor="dee",
            action="skip",
            rule="rounds",
        )

    def test_skip_needs_rounds(self, session):
        """There is nobody to skip in the opening."""
        refused(
            session,
            ps.WrongPhase,
            lambda: session.skip("al", by="dee"),
            actor="dee",
            action="skip",
            rule="rounds",
        )

    def test_members_cannot_skip(self, session):
        """Skipping is a facilitator action."""
        in_check_in(session)
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.skip("al", by="bo"),
            actor="bo",
            action="skip",
            rule="facilitator-only-action",
        )


class TestPopcorn:
    def test_anyone_may_take_the_floor(self, make_session):
        """In popcorn sharing anyone who has not had their turn may take the floor."""
        session = make_session("open-sharing")
        session.advance(by="dee")
        assert session.state.floor.offered_to is None
        session.start_share("cy")
        session.end_share("cy")
        session.start_share("dee")
        assert session.state.floor.had_turn == {"cy", "dee"}

    def test_nobody_twice_before_everyone(self, make_session):
        """Nobody shares twice before everyone present has shared or passed."""
        session = make_session("open-sharing")
        session.advance(by="dee")
        session.start_share("cy")
        session.end_share("cy")
        exc = refused(
            session,
            ps.RuleViolation,
            lambda: session.start_share("cy"),
            actor="cy",
            action="start_share",
            rule="one-share-per-round",
        )
        assert "al" in str(exc)
        refused(
            session,
            ps.RuleViolation,
            lambda: session.pass_turn("cy"),
            actor="cy",
            action="pass_turn",
            rule="one-share-per-round",
        )

    def test_rolls_over_to_a_new_round(self, make_session):
        """Once everyone had a turn the next share starts a new round by itself."""
        session = make_session("open-sharing")
        session.advance(by="dee")
        for member in ("nu", "al", "dee", "cy"):
            session.pass_turn(member)
        session.start_share("bo")
        session.end_share("bo")
        assert (session.state.round, session.state.floor.complete) == (1, True)
        session.start_share("bo")
        state = session.state
        assert state.round == 2
        assert state.floor.had_turn == {"bo"}
        assert state.floor.order == ROUND
        assert state.shares == {"bo": 1}

    def test_pass_also_rolls_over(self, make_session):
        """A pass after a complete round also starts the new round."""
        session = make_session("open-sharing")
        session.advance(by="dee")
        everyone_passes(session)
        session.pass_turn("al")
        assert session.state.round == 2
        assert session.state.floor.passed == {"al"}


class TestObservers:
    def test_observers_are_not_in_rounds(self, session):
        """Observers are present but not offered a turn."""
        in_check_in(session)
        assert "ob" in session.state.present
        assert "ob" not in session.state.floor.order

    @pytest.mark.parametrize("fmt", ["sharing-circle", "open-sharing"])
    def test_observers_never_take_the_floor(self, make_session, fmt):
        """An observer cannot share, in any phase."""
        session = make_session(fmt)
        for advance in (True, False):
            refused(
                session,
                ps.PermissionDenied,
                lambda: session.start_share("ob"),
                actor="ob",
                action="start_share",
                rule="observers-listen",
            )
            if advance:
                session.advance(by="dee")
        assert session.state.phase != "opening"

    def test_observers_do_not_pass(self, session):
        """An observer has no turn to pass."""
        in_check_in(session)
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.pass_turn("ob"),
            actor="ob",
            action="pass_turn",
            rule="observers-listen",
        )

    def test_observers_do_not_interject(self, session):
        """An observer cannot interject either."""
        in_check_in(session)
        session.start_share("al")
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.interject("ob"),
            actor="ob",
            action="interject",
            rule="observers-listen",
        )

    def test_facilitator_cannot_give_an_observer_the_floor(self, make_session):
        """Acting for an observer does not give them the floor."""
        session = make_session("open-sharing")
        session.advance(by="dee")
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.start_share("ob", by="dee"),
            actor="dee",
            action="start_share",
            rule="observers-listen",
        )


class TestPassing:
    def test_pass_is_recorded(self, session):
        """A pass is an event and is counted per member."""
        in_check_in(session)
        event = session.pass_turn("al")
        assert (event.kind, event.actor, event.member) == (K.PASSED, "al", "al")
        assert session.state.passes == {"al": 1}

    def test_no_passing_when_agreement_disables_it(self, make_session):
        """A member cannot pass when the agreement switches passing off."""
        group = make_group(ps.Agreement(may_pass=False))
        session = in_check_in(make_session(group=group))
        refused(
            session,
            ps.RuleViolation,
            lambda: session.pass_turn("al"),
            actor="al",
            action="pass_turn",
            rule="right-to-pass",
        )

    def test_newcomers_may_always_pass(self, make_session):
        """A newcomer may pass even when the agreement switches passing off."""
        group = make_group(ps.Agreement(may_pass=False))
        session = make_session("open-sharing", group=group)
        session.advance(by="dee")
        session.pass_turn("nu")
        assert session.state.floor.passed == {"nu"}

    def test_no_turns_to_pass_in_opening(self, session):
        """There are no turns to pass in a facilitator-only phase."""
        refused(
            session,
            ps.WrongPhase,
            lambda: session.pass_turn("al"),
            actor="al",
            action="pass_turn",
            rule="facilitator-only",
        )

    def test_no_pass_while_someone_shares(self, make_session):
        """Nobody passes while someone else holds the floor."""
        session = make_session("open-sharing")
        session.advance(by="dee")
        session.start_share("al")
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.pass_turn("bo"),
            actor="bo",
            action="pass_turn",
            rule="one-voice-at-a-time",
        )


class TestActingForOthers:
    def test_facilitator_acts_for_a_member(self, session, clock):
        """A facilitator may start, end and pass a member's turn for them."""
        in_check_in(session)
        started = session.start_share("al", by="dee")
        clock.advance(10)
        ended = session.end_share("al", by="dee")
        passed = session.pass_turn("bo", by="dee")
        assert [(e.kind, e.actor, e.member) for e in (started, ended, passed)] == [
            (K.SHARE_STARTED, "dee", "al"),
            (K.SHARE_ENDED, "dee", "al"),
            (K.PASSED, "dee", "bo"),
        ]
        assert session.state.shares == {"al": 1}

    @pytest.mark.parametrize(
        ("action", "call"),
        [
            ("start_share", lambda s: s.start_share("al", by="bo")),
            ("pass_turn", lambda s: s.pass_turn("al", by="bo")),
        ],
    )
    def test_members_act_only_for_themselves(self, session, action, call):
        """A member cannot act for someone else."""
        in_check_in(session)
        refused(
            session,
            ps.PermissionDenied,
            lambda: call(session),
            actor="bo",
            action=action,
            rule="acts-for-themself",
        )

    def test_member_cannot_end_anothers_share(self, session):
        """A member cannot end someone else's share."""
        in_check_in(session)
        session.start_share("al")
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.end_share("al", by="bo"),
            actor="bo",
            action="end_share",
            rule="acts-for-themself",
        )

    def test_absent_facilitator_cannot_act_for_others(self, session):
        """A facilitator must be present to act for someone."""
        in_check_in(session)
        session.leave("dee")
        refused(
            session,
            ps.NotPresent,
            lambda: session.start_share("al", by="dee"),
            actor="dee",
            action="start_share",
            rule="present",
        )

    def test_outsider_cannot_act_for_members(self, session):
        """Someone outside a closed group cannot act for a member."""
        in_check_in(session)
        refused(
            session,
            ps.NotAMember,
            lambda: session.start_share("al", by="zed"),
            actor="zed",
            action="start_share",
            rule="closed-group",
        )

    def test_outsider_cannot_share(self, session):
        """Someone outside a closed group cannot take the floor."""
        in_check_in(session)
        refused(
            session,
            ps.NotAMember,
            lambda: session.start_share("zed"),
            actor="zed",
            action="start_share",
            rule="closed-group",
        )

    def test_absent_member_cannot_share(self, make_session):
        """A member who has not arrived cannot take the floor."""
        session = in_check_in(make_session(arrive=["dee", "bo"]))
        refused(
            session,
            ps.NotPresent,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="present",
        )


class TestCrossTalk:
    def test_interjection_is_blocked_and_recorded(self, session):
        """Cross-talk is blocked; only a cross_talk_blocked event is added, nothing else changes."""
        in_check_in(session)
        session.start_share("al")
        state, events = session.state, session.events
        with pytest.raises(ps.CrossTalkBlocked) as info:
            session.interject("bo")
        exc = info.value
        assert (exc.actor, exc.action, exc.rule) == ("bo", "interject", "no-cross-talk")
        assert isinstance(exc, ps.RuleViolation)
        assert session.events[:-1] == events
        (blocked,) = session.events[len(events) :]
        assert exc.event == blocked
        assert (blocked.kind, blocked.actor, blocked.member) == (K.CROSS_TALK_BLOCKED, "bo", "bo")
        assert blocked.data == {"rule": "no-cross-talk", "holder": "al"}
        assert session.state == attrs.evolve(state, cross_talk_blocked=1)

    def test_interjection_needs_someone_sharing(self, session):
        """With nobody holding the floor there is nothing to interject into."""
        in_check_in(session)
        refused(
            session,
            ps.NotYourTurn,
            lambda: session.interject("bo"),
            actor="bo",
            action="interject",
            rule="one-voice-at-a-time",
        )

    def test_holder_cannot_interject(self, session):
        """The member holding the floor cannot interject into their own share."""
        in_check_in(session)
        session.start_share("al")
        refused(
            session,
            ps.AlreadyDone,
            lambda: session.interject("al"),
            actor="al",
            action="interject",
            rule="one-voice-at-a-time",
        )

    def test_allowed_in_cross_talk_phase(self, make_session, crosstalk):
        """Where the phase and the agreement allow cross-talk, an interjection is recorded."""
        group = make_group(ps.Agreement(cross_talk=True))
        session = make_session(crosstalk, group=group)
        session.advance(by="dee")
        session.start_share("al")
        event = session.interject("bo")
        assert (event.kind, event.member, event.data) == (K.INTERJECTED, "bo", {"holder": "al"})
        state = session.state
        assert (state.interjections, state.cross_talk_blocked) == (1, 0)
        assert state.floor.holder == "al"
        assert state.floor.had_turn == {"al"}

    def test_blocked_when_agreement_forbids(self, make_session, crosstalk):
        """A cross-talk phase still blocks interjections when the agreement forbids cross-talk."""
        session = make_session(crosstalk)
        session.advance(by="dee")
        session.start_share("al")
        with pytest.raises(ps.CrossTalkBlocked):
            session.interject("bo")
        assert (session.state.cross_talk_blocked, session.state.interjections) == (1, 0)

    def test_allowed_interjection_needs_consent(self, make_session, crosstalk):
        """A member who has not consented cannot interject, even where cross-talk is allowed."""
        group = make_group(ps.Agreement(cross_talk=True))
        session = make_session(crosstalk, group=group, consent=["dee", "al"])
        session.advance(by="dee")
        session.start_share("al")
        refused(
            session,
            ps.ConsentRequired,
            lambda: session.interject("bo"),
            actor="bo",
            action="interject",
            rule="consent",
        )


FLOOR_ACTIONS = [
    ("start_share", "bo", lambda s: s.start_share("bo")),
    ("end_share", "al", lambda s: s.end_share("al")),
    ("pass_turn", "bo", lambda s: s.pass_turn("bo")),
    ("interject", "bo", lambda s: s.interject("bo")),
    ("advance", "dee", lambda s: s.advance(by="dee")),
    ("close_round", "dee", lambda s: s.close_round(by="dee")),
    ("skip", "dee", lambda s: s.skip("bo", by="dee")),
    ("pause", "dee", lambda s: s.pause(by="dee")),
    ("amend_agreement", "dee", lambda s: s.amend_agreement(by="dee", may_pass=False)),
]


class TestPauseResumeEnd:
    def test_pause_and_resume(self, session):
        """Pausing and resuming are recorded and change the status."""
        event = session.pause(by="dee")
        assert (event.kind, event.actor) == (K.PAUSED, "dee")
        assert session.state.status is ps.SessionStatus.PAUSED
        event = session.resume(by="dee")
        assert event.kind is K.RESUMED
        assert session.state.status is ps.SessionStatus.OPEN

    @pytest.mark.parametrize(("action", "actor", "call"), FLOOR_ACTIONS)
    def test_floor_actions_wait_while_paused(self, session, action, actor, call):
        """While paused, floor and facilitation actions are refused with SessionPaused."""
        in_check_in(session)
        session.start_share("al")
        session.pause(by="dee")
        refused(
            session,
            ps.SessionPaused,
            lambda: call(session),
            actor=actor,
            action=action,
            rule="paused",
        )

    def test_arrivals_continue_while_paused(self, make_session):
        """People may arrive, consent and leave during a pause."""
        session = make_session(arrive=["dee", "al"])
        session.pause(by="dee")
        session.arrive("bo")
        session.consent("bo")
        session.leave("al")
        state = session.state
        assert state.present == ("dee", "bo")
        assert state.consents["bo"] == 1
        assert state.status is ps.SessionStatus.PAUSED

    def test_resume_when_not_paused(self, session):
        """Resuming a session that is not paused is already done."""
        refused(
            session,
            ps.AlreadyDone,
            lambda: session.resume(by="dee"),
            actor="dee",
            action="resume",
            rule="paused",
        )

    @pytest.mark.parametrize("action", ["pause", "resume", "end", "close_round", "advance"])
    def test_members_cannot_facilitate(self, session, action):
        """Facilitator actions are refused for members."""
        refused(
            session,
            ps.PermissionDenied,
            lambda: getattr(session, action)(by="al"),
            actor="al",
            action=action,
            rule="facilitator-only-action",
        )

    def test_absent_facilitator_cannot_facilitate(self, session):
        """A facilitator must be present to run the session."""
        session.leave("dee")
        refused(
            session,
            ps.NotPresent,
            lambda: session.pause(by="dee"),
            actor="dee",
            action="pause",
            rule="present",
        )

    def test_outsider_cannot_facilitate(self, session):
        """Someone outside a closed group cannot run the session."""
        refused(
            session,
            ps.NotAMember,
            lambda: session.end(by="zed"),
            actor="zed",
            action="end",
            rule="closed-group",
        )

    def test_end_from_any_phase(self, session):
        """The session can end from any phase; the status becomes ended."""
        in_check_in(session)
        event = session.end(by="dee")
        assert (event.kind, event.data) == (K.ENDED, {"phase": "check_in"})
        assert session.state.status is ps.SessionStatus.ENDED
        assert session.next_deadline() is None

    def test_end_ends_a_share(self, session, clock):
        """A share in progress ends with the session and is counted."""
        in_check_in(session)
        session.start_share("al")
        clock.advance(15)
        event = session.end(by="dee")
        assert event.data == {"phase": "check_in", "duration": 15.0}
        assert session.state.floor.holder is None
        assert session.state.speaking_time == {"al": 15.0}

    def test_end_while_paused(self, session):
        """A paused session can be ended."""
        session.pause(by="dee")
        session.end(by="dee")
        assert session.state.status is ps.SessionStatus.ENDED

    @pytest.mark.parametrize(
        ("action", "actor", "call"),
        [
            *FLOOR_ACTIONS,
            ("arrive", "zed", lambda s: s.arrive("zed")),
            ("leave", "al", lambda s: s.leave("al")),
            ("consent", "al", lambda s: s.consent("al")),
            ("resume", "dee", lambda s: s.resume(by="dee")),
            ("end", "dee", lambda s: s.end(by="dee")),
        ],
    )
    def test_nothing_after_end(self, session, action, actor, call):
        """After the end every action is refused with SessionClosed."""
        in_check_in(session)
        session.end(by="dee")
        refused(
            session,
            ps.SessionClosed,
            lambda: call(session),
            actor=actor,
            action=action,
            rule="session-ended",
        )


class TestAmendAgreement:
    def test_amendment_is_a_new_version(self, session):
        """Amending records the new version and its settings and puts it in force."""
        event = session.amend_agreement(by="dee", may_pass=False, share_limit=200.0, warn_at=150.0)
        assert (event.kind, event.actor) == (K.AGREEMENT_AMENDED, "dee")
        assert event.data == {
            "version": 2,
            "may_pass": False,
            "share_limit": 200.0,
            "warn_at": 150.0,
        }
        agreement = session.state.agreement
        assert agreement.version == 2
        assert (agreement.may_pass, agreement.share_limit, agreement.warn_at) == (
            False,
            200.0,
            150.0,
        )
        assert session.agreement == agreement

    def test_consent_required_again(self, session):
        """After an amendment members consent again before taking the floor."""
        in_check_in(session)
        session.amend_agreement(by="dee", hard_cap=True)
        refused(
            session,
            ps.ConsentRequired,
            lambda: session.start_share("al"),
            actor="al",
            action="start_share",
            rule="consent",
        )
        event = session.consent("al")
        assert event.data == {"version": 2}
        assert session.state.consents["al"] == 2
        session.start_share("al")
        assert session.state.floor.holder == "al"

    def test_amendment_is_enforced(self, session):
        """An amendment that switches passing off stops members passing."""
        in_check_in(session)
        session.amend_agreement(by="dee", may_pass=False)
        session.consent("al")
        refused(
            session,
            ps.RuleViolation,
            lambda: session.pass_turn("al"),
            actor="al",
            action="pass_turn",
            rule="right-to-pass",
        )

    def test_members_cannot_amend(self, session):
        """Only a facilitator amends the agreement in a session."""
        refused(
            session,
            ps.PermissionDenied,
            lambda: session.amend_agreement(by="al", may_pass=False),
            actor="al",
            action="amend_agreement",
            rule="facilitator-only-action",
        )

    @pytest.mark.parametrize(
        "changes",
        [
            {},
            {"guidelines": ("Only this.",)},
            {"version": 5},
            {"recording": True},
            {"share_limit": 200.0},
            {"warn_at": -1.0},
        ],
    )
    def test_invalid_amendments_change_nothing(self, session, changes):
        """An amendment that is empty, not a session setting, or invalid raises ValueError."""
        state, events = session.state, session.events
        with pytest.raises(ValueError):  # noqa: PT011 - several distinct messages
            session.amend_agreement(by="dee", **changes)
        assert session.state == state
        assert session.events == events


class TestRejections:
    @pytest.mark.parametrize(
        "error",
        [
            ps.NotAMember,
            ps.NotPresent,
            ps.PermissionDenied,
            ps.ConsentRequired,
            ps.NotYourTurn,
            ps.RuleViolation,
            ps.CrossTalkBlocked,
            ps.WrongPhase,
            ps.SessionPaused,
            ps.SessionClosed,
            ps.AlreadyDone,
        ],
    )
    def test_one_hierarchy(self, error):
        """Every rejection is an ActionRejected and a PeersupportError."""
        assert issubclass(error, ps.ActionRejected)
        assert issubclass(error, ps.PeersupportError)

    def test_message_names_who_what_and_rule(self, session):
        """A rejection's message names the member, the action and the rule."""
        in_check_in(session)
        with pytest.raises(ps.NotYourTurn) as info:
            session.start_share("bo")
        assert info.value.reason in str(info.value)
        assert str(info.value).startswith("bo may not start_share: ")
        assert str(info.value).endswith("(rule 'seat-order')")

    def test_facilitation_refusals_say_why(self, session, clock):
        """Rounds, skips, pauses and amendments: each refusal word for word."""
        cases = [
            (
                lambda: session.close_round(by="dee"),
                "dee may not close_round: there are no rounds in Opening (rule 'rounds')",
            ),
            (
                lambda: session.skip("al", by="dee"),
                "dee may not skip: there are no rounds in Opening (rule 'rounds')",
            ),
            (
                lambda: session.resume(by="dee"),
                "dee may not resume: the session is not paused (rule 'paused')",
            ),
            (
                lambda: session.pause(by="dee", reason="Bo was upset"),
                "dee may not pause: a "
                "reason is one of safety, break, technical, other, not text (rule 'reason-code')",
            ),
        ]
        for action, sentence in cases:
            with pytest.raises(ps.ActionRejected) as error:
                action()
            assert str(error.value) == sentence
        in_check_in(session)
        session.start_share("al")
        session.end_share("al")
        with pytest.raises(ps.AlreadyDone) as done:
            session.skip("al", by="dee")
        assert str(done.value) == (
            "dee may not skip: al is not waiting for a turn in round 1 (rule 'rounds')"
        )
        session.close_round(by="dee")
        with pytest.raises(ps.AlreadyDone) as done:
            session.close_round(by="dee")
        assert str(done.value) == (
            "dee may not close_round: round 1 is already complete (rule 'rounds')"
        )

    @pytest.mark.parametrize(("changes", "got"), [({"colour": "red"}, "colour"), ({}, "none")])
    def test_an_amendment_of_no_setting_says_which_may_be_amended(self, session, changes, got):
        with pytest.raises(ValueError, match="a session amends only") as error:
            session.amend_agreement(by="dee", **changes)
        assert str(error.value) == (
            "a session amends only share_limit, warn_at, hard_cap, cross_talk, may_pass, "
            f"reserved_time, share_the_air, phase_cap, size_guidance, decision; got {got}"
        )

    def test_state_is_a_snapshot(self, session):
        """A state read earlier does not change when the session moves on."""
        before = session.state
        in_check_in(session)
        assert before.phase == "opening"
        assert session.state.phase == "check_in"
        assert before.present == EVERYONE
