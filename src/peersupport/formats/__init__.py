"""Installed session formats.

Use :func:`get` to fetch a format by name and :func:`names` to list them::

    import peersupport as ps
    fmt = ps.formats.get("sharing-circle")

Built-in formats: ``sharing-circle`` and ``open-sharing``. :func:`register` adds
a format compiled with :meth:`peersupport.Format.from_chart`.
"""

from __future__ import annotations

from collections.abc import Callable

from peersupport.errors import FormatError
from peersupport.format import Format

__all__ = ["get", "names", "register"]

_FACTORIES: dict[str, Callable[[], Format]] = {}
_CACHE: dict[str, Format] = {}


def register(name: str, factory: Callable[[], Format], *, replace: bool = False) -> None:
    """Register a format under ``name``.

    Args:
        name: The format's name.
        factory: Zero-argument callable returning the compiled format; called
            lazily, once, on first :func:`get`.
        replace: Allow replacing an existing registration.

    Raises:
        FormatError: If ``name`` is already registered and ``replace`` is false.
    """
    if name in _FACTORIES and not replace:
        raise FormatError(name, "a format with this name is already registered")
    _FACTORIES[name] = factory
    _CACHE.pop(name, None)


def get(name: str) -> Format:
    """Return the installed format called ``name``.

    Raises:
        KeyError: If no such format is installed (the message lists the known ones).
    """
    cached = _CACHE.get(name)
    if cached is not None:
        return cached
    factory = _FACTORIES.get(name)
    if factory is None:
        raise KeyError(f"no format {name!r}; installed formats: {', '.join(names())}")
    fmt = factory()
    if fmt.name != name:
        raise FormatError(name, f"its factory built a format named {fmt.name!r}")
    _CACHE[name] = fmt
    return fmt


def names() -> list[str]:
    """Names of the installed formats, sorted."""
    return sorted(_FACTORIES)


def _register_builtins() -> None:
    from peersupport.formats.open_sharing import open_sharing
    from peersupport.formats.sharing_circle import sharing_circle

    register("sharing-circle", sharing_circle)
    register("open-sharing", open_sharing)


_register_builtins()
