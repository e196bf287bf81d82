"""The kit's tables, read from the engine's one table of event kinds (``KINDS``).

Which events an action appends, which come without an actor, which may happen
while the session is paused, and which only a facilitator causes: the kit reads
all of that from :data:`peersupport.events.KINDS` instead of keeping copies.
What the model computes itself (share limits, the amendable settings) is here too.
"""

from __future__ import annotations

from collections.abc import Mapping

from peersupport.engine.format import PhaseSpec
from peersupport.events import KINDS, Actor, EventKind
from peersupport.values import Agreement

__all__ = [
    "ACTION_KINDS",
    "AMENDABLE",
    "DEADLINE_KINDS",
    "DEFAULT_CLOSE_NOTICE",
    "ENGINE_KINDS",
    "FACILITATOR_KINDS",
    "FOR_THEMSELF_KINDS",
    "DECISIONS",
    "KNOWN_RULES",
    "LATER_DEFAULTS",
    "POINT_OUTCOMES",
    "SHARE_TIME_LIMIT",
    "TURN_ACTIONS",
    "TURN_KINDS",
    "WHILE_PAUSED",
    "acting",
    "share_limits",
]

K = EventKind

#: The events each action records with an actor (from ``KINDS[kind].action``).
#: ``advance`` to the current phase starts a new round, as ``new_round`` does.
ACTION_KINDS: Mapping[str, frozenset[EventKind]] = {
    "skip_to": frozenset({K.PHASE_ENTERED}),  # advance's event, past phases
    **{
        action: frozenset(
            kind
            for kind, spec in KINDS.items()
            if spec.actors - {Actor.ENGINE}
            and (spec.action == action or (action == "advance" and spec.action == "new_round"))
        )
        for action in {spec.action for spec in KINDS.values() if spec.action is not None}
    },
}
#: Actions that take a turn (or give one): an automatic roll-over may come before them.
TURN_ACTIONS = frozenset({"start_share", "pass_turn", "call_on"})
#: The events of those actions.
TURN_KINDS = frozenset(kind for action in TURN_ACTIONS for kind in ACTION_KINDS[action])
#: Kinds the engine may record by itself, without an actor.
ENGINE_KINDS = frozenset(kind for kind, spec in KINDS.items() if Actor.ENGINE in spec.actors)
#: Engine events that fall due with time (everything the engine records by itself
#: but the opening, automatic roll-overs and rule notices).
DEADLINE_KINDS = ENGINE_KINDS - {K.OPENED, K.ROUND_STARTED, K.RULE_NOTICE}
#: Events that may happen while the session is paused.
WHILE_PAUSED = frozenset(kind for kind, spec in KINDS.items() if spec.while_paused)
#: Events with an actor that only a present facilitator causes.
FACILITATOR_KINDS = frozenset(
    kind for kind, spec in KINDS.items() if spec.actors - {Actor.ENGINE} == {Actor.FACILITATOR}
)
#: Events a member causes for themself (or a present facilitator for them).
FOR_THEMSELF_KINDS = frozenset(
    kind for kind, spec in KINDS.items() if spec.actors - {Actor.ENGINE} == {Actor.MEMBER}
)


def acting(name: str, member: str | None, by: str | None) -> str | None:
    """Who acts in ``name``: the member for themself (or ``by`` for them), else ``by``."""
    if ACTION_KINDS[name] <= FOR_THEMSELF_KINDS and by is None:
        return member
    return by


#: Settings a session may amend (the model's own copy).
AMENDABLE = frozenset(
    {
        "share_limit",
        "warn_at",
        "hard_cap",
        "cross_talk",
        "may_pass",
        "reserved_time",
        "share_the_air",
        "phase_cap",
        "size_guidance",
        "decision",
    }
)
#: Settings ``opened`` leaves out while they have these defaults (added later; the
#: model's own copy).
LATER_DEFAULTS: Mapping[str, object] = {
    "phase_cap": False,
    "size_guidance": None,
    "decision": "consensus",
}
#: How a group decides on a proposed amendment (the model's own copy).
DECISIONS = ("consensus", "majority", "two-thirds")
#: How a point of process is closed (the model's own copy).
POINT_OUTCOMES = ("resolved", "amendment")
#: Phase rules the model knows in detail (by id).
KNOWN_RULES = frozenset({"reserved-time", "share-the-air"})
#: Id of the always-on rule that times shares (named in deadline events).
SHARE_TIME_LIMIT = "share-time-limit"
#: Seconds before a scheduled end when ``time_to_close`` is due, unless the session
#: says (the model's own copy).
DEFAULT_CLOSE_NOTICE = 300.0


def share_limits(phase: PhaseSpec, agreement: Agreement) -> tuple[float | None, float | None, bool]:
    """``(warn_at, share_limit, hard_cap)`` for a share in ``phase`` (the model's own reading).

    A phase's own limit and hard-cap setting override the agreement's; untimed
    phases have none.
    """
    if not phase.timed:
        return None, None, False
    hard = agreement.hard_cap if phase.hard_cap is None else phase.hard_cap
    if phase.share_limit is not None:
        return phase.warn_at, phase.share_limit, hard
    return agreement.warn_at, agreement.share_limit, hard


#: Why a facilitator pauses, resumes or ends (docs/safety.md), written again here.
REASON_CODES = frozenset({"safety", "break", "technical", "other"})
#: The kinds of support a referral names (docs/safety.md), written again here.
REFERRAL_CODES = frozenset({"crisis-line", "professional", "emergency-services", "peer-worker"})
