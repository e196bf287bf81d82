"""Built-in rules, each with a stable id used in errors and events.

Always on (configured by the agreement):

* ``one-share-per-round``: nobody holds the floor twice before every present,
  eligible member has shared or passed in that round (enforced by the round
  turn policies).
* ``right-to-pass``: a pass counts as the turn and the member is not asked again
  in that round; the agreement may switch passing off, but newcomers may always
  pass (they are never pressed to speak).
* ``no-cross-talk``: only the floor holder speaks; an interjection is refused and
  the attempt is recorded as a ``cross_talk_blocked`` event.
* ``share-time-limit``: a warning at the warning point, then overtime; with a
  hard cap the engine ends the share itself.

Named by phases (``Phase(rules=(...))``):

* ``reserved-time``: in the last ``agreement.reserved_time`` seconds of a phase's
  budget, only members who have not yet shared in that phase may take the floor.
* ``share-the-air``: when a share ends and the member's part of the phase's
  speaking time is above ``agreement.share_the_air``, a ``rule_notice`` event
  warns the facilitator and names who has not spoken yet.

A rule is a small object with an ``id``. It may refuse actions (``check``,
raising :class:`~peersupport.errors.RuleViolation`) and may give notices after
events (``notice``), which the engine records as ``rule_notice`` events. Rules
are registered through the ``register_rules`` hook, like any plugin's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from peersupport.errors import RuleViolation
from peersupport.events import DataValue, Event, EventKind
from peersupport.hookspecs import hookimpl
from peersupport.model import Role

if TYPE_CHECKING:
    from peersupport.floor import Floor
    from peersupport.format import PhaseSpec
    from peersupport.model import Agreement
    from peersupport.session import Session

__all__ = [
    "NO_CROSS_TALK",
    "ONE_SHARE_PER_ROUND",
    "RESERVED_TIME",
    "RIGHT_TO_PASS",
    "SHARE_THE_AIR",
    "SHARE_TIME_LIMIT",
    "NoCrossTalk",
    "OneSharePerRound",
    "ReservedTime",
    "RightToPass",
    "Rule",
    "ShareTheAir",
    "ShareTimeLimit",
    "builtin_rules",
    "register_rules",
]


class Rule:
    """Base class of rules.

    Attributes:
        id: Stable id, e.g. ``"one-share-per-round"``; used in errors and events.
        actions: Names of the session actions ``check`` is called for (e.g.
            ``{"start_share"}``).
        watches: Event kinds ``notice`` is called for.
        description: One sentence stating the rule, for docs and listings.
    """

    id: str = ""
    actions: frozenset[str] = frozenset()
    watches: frozenset[EventKind] = frozenset()
    description: str = ""

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Raise :class:`RuleViolation` if ``member`` may not do ``action`` at ``now``.

        Called after the turn policy accepted the action. Must not change
        anything. The default accepts everything.
        """

    def notice(self, session: Session, event: Event) -> Mapping[str, DataValue] | None:
        """Return data for a ``rule_notice`` event after ``event``, or ``None``.

        Called after an event of a kind in :attr:`watches` was applied. The
        engine adds ``"rule": self.id`` and records the notice as an event of its
        own (no actor; ``member`` is ``event.member``). Must not change anything.
        """
        return None

    def __repr__(self) -> str:
        return f"<rule {self.id!r}>"


class OneSharePerRound(Rule):
    """Nobody holds the floor twice before everyone present has shared or passed."""

    id = "one-share-per-round"
    actions = frozenset({"start_share", "pass_turn"})
    description = (
        "Nobody holds the floor twice before every present, eligible member "
        "has shared or passed in that round."
    )

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Refuse a second turn in an incomplete round."""
        floor = session.floor
        if member in floor.had_turn and not floor.complete():
            self.refuse(session, floor, member, action)

    def refuse(
        self, session: Session, floor: Floor, member: str, action: str, by: str | None = None
    ) -> NoReturn:
        """Raise the violation for ``member`` having had their turn already.

        ``by`` is who acted when that is not ``member`` (a facilitator calling on them).
        """
        how = "passed" if member in floor.passed else "had their turn"
        if member in floor.skipped:
            how = "was skipped"
        waiting = floor.not_reached()
        if waiting:
            rest = f"waiting for {', '.join(waiting)} to share or pass"
        else:
            rest = "the round is complete; the facilitator starts a new round or moves on"
        raise RuleViolation(
            member if by is None else by,
            action,
            self.id,
            f"{member} {how} in round {floor.round} already; {rest}",
        )


class RightToPass(Rule):
    """A pass counts as the turn; the agreement may switch passing off except for newcomers."""

    id = "right-to-pass"
    actions = frozenset({"pass_turn"})
    description = (
        "A pass counts as the turn and the member is not asked again in that round; "
        "newcomers may always pass."
    )

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Refuse a pass when the agreement switched passing off (never for newcomers)."""
        agreement = session.agreement
        if not agreement.may_pass and session.role_of(member) is not Role.NEWCOMER:
            raise RuleViolation(
                member,
                action,
                self.id,
                f"passing is switched off in agreement v{agreement.version} "
                "(only newcomers may pass)",
            )


