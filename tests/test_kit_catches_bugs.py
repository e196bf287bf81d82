"""The conformance kit catches broken formats: each seeded bug makes ``check_format`` fail.

Every broken variant here is test-only: a turn policy, rule or format added as an
in-process plugin (and removed afterwards), some replacing a built-in rule with
``replace=True``. For each, running the kit must fail, and the failure must name
the invariant broken. A kit that passes a broken format is a defect.

The engine itself enforces one turn per round for every policy with rounds, so a
policy can no longer hand out second turns; the bugs that remain possible are
replaced always-on rules (``one-share-per-round``, ``consent``,
``share-time-limit``), policies that refuse less than they declare or offer the
floor wrongly, and phase rules that leak, crash or give wrong notices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import Phase, settings

import peersupport as ps
from peersupport.testing import ConformanceError, check_format, conformance_settings

K = ps.EventKind


def no_shrink() -> settings:
    """The active profile, at least 500 examples, stopping at the first failure (no shrinking).

    Derandomized so that each test finds its bug the same way on every run.
    """
    active = settings.default
    return conformance_settings(
        settings(
            active,
            max_examples=max(active.max_examples, 500),
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,
            database=None,
            print_blob=False,
        )
    )


def violations(format_name: str) -> set[str]:
    """Run the kit on ``format_name``; return the names of the invariants it reports broken."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the kit raises one or a group
        check_format(format_name, settings=no_shrink())
    error = caught.value
    found = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    names = {e.invariant for e in found if isinstance(e, ConformanceError)}
    assert names, f"the kit failed without naming an invariant: {error!r}"
    return names


def round_chart(policy: str, *, rules: tuple[str, ...] = ()) -> type[ps.FormatChart]:
    """A chart with one round phase under ``policy`` (plus an opening and a closing)."""

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy=policy, budget=30 * 60, rules=rules)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")
        new_round = sharing.to(sharing, cond="round_complete")

    return Chart


def open_chart(*, rules: tuple[str, ...] = ()) -> type[ps.FormatChart]:
    """A chart with one open-floor phase (no rounds, so no new rounds either)."""

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy="open-floor", budget=30 * 60, rules=rules)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing)

    return Chart


#: A popcorn round phase: rounds roll over by themselves.
POPCORN = round_chart("popcorn")


class Plugin:
    """A test-only plugin registering turn policies, rules and formats."""

    def __init__(
        self,
        *,
        policies: tuple[ps.TurnPolicy, ...] = (),
        rules: tuple[ps.Rule, ...] = (),
        formats: dict[str, type[ps.FormatChart]] | None = None,
        replace: bool = False,
    ) -> None:
        self.policies = policies
        self.rules = rules
        self.formats = formats or {}
        self.replace = replace

    @ps.hookimpl
    def register_turn_policies(self, register: Any) -> None:
        for policy in self.policies:
            register(policy, replace=self.replace)

    @ps.hookimpl
    def register_rules(self, register: Any) -> None:
        for rule in self.rules:
            register(rule, replace=self.replace)

    @ps.hookimpl
    def register_formats(self, register: Any) -> None:
        for name, chart in self.formats.items():
            register(name, chart)


# ---------------------------------------------------------------- broken policies and rules


def came_back(session: ps.Session, member: str) -> bool:
    """Whether the last thing ``member`` did was to arrive again after leaving."""
    left = False
    for event in reversed(session.events):
        if event.member != member or event.kind is K.RULE_NOTICE:
            continue
        if event.kind is K.ARRIVED:
            left = True
            continue
        return left and event.kind is K.LEFT
    return False


class LastSpeakerAgain(ps.OneSharePerRound):
    """A replacement one-share-per-round that lets whoever spoke last take the floor again."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if session.floor.last == member:
            return
        super().check(session, action, member, now)


class ForgetsWhoCameBack(ps.OneSharePerRound):
    """A replacement one-share-per-round that treats a member who left and came back as new."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if came_back(session, member):
            return
        super().check(session, action, member, now)


class LateHardCap(ps.ShareTimeLimit):
    """A replacement share-time-limit whose hard cap fires one second after the limit."""

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        warn, limit, hard = super().limits(phase, agreement)
        return warn, (limit + 1.0 if hard and limit is not None else limit), hard


class OffersWhoPassed(ps.SeatOrder):
    """Seat order, but the floor is offered again to someone who passed in this round."""

    name = "seat-order-offers-passed"

    def offered(self, floor: Any) -> str | None:
        if floor.passed and not floor.closed:
            return str(sorted(floor.passed)[0])
        return super().offered(floor)


class RollingSeatOrder(ps.TurnPolicy):
    """Seat order that rolls over by itself, but offers the next round before it starts.

    In a complete round ``offered()`` already names the first of the turn order,
    who had their turn in this round: the new round starts (with its automatic
    ``round_started`` event) only when someone takes a turn.
    """

    name = "rolling-seat-order"
    rounds = True
    auto_rollover = True
    offers = ps.Offer.NEXT_IN_ORDER
    speakers = ps.Speakers.OFFERED

    def offered(self, floor: Any) -> str | None:
        if floor.complete() and floor.order:
            return str(floor.order[0])
        return super().offered(floor)


class LastSpeakerJumpsTheQueue(ps.SeatOrder):
    """Seat order that (wrongly) skips its own check for whoever spoke last."""

    name = "seat-order-last-jumps"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if session.floor.last == member:
            return  # refuses less than it declares: not "super() first"
        super().check_take_floor(session, member, role)


