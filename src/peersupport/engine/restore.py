"""Restore: a session's state rebuilt from its log by the fold alone.

:func:`restore` checks that the log opens with this format (name and chart
fingerprint), this group (fingerprint) and this release's log version, then
folds every event with :class:`~peersupport.engine.fold.LiveState`. No turn
policy or rule code runs. What restoring does not prove: that today's rules
would produce the log (that is :func:`peersupport.engine.verify.reenact`), nor
that the log is whole: a log cut after any event restores as an unfinished
session (``state.status`` is not ``ended``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from peersupport.engine.events import Event
from peersupport.engine.fold import LiveState
from peersupport.engine.format import Format
from peersupport.engine.kinds import LOG_VERSION, K
from peersupport.engine.log import check_next
from peersupport.errors import LogError
from peersupport.validate import brief
from peersupport.values import Group

__all__ = ["check_opening", "check_pair", "describe", "restore", "restore_steps"]

_K = K


def describe(e: Event) -> str:
    """A short description of ``e`` for messages: number, kind, who, when."""
    who = f" by {e.actor}" if e.actor else ""
    about = f" for {e.member}" if e.member and e.member != e.actor else ""
    return f"event {e.seq} '{e.kind.value}'{who}{about} at {e.time:g} s"


def check_pair(group: object, format: object) -> None:  # noqa: A002
    """Refuse anything but a :class:`Group` and a :class:`Format` for a session.

    Raises:
        TypeError: Naming what was given instead (for a format's name, how to get
            the format).
    """
    if not isinstance(group, Group):
        raise TypeError(f"a session needs a peersupport.Group, got {brief(group)}")
    if not isinstance(format, Format):
        hint = ""
        if isinstance(format, str):
            hint = f"; ps.formats.get({brief(format)}) gives the installed format of that name"
        raise TypeError(f"a session needs a peersupport.Format, got {brief(format)}{hint}")


def check_opening(group: Group, format: Format, first: Event) -> None:  # noqa: A002
    """Refuse a log whose ``opened`` event names another format, chart or group.

    Raises:
        LogError: Line 1, saying which of them differs and how to go on.
    """
    data = first.data
    if first.kind is not _K.OPENED:
        raise LogError(1, f"a log starts with an 'opened' event, not {first.kind.value!r}")
    if data.get("log") != LOG_VERSION:
        raise LogError(1, f"the log has version {data.get('log')}, not {LOG_VERSION}")
    if data.get("format") != format.name:
        raise LogError(1, f"the log is of format {data.get('format')!r}, not {format.name!r}")
    if data.get("chart") != format.fingerprint:
        raise LogError(
            1,
            f"format {format.name!r} has changed since the log was written (chart "
            f"fingerprint {data.get('chart')}, now {format.fingerprint}): its phases, "
            "policies, limits, rules or transitions differ; restore with the format "
            "the log was written with",
        )
    if data.get("group") != group.fingerprint:
        raise LogError(
            1,
            f"the log was written for another group, or group {group.name!r} has changed "
            f"since (fingerprint {data.get('group')}, this group's {group.fingerprint}): "
            "its member ids, roles, closed setting or agreement differ",
        )


def restore_steps(
    group: Group,
    format: Format,  # noqa: A002
    events: Sequence[Event],
) -> Iterator[tuple[Event, LiveState]]:
    """Fold ``events`` one by one, yielding ``(event, state)`` after each.

    The same :class:`LiveState` is yielded each time, as it is right after that
    event.

    Raises:
        LogError: If the log is empty, out of order, of another format, chart or
            group, or an event cannot follow the ones before it.
    """
    check_pair(group, format)
    if not events:
        raise LogError(1, "the log is empty; it must start with an 'opened' event")
    check_opening(group, format, events[0])
    live = LiveState(group, format)
    previous = -float("inf")
    for index, event in enumerate(events):
        line = index + 1
        check_next(event, index, previous, line)
        previous = event.time
        try:
            live.apply(event)
        except (ValueError, KeyError, TypeError, AssertionError) as exc:
            raise LogError(line, f"{describe(event)} cannot follow the log: {exc}") from None
        yield event, live


def restore(group: Group, format: Format, events: Sequence[Event]) -> LiveState:  # noqa: A002
    """Fold ``events`` into a new :class:`LiveState` (see :func:`restore_steps`).

    Raises:
        LogError: Naming the line that cannot be folded.
    """
    live: LiveState | None = None
    for _event, step in restore_steps(group, format, events):
        live = step
    assert live is not None
    return live
