"""Recovering a JSON Lines log whose last line was cut short by a crash.

An app that appends each event to a JSON Lines file as it is recorded (see
docs/embedding.md) can crash in the middle of a write. The file then ends with
part of a line: every complete event before it is good. :func:`recover_jsonl`
keeps those events and says what was cut; with ``repair=True`` it also
truncates the file to its last complete line, so appending can go on.

Only a last line that is not complete JSON and has no line break after it is a
crash's cut. Anything else that is wrong (a malformed line in the middle, a
complete last line with a wrong field) is not what a crash leaves, and raises
:class:`~peersupport.errors.LogError` as :func:`peersupport.events.load` does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import attrs

from peersupport.engine.events import Event
from peersupport.engine.log import loads
from peersupport.errors import LogError

__all__ = ["Cut", "Recovery", "recover_jsonl"]


@attrs.frozen
class Cut:
    """What a crash cut off the end of a JSON Lines log.

    Attributes:
        line: The number of the cut line (1-based, counting every line).
        offset: Byte offset where the cut line starts: the length of the good part.
        dropped: How many bytes the cut line has.
    """

    line: int
    offset: int
    dropped: int


@attrs.frozen
class Recovery:
    """The events recovered from a JSON Lines log, and what was cut, if anything.

    Attributes:
        events: Every complete event of the log, in order.
        cut: The cut last line, or ``None`` if the log was whole.
        repaired: Whether the file was truncated to its last complete line.
    """

    events: tuple[Event, ...]
    cut: Cut | None
    repaired: bool = False


def _complete_json(text: bytes) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def recover_jsonl(path: str | Path, *, repair: bool = False) -> Recovery:
    """Read a JSON Lines log, keeping every complete event if its last line was cut.

    Args:
        path: The log file.
        repair: Truncate the file to its last complete line (and flush it to disk)
            when the last line was cut.

    Returns:
        The events and what was cut (see :class:`Recovery`).

    Raises:
        LogError: If the log is malformed anywhere but a cut last line (the
            message names the line), as :func:`peersupport.events.load` would.
        OSError: If the file cannot be read (or, with ``repair``, written).
    """
    data = Path(path).read_bytes()
    newline = data.rfind(b"\n")
    tail = data[newline + 1 :]
    if not tail or _complete_json(tail):
        return Recovery(tuple(loads(data)), None)
    head = data[: newline + 1]
    line = head.count(b"\n") + 1
    try:
        events = loads(head)
    except LogError as exc:
        raise LogError(exc.line, f"{exc.problem} (and line {line} was cut short)") from None
    cut = Cut(line=line, offset=len(head), dropped=len(tail))
    if repair:
        with open(path, "r+b") as file:
            file.truncate(len(head))
            file.flush()
            os.fsync(file.fileno())
    return Recovery(tuple(events), cut, repaired=repair)