class NoCrossTalk(Rule):
    """Only the floor holder speaks, unless the phase and the agreement allow cross-talk."""

    id = "no-cross-talk"
    actions = frozenset({"interject"})
    description = (
        "Only the floor holder speaks; interjections are refused and recorded, "
        "unless both the phase and the agreement allow cross-talk."
    )

    def allows(self, phase: PhaseSpec, agreement: Agreement) -> bool:
        """Whether cross-talk is allowed in ``phase`` under ``agreement``."""
        return phase.cross_talk and agreement.cross_talk


class ShareTimeLimit(Rule):
    """Warn at the warning point, then overtime; with a hard cap the engine ends the share."""

    id = "share-time-limit"
    description = (
        "A time warning at the warning point, then overtime; with a hard cap the "
        "engine ends the share itself."
    )

    def limits(
        self, phase: PhaseSpec, agreement: Agreement
    ) -> tuple[float | None, float | None, bool]:
        """Return ``(warn_at, share_limit, hard_cap)`` in force for a share in ``phase``.

        A phase's own limit and hard-cap setting override the agreement's.
        """
        if not phase.timed:
            return None, None, False
        hard = agreement.hard_cap if phase.hard_cap is None else phase.hard_cap
        if phase.share_limit is not None:
            return phase.warn_at, phase.share_limit, hard
        return agreement.warn_at, agreement.share_limit, hard


class ReservedTime(Rule):
    """Near the end of a phase, only members who have not shared yet may take the floor."""

    id = "reserved-time"
    actions = frozenset({"start_share"})
    description = (
        "In the last agreement.reserved_time seconds of a phase's budget, only members "
        "who have not yet shared in that phase may take the floor."
    )

    def starts_at(self, session: Session) -> float | None:
        """When the reserved time of the current phase begins, or ``None``."""
        reserved = session.agreement.reserved_time
        budget = session.phase.budget
        if reserved is None or budget is None:
            return None
        return session.phase_started_at + max(0.0, budget - reserved)

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Refuse a second share in this phase once the reserved time has begun."""
        start = self.starts_at(session)
        if start is None or now < start or not session.phase_shares.get(member):
            return
        raise RuleViolation(
            member,
            action,
            self.id,
            f"the last {session.agreement.reserved_time:g} s of {session.phase_name} are "
            f"reserved for members who have not shared yet, and {member} has",
        )


class ShareTheAir(Rule):
    """Warn when one member takes more than their share of a phase's speaking time.

    Attributes:
        min_total: Seconds of speaking in the phase before the rule looks at all
            (early on, the first speaker always has all the time).
    """

    id = "share-the-air"
    watches = frozenset({EventKind.SHARE_ENDED, EventKind.LEFT, EventKind.ENDED})
    description = (
        "When a member's part of the phase's speaking time goes above "
        "agreement.share_the_air, the facilitator is warned and told who has not spoken."
    )

    def __init__(self, min_total: float = 300.0) -> None:
        self.min_total = min_total

    def notice(self, session: Session, event: Event) -> Mapping[str, DataValue] | None:
        """Warn when the member who just spoke is above the agreed part of the time."""
        threshold = session.agreement.share_the_air
        member = event.member
        if threshold is None or member is None or "duration" not in event.data:
            return None
        speaking = session.phase_speaking_time
        total = sum(speaking.values())
        if total < self.min_total:
            return None
        part = speaking.get(member, 0.0) / total
        if part <= threshold:
            return None
        quiet = [
            m
            for m in session.present
            if m != member
            and not session.phase_shares.get(m)
            and (session.role_of(m) or Role.OBSERVER).takes_turns
        ]
        data: dict[str, Any] = {"part": round(part, 4), "not_spoken": quiet}
        return data


ONE_SHARE_PER_ROUND = OneSharePerRound()
RIGHT_TO_PASS = RightToPass()
NO_CROSS_TALK = NoCrossTalk()
SHARE_TIME_LIMIT = ShareTimeLimit()
RESERVED_TIME = ReservedTime()
SHARE_THE_AIR = ShareTheAir()


def builtin_rules() -> Mapping[str, Rule]:
    """The rules that ship with peersupport, by id."""
    return {
        r.id: r
        for r in (
            ONE_SHARE_PER_ROUND,
            RIGHT_TO_PASS,
            NO_CROSS_TALK,
            SHARE_TIME_LIMIT,
            RESERVED_TIME,
            SHARE_THE_AIR,
        )
    }


@hookimpl
def register_rules(register: Any) -> None:
    """Register the built-in rules (the library is its own first plugin)."""
    for rule in builtin_rules().values():
        register(rule)
