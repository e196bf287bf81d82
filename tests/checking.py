"""Checks several test modules share: a refusal that changes nothing, a log that re-enacts.

(Not in conftest.py: test modules import these by name; see tests/people.py.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import peersupport as ps


def refused(session: ps.Session, action: Callable[[], object], rule: str) -> ps.ActionRejected:
    """``action`` is refused by ``rule`` and changes nothing."""
    before, length = session.state, len(session.events)
    with pytest.raises(ps.ActionRejected) as caught:
        action()
    assert caught.value.rule == rule
    assert (session.state, len(session.events)) == (before, length)
    return caught.value


def same_again(session: ps.Session) -> None:
    """The session's log restores and re-enacts (verify) to its live state."""
    assert ps.Session.restore(session.group, session.format, session.events).state == session.state
    assert ps.Session.verify(session.group, session.format, session.events).state == session.state
