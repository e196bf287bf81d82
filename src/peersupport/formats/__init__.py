"""Installed session formats.

Use :func:`get` to fetch a format by name, :func:`names` to list them, and
:func:`installed` to see which plugin provided each::

    import peersupport as ps
    fmt = ps.formats.get("sharing-circle")

Built-in formats (registered through the same ``register_formats`` hook as
third-party ones): ``sharing-circle``, ``open-sharing``, ``twelve-step``,
``smart-recovery``, ``dbsa``, ``peer-support-group``,
``talking-piece-circle``, ``orientation`` (newcomer orientation),
``speaker-meeting`` (sharing by raised hands after a speaker) and
``free-discussion`` (the baseline with no fairness rule, for simulations).
"""

from __future__ import annotations

from peersupport.engine.format import Format
from peersupport.plugins import registry

__all__ = ["get", "installed", "names"]


def get(name: str) -> Format:
    """Return the installed format called ``name``.

    Raises:
        KeyError: If no such format is installed (the message lists the known ones).
    """
    found = registry().formats.get(name)
    if found is None:
        raise KeyError(f"no format {name!r}; installed formats: {', '.join(names())}")
    return found.item


def names() -> list[str]:
    """Names of the installed formats, sorted."""
    return sorted(registry().formats)


def installed() -> dict[str, str]:
    """Each installed format's name mapped to the plugin that provided it."""
    return {name: found.plugin for name, found in sorted(registry().formats.items())}
