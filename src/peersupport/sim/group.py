"""The simulated group and its facilitator.

:func:`make_group` seats the facilitator (and a co-facilitator for formats that
need two) before the simulated members; :class:`Facilitator` says how the
simulated facilitator runs a session; :data:`DEFAULT_AGREEMENT` is the group's
agreement unless another is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from peersupport.sim.behaviour import MemberProfile
from peersupport.values import Agreement, Group, Member, Role

__all__ = ["CO_FAC", "DEFAULT_AGREEMENT", "FAC", "Facilitator", "make_group"]

#: Member id of the simulated facilitator.
FAC = "fac"
#: Member id of the simulated co-facilitator (formats that need two facilitators).
CO_FAC = "cofac"


@attrs.frozen
class Facilitator:
    """How the simulated facilitator runs the session.

    Attributes:
        close_at_budget: Close a round (and move on) once the phase's budget is used up.
        max_rounds: Rounds per phase at most (``None``: as many as time allows).
        turn_gap: Seconds between one turn or share and the next.
        phase_talk: Seconds the facilitator speaks in facilitator-only phases
            (0: they just move on).
        shares: Whether the facilitator shares on their own turn in a round
            (for ``share_seconds``); otherwise they pass it, except where the
            agreement switched passing off: then they share.
        share_seconds: Length of the facilitator's own share.
        meeting_length: Seconds from the opening to the meeting's scheduled end
            (``None``: no schedule). With one, the session opens with ``ends_at``:
            the phases' budgets shrink when earlier phases overran, the facilitator
            closes rounds at the budget in force, and the metrics count whether and
            by how much the meeting overran (``meeting_overran``, ``meeting_overrun``).
    """

    close_at_budget: bool = True
    max_rounds: int | None = None
    turn_gap: float = 2.0
    phase_talk: float = 0.0
    shares: bool = False
    share_seconds: float = 60.0
    meeting_length: float | None = None


DEFAULT_AGREEMENT = Agreement(share_limit=180.0, warn_at=150.0)
"""The simulated group's default agreement: 3-minute shares, a warning at 2:30, no
hard cap and no cross-talk (so interjections are blocked even in phases that allow
cross-talk). Pass e.g. ``agreement=DEFAULT_AGREEMENT.amend(cross_talk=True)`` to
:func:`~peersupport.sim.simulate` or :func:`~peersupport.sim.grid` to let them through."""

_GROUPS: dict[tuple[tuple[tuple[str, bool], ...], int, Agreement], Group] = {}


def make_group(
    profiles: Sequence[MemberProfile], agreement: Agreement, facilitators: int = 1
) -> Group:
    """The simulated group: the facilitator(s) first in seat order, then the members.

    Groups are cached by their shape (ids, newcomer flags, facilitators, agreement).
    """
    key = (tuple((p.id, p.newcomer) for p in profiles), facilitators, agreement)
    group = _GROUPS.get(key)
    if group is None:
        roles: dict[Member, Role] = {Member(FAC, "Facilitator"): Role.FACILITATOR}
        if facilitators > 1:
            roles[Member(CO_FAC, "Co-facilitator")] = Role.CO_FACILITATOR
        for p in profiles:
            roles[Member(p.id, p.id.upper())] = Role.NEWCOMER if p.newcomer else Role.MEMBER
        group = Group(name="simulated group", roles=roles, agreement=agreement)
        if len(_GROUPS) > 256:
            _GROUPS.clear()
        _GROUPS[key] = group
    return group
