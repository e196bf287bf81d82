"""Buddy pairing: experienced members offer to be buddies, newcomers opt in, a fair rule pairs them.

Everything is opt-in and recorded as group events in the group's log in the
store (:mod:`peersupport.grouplog`), ids and codes only, never what anybody
said. :class:`Buddies` folds a group's log into its state (:class:`BuddyState`)
and its actions check, record and apply one fact each, as a session's do:

* a member (not a newcomer or observer) **offers** to be a buddy, with a
  capacity (how many newcomers at once) and optional tags the group defines,
  e.g. ``lang-es``; they may change or **withdraw** the offer (pairings they have
  go on);
* a member **requests** a buddy, optionally with needs (tags their buddy must
  have), and may withdraw the request while waiting;
* a facilitator runs **the pairing rule** (:meth:`Buddies.pair`), or pairs two
  people by hand (:meth:`Buddies.pair_by_hand`);
* the buddy, the newcomer or a facilitator **ends** a pairing, with a reason code.

The pairing rule, in one place (:func:`match`): waiting newcomers are taken in
the order they asked, longest waiting first. Each is paired with a buddy who is
still in the group, has spare capacity (nobody is ever over capacity), has every
tag the newcomer needs, is not the newcomer, and has not been their buddy
before; among those, the one with the fewest current pairings, then the fewest
tags the newcomer did not ask for (keeping buddies with rarer tags for whoever
needs them), then the earliest offer. A newcomer nobody fits keeps waiting, and
after :meth:`Buddies.pair` no waiting newcomer has a buddy who fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from peersupport.clock import Clock, SystemClock
from peersupport.errors import PairingRefused
from peersupport.grouplog import GroupEvent
from peersupport.grouplog import GroupEventKind as K
from peersupport.pairing import BuddyOffer, BuddyRequest, BuddyState, Pairing, fold, match
from peersupport.values import Group, Role

if TYPE_CHECKING:
    from peersupport.store.base import Store

__all__ = ["BuddyOffer", "BuddyRequest", "BuddyState", "Buddies", "Pairing", "fold", "match"]


#: One event to record: its kind, actor, member and data.
Spec = tuple[K, str, str, Mapping[str, object]]


class Buddies:
    """A group's buddy pairing, kept in a store: fold its group log, act, record.

    Args:
        store: The store holding the group (see :mod:`peersupport.store`).
        group_id: The stored group; its newest version says who is a member.
        clock: Where event times come from (default: real time).

    Every action checks, then appends its event at the log length this object
    has folded, so two apps acting at once cannot both succeed from a stale
    view: the second gets :class:`~peersupport.StoreConflict` (call
    :meth:`reload` and act again). A refused action raises
    :class:`~peersupport.PairingRefused` naming who, what and which rule.
    """

    def __init__(self, store: Store, group_id: str, *, clock: Clock | None = None) -> None:
        self.store = store
        self.group_id = group_id
        self.clock = clock or SystemClock()
        self.state = BuddyState()
        self.reload()

    def reload(self) -> BuddyState:
        """Fold the group's log again from the store (after a conflict, say).

        Raises:
            StoreError: If the group is not stored.
        """
        self.store.group(self.group_id)
        self.state = fold(self.store.group_events(self.group_id))
        return self.state

    @property
    def group(self) -> Group:
        """The group's newest stored version."""
        return self.store.group(self.group_id).group

    # Checks -------------------------------------------------------------------

    def _refuse(self, by: str, action: str, rule: str, reason: str) -> PairingRefused:
        return PairingRefused(by, action, rule, reason)

    def _may_act_for(self, group: Group, by: str, member: str, action: str) -> None:
        role = group.role_of(by)
        if role is None:
            raise self._refuse(by, action, "group-member", f"{by!r} is not in the group")
        if by != member and not role.facilitates:
            raise self._refuse(
                by, action, "own-choice", f"only {member!r} or a facilitator may do this for them"
            )
        if member not in group:
            raise self._refuse(by, action, "group-member", f"{member!r} is not in the group")

    def _facilitator(self, group: Group, by: str, action: str) -> None:
        role = group.role_of(by)
        if role is None or not role.facilitates:
            raise self._refuse(by, action, "facilitator", "only a facilitator may pair members")

    # Recording ------------------------------------------------------------------

    def _record(self, specs: Sequence[Spec]) -> list[GroupEvent]:
        now = self.clock.now()
        start = self.state.length
        events = [
            GroupEvent(start + i, now, kind, actor, member, data)  # type: ignore[arg-type]
            for i, (kind, actor, member, data) in enumerate(specs)
        ]
        self.store.append_group_events(self.group_id, events, expected=start)
        self.state = fold(events, self.state)
        return events

    # Actions ------------------------------------------------------------------

    def offer(
        self, buddy: str, *, capacity: int = 1, tags: Iterable[str] = (), by: str | None = None
    ) -> GroupEvent:
        """``buddy`` offers to be a buddy to up to ``capacity`` newcomers at once.

        An offer replaces the buddy's earlier one. ``by`` (default: the buddy)
        is who acts: the buddy or a facilitator.

        Raises:
            PairingRefused: If ``by`` may not act for them, the buddy is a
                newcomer or an observer (rule ``experienced-buddy``), or the
                offer is the one already standing (``no-change``).
            ValueError: If the capacity (1 to 20) or a tag (a code) is invalid.
        """
        by = by or buddy
        group = self.group
        self._may_act_for(group, by, buddy, "offer to be a buddy")
        if group.role_of(buddy) in (Role.NEWCOMER, Role.OBSERVER):
            raise self._refuse(
                by, "offer to be a buddy", "experienced-buddy",
                f"{buddy!r} is a {group.role_of(buddy)}; buddies are experienced members",
            )  # fmt: skip
        data = {"capacity": capacity, "tags": sorted(set(tags))}
        standing = self.state.offers.get(buddy)
        if standing and (standing.capacity, list(standing.tags)) == (capacity, data["tags"]):
            raise self._refuse(by, "offer to be a buddy", "no-change", "this offer stands already")
        return self._record([(K.BUDDY_OFFERED, by, buddy, data)])[0]

    def withdraw_offer(self, buddy: str, *, by: str | None = None) -> GroupEvent:
        """``buddy`` takes back their offer; their current pairings go on.

        Raises:
            PairingRefused: If ``by`` may not act for them or they have no offer.
        """
        by = by or buddy
        self._may_act_for(self.group, by, buddy, "withdraw a buddy offer")
        if buddy not in self.state.offers:
            raise self._refuse(by, "withdraw a buddy offer", "offer-standing", "there is no offer")
        return self._record([(K.BUDDY_WITHDRAWN, by, buddy, {})])[0]

    def request(
        self, newcomer: str, *, needs: Iterable[str] = (), by: str | None = None
    ) -> GroupEvent:
        """``newcomer`` opts in to be paired with a buddy who has every tag in ``needs``.

        Raises:
            PairingRefused: If ``by`` may not act for them, they are an observer
                (rule ``takes-part``), already waiting (``no-change``) or have a
                buddy (``one-buddy``).
            ValueError: If a need is not a code.
        """
        by = by or newcomer
        action = "ask for a buddy"
        group = self.group
        self._may_act_for(group, by, newcomer, action)
        if group.role_of(newcomer) is Role.OBSERVER:
            raise self._refuse(by, action, "takes-part", f"{newcomer!r} is an observer")
        if newcomer in self.state.waiting:
            raise self._refuse(by, action, "no-change", f"{newcomer!r} is waiting already")
        if (buddy := self.state.buddy_of(newcomer)) is not None:
            raise self._refuse(by, action, "one-buddy", f"{newcomer!r} has a buddy ({buddy!r})")
        return self._record([(K.BUDDY_REQUESTED, by, newcomer, {"needs": sorted(set(needs))})])[0]

    def withdraw_request(self, newcomer: str, *, by: str | None = None) -> GroupEvent:
        """``newcomer`` no longer waits for a buddy.

        Raises:
            PairingRefused: If ``by`` may not act for them or they are not waiting.
        """
        by = by or newcomer
        self._may_act_for(self.group, by, newcomer, "withdraw a buddy request")
        if newcomer not in self.state.waiting:
            raise self._refuse(
                by, "withdraw a buddy request", "waiting", f"{newcomer!r} is not waiting"
            )
        return self._record([(K.REQUEST_WITHDRAWN, by, newcomer, {})])[0]

    def pair(self, *, by: str) -> list[Pairing]:
        """Run the pairing rule (see the module docs) and record every pairing it makes.

        Returns:
            The new pairings (empty when nobody waiting fits anyone).

        Raises:
            PairingRefused: If ``by`` is not a facilitator of the group.
        """
        group = self.group
        self._facilitator(group, by, "pair members")
        made = match(self.state, group)
        specs = [(K.PAIRED, by, n, {"buddy": b, "how": "pairing-rule"}) for n, b in made]
        return self._paired(specs)

    def pair_by_hand(self, newcomer: str, buddy: str, *, by: str) -> Pairing:
        """A facilitator pairs a waiting newcomer with a buddy of their choice.

        The buddy's tags need not match the newcomer's needs, but the buddy
        must have an offer with spare capacity.

        Raises:
            PairingRefused: If ``by`` is not a facilitator, the newcomer is not
                waiting (rule ``waiting``), the buddy has no offer
                (``offer-standing``) or no spare capacity (``capacity``), or
                they are one person (``two-people``).
        """
        group = self.group
        action = "pair members"
        self._facilitator(group, by, action)
        offer = self.state.offers.get(buddy)
        if newcomer not in self.state.waiting or newcomer not in group:
            raise self._refuse(by, action, "waiting", f"{newcomer!r} is not waiting for a buddy")
        if offer is None or buddy not in group:
            raise self._refuse(by, action, "offer-standing", f"{buddy!r} has not offered")
        if buddy == newcomer:
            raise self._refuse(by, action, "two-people", "nobody is their own buddy")
        if self.state.load(buddy) >= offer.capacity:
            raise self._refuse(
                by, action, "capacity",
                f"{buddy!r} has {offer.capacity} newcomer(s) already, their capacity",
            )  # fmt: skip
        return self._paired([(K.PAIRED, by, newcomer, {"buddy": buddy, "how": "facilitator"})])[0]

    def _paired(self, specs: Sequence[Spec]) -> list[Pairing]:
        if not specs:
            return []
        events = self._record(specs)
        made = {(e.member, str(e.data["buddy"])) for e in events}
        return [p for p in self.state.current if (p.newcomer, p.buddy) in made]

    def end(
        self, newcomer: str, buddy: str, *, reason: str = "completed", by: str | None = None
    ) -> GroupEvent:
        """End a current pairing; ``by`` (default: the newcomer) is either of them or a facilitator.

        Raises:
            PairingRefused: If they are not paired (rule ``paired``) or ``by`` is
                neither of them nor a facilitator (``own-choice``).
            ValueError: If ``reason`` is not a known code.
        """
        by = by or newcomer
        action = "end a pairing"
        if self.state.buddy_of(newcomer) != buddy:
            raise self._refuse(by, action, "paired", f"{buddy!r} is not {newcomer!r}'s buddy")
        role = self.group.role_of(by)
        if by not in (newcomer, buddy) and (role is None or not role.facilitates):
            raise self._refuse(by, action, "own-choice", "only the two or a facilitator may")
        data = {"buddy": buddy, "reason": reason}
        return self._record([(K.PAIRING_ENDED, by, newcomer, data)])[0]
