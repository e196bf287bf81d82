"""The model's fold of the practice of particular groups, and of the group's decisions.

The model's own reading of the documented rules (docs/practice.md, docs/agreement.md),
not the engine's code:

* **listening** (``listening``): someone present, not holding the floor, listens
  for the rest of the session: out of the current round's order if they have not
  had their turn, their hand lowered, a call on them cancelled, and out of every
  later round; they never take the floor again (no share, call, hand or
  interjection: ``[listening]``);
* **a firm budget** (agreement ``phase_cap``): once the phase's time is up nobody
  shares or is called on in it (``[phase-cap]``); passes go on;
* **size guidance** (agreement ``size_guidance``): the arrival that makes the
  people present one more than the guidance is followed by a ``size-guidance``
  notice, and no other arrival is (``[size-guidance]``);
* **agenda items** (``item_proposed``): only in a phase whose chart sets the
  agenda, by someone present who takes part (``[agenda]``);
* **skipping** (``phase_entered`` with ``skipped``): to a later phase along the
  shortest way of the chart (breadth first, transitions in their declared order)
  past at least one phase, by the first transition of that way whose guards hold;
  a move past phases that does not say so breaks ``[skip]``;
* **amendments decided by the group**: proposals numbered 1, 2… in the session,
  of valid changes, by someone present who takes part; decided once while open,
  by the agreement's ``decision`` rule on a count of those present who take part;
  an accepted one amends the agreement right after, as proposed
  (``[amendments]``).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from peersupport.engine.chart import Transition
from peersupport.engine.format import Format
from peersupport.engine.state import SessionState
from peersupport.events import Event, EventKind
from peersupport.testing.queue import QueueFold
from peersupport.testing.tables import AMENDABLE, REFERRAL_CODES
from peersupport.testing.verdict import ConformanceError

__all__ = ["SIZE_GUIDANCE", "PracticeFold", "check_practice", "decided", "way"]

K = EventKind
#: The rule id of the size-guidance notice (the model's own copy).
SIZE_GUIDANCE = "size-guidance"


def way(fmt: Format, start: str, to: object) -> list[str] | None:
    """The phases entered on the shortest way along the chart from ``start`` to ``to``.

    Breadth first, each phase's transitions in their declared order; ``None`` if
    no way leads there (or ``to`` is ``start``).
    """
    came_from: dict[str, str] = {start: start}
    todo = deque([start])
    while todo:
        here = todo.popleft()
        for t in fmt.phases[here].transitions:
            if t.target not in came_from:
                came_from[t.target] = here
                todo.append(t.target)
    if not isinstance(to, str) or to not in came_from or to == start:
        return None
    found = [to]
    while came_from[found[-1]] != start:
        found.append(came_from[found[-1]])
    return found[::-1]


def decided(rule: str, counts: tuple[int, int, int], taking_part: int) -> str | None:
    """``accepted`` or ``rejected`` under the decision ``rule``, or ``None``.

    ``None`` for a count that does not fit: more than ``taking_part`` counted, or
    (consensus) not all of them.
    """
    agree, disagree, aside = counts
    counted = agree + disagree + aside
    if counted > taking_part or (rule == "consensus" and counted != taking_part):
        return None
    if rule == "consensus":
        accepted = disagree == 0 and agree > 0
    elif rule == "majority":
        accepted = agree > disagree
    else:  # two-thirds of those who voted
        accepted = agree > 0 and 3 * agree >= 2 * (agree + disagree)
    return "accepted" if accepted else "rejected"


class PracticeFold(QueueFold):
    """The model's fold and checks of listening, agenda items, skipping and proposals."""

    def _on_referred(self, e: Event) -> None:
        """A referral: of someone who has been in the session, to a kind of support."""
        if dict(e.data).keys() != {"to"} or e.data["to"] not in REFERRAL_CODES:
            raise self.fail("referral", e, "a referral names one kind of support, nothing else")
        if e.member not in self.roles:
            raise self.fail("referral", e, f"{e.member} has not been in the session")

    def taking_part(self) -> int:
        """How many present people take part (their role takes turns)."""
        return sum(1 for m in self.present if self.roles[m].takes_turns)

    def first_step(self, first: str) -> Transition | None:
        """The first transition to ``first`` whose guards hold now (as ``advance`` takes it)."""
        for t in self.spec.transitions:
            if t.target == first and all(self.guard(g) is want for g, want in t.guards):
                return t
        return None

    def guard(self, name: str) -> bool:  # pragma: no cover - the model's fold defines it
        """Whether the chart guard ``name`` holds now."""
        raise NotImplementedError

    def may_take_floor(self, e: Event, member: str, *, time: bool) -> None:
        """``member`` is not listening; (``time``) nor is the phase's firm budget used up."""
        if member in self.listening:
            raise self.fail("listening", e, f"{member} is listening this session")
        if time and self.time_up and self.agreement.phase_cap:
            raise self.fail(
                "phase-cap", e, f"the budget of {self.phase} is used up and the agreement is firm"
            )

    def skip_data(self, e: Event, target: str) -> dict[str, object]:
        """What a ``phase_entered`` to ``target`` records of phases skipped (checked)."""
        skipped = e.data.get("skipped")
        route = way(self.fmt, self.phase, target)
        if skipped is None:
            if route is not None and len(route) > 1:
                raise self.fail(
                    "skip", e, f"moved past {route[:-1]} to {target} without recording skipped"
                )
            return {}
        if self.holder is not None:
            raise self.fail("one-holder", e, f"phase moved on while {self.holder} shares")
        if route is None or len(route) < 2 or skipped != tuple(route[:-1]):
            raise self.fail("skip", e, f"from {self.phase} the shortest way to {target} is {route}")
        step = self.first_step(route[0])
        if step is None or step.event != e.data.get("event"):
            raise self.fail("skip", e, f"the way starts with {step} (its guards hold)")
        return {"skipped": skipped}

    def _on_hand_raised(self, e: Event) -> None:
        assert e.member is not None
        self.may_take_floor(e, e.member, time=False)
        super()._on_hand_raised(e)

    def _on_listening(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present or member in self.listening or member == self.holder:
            raise self.fail("listening", e, f"{member} began listening absent, twice or sharing")
        self._exactly(e, {}, "listening")
        self.listening.append(member)
        if member in self.order and member not in self.had:
            self.order.remove(member)
        self.drop_hand(member)
        if self.called == member:
            self.called = None

    def _on_item_proposed(self, e: Event) -> None:
        member = e.member
        assert member is not None
        role = self.roles.get(member)
        if not self.spec.agenda or member not in self.present or role is None:
            raise self.fail("agenda", e, f"{member} proposed an item in {self.phase}")
        if not role.takes_turns:
            raise self.fail("agenda", e, f"observer {member} proposed an item")
        self._exactly(e, {}, "agenda")
        self.agenda_items[member] = self.agenda_items.get(member, 0) + 1

    # -------------------------------------------------------------- the group decides

    def _on_amendment_proposed(self, e: Event) -> None:
        member = e.member
        assert member is not None
        role = self.roles.get(member)
        if member not in self.present or role is None or not role.takes_turns:
            raise self.fail("amendments", e, f"{member} ({role}) proposed an amendment")
        number = len(self.proposals) + 1
        changes = {k: v for k, v in e.data.items() if k != "proposal"}
        if not changes or not set(changes) <= AMENDABLE:
            raise self.fail("amendments", e, "a proposal changes some of the settings")
        try:
            amended = self.agreement.amend(**changes)
        except (ValueError, TypeError) as exc:
            raise self.fail("amendments", e, f"an invalid proposal: {exc}") from exc
        expected = {"proposal": number, **{k: getattr(amended, k) for k in changes}}
        self._exactly(e, expected, "amendments")
        self.proposals[number] = ("open", changes)

    def _open(self, e: Event) -> tuple[int, dict[str, Any]]:
        number = e.data.get("proposal")
        found = self.proposals.get(number) if type(number) is int else None
        if number is None or found is None or found[0] != "open":
            raise self.fail("amendments", e, f"proposal {number} is not open: {found}")
        assert isinstance(number, int)
        return number, found[1]

    def _on_amendment_decided(self, e: Event) -> None:
        number, changes = self._open(e)
        data = e.data
        counts = (data.get("agree"), data.get("disagree"), data.get("stand_aside"))
        if not all(type(c) is int and c >= 0 for c in counts):
            raise self.fail("amendments", e, "a count of whole numbers")
        agree, disagree, aside = counts
        assert isinstance(agree, int)
        assert isinstance(disagree, int)
        assert isinstance(aside, int)
        rule, taking_part = self.agreement.decision, self.taking_part()
        outcome = decided(rule, (agree, disagree, aside), taking_part)
        if outcome is None:
            raise self.fail(
                "amendments", e, f"a count that does not fit {taking_part} taking part ({rule})"
            )
        expected = {
            "proposal": number,
            "agree": agree,
            "disagree": disagree,
            "stand_aside": aside,
            "outcome": outcome,
        }
        self._exactly(e, expected, "amendments")
        if outcome == "accepted":
            try:
                self.agreement.amend(**changes)
            except (ValueError, TypeError) as exc:
                raise self.fail("amendments", e, f"accepted what no longer fits: {exc}") from exc
            self.owed = number
        self.proposals[number] = (outcome, changes)

    def _on_amendment_withdrawn(self, e: Event) -> None:
        number, changes = self._open(e)
        self._exactly(e, {"proposal": number}, "amendments")
        self.proposals[number] = ("withdrawn", changes)

    def amended_after_decision(self, e: Event) -> None:
        """An accepted proposal amends the agreement next; nothing else names a proposal."""
        owed, self.owed = self.owed, None
        proposal = e.data.get("proposal") if e.kind is K.AGREEMENT_AMENDED else None
        if owed != proposal:
            raise self.fail(
                "amendments", e, f"proposal {owed} was accepted; the agreement names {proposal}"
            )

    def _on_agreement_amended(self, e: Event) -> None:
        proposal = e.data.get("proposal")
        changes = {k: v for k, v in e.data.items() if k not in ("version", "proposal")}
        if proposal is not None and changes != self.proposals[proposal][1]:  # type: ignore[index]
            raise self.fail("amendments", e, f"proposal {proposal} changes other settings")
        if not changes or not set(changes) <= AMENDABLE:
            raise self.fail("permissions", e, "a session amends only the agreement's settings")
        self.agreement = self.agreement.amend(**changes)
        if e.data["version"] != self.agreement.version:
            raise self.fail("model", e, f"amended to v{e.data['version']}")
        if self.holder is not None:
            self.share_clean = False

    # -------------------------------------------------------------- notices

    def expect_notices(self, e: Event) -> None:
        """The phase's rule notices; then, after the arrival one past the size guidance, its own."""
        super().expect_notices(e)
        guidance = self.agreement.size_guidance
        if e.kind is K.ARRIVED and guidance is not None and len(self.present) == guidance + 1:
            data = {"rule": SIZE_GUIDANCE, "present": guidance + 1, "guidance": guidance}
            self.pending.append((SIZE_GUIDANCE, data))

    def check_settled(self) -> None:
        """Every notice due was recorded, and an accepted proposal amended the agreement."""
        super().check_settled()
        if self.owed is not None:
            raise ConformanceError(
                "amendments", f"proposal {self.owed} was accepted but the agreement not amended"
            )


def check_practice(state: SessionState, model: PracticeFold) -> None:
    """The session's listeners, agenda items and proposals are the model's.

    Raises:
        ConformanceError: ``listening``, ``agenda`` or ``amendments``.
    """
    statuses = {n: status for n, (status, _changes) in model.proposals.items()}
    pairs: list[tuple[str, str, object, object]] = [
        ("listening", "listening", state.listening, tuple(model.listening)),
        ("agenda", "agenda_items", dict(state.agenda_items), model.agenda_items),
        ("amendments", "amendments", dict(state.amendments), statuses),
    ]
    for invariant, name, engine, expected in pairs:
        if engine != expected:
            raise ConformanceError(
                invariant, f"the session's {name} is {engine!r}, the model's {expected!r}"
            )
