"""What a phase's turn policy declares, and what the declaration implies: the model's own reading.

A turn policy declares how the floor is given with class attributes
(``rounds``, ``auto_rollover``, ``offers``, ``speakers``, ``callers``,
``passing``, ``roles``; compiled into the phase's ``rounds``, ``auto_rollover``
and ``eligible``; with a queue of raised hands also ``hand_order``,
``hand_rounds`` and ``max_shares``). The kit never looks at a policy's name:
:class:`Declared` reads the declaration, and the functions here say, from it
alone, whom the floor is offered to, who may take a turn or call on someone,
and where a raised hand joins the queue.

A policy whose class overrides none of :data:`CHECKS` and :data:`ORDER` is
purely declarative (all built-in policies are): its decisions are fully known.
A policy that overrides a check may only *add* refusals, so the declaration
still implies every refusal; where the override may refuse too, the answer is
``None``. A policy that overrides :data:`ORDER` orders its queue by its own
``hand_key``, which the kit asks (:mod:`peersupport.testing.queue`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from peersupport.engine.format import PhaseSpec
from peersupport.engine.policies import Callers, HandOrder, Offer, Speakers, TurnPolicy
from peersupport.values import Role

__all__ = [
    "CHECKS",
    "ORDER",
    "Declared",
    "Round",
    "Counts",
    "Key",
    "call_allowed",
    "declared_key",
    "offered",
    "place",
    "turn_allowed",
]

#: What orders a raised hand in the queue: compared as tuples, smaller first.
Key = tuple[float, ...]
#: Shares in the phase, shares in the session and seconds spoken, by member.
Counts = tuple[Mapping[str, int], Mapping[str, int], Mapping[str, float]]

#: The methods of :class:`~peersupport.TurnPolicy` that decide; overriding any makes
#: the policy's decisions partly its own.
CHECKS = ("check_take_floor", "check_pass", "check_call_on", "offered", "eligible")
#: The methods that place a raised hand in the queue; overriding either makes the
#: order partly the policy's own (the kit then asks it).
ORDER = ("hand_key", "hand_position")


def _overrides(policy: TurnPolicy) -> frozenset[str]:
    """Which of :data:`CHECKS` and :data:`ORDER` ``policy`` overrides (class or object)."""
    cls = type(policy)
    return frozenset(
        name
        for name in (*CHECKS, *ORDER)
        if name in getattr(policy, "__dict__", ())
        or getattr(cls, name) is not getattr(TurnPolicy, name)
    )


@attrs.frozen
class Declared:
    """A phase's turn policy as the model reads it: its declaration, and what it overrides.

    Attributes:
        policy: The policy's name (for messages only; no decision reads it).
        rounds: Whether the phase runs rounds.
        auto_rollover: Whether a complete round rolls over by itself on the next turn.
        eligible: Roles that take turns in the phase (compiled from the policy).
        offers: Whom the floor is offered to.
        speakers: Who may take the floor or pass.
        callers: Who may call on the next speaker.
        passing: Whether there are turns to pass.
        overrides: Which of :data:`CHECKS` and :data:`ORDER` the policy overrides.
        hand_order: With a queue: where a raised hand joins it.
        hand_rounds: With a queue: whoever shared fewer times in the phase goes first.
        max_shares: With a queue: most shares per member per phase (``None``: no limit).
    """

    policy: str
    rounds: bool
    auto_rollover: bool
    eligible: frozenset[Role]
    offers: Offer
    speakers: Speakers
    callers: Callers
    passing: bool
    overrides: frozenset[str]
    hand_order: HandOrder = HandOrder.FIRST_COME
    hand_rounds: bool = False
    max_shares: int | None = None

    @classmethod
    def of(cls, phase: PhaseSpec) -> Declared:
        """Read the declaration of ``phase``'s turn policy."""
        policy = phase.policy
        return cls(
            policy=policy.name,
            rounds=phase.rounds,
            auto_rollover=phase.auto_rollover,
            eligible=phase.eligible,
            offers=Offer(policy.offers),
            speakers=Speakers(policy.speakers),
            callers=Callers(policy.callers),
            passing=bool(policy.passing),
            overrides=_overrides(policy),
            hand_order=HandOrder(policy.hand_order),
            hand_rounds=bool(policy.hand_rounds),
            max_shares=policy.max_shares,
        )

    @property
    def declarative(self) -> bool:
        """Whether every decision follows from the declaration alone."""
        return not self.overrides

    @property
    def queue(self) -> bool:
        """Whether the floor goes to the head of a queue of raised hands."""
        return self.offers is Offer.QUEUE

    @property
    def order_known(self) -> bool:
        """Whether the model knows where a hand joins the queue (:data:`ORDER` not overridden)."""
        return not self.overrides.intersection(ORDER)

    @property
    def offers_known(self) -> bool:
        """Whether the model knows whom the floor is offered to (``offered`` not overridden)."""
        return "offered" not in self.overrides


