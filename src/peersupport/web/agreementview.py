"""The group's agreement in the room: proposals to amend it, and the group's decisions.

A member present who takes part proposes changing one setting of the agreement
(:meth:`peersupport.Session.propose_amendment`); a facilitator records how many
agreed, disagreed and stood aside (:meth:`peersupport.Session.decide_amendment`),
and the agreement's decision rule decides; or withdraws the proposal. Who agreed
is never recorded, and never shown: only the counts.

- :data:`SETTING_KINDS` says what value each setting takes (and how the room's
  form asks for it); :func:`setting_value` checks a requested value,
  :func:`describe` puts a setting and its value in words ("Share limit: 2:00").
- :func:`proposals` reads from the log what the state does not hold (who proposed
  what, the counts); :func:`amendments_view` is what every page shows of the
  proposals, and the group's decision rule; :func:`amendment_buttons` who may
  propose, decide and withdraw now.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from peersupport.agreement import DECISIONS, SETTINGS
from peersupport.engine.events import Event, EventKind
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.validate import MAX_SECONDS
from peersupport.values import Group, Role

__all__ = [
    "DECISION_LABELS",
    "SETTING_KINDS",
    "Proposal",
    "SettingKind",
    "amendment_buttons",
    "amendments_view",
    "describe",
    "proposals",
    "setting_value",
]


@attrs.frozen
class SettingKind:
    """What value a setting of the agreement takes, and how the room names it.

    Attributes:
        label: The setting as the room names it.
        kind: ``"seconds"``, ``"flag"`` (yes or no), ``"fraction"`` (more than 0, at
            most 1), ``"whole"`` (a whole number from 2: people) or ``"decision"``
            (one of :data:`~peersupport.agreement.DECISIONS`).
        nullable: Whether it may be cleared to none.
    """

    label: str
    kind: str
    nullable: bool = False


#: Every setting a proposal may change (:data:`peersupport.values.SETTINGS`), in order.
SETTING_KINDS: Mapping[str, SettingKind] = MappingProxyType(
    {
        "share_limit": SettingKind("Share limit", "seconds", nullable=True),
        "warn_at": SettingKind("Time warning at", "seconds", nullable=True),
        "hard_cap": SettingKind("A share ends at the limit", "flag"),
        "cross_talk": SettingKind("Cross-talk allowed", "flag"),
        "may_pass": SettingKind("Members may pass", "flag"),
        "reserved_time": SettingKind(
            "Time reserved for those who have not shared", "seconds", nullable=True
        ),
        "share_the_air": SettingKind("Share-the-air notice above", "fraction", nullable=True),
        "phase_cap": SettingKind("A phase's time is firm", "flag"),
        "size_guidance": SettingKind("Group size guidance", "whole", nullable=True),
        "decision": SettingKind("How we decide", "decision"),
    }
)
#: The decision rules (:data:`~peersupport.agreement.DECISIONS`) as the room names them,
#: with what each needs.
DECISION_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "consensus": (
            "consensus",
            "everyone present who takes part is counted, and nobody disagrees "
            "(standing aside is fine)",
        ),
        "majority": ("majority", "more of those who vote agree than disagree"),
        "two-thirds": ("two thirds", "at least two thirds of those who vote agree"),
    }
)
assert tuple(SETTING_KINDS) == SETTINGS
assert tuple(DECISION_LABELS) == DECISIONS

#: What a value of each kind must be, for the error a malformed request gets.
_WANTED: Final = {
    "seconds": f"a number of seconds, more than 0 and at most {MAX_SECONDS:g}",
    "flag": "true or false",
    "fraction": "a fraction, more than 0 and at most 1",
    "whole": "a whole number from 2",
    "decision": f"one of {', '.join(map(repr, DECISIONS))}",
}


def _number(value: object) -> float | None:
    """``value`` as a float if it is a finite number (not a flag); else ``None``."""
    if type(value) not in (int, float):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def setting_value(setting: str, value: object) -> tuple[bool, Any, str]:
    """Whether ``value`` fits ``setting`` (one of ``SETTINGS``); the value to ask; what fits.

    Seconds and fractions are asked as floats (``120`` is ``120.0``); none is
    ``None`` where the setting may be cleared. The engine checks the value again
    (and the agreement as a whole, e.g. the warning before the share limit).
    """
    found = SETTING_KINDS[setting]
    wanted = _WANTED[found.kind] + (", or none (null)" if found.nullable else "")
    if value is None:
        return found.nullable, None, wanted
    if found.kind in ("seconds", "fraction"):
        number = _number(value)
        top = MAX_SECONDS if found.kind == "seconds" else 1.0
        fits = number is not None and 0 < number <= top
        return fits, number if fits else value, wanted
    if found.kind == "flag":
        return type(value) is bool, value, wanted
    if found.kind == "whole":
        return type(value) is int and value >= 2, value, wanted
    return isinstance(value, str) and value in DECISIONS, value, wanted


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    if rest == int(rest):
        return f"{int(minutes)}:{int(rest):02d}"
    return f"{int(minutes)}:{rest:04.1f}"


def describe(setting: str, value: object) -> str:
    """``setting`` and ``value`` in words, e.g. ``"Share limit: 2:00"``."""
    found = SETTING_KINDS.get(setting)
    if found is None:
        return f"{setting}: {value}"
    if value is None:
        words = "none"
    elif found.kind == "flag":
        words = "yes" if value else "no"
    elif found.kind == "seconds" and isinstance(value, int | float):
        words = _clock(float(value))
    elif found.kind == "fraction" and isinstance(value, int | float):
        words = f"{float(value) * 100:g}%"
    elif found.kind == "decision" and isinstance(value, str):
        words = DECISION_LABELS[value][0] if value in DECISION_LABELS else value
    else:
        words = str(value)
    return f"{found.label}: {words}"


@attrs.frozen
class Proposal:
    """What the log says of one proposal (the state has only its number and status).

    Attributes:
        number: Its number in the session (1, 2, …).
        proposer: The member who proposed it.
        changes: The settings it changes, with their new values, in the log's order.
        counts: How many agreed, disagreed and stood aside, once decided.
    """

    number: int
    proposer: str | None
    changes: tuple[tuple[str, Any], ...]
    counts: tuple[int, int, int] | None = None


_PROPOSED: Final = EventKind.AMENDMENT_PROPOSED
_DECIDED: Final = EventKind.AMENDMENT_DECIDED


def proposals(state: SessionState, events: Iterable[Event]) -> dict[int, Proposal]:
    """The proposals made in the session, by number, as the log records them.

    Reads the log only when the state has any proposal: most sessions have none.
    """
    if not state.amendments:
        return {}
    found: dict[int, Proposal] = {}
    for event in events:
        if event.kind is _PROPOSED:
            number = int(event.data["proposal"])  # type: ignore[arg-type]
            changes = tuple((k, v) for k, v in event.data.items() if k != "proposal")
            found[number] = Proposal(number, event.member, changes)
        elif event.kind is _DECIDED:
            number = int(event.data["proposal"])  # type: ignore[arg-type]
            agree, disagree, aside = (event.data[k] for k in ("agree", "disagree", "stand_aside"))
            if number in found:
                counts = (int(agree), int(disagree), int(aside))  # type: ignore[arg-type]
                found[number] = attrs.evolve(found[number], counts=counts)
    return found


def _taking_part(state: SessionState, group: Group) -> int:
    roles = (state.roles.get(m) or group.role_of(m) for m in state.present)
    return sum(1 for role in roles if role is None or role.takes_turns)


def amendments_view(
    state: SessionState, group: Group, recorded: Mapping[int, Proposal]
) -> dict[str, Any]:
    """What every page shows of the group's decisions on its agreement.

    ``decision``: the agreement's rule (``rule``, its ``label`` and what it
    ``needs``); ``taking_part``: how many present take part (whom consensus
    counts); ``proposals``: each made this session, in order, with its
    ``number``, proposer (``id``, ``name``), ``status`` (``open``, ``accepted``,
    ``rejected`` or ``withdrawn``), the ``changes`` (each ``setting``, ``value``
    and ``text`` in words), all of them in words (``text``), and the ``counts``
    once decided (how many agreed, disagreed and stood aside: never who).
    ``recorded``: what the log says of them (:func:`proposals`).
    """
    rule = state.agreement.decision
    label, needs = DECISION_LABELS.get(rule, (rule, ""))
    shown = []
    for number, status in state.amendments.items():
        found = recorded.get(number) or Proposal(number, None, ())
        changes = [{"setting": k, "value": v, "text": describe(k, v)} for k, v in found.changes]
        counts = found.counts if status in ("accepted", "rejected") else None
        proposer = found.proposer
        shown.append(
            {
                "number": number,
                "id": proposer,
                "name": (group.member(proposer).name if proposer in group else proposer)
                if proposer is not None
                else None,
                "status": status,
                "changes": changes,
                "text": "; ".join(c["text"] for c in changes),
                "counts": counts
                and {"agree": counts[0], "disagree": counts[1], "stand_aside": counts[2]},
            }
        )
    return {
        "decision": {"rule": rule, "label": label, "needs": needs},
        "taking_part": _taking_part(state, group),
        "proposals": shown,
    }


def amendment_buttons(state: SessionState, role: Role, member_id: str) -> list[str]:
    """Who present may propose, decide and withdraw now (the engine still judges).

    Anyone who takes part proposes while the session is open, but not while they
    hold the floor (they share); a facilitator records the decision on an open
    proposal while the session is open, and withdraws one (also while paused).
    """
    shown = []
    running = state.status is SessionStatus.OPEN
    if running and role.takes_turns and state.floor.holder != member_id:
        shown.append("propose_amendment")
    if role.facilitates and "open" in state.amendments.values():
        shown += ["decide_amendment", "withdraw_amendment"] if running else ["withdraw_amendment"]
    return shown
