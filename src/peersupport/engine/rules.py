"""Every rule of peersupport, each with a stable id used in errors and events.

Always on, in every phase (the agreement configures them):

* ``observers-listen``: observers never take the floor, pass or interject.
* ``consent``: a member takes the floor or interjects only after consenting to
  the agreement version in force.
* ``one-share-per-round``: in a phase whose turn policy has rounds, nobody has a
  second turn (share, pass or being called on) in a round before it is over.
  The engine enforces it for every such policy, built in or not.
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
raising an :class:`~peersupport.errors.ActionRejected`) and may give notices
after events (``notice``), which the engine records as ``rule_notice`` events.
Rules are registered through the ``register_rules`` hook, like any plugin's,
and formats look every rule up by id when they are compiled, so a plugin that
registers one of these ids with ``replace=True`` really replaces it
(:class:`AlwaysOn` says what a replacement must provide).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from peersupport.compiled import mypyc_attr
from peersupport.engine.events import DataValue, Event, EventKind
from peersupport.errors import ConsentRequired, PermissionDenied, RuleViolation
from peersupport.values import TAKING_TURNS, Agreement, Role

if TYPE_CHECKING:
    from peersupport.engine.format import PhaseSpec
    from peersupport.engine.session import Session

__all__ = [
    "ALWAYS_ON",
    "AlwaysOn",
    "Consent",
    "NoCrossTalk",
    "ObserversListen",
    "OneSharePerRound",
    "ReservedTime",
    "RightToPass",
    "Rule",
    "ShareTheAir",
    "ShareTimeLimit",
    "builtin_rules",
]


@mypyc_attr(allow_interpreted_subclasses=True)
class Rule:
    """Base class of rules.

    Attributes:
        id: Stable id, e.g. ``"one-share-per-round"``; used in errors and events.
        actions: Names of the session actions ``check`` is called for (e.g.
            ``{"start_share"}``).
        watches: Event kinds ``notice`` is called for.
        description: One sentence stating the rule, for docs and listings.
    """

    id: ClassVar[str] = ""
    actions: ClassVar[frozenset[str]] = frozenset()
    watches: ClassVar[frozenset[EventKind]] = frozenset()
    description: ClassVar[str] = ""

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Raise an :class:`~peersupport.errors.ActionRejected` if ``member`` may not act.

        Called for the actions in :attr:`actions`, with the member acted upon
        (the engine names whoever acted in the error). Must not change anything.
        The default accepts everything.
        """

    def notice(self, session: Session, event: Event) -> Mapping[str, DataValue] | None:
        """Return data for a ``rule_notice`` event after ``event``, or ``None``.

        Called after an event of a kind in :attr:`watches` was applied. The
        engine adds ``"rule": self.id`` and records the notice as an event of its
        own (no actor; ``member`` is ``event.member``). Values must be numbers,
        flags, names or lists of ids. Must not change anything.
        """
        return None

    def __repr__(self) -> str:
        return f"<rule {self.id!r}>"


@mypyc_attr(allow_interpreted_subclasses=True)
class ObserversListen(Rule):
    """Observers never take the floor, pass or interject."""

    id = "observers-listen"
    actions = frozenset({"start_share", "pass_turn", "interject"})
    description = "Observers listen: they never take the floor, pass or interject."

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Refuse an observer."""
        role = session.role_of(member)
        if role is not None and role not in TAKING_TURNS:
            raise PermissionDenied(
                member, action, self.id, f"{member} is an observer; observers listen"
            )


@mypyc_attr(allow_interpreted_subclasses=True)
class Consent(Rule):
    """Take the floor or interject only after consenting to the agreement in force."""

    id = "consent"
    actions = frozenset({"start_share", "interject"})
    description = (
        "A member takes the floor or interjects only after consenting to the "
        "agreement version in force."
    )

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Refuse a member who has not consented to the current version."""
        version = session.agreement.version
        if session.consents.get(member) != version:
            raise ConsentRequired(
                member, action, self.id, f"{member} has not consented to agreement v{version}"
            )


