"""The one table of event kinds: what each kind of event records, and who records it.

:data:`KINDS` describes each :class:`~peersupport.engine.events.EventKind` once:
which action records it and who acts, which lifecycle hook hears of it, what its
data holds, whether it can move a deadline and whether it may happen while the
session is paused. The fold, restore and verify, the JSON Lines reader, the
plugin dispatcher, the report and the conformance kit all read this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

from peersupport.engine.kindrows import MORE
from peersupport.engine.kindspec import (
    DECISION_OUTCOMES,
    LOG_VERSION,
    POINT_OUTCOMES,
    REASONS,
    REFERRALS,
    Actor,
    DataValue,
    EventKind,
    Field,
    KindSpec,
    Need,
)
from peersupport.engine.kindspec import spec as _spec

__all__ = [
    "DECISION_OUTCOMES",
    "KINDS",
    "K",
    "LOG_VERSION",
    "POINT_OUTCOMES",
    "REASONS",
    "REFERRALS",
    "Actor",
    "DataValue",
    "EventKind",
    "Field",
    "KindSpec",
    "Need",
]

K = SimpleNamespace(**EventKind.__members__)
"""The kinds as plain attributes (``K.SHARE_STARTED``), for the engine's hot path.

Reading a member of an enum class goes through the enum's metaclass and costs
several times a plain attribute; the engine reads kinds on every action.
"""


_M, _F, _E = Actor.MEMBER, Actor.FACILITATOR, Actor.ENGINE
_K = EventKind

KINDS: Mapping[EventKind, KindSpec] = {
    s.kind: s
    for s in (
        _spec(
            _K.OPENED,
            (_E,),
            None,
            "session_opened",
            "the session opened: log version, format and chart fingerprint, group "
            "fingerprint, first phase, and the agreement in force; with a scheduled "
            "end, that end, the time-to-close notice and the first phase's budget if "
            "the schedule shortened it",
            data={
                "log": Field.COUNT,
                "format": Field.NAME,
                "chart": Field.FINGERPRINT,
                "group": Field.FINGERPRINT,
                "phase": Field.NAME,
                "agreement": Field.COUNT,
            },
            optional={
                "ends_at": Field.TIME,
                "close_notice": Field.SECONDS,
                "budget": Field.SECONDS,
            },
            settings=True,
            while_paused=True,
            member=Need.NOBODY,
        ),
        _spec(
            _K.ARRIVED,
            (_M,),
            "arrive",
            None,
            "a member or visitor arrived (a visitor with their role)",
            optional={"role": Field.NAME},
            moves_deadline=False,
            while_paused=True,
        ),
        _spec(
            _K.LEFT,
            (_M,),
            "leave",
            None,
            "a member left; a share they held ended with them",
            optional={"duration": Field.SECONDS, "overtime": Field.SECONDS},
            while_paused=True,
        ),
        _spec(
            _K.CONSENTED,
            (_M,),
            "consent",
            None,
            "a member consented to the agreement version in force",
            data={"version": Field.COUNT},
            moves_deadline=False,
            while_paused=True,
        ),
        _spec(
            _K.AGREEMENT_AMENDED,
            (_F,),
            "amend_agreement",
            None,
            "the agreement's settings were amended to a new version: by the facilitator, "
            "or as the group decided on a proposal (its number)",
            data={"version": Field.COUNT},
            optional={"proposal": Field.COUNT},
            settings=True,
            member=Need.NOBODY,
        ),
        _spec(
            _K.PHASE_ENTERED,
            (_F,),
            "advance",
            "phase_entered",
            "the facilitator moved the session to another phase (with its budget in "
            "force if the meeting's schedule shortened it, and the phases skipped if any)",
            data={"phase": Field.NAME, "from": Field.NAME, "event": Field.NAME},
            optional={"budget": Field.SECONDS, "skipped": Field.NAMES},
            member=Need.NOBODY,
        ),
        _spec(
            _K.ROUND_STARTED,
            (_F, _E),
            "new_round",
            "phase_entered",
            "a new round started in the phase: by the facilitator, or by itself "
            "(automatic) when a round was complete and someone took a turn",
            data={"phase": Field.NAME, "round": Field.COUNT},
            optional={"from": Field.NAME, "event": Field.NAME, "automatic": Field.FLAG},
            moves_deadline=False,
            member=Need.NOBODY,
        ),
        _spec(
            _K.ROUND_CLOSED,
            (_F,),
            "close_round",
            None,
            "the facilitator closed the round; who was not reached is listed",
            data={"not_reached": Field.IDS},
            moves_deadline=False,
            member=Need.NOBODY,
        ),
        _spec(
            _K.TURN_SKIPPED,
            (_F,),
            "skip",
            None,
            "the facilitator moved the round past a member",
            moves_deadline=False,
        ),
        _spec(
            _K.CALLED_ON,
            (_M, _F),
            "call_on",
            None,
            "someone was called on (or tagged) to take the floor next",
            moves_deadline=False,
        ),
        _spec(
            _K.SHARE_STARTED,
            (_M,),
            "start_share",
            "share_started",
            "a member took the floor",
        ),
        _spec(
            _K.SHARE_ENDED,
            (_M, _E),
            "end_share",
            "share_ended",
            "a share ended: the member or a facilitator ended it, or the hard cap did",
            data={"duration": Field.SECONDS},
            optional={"rule": Field.NAME, "overtime": Field.SECONDS},
        ),
        _spec(
            _K.PASSED,
            (_M,),
            "pass_turn",
            "passed",
            "a member passed their turn",
            moves_deadline=False,
        ),
        _spec(
            _K.INTERJECTED,
            (_M,),
            "interject",
            None,
            "a member spoke while someone else held the floor, where cross-talk is allowed",
            data={"holder": Field.ID},
            moves_deadline=False,
        ),
        _spec(
            _K.CROSS_TALK_BLOCKED,
            (_M,),
            "interject",
            "rule_breach_attempted",
            "an interjection was blocked by no-cross-talk (the attempt is recorded)",
            data={"rule": Field.NAME, "holder": Field.ID},
            moves_deadline=False,
        ),
        _spec(
            _K.TIME_WARNING,
            (_E,),
            None,
            "time_warning",
            "a share reached its warning point",
            data={"rule": Field.NAME},
        ),
        _spec(
            _K.OVERTIME,
            (_E,),
            None,
            "time_warning",
            "a share ran past its (soft) limit",
            data={"rule": Field.NAME, "limit": Field.SECONDS},
        ),
        _spec(
            _K.PHASE_TIME_UP,
            (_E,),
            None,
            "time_warning",
            "a phase used up its time budget",
            data={"phase": Field.NAME, "budget": Field.SECONDS},
            member=Need.NOBODY,
        ),
        _spec(
            _K.RULE_NOTICE,
            (_E,),
            None,
            "rule_breach_attempted",
            "a rule noticed something after an event (e.g. share-the-air)",
            data={"rule": Field.NAME},
            open_data=True,
            while_paused=True,
            member=Need.MAYBE,
        ),
        _spec(
            _K.PAUSED,
            (_F,),
            "pause",
            "session_paused",
            "the facilitator paused the session, with a reason code if given; timers stop",
            optional={"reason": Field.NAME},
            member=Need.NOBODY,
        ),
        _spec(
            _K.RESUMED,
            (_F,),
            "resume",
            "session_resumed",
            "the facilitator resumed the session, with a reason code if given; timers go on",
            optional={"reason": Field.NAME},
            while_paused=True,
            member=Need.NOBODY,
        ),
        _spec(
            _K.ENDED,
            (_F,),
            "end",
            "session_ended",
            "the facilitator ended the session (with a reason code if given); a share in "
            "progress ended with it",
            data={"phase": Field.NAME},
            optional={"duration": Field.SECONDS, "overtime": Field.SECONDS, "reason": Field.NAME},
            while_paused=True,
            member=Need.NOBODY,
        ),
        *MORE,
    )
}
"""Every kind of event, described once (see :class:`KindSpec`)."""
