"""The plugin manager: loading plugins and the registries they fill.

Plugins are found lazily, the first time something needs them (a format is
looked up or a session is created):

1. the library's own plugins (built-in turn policies, rules and formats) are
   registered first, through exactly the same hooks as everyone else's;
2. then the entry points of the group ``peersupport`` of installed packages.

The environment variable ``PEERSUPPORT_PLUGINS`` limits step 2: unset, every
installed plugin loads; set to a comma-separated list of entry-point names, only
those load; set to an empty string, none do.

Loading is safe from any number of threads: the first one to need the plugins
loads them while the others wait.

Apps can also add an in-process plugin (e.g. an object whose methods listen to
lifecycle hooks) with :func:`add` and take it out with :func:`remove`.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

import attrs
import pluggy

from peersupport import hookspecs
from peersupport.engine import format as engine_format
from peersupport.engine.events import Event, EventKind
from peersupport.engine.kinds import KINDS
from peersupport.engine.policies import TurnPolicy
from peersupport.engine.rules import Rule
from peersupport.engine.state import SessionView
from peersupport.errors import PluginError
from peersupport.registration import Provided, Registry, build_registry

__all__ = [
    "BUILTIN_PLUGINS",
    "ENV_VAR",
    "ENTRY_POINT_GROUP",
    "Dispatcher",
    "HookFailure",
    "PluginError",
    "Provided",
    "Registry",
    "add",
    "dispatcher",
    "manager",
    "plugin_code",
    "provider_of",
    "registry",
    "reload",
    "remove",
]

logger = logging.getLogger("peersupport.plugins")

ENV_VAR = "PEERSUPPORT_PLUGINS"
ENTRY_POINT_GROUP = "peersupport"
#: The library's own plugins, registered before any third-party one.
BUILTIN_PLUGINS = (
    "peersupport.builtin",
    "peersupport.formats.sharing_circle",
    "peersupport.formats.open_sharing",
    "peersupport.formats.twelve_step",
    "peersupport.formats.smart_recovery",
    "peersupport.formats.dbsa",
    "peersupport.formats.peer_support_group",
    "peersupport.formats.talking_piece_circle",
    "peersupport.formats.orientation",
    "peersupport.formats.speaker_meeting",
    "peersupport.formats.free_discussion",
)


@attrs.frozen
class HookFailure:
    """A lifecycle hook that raised; the session went on unchanged.

    Attributes:
        hook: Name of the hook, e.g. ``"share_started"``.
        plugin: Name of the plugin whose implementation raised.
        seq: Number of the event the hook was told about.
        error: The exception it raised.
    """

    hook: str
    plugin: str
    seq: int
    error: BaseException


_manager: pluggy.PluginManager | None = None
_registry: Registry | None = None
_dispatcher: Dispatcher | None = None
_extra: dict[str, object] = {}
#: Held while plugins load (re-entrant, so a registration hook that looks something
#: up in the same thread gets a clear error instead of a deadlock).
_lock = threading.RLock()


def manager() -> pluggy.PluginManager:
    """The plugin manager, with every plugin loaded (on first call)."""
    _ensure_loaded()
    assert _manager is not None
    return _manager


def registry() -> Registry:
    """What the loaded plugins registered (loading them on first call)."""
    _ensure_loaded()
    assert _registry is not None
    return _registry


def provider_of(item: object) -> str:
    """Name of the plugin that registered ``item`` (a rule or a turn policy).

    Returns ``"<not registered>"`` for an object no loaded plugin registered (e.g.
    a rule passed straight to :meth:`~peersupport.Format.from_chart`).
    """
    try:
        found = registry()
    except PluginError:  # pragma: no cover - only asked after plugins loaded
        return "<not registered>"
    for table in (found.rules, found.policies):
        for provided in table.values():
            if provided.item is item:
                return provided.plugin
    return "<not registered>"


def plugin_code(exc: BaseException) -> str | None:
    """Which rule or turn policy raised ``exc``, as ``"rule 'x' of plugin 'p'"``, if one did.

    Looks through the traceback for the innermost method of a
    :class:`~peersupport.Rule` or :class:`~peersupport.TurnPolicy`.
    """
    culprit: Rule | TurnPolicy | None = None
    tb = exc.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, Rule | TurnPolicy):
            culprit = owner
        tb = tb.tb_next
    if culprit is None:
        return None
    if isinstance(culprit, Rule):
        return f"rule {culprit.id!r} of plugin {provider_of(culprit)!r}"
    return f"turn policy {culprit.name!r} of plugin {provider_of(culprit)!r}"


def reload() -> None:
    """Forget loaded plugins; they load again, re-reading ``PEERSUPPORT_PLUGINS``.

    Plugins added with :func:`add` stay. Sessions created before keep the hooks
    they were created with.
    """
    global _manager, _registry, _dispatcher
    with _lock:
        _manager = _registry = _dispatcher = None


def add(plugin: object, name: str) -> None:
    """Register an in-process plugin (a module or object with hook implementations).

    Its registration hooks run now (with the others, from scratch); its
    lifecycle hooks are told about sessions created from now on.

    Raises:
        PluginError: If a plugin with this name is already loaded.
    """
    with _lock:
        if name in _extra:
            raise PluginError(f"a plugin named {name!r} is already added")
        _extra[name] = plugin
        try:
            reload()
            _ensure_loaded()
        except BaseException:
            del _extra[name]
            reload()
            raise


def remove(name: str) -> None:
    """Take out a plugin added with :func:`add`.

    Raises:
        PluginError: If no plugin of that name was added.
    """
    with _lock:
        if name not in _extra:
            raise PluginError(f"no plugin named {name!r} was added")
        del _extra[name]
        reload()


def _allowed() -> set[str] | None:
    raw = os.environ.get(ENV_VAR)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


_loading = False


def _ensure_loaded() -> None:
    global _loading
    if _registry is not None:
        return
    with _lock:
        if _registry is not None:  # another thread loaded them while this one waited
            return
        if _loading:
            raise PluginError(
                "plugins are still being loaded: a registration hook cannot look up "
                "formats, rules or turn policies (import the chart class instead)"
            )
        _loading = True
        try:
            _load()
        finally:
            _loading = False


def _load() -> None:
    global _manager, _registry
    pm = pluggy.PluginManager("peersupport")
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    allowed = _allowed()
    found: set[str] = set()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and entry_point.name not in allowed:
            continue
        found.add(entry_point.name)
        if pm.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: {exc}"
            ) from exc
        _register(pm, plugin, entry_point.name)
    if allowed:
        missing = sorted(allowed - found)
        if missing:
            raise PluginError(
                f"{ENV_VAR} names {', '.join(map(repr, missing))}, but no installed package "
                f"has such an entry point in the group {ENTRY_POINT_GROUP!r}"
            )
    for name, plugin in _extra.items():
        _register(pm, plugin, name)
    try:  # a hook implementation whose name is no hook (a typo) would never be called
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        where = f"plugin {pm.get_name(exc.plugin)!r}"
        raise PluginError(f"{where}: {' '.join(str(exc).split())}") from exc
    _registry = build_registry(pm)
    _manager = pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin``, turning pluggy's validation errors into :class:`PluginError`."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(" ".join(str(exc).split())) from exc  # one line; names the plugin


# ---------------------------------------------------------------- lifecycle hooks


def _installed() -> tuple[Mapping[str, TurnPolicy], Mapping[str, Rule]]:
    found = registry()
    return (
        {k: v.item for k, v in found.policies.items()},
        {k: v.item for k, v in found.rules.items()},
    )


engine_format.use_installed(_installed)

#: Failures are reported to this: ``(hook, plugin, event number, exception)``.
FailureSink = Callable[["HookFailure"], None]


class Dispatcher:
    """Calls the lifecycle hooks of the loaded plugins, one implementation at a time.

    pluggy stops at the first implementation that raises; the dispatcher calls
    each implementation itself so that one failing plugin cannot keep the others
    from being told, and records the failure instead of raising it. Which hook
    hears of which event kind comes from :data:`peersupport.events.KINDS`.
    """

    __slots__ = ("_impls",)

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._impls: dict[str, list[pluggy.HookImpl]] = {}
        for name in hookspecs.LIFECYCLE_HOOKS:
            impls = getattr(pm.hook, name).get_hookimpls()
            if impls:
                # pluggy calls the last registered first; keep that order.
                self._impls[name] = list(reversed(impls))

    def __bool__(self) -> bool:
        return bool(self._impls)

    def wants(self, hook: str) -> bool:
        """Whether any plugin implements ``hook``."""
        return hook in self._impls

    def call(self, hook: str, seq: int, failed: FailureSink, **kwargs: Any) -> None:
        """Call every implementation of ``hook``; report and log those that raise."""
        for impl in self._impls.get(hook, ()):
            try:
                impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                failed(HookFailure(hook=hook, plugin=impl.plugin_name, seq=seq, error=exc))
                logger.error(
                    "plugin %r raised in hook %s (event %d); the session goes on",
                    impl.plugin_name,
                    hook,
                    seq,
                    exc_info=exc,
                )

    def event(
        self, view: SessionView, event: Event, offered: str | None, failed: FailureSink
    ) -> None:
        """Tell the plugins about a committed event (and a newly offered turn).

        Args:
            view: The session as it was right after ``event``.
            event: The event.
            offered: Whom the floor is newly offered to, if anyone.
            failed: Where failing hooks are reported.
        """
        hook = KINDS[event.kind].hook
        seq = event.seq
        if event.kind in (EventKind.LEFT, EventKind.ENDED) and "duration" in event.data:
            self.call("share_ended", seq, failed, session=view, event=event)
        if hook is not None:
            self.call(hook, seq, failed, session=view, event=event)
        if offered is not None:
            self.call("turn_offered", seq, failed, session=view, member=offered)
        self.call("event_recorded", seq, failed, session=view, event=event)


def dispatcher() -> Dispatcher | None:
    """The lifecycle dispatcher of the loaded plugins, or ``None`` if none listens."""
    global _dispatcher
    _ensure_loaded()
    with _lock:
        if _dispatcher is None:
            _dispatcher = Dispatcher(manager())
        found = _dispatcher
    return found if found else None
