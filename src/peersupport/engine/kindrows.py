"""Rows of the table of event kinds for the queue, safety, the schedule and practice.

:data:`peersupport.engine.kinds.KINDS` is built from the session's own kinds and
these: the queue of raised hands and points of process, referrals, the meeting's
schedule, and the practice of particular groups (listening, agenda items).
"""

from __future__ import annotations

from peersupport.engine.kindspec import Actor, EventKind, Field, KindSpec, Need
from peersupport.engine.kindspec import spec as _spec

__all__ = ["MORE"]

_M, _F, _E = Actor.MEMBER, Actor.FACILITATOR, Actor.ENGINE
_K = EventKind

MORE: tuple[KindSpec, ...] = (
    _spec(
        _K.HAND_RAISED,
        (_M,),
        "raise_hand",
        None,
        "a member raised their hand: they joined the phase's queue at this position "
        "(0: its head), as the phase's order rule placed them",
        data={"position": Field.COUNT},
        moves_deadline=False,
    ),
    _spec(
        _K.HAND_LOWERED,
        (_M,),
        "lower_hand",
        None,
        "a member lowered their hand, or a facilitator took them off the queue",
        moves_deadline=False,
    ),
    _spec(
        _K.HAND_MOVED,
        (_F,),
        "move_hand",
        None,
        "the facilitator moved a member's entry in the queue to this position",
        data={"position": Field.COUNT},
        moves_deadline=False,
    ),
    _spec(
        _K.HANDS_CLEARED,
        (_F,),
        "clear_hands",
        None,
        "the facilitator cleared the queue",
        moves_deadline=False,
        member=Need.NOBODY,
    ),
    _spec(
        _K.POINT_RAISED,
        (_M,),
        "raise_point",
        None,
        "a member raised a point of process (a concern about the agreement or "
        "safety; what it is, is not recorded): it comes before any share",
        moves_deadline=False,
        while_paused=True,
    ),
    _spec(
        _K.POINT_ACKNOWLEDGED,
        (_F,),
        "acknowledge_point",
        None,
        "the facilitator acknowledged a member's point of process",
        moves_deadline=False,
        while_paused=True,
    ),
    _spec(
        _K.POINT_RESOLVED,
        (_F,),
        "resolve_point",
        None,
        "the facilitator closed a point of process: resolved, or taken to an "
        "amendment of the agreement",
        data={"outcome": Field.NAME},
        moves_deadline=False,
        while_paused=True,
    ),
    _spec(
        _K.REFERRED,
        (_F,),
        "refer",
        None,
        "a facilitator recorded referring a member to a kind of support (crisis line, "
        "professional, emergency services, peer worker); nothing else about it",
        data={"to": Field.NAME},
        moves_deadline=False,
        while_paused=True,
    ),
    _spec(
        _K.TIME_TO_CLOSE,
        (_E,),
        None,
        "time_warning",
        "the meeting's scheduled end is this many seconds away: time to close",
        data={"left": Field.SECONDS},
        while_paused=True,
        member=Need.NOBODY,
    ),
    _spec(
        _K.MEETING_OVERRAN,
        (_E,),
        None,
        "time_warning",
        "the meeting ran past its scheduled end",
        while_paused=True,
        member=Need.NOBODY,
    ),
    _spec(
        _K.LISTENING,
        (_M,),
        "listen",
        None,
        "a member listens for the rest of the session (they asked, or a facilitator "
        "asked them): every right but taking the floor; nothing about why",
        moves_deadline=False,
        while_paused=True,
    ),
    _spec(
        _K.ITEM_PROPOSED,
        (_M,),
        "propose_item",
        None,
        "a member proposed an item for the agenda (what it is, is not recorded)",
        moves_deadline=False,
    ),
    _spec(
        _K.AMENDMENT_PROPOSED,
        (_M,),
        "propose_amendment",
        None,
        "a member proposed amending the agreement's settings (numbered in the session; "
        "the changes proposed, never the discussion)",
        data={"proposal": Field.COUNT},
        settings=True,
        moves_deadline=False,
    ),
    _spec(
        _K.AMENDMENT_DECIDED,
        (_F,),
        "decide_amendment",
        None,
        "the group decided on a proposal by its decision rule: the facilitator's count of "
        "who agreed, disagreed and stood aside, and the outcome the rule gives",
        data={
            "proposal": Field.COUNT,
            "agree": Field.COUNT,
            "disagree": Field.COUNT,
            "stand_aside": Field.COUNT,
            "outcome": Field.NAME,
        },
        moves_deadline=False,
        member=Need.NOBODY,
    ),
    _spec(
        _K.AMENDMENT_WITHDRAWN,
        (_F,),
        "withdraw_amendment",
        None,
        "a facilitator withdrew a proposal before the group decided",
        data={"proposal": Field.COUNT},
        moves_deadline=False,
        while_paused=True,
        member=Need.NOBODY,
    ),
)
"""The rows of the kinds after the session's own, in the order of :class:`EventKind`."""
