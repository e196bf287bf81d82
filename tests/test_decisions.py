"""The group owns its agreement: proposals, decisions by the group's rule, withdrawals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import peersupport as ps
from checking import golden, refused, same_again
from people import EVERYONE, T0, make_group

CIRCLE = ps.formats.get("sharing-circle")
K = ps.EventKind
#: Present and taking part in the test group: dee, al, bo, cy, nu (ob observes).
TAKING_PART = 5
#: What a proposal may change, as its refusal lists them.
SETTINGS = (
    "share_limit, warn_at, hard_cap, cross_talk, may_pass, reserved_time, share_the_air, "
    "phase_cap, size_guidance, decision"
)


def opened(decision: str = "consensus") -> tuple[ps.Session, ps.ManualClock]:
    clock = ps.ManualClock(T0)
    group = make_group(ps.Agreement(share_limit=300.0, warn_at=240.0, decision=decision))
    session = ps.Session(group, CIRCLE, clock=clock)
    for person in EVERYONE:
        session.arrive(person)
        session.consent(person)
    return session, clock


class TestConsensus:
    def test_a_member_proposes_and_the_group_agrees(self):
        s, _clock = opened()
        proposed = s.propose_amendment("al", share_limit=120.0, warn_at=90.0)
        assert (proposed.member, dict(proposed.data)) == (
            "al",
            {"proposal": 1, "share_limit": 120.0, "warn_at": 90.0},
        )
        assert s.state.amendments == {1: "open"}
        decided = s.decide_amendment(1, by="dee", agree=4, stand_aside=1)
        assert decided.member is None  # who agreed is never recorded: the counts are
        assert dict(decided.data) == {
            "proposal": 1,
            "agree": 4,
            "disagree": 0,
            "stand_aside": 1,
            "outcome": "accepted",
        }
        amended = s.events[-1]
        assert (amended.kind, dict(amended.data)) == (
            K.AGREEMENT_AMENDED,
            {"version": 2, "share_limit": 120.0, "warn_at": 90.0, "proposal": 1},
        )
        assert (s.agreement.version, s.agreement.share_limit) == (2, 120.0)
        assert s.state.amendments == {1: "accepted"}
        s.advance(by="dee")
        refused(s, lambda: s.start_share("al"), "consent")  # everyone consents to v2 first
        s.consent("al")
        s.start_share("al")
        same_again(s)

    def test_one_disagreement_rejects_it(self):
        s, _clock = opened()
        s.propose_amendment("bo", cross_talk=True)
        decided = s.decide_amendment(1, by="dee", agree=4, disagree=1)
        assert decided.data["outcome"] == "rejected"
        assert s.events[-1] is decided
        assert (s.agreement.version, s.agreement.cross_talk) == (1, False)
        same_again(s)

    def test_consensus_counts_everyone_present_who_takes_part(self):
        s, _clock = opened()
        s.propose_amendment("bo", cross_talk=True)
        error = refused(s, lambda: s.decide_amendment(1, by="dee", agree=4), "decision")
        assert "4 counted but 5 present take part; consensus counts everyone present" in str(error)
        s.leave("cy")  # who left has no say
        assert s.decide_amendment(1, by="dee", agree=4).data["outcome"] == "accepted"

    def test_nobody_agreeing_is_no_consensus(self):
        """Everyone standing aside: nobody disagrees, but nobody agrees either."""
        s, _clock = opened()
        s.propose_amendment("bo", cross_talk=True)
        decided = s.decide_amendment(1, by="dee", agree=0, stand_aside=TAKING_PART)
        assert decided.data["outcome"] == "rejected"
        assert s.agreement.cross_talk is False


class TestVotes:
    @pytest.mark.parametrize(
        ("rule", "agree", "disagree", "aside", "outcome"),
        [
            ("majority", 3, 2, 0, "accepted"),
            ("majority", 2, 2, 1, "rejected"),
            ("majority", 1, 0, 4, "accepted"),  # of those who voted
            ("two-thirds", 2, 1, 2, "accepted"),
            ("two-thirds", 3, 2, 0, "rejected"),
            ("two-thirds", 0, 0, 5, "rejected"),
        ],
    )
    def test_the_agreements_rule_decides(self, rule, agree, disagree, aside, outcome):
        s, _clock = opened(rule)
        s.propose_amendment("al", may_pass=False)
        decided = s.decide_amendment(1, by="dee", agree=agree, disagree=disagree, stand_aside=aside)
        assert decided.data["outcome"] == outcome
        assert s.agreement.may_pass is (outcome != "accepted")
        same_again(s)

    @pytest.mark.parametrize(
        "counts",
        [
            {"agree": 6},
            {"agree": 3, "disagree": 3},
            {"agree": -1},
            {"agree": True},
            {"agree": 2.0},
            {"agree": "3"},
        ],
    )
    def test_a_count_is_of_whole_numbers_of_those_present(self, counts):
        s, _clock = opened("majority")
        s.propose_amendment("al", may_pass=False)
        error = refused(s, lambda: s.decide_amendment(1, by="dee", **counts), "decision")
        assert (error.actor, error.action) == ("dee", "decide_amendment")
        whole = all(type(n) is int and n >= 0 for n in counts.values())
        if whole:  # too many: only consensus counts everyone, so no more is said
            assert str(error).endswith("present take part (rule 'decision')")
        else:
            assert str(error) == (
                "dee may not decide_amendment: the count is of whole numbers from 0 "
                "(rule 'decision')"
            )

    def test_the_group_changes_how_it_decides(self):
        s, _clock = opened()
        s.propose_amendment("cy", decision="majority")
        s.decide_amendment(1, by="dee", agree=5)
        assert s.agreement.decision == "majority"
        s.propose_amendment("al", cross_talk=True)
        assert s.decide_amendment(2, by="dee", agree=3, disagree=2).data["outcome"] == "accepted"
        same_again(s)


class TestProposals:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({}, f"a proposal changes some of {SETTINGS}; got none"),
            ({"guidelines": ("Be kind.",)}, f"some of {SETTINGS}; got guidelines"),
            ({"version": 7, "name": "x"}, "; got name, version"),
            ({"warn_at": 400.0}, "must come before the share limit"),
            ({"share_limit": -5}, "share_limit"),
            ({"decision": "whoever shouts"}, "decision must be one of"),
        ],
    )
    def test_what_a_proposal_may_change(self, changes, message):
        s, _clock = opened()
        error = refused(s, lambda: s.propose_amendment("al", **changes), "amendment")
        assert message in str(error)

    def test_who_proposes(self):
        s, _clock = opened()
        error = refused(s, lambda: s.propose_amendment("ob", hard_cap=True), "amendment")
        assert str(error) == "ob may not propose_amendment: ob observes (rule 'amendment')"
        error = refused(s, lambda: s.propose_amendment(7, hard_cap=True), "member-id")
        assert (error.actor, error.action) == (None, "propose_amendment")
        refused(s, lambda: s.propose_amendment("al", by="bo", hard_cap=True), "acts-for-themself")
        proposed = s.propose_amendment("nu", by="dee", hard_cap=True)  # recorded for them
        assert (proposed.actor, proposed.member) == ("dee", "nu")
        s.leave("cy")
        refused(s, lambda: s.propose_amendment("cy", hard_cap=True), "present")

    def test_a_facilitator_withdraws_a_proposal(self):
        s, _clock = opened()
        s.propose_amendment("al", hard_cap=True)
        refused(s, lambda: s.withdraw_amendment(1, by="al"), "facilitator-only-action")
        s.withdraw_amendment(1, by="dee")
        assert s.state.amendments == {1: "withdrawn"}
        refused(s, lambda: s.decide_amendment(1, by="dee", agree=5), "amendment")
        error = refused(s, lambda: s.withdraw_amendment(1, by="dee"), "amendment")
        assert "proposal 1 is not open (it was withdrawn)" in str(error)
        error = refused(s, lambda: s.decide_amendment(2, by="dee", agree=5), "amendment")
        assert "proposal 2 is not open (no such proposal)" in str(error)
        same_again(s)

    @pytest.mark.parametrize("proposal", [1.0, True, "1", None])
    def test_a_proposal_is_named_by_its_number(self, proposal):
        """Only the int 1 names proposal 1: not 1.0, True or "1" (which equal or read as 1)."""
        s, _clock = opened()
        s.propose_amendment("al", hard_cap=True)
        error = refused(s, lambda: s.withdraw_amendment(proposal, by="dee"), "amendment")
        assert f"proposal {proposal!r} is not open (no such proposal)" in str(error)
        refused(s, lambda: s.decide_amendment(proposal, by="dee", agree=5), "amendment")
        assert s.state.amendments == {1: "open"}

    def test_a_proposal_is_withdrawn_while_paused_too(self):
        s, _clock = opened()
        s.propose_amendment("al", may_pass=False)
        s.pause(by="dee")
        refused(s, lambda: s.decide_amendment(1, by="dee", agree=5), "paused")
        s.withdraw_amendment(1, by="dee")
        assert ps.events.KINDS[K.AMENDMENT_WITHDRAWN].while_paused
        same_again(s)

    def test_a_proposal_that_no_longer_fits_is_withdrawn(self):
        s, _clock = opened()
        s.propose_amendment("al", warn_at=200.0)
        s.propose_amendment("bo", share_limit=180.0, warn_at=150.0)
        s.decide_amendment(2, by="dee", agree=5)  # the limit is now 180 s
        error = refused(s, lambda: s.decide_amendment(1, by="dee", agree=5), "amendment")
        assert "must come before the share limit" in str(error)
        assert (error.actor, error.action) == ("dee", "decide_amendment")
        s.withdraw_amendment(1, by="dee")
        assert s.state.amendments == {1: "withdrawn", 2: "accepted"}

    def test_a_point_of_process_leads_to_a_proposal(self):
        s, _clock = opened()
        s.advance(by="dee")
        s.raise_point("cy")
        s.acknowledge_point("cy", by="dee")
        s.resolve_point("cy", by="dee", outcome="amendment")
        s.propose_amendment("cy", share_limit=200.0, warn_at=170.0)
        s.decide_amendment(1, by="dee", agree=5)
        assert s.agreement.share_limit == 200.0
        same_again(s)

    def test_a_forged_decision_does_not_restore_or_verify(self):
        s, _clock = opened()
        s.propose_amendment("al", hard_cap=True)
        s.decide_amendment(1, by="dee", agree=4, disagree=1)
        events = list(s.events)
        events[-1] = events[-1].evolve(data={**events[-1].data, "outcome": "accepted"})
        ps.Session.restore(s.group, s.format, events)  # a fold does not judge a count
        with pytest.raises(ps.LogError, match="re-enactment recorded"):
            ps.Session.verify(s.group, s.format, events)
        events[-1] = events[-1].evolve(data={**events[-1].data, "proposal": 9})
        with pytest.raises(ps.LogError, match="proposal 9 is not open"):
            ps.Session.restore(s.group, s.format, events)


@settings(max_examples=80, deadline=None)
@given(
    rule=st.sampled_from(ps.agreement.DECISIONS),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["propose", "decide", "withdraw", "leave", "arrive", "consent"]),
            st.sampled_from(EVERYONE),
            st.integers(min_value=1, max_value=4),
            st.tuples(*[st.integers(min_value=0, max_value=4)] * 3),
        ),
        max_size=30,
    ),
)
def test_any_mix_of_proposals_restores_and_verifies(rule, steps):
    """Proposals, decisions and withdrawals: each refused or recorded; the log re-enacts."""
    s, _clock = opened(rule)
    limits = [60.0, 120.0, 180.0, 240.0]
    for action, person, number, (agree, disagree, aside) in steps:
        try:
            if action == "propose":
                s.propose_amendment(
                    person, share_limit=limits[number - 1] + 60, warn_at=limits[number - 1]
                )
            elif action == "decide":
                s.decide_amendment(
                    number, by="dee", agree=agree, disagree=disagree, stand_aside=aside
                )
            elif action == "withdraw":
                s.withdraw_amendment(number, by="dee")
            elif action == "leave":
                s.leave(person)
            elif action == "arrive":
                s.arrive(person)
            else:
                s.consent(person)
        except ps.ActionRejected:
            pass
    accepted = [n for n, status in s.state.amendments.items() if status == "accepted"]
    assert s.agreement.version == 1 + len(accepted)
    same_again(s)


def test_decisions_write_their_golden_log():
    """Proposals, a decision by consensus and its amendment, a withdrawal: field by field."""
    s, clock = opened()
    s.propose_amendment("cy", hard_cap=True)
    clock.advance(60)
    s.decide_amendment(1, by="dee", agree=4, stand_aside=1)
    s.propose_amendment("al", cross_talk=True)
    s.withdraw_amendment(2, by="dee")
    s.propose_amendment("bo", share_limit=260.0)
    s.decide_amendment(3, by="dee", agree=3, disagree=1, stand_aside=1)
    golden("decisions", list(s.events))


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda e: e[-2].evolve(data={**e[-2].data, "proposal": 2}),
         "proposal 2 is out of order: the next is 1"),
        (lambda e: e[-1].evolve(data={**e[-1].data, "proposal": 5}),
         "proposal 5 is not open (unknown)"),
        (lambda e: e[-1].evolve(data={**e[-1].data, "outcome": "maybe"}),
         "a decision is accepted or rejected"),
    ],
)  # fmt: skip
def test_an_edited_decision_does_not_restore(edit, why):
    """The fold refuses proposals out of order, decisions on none, unknown outcomes."""
    s, _clock = opened()
    s.propose_amendment("cy", hard_cap=True)
    s.decide_amendment(1, by="dee", agree=4, stand_aside=1)
    events = list(s.events)[:-1]  # up to the decision (not the amendment it makes)
    edited = edit(events)
    events[edited.seq] = edited
    with pytest.raises(ps.LogError) as error:
        ps.Session.restore(s.group, s.format, events)
    assert error.value.line == edited.seq + 1
    assert str(error.value).endswith(f"cannot follow the log: {why}")


def test_a_proposal_is_decided_or_withdrawn_once():
    s, _clock = opened()
    s.propose_amendment("cy", hard_cap=True)
    s.decide_amendment(1, by="dee", agree=4, stand_aside=1)
    events = list(s.events)
    withdrawn = ps.Event(len(events), events[-1].time, K.AMENDMENT_WITHDRAWN, "dee", None,
                         {"proposal": 1})  # fmt: skip
    with pytest.raises(ps.LogError) as error:
        ps.Session.restore(s.group, s.format, [*events, withdrawn])
    assert str(error.value).endswith("cannot follow the log: proposal 1 is not open (accepted)")


def test_the_timeline_reads_the_decisions():
    s, _clock = opened()
    s.propose_amendment("cy", hard_cap=True)
    s.decide_amendment(1, by="dee", agree=4, stand_aside=1)
    s.propose_amendment("al", cross_talk=True)
    s.withdraw_amendment(2, by="dee")
    s.listen("bo")
    lines = list(ps.report.timeline(s.group, s.format, s.events))[-5:]
    assert [line.split("] ", 1)[1] for line in lines] == [
        "Dee records the decision on amendment 1: accepted (4 agree, 0 disagree, 1 aside)",
        "amendment 1 is accepted: the agreement is v2 (hard_cap=True)",
        "Al proposes amendment 2: cross_talk=True",
        "Dee withdraws amendment 2",
        "Bo listens this session",
    ]


class FailsOnAmendments(ps.Rule):
    """Watches the agreement being amended, and fails."""

    id = "fails-on-amendments"
    watches = frozenset({K.AGREEMENT_AMENDED})

    def notice(self, session: ps.Session, event: ps.Event) -> None:
        raise ValueError("boom")


class FailsOnAmendmentsPlugin:
    @ps.hookimpl
    def register_rules(self, register):
        register(FailsOnAmendments())


class FailingChart(ps.FormatChart):
    opening = ps.Phase(
        "Opening", policy="facilitator-only", initial=True, rules=("fails-on-amendments",)
    )
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(closing)


def test_a_decision_is_all_or_nothing(added):
    """A rule failing on the amendment a decision makes undoes the decision too."""
    added(FailsOnAmendmentsPlugin(), "fails-on-amendments")
    fmt = ps.Format.from_chart("failing", FailingChart)
    s = ps.Session(make_group(), fmt, clock=ps.ManualClock(T0))
    for person in EVERYONE:
        s.arrive(person)
        s.consent(person)
    s.propose_amendment("al", hard_cap=True)
    before, events = s.state, list(s.events)
    with pytest.raises(ps.PluginError, match="fails-on-amendments"):
        s.decide_amendment(1, by="dee", agree=TAKING_PART)
    assert (s.state, list(s.events)) == (before, events)
    assert s.state.amendments == {1: "open"}


def test_a_facilitator_s_amendment_made_a_decision_does_not_verify():
    """A proposal number added to a facilitator's own amendment: verify names the difference.

    (Re-enacted, the amendment is the facilitator's again, recorded without a proposal.)
    """
    s, _clock = opened()
    s.amend_agreement(by="dee", share_limit=250)
    events = list(s.events)
    events[-1] = events[-1].evolve(data={**events[-1].data, "proposal": 1})
    with pytest.raises(ps.LogError) as error:
        ps.Session.verify(s.group, s.format, events)
    assert error.value.line == len(events)
    assert str(error.value).endswith(
        "with {'version': 2, 'share_limit': 250, 'proposal': 1} but re-enactment recorded "
        f"event {len(events) - 1} 'agreement_amended' by dee at {events[-1].time:g} s with "
        "{'version': 2, 'share_limit': 250}"
    )
