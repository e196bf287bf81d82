"""The asyncio owner of a live session: one task applies every request in order.

A :class:`~peersupport.Session` is a plain synchronous object with one owner at
a time. :class:`LiveSession` is that owner for an asyncio app: a single task
(:meth:`LiveSession.run`) takes requests in the order they arrive, wakes itself
when the session's next deadline falls due, stores each action's events in an
event store (:mod:`peersupport.store`) *before* it tells the requester, and
then publishes them to subscribers.

- **Durable before acknowledged.** With a store, :meth:`LiveSession.request`
  returns only once the action's events (and any deadline or cross-talk events
  recorded with it) are committed. If the store refuses, the owner reloads the
  session from the store, so the live session never runs ahead of it.
- **Several processes.** Processes may serve one session from one store. An
  append that loses the race (:class:`~peersupport.errors.StoreConflict`)
  makes the owner reload and try the request again (``retries`` times), and
  the requester gets the session's verdict on the session as it now is. With
  ``poll`` set, the owner also looks for other processes' events that often.
- **Subscribers never hold the session up.** Each subscription has a bounded
  queue; one that falls ``maxsize`` updates behind is dropped (its iteration
  ends and :attr:`Subscription.dropped` says why). New subscribers get the
  current state, and the history only if they ask for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import attrs

from peersupport.clock import Clock, SystemClock
from peersupport.engine.events import Event
from peersupport.engine.format import Format
from peersupport.engine.kinds import KINDS
from peersupport.engine.session import Session
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.errors import StoreConflict
from peersupport.store.base import Store

__all__ = ["ACTIONS", "LiveSession", "Subscription", "Update"]

log = logging.getLogger("peersupport.live")

#: The session methods a request may name (each records events: ``KINDS[...].action``,
#: and ``skip_to``, which records ``phase_entered`` as ``advance`` does); nothing else
#: is called by name.
ACTIONS = frozenset(spec.action for spec in KINDS.values() if spec.action is not None) | {"skip_to"}
_WAKE = object()
_STOP = object()


@attrs.frozen
class Update:
    """What a subscriber hears: new events, and the state right after them.

    Attributes:
        events: The events since the subscriber's last update, in log order
            (none in the first update, unless it asked for the history).
        state: The session's state after them.
    """

    events: tuple[Event, ...]
    state: SessionState


class Subscription:
    """An async iterator of :class:`Update` s from one live session.

    Attributes:
        dropped: Why the session dropped this subscription (``None`` while it
            runs or after :meth:`close`).
    """

    def __init__(self, live: LiveSession, maxsize: int) -> None:
        self._live = live
        self._queue: asyncio.Queue[Update | None] = asyncio.Queue(maxsize + 1)
        self._maxsize = maxsize
        self.dropped: str | None = None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Update:
        update = await self._queue.get()
        if update is None:
            raise StopAsyncIteration
        return update

    def offer(self, update: Update) -> None:
        """Queue ``update``; drop the subscription if it is ``maxsize`` updates behind."""
        if self._queue.qsize() >= self._maxsize:
            self._end(f"dropped: more than {self._maxsize} updates behind")
            return
        self._queue.put_nowait(update)

    def close(self) -> None:
        """Stop receiving updates; iteration ends after the ones already queued."""
        self._end(None)

    def _end(self, reason: str | None) -> None:
        if self._live.unsubscribe(self):
            self.dropped = reason
            if reason is not None:
                log.warning("session %s: a subscriber was %s", self._live.session_id, reason)
            self._queue.put_nowait(None)


class LiveSession:
    """Owns one session in an asyncio app (see the module docs).

    Args:
        session: The session to own (nobody else may call its actions).
        store: Where every action's events are stored before it is acknowledged.
        session_id: The session's id in ``store``.
        speed: Session seconds per real second (1 with a real clock).
        poll: How often, in seconds, to look for events other processes stored.
        retries: How often to reload and retry a request that lost a race.
    """

    def __init__(
        self,
        session: Session,
        *,
        store: Store | None = None,
        session_id: str | None = None,
        speed: float = 1.0,
        poll: float | None = None,
        retries: int = 3,
    ) -> None:
        if (store is None) != (session_id is None):
            raise ValueError("a LiveSession takes both a store and a session_id, or neither")
        if not speed > 0:
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        self.session = session
        self.store = store
        self.session_id = session_id
        self.speed = speed
        self.poll = poll
        self.retries = retries
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._subscribers: list[Subscription] = []
        self._published = len(session.events)
        self._running = False

    @classmethod
    def start(
        cls,
        store: Store,
        session_id: str,
        group_id: str,
        format: Format,  # noqa: A002
        *,
        clock: Clock | None = None,
        group_version: int | None = None,
        ends_at: float | None = None,
        close_notice: float | None = None,
        **options: Any,
    ) -> LiveSession:
        """Open a new session of a stored group, store it, and own it.

        Args:
            store: The event store.
            session_id: The new session's id.
            group_id: The stored group that meets (its newest version by default).
            format: The format to run.
            clock: The session's clock (default: ``SystemClock()``).
            group_version: Run under this version of the group.
            ends_at: When the meeting is scheduled to end, in the clock's seconds
                (e.g. :meth:`~peersupport.Meeting.scheduled_end`); ``None``: no schedule.
            close_notice: Seconds before ``ends_at`` when ``time_to_close`` is
                recorded (default 300).
            **options: As for :class:`LiveSession`.

        Raises:
            StoreError: If the group is not stored or the session id is taken.
            ValueError: If ``ends_at`` is not after the opening (see :class:`Session`).
        """
        record = store.group(group_id, group_version)
        session = Session(
            record.group,
            format,
            clock=clock or SystemClock(),
            ends_at=ends_at,
            close_notice=close_notice,
        )
        store.start_session(session_id, group_id, session.events, group_version=record.version)
        return cls(session, store=store, session_id=session_id, **options)

    @classmethod
    def resume(
        cls, store: Store, session_id: str, *, clock: Clock | None = None, **options: Any
    ) -> LiveSession:
        """Restore a stored session (with a real clock by default) and own it."""
        return cls(
            store.restore(session_id, clock=clock), store=store, session_id=session_id, **options
        )

    @property
    def state(self) -> SessionState:
        """The session's state as last published."""
        return self.session.state

    def subscribe(self, *, history: bool = False, maxsize: int = 256) -> Subscription:
        """Subscribe to updates; the first is the current state.

        Args:
            history: Whether the first update carries every event so far.
            maxsize: How many updates may wait before the subscription is dropped
                (at least 1).

        Raises:
            ValueError: If ``maxsize`` is less than 1.
        """
        if maxsize < 1:
            raise ValueError(f"a subscription holds at least 1 update, not {maxsize!r}")
        subscription = Subscription(self, maxsize)
        events = tuple(self.session.events[: self._published]) if history else ()
        subscription.offer(Update(events, self.session.state))
        self._subscribers.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> bool:
        """Remove a subscription; return whether it was subscribed."""
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)
            return True
        return False

    async def request(self, action: str, *args: Any, **kwargs: Any) -> Event:
        """Ask the owner for an action; return its event once it is stored.

        Raises:
            ActionRejected: Why the session refused the action (it changed nothing).
            StoreConflict: If the request lost the race ``retries + 1`` times.
            ValueError: For an action name that is not in :data:`ACTIONS`.
            RuntimeError: If the owner is not running.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; the actions are {sorted(ACTIONS)}")
        if not self._running:
            raise RuntimeError(f"session {self.session_id}: the live session is not running")
        reply: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        await self._inbox.put((action, args, kwargs, reply))
        return await reply

    def wake(self) -> None:
        """Make the owner look at the clock again (e.g. after moving a manual clock)."""
        self._inbox.put_nowait(_WAKE)

    def stop(self) -> None:
        """Stop the owner once the requests already made are done."""
        self._inbox.put_nowait(_STOP)

    async def run(self, *, until_ended: bool = False) -> None:
        """Own the session until :meth:`stop` (or, with ``until_ended``, its end).

        When it returns, every subscription has been closed.
        """
        self._running = True
        try:
            while not (until_ended and self.session.status is SessionStatus.ENDED):
                try:
                    item = await asyncio.wait_for(self._inbox.get(), self._timeout())
                except TimeoutError:
                    item = _WAKE
                if item is _STOP:
                    break
                if item is _WAKE:
                    await self._refresh()
                    await self._perform(self.session.apply_due)
                else:
                    await self._answer(*item)
        finally:
            self._running = False
            self._fail_waiting()
            for subscription in list(self._subscribers):
                subscription.close()

    def _timeout(self) -> float | None:
        deadline = self.session.next_deadline()
        timeout = None
        if deadline is not None:
            timeout = max(0.0, deadline.at - self.session.clock.now()) / self.speed
        if self.poll is not None:
            timeout = self.poll if timeout is None else min(timeout, self.poll)
        return timeout

    async def _answer(
        self,
        action: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        reply: asyncio.Future[Event],
    ) -> None:
        for attempt in range(self.retries + 1):
            result, error = await self._perform(
                lambda: getattr(self.session, action)(*args, **kwargs)
            )
            if isinstance(error, StoreConflict) and attempt < self.retries:
                continue
            break
        if reply.done():  # the requester gave up (cancelled): nothing to tell
            return
        if error is not None:
            reply.set_exception(error)
        else:
            reply.set_result(result)

    async def _perform(self, call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
        """Run ``call`` on the session, store what it recorded, publish; never raise."""
        before = len(self.session.events)
        result: Any = None
        error: BaseException | None = None
        try:
            result = call()
        except Exception as exc:  # a refusal, a bad argument or a plugin's failure
            error = exc
        if self.store is not None and len(self.session.events) > before:
            try:
                await asyncio.to_thread(
                    self.store.append,
                    self.session_id,  # type: ignore[arg-type]
                    self.session.events[before:],
                    expected=before,
                )
            except Exception as exc:  # lost a race, or the store failed: the store wins
                error = exc
                await asyncio.to_thread(self._reload)
        self._publish()
        return result, error

    async def _refresh(self) -> None:
        """Take in events other processes stored (only with ``poll``)."""
        if self.store is None or self.poll is None:
            return
        record = await asyncio.to_thread(self.store.session, self.session_id)  # type: ignore[arg-type]
        if record.length != len(self.session.events):
            await asyncio.to_thread(self._reload)
            self._publish()

    def _reload(self) -> None:
        assert self.store is not None
        assert self.session_id is not None
        clock = self.session.clock
        self.session = self.store.restore(self.session_id, clock=clock)
        log.info("session %s: reloaded from the store", self.session_id)

    def _publish(self) -> None:
        events = tuple(self.session.events[self._published :])
        if not events:
            return
        self._published += len(events)
        update = Update(events, self.session.state)
        for subscription in list(self._subscribers):
            subscription.offer(update)

    def _fail_waiting(self) -> None:
        while not self._inbox.empty():
            item = self._inbox.get_nowait()
            if isinstance(item, tuple) and not item[3].done():
                item[3].set_exception(
                    RuntimeError(f"session {self.session_id}: the live session stopped")
                )
