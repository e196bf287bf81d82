"""Sessions of the test group run into a store week after week, shared by test modules."""

from __future__ import annotations

import peersupport as ps
from people import T0

CIRCLE = ps.formats.get("sharing-circle")
WEEK = 7 * 24 * 3600.0


def meet(
    store: ps.store.Store,
    sid: str,
    group: ps.Group,
    clock: ps.ManualClock,
    arrive: tuple[str, ...],
    *,
    again: tuple[str, ...] = (),
    visitors: tuple[tuple[str, str], ...] = (),
    end: bool = True,
) -> ps.Session:
    """Run a session of group 'g' in the store: who arrives, who leaves and comes back, the end.

    Each action's events are appended as a live app would; the clock then moves a week on.
    """
    session = ps.Session(group, CIRCLE, clock=clock)
    store.start_session(sid, "g", session.events)
    length = len(session.events)
    actions = [lambda m=m: session.arrive(m) for m in arrive]
    actions += [lambda v=v, r=r: session.arrive(v, role=r) for v, r in visitors]
    for m in again:
        actions += [lambda m=m: session.leave(m), lambda m=m: session.arrive(m)]
    if end:
        actions.append(lambda: session.end(by="dee"))
    for action in actions:
        clock.advance(10)
        action()
        length = store.append(sid, session.events[length:], expected=length)
    clock.advance(WEEK)
    return session


def weeks(store: ps.store.Store, group: ps.Group, *arrivals: tuple[str, ...]) -> None:
    """One ended session a week, s1, s2, ..., where these members arrive."""
    clock = ps.ManualClock(T0)
    for number, arrive in enumerate(arrivals, 1):
        meet(store, f"s{number}", group, clock, arrive, end="dee" in arrive)
