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
``raised-hands``           no      no        head of queue    offered         facilitators
``progressive-hands``      no      no        head of queue    offered         facilitators
=========================  ======  ========  ===============  ==============  =======

In a phase whose policy offers the floor to the head of the queue, members raise
and lower their hands; where each raised hand joins the queue is the policy's
order rule (:meth:`TurnPolicy.hand_position`, from ``hand_order`` and
``hand_rounds``), recorded in the ``hand_raised`` event. A pending point of
process comes before every share: the floor is offered to nobody until the
facilitator has resolved it.

The engine itself, not the policy, enforces one turn per member per round in
every phase whose policy has ``rounds = True`` (the ``one-share-per-round``
rule), so a policy can only *add* refusals: a plugin's policy overrides a check,
calls ``super()`` and raises an :class:`~peersupport.errors.ActionRejected` of
its own. The simulator and the conformance kit read the attributes, never a
policy's name.
"""

from __future__ import annotations

from collections.abc import Mapping

from peersupport.compiled import mypyc_attr
from peersupport.engine.turnpolicy import Callers, HandOrder, Offer, Speakers, TurnPolicy
from peersupport.values import Role

__all__ = [
    "CalledOn",
    "Callers",
    "FacilitatorOnly",
    "HandOrder",
    "NewcomerIntroductions",
    "Offer",
    "OpenFloor",
    "Popcorn",
    "ProgressiveHands",
    "RaisedHands",
    "SeatOrder",
    "Speakers",
    "Tag",
    "TurnPolicy",
    "builtin_policies",
    "declarative",
]


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


@mypyc_attr(allow_interpreted_subclasses=True)
class RaisedHands(TurnPolicy):
    """Open discussion by raised hands: the floor goes to the head of the queue."""

    name = "raised-hands"
    description = (
        "Members raise their hands; the floor is offered to whoever is first in the "
        "queue (first come, first served), who shares or passes; the facilitator may "
        "call on someone out of order."
    )
    offers = Offer.QUEUE
    speakers = Speakers.OFFERED
    callers = Callers.FACILITATORS


@mypyc_attr(allow_interpreted_subclasses=True)
class ProgressiveHands(RaisedHands):
    """Raised hands in progressive order, with round fairness."""

    name = "progressive-hands"
    description = (
        "Members raise their hands; who has shared fewer times in this phase, then "
        "fewer in the session, then spoken less, goes first; the facilitator may call "
        "on someone out of order."
    )
    hand_order = HandOrder.PROGRESSIVE
    hand_rounds = True


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
            RaisedHands(),
            ProgressiveHands(),
        )
    }
