"""The live runner: one owner task per session, stored before acknowledged, safe subscribers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import peersupport as ps
from peersupport.live import LiveSession, Update
from people import T0, make_group

CIRCLE = ps.formats.get("sharing-circle")
EVERYONE = ("dee", "al", "bo", "cy")


class FastClock:
    """Real time, sped up: ``speed`` session seconds per real second, from T0."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._start = time.monotonic()

    def now(self) -> float:
        return T0 + (time.monotonic() - self._start) * self.speed


def running(live: LiveSession, body: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``live``'s owner while ``body`` runs; stop it after; return what body returned."""

    async def main() -> Any:
        owner = asyncio.create_task(live.run())
        await asyncio.sleep(0)
        try:
            return await body()
        finally:
            live.stop()
            await owner

    return asyncio.run(main())


@pytest.fixture
def live(store: ps.store.Store) -> LiveSession:
    """A stored sharing circle of the test group, owned live, on a manual clock."""
    store.save_group("g", make_group())
    return LiveSession.start(store, "s1", "g", CIRCLE, clock=ps.ManualClock(T0))


async def check_in(live: LiveSession) -> None:
    """Everyone arrives and consents; the facilitator opens the check-in."""
    for member in EVERYONE:
        await live.request("arrive", member)
        await live.request("consent", member)
    await live.request("advance", by="dee")


def test_requests_are_stored_before_they_are_acknowledged(live, store_url):
    async def body() -> None:
        await check_in(live)
        event = await live.request("start_share", "al")
        assert event.kind is ps.EventKind.SHARE_STARTED
        with ps.store.open_store(store_url) as elsewhere:  # e.g. another process
            assert elsewhere.events("s1") == list(live.session.events)

    running(live, body)


def test_subscribers_hear_each_event_once_in_order_with_the_state(live, store):
    heard: list[Update] = []

    async def listen(subscription: ps.live.Subscription) -> None:
        async for update in subscription:
            heard.append(update)

    async def body() -> None:
        listener = asyncio.create_task(listen(live.subscribe()))
        await check_in(live)
        await live.request("pass_turn", "al")
        await asyncio.sleep(0)
        live.stop()
        await listener

    running(live, body)
    assert heard[0].events == ()  # the first update: the state, no history
    assert heard[0].state.present == ()
    events = [event for update in heard for event in update.events]
    assert events == list(store.events("s1"))[1:]  # all but 'opened', each once, in order
    assert heard[-1].state == live.session.state


def test_history_only_when_asked(live):
    async def body() -> tuple[Update, Update]:
        await check_in(live)
        plain, full = live.subscribe(), live.subscribe(history=True)
        return await anext(plain), await anext(full)

    plain, full = running(live, body)
    assert plain.events == ()
    assert full.events == tuple(live.session.events)
    assert plain.state == full.state == live.session.state


def test_a_slow_subscriber_is_dropped_and_the_session_goes_on(live, caplog):
    async def body() -> ps.live.Subscription:
        slow = live.subscribe(maxsize=3)  # never read
        await check_in(live)  # nine actions: nine updates
        return slow

    slow = running(live, body)
    assert slow.dropped == "dropped: more than 3 updates behind"
    assert live.session.phase_name == "Check-in"
    assert "a subscriber was dropped" in caplog.text


def test_a_refusal_reaches_the_requester_and_changes_nothing(live, store):
    async def body() -> None:
        await check_in(live)
        await live.request("start_share", "al")
        before = live.session.state
        with pytest.raises(ps.NotYourTurn, match="one-voice-at-a-time"):
            await live.request("start_share", "bo")
        assert live.session.state == before
        assert store.session("s1").length == len(live.session.events)

    running(live, body)


def test_a_blocked_cross_talk_is_stored_and_refused(live, store):
    async def body() -> None:
        await check_in(live)
        await live.request("start_share", "al")
        with pytest.raises(ps.CrossTalkBlocked):
            await live.request("interject", "bo")

    running(live, body)
    assert store.events("s1")[-1].kind is ps.EventKind.CROSS_TALK_BLOCKED


def test_deadlines_fall_due_while_nobody_acts(store):
    store.save_group("g", make_group())
    clock = FastClock(speed=1000)  # the check-in's 90 s warning and 120 s limit: 0.12 s
    live = LiveSession.start(store, "fast", "g", CIRCLE, clock=clock, speed=clock.speed)

    async def body() -> None:
        await check_in(live)
        started = await live.request("start_share", "al")
        for _ in range(400):
            if live.session.events[-1].kind is ps.EventKind.OVERTIME:
                break
            await asyncio.sleep(0.01)
        warning, overtime = list(store.events("fast"))[-2:]
        assert (warning.kind, overtime.kind) == (ps.EventKind.TIME_WARNING, ps.EventKind.OVERTIME)
        assert (warning.time - started.time, overtime.time - started.time) == (90.0, 120.0)

    running(live, body)


def test_a_process_that_loses_the_race_reloads_and_retries(live, store_url):
    async def body() -> None:
        await check_in(live)
        with ps.store.open_store(store_url) as second_store:
            other = LiveSession.resume(second_store, "s1", clock=ps.ManualClock(T0))
            owner = asyncio.create_task(other.run())
            await asyncio.sleep(0)
            await other.request("start_share", "al")  # the other process wins
            other.stop()
            await owner
        # This process's copy is stale: al passing is fine there, so it tries to store
        # that, loses the race, reloads, and the request is judged anew: al is sharing.
        assert live.session.floor.holder is None
        with pytest.raises(ps.ActionRejected, match="al"):
            await live.request("pass_turn", "al")
        assert live.session.floor.holder == "al"
        assert await live.request("end_share", "al")

    running(live, body)


def test_polling_takes_in_another_processes_events(live, store_url):
    async def body() -> None:
        await check_in(live)
        live.poll = 0.01
        heard = live.subscribe()
        await anext(heard)
        with ps.store.open_store(store_url) as second_store:
            other = LiveSession.resume(second_store, "s1", clock=ps.ManualClock(T0))
            owner = asyncio.create_task(other.run())
            await asyncio.sleep(0)
            await other.request("pass_turn", "al")
            other.stop()
            await owner
        live.wake()
        update = await asyncio.wait_for(anext(heard), 5)
        assert [e.kind for e in update.events] == [ps.EventKind.PASSED]
        assert update.state.floor.had_turn == live.session.state.floor.had_turn == {"al"}

    running(live, body)


def test_resume_from_the_store_carries_on(live, store):
    async def body() -> None:
        await check_in(live)
        await live.request("start_share", "al")

    running(live, body)
    again = LiveSession.resume(store, "s1", clock=ps.ManualClock(T0))
    assert again.session.state == live.session.state

    async def more() -> Update:
        heard = again.subscribe()
        first = await anext(heard)
        await again.request("end_share", "al")
        return first

    first = running(again, more)
    assert first.events == ()  # nothing re-sent
    assert store.events("s1")[-1].kind is ps.EventKind.SHARE_ENDED


class FailingStore(ps.store.SqliteStore):
    """An SQLite store whose next append fails, as a full disk would."""

    fail_next = False

    def append(self, session_id: str, events: Any, *, expected: int) -> int:
        if self.fail_next:
            self.fail_next = False
            raise OSError("No space left on device")
        return super().append(session_id, events, expected=expected)


def test_a_store_failure_is_reported_and_the_session_stays_as_stored(tmp_path):
    store = FailingStore(tmp_path / "full.db")
    store.save_group("g", make_group())
    live = LiveSession.start(store, "s1", "g", CIRCLE, clock=ps.ManualClock(T0))

    async def body() -> None:
        await check_in(live)
        store.fail_next = True
        with pytest.raises(OSError, match="No space left"):
            await live.request("start_share", "al")
        assert live.session.floor.holder is None  # not applied: the store is the truth
        assert len(live.session.events) == store.session("s1").length
        await live.request("start_share", "al")  # the next try goes through
        assert live.session.floor.holder == "al"

    running(live, body)
    store.close()


def test_bad_requests(live):
    with pytest.raises(RuntimeError, match="not running"):
        asyncio.run(live.request("arrive", "al"))

    async def body() -> None:
        with pytest.raises(ValueError, match="unknown action 'restore'"):
            await live.request("restore", "al")
        with pytest.raises(TypeError):
            await live.request("arrive")  # a bad argument reaches the requester

    running(live, body)
    with pytest.raises(ValueError, match="both a store and a session_id"):
        LiveSession(live.session, store=live.store)
    with pytest.raises(ValueError, match="speed"):
        LiveSession(live.session, speed=0)
    with pytest.raises(ValueError, match="at least 1 update"):
        live.subscribe(maxsize=0)


def test_run_until_ended_closes_every_subscription(live):
    async def main() -> list[Update]:
        owner = asyncio.create_task(live.run(until_ended=True))
        await asyncio.sleep(0)
        heard = live.subscribe()
        await check_in(live)
        await live.request("end", by="dee")
        await owner
        return [update async for update in heard]

    updates = asyncio.run(main())
    assert updates[-1].state.status is ps.SessionStatus.ENDED
