"""Steps of the fold for the practice of particular groups, and checks of logged values.

:class:`~peersupport.engine.fold.LiveState` folds every event; these steps and
checks live here to keep the fold's module small: a member listening for the
session, a phase's budget in force (as a meeting's schedule shortened it), and a
pause's, resume's or end's reason code. Like the rest of the fold they raise
``ValueError`` for a fact that cannot follow the events before it.
"""

from __future__ import annotations

from peersupport.engine.events import EventData
from peersupport.engine.floor import Floor
from peersupport.engine.format import PhaseSpec
from peersupport.engine.kindspec import DECISION_OUTCOMES, REASONS, REFERRALS

__all__ = ["amendment", "budget", "listening", "proposed", "reason", "referral"]


def listening(floor: Floor, listeners: dict[str, None], member: str) -> None:
    """``member`` listens for the rest of the session: out of rounds, the queue and calls."""
    if member in listeners:
        raise ValueError(f"{member} is already listening")
    if floor.holder == member:
        raise ValueError(f"{member} holds the floor")
    listeners[member] = None
    if member in floor.order and member not in floor.had_turn:
        floor.order.remove(member)
    if member in floor.hands:
        floor.hands.remove(member)
    if floor.called == member:
        floor.called = None


def budget(phase: PhaseSpec, data: EventData) -> float | None:
    """The budget in force of ``phase`` entered with ``data``: as recorded, or the format's."""
    recorded = data.get("budget")
    if recorded is None:
        return phase.budget
    if phase.budget is None or not 0 <= recorded <= phase.budget:  # type: ignore[operator]
        raise ValueError(f"a budget in force is at most {phase.id}'s budget")
    return float(recorded)  # type: ignore[arg-type]


def reason(data: EventData) -> None:
    """Refuse a pause's, resume's or end's reason that is not one of the codes."""
    if data.get("reason", REASONS[0]) not in REASONS:
        raise ValueError(f"a reason is one of {', '.join(REASONS)}")


def referral(data: EventData, known: bool) -> None:
    """Refuse a referral to another kind of support, or of someone not in the session."""
    if data["to"] not in REFERRALS:
        raise ValueError(f"a referral is to one of {', '.join(REFERRALS)}")
    if not known:
        raise ValueError("a referral names someone who was in the session")


def proposed(phase: PhaseSpec, present: bool, proposals: dict[str, int], member: str) -> None:
    """``member`` proposed an agenda item: only in a phase that sets the agenda, present."""
    if not phase.agenda or not present:
        raise ValueError(f"{member} cannot propose an agenda item in {phase.id}")
    proposals[member] = proposals.get(member, 0) + 1


def amendment(amendments: dict[int, tuple[str, EventData]], data: EventData, step: str) -> None:
    """A proposal to amend the agreement is made, decided or withdrawn (``step``).

    Proposals are numbered from 1 in the order made; each is decided or withdrawn
    once, while open. ``amendments`` maps each number to its status (``open``,
    ``accepted``, ``rejected``, ``withdrawn``) and the changes proposed.
    """
    number = data["proposal"]
    assert isinstance(number, int)
    if step == "proposed":
        if number != len(amendments) + 1:
            raise ValueError(
                f"proposal {number} is out of order: the next is {len(amendments) + 1}"
            )
        changes = {k: v for k, v in data.items() if k != "proposal"}
        amendments[number] = ("open", EventData(changes))
        return
    status, changes = amendments.get(number, ("unknown", EventData()))
    if status != "open":
        raise ValueError(f"proposal {number} is not open ({status})")
    outcome = data["outcome"] if step == "decided" else "withdrawn"
    if step == "decided" and outcome not in DECISION_OUTCOMES:
        raise ValueError(f"a decision is {' or '.join(DECISION_OUTCOMES)}")
    amendments[number] = (str(outcome), changes)
