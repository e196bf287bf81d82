"""Built-in rules, each with a stable id used in errors and events.

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

A rule is a small object with an ``id`` and a ``check`` method that raises
:class:`~peersupport.errors.RuleViolation` to refuse an action. Phases list extra
rule ids; built-in rules are always on and configured by the agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NoReturn

from peersupport.errors import RuleViolation
from peersupport.model import Role

if TYPE_CHECKING:
    from peersupport.floor import Floor
    from peersupport.format import PhaseSpec
    from peersupport.model import Agreement
    from peersupport.session import Session

__all__ = [
    "NO_CROSS_TALK",
    "ONE_SHARE_PER_ROUND",
    "RIGHT_TO_PASS",
    "SHARE_TIME_LIMIT",
    "NoCrossTalk",
    "OneSharePerRound",
    "RightToPass",
    "Rule",
    "ShareTimeLimit",
    "builtin_rules",
]


class Rule:
    """Base class of rules.

    Attributes:
        id: Stable id, e.g. ``"one-share-per-round"``; used in errors and events.
        actions: Names of the session actions this rule checks (e.g.
            ``{"start_share"}``).
        description: One sentence stating the rule, for docs and listings.
    """

    id: str = ""
    actions: frozenset[str] = frozenset()
    description: str = ""

    def check(self, session: Session, action: str, member: str) -> None:
        """Raise :class:`RuleViolation` if ``member`` may not do ``action`` now.

        Must not change anything. The default accepts everything.
        """

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

    def check(self, session: Session, action: str, member: str) -> None:
        """Refuse a second turn in an incomplete round."""
        floor = session.floor
        if member in floor.had_turn and not floor.complete():
            self.refuse(session, floor, member, action)

    def refuse(self, session: Session, floor: Floor, member: str, action: str) -> NoReturn:
        """Raise the violation for ``member`` having had their turn already."""
        how = "passed" if member in floor.passed else "had their turn"
        if member in floor.skipped:
            how = "was skipped"
        waiting = floor.not_reached()
        if waiting:
            rest = f"waiting for {', '.join(waiting)} to share or pass"
        else:
            rest = "the round is complete; the facilitator starts a new round or moves on"
        raise RuleViolation(
            member, action, self.id, f"{member} {how} in round {floor.round} already; {rest}"
        )


class RightToPass(Rule):
    """A pass counts as the turn; the agreement may switch passing off except for newcomers."""

    id = "right-to-pass"
    actions = frozenset({"pass_turn"})
    description = (
        "A pass counts as the turn and the member is not asked again in that round; "
        "newcomers may always pass."
    )

    def check(self, session: Session, action: str, member: str) -> None:
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
        """Return ``(warn_at, share_limit, hard_cap)`` in force for a share in ``phase``."""
        if not phase.timed:
            return None, None, False
        if phase.share_limit is not None:
            return phase.warn_at, phase.share_limit, agreement.hard_cap
        return agreement.warn_at, agreement.share_limit, agreement.hard_cap


ONE_SHARE_PER_ROUND = OneSharePerRound()
RIGHT_TO_PASS = RightToPass()
NO_CROSS_TALK = NoCrossTalk()
SHARE_TIME_LIMIT = ShareTimeLimit()


def builtin_rules() -> Mapping[str, Rule]:
    """The rules that ship with peersupport, by id."""
    return {r.id: r for r in (ONE_SHARE_PER_ROUND, RIGHT_TO_PASS, NO_CROSS_TALK, SHARE_TIME_LIMIT)}
