"""The conformance kit covers the practice of particular groups and the group's decisions.

Listening for a session, a firm phase budget (``phase_cap``), size guidance, agenda
items (SMART Recovery), skipping an element (``skip_to``) and amendments the group
decides on by its rule: the kit's strategies draw them, its model folds and
predicts them with its own reading of the docs, and its invariants compare the
session's ``listening``, ``agenda_items`` and ``amendments``; pauses, resumptions and
ends give reasons and facilitators refer someone (codes, sometimes free text the
session must refuse). Here: every installed format passes the kit and its runs
contain all of it, and the meeting's schedule too; scripted sessions go through
``check_actions``; and engines broken about it make the kit fail naming
``[listening]``, ``[phase-cap]``, ``[size-guidance]``, ``[skip]`` or
``[amendments]``. (A plugin cannot reach these, so the broken engines are
monkeypatched.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

import pytest

import peersupport as ps
from checking import first_violation, until_seen
from peersupport.engine import checks, decisions
from peersupport.engine.ledger import Ledger
from peersupport.events import EventData
from peersupport.testing import (
    Action,
    ConformanceError,
    SessionModel,
    check_actions,
    machine_for,
)
from peersupport.testing.harness import SessionHarness
from peersupport.testing.practice import decided, way
from people import T0, make_group

# the kit's random sessions check the kit and the formats; tracing them only slows them
pytestmark = pytest.mark.kit

K = ps.EventKind
FORMATS = ps.formats.names()


def violation(format_name: str = "twelve-step") -> str:
    """Run the kit on ``format_name`` until it fails; return the invariant it reports broken."""
    return first_violation(format_name)


def watched_run(
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    examples: int,
    wanted: Collection[str],
    tries: int = 4,
) -> Counter[str]:
    """Run ``check_format``'s machine on ``name`` until it did ``wanted``; count what it did.

    Counts events, tries, refusals by rule, the refusals of listeners and of shares
    past a firm budget, scheduled sessions and budgets in force.
    """
    seen: Counter[str] = Counter()
    act = SessionHarness.act

    def watched_act(harness: SessionHarness, action: Action) -> Any:
        result = act(harness, action)
        reason = "" if result is None else str(result.verdict.reason)
        seen[f"tried {action.name}"] += 1
        seen["refused: listening"] += "listening this session" in reason
        seen["refused: phase-cap"] += "agreement makes it firm" in reason
        if result is not None and isinstance(result.error, ps.ActionRejected):
            seen[f"refused by {result.error.rule}"] += 1
        return result

    monkeypatch.setattr(SessionHarness, "act", watched_act)

    class Watched(machine_for(name)):  # type: ignore[misc]
        def teardown(self) -> None:
            for e in self.h.session.events:
                seen[e.kind.value] += 1
                seen["skipped"] += e.kind is K.PHASE_ENTERED and "skipped" in e.data
                seen["size-guidance"] += e.data.get("rule") == "size-guidance"
                seen["by decision"] += e.kind is K.AGREEMENT_AMENDED and "proposal" in e.data
                seen["with a reason"] += "reason" in e.data
                seen["scheduled"] += e.kind is K.OPENED and "ends_at" in e.data
                seen["budget"] += e.kind in (K.OPENED, K.PHASE_ENTERED) and "budget" in e.data
            super().teardown()

    until_seen(Watched, seen, wanted, examples=examples, tries=tries)
    monkeypatch.undo()
    return seen


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_passes_the_kit_with_practice(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kit passes; its sessions listen, skip and propose, pause for a reason, refer
    someone, give size-guidance notices, and have a schedule whose notice and overrun
    fall due (and budgets in force, where the format plans any)."""
    tried = ("tried listen", "tried skip_to", "tried propose_amendment", "tried refer")
    schedule = ("scheduled", "time_to_close", "meeting_overran")
    budgets = any(phase.budget for phase in ps.formats.get(name).phases.values())
    wanted = (*tried, "size-guidance", "with a reason", *schedule, *(["budget"] * budgets))
    seen = watched_run(name, monkeypatch, 25, wanted)
    assert seen["listening"] + seen["skipped"] + seen["amendment_proposed"], seen
    if name != "smart-recovery":
        assert not seen["item_proposed"], seen  # no other installed format sets an agenda


