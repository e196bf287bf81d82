"""The test group's people and builder, and the built-in formats, shared by test modules.

(Not in conftest.py: test modules import these by name, and the docs/ directory
has a conftest.py of its own, so ``from conftest import ...`` would be ambiguous.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import peersupport as ps

DEE = ps.Member("dee", "Dee")
AL = ps.Member("al", "Al")
BO = ps.Member("bo", "Bo")
CY = ps.Member("cy", "Cy")
NU = ps.Member("nu", "Nu")
OB = ps.Member("ob", "Ob")

#: Everyone in the group, in seat order.
EVERYONE = ("dee", "al", "bo", "cy", "nu", "ob")
#: Turn order of a round when everyone is present: after the facilitator, who speaks last.
ROUND = ("al", "bo", "cy", "nu", "dee")
#: Time the manual clock starts at (not zero, so relative and absolute times differ).
T0 = 1000.0


def make_group(
    agreement: ps.Agreement | None = None, *, closed: bool = True, name: str = "Thursday circle"
) -> ps.Group:
    """The test group: facilitator dee, members al, bo, cy, newcomer nu, observer ob."""
    return ps.Group(
        name=name,
        roles={
            DEE: ps.Role.FACILITATOR,
            AL: ps.Role.MEMBER,
            BO: ps.Role.MEMBER,
            CY: ps.Role.MEMBER,
            NU: ps.Role.NEWCOMER,
            OB: ps.Role.OBSERVER,
        },
        agreement=ps.Agreement(share_limit=300.0, warn_at=240.0)
        if agreement is None
        else agreement,
        closed=closed,
    )


#: The formats the library itself provides (the example plugin adds lightning-round).
BUILTIN_FORMATS = (
    "sharing-circle",
    "open-sharing",
    "twelve-step",
    "smart-recovery",
    "dbsa",
    "peer-support-group",
    "talking-piece-circle",
    "orientation",
    "speaker-meeting",
    "free-discussion",
)


def around(policy: str, **options: Any) -> type[ps.FormatChart]:
    """A chart of an opening, one phase ("talk") under ``policy``, and a closing.

    ``options`` holds more of the talk phase's options (``rules``, ``cross_talk`` …).
    """

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        talk = ps.Phase("Talk", policy=policy, **options)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)
        advance = opening.to(talk) | talk.to(closing)

    return Chart


def installed_rules(*added: ps.Rule, without: Iterable[str] = ()) -> dict[str, ps.Rule]:
    """The installed plugins' rules by id, with ``added`` (replacing by id) and ``without``."""
    rules = {key: value.item for key, value in ps.plugins.registry().rules.items()}
    for rule_id in without:
        del rules[rule_id]
    return rules | {rule.id: rule for rule in added}
