"""The model's queue of raised hands and its points of process: their fold, checked.

In a phase whose turn policy offers the floor to the head of a queue
(``offers = Offer.QUEUE``), members raise and lower their hands, a facilitator
moves entries and clears the queue, and anyone present raises a point of
process at any time (the facilitator acknowledges it, then resolves it). The
model folds each of those events and checks it against what the policy
*declares* (``offers``, ``hand_order``, ``hand_rounds``, ``max_shares``, the
eligible roles): one entry per person, a hand placed where the declared order
rule puts it, a point acknowledged before it is resolved.

Where a raised hand joins the queue is checked here for a policy that leaves
the order to its declaration; for one that overrides ``hand_key`` or
``hand_position`` the harness asks the policy before the action
(:func:`asked_position`), because the state it reads is gone by the time the
event is folded.
"""

from __future__ import annotations

from peersupport.engine.session import Session
from peersupport.events import Event
from peersupport.testing.declared import Declared, place
from peersupport.testing.engine_events import EngineEvents
from peersupport.testing.tables import POINT_OUTCOMES
from peersupport.testing.verdict import ConformanceError, failure

__all__ = ["QueueFold", "asked_position", "describe_order"]


def describe_order(declared: Declared) -> str:
    """The declared order rule, for messages."""
    rounds = ", fewest shares in the phase first" if declared.hand_rounds else ""
    return f"hand_order {declared.hand_order.value!r}{rounds}"


class QueueFold(EngineEvents):
    """The model's fold and checks of the queue's events and of points of process."""

    def _exactly(self, e: Event, expected: dict[str, object], invariant: str) -> None:
        if dict(e.data) != expected:
            raise self.fail(invariant, e, f"its data should be {expected}")

    def _in_queue(self, e: Event, member: str) -> None:
        if member not in self.hands:
            raise self.fail("one-hand-each", e, f"{member}'s hand is not up (queue {self.hands})")

    def _on_hand_raised(self, e: Event) -> None:
        member = e.member
        assert member is not None
        policy = self.policy
        role = self.roles.get(member)
        why = None
        if not policy.queue:
            why = f"{self.phase} ({self.policy_name}) has no queue of hands"
        elif member not in self.present or role is None:
            why = f"{member} is not present"
        elif not role.takes_turns or role not in policy.eligible:
            why = f"{member} ({role}) does not take turns in {self.phase}"
        elif member in self.hands:
            why = f"{member} is in the queue already ({self.hands})"
        elif member == self.holder:
            why = f"{member} holds the floor"
        if why is not None:
            raise self.fail("one-hand-each", e, f"a hand went up: {why}")
        limit, shared = policy.max_shares, self.phase_shares.get(member, 0)
        if limit is not None and shared >= limit:
            raise self.fail(
                "shares-per-phase",
                e,
                f"{member} raised a hand after {shared} share(s) in {self.phase}; "
                f"{self.policy_name} allows {limit}",
            )
        position = e.data.get("position")
        if type(position) is not int or not 0 <= position <= len(self.hands):
            raise self.fail("queue-order", e, f"no place {position!r} in the queue {self.hands}")
        self._exactly(e, {"position": position}, "queue-order")
        if policy.order_known:
            expected = self.hand_position(member)
            if position != expected:
                raise self.fail(
                    "queue-order",
                    e,
                    f"{member} joined the queue {self.hands} at {position}; "
                    f"{self.policy_name} declares {describe_order(policy)}, which places "
                    f"them at {expected} (shares in the phase {self.phase_shares}, in the "
                    f"session {self.shares}, seconds {self.speaking})",
                )
        self.hands.insert(position, member)

    def _on_hand_lowered(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self._in_queue(e, member)
        self._exactly(e, {}, "one-hand-each")
        self.hands.remove(member)

    def _on_hand_moved(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if not self.policy.queue:
            raise self.fail("one-hand-each", e, f"{self.phase} has no queue of hands")
        self._in_queue(e, member)
        position = e.data.get("position")
        if (
            type(position) is not int
            or not 0 <= position < len(self.hands)
            or self.hands.index(member) == position
        ):
            raise self.fail("queue-order", e, f"{member} moved to {position!r} in {self.hands}")
        self._exactly(e, {"position": position}, "queue-order")
        self.hands.remove(member)
        self.hands.insert(position, member)

    def _on_hands_cleared(self, e: Event) -> None:
        if not self.policy.queue or not self.hands:
            raise self.fail("one-hand-each", e, f"cleared the empty queue of {self.phase}")
        self._exactly(e, {}, "one-hand-each")
        self.hands = []

    def _on_point_raised(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present or member in self.points:
            raise self.fail(
                "point-of-process", e, f"{member} raised a point absent or with one pending"
            )
        self._exactly(e, {}, "point-of-process")
        self.points[member] = False

    def _on_point_acknowledged(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if self.points.get(member) is not False:
            raise self.fail("point-of-process", e, f"{member} has no point waiting: {self.points}")
        self._exactly(e, {}, "point-of-process")
        self.points[member] = True

    def _on_point_resolved(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if self.points.get(member) is not True:
            raise self.fail(
                "point-of-process", e, f"{member} has no acknowledged point: {self.points}"
            )
        outcome = e.data.get("outcome")
        if outcome not in POINT_OUTCOMES:
            raise self.fail("point-of-process", e, f"a point ends {' or '.join(POINT_OUTCOMES)}")
        self._exactly(e, {"outcome": outcome}, "point-of-process")
        del self.points[member]


def asked_position(session: Session, model: QueueFold, member: str) -> tuple[int, int | None]:
    """Where ``member``'s hand must join the queue, asking a policy that orders it itself.

    Call it before the hand goes up, with the model in step with the session.
    The declared rule (before the first entry whose key is greater) is applied
    with the policy's own ``hand_key`` when it overrides it, else with the key
    its attributes declare; a policy overriding ``hand_position`` is asked too.

    Returns:
        ``(the declared rule's position, the policy's hand_position or None)``.

    Raises:
        ConformanceError: ``plugin-error`` if the policy's method fails, or its
            ``hand_position`` answers with no place in the queue (the engine
            would record a log that cannot be restored).
    """
    declared, policy = model.policy, session.phase.policy
    try:
        if "hand_key" in declared.overrides:
            expected = place(
                model.hands, member, lambda other: tuple(policy.hand_key(session, other))
            )
        else:
            expected = model.hand_position(member)
        own = None
        if "hand_position" in declared.overrides:
            own = policy.hand_position(session, member)
    except Exception as exc:
        raise failure(f"asking {declared.policy} where {member}'s hand goes", exc) from exc
    if own is not None and (type(own) is not int or not 0 <= own <= len(model.hands)):
        raise ConformanceError(
            "plugin-error",
            f"turn policy {declared.policy!r} ({type(policy).__name__}): hand_position "
            f"placed {member}'s hand at {own!r}, no place in the queue {model.hands}",
        )
    return expected, own
