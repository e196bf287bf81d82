"""Actions some groups' practice needs: listening, agenda items, skipping an element.

* **Listening** (twelve-step groups: a member who used in the last 24 hours is
  asked to listen, or chooses to): ``listen`` marks a member as listening for the
  rest of the session. They keep every right (they stay, consent, pass, raise a
  point of process, give feedback) except taking the floor: no share, no call, no
  hand, no interjection (check ``listening``); rounds go on without them. Why they
  listen is never recorded.
* **Agenda items** (SMART Recovery: members put what they want to work on on the
  agenda): ``propose_item`` in a phase whose chart says ``agenda=True`` records
  that a member proposed an item, never what it is (check ``agenda``).
* **Skipping an element** (a facilitator drops an element of the meeting, e.g.
  when time is short): ``skip_to`` moves along the chart to a later phase past at
  least one phase, recorded in ``phase_entered`` as ``skipped`` (check
  ``skip-phases``). The phase being left must be able to end as for ``advance``.

:class:`PracticeActions` gives :class:`~peersupport.Session` these actions.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from peersupport.engine import checks, facilitation, schedule
from peersupport.engine.events import EMPTY, Event, EventData, EventKind
from peersupport.engine.format import Format
from peersupport.engine.ledger import Ledger
from peersupport.errors import AlreadyDone, NotYourTurn, PermissionDenied, WrongPhase
from peersupport.values import Role

__all__ = ["PracticeActions", "listen", "propose_item", "reachable", "route", "skip_to"]

_LISTENING: Final = EventKind.LISTENING
_ITEM_PROPOSED: Final = EventKind.ITEM_PROPOSED
_PHASE_ENTERED: Final = EventKind.PHASE_ENTERED


def listen(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` listens for the rest of the session (see :meth:`PracticeActions.listen`)."""
    member, by = checks.ids("listen", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "listen")
    try:
        live = ledger.live
        checks.running(live, actor, "listen", floor_action=False)
        checks.who(live, "listen", member, by)
        checks.present(live, actor, "listen", member)
        if member in live.listening:
            raise AlreadyDone(actor, "listen", checks.LISTENING, f"{member} is listening already")
        if live.floor.holder == member:
            raise NotYourTurn(
                actor, "listen", checks.ONE_VOICE_AT_A_TIME, f"{member} holds the floor"
            )
        return ledger.commit(_LISTENING, now, actor, member, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def propose_item(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` proposes an agenda item (see :meth:`PracticeActions.propose_item`)."""
    member, by = checks.ids("propose_item", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "propose_item")
    try:
        live = ledger.live
        checks.running(live, actor, "propose_item", floor_action=True)
        role = checks.who(live, "propose_item", member, by)
        checks.present(live, actor, "propose_item", member)
        if not live.phase.agenda:
            raise WrongPhase(
                actor,
                "propose_item",
                checks.AGENDA,
                f"agenda items are proposed while the agenda is set, not in {live.phase.name}",
            )
        if role is Role.OBSERVER:
            raise PermissionDenied(
                actor, "propose_item", checks.AGENDA, f"{member} observes and does not propose"
            )
        return ledger.commit(_ITEM_PROPOSED, now, actor, member, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def reachable(fmt: Format, start: str) -> dict[str, str]:
    """Every phase the chart reaches from ``start``, each with the phase it is first reached from.

    (Breadth first: following the ``from`` phases back gives the shortest way.)
    """
    came_from: dict[str, str] = {start: start}
    todo = deque([start])
    while todo:
        here = todo.popleft()
        for t in fmt.phases[here].transitions:
            if t.target not in came_from:
                came_from[t.target] = here
                todo.append(t.target)
    return came_from


def route(fmt: Format, start: str, to: str) -> list[str] | None:
    """The shortest way along the chart from ``start`` to ``to``: the phases entered."""
    came_from = reachable(fmt, start)
    if to not in came_from or to == start:
        return None
    way = [to]
    while came_from[way[-1]] != start:
        way.append(came_from[way[-1]])
    return way[::-1]


def skip_to(ledger: Ledger, to: object, by_arg: object) -> Event:
    """Skip to a later phase (see :meth:`PracticeActions.skip_to`)."""
    by = checks.facilitator_id("skip_to", by_arg)
    now = ledger.begin(by, "skip_to")
    try:
        live = ledger.live
        checks.facilitator(live, by, "skip_to", floor_action=True)
        checks.staffed(live, by, "skip_to")
        checks.floor_free(live, by, "skip_to")
        known = isinstance(to, str) and to in live.format.phases
        way = route(live.format, live.phase.id, to) if known else None  # type: ignore[arg-type]
        if way is None or len(way) < 2:
            why = (
                f"{to!r} is the next phase: advance to it"
                if way
                else f"no way along the chart leads from {live.phase.id!r} to {to!r}"
            )
            raise WrongPhase(by, "skip_to", checks.SKIP_PHASES, why)
        transition = facilitation.choose(live, by, way[0], "skip_to")  # may it end?
        target = live.format.phases[way[-1]]
        data: dict[str, Any] = {
            "phase": target.id,
            "from": live.phase.id,
            "event": transition.event,
            "skipped": tuple(way[:-1]),
        }
        budget = schedule.adapted_budget(live.format, target, live.ends_at, now)
        if budget is not None:
            data["budget"] = budget
        return ledger.commit(_PHASE_ENTERED, now, by, None, EventData(data))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


class PracticeActions:
    """Listening, agenda items and skipping: methods of a :class:`~peersupport.Session`."""

    __slots__ = ()
    _ledger: Ledger

    def listen(self, member: str, *, by: str | None = None) -> Event:
        """``member`` listens for the rest of the session (they ask, or a facilitator ``by``).

        They keep every right but taking the floor: shares, being called on, raised
        hands and interjections are refused (check ``listening``); a round goes on
        without them. Nothing about why is recorded.

        Raises:
            AlreadyDone: They are listening already.
            NotYourTurn: They hold the floor (the share ends first).
        """
        return listen(self._ledger, member, by)

    def propose_item(self, member: str, *, by: str | None = None) -> Event:
        """``member`` proposes an item for the agenda, in a phase that sets it.

        What the item is, is never recorded: the log says that ``member`` proposed one.

        Raises:
            WrongPhase: The phase does not set the agenda (check ``agenda``).
            PermissionDenied: ``member`` is an observer.
        """
        return propose_item(self._ledger, member, by)

    def skip_to(self, to: str, *, by: str) -> Event:
        """Skip to the later phase ``to``, past the phases between (facilitator only).

        The way is the shortest along the chart; at least one phase is skipped
        (otherwise :meth:`advance`). The phase being left must be able to end (e.g.
        its round complete or closed). The ``phase_entered`` event lists the phases
        skipped.

        Raises:
            WrongPhase: No way leads there, ``to`` is the next phase, or the
                current phase may not end yet.
        """
        return skip_to(self._ledger, to, by)