def test_all_of_it_occurred(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of the kit set the agenda (SMART); they listen, skip, decide (an accepted
    proposal amends the agreement) and withdraw, refer someone, and refuse listeners,
    shares past a firm budget and a reason or referral given as free text."""
    watched_run("smart-recovery", monkeypatch, 20, ["item_proposed"])
    wanted = [
        "listening",
        "skipped",
        "amendment_decided",
        "amendment_withdrawn",
        "by decision",
        "referred",
        "refused: listening",
        "refused: phase-cap",
        "refused by reason-code",
        "refused by referral",
    ]
    watched_run("sharing-circle", monkeypatch, 50, wanted, tries=8)  # some are rare


def test_every_chart_allows_a_skip() -> None:
    """Every installed format's chart has a phase two or more steps ahead of its first."""
    for name in FORMATS:
        fmt = ps.formats.get(name)
        assert any(len(way(fmt, fmt.initial, p) or ()) > 1 for p in fmt.phases), name


def test_the_decision_rules() -> None:
    """The model's own reading of the three decision rules and of a count that fits."""
    assert decided("consensus", (3, 0, 1), 4) == "accepted"
    assert decided("consensus", (3, 1, 0), 4) == "rejected"
    assert decided("consensus", (0, 0, 4), 4) == "rejected"
    assert decided("consensus", (3, 0, 0), 4) is None
    assert decided("majority", (2, 1, 0), 5) == "accepted"
    assert decided("majority", (1, 1, 0), 5) == "rejected"
    assert decided("majority", (4, 1, 1), 5) is None
    assert decided("two-thirds", (2, 1, 0), 3) == "accepted"
    assert decided("two-thirds", (1, 1, 0), 3) == "rejected"
    assert decided("two-thirds", (0, 0, 2), 3) == "rejected"


def test_a_scripted_session_goes_through_check_actions() -> None:
    """A SMART meeting: size guidance, a listener, agenda items, a skip, an amendment."""
    group = make_group(ps.Agreement(size_guidance=3, decision="majority", phase_cap=True))
    fmt = ps.formats.get("smart-recovery")
    people = ("dee", "al", "bo", "cy")
    arrivals = [Action(name, m) for m in people for name in ("arrive", "consent")]
    script = [
        *arrivals,
        Action("listen", "bo", "dee"),
        Action("advance", by="dee"),
        *[Action("pass_turn", m) for m in ("al", "cy", "dee")],
        Action("start_share", "bo"),  # refused: listening
        Action("advance", by="dee"),
        Action("propose_item", "al"),
        Action("propose_item", "cy"),
        Action("propose_item", "al"),
        Action("propose_amendment", "cy", options=(("share_limit", 120.0), ("warn_at", None))),
        Action(
            "decide_amendment",
            by="dee",
            options=(("agree", 2), ("disagree", 1), ("proposal", 1), ("stand_aside", 1)),
        ),
        Action("advance", by="dee"),
        Action("skip_to", by="dee", options=(("to", "check_out"),)),
    ]
    harness = check_actions(group, fmt, script, start=T0)
    state = harness.session.state
    kinds = [e.kind for e in harness.session.events]
    assert kinds.count(K.RULE_NOTICE) == 1
    assert state.listening == ("bo",)
    assert dict(state.agenda_items) == {"al": 2, "cy": 1}
    assert dict(state.amendments) == {1: "accepted"}
    assert state.agreement.share_limit == 120.0
    assert state.phase == "check_out"
    assert harness.session.events[-1].data["skipped"] == ("pass_the_hat",)


def test_the_model_refuses_a_skip_that_does_not_say_so() -> None:
    """A phase_entered past phases without ``skipped`` breaks [skip]; with others too."""
    group, fmt = make_group(), ps.formats.get("smart-recovery")
    session = ps.Session(group, fmt, clock=ps.ManualClock(T0))
    session.arrive("dee")
    event = session.skip_to("agenda_setting", by="dee")
    for data in ({}, {"skipped": ()}, {"skipped": ("working_time",)}):
        model = SessionModel(group, fmt)
        for e in session.events[:-1]:
            model.apply(e)
        changed = {k: v for k, v in event.data.items() if k != "skipped"} | data
        broken = ps.Event(event.seq, event.time, event.kind, "dee", None, EventData(changed))
        with pytest.raises(ConformanceError, match=r"^\[skip\]"):
            model.apply(broken)


class TestTheKitCatchesBrokenPractice:
    """Engines broken about practice and decisions make the kit fail, naming the invariant."""

    def test_listening_not_enforced_on_shares(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A member listening still shares: [listening]."""
        original = checks.takes_floor

        def lax(live: Any, actor: str, action: str, member: str, *, time: bool) -> None:
            if action == "start_share" and member in live.listening:
                original(live, actor, action, "", time=time)  # only the firm budget
                return
            original(live, actor, action, member, time=time)

        monkeypatch.setattr(checks, "takes_floor", lax)
        assert violation("sharing-circle") == "listening"

    def test_the_size_guidance_notice_missing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The arrival past the size guidance records no notice: [size-guidance]."""
        original = Ledger.commit

        def commit(self: Ledger, kind: Any, *args: Any, **kwargs: Any) -> Any:
            data = args[3] if len(args) > 3 else kwargs.get("data")
            if kind is K.RULE_NOTICE and data is not None and data.get("rule") == "size-guidance":
                return None
            return original(self, kind, *args, **kwargs)

        monkeypatch.setattr(Ledger, "commit", commit)
        assert violation("sharing-circle") == "size-guidance"

    def test_a_majority_under_consensus(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """decide_amendment counts as under consensus but accepts by majority: [amendments]."""
        original = decisions.outcome

        def majority(live: Any, by: str, counts: tuple[int, int, int]) -> str:
            original(live, by, counts)  # the count must fit, as under the agreement's rule
            agree, disagree, _aside = counts
            return "accepted" if agree > disagree else "rejected"

        monkeypatch.setattr(decisions, "outcome", majority)
        assert violation("sharing-circle") == "amendments"

    def test_a_skip_that_does_not_say_so(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """skip_to records no ``skipped``: [skip]."""
        original = Ledger.commit

        def commit(self: Ledger, kind: Any, *args: Any, **kwargs: Any) -> Any:
            if kind is K.PHASE_ENTERED and "skipped" in args[3]:
                data = EventData({k: v for k, v in args[3].items() if k != "skipped"})
                args = (*args[:3], data, *args[4:])
            return original(self, kind, *args, **kwargs)

        monkeypatch.setattr(Ledger, "commit", commit)
        assert violation() == "skip"

    def test_the_phase_cap_ignored(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Shares go on in a phase whose firm budget is used up: [phase-cap]."""
        original = checks.takes_floor

        def lax(live: Any, actor: str, action: str, member: str, *, time: bool) -> None:
            original(live, actor, action, member, time=False)

        monkeypatch.setattr(checks, "takes_floor", lax)
        assert violation("sharing-circle") == "phase-cap"
