"""The group decides on its agreement: proposals, decisions by the group's rule, withdrawals.

The comfort agreement belongs to the group. A member proposes an amendment of the
agreement's settings (``propose_amendment``: the changes are recorded, numbered in
the session, never the discussion); the group decides by the decision rule its
agreement names (``Agreement.decision``: ``consensus``, ``majority`` or
``two-thirds``), and the facilitator records the count (``decide_amendment``: how
many agreed, disagreed and stood aside; the engine applies the rule); an accepted
proposal makes the next version of the agreement in the same action
(``agreement_amended`` with the proposal's number), which everyone consents to
before taking the floor again. A facilitator may withdraw a proposal before the
decision (``withdraw_amendment``). A point of process resolved with the outcome
``amendment`` leads here.

Who agreed or disagreed is never recorded: only the counts. The checks are
``amendment`` (what a proposal may change, and that it is open) and ``decision``
(the count and the rule).
"""

from __future__ import annotations

from typing import Any, Final

from peersupport.engine import checks
from peersupport.engine.events import Event, EventData, EventKind
from peersupport.engine.fold import LiveState
from peersupport.engine.ledger import Ledger
from peersupport.errors import ActionRejected, AlreadyDone, PermissionDenied
from peersupport.validate import brief
from peersupport.values import SETTINGS, Agreement

__all__ = [
    "DecisionActions",
    "decide_amendment",
    "outcome",
    "propose_amendment",
    "withdraw_amendment",
]

_PROPOSED: Final = EventKind.AMENDMENT_PROPOSED
_DECIDED: Final = EventKind.AMENDMENT_DECIDED
_WITHDRAWN: Final = EventKind.AMENDMENT_WITHDRAWN
_AMENDED: Final = EventKind.AGREEMENT_AMENDED


def _amended(agreement: Agreement, actor: str, action: str, changes: dict[str, Any]) -> Agreement:
    """The agreement with ``changes``, or a refusal naming what is wrong with them."""
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown or not changes:
        raise ActionRejected(
            actor,
            action,
            checks.AMENDMENT,
            f"a proposal changes some of {', '.join(SETTINGS)}; got {', '.join(unknown) or 'none'}",
        )
    try:
        return agreement.amend(**changes)
    except (ValueError, TypeError) as exc:
        raise ActionRejected(actor, action, checks.AMENDMENT, str(exc)) from None


def propose_amendment(
    ledger: Ledger, member_arg: object, by_arg: object, changes: dict[str, Any]
) -> Event:
    """``member`` proposes an amendment (see :meth:`DecisionActions.propose_amendment`)."""
    member, by = checks.ids("propose_amendment", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "propose_amendment")
    try:
        live = ledger.live
        checks.running(live, actor, "propose_amendment", floor_action=True)
        role = checks.who(live, "propose_amendment", member, by)
        checks.present(live, actor, "propose_amendment", member)
        if not role.takes_turns:
            raise PermissionDenied(
                actor, "propose_amendment", checks.AMENDMENT, f"{member} observes"
            )
        amended = _amended(live.agreement, actor, "propose_amendment", changes)
        data = {"proposal": len(live.amendments) + 1}
        data.update({k: getattr(amended, k) for k in changes})
        return ledger.commit(_PROPOSED, now, actor, member, EventData(data))
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def outcome(live: LiveState, by: str, counts: tuple[int, int, int]) -> str:
    """``accepted`` or ``rejected``: the agreement's decision rule applied to the count.

    Raises:
        ActionRejected: The count is not of whole numbers, counts more people than
            are present and take part, or (consensus) fewer (rule ``decision``).
    """
    agree, disagree, aside = counts
    taking_part = sum(1 for m in live.present if live.roles[m].takes_turns)
    counted = agree + disagree + aside
    rule = live.agreement.decision
    if counted > taking_part or (rule == "consensus" and counted != taking_part):
        raise ActionRejected(
            by,
            "decide_amendment",
            checks.DECISION,
            f"{counted} counted but {taking_part} present take part"
            + ("; consensus counts everyone present" if rule == "consensus" else ""),
        )
    if rule == "consensus":
        accepted = disagree == 0 and agree > 0
    elif rule == "majority":
        accepted = agree > disagree
    else:  # two-thirds of those who voted
        accepted = agree > 0 and 3 * agree >= 2 * (agree + disagree)
    return "accepted" if accepted else "rejected"


