"""The facilitator's actions: move on, new round, close a round, skip, pause, resume, end, amend.

Each function is one action of :class:`~peersupport.Session`, from its checks
to its commit. Only a present facilitator (or co-facilitator) may take them.
"""

from __future__ import annotations

from typing import Any, Final

from peersupport.engine import checks, schedule
from peersupport.engine.chart import Transition
from peersupport.engine.events import Event, EventData, EventKind
from peersupport.engine.fold import LiveState
from peersupport.engine.kinds import REASONS
from peersupport.engine.ledger import Ledger
from peersupport.engine.state import SessionStatus
from peersupport.errors import ActionRejected, AlreadyDone, WrongPhase
from peersupport.values import SETTINGS

__all__ = [
    "advance",
    "amend_agreement",
    "choose",
    "close_round",
    "end",
    "pause",
    "resume",
    "skip",
]

_AGREEMENT_AMENDED: Final = EventKind.AGREEMENT_AMENDED
_ENDED: Final = EventKind.ENDED
_PAUSED: Final = EventKind.PAUSED
_PHASE_ENTERED: Final = EventKind.PHASE_ENTERED
_RESUMED: Final = EventKind.RESUMED
_ROUND_CLOSED: Final = EventKind.ROUND_CLOSED
_ROUND_STARTED: Final = EventKind.ROUND_STARTED
_TURN_SKIPPED: Final = EventKind.TURN_SKIPPED
_EMPTY: Final = EventData()


def advance(ledger: Ledger, by_arg: object, to: str | None, action: str) -> Event:
    """Move along the chart (see :meth:`peersupport.Session.advance`)."""
    by = checks.facilitator_id(action, by_arg)
    now = ledger.begin(by, action)
    try:
        live = ledger.live
        checks.facilitator(live, by, action, floor_action=True)
        if live.format.facilitators > 1:
            checks.staffed(live, by, action)
        holder = live.floor.holder
        if holder is not None:
            raise WrongPhase(
                by,
                action,
                checks.ONE_VOICE_AT_A_TIME,
                f"{holder} holds the floor; the share ends before moving on",
            )
        transition = choose(live, by, to, action)
        phase = live.phase
        data: dict[str, Any] = {
            "phase": transition.target,
            "from": phase.id,
            "event": transition.event,
        }
        if transition.target != phase.id:
            if live.ends_at is not None:  # a meeting's schedule may shorten its budget
                target = live.format.phases[transition.target]
                budget = schedule.adapted_budget(live.format, target, live.ends_at, now)
                if budget is not None:
                    data["budget"] = budget
            return ledger.commit(_PHASE_ENTERED, now, by, None, EventData(data))
        data["round"] = live.floor.round + 1
        return ledger.commit(_ROUND_STARTED, now, by, None, EventData(data))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def round_complete(live: LiveState) -> bool:
    """The ``round_complete`` guard: true in phases without rounds."""
    return not live.phase.rounds or live.floor.complete()


#: How the engine evaluates each guard a chart may name (see ``chart.GUARDS``), and
#: the id of the check that refuses a move when it does not hold.
GUARDS: Final = {"round_complete": (round_complete, checks.ROUND_COMPLETE)}


def choose(live: LiveState, by: str, to: str | None, action: str) -> Transition:
    """The transition out of the current phase (to ``to``) whose guards hold.

    Raises:
        WrongPhase: None leads there, or a guard fails (naming it).
    """
    phase = live.phase
    candidates = [t for t in phase.transitions if to is None or t.target == to]
    if not candidates:
        if phase.final and to is None:
            why = f"{phase.name} is the last phase; end the session"
        elif to is not None and to not in live.format.phases:
            why = f"format {live.format.name!r} has no phase {to!r}"
        else:
            why = f"the chart has no transition from {phase.id!r} to {to!r}"
        raise WrongPhase(by, action, checks.CHART, why)
    failed: tuple[str, bool] | None = None
    for transition in candidates:
        for guard, expected in transition.guards:
            if GUARDS[guard][0](live) is not expected:
                failed = (guard, expected)
                break
        else:
            return transition
    assert failed is not None
    guard, expected = failed
    if guard == "round_complete" and expected:
        waiting = live.floor.not_reached()
        why = (
            f"round {live.floor.round} of {phase.name} is not complete: "
            f"{', '.join(waiting)} have not shared or passed; close the round to move on"
        )
    else:
        why = f"guard {guard!r} is {not expected}"
    raise WrongPhase(by, action, GUARDS[guard][1], why)


