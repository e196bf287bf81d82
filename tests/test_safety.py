"""Safety: reason codes on pause, resume and end; referrals; a co-facilitator carries on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from checking import golden, refused
from people import EVERYONE, make_group

CIRCLE = ps.formats.get("sharing-circle")


def cofacilitated() -> ps.Group:
    """The test group with al as co-facilitator."""
    return make_group().with_member(ps.Member("al", "Al"), ps.Role.CO_FACILITATOR)


def started(group: ps.Group | None = None) -> tuple[ps.Session, ps.ManualClock]:
    clock = ps.ManualClock(1000.0)
    session = ps.Session(group or make_group(), CIRCLE, clock=clock)
    for person in EVERYONE:
        session.arrive(person)
        session.consent(person)
    session.advance(by="dee")
    return session, clock


class TestReasons:
    def test_pause_resume_and_end_record_a_reason_code(self):
        s, clock = started()
        assert "reason" not in s.pause(by="dee").data  # a reason is optional
        s.resume(by="dee")
        assert s.pause(by="dee", reason="safety").data == {"reason": "safety"}
        clock.advance(600)
        assert s.resume(by="dee", reason="break").data == {"reason": "break"}
        ended = s.end(by="dee", reason="safety")
        assert (ended.data["reason"], ended.data["phase"]) == ("safety", "check_in")
        assert ps.Session.verify(s.group, s.format, s.events).state == s.state

    @pytest.mark.parametrize("reason", ["Al was upset", "SAFETY", "", 3])
    def test_a_reason_is_a_code_never_text(self, reason):
        s, _clock = started()
        refused(s, lambda: s.pause(by="dee", reason=reason), "reason-code")
        refused(s, lambda: s.end(by="dee", reason=reason), "reason-code")

    def test_a_log_with_a_reason_that_is_not_a_code_does_not_restore(self):
        s, _clock = started()
        s.pause(by="dee", reason="safety")
        forged = [*s.events[:-1], s.events[-1].evolve(data={"reason": "al-cried"})]
        with pytest.raises(ps.LogError, match="a reason is one of"):
            ps.Session.restore(s.group, s.format, forged)


def test_safety_writes_its_golden_log():
    """Pauses with and without a reason, referrals, an end with a reason: field by field."""
    s, clock = started()
    s.start_share("al")
    clock.advance(30)
    s.pause(by="dee", reason="safety")
    s.refer("al", by="dee", to="crisis-line")
    clock.advance(120)
    s.resume(by="dee", reason="safety")
    clock.advance(15)
    s.end_share("al")
    s.pause(by="dee")
    s.resume(by="dee")
    s.leave("cy")
    s.refer("cy", by="dee", to="peer-worker")
    s.start_share("bo")
    clock.advance(20)
    s.end(by="dee", reason="break")
    golden("safety", list(s.events))


class TestReferrals:
    def test_a_referral_is_recorded_without_content_also_paused_and_after_leaving(self):
        s, _clock = started()
        s.pause(by="dee", reason="safety")
        event = s.refer("bo", by="dee", to="crisis-line")
        assert (event.kind, event.actor, event.member, dict(event.data)) == (
            ps.EventKind.REFERRED,
            "dee",
            "bo",
            {"to": "crisis-line"},
        )
        s.resume(by="dee", reason="safety")
        s.leave("cy")
        s.refer("cy", by="dee", to="professional")
        assert ps.Session.restore(s.group, s.format, s.events).state == s.state
        assert ps.Session.verify(s.group, s.format, s.events).state == s.state

    def test_an_edited_reason_does_not_restore(self):
        s, _clock = started()
        s.pause(by="dee", reason="safety")
        events = list(s.events)
        events[-1] = events[-1].evolve(data={"reason": "nap"})
        with pytest.raises(ps.LogError) as error:
            ps.Session.restore(s.group, s.format, events)
        assert error.value.line == len(events)
        assert str(error.value).endswith(
            "cannot follow the log: a reason is one of safety, break, technical, other"
        )

    def test_a_second_pause_does_not_restore(self):
        """A log that pauses a paused session is refused at the second pause."""
        s, _clock = started()
        pause = s.pause(by="dee", reason="safety")
        events = [*s.events, pause.evolve(seq=len(s.events))]
        with pytest.raises(ps.LogError) as error:
            ps.Session.restore(s.group, s.format, events)
        assert error.value.line == len(events)
        assert str(error.value).endswith("cannot follow the log: the session is already paused")

    def test_a_resume_without_its_pause_does_not_restore(self):
        """A log that resumes a session never paused is refused at the resume."""
        s, clock = started()
        s.pause(by="dee", reason="safety")
        clock.advance(60)
        s.resume(by="dee", reason="safety")
        events = [e for e in s.events if e.kind is not ps.EventKind.PAUSED]
        events = [e.evolve(seq=n) for n, e in enumerate(events)]
        with pytest.raises(ps.LogError) as error:
            ps.Session.restore(s.group, s.format, events)
        assert error.value.line == len(events)
        assert str(error.value).endswith("cannot follow the log: the session is not paused")

    @pytest.mark.parametrize(
        ("change", "why"),
        [
            (
                {"data": {"to": "friend"}},
                "a referral is to one of crisis-line, professional, emergency-services, "
                "peer-worker",
            ),
            ({"member": "zz"}, "a referral names someone who was in the session"),
        ],
    )
    def test_an_edited_referral_does_not_restore(self, change, why):
        """Restore refuses a referral to something else, or of someone never there."""
        s, _clock = started()
        s.refer("bo", by="dee", to="crisis-line")
        events = list(s.events)
        events[-1] = events[-1].evolve(**change)
        with pytest.raises(ps.LogError) as error:
            ps.Session.restore(s.group, s.format, events)
        assert error.value.line == len(events)
        assert str(error.value).endswith(f"cannot follow the log: {why}")

    @pytest.mark.parametrize(
        ("member", "to", "by", "rule"),
        [
            ("bo", "a friend of mine", "dee", "referral"),
            ("bo", "therapist", "dee", "referral"),
            ("zz", "crisis-line", "dee", "closed-group"),
            ("bo", "crisis-line", "al", "facilitator-only-action"),
            (7, "crisis-line", "dee", "member-id"),
        ],
    )
    def test_refused_referrals_record_nothing(self, member, to, by, rule):
        """Refused, changing nothing; the refusal names who acted and the action."""
        s, _clock = started()
        refusal = refused(s, lambda: s.refer(member, by=by, to=to), rule)
        assert (refusal.actor, refusal.action) == (by, "refer")
        if rule == "closed-group":
            assert "zz is not a member of the closed group" in str(refusal)
        if rule == "referral":
            kinds = "crisis-line, professional, emergency-services, peer-worker"
            assert f"a referral is to one of {kinds}" in str(refusal)

    def test_only_someone_who_has_been_in_the_session(self):
        clock = ps.ManualClock(0)
        s = ps.Session(make_group(), CIRCLE, clock=clock)
        s.arrive("dee")
        refusal = refused(s, lambda: s.refer("bo", by="dee", to="peer-worker"), "referral")
        assert refusal.actor == "dee"
        assert "bo has not been in this session" in str(refusal)


def test_a_co_facilitator_carries_on_while_the_facilitator_steps_out():
    s, _clock = started(cofacilitated())
    s.pause(by="dee", reason="safety")
    s.leave("dee")  # steps out with bo
    s.leave("bo")
    s.resume(by="al", reason="safety")
    order = s.state.floor.order
    assert "dee" not in order
    assert "bo" not in order
    for member in [m for m in order if m not in s.state.floor.had_turn]:
        s.pass_turn(member)
    s.advance(by="al")
    s.arrive("dee")
    s.arrive("bo")
    s.refer("bo", by="dee", to="peer-worker")
    assert s.phase.id == "sharing"
    assert ps.Session.verify(s.group, s.format, s.events).state == s.state


@given(
    steps=st.lists(
        st.sampled_from(
            [
                ("pause", "safety"),
                ("pause", None),
                ("resume", "break"),
                ("resume", None),
                ("refer", "crisis-line"),
                ("refer", "emergency-services"),
                ("pause", "panic"),
            ]
        ),
        max_size=12,
    )
)
def test_any_mix_of_safety_actions_restores_and_verifies(steps):
    s, clock = started()
    rules = set()
    for action, code in steps:
        clock.advance(30)
        try:
            if action == "refer":
                s.refer("cy", by="dee", to=code)
            else:
                getattr(s, action)(by="dee", reason=code)
        except ps.ActionRejected as refusal:
            rules.add(refusal.rule)
    assert rules <= {"paused", "reason-code"}
    assert ps.Session.restore(s.group, s.format, s.events).state == s.state
    assert ps.Session.verify(s.group, s.format, s.events).state == s.state
    referred = [e for e in s.events if e.kind is ps.EventKind.REFERRED]
    assert all(set(e.data) == {"to"} for e in referred)


def test_the_timeline_says_why_and_to_what_kind_of_support():
    s, _clock = started()
    s.pause(by="dee", reason="safety")
    s.refer("bo", by="dee", to="crisis-line")
    s.resume(by="dee")
    s.end(by="dee", reason="other")
    text = "\n".join(ps.report.timeline(s.group, s.format, s.events))
    assert "Dee pauses the session (reason: safety)" in text
    assert "Dee records a referral of Bo to crisis-line" in text
    assert "Dee resumes the session\n" in text + "\n"
    assert "Dee ends the session (reason: other)" in text


class TestTheKitModelsSafety:
    """The conformance kit's model predicts reasons and referrals (check_actions)."""

    def test_reasons_and_referrals_pass_the_kit(self):
        from peersupport.testing import check_actions
        from peersupport.testing.strategies import Action

        def step(name, member=None, by="dee", **options):
            return Action(name, member, by, tuple(sorted(options.items())))

        arrivals = [step("arrive", p, None) for p in EVERYONE]
        consents = [step("consent", p, None) for p in EVERYONE]
        harness = check_actions(
            make_group(),
            CIRCLE,
            [
                *arrivals,
                *consents,
                step("advance"),
                step("pause", reason="Bo is upset"),  # text: the kit predicts the refusal
                step("pause", reason="safety"),
                step("refer", "bo", to="crisis-line"),
                step("refer", "bo", to="a friend"),  # no kind of support: refused
                step("refer", "zed", to="professional"),  # never here: refused
                step("resume", reason="break"),
                step("leave", "cy", None),
                step("refer", "cy", to="peer-worker"),  # after they left: fine
                step("end", reason="other"),
            ],
        )
        kinds = [e.kind for e in harness.session.events]
        assert kinds.count(ps.EventKind.REFERRED) == 2
        assert harness.session.events[-1].data["reason"] == "other"
