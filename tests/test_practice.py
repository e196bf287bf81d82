"""Formats true to practice: two facilitators present, firm budgets, size guidance,
listening for a session, agenda items and skipping an element."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import peersupport as ps
from checking import golden, refused, same_again
from people import EVERYONE, T0, around, make_group

NAMI = ps.formats.get("peer-support-group")
SMART = ps.formats.get("smart-recovery")
CIRCLE = ps.formats.get("sharing-circle")
DBSA = ps.formats.get("dbsa")
K = ps.EventKind


def cofacilitated(agreement: ps.Agreement | None = None) -> ps.Group:
    """The test group with al as co-facilitator."""
    group = make_group(agreement).with_member(ps.Member("al", "Al"), ps.Role.CO_FACILITATOR)
    return group


def opened(group: ps.Group, fmt: ps.Format, people=EVERYONE) -> tuple[ps.Session, ps.ManualClock]:
    clock = ps.ManualClock(T0)
    session = ps.Session(group, fmt, clock=clock)
    for person in people:
        session.arrive(person)
        session.consent(person)
    return session, clock


class TestTwoFacilitators:
    def test_a_nami_style_group_does_not_start_with_one_facilitator(self):
        s, _clock = opened(cofacilitated(), NAMI, ("dee", "bo", "cy"))
        error = refused(s, lambda: s.advance(by="dee"), "facilitators-present")
        assert "run by 2 facilitators and 1 is present (dee)" in str(error)
        s.arrive("al")
        s.consent("al")
        s.advance(by="dee")
        assert s.state.phase == "principles"

    def test_nobody_takes_the_floor_while_a_facilitator_is_out(self):
        s, _clock = opened(cofacilitated(), NAMI, ("dee", "al", "bo", "cy"))
        s.advance(by="dee")
        offered = s.offered_to()
        s.leave("al")  # stepped out with someone
        refused(s, lambda: s.start_share(s.offered_to()), "facilitators-present")
        refused(s, lambda: s.pass_turn(s.offered_to()), "facilitators-present")
        refused(s, lambda: s.new_round(by="dee"), "facilitators-present")
        s.pause(by="dee", reason="safety")  # one facilitator may still pause, and end
        s.resume(by="dee")
        s.arrive("al")
        s.start_share(s.offered_to())
        assert offered is not None
        same_again(s)

    def test_a_format_run_by_three_names_the_two_present(self):
        group = cofacilitated().with_member(ps.Member("cy", "Cy"), ps.Role.CO_FACILITATOR)
        fmt = ps.Format.from_chart("three", CIRCLE.chart, facilitators=3)
        s, _clock = opened(group, fmt, ("dee", "al", "bo"))
        error = refused(s, lambda: s.advance(by="dee"), "facilitators-present")
        assert str(error) == (
            "dee may not advance: format 'three' is run by 3 facilitators and 2 are present "
            "(dee, al); wait for the other, or pause (rule 'facilitators-present')"
        )

    def test_one_facilitator_is_enough_for_other_formats(self):
        s, _clock = opened(make_group(), CIRCLE)
        s.advance(by="dee")
        s.start_share(s.offered_to())


class TestFirmBudgets:
    def test_problem_solving_stops_at_its_budget_when_the_agreement_says_so(self):
        group = cofacilitated(ps.Agreement(cross_talk=True, phase_cap=True))
        s, clock = opened(group, NAMI)
        s.advance(by="dee")
        for _phase in ("principles", "check_in"):
            while s.offered_to() is not None:
                s.pass_turn(s.offered_to())
            s.advance(by="dee")
        s.advance(by="dee", to="problem_solving")
        s.start_share("bo")
        clock.advance(20 * 60 + 5)  # the share runs past the 20-minute budget: it finishes
        s.end_share("bo")
        assert s.state.phase_time_up
        refused(s, lambda: s.start_share("cy"), "phase-cap")
        s.advance(by="dee")
        assert s.state.phase == "closing"
        same_again(s)

    def test_without_the_setting_the_budget_only_tells(self):
        s, clock = opened(cofacilitated(ps.Agreement(cross_talk=True)), NAMI)
        s.advance(by="dee")
        for _phase in ("principles", "check_in"):
            while s.offered_to() is not None:
                s.pass_turn(s.offered_to())
            s.advance(by="dee")
        s.advance(by="dee", to="problem_solving")
        clock.advance(21 * 60)
        s.start_share("cy")  # the phase ran over; the facilitator decides
        assert s.state.phase_time_up

    def test_a_firm_budget_is_amended_in_and_restores(self):
        s, clock = opened(make_group(), CIRCLE)
        s.amend_agreement(by="dee", phase_cap=True)
        for person in EVERYONE:
            s.consent(person)
        clock.advance(5 * 60)
        s.apply_due()
        assert s.state.agreement.phase_cap
        same_again(s)

    def test_old_agreements_keep_their_fingerprint(self):
        """The new settings are left out at their defaults: older logs still restore."""
        assert "phase_cap" not in ps.Agreement().settings()
        assert "size_guidance" not in ps.Agreement().canonical()
        assert ps.Agreement(phase_cap=True).settings()["phase_cap"] is True
        assert make_group().fingerprint == make_group().fingerprint  # stable
        assert make_group().fingerprint != make_group(ps.Agreement(size_guidance=12)).fingerprint


class TestSizeGuidance:
    def test_the_thirteenth_arrival_is_noticed_once(self):
        group = make_group(ps.Agreement(size_guidance=4), closed=False)
        s, _clock = opened(group, DBSA, ("dee", "al", "bo", "cy"))
        assert not [e for e in s.events if e.kind is K.RULE_NOTICE]
        s.arrive("nu")
        notice = s.events[-1]
        assert (notice.kind, notice.member) == (K.RULE_NOTICE, "nu")
        assert dict(notice.data) == {"rule": "size-guidance", "present": 5, "guidance": 4}
        s.arrive("v1")  # a visitor: still over, no second notice
        assert s.events[-1].kind is K.ARRIVED
        same_again(s)

    @pytest.mark.parametrize("value", [0, 1, 1001, 2.5, True, "12"])
    def test_a_size_guidance_is_a_whole_number(self, value):
        with pytest.raises(ValueError, match="size_guidance"):
            ps.Agreement(size_guidance=value)

    def test_a_group_file_keeps_it(self, tmp_path):
        group = make_group(ps.Agreement(size_guidance=12, phase_cap=True))
        path = tmp_path / "g.json"
        ps.dump_group(group, path)
        assert ps.load_group(path) == group


class TestListening:
    def test_a_listener_keeps_every_right_but_the_floor(self):
        s, _clock = opened(make_group(), CIRCLE)
        s.listen("bo", by="dee")  # asked to listen
        s.advance(by="dee")
        error = refused(s, lambda: s.start_share("bo"), "listening")
        assert str(error) == (
            "bo may not start_share: bo is listening this session; they do not take the "
            "floor (rule 'listening')"
        )
        error = refused(s, lambda: s.call_on("bo", by="dee"), "listening")
        assert str(error).startswith("dee may not call_on: bo is listening this session")
        assert s.state.listening == ("bo",)
        order = []
        while s.offered_to() is not None:  # the round goes on without them
            order.append(s.offered_to())
            s.start_share(order[-1])
            s.end_share(order[-1])
        assert "bo" not in order
        assert order == ["al", "cy", "nu", "dee"]
        s.raise_point("bo")  # every other right stays
        s.advance(by="dee")
        same_again(s)

    def test_a_listener_back_from_a_break_does_not_rejoin_the_round(self):
        """Found by the conformance kit: the round waited for them with passing off."""
        s, _clock = opened(make_group(ps.Agreement(may_pass=False)), CIRCLE)
        s.advance(by="dee")
        s.listen("bo", by="dee")
        s.leave("bo")
        s.arrive("bo")
        assert "bo" not in s.state.floor.order
        while s.offered_to() is not None:
            s.start_share(s.offered_to())
            s.end_share(s.state.floor.holder)
        s.advance(by="dee")  # the round is complete without them
        same_again(s)

    def test_a_member_may_choose_to_listen_but_not_for_someone_else(self):
        s, _clock = opened(make_group(), CIRCLE)
        s.listen("cy")
        refused(s, lambda: s.listen("al", by="bo"), "acts-for-themself")
        error = refused(s, lambda: s.listen("cy"), "listening")
        assert str(error) == "cy may not listen: cy is listening already (rule 'listening')"

    def test_nobody_listens_while_they_hold_the_floor(self):
        s, _clock = opened(make_group(), CIRCLE)
        s.advance(by="dee")
        s.start_share("al")
        error = refused(s, lambda: s.listen("al", by="dee"), "one-voice-at-a-time")
        assert str(error) == "dee may not listen: al holds the floor (rule 'one-voice-at-a-time')"

    def test_an_edited_listening_does_not_restore(self):
        """The fold refuses listening twice, or while holding the floor, naming the line."""
        s, _clock = opened(make_group(), CIRCLE)
        s.advance(by="dee")
        s.listen("bo")
        s.start_share("al")
        events = list(s.events)
        twice = [*events, events[-2].evolve(seq=len(events))]
        holder = [*events, events[-2].evolve(seq=len(events), member="al", actor="al")]
        for log, why in ((twice, "bo is already listening"), (holder, "al holds the floor")):
            with pytest.raises(ps.LogError) as error:
                ps.Session.restore(s.group, s.format, log)
            assert error.value.line == len(log)
            assert str(error.value).endswith(f"cannot follow the log: {why}")

    def test_a_listener_called_on_is_called_no_longer(self):
        s, _clock = opened(make_group(), ps.Format.from_chart("called", around("called-on")))
        s.advance(by="dee")
        s.call_on("al", by="dee")
        s.listen("bo")  # someone else listens: al is still called on
        assert s.offered_to() == "al"
        s.listen("al")
        assert s.offered_to() is None
        assert s.state.floor.called is None
        same_again(s)

    def test_no_agenda_item_while_paused(self):
        s, _clock = opened(make_group(), SMART)
        s.advance(by="dee")
        s.close_round(by="dee")
        s.advance(by="dee")
        s.pause(by="dee")
        error = refused(s, lambda: s.propose_item("al"), "paused")
        assert str(error) == (
            "al may not propose_item: the session is paused; the facilitator resumes it "
            "(rule 'paused')"
        )

    def test_a_member_may_choose_to_listen_while_paused(self):
        s, _clock = opened(make_group(), CIRCLE)
        s.pause(by="dee", reason="break")
        assert s.listen("bo").member == "bo"
        assert "bo" in s.state.listening

    def test_a_listener_raises_no_hand(self):
        s, _clock = opened(make_group(), ps.Format.from_chart("hands", around("raised-hands")))
        s.advance(by="dee")
        s.raise_hand("al")
        s.listen("al")  # their hand goes down with it
        assert s.state.floor.hands == ()
        refused(s, lambda: s.raise_hand("al"), "listening")
        s.raise_hand("bo")
        same_again(s)


class TestAgendaItems:
    def test_members_propose_items_while_the_agenda_is_set(self):
        s, _clock = opened(make_group(), SMART)
        s.advance(by="dee")
        error = refused(s, lambda: s.propose_item("al"), "agenda")
        assert str(error) == (
            "al may not propose_item: agenda items are proposed while the agenda is set, "
            "not in Check-in (rule 'agenda')"
        )
        for person in ("al", "bo", "cy", "nu", "dee"):
            s.pass_turn(person)
        s.advance(by="dee")
        s.propose_item("al")
        s.propose_item("al")
        s.propose_item("cy", by="dee")
        error = refused(s, lambda: s.propose_item("ob"), "agenda")  # an observer
        assert (
            str(error)
            == "ob may not propose_item: ob observes and does not propose (rule 'agenda')"
        )
        error = refused(s, lambda: s.propose_item("cy", by="al"), "acts-for-themself")
        assert str(error) == (
            "al may not propose_item: a member acts only for themself; only a facilitator "
            "may act for cy (rule 'acts-for-themself')"
        )
        assert dict(s.state.agenda_items) == {"al": 2, "cy": 1}
        assert all(set(e.data) == set() for e in s.events if e.kind is K.ITEM_PROPOSED)
        same_again(s)


class TestSkipping:
    def test_the_facilitator_drops_an_element_and_the_log_says_which(self):
        s, _clock = opened(make_group(), SMART)
        s.advance(by="dee")
        refused(s, lambda: s.skip_to("working_time", by="dee"), "round-complete")
        s.close_round(by="dee")
        entered = s.skip_to("working_time", by="dee")
        assert dict(entered.data) == {
            "phase": "working_time",
            "from": "check_in",
            "event": "advance",
            "skipped": ("agenda_setting",),
        }
        assert s.state.phase == "working_time"
        same_again(s)

    @pytest.mark.parametrize(
        ("to", "why"),
        [
            ("check_in", "'check_in' is the next phase: advance to it"),
            ("opening_statement", "no way along the chart leads from 'opening_statement' to "
             "'opening_statement'"),
            ("nowhere", "no way along the chart leads from 'opening_statement' to 'nowhere'"),
        ],
    )  # fmt: skip
    def test_only_past_a_phase_and_forward(self, to, why):
        s, _clock = opened(make_group(), SMART)
        error = refused(s, lambda: s.skip_to(to, by="dee"), "skip-phases")
        assert str(error) == f"dee may not skip_to: {why} (rule 'skip-phases')"

    def test_items_skips_and_listening_write_their_golden_log(self):
        s, clock = opened(make_group(), SMART)
        s.listen("nu")
        s.advance(by="dee")
        s.pass_turn("al")
        clock.advance(30)
        s.close_round(by="dee")
        s.advance(by="dee")
        s.propose_item("al")
        s.propose_item("cy", by="dee")
        s.skip_to("closing", by="dee")
        golden("practice", list(s.events))

    def test_what_was_skipped_survives_json_lines_and_the_research_export(self):
        s, _clock = opened(make_group(), SMART)
        s.advance(by="dee")
        s.close_round(by="dee")
        s.skip_to("working_time", by="dee")
        loaded = ps.events.loads(ps.events.dumps(s.events))
        assert loaded[-1].data["skipped"] == ("agenda_setting",)
        exported = ps.research.research_export([s.events], s.group, key=b"k" * 16)
        (log,) = exported.sessions
        assert log[-1].data["skipped"] == ("agenda_setting",)  # phase names, not people

    def test_only_a_facilitator_skips(self):
        s, _clock = opened(make_group(), SMART)
        refused(s, lambda: s.skip_to("agenda_setting", by="al"), "facilitator-only-action")

    def test_no_skipping_while_paused(self):
        s, _clock = opened(make_group(), SMART)
        s.pause(by="dee", reason="break")
        error = refused(s, lambda: s.skip_to("closing", by="dee"), "paused")
        assert str(error).startswith("dee may not skip_to: the session is paused")

    def test_a_phase_that_is_not_a_name_leads_nowhere(self):
        s, _clock = opened(make_group(), SMART)
        error = refused(s, lambda: s.skip_to(["closing"], by="dee"), "skip-phases")
        assert str(error) == (
            "dee may not skip_to: no way along the chart leads from 'opening_statement' to "
            "['closing'] (rule 'skip-phases')"
        )

    def test_the_log_names_the_transition_taken_first(self):
        """Skipping records the event of the transition the way leaves by, not another's."""

        class Detours(ps.FormatChart):
            opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
            main = ps.Phase("Main", policy="popcorn")
            side = ps.Phase("Side", policy="popcorn")
            extra = ps.Phase("Extra", policy="popcorn")
            closing = ps.Phase("Closing", policy="facilitator-only", final=True)
            advance = opening.to(main) | main.to(closing) | side.to(extra) | extra.to(closing)
            detour = opening.to(side)

        s, _clock = opened(make_group(), ps.Format.from_chart("detours", Detours))
        entered = s.skip_to("extra", by="dee")
        assert (entered.data["event"], entered.data["skipped"]) == ("detour", ("side",))
        same_again(s)


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(
                ["listen", "propose", "skip", "advance", "share", "pass", "leave", "arrive"]
            ),
            st.sampled_from(EVERYONE),
            st.integers(min_value=0, max_value=600),
        ),
        max_size=40,
    ),
    fmt=st.sampled_from([SMART, NAMI, CIRCLE]),
)
def test_any_mix_restores_and_verifies(steps, fmt):
    """Listening, items, skips and absences: refused or recorded, the log always re-enacts."""
    group = cofacilitated(ps.Agreement(phase_cap=True, size_guidance=4, cross_talk=True))
    s, clock = opened(group, fmt)
    phases = list(fmt.phases)
    for action, person, seconds in steps:
        clock.advance(seconds)
        try:
            if action == "listen":
                s.listen(person)
            elif action == "propose":
                s.propose_item(person)
            elif action == "skip":
                later = phases[phases.index(s.state.phase) + 2 :]
                if later:
                    s.skip_to(later[0], by="dee")
            elif action == "advance":
                s.advance(by="dee")
            elif action == "share":
                s.start_share(s.offered_to() or person)
                clock.advance(seconds)
                s.end_share(s.state.floor.holder)
            elif action == "pass":
                s.pass_turn(s.offered_to() or person)
            elif action == "leave":
                s.leave(person)
            else:
                s.arrive(person)
        except ps.ActionRejected:
            pass
    for name in s.state.listening:  # a listener never took the floor after listening
        began = next(e.seq for e in s.events if e.kind is K.LISTENING and e.member == name)
        assert not [
            e
            for e in s.events[began:]
            if e.member == name and e.kind in (K.SHARE_STARTED, K.CALLED_ON, K.HAND_RAISED)
        ]
    same_again(s)


