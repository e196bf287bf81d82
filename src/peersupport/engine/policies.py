"""Turn policies: who may take the floor in a phase, declared by attributes.

A turn policy *declares* how the floor is given (its class attributes), and the
base class :class:`TurnPolicy` turns that declaration into checks. The
built-in policies are nothing but declarations:

=========================  ======  ========  ===============  ==============  =======
policy                     rounds  rollover  offers           speakers        callers
=========================  ======  ========  ===============  ==============  =======
``facilitator-only``       no      no        nobody           facilitators    nobody
``open-floor``             no      no        nobody           anyone          nobody
``seat-order``             yes     no        next in order    offered         nobody
``newcomer-introductions`` yes     no        next in order    offered         nobody
``popcorn``                yes     yes       nobody           anyone          nobody
``called-on``              yes     yes       called           offered         facilitators
``tag``                    yes     yes       called           offered first   last speaker
=========================  ======  ========  ===============  ==============  =======

The engine itself, not the policy, enforces one turn per member per round in
every phase whose policy has ``rounds = True`` (the ``one-share-per-round``
rule), so a policy can only *add* refusals: a plugin's policy overrides a check,
calls ``super()`` and raises an :class:`~peersupport.errors.ActionRejected` of
its own. The simulator and the conformance kit read the attributes, never a
policy's name.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Final

from peersupport.compiled import mypyc_attr
from peersupport.engine.floor import Floor
from peersupport.errors import NotYourTurn, PermissionDenied, WrongPhase
from peersupport.values import FACILITATING, TAKING_TURNS, Role

if TYPE_CHECKING:
    from peersupport.engine.session import Session

__all__ = [
    "CalledOn",
    "Callers",
    "FacilitatorOnly",
    "NewcomerIntroductions",
    "Offer",
    "OpenFloor",
    "Popcorn",
    "SeatOrder",
    "Speakers",
    "Tag",
    "TurnPolicy",
    "builtin_policies",
    "declarative",
]


class Offer(enum.StrEnum):
    """Whom a policy offers the floor to when it is free."""

    #: Nobody in particular.
    NOBODY = "nobody"
    #: The first member in the round's turn order who has not had their turn.
    NEXT_IN_ORDER = "next in order"
    #: The member called on (or tagged), until they take their turn.
    CALLED = "called"


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
        return None

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


@mypyc_attr(allow_interpreted_subclasses=True)
class FacilitatorOnly(TurnPolicy):
    """Only facilitators and co-facilitators take the floor (opening, readings, closing)."""

    name = "facilitator-only"
    description = "Only facilitators and co-facilitators take the floor."
    speakers = Speakers.FACILITATORS
    passing = False
    sharing = False
    timed = False


@mypyc_attr(allow_interpreted_subclasses=True)
class OpenFloor(TurnPolicy):
    """Open discussion: anyone may take the floor when it is free (no round fairness)."""

    name = "open-floor"
    description = "Anyone present may take the floor when it is free; no rounds."
    passing = False


@mypyc_attr(allow_interpreted_subclasses=True)
class SeatOrder(TurnPolicy):
    """A round in seat order (talking piece): one member at a time shares or passes."""

    name = "seat-order"
    description = (
        "A round in seat order, starting to the facilitator's left: the floor is "
        "offered to one member at a time, who shares or passes."
    )
    rounds = True
    offers = Offer.NEXT_IN_ORDER
    speakers = Speakers.OFFERED


@mypyc_attr(allow_interpreted_subclasses=True)
class NewcomerIntroductions(SeatOrder):
    """A seat-order round for newcomers only: introduce yourself by first name, or pass."""

    name = "newcomer-introductions"
    description = (
        "A round for newcomers only, in seat order: each may introduce themselves "
        "or pass; nobody else is offered the floor."
    )
    roles = frozenset({Role.NEWCOMER})


@mypyc_attr(allow_interpreted_subclasses=True)
class Popcorn(TurnPolicy):
    """Open floor with round fairness: anyone who has not had their turn may take it."""

    name = "popcorn"
    description = (
        "Anyone who has not had their turn in this round may take the floor; when "
        "everyone has shared or passed, a new round starts."
    )
    rounds = True
    auto_rollover = True


@mypyc_attr(allow_interpreted_subclasses=True)
class CalledOn(TurnPolicy):
    """The chair calls on the next speaker, with round fairness."""

    name = "called-on"
    description = (
        "The facilitator calls on the next speaker, who shares or passes; nobody is "
        "called twice before everyone has had a turn."
    )
    rounds = True
    auto_rollover = True
    offers = Offer.CALLED
    speakers = Speakers.OFFERED
    callers = Callers.FACILITATORS


@mypyc_attr(allow_interpreted_subclasses=True)
class Tag(TurnPolicy):
    """Tag sharing: each speaker names the next; if nobody is named, anyone may volunteer."""

    name = "tag"
    description = (
        "Each speaker names the next (a facilitator may too); when nobody is named, "
        "anyone who has not had their turn may volunteer."
    )
    rounds = True
    auto_rollover = True
    offers = Offer.CALLED
    speakers = Speakers.OFFERED_FIRST
    callers = Callers.LAST_SPEAKER


#: The methods that decide; a policy overriding none of them is a pure declaration.
DECIDING = ("check_take_floor", "check_pass", "check_call_on", "offered", "eligible")


def declarative(policy: TurnPolicy) -> bool:
    """Whether ``policy`` decides by its declaration alone (it overrides no check).

    The engine accepts the common turn of such a policy in one pass (see
    :mod:`peersupport.engine.turns`); a policy that overrides a check is asked.
    """
    cls = type(policy)
    own = getattr(policy, "__dict__", {})
    return not any(
        name in own or getattr(cls, name) is not getattr(TurnPolicy, name) for name in DECIDING
    )


def builtin_policies() -> Mapping[str, TurnPolicy]:
    """The turn policies that ship with peersupport, by name."""
    return {
        p.name: p
        for p in (
            FacilitatorOnly(),
            SeatOrder(),
            Popcorn(),
            OpenFloor(),
            NewcomerIntroductions(),
            CalledOn(),
            Tag(),
        )
    }