def close_round(ledger: Ledger, by_arg: object) -> Event:
    """Close the round (see :meth:`peersupport.Session.close_round`)."""
    by = checks.facilitator_id("close_round", by_arg)
    now = ledger.begin(by, "close_round")
    try:
        live = ledger.live
        checks.facilitator(live, by, "close_round", floor_action=True)
        phase, floor = live.phase, live.floor
        if not phase.rounds:
            raise WrongPhase(
                by, "close_round", checks.ROUNDS, f"there are no rounds in {phase.name}"
            )
        if floor.complete():
            raise AlreadyDone(
                by, "close_round", checks.ROUNDS, f"round {floor.round} is already complete"
            )
        waiting = tuple(m for m in floor.not_reached() if m != floor.holder)
        return ledger.commit(_ROUND_CLOSED, now, by, None, EventData({"not_reached": waiting}))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def skip(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """Move the round past ``member`` (see :meth:`peersupport.Session.skip`)."""
    by = checks.facilitator_id("skip", by_arg)
    member, _by = checks.ids("skip", member_arg, by)
    now = ledger.begin(by, "skip")
    try:
        live = ledger.live
        checks.facilitator(live, by, "skip", floor_action=True)
        phase, floor = live.phase, live.floor
        if not phase.rounds:
            raise WrongPhase(by, "skip", checks.ROUNDS, f"there are no rounds in {phase.name}")
        if member not in floor.order or member in floor.had_turn or floor.closed:
            raise AlreadyDone(
                by,
                "skip",
                checks.ROUNDS,
                f"{member} is not waiting for a turn in round {floor.round}",
            )
        return ledger.commit(_TURN_SKIPPED, now, by, member, _EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def _reason(by: str, action: str, reason: object) -> dict[str, Any]:
    """The event data of an optional reason code; refuse a reason that is not one."""
    if reason is None:
        return {}
    if reason not in REASONS:
        raise ActionRejected(
            by, action, checks.REASON_CODE, f"a reason is one of {', '.join(REASONS)}, not text"
        )
    return {"reason": reason}


def pause(ledger: Ledger, by_arg: object, reason: object = None) -> Event:
    """Pause the session (see :meth:`peersupport.Session.pause`)."""
    by = checks.facilitator_id("pause", by_arg)
    ledger.enter(by, "pause")
    try:
        checks.facilitator(ledger.live, by, "pause", floor_action=True)
        data = _reason(by, "pause", reason)
        return ledger.commit(_PAUSED, ledger.now(), by, None, EventData(data) if data else _EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def resume(ledger: Ledger, by_arg: object, reason: object = None) -> Event:
    """Resume the session (see :meth:`peersupport.Session.resume`)."""
    by = checks.facilitator_id("resume", by_arg)
    now = ledger.begin(by, "resume")
    try:
        live = ledger.live
        checks.facilitator(live, by, "resume", floor_action=False)
        if live.status is not SessionStatus.PAUSED:
            raise AlreadyDone(by, "resume", checks.PAUSED, "the session is not paused")
        data = _reason(by, "resume", reason)
        return ledger.commit(_RESUMED, now, by, None, EventData(data) if data else _EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def end(ledger: Ledger, by_arg: object, reason: object = None) -> Event:
    """End the session (see :meth:`peersupport.Session.end`)."""
    by = checks.facilitator_id("end", by_arg)
    now = ledger.begin(by, "end")
    try:
        live = ledger.live
        checks.facilitator(live, by, "end", floor_action=False)
        data: dict[str, Any] = {"phase": live.phase.id, **_reason(by, "end", reason)}
        if live.floor.holder is not None:
            data.update(ledger.share_end(now))
        return ledger.commit(_ENDED, now, by, None, EventData(data))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def amend_agreement(ledger: Ledger, by_arg: object, changes: dict[str, Any]) -> Event:
    """Amend the agreement's settings (see :meth:`peersupport.Session.amend_agreement`)."""
    by = checks.facilitator_id("amend_agreement", by_arg)
    ledger.enter(by, "amend_agreement")
    try:
        live = ledger.live
        checks.facilitator(live, by, "amend_agreement", floor_action=True)
        unknown = sorted(set(changes) - set(SETTINGS))
        if unknown or not changes:
            raise ValueError(
                f"a session amends only {', '.join(SETTINGS)}; got {', '.join(unknown) or 'none'}"
            )
        amended = live.agreement.amend(**changes)  # validates before anything changes
        now = ledger.now()
        data = {"version": amended.version, **{k: getattr(amended, k) for k in changes}}
        return ledger.commit(_AGREEMENT_AMENDED, now, by, None, EventData(data))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()