class Agenda(ps.FormatChart):
    """Opening, agenda setting (members propose items), then work on the items."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    agenda = ps.Phase("Agenda", policy="open-floor", agenda=True)
    work = ps.Phase("Work", policy="open-floor")
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = opening.to(agenda) | agenda.to(work) | work.to(closing)


AGENDA = ps.Format.from_chart("agenda-fold", Agenda)


class TestAgendaItemsRestore:
    def agenda_log(self, clock):
        s = ps.Session(make_group(), AGENDA, clock=clock, hooks=False)
        for m in ("dee", "al", "bo", "cy"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        s.propose_item("al")
        s.propose_item("al")
        s.advance(by="dee")
        return s, list(s.events)

    def test_the_log_restores(self, clock):
        s, events = self.agenda_log(clock)
        assert ps.Session.restore(make_group(), AGENDA, events).state == s.state
        assert s.state.agenda_items == {"al": 2}

    def test_an_item_proposed_outside_agenda_setting(self, clock):
        """A present member's item, recorded after agenda setting ended: refused."""
        _s, events = self.agenda_log(clock)
        item = events[first(events, ps.EventKind.ITEM_PROPOSED)]
        events.append(item.evolve(seq=len(events), time=events[-1].time))
        error = restore_refusal(events)
        assert error.line == len(events)
        assert str(error).endswith(
            "cannot follow the log: al cannot propose an agenda item in work"
        )

    def test_an_item_proposed_by_someone_absent(self, clock):
        _s, events = self.agenda_log(clock)
        proposed = first(events, ps.EventKind.ITEM_PROPOSED)
        events[proposed] = events[proposed].evolve(member="nu", actor="nu")
        error = restore_refusal(events)
        assert error.line == proposed + 1
        assert str(error).endswith(
            "cannot follow the log: nu cannot propose an agenda item in agenda"
        )


def restore_refusal(events: list[ps.Event]) -> ps.LogError:
    """The error restoring ``events`` (of the agenda format) raises."""
    with pytest.raises(ps.LogError) as info:
        ps.Session.restore(make_group(), AGENDA, events)
    return info.value


def first(events: list[ps.Event], kind: ps.EventKind) -> int:
    return next(i for i, e in enumerate(events) if e.kind is kind)