@attrs.frozen
class Round:
    """The part of the floor that turn decisions read.

    Attributes:
        number: The round's number.
        order: Its turn order.
        had: Who had their turn (shared, passed, skipped).
        closed: Whether the facilitator closed it.
        called: Who was called on and has not taken their turn.
        last: Who last shared or passed in the phase.
        hands: The queue of raised hands, the head first.
        pending: Whether a point of process is pending.
    """

    number: int
    order: tuple[str, ...]
    had: frozenset[str]
    closed: bool
    called: str | None
    last: str | None
    hands: tuple[str, ...] = ()
    pending: bool = False

    def complete(self) -> bool:
        """Whether everyone in the order had their turn, or the round was closed."""
        return self.closed or all(m in self.had for m in self.order)

    def next_up(self) -> str | None:
        """The first member in turn order who has not had their turn."""
        if self.closed:
            return None
        return next((m for m in self.order if m not in self.had), None)


def offered(declared: Declared, floor: Round) -> str | None:
    """Whom the declaration offers the floor to (only if :attr:`Declared.offers_known`)."""
    if declared.offers is Offer.NEXT_IN_ORDER:
        return floor.next_up()
    if declared.offers is Offer.CALLED:
        return floor.called
    if declared.offers is Offer.QUEUE and not floor.pending:
        if floor.called is not None:
            return floor.called
        return floor.hands[0] if floor.hands else None
    return None


def declared_key(declared: Declared, counts: Counts, member: str) -> Key:
    """What orders ``member`` in the queue by the declaration (smaller goes first).

    ``counts`` are ``(shares in the phase, shares in the session, seconds spoken
    in the session)`` by member: with ``hand_rounds`` the phase's shares come
    first; a progressive order adds the session's shares, then speaking time.
    """
    phase_shares, shares, speaking = counts
    key: Key = ()
    if declared.hand_rounds:
        key = (phase_shares.get(member, 0),)
    if declared.hand_order is HandOrder.PROGRESSIVE:
        key += (shares.get(member, 0), speaking.get(member, 0.0))
    return key


def place(hands: Sequence[str], member: str, key: Callable[[str], Key]) -> int:
    """Where ``member``'s raised hand joins ``hands`` (0: the head), given each one's key.

    Before the first entry whose key is greater, so equal keys keep the order
    they arrived in; with an empty key (first come), at the end.
    """
    mine = key(member)
    if mine:
        for index, other in enumerate(hands):
            if key(other) > mine:
                return index
    return len(hands)


def turn_allowed(
    declared: Declared, floor: Round, member: str, role: Role, how: str
) -> bool | None:
    """Whether the policy lets ``member`` share (``how="shared"``) or pass now.

    ``floor`` is the round as the policy sees it (after an automatic roll-over,
    if one is due). In a phase with rounds a turn goes only to an eligible role.

    Returns:
        ``False`` if the declaration refuses; ``True`` if it allows and no
        override decides; ``None`` if an overridden check may still refuse.
    """
    if declared.rounds and role not in declared.eligible:
        return False
    if how == "shared":
        if declared.speakers is Speakers.FACILITATORS and not role.facilitates:
            return False
        check = "check_take_floor"
    else:
        if not declared.passing:
            return False
        check = "check_pass"
    known = check not in declared.overrides
    if declared.speakers in (Speakers.OFFERED, Speakers.OFFERED_FIRST):
        if not declared.offers_known:
            return None
        who = offered(declared, floor)
        if who != member and not (who is None and declared.speakers is Speakers.OFFERED_FIRST):
            return False
    return True if known else None


def call_allowed(
    declared: Declared, floor: Round, by: str, by_role: Role, member: str
) -> bool | None:
    """Whether the policy lets ``by`` call on (or tag) ``member`` now.

    Returns:
        ``False``, ``True``, or ``None`` when an overridden ``check_call_on`` decides.
    """
    callers = declared.callers
    if callers is Callers.NOBODY:
        return False
    if not by_role.facilitates:
        if callers is Callers.FACILITATORS:
            return False
        if by != floor.last or floor.called is not None or member == by:
            return False
    return None if "check_call_on" in declared.overrides else True
