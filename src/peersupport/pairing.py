"""Buddy pairing's state and its rule: a fold of a group's log, and who is paired with whom.

:func:`fold` turns a group's :class:`~peersupport.grouplog.GroupEvent` log into a
:class:`BuddyState`; :func:`match` is the pairing rule (see
:mod:`peersupport.buddies`, whose :class:`~peersupport.buddies.Buddies` records
what it decides). Both are pure: no store, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from peersupport.grouplog import GroupEvent
from peersupport.grouplog import GroupEventKind as K
from peersupport.values import Group

__all__ = ["BuddyOffer", "BuddyRequest", "BuddyState", "Pairing", "fold", "match"]


@attrs.frozen
class BuddyOffer:
    """A member's standing offer to be a buddy.

    Attributes:
        buddy: Who offers.
        capacity: How many newcomers they take on at once.
        tags: Codes the group defines (e.g. a language), sorted.
        seq: The number of the group event that made the offer (earlier offers first).
    """

    buddy: str
    capacity: int
    tags: tuple[str, ...]
    seq: int


@attrs.frozen
class BuddyRequest:
    """A member waiting for a buddy.

    Attributes:
        newcomer: Who asked.
        needs: Tags their buddy must have, sorted.
        since: When they asked.
        seq: The number of the group event of the request.
    """

    newcomer: str
    needs: tuple[str, ...]
    since: float
    seq: int


@attrs.frozen
class Pairing:
    """A buddy and a newcomer, paired from ``since`` until ``ended_at`` (``None``: still are).

    Attributes:
        buddy: The buddy.
        newcomer: The newcomer.
        since: When they were paired.
        how: ``"pairing-rule"`` or ``"facilitator"`` (paired by hand).
        ended_at: When the pairing ended, if it has.
        reason: Why it ended (``completed``, ``asked``, ``left-group``, ``facilitator``).
    """

    buddy: str
    newcomer: str
    since: float
    how: str
    ended_at: float | None = None
    reason: str | None = None


@attrs.frozen
class BuddyState:
    """Where a group's buddy pairing stands: a fold of its group log.

    Attributes:
        offers: Standing offers by buddy id.
        waiting: Requests not yet paired, by newcomer id, longest waiting first.
        pairings: Every pairing ever made, in order (ended ones with ``ended_at``).
        length: How many group events were folded.
    """

    offers: dict[str, BuddyOffer] = attrs.field(factory=dict)
    waiting: dict[str, BuddyRequest] = attrs.field(factory=dict)
    pairings: tuple[Pairing, ...] = ()
    length: int = 0

    @property
    def current(self) -> tuple[Pairing, ...]:
        """The pairings that have not ended."""
        return tuple(p for p in self.pairings if p.ended_at is None)

    def load(self, buddy: str) -> int:
        """How many newcomers this buddy is paired with now."""
        return sum(1 for p in self.current if p.buddy == buddy)

    def buddy_of(self, newcomer: str) -> str | None:
        """The current buddy of a newcomer, or ``None``."""
        return next((p.buddy for p in self.current if p.newcomer == newcomer), None)


def fold(events: Iterable[GroupEvent], state: BuddyState | None = None) -> BuddyState:
    """Apply group events to a state (a new one by default); other kinds are skipped."""
    state = state or BuddyState()
    offers, waiting, pairings = dict(state.offers), dict(state.waiting), list(state.pairings)
    length = state.length
    for event in events:
        length = event.seq + 1
        who, data = event.member, event.data
        if event.kind is K.BUDDY_OFFERED:
            offers[who] = BuddyOffer(who, int(data["capacity"]), data["tags"], event.seq)  # type: ignore[arg-type]
        elif event.kind is K.BUDDY_WITHDRAWN:
            offers.pop(who, None)
        elif event.kind is K.BUDDY_REQUESTED:
            waiting[who] = BuddyRequest(who, data["needs"], event.time, event.seq)  # type: ignore[arg-type]
        elif event.kind is K.REQUEST_WITHDRAWN:
            waiting.pop(who, None)
        elif event.kind is K.PAIRED:
            waiting.pop(who, None)
            pairings.append(Pairing(str(data["buddy"]), who, event.time, str(data["how"])))
        elif event.kind is K.PAIRING_ENDED:
            for index, p in enumerate(pairings):
                if p.newcomer == who and p.buddy == data["buddy"] and p.ended_at is None:
                    pairings[index] = attrs.evolve(
                        p, ended_at=event.time, reason=str(data["reason"])
                    )
    return BuddyState(offers, waiting, tuple(pairings), length)


def _fits(state: BuddyState, group: Group, offer: BuddyOffer, request: BuddyRequest) -> bool:
    return (
        offer.buddy in group
        and offer.buddy != request.newcomer
        and state.load(offer.buddy) < offer.capacity
        and set(request.needs) <= set(offer.tags)
        and not any(
            p.buddy == offer.buddy and p.newcomer == request.newcomer for p in state.pairings
        )
    )


def match(state: BuddyState, group: Group) -> list[tuple[str, str]]:
    """The pairing rule (see the module docs): ``(newcomer, buddy)`` pairs, in the order made."""
    made: list[tuple[str, str]] = []
    for request in sorted(state.waiting.values(), key=lambda r: (r.since, r.seq)):
        if request.newcomer not in group:
            continue
        fitting = [o for o in state.offers.values() if _fits(state, group, o, request)]
        if not fitting:
            continue
        best = min(
            fitting,
            key=lambda o: (state.load(o.buddy), len(set(o.tags) - set(request.needs)), o.seq),
        )
        made.append((request.newcomer, best.buddy))
        state = attrs.evolve(
            state,
            pairings=(*state.pairings, Pairing(best.buddy, request.newcomer, 0.0, "pairing-rule")),
        )
    return made