def _open(live: LiveState, by: str, action: str, proposal: object) -> tuple[int, EventData]:
    """The number and changes of the open proposal ``proposal``, or a refusal."""
    number = proposal if type(proposal) is int else -1
    found = live.amendments.get(number)
    if found is None or found[0] != "open":
        status = "no such proposal" if found is None else f"it was {found[0]}"
        raise AlreadyDone(
            by, action, checks.AMENDMENT, f"proposal {brief(proposal)} is not open ({status})"
        )
    return number, found[1]


def _counts(by: str, counts: tuple[object, object, object]) -> tuple[int, int, int]:
    agree, disagree, aside = counts
    if not (_count(agree) and _count(disagree) and _count(aside)):
        raise ActionRejected(
            by, "decide_amendment", checks.DECISION, "the count is of whole numbers from 0"
        )
    return agree, disagree, aside  # type: ignore[return-value]


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def decide_amendment(
    ledger: Ledger, proposal: object, by_arg: object, counts: tuple[object, object, object]
) -> Event:
    """Record the group's decision (see :meth:`DecisionActions.decide_amendment`)."""
    by = checks.facilitator_id("decide_amendment", by_arg)
    now = ledger.begin(by, "decide_amendment")
    try:
        live = ledger.live
        checks.facilitator(live, by, "decide_amendment", floor_action=True)
        number, changes = _open(live, by, "decide_amendment", proposal)
        agree, disagree, aside = _counts(by, counts)
        result = outcome(live, by, (agree, disagree, aside))
        amended = None
        if result == "accepted":  # the agreement may have changed since: check again
            amended = _amended(live.agreement, by, "decide_amendment", dict(changes))
        data = EventData(
            proposal=number, agree=agree, disagree=disagree, stand_aside=aside, outcome=result
        )
        mark = len(ledger.events)
        decided = ledger.commit(_DECIDED, now, by, None, data)
        if amended is not None:
            new = {"version": amended.version, **changes, "proposal": number}
            ledger.commit(_AMENDED, now, by, None, EventData(new), since=mark)
        return decided
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def withdraw_amendment(ledger: Ledger, proposal: object, by_arg: object) -> Event:
    """Withdraw a proposal (see :meth:`DecisionActions.withdraw_amendment`)."""
    by = checks.facilitator_id("withdraw_amendment", by_arg)
    now = ledger.begin(by, "withdraw_amendment")
    try:
        live = ledger.live
        checks.facilitator(live, by, "withdraw_amendment", floor_action=False)
        number, _changes = _open(live, by, "withdraw_amendment", proposal)
        return ledger.commit(_WITHDRAWN, now, by, None, EventData({"proposal": number}))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


class DecisionActions:
    """Proposals, decisions and withdrawals: methods of a :class:`~peersupport.Session`."""

    __slots__ = ()
    _ledger: Ledger

    def propose_amendment(self, member: str, *, by: str | None = None, **changes: Any) -> Event:
        """``member`` proposes amending the agreement's settings (e.g. ``share_limit=120``).

        The proposal is numbered (1, 2, … in the session) and waits for the group's
        decision. Anyone present who takes part may propose (a facilitator may
        record it for them, ``by``).

        Raises:
            ActionRejected: No change, a setting that cannot be amended, or an
                invalid value (check ``amendment``).
            PermissionDenied: ``member`` is an observer.
        """
        return propose_amendment(self._ledger, member, by, changes)

    def decide_amendment(
        self, proposal: int, *, by: str, agree: int, disagree: int = 0, stand_aside: int = 0
    ) -> Event:
        """Record the group's decision on ``proposal``: the count, and the rule decides.

        Under ``consensus`` the count covers everyone present who takes part and
        nobody disagrees; under ``majority`` more agree than disagree; under
        ``two-thirds`` at least two thirds of those who voted agree. An accepted
        proposal makes the next version of the agreement in the same action
        (``agreement_amended``), and everyone consents to it before taking the
        floor again. Who agreed is never recorded.

        Raises:
            AlreadyDone: The proposal is not open (check ``amendment``).
            ActionRejected: The count does not fit who is present, or the proposal
                no longer fits the agreement in force (checks ``decision``,
                ``amendment``: withdraw it).
        """
        counts = (agree, disagree, stand_aside)
        return decide_amendment(self._ledger, proposal, by, counts)

    def withdraw_amendment(self, proposal: int, *, by: str) -> Event:
        """A facilitator withdraws an open proposal (e.g. its proposer asked them to).

        Raises:
            AlreadyDone: The proposal is not open (check ``amendment``).
        """
        return withdraw_amendment(self._ledger, proposal, by)
