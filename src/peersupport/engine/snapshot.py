"""Snapshots: the immutable :class:`~peersupport.SessionState` of a live session's state.

:attr:`peersupport.Session.state`, the views lifecycle hooks receive and the time
plan read the fold's working copy (:class:`~peersupport.engine.fold.LiveState`)
through :func:`snapshot`.
"""

from __future__ import annotations

from types import MappingProxyType

from peersupport.engine.fold import LiveState
from peersupport.engine.state import SessionState

__all__ = ["snapshot"]


def snapshot(live: LiveState) -> SessionState:
    """An immutable :class:`SessionState` of ``live``."""
    floor = live.floor
    ro = MappingProxyType
    return SessionState(
        phase=live.phase.id,
        round=floor.round,
        status=live.status,
        present=tuple(live.present),
        roles=ro(dict(live.roles)),
        consents=ro(dict(live.consents)),
        agreement=live.agreement,
        floor=floor.snapshot(live.offered_to()),
        phase_started_at=live.phase_started,
        phase_time_up=live.time_up,
        paused_at=live.paused_at,
        time=live.time,
        shares=ro(dict(live.shares)),
        passes=ro(dict(live.passes)),
        speaking_time=ro(dict(live.speaking)),
        overtime=ro(dict(live.overtime)),
        not_reached=ro(dict(live.not_reached)),
        cross_talk_blocked=live.blocked,
        interjections=live.interjections,
        phase_shares=ro(dict(live.phase_shares)),
        phase_speaking_time=ro(dict(live.phase_speaking)),
        phase_budget=live.budget,
        ends_at=live.ends_at,
        time_to_close=live.closing,
        overran=live.overran,
        listening=tuple(live.listening),
        agenda_items=ro(dict(live.items)),
        amendments=ro({n: status for n, (status, _changes) in live.amendments.items()}),
    )
