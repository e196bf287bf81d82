"""The base of turn policies: what a policy declares, and the checks that follow from it.

:class:`TurnPolicy` turns a declaration (its class attributes: :class:`Offer`,
:class:`Speakers`, :class:`Callers`, rounds, a queue's :class:`HandOrder` ...)
into checks; the built-in policies, nothing but declarations, are in
:mod:`peersupport.engine.policies`, which also re-exports these names.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, ClassVar, Final

from peersupport.compiled import mypyc_attr
from peersupport.engine.floor import Floor
from peersupport.errors import NotYourTurn, PermissionDenied, WrongPhase
from peersupport.values import FACILITATING, TAKING_TURNS, Role

if TYPE_CHECKING:
    from peersupport.engine.session import Session

__all__ = ["Callers", "HandOrder", "Offer", "Speakers", "TurnPolicy", "declared_key", "order_key"]


class Offer(enum.StrEnum):
    """Whom a policy offers the floor to when it is free."""

    #: Nobody in particular.
    NOBODY = "nobody"
    #: The first member in the round's turn order who has not had their turn.
    NEXT_IN_ORDER = "next in order"
    #: The member called on (or tagged), until they take their turn.
    CALLED = "called"
    #: Whoever a facilitator called on, else the head of the queue of raised hands
    #: (nobody while a point of process is pending).
    QUEUE = "head of queue"


class HandOrder(enum.StrEnum):
    """Where a raised hand joins the queue."""

    #: Behind everyone already in it: first come, first served.
    FIRST_COME = "first come"
    #: Ahead of everyone who has shared more in this session (then spoken longer);
    #: behind the others (progressive stack).
    PROGRESSIVE = "progressive"


class Speakers(enum.StrEnum):
    """Who may take the floor (or pass) when it is free."""

    #: Anyone eligible (with rounds: anyone who has not had their turn).
    ANYONE = "anyone"
    #: Only facilitators and co-facilitators.
    FACILITATORS = "facilitators"
    #: Only the member the floor is offered to.
    OFFERED = "offered"
    #: The member the floor is offered to; when it is offered to nobody, anyone.
    OFFERED_FIRST = "offered first"


class Callers(enum.StrEnum):
    """Who may call on (or tag) the next speaker."""

    #: Nobody is called on in this policy.
    NOBODY = "nobody"
    #: Facilitators.
    FACILITATORS = "facilitators"
    #: The last speaker names the next (once); facilitators may always.
    LAST_SPEAKER = "last speaker"


# Members of the enums above, bound once: reading them from their class costs several
# times more, and the checks below run on every turn.
_NEXT: Final = Offer.NEXT_IN_ORDER
_CALLED: Final = Offer.CALLED
_QUEUE: Final = Offer.QUEUE
_PROGRESSIVE: Final = HandOrder.PROGRESSIVE
_ANYONE: Final = Speakers.ANYONE
_FACILITATORS: Final = Speakers.FACILITATORS
_OFFERED: Final = Speakers.OFFERED
_OFFERED_FIRST: Final = Speakers.OFFERED_FIRST
_NO_CALLERS: Final = Callers.NOBODY
_FACILITATOR_CALLERS: Final = Callers.FACILITATORS
_LAST_SPEAKER: Final = Callers.LAST_SPEAKER


@mypyc_attr(allow_interpreted_subclasses=True)
class TurnPolicy:
    """Base class of turn policies: a declaration of who may take the floor.

    Set the class attributes; the checks below implement them. To add a
    refusal of your own, override a check, call ``super()`` first, then raise
    an :class:`~peersupport.errors.ActionRejected` subclass; a check must not
    change anything. Policies are registered through the
    ``register_turn_policies`` hook.

    Attributes:
        name: Stable name used in formats (e.g. ``"seat-order"``).
        description: One sentence on how the floor is given, for docs and listings.
        rounds: Whether the phase runs rounds; the engine then allows one turn per
            member per round (``one-share-per-round``).
        auto_rollover: Whether a new round starts by itself when a round is
            complete and someone takes a turn (recorded as an automatic
            ``round_started`` event).
        offers: Whom the floor is offered to (:class:`Offer`).
        speakers: Who may take the floor or pass (:class:`Speakers`).
        callers: Who may call on the next speaker (:class:`Callers`).
        passing: Whether there are turns to pass in this phase.
        roles: Roles that take part in the phase (``None``: every role that
            takes turns, i.e. all but observers).
        sharing: Whether floor time counts as members' shares by default.
        timed: Whether shares are timed by default.
        hand_order: With a queue (``offers`` is ``Offer.QUEUE``): where a raised
            hand joins it (:class:`HandOrder`).
        hand_rounds: With a queue: whoever has shared fewer times in this phase
            goes first (nobody speaks twice while someone waiting has not spoken).
        max_shares: With a queue: at most this many shares per member per phase
            (``None``: no limit); a member who reached it may not raise their hand.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    rounds: ClassVar[bool] = False
    auto_rollover: ClassVar[bool] = False
    offers: ClassVar[Offer] = Offer.NOBODY
    speakers: ClassVar[Speakers] = Speakers.ANYONE
    callers: ClassVar[Callers] = Callers.NOBODY
    passing: ClassVar[bool] = True
    roles: ClassVar[frozenset[Role] | None] = None
    sharing: ClassVar[bool] = True
    timed: ClassVar[bool] = True
    hand_order: ClassVar[HandOrder] = HandOrder.FIRST_COME
    hand_rounds: ClassVar[bool] = False
    max_shares: ClassVar[int | None] = None

    def eligible(self, role: Role) -> bool:
        """Whether people with ``role`` take part in this policy's phase."""
        return role in TAKING_TURNS if self.roles is None else role in self.roles

    def offered(self, floor: Floor) -> str | None:
        """Whom the floor is offered to now (``None``: nobody in particular)."""
        offers = self.offers
        if offers is _NEXT:
            return floor.next_up()
        if offers is _CALLED:
            return floor.called
        if offers is _QUEUE and not floor.points:
            called = floor.called
            if called is not None:
                return called
            hands = floor.hands
            return hands[0] if hands else None
        return None

    def hand_key(self, session: Session, member: str) -> tuple[float, ...]:
        """What orders ``member`` in the queue (smaller goes first; see :func:`order_key`)."""
        shares, speaking = session.shares_of(member)
        phase_shares = session.phase_shares.get(member, 0)
        return order_key(self, phase_shares, shares, speaking)

    def hand_position(self, session: Session, member: str) -> int:
        """Where ``member``'s raised hand joins the queue (0: its head).

        Before the first entry whose :meth:`hand_key` is greater, so equal keys
        keep the order they arrived in.
        """
        key = self.hand_key(session, member)
        hands = session.floor.hands
        if key:
            for index, other in enumerate(hands):
                if self.hand_key(session, other) > key:
                    return index
        return len(hands)

    def _check_turn(self, session: Session, member: str, role: Role, action: str) -> None:
        if not self.eligible(role):
            raise NotYourTurn(
                member, action, self.name, f"{member} does not take turns in {session.phase_name}"
            )
        speakers = self.speakers
        if speakers is _ANYONE or speakers is _FACILITATORS:
            return
        floor = session.floor
        offered = self.offered(floor)
        if offered == member or (offered is None and speakers is _OFFERED_FIRST):
            return
        raise NotYourTurn(member, action, self.name, self._why_not(session, floor, member))

    def _why_not(self, session: Session, floor: Floor, member: str) -> str:
        offered = self.offered(floor)
        if self.offers is _NEXT:
            if offered is not None:
                return f"it is {offered}'s turn in round {floor.round}"
            return f"{member} is not in round {floor.round} of {session.phase_name}"
        if self.offers is _QUEUE:
            if floor.points:
                return "a point of process comes first; the facilitator takes it"
            if offered is None:
                return f"nobody's hand is up; raise your hand in {session.phase_name}"
            return f"{offered} is next in the queue"
        if offered is not None:
            how = "tagged" if self.callers is _LAST_SPEAKER else "called on"
            return f"{offered} was {how}"
        if self.callers is _FACILITATOR_CALLERS:
            return "the facilitator calls on the next speaker"
        return f"the floor is not offered to {member}"

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Refuse ``member`` taking the floor if this policy does not allow it now."""
        if self.speakers is _FACILITATORS and role not in FACILITATING:
            raise NotYourTurn(
                member,
                "start_share",
                self.name,
                f"only facilitators speak in the {session.phase_name} phase",
            )
        self._check_turn(session, member, role, "start_share")

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Refuse ``member`` passing if this policy does not allow it now."""
        if not self.passing:
            raise WrongPhase(
                member,
                "pass_turn",
                self.name,
                f"there are no turns to pass in {session.phase_name}",
            )
        self._check_turn(session, member, role, "pass_turn")

    def check_call_on(self, session: Session, by: str, by_role: Role, member: str) -> None:
        """Refuse ``by`` calling on (or tagging) ``member`` if this policy does not allow it."""
        callers = self.callers
        if callers is _NO_CALLERS:
            raise WrongPhase(
                by, "call_on", self.name, f"nobody is called on in {session.phase_name}"
            )
        if by_role not in FACILITATING:
            if callers is _FACILITATOR_CALLERS:
                raise PermissionDenied(
                    by,
                    "call_on",
                    "facilitator-only-action",
                    "only a facilitator may call on people",
                )
            floor = session.floor
            if by != floor.last:
                raise NotYourTurn(
                    by, "call_on", self.name, "only the last speaker names the next one"
                )
            if floor.called is not None:
                raise NotYourTurn(by, "call_on", self.name, f"{floor.called} is already tagged")
            if member == by:
                raise NotYourTurn(by, "call_on", "call-on-others", f"{by} cannot name themself")

    def __repr__(self) -> str:
        return f"<turn policy {self.name!r}>"


def order_key(
    policy: TurnPolicy, phase_shares: int, shares: int, speaking: float
) -> tuple[float, ...]:
    """A waiting member's place in a queue by ``policy``'s declared order rule (smaller first).

    ``(phase_shares,)`` if the policy has ``hand_rounds``, then ``(shares, speaking)``
    (in the session) if its ``hand_order`` is progressive; ``()`` for first come.
    The engine computes it from its own state for a policy that does not
    override :meth:`TurnPolicy.hand_key` or :meth:`TurnPolicy.hand_position`.
    """
    progressive = policy.hand_order is _PROGRESSIVE
    return declared_key(policy.hand_rounds, progressive, phase_shares, shares, speaking)


def declared_key(
    rounds: bool, progressive: bool, phase_shares: int, shares: int, speaking: float
) -> tuple[float, ...]:
    """:func:`order_key` with the policy's two declarations read once (the engine's hot path)."""
    if progressive:
        if rounds:
            return (phase_shares, shares, speaking)
        return (shares, speaking)
    return (phase_shares,) if rounds else ()
