"""The ledger of one session: its log, its state, its clock, and the commit.

A :class:`~peersupport.Session` checks an action, then asks its ledger to
*commit* the action's events: each event is applied to the state by the fold,
appended to the log, and followed by the notices of the rules that watch it.
A commit is atomic: if anything raises on the way (a plugin's rule, a bug, a
``KeyboardInterrupt``) the events of the commit are taken off the log and the
state is rebuilt from the log, which is the truth, before the error goes on.

The ledger also runs one action at a time (a non-blocking lock: an action from
inside a hook, a rule or another thread is refused), reads and checks the
clock, applies deadlines as they fall due, and tells the lifecycle hooks about
the new events, in log order, once the action is over.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Final

from peersupport import plugins
from peersupport.engine import deadlines, failures, schedule
from peersupport.engine.events import Event, EventData, EventKind, LogView, new_event
from peersupport.engine.fold import LiveState
from peersupport.engine.kinds import KINDS, LOG_VERSION
from peersupport.engine.restore import describe
from peersupport.engine.rules import Rule
from peersupport.engine.schema import check_data
from peersupport.engine.snapshot import snapshot
from peersupport.engine.state import Deadline, SessionView
from peersupport.errors import ClockError, PeersupportError, PluginError
from peersupport.validate import MAX_TIME, brief, check_time

if TYPE_CHECKING:
    from peersupport.engine.session import Session

__all__ = ["Ledger"]

_INF: Final = float("inf")
_new: Final = tuple.__new__
_NOTICE: Final = EventKind.RULE_NOTICE
_NOTICE_SPEC: Final = KINDS[_NOTICE]
#: Kinds that cannot move a deadline.
_KEEPS_DEADLINE: Final = frozenset(k for k, spec in KINDS.items() if not spec.moves_deadline)


class Ledger:
    """Log, state, clock and commit of one session (inside the engine).

    Args:
        owner: The session (rules read it when they give notices).
        live: Its state (new, or restored from ``events``).
        events: Its log so far (empty for a new session).
        hooks: The lifecycle dispatcher, or ``None``.

    The clock is the owner's (``session.clock``), read at each action.
    """

    __slots__ = (
        "_agreement_of",
        "_deadline",
        "_due",
        "_hooks",
        "_limits",
        "_lock",
        "_offered",
        "_pending",
        "_phase_of",
        "_stale",
        "events",
        "failures",
        "live",
        "owner",
    )

    def __init__(
        self,
        owner: Session,
        live: LiveState,
        events: list[Event],
        hooks: plugins.Dispatcher | None,
    ) -> None:
        self.owner = owner
        self.live = live
        self.events = events
        self.failures: list[plugins.HookFailure] = []
        self._hooks = hooks
        self._lock = threading.Lock()
        self._pending: list[tuple[SessionView, Event, str | None]] = []
        self._stale = False
        self._limits: deadlines.Limits = (None, None, False)
        self._phase_of: object = None
        self._agreement_of: object = None
        self._deadline = _INF
        self._due: deadlines.Found | None = None
        self._offered = live.offered_to() if events else None
        if events:
            self._refresh()

    def open(self, ends_at: object = None, close_notice: object = None) -> Event:
        """Record the ``opened`` event: log version, format and fingerprints, the agreement.

        With a scheduled end (``ends_at``, checked here) the event records it with
        ``close_notice`` (default 300 s) and the first phase's budget if the schedule
        shortens it.
        """
        live = self.live
        group, fmt, agreement = live.group, live.format, live.group.agreement
        opened: dict[str, Any] = {
            "log": LOG_VERSION,
            "format": fmt.name,
            "chart": fmt.fingerprint,
            "group": group.fingerprint,
            "phase": fmt.initial,
            "agreement": agreement.version,
            **agreement.settings(),
        }
        self.enter(None, "open")
        try:
            now = self.now()
            if ends_at is not None or close_notice is not None:
                if ends_at is None:
                    raise ValueError("a time-to-close notice needs a scheduled end (ends_at)")
                notice = schedule.DEFAULT_CLOSE_NOTICE if close_notice is None else close_notice
                end, notice = schedule.check_schedule(ends_at, notice, now)
                budget = schedule.adapted_budget(fmt, live.phase, end, now)
                opened["ends_at"], opened["close_notice"] = end, notice
                if budget is not None:
                    opened["budget"] = budget
            return self.commit(EventKind.OPENED, now, None, None, EventData(opened))
        finally:
            self.leave()

    # ------------------------------------------------------------------ one action at a time

    def enter(self, actor: str | None, action: str) -> None:
        """Start an action, or refuse it if another is in progress.

        Raises:
            SessionBusy: An action is in progress (from a hook, a rule or another thread).
        """
        if not self._lock.acquire(False):  # positional: a keyword costs as much again
            raise failures.busy(actor, action)
        if self._stale:
            try:
                self._rebuild()
            except BaseException as exc:
                self._lock.release()
                if isinstance(exc, PeersupportError) or not isinstance(exc, Exception):
                    raise
                raise failures.failed(exc, f"{action} (rebuilding the state from the log)") from exc

    def begin(self, actor: str | None, action: str) -> float:
        """Start an action (see :meth:`enter`) and read the clock (see :meth:`now`).

        If reading the clock fails, the action is over: the lock is released.
        """
        self.enter(actor, action)
        try:
            return self.now()
        except BaseException:
            self.leave()
            raise

    def leave(self) -> None:
        """End an action: tell the hooks about its events, in log order, then unlock."""
        try:
            pending = self._pending
            if pending:
                self._pending = []
                hooks = self._hooks
                assert hooks is not None
                failed = self.failures.append
                for view, event, offered in pending:
                    hooks.event(view, event, offered, failed)
        finally:
            self._lock.release()

    #: The error to raise for what an action's checks raised (see :func:`failures.refused`).
    refused = staticmethod(failures.refused)

    # ------------------------------------------------------------------ time

    def now(self) -> float:
        """Read the clock, refuse a reading that is not a time or goes back, apply what is due."""
        clock: Any = self.owner.clock  # whatever it returns is checked here, not by the caller
        reading: object = clock.now()
        now = reading if isinstance(reading, float) else self._reading(reading)
        last = self.live.time
        if not last <= now <= MAX_TIME:
            if now != now or abs(now) > MAX_TIME:
                raise ClockError(now, f"returned {brief(now)}, which is not a time")
            raise ClockError(
                now, f"went back: it reads {now:g} s but the last event was at {last:g} s"
            )
        if now > self._deadline:
            self.catch_up(now, inclusive=False)
        return now

    @staticmethod
    def _reading(value: object) -> float:
        try:
            return check_time(value, "a clock reading")
        except ValueError as exc:
            raise ClockError(value, f"returned {brief(value)}: {exc}") from None

    def catch_up(self, now: float, *, inclusive: bool) -> None:
        """Record every deadline due before ``now`` (and at ``now`` if ``inclusive``)."""
        live = self.live
        while True:
            found = self._due
            if found is None or found[0] > now or (found[0] == now and not inclusive):
                return
            kind, member, data = deadlines.due_event(live, self._limits, found)
            self.commit(kind, found[0], None, member, data)

    def next_deadline(self) -> Deadline | None:
        """The next deadline, if any."""
        found = self._due
        return None if found is None else Deadline(*found)

    def share_end(self, now: float) -> EventData:
        """``duration`` and ``overtime`` of the share in progress, if it ended at ``now``."""
        return deadlines.share_end_data(self.live, self._limits, now)

    def _refresh(self) -> None:
        live = self.live
        phase, agreement = live.phase, live.agreement
        if phase is not self._phase_of or agreement is not self._agreement_of:
            rule = live.format.always_on.share_time_limit
            try:
                self._limits = rule.limits(phase, agreement)
            except Exception as exc:
                raise failures.because(
                    PluginError(
                        f"rule {rule.id!r} of plugin {plugins.provider_of(rule)!r} failed in "
                        f"limits() for phase {phase.id!r} ({type(exc).__name__}: "
                        f"{failures.short(exc)}); the action was not recorded"
                    ),
                    exc,
                ) from exc
            self._phase_of, self._agreement_of = phase, agreement
        found = self._due = deadlines.next_deadline(live, self._limits)
        self._deadline = _INF if found is None else found[0]

    # ------------------------------------------------------------------ commit

    def commit(
        self,
        kind: EventKind,
        time: float,
        actor: str | None,
        member: str | None,
        data: EventData,
        since: int | None = None,
    ) -> Event:
        """Append an event and the notices of the rules that watch it, all or nothing.

        Args:
            kind: What happened.
            time: When.
            actor: Who acted (``None``: the engine).
            member: Whom it concerns.
            data: Its data.
            since: Where the action began in the log, if it committed events
                before this one that must go with it (an automatic roll-over).

        Raises:
            PluginError: A rule's notice raised or gave data that cannot be logged,
                or a plugin's rule or turn policy raised while the event was recorded
                (e.g. in ``offered()`` for the hooks); the session is unchanged.
            PeersupportError: Recording failed otherwise; the session is unchanged.
        """
        events, live = self.events, self.live
        count = len(events)
        event = _new(Event, (count, time, kind, actor, member, data))
        try:
            live.apply(event)
            events.append(event)
            if self._hooks is not None:
                self._tell(event)
            watchers = live.phase.watchers
            if watchers and kind in watchers:
                self._notices(watchers[kind], event)
            elif kind in _KEEPS_DEADLINE:
                return event
            self._refresh()
        except BaseException as exc:
            start = count if since is None else since
            self.rollback(start)
            if isinstance(exc, PeersupportError) or not isinstance(exc, Exception):
                raise
            raise failures.failed(exc, f"recording {kind.value!r}") from exc
        return event

    def _notices(self, watchers: tuple[Rule, ...], event: Event) -> None:
        owner = self.owner
        for rule in watchers:
            try:
                found = rule.notice(owner, event)
                if found is None:
                    continue
                data = EventData(check_data(_NOTICE_SPEC, {**found, "rule": rule.id}))
            except Exception as exc:
                raise failures.because(
                    PluginError(
                        f"rule {rule.id!r} of plugin {plugins.provider_of(rule)!r} failed "
                        f"in notice() after {describe(event)} ({type(exc).__name__}: "
                        f"{failures.short(exc)}); the action was not recorded"
                    ),
                    exc,
                ) from exc
            events = self.events
            notice = new_event(len(events), event.time, _NOTICE, None, event.member, data)
            self.live.apply(notice)
            events.append(notice)
            if self._hooks is not None:
                self._tell(notice)

    def _tell(self, event: Event) -> None:
        live = self.live
        offered = live.offered_to()
        if offered == self._offered:
            offered = None
        else:
            self._offered = offered
        view = SessionView(
            live.group, live.format, snapshot(live), LogView(self.events, len(self.events))
        )
        self._pending.append((view, event, offered))

    def rollback(self, start: int) -> None:
        """Take the events from ``start`` on off the log and rebuild the state from the log."""
        del self.events[start:]
        self._pending = [p for p in self._pending if p[1].seq < start]
        self._stale = True
        # A failing plugin must not hide why we roll back: if rebuilding fails, the
        # ledger stays stale, and the next action rebuilds and reports the failure.
        with contextlib.suppress(Exception):
            self._rebuild()

    def _rebuild(self) -> None:
        live = self.live
        fresh = LiveState(live.group, live.format)
        for event in self.events:
            fresh.apply(event)
        live.copy_from(fresh)
        self._phase_of = self._agreement_of = None
        self._refresh()
        self._offered = live.offered_to()
        self._stale = False
