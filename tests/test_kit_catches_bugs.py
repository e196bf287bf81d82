"""The conformance kit catches broken formats: each seeded bug makes ``check_format`` fail.

Every broken variant here is test-only: a turn policy, rule or format added as an
in-process plugin (and removed afterwards), or a monkeypatched share limit. For
each, running the kit must fail, and the failure must name the invariant broken.
A kit that passes a broken format is a defect.
"""

from __future__ import annotations

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


class LastSpeakerAgain(ps.SeatOrder):
    """Seat order, but whoever spoke last may take the floor again right away."""

    name = "seat-order-last-again"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if session.floor.last == member:
            return
        super().check_take_floor(session, member, role)


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


class ForgetsWhoCameBack(ps.Popcorn):
    """Popcorn, but a member who left and came back is treated as new to the round."""

    name = "popcorn-forgets-rejoined"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if came_back(session, member):
            return
        super().check_take_floor(session, member, role)


class OffersWhoPassed(ps.SeatOrder):
    """Seat order, but the floor is offered again to someone who passed in this round."""

    name = "seat-order-offers-passed"

    def offered(self, floor: Any) -> str | None:
        if floor.passed and not floor.closed:
            return str(sorted(floor.passed)[0])
        return super().offered(floor)


class KeeperNeverSpeaks(ps.SeatOrder):
    """Seat order that (wrongly) never lets the facilitator take their own turn."""

    name = "seat-order"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if role.facilitates:
            raise ps.NotYourTurn(member, "start_share", self.name, "the keeper only listens")
        super().check_take_floor(session, member, role)


class LeakyNoBackToBack(ps.Rule):
    """Refuses the last speaker, but first marks them as having had their turn."""

    id = "no-back-to-back-leaky"
    actions = frozenset({"start_share"})

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if session.floor.last == member:
            session.floor.had_turn.add(member)
            raise ps.RuleViolation(member, action, self.id, f"{member} spoke last")


class SilentShareTheAir(ps.ShareTheAir):
    """share-the-air that never gives its notice."""

    def notice(self, session: ps.Session, event: ps.Event) -> None:
        return None


class TestKitCatchesBrokenFormats:
    """Each seeded bug makes the kit fail, naming the invariant it breaks."""

    def test_policy_letting_the_last_speaker_go_again(self, added: Any) -> None:
        """A policy that lets the last speaker take the floor again breaks one turn per round."""
        added(
            Plugin(
                policies=(LastSpeakerAgain(),),
                formats={"broken-last-again": round_chart("seat-order-last-again")},
            ),
            "broken-last-again",
        )
        assert "one-turn-per-round" in violations("broken-last-again")

    def test_policy_forgetting_who_left_and_came_back(self, added: Any) -> None:
        """A policy that forgets a member who left and rejoined gives them a second turn."""
        added(
            Plugin(
                policies=(ForgetsWhoCameBack(),),
                formats={"broken-rejoined": round_chart("popcorn-forgets-rejoined")},
            ),
            "broken-rejoined",
        )
        assert "one-turn-per-round" in violations("broken-rejoined")

    def test_hard_cap_one_second_late(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A hard cap that fires one second after the declared limit breaks the deadlines."""
        declared = ps.rules.SHARE_TIME_LIMIT.limits

        def late(phase: ps.PhaseSpec, agreement: ps.Agreement) -> Any:
            warn, limit, hard = declared(phase, agreement)
            return warn, (limit + 1.0 if hard and limit is not None else limit), hard

        monkeypatch.setattr(ps.rules.SHARE_TIME_LIMIT, "limits", late)
        assert "deadlines" in violations("lightning-round")

    def test_policy_offering_the_floor_to_who_passed(self, added: Any) -> None:
        """A policy offering the floor to someone who passed in the round is caught."""
        added(
            Plugin(
                policies=(OffersWhoPassed(),),
                formats={"broken-offers-passed": round_chart("seat-order-offers-passed")},
            ),
            "broken-offers-passed",
        )
        assert "passed-not-offered" in violations("broken-offers-passed")

    def test_replaced_seat_order_refusing_the_keeper(self, added: Any) -> None:
        """A replacement seat order that refuses a turn it must give fails the expected outcome."""
        added(Plugin(policies=(KeeperNeverSpeaks(),), replace=True), "keeper-never-speaks")
        assert "expected-outcome" in violations("sharing-circle")

    def test_rule_that_changes_the_session_when_it_refuses(self, added: Any) -> None:
        """A rule whose refusal leaves a mark on the floor breaks 'a refusal changes nothing'."""
        added(
            Plugin(
                rules=(LeakyNoBackToBack(),),
                formats={"broken-leaky": round_chart("popcorn", rules=("no-back-to-back-leaky",))},
            ),
            "broken-leaky",
        )
        assert "rejected-changes-nothing" in violations("broken-leaky")

    def test_share_the_air_that_never_warns(self, added: Any) -> None:
        """A replacement share-the-air rule that gives no notice misses the notices due."""
        chart = round_chart("open-floor", rules=("share-the-air",))
        added(
            Plugin(rules=(SilentShareTheAir(),), formats={"broken-quiet": chart}, replace=True),
            "silent-share-the-air",
        )
        assert "rule-notices" in violations("broken-quiet")