class ConsentExceptTheKeeper(ps.Consent):
    """A replacement consent rule that (wrongly) never lets the facilitator take the floor."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        role = session.role_of(member)
        if action == "start_share" and role is not None and role.facilitates:
            raise ps.RuleViolation(member, action, self.id, "the keeper only listens")
        super().check(session, action, member, now)


class LeakyNoBackToBack(ps.Rule):
    """Refuses the last speaker, but first marks them as having had their turn."""

    id = "no-back-to-back-leaky"
    actions = frozenset({"start_share"})

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if session.floor.last == member:
            session.floor.had_turn.add(member)
            raise ps.RuleViolation(member, action, self.id, f"{member} spoke last")


class CrashesOnPass(ps.Rule):
    """A phase rule with a bug: it raises KeyError instead of refusing."""

    id = "crashes-on-pass"
    actions = frozenset({"pass_turn"})

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        raise KeyError(member)


class SilentShareTheAir(ps.ShareTheAir):
    """share-the-air that never gives its notice."""

    def notice(self, session: ps.Session, event: ps.Event) -> None:
        return None


class SloppyShareTheAir(ps.ShareTheAir):
    """share-the-air whose notice names everyone present as not having spoken."""

    def notice(self, session: ps.Session, event: ps.Event) -> Mapping[str, Any] | None:
        found = super().notice(session, event)
        if found is None:
            return None
        return {**found, "not_spoken": list(session.present)}


class TestKitCatchesBrokenFormats:
    """Each seeded bug makes the kit fail, naming the invariant it breaks."""

    def test_one_share_per_round_letting_the_last_speaker_go_again(self, added: Any) -> None:
        """A replaced one-share-per-round that lets the last speaker go again gives second turns."""
        added(
            Plugin(rules=(LastSpeakerAgain(),), replace=True, formats={"broken": POPCORN}),
            "last-speaker-again",
        )
        assert "one-turn-per-round" in violations("broken")

    def test_one_share_per_round_forgetting_who_left_and_came_back(self, added: Any) -> None:
        """A replaced one-share-per-round that forgets who rejoined gives them a second turn."""
        added(
            Plugin(rules=(ForgetsWhoCameBack(),), replace=True, formats={"broken": POPCORN}),
            "forgets-who-came-back",
        )
        assert "one-turn-per-round" in violations("broken")

    def test_hard_cap_one_second_late(self, added: Any) -> None:
        """A replaced share-time-limit whose hard cap fires one second late breaks the deadlines."""
        added(Plugin(rules=(LateHardCap(),), replace=True), "late-hard-cap")
        assert "deadlines" in violations("lightning-round")

    def test_policy_offering_the_floor_to_who_passed(self, added: Any) -> None:
        """A policy offering the floor to someone who passed in the round is caught."""
        added(
            Plugin(
                policies=(OffersWhoPassed(),),
                formats={"broken": round_chart("seat-order-offers-passed")},
            ),
            "offers-who-passed",
        )
        assert "passed-not-offered" in violations("broken")

    def test_rolling_policy_offering_the_next_round_too_early(self, added: Any) -> None:
        """A roll-over policy offering the floor before its round has rolled over is caught."""
        added(
            Plugin(
                policies=(RollingSeatOrder(),),
                formats={"broken": round_chart("rolling-seat-order")},
            ),
            "rolling-seat-order",
        )
        assert "passed-not-offered" in violations("broken")

    def test_policy_skipping_its_own_check(self, added: Any) -> None:
        """A policy that lets the last speaker jump the seat order breaks its declaration."""
        added(
            Plugin(
                policies=(LastSpeakerJumpsTheQueue(),),
                formats={"broken": round_chart("seat-order-last-jumps")},
            ),
            "last-jumps-the-queue",
        )
        assert "turn-policy" in violations("broken")

    def test_replaced_consent_refusing_the_keeper(self, added: Any) -> None:
        """A replaced always-on rule that refuses a turn it must give fails the expected outcome."""
        added(Plugin(rules=(ConsentExceptTheKeeper(),), replace=True), "keeper-never-speaks")
        assert "expected-outcome" in violations("sharing-circle")

    def test_rule_that_changes_the_session_when_it_refuses(self, added: Any) -> None:
        """A rule whose refusal leaves a mark on the floor breaks 'a refusal changes nothing'."""
        added(
            Plugin(
                rules=(LeakyNoBackToBack(),),
                formats={"broken": round_chart("popcorn", rules=("no-back-to-back-leaky",))},
            ),
            "leaky",
        )
        assert "rejected-changes-nothing" in violations("broken")

    def test_rule_that_crashes(self, added: Any) -> None:
        """A rule raising something other than a refusal is reported as a plugin error."""
        added(
            Plugin(
                rules=(CrashesOnPass(),),
                formats={"broken": round_chart("popcorn", rules=("crashes-on-pass",))},
            ),
            "crashes",
        )
        assert "plugin-error" in violations("broken")

    def test_share_the_air_that_never_warns(self, added: Any) -> None:
        """A replacement share-the-air rule that gives no notice misses the notices due."""
        chart = open_chart(rules=("share-the-air",))
        added(
            Plugin(rules=(SilentShareTheAir(),), formats={"broken": chart}, replace=True),
            "silent-share-the-air",
        )
        assert "rule-notices" in violations("broken")

    def test_share_the_air_with_wrong_data(self, added: Any) -> None:
        """A replacement share-the-air rule whose notice names the wrong people is caught."""
        chart = open_chart(rules=("share-the-air",))
        added(
            Plugin(rules=(SloppyShareTheAir(),), formats={"broken": chart}, replace=True),
            "sloppy-share-the-air",
        )
        assert "rule-notices" in violations("broken")
