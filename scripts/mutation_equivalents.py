"""Surviving mutants explained as equivalent (``scripts/mutation_equivalents.toml``).

An entry names the module (its file name without ``.py``), the function (``Class.method``
for a method; or ``functions``, a list, for the same change in several), the mutated
line(s) before and after (or ``after``, a list, for several changes of the same line
with one reason), stripped, and the reason. A survivor matches an entry by that text,
not by mutmut's numbering of the mutants.

A ``[[relabelled]]`` entry explains a family at once: in the named functions (all of
them called inside an action's ``try``, whose ``except`` re-labels any refusal with
whoever acted), a mutant that only puts ``None`` in place of one of the ``names``
given as a call's argument (the actor a refusal is given) is equivalent.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

EQUIVALENTS = Path(__file__).resolve().parent / "mutation_equivalents.toml"
#: What joins the changes of an entry whose ``after`` is a list (no mutant's text has it).
AFTERS = "\x1e"


def load_equivalents(path: Path = EQUIVALENTS) -> list[dict[str, str]]:
    """The explained equivalent mutants (none if the file does not exist).

    Each comes back with its ``functions`` joined with spaces (an ``[[equivalent]]``
    entry's one ``function`` if it names no list) and its ``after`` as one line per
    change (a list's items joined with ``AFTERS``); a ``[[relabelled]]`` entry with
    ``family = "relabelled"`` and its ``names`` joined with spaces too.
    """
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text())
    found: list[dict[str, str]] = []
    for entry in data.get("equivalent", []):
        names = entry.get("functions", [entry.get("function", "")])
        after = entry.get("after", "")
        found.append(
            {
                **{k: str(v) for k, v in entry.items()},
                "functions": " ".join(names),
                "after": AFTERS.join(after) if isinstance(after, list) else after,
            }
        )
    for entry in data.get("relabelled", []):
        found.append(
            {
                "family": "relabelled",
                "module": str(entry["module"]),
                "functions": " ".join(entry["functions"]),
                "names": " ".join(entry.get("names", ["actor", "by"])),
                "reason": str(entry["reason"]),
            }
        )
    return found


def _actor_to_none(before: str, after: str, names: list[str]) -> bool:
    """Whether ``after`` is ``before`` with one actor argument named in ``names`` made ``None``.

    An actor argument is followed by the action's name (a string literal, or the
    ``action`` parameter): a refusal's ``(actor, "action", …)`` or a check's
    ``(live, actor, "action", …)``.

    Not for the ledger's own calls, which run outside the ``try`` (``begin``,
    ``enter``) or are the re-labelling itself (``refused``), nor for
    ``checks.facilitator``, whose actor is also what it checks.
    """
    ledger_calls = ("ledger.begin(", "ledger.enter(", "ledger.refused(")
    # checks.facilitator(live, by, ...) checks ``by`` itself: not only a label.
    if any(call in before for call in (*ledger_calls, "checks.facilitator(")):
        return False
    for name in names:
        # The actor argument: the next argument is the action's name, a string or
        # the ``action`` parameter of a function serving several actions.
        pattern = re.compile(rf"(^|\(|, ){re.escape(name)}(?=, (\"|action[,)]))")
        for found in pattern.finditer(before):
            start, end = found.start() + len(found.group(1)), found.end()
            if before[:start] + "None" + before[end:] == after:
                return True
    return False


def why_equivalent(
    equivalents: list[dict[str, str]], module: str, function: str, before: str, after: str
) -> str | None:
    """The reason a surviving mutant is equivalent, if one of ``equivalents`` explains it.

    ``before`` and ``after`` are the mutant's removed and added lines, each stripped,
    joined with newlines.
    """
    for entry in equivalents:
        if entry.get("family") == "relabelled":
            if (
                entry["module"] == module
                and function in entry["functions"].split()
                and _actor_to_none(before, after, entry["names"].split())
            ):
                return entry["reason"]
            continue
        if (
            entry.get("module") == module
            and function in entry.get("functions", "").split()
            and entry.get("before", "").strip() == before
            and after in (a.strip() for a in entry.get("after", "").split(AFTERS))
        ):
            return entry.get("reason", "")
    return None
