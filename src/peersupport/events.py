"""Event logs: the immutable record of everything a session accepted.

Every accepted action appends its event (an automatic round roll-over appends
one of its own); deadlines that fall due (time warnings, overtime, hard caps,
phase budgets) and rule notices append theirs. A session's state is a fold of
its events, so the log is the session: :meth:`peersupport.Session.restore`
rebuilds it, :meth:`peersupport.Session.verify` re-enacts it.

Confidentiality by design: an event carries ids, a kind, a time and a few
numbers, flags or names, never what anybody said. :data:`KINDS` says what each
kind of event records.

Logs serialise to JSON Lines (one event per line): :func:`dump` and
:func:`dumps` write them; :func:`load` and :func:`loads` read them back and
raise :class:`~peersupport.errors.LogError` naming the line of any problem.
Logs written by peersupport 0.1 (log version 1) are refused with a message
pointing to :func:`upgrade`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from peersupport.engine.events import DataValue, Event, EventData, EventKind, LogView
from peersupport.engine.format import Format
from peersupport.engine.kinds import KINDS, LOG_VERSION, Actor, Field, KindSpec, Need
from peersupport.engine.log import (
    check_order,
    dump,
    dumps,
    from_dict,
    load,
    loads,
    read_legacy,
    to_dict,
)
from peersupport.engine.session import Session
from peersupport.engine.verify import reenact
from peersupport.errors import LogError
from peersupport.values import Group

__all__ = [
    "KINDS",
    "LOG_VERSION",
    "Actor",
    "DataValue",
    "Event",
    "EventData",
    "EventKind",
    "Field",
    "KindSpec",
    "LogView",
    "Need",
    "check_order",
    "dump",
    "dumps",
    "from_dict",
    "load",
    "loads",
    "read_legacy",
    "to_dict",
    "upgrade",
]


def upgrade(
    group: Group,
    format: Format,  # noqa: A002
    source: str | Path | IO[str] | IO[bytes] | Sequence[Event],
) -> list[Event]:
    """Turn a log written by peersupport 0.1 (log version 1) into one of this version.

    Version 1 logs lack what a log now records (the format's and the group's
    fingerprints, the agreement in force, the automatic round roll-overs,
    overtime per share), so they cannot be upgraded from the text alone: the
    log is re-enacted through today's engine with the group and format it ran
    with, which records the new log, and every old event must come out the same.

    Args:
        group: The group the session ran with (e.g. from its group file).
        format: The format it ran.
        source: A path (``str`` or :class:`~pathlib.Path`), an open file, or the
            old log's events.

    Returns:
        The upgraded log; save it with :func:`dump`.

    Raises:
        LogError: If the log is not of version 1, is malformed, or an event does
            not re-enact (naming its line).
    """
    if isinstance(source, Sequence) and not isinstance(source, str):
        old = list(source)
    else:
        old = read_legacy(source)
    if old and "log" in old[0].data:
        raise LogError(1, f"the log has version {old[0].data['log']}; nothing to upgrade")
    return reenact(lambda clock: Session(group, format, clock=clock, hooks=False), old, legacy=True)