@mypyc_attr(allow_interpreted_subclasses=True)
class OneSharePerRound(Rule):
    """Nobody has a second turn in a round before everyone present has shared or passed."""

    id = "one-share-per-round"
    actions = frozenset({"start_share", "pass_turn", "call_on"})
    description = (
        "Nobody holds the floor twice before every present, eligible member "
        "has shared or passed in that round."
    )

    def check(self, session: Session, action: str, member: str, now: float) -> None:
        """Refuse a member who has had their turn in this round (in phases with rounds)."""
        floor = session.floor
        if member not in floor.had_turn or not session.phase.rounds:
            return
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


@mypyc_attr(allow_interpreted_subclasses=True)
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


@mypyc_attr(allow_interpreted_subclasses=True)
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


@mypyc_attr(allow_interpreted_subclasses=True)
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


@mypyc_attr(allow_interpreted_subclasses=True)
class ReservedTime(Rule):
    """Near the end of a phase, only members who have not shared yet may take the floor."""

    id = "reserved-time"
    actions = frozenset({"start_share"})
    description = (
        "In the last agreement.reserved_time seconds of a phase's budget (in force), only "
        "members who have not yet shared in that phase may take the floor."
    )

    def starts_at(self, session: Session) -> float | None:
        """When the reserved time of the current phase begins, or ``None``."""
        reserved = session.agreement.reserved_time
        budget = session.phase_budget  # as the meeting's schedule may have shortened it
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


@mypyc_attr(allow_interpreted_subclasses=True)
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
        if total < self.min_total or total <= 0.0:  # min_total may be 0: nobody spoke yet
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


#: Ids of the rules every phase applies, whatever the format says.
ALWAYS_ON: Final = (
    "observers-listen",
    "consent",
    "one-share-per-round",
    "right-to-pass",
    "no-cross-talk",
    "share-time-limit",
)


@attrs.frozen
class AlwaysOn:
    """The always-on rules a format was compiled with (looked up by id).

    A replacement registered with ``replace=True`` must subclass
    :class:`NoCrossTalk` for ``no-cross-talk`` and :class:`ShareTimeLimit` for
    ``share-time-limit`` (the engine calls their ``allows`` and ``limits``); the
    others may be any :class:`Rule`.
    """

    observers_listen: Rule
    consent: Rule
    one_share_per_round: Rule
    right_to_pass: Rule
    no_cross_talk: NoCrossTalk
    share_time_limit: ShareTimeLimit

    @property
    def builtin(self) -> bool:
        """Whether the rules that refuse turns are the built-in ones, unreplaced.

        Those are observers-listen, consent, one-share-per-round and right-to-pass.
        """
        return (
            type(self.observers_listen) is ObserversListen
            and type(self.consent) is Consent
            and type(self.one_share_per_round) is OneSharePerRound
            and type(self.right_to_pass) is RightToPass
        )

    @classmethod
    def from_rules(cls, rules: Mapping[str, Rule]) -> AlwaysOn:
        """Pick the always-on rules out of ``rules`` (by id).

        Raises:
            KeyError: Naming a missing id.
            TypeError: If a replacement lacks what the engine calls.
        """
        missing = [rule_id for rule_id in ALWAYS_ON if rule_id not in rules]
        if missing:
            why = "a plugin may replace a built-in rule, not remove it"
            raise KeyError(f"no rule registered as {', '.join(map(repr, missing))} ({why})")
        no_cross_talk, time_limit = rules["no-cross-talk"], rules["share-time-limit"]
        for rule, kind in ((no_cross_talk, NoCrossTalk), (time_limit, ShareTimeLimit)):
            if not isinstance(rule, kind):
                raise TypeError(
                    f"rule {rule.id!r} replaces a built-in rule and must subclass {kind.__name__}"
                )
        assert isinstance(no_cross_talk, NoCrossTalk)
        assert isinstance(time_limit, ShareTimeLimit)
        return cls(
            observers_listen=rules["observers-listen"],
            consent=rules["consent"],
            one_share_per_round=rules["one-share-per-round"],
            right_to_pass=rules["right-to-pass"],
            no_cross_talk=no_cross_talk,
            share_time_limit=time_limit,
        )


def builtin_rules() -> Mapping[str, Rule]:
    """The rules that ship with peersupport, by id."""
    return {
        r.id: r
        for r in (
            ObserversListen(),
            Consent(),
            OneSharePerRound(),
            RightToPass(),
            NoCrossTalk(),
            ShareTimeLimit(),
            ReservedTime(),
            ShareTheAir(),
        )
    }
