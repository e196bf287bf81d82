"""Broken rules for the kit's catalogue: replaced always-on rules and phase rules.

Each class is a bug a plugin author could write from the plugin docs alone, with
the public API only: a replacement for a built-in rule (registered with
``replace=True``) or a phase rule of a plugin's own. The catalogue
(``tests/kit_catalogue.py``) says which format runs each one and which invariant
the conformance kit must name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import peersupport as ps

K = ps.EventKind


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


# ---------------------------------------------------------------- one-share-per-round


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


class OncePerPhase(ps.OneSharePerRound):
    """A replacement one-share-per-round that counts shares in the phase, not in the round."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        super().check(session, action, member, now)
        if session.phase.rounds and action == "start_share" and session.phase_shares.get(member):
            raise ps.RuleViolation(member, action, self.id, f"{member} shared in this phase")


# ---------------------------------------------------------------- consent, passing, observers


class ConsentExceptTheKeeper(ps.Consent):
    """A replacement consent rule that (wrongly) never lets the facilitator take the floor."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        role = session.role_of(member)
        if action == "start_share" and role is not None and role.facilitates:
            raise ps.RuleViolation(member, action, self.id, "the keeper only listens")
        super().check(session, action, member, now)


class ConsentToAnyVersion(ps.Consent):
    """A replacement consent rule satisfied by consent to any version, even before an amendment."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if member not in session.consents:
            raise ps.ConsentRequired(member, action, self.id, f"{member} has not consented")


class NoPassingAtAll(ps.RightToPass):
    """A replacement right-to-pass that forgets newcomers may always pass."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        agreement = session.agreement
        if not agreement.may_pass:
            raise ps.RuleViolation(member, action, self.id, "passing is switched off")


class AlwaysMayPass(ps.RightToPass):
    """A replacement right-to-pass that ignores the agreement: everyone may always pass."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        return None


class ObserversMayReact(ps.ObserversListen):
    """A replacement observers-listen that lets observers interject ("they may react")."""

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if action != "interject":
            super().check(session, action, member, now)


# ---------------------------------------------------------------- cross-talk


class CrossTalkByThePhase(ps.NoCrossTalk):
    """A replacement no-cross-talk that reads the phase only, not the agreement."""

    def allows(self, phase: ps.PhaseSpec, agreement: ps.Agreement) -> bool:
        return phase.cross_talk


class NoCrossTalkInRounds(ps.NoCrossTalk):
    """A replacement no-cross-talk that blocks it in every round phase, whatever the chart says."""

    def allows(self, phase: ps.PhaseSpec, agreement: ps.Agreement) -> bool:
        return super().allows(phase, agreement) and not phase.rounds


# ---------------------------------------------------------------- time


class LateHardCap(ps.ShareTimeLimit):
    """A replacement share-time-limit whose hard cap fires one second after the limit."""

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        warn, limit, hard = super().limits(phase, agreement)
        return warn, (limit + 1.0 if hard and limit is not None else limit), hard


class AgreementLimitsOnly(ps.ShareTimeLimit):
    """A replacement share-time-limit that ignores a phase's own limit and warning."""

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        if not phase.timed:
            return None, None, False
        hard = agreement.hard_cap if phase.hard_cap is None else phase.hard_cap
        return agreement.warn_at, agreement.share_limit, hard


class EveryLimitIsHard(ps.ShareTimeLimit):
    """A replacement share-time-limit that caps every share, though the agreement says soft."""

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        warn, limit, _hard = super().limits(phase, agreement)
        return warn, limit, True


class WarningAsFloat(ps.ShareTimeLimit):
    """A replacement share-time-limit making the warning a float; it fails when there is none."""

    def limits(
        self, phase: ps.PhaseSpec, agreement: ps.Agreement
    ) -> tuple[float | None, float | None, bool]:
        warn, limit, hard = super().limits(phase, agreement)
        if limit is None:
            return warn, limit, hard
        return float(warn), limit, hard  # the bug: the agreement may set no warning


class ReservedAtTheEnd(ps.ReservedTime):
    """A replacement reserved-time whose reserved time begins when the budget is already over."""

    def starts_at(self, session: ps.Session) -> float | None:
        budget = session.phase.budget
        if session.agreement.reserved_time is None or budget is None:
            return None
        return session.phase_started_at + budget  # the bug: not budget - reserved_time


# ---------------------------------------------------------------- notices


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


class FacilitatorEndedIt(ps.Rule):
    """Notes shares a facilitator ended; it fails on a share the hard cap ended (no actor)."""

    id = "facilitator-ended-it"
    watches = frozenset({K.SHARE_ENDED})

    def notice(self, session: ps.Session, event: ps.Event) -> Mapping[str, Any] | None:
        if event.actor == event.member:
            return None
        role = session.role_of(event.actor)  # the bug: the hard cap has no actor, so no role
        return {"by": event.actor, "facilitator": role.facilitates}


# ---------------------------------------------------------------- phase rules


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


class NoTurnTwiceInARow(ps.Rule):
    """Nobody takes two turns in a row; its refusal always says "start_share", passes too."""

    id = "no-turn-twice-in-a-row"
    actions = frozenset({"start_share", "pass_turn"})

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if session.floor.last == member:
            raise ps.RuleViolation(member, "start_share", self.id, f"{member} went last")


class PassersAreSkipped(ps.Rule):
    """A rule that accepts every pass, but marks whoever passed as skipped in the floor."""

    id = "passers-are-skipped"
    actions = frozenset({"pass_turn"})

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        session.floor.skipped.add(member)


class TwoSharesPerMeeting(ps.Rule):
    """At most two shares per member, counted on the rule object (so across every session)."""

    id = "two-shares-per-meeting"
    actions = frozenset({"start_share"})

    def __init__(self) -> None:
        self.shares: dict[str, int] = {}

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        if self.shares.get(member, 0) >= 2:
            raise ps.RuleViolation(member, action, self.id, f"{member} shared twice")
        self.shares[member] = self.shares.get(member, 0) + 1
