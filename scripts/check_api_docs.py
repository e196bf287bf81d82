"""Check that the API reference documents every public name exactly once.

Reads the ``objects.inv`` inventory that mkdocstrings writes into the built site
and compares it with the ``__all__`` of every public module: each public object
(functions, classes, constants; modules and ``__version__`` aside) must have
exactly one primary entry. Objects re-exported under two names (``ps.Event`` and
``ps.events.Event``) count as one object. Run after ``mkdocs build``::

    python scripts/check_api_docs.py site
"""

from __future__ import annotations

import importlib
import sys
import types
import zlib
from collections import defaultdict
from pathlib import Path

#: The public modules; each documents the names in its ``__all__``.
PUBLIC = (
    "peersupport",
    "peersupport.events",
    "peersupport.formats",
    "peersupport.plugins",
    "peersupport.hookspecs",
    "peersupport.report",
    "peersupport.research",
    "peersupport.directory",
    "peersupport.attendance",
    "peersupport.buddies",
    "peersupport.grouplog",
    "peersupport.feedback",
    "peersupport.trends",
    "peersupport.store",
    "peersupport.live",
    "peersupport.web",
    "peersupport.validate",
    "peersupport.testing",
    "peersupport.testing.strategies",
    "peersupport.sim",
)
#: Hook specifications are public too, though not in ``hookspecs.__all__``.
HOOKS = "peersupport.hookspecs"


def inventory(site: Path) -> list[str]:
    """Names of the primary Python entries in ``site/objects.inv``."""
    raw = (site / "objects.inv").read_bytes()
    body = raw.split(b"\n", 4)[4]  # four header lines, then zlib data
    names = []
    for line in zlib.decompress(body).decode().splitlines():
        name, role, priority, *_ = line.split(" ")
        if role.startswith("py:") and priority == "1":
            names.append(name)
    return names


Key = tuple[object, ...]


def key(name: str, obj: object) -> Key:
    """What identifies a public object: its id, or for a number or string its name and value.

    (Two constants equal to 2 may be one cached int object; they are still two names.)
    """
    if isinstance(obj, int | float | str):
        return ("constant", name.rpartition(".")[2], type(obj), obj)
    return ("object", id(obj))


def public_objects() -> dict[Key, str]:
    """key(object) -> a public name of it, for every public object."""
    found: dict[Key, str] = {}
    for module_name in PUBLIC:
        module = importlib.import_module(module_name)
        names = list(getattr(module, "__all__", ()))
        if module_name == HOOKS:
            names += [*module.REGISTRATION_HOOKS, *module.LIFECYCLE_HOOKS]
        for name in names:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or name.startswith("__"):
                continue
            found.setdefault(key(name, obj), f"{module_name}.{name}")
    return found


def check(site: Path) -> list[str]:
    """Problems found: public names missing from the reference or documented twice."""
    entries: dict[Key, list[str]] = defaultdict(list)
    for full in inventory(site):
        module_name, _, name = full.rpartition(".")
        try:  # an entry named after a module path, e.g. peersupport.sim.sweep.sweep
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # a method or attribute of a class
        obj = getattr(module, name, None)
        if obj is not None and not isinstance(obj, types.ModuleType):
            entries[key(name, obj)].append(full)
    problems = []
    for found, name in sorted(public_objects().items(), key=lambda item: item[1]):
        documented = entries.get(found, [])
        if not documented:
            problems.append(f"{name} is public but not in the API reference")
        elif len(documented) > 1:
            problems.append(f"{name} is documented {len(documented)} times: {documented}")
    return problems


def main(argv: list[str]) -> int:
    """Check the site in ``argv[0]`` (default ``site``); print problems; return 1 if any."""
    site = Path(argv[0] if argv else "site")
    problems = check(site)
    for problem in problems:
        print(problem)
    count = len(public_objects())
    if problems:
        print(f"API reference: {len(problems)} problem(s) in {count} public names")
        return 1
    print(f"API reference: all {count} public names documented exactly once")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
