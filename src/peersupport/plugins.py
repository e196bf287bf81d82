"""The plugin manager: loading plugins and the registries they fill.

Plugins are found lazily, the first time something needs them (a format is
looked up or a session is created):

1. the library's own plugins (built-in turn policies, rules and formats) are
   registered first, through exactly the same hooks as everyone else's;
2. then the entry points of the group ``peersupport`` of installed packages.

The environment variable ``PEERSUPPORT_PLUGINS`` limits step 2: unset, every
installed plugin loads; set to a comma-separated list of entry-point names, only
those load; set to an empty string, none do.

Apps can also add an in-process plugin (e.g. an object whose methods listen to
lifecycle hooks) with :func:`add` and take it out with :func:`remove`.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import pluggy

from peersupport import hookspecs
from peersupport.errors import FormatError, PeersupportError
from peersupport.events import Event, EventKind

if TYPE_CHECKING:
    from peersupport.floor import TurnPolicy
    from peersupport.format import Format, FormatChart
    from peersupport.rules import Rule
    from peersupport.session import Session

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
    "registry",
    "reload",
    "remove",
]

logger = logging.getLogger("peersupport.plugins")

ENV_VAR = "PEERSUPPORT_PLUGINS"
ENTRY_POINT_GROUP = "peersupport"
#: The library's own plugins, registered before any third-party one.
BUILTIN_PLUGINS = (
    "peersupport.floor",
    "peersupport.rules",
    "peersupport.formats.sharing_circle",
    "peersupport.formats.open_sharing",
    "peersupport.formats.twelve_step",
    "peersupport.formats.smart_recovery",
    "peersupport.formats.dbsa",
    "peersupport.formats.peer_support_group",
    "peersupport.formats.talking_piece_circle",
    "peersupport.formats.free_discussion",
)

T = TypeVar("T")


class PluginError(PeersupportError):
    """A plugin could not be loaded, or two plugins claim the same name."""


@attrs.frozen
class Provided(Generic[T]):
    """Something a plugin registered, with the name of that plugin.

    Attributes:
        item: The format, rule or turn policy.
        plugin: Name of the plugin that registered it (the module name for
            built-ins, the entry-point name for installed plugins).
    """

    item: T
    plugin: str


@attrs.frozen
class Registry:
    """What the loaded plugins registered, by name.

    Attributes:
        policies: Turn policies by name.
        rules: Rules by id.
        formats: Compiled formats by name.
    """

    policies: Mapping[str, Provided[TurnPolicy]]
    rules: Mapping[str, Provided[Rule]]
    formats: Mapping[str, Provided[Format]]


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


def reload() -> None:
    """Forget loaded plugins; they load again, re-reading ``PEERSUPPORT_PLUGINS``.

    Plugins added with :func:`add` stay. Sessions created before keep the hooks
    they were created with.
    """
    global _manager, _registry, _dispatcher
    _manager = _registry = _dispatcher = None


def add(plugin: object, name: str) -> None:
    """Register an in-process plugin (a module or object with hook implementations).

    Its registration hooks run now (with the others, from scratch); its
    lifecycle hooks are told about sessions created from now on.

    Raises:
        PluginError: If a plugin with this name is already loaded.
    """
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
    _registry = _build_registry(pm)
    _manager = pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin``, turning pluggy's validation errors into :class:`PluginError`."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(" ".join(str(exc).split())) from exc  # one line; names the plugin


def _build_registry(pm: pluggy.PluginManager) -> Registry:
    from peersupport.floor import TurnPolicy
    from peersupport.format import Format
    from peersupport.rules import Rule

    policies: dict[str, Provided[TurnPolicy]] = {}
    rules: dict[str, Provided[Rule]] = {}
    formats: dict[str, Provided[Format]] = {}

    def claim(
        kind: str, table: dict[str, Provided[Any]], name: str, item: Any, plugin: str, replace: bool
    ) -> None:
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin!r} registered a {kind} without a name")
        previous = table.get(name)
        if previous is not None and not replace:
            raise PluginError(
                f"{kind} {name!r} is registered by both {previous.plugin!r} and {plugin!r}; "
                f"the second must pass replace=True to replace it"
            )
        table[name] = Provided(item, plugin)

    def registrar(hook: str, make: Callable[[str], Callable[..., None]]) -> None:
        for impl in getattr(pm.hook, hook).get_hookimpls():
            impl.function(make(impl.plugin_name))

    def policy_register(plugin: str) -> Callable[..., None]:
        def register(policy: TurnPolicy, *, replace: bool = False) -> None:
            if not isinstance(policy, TurnPolicy):
                raise PluginError(f"plugin {plugin!r} registered {policy!r}, not a TurnPolicy")
            claim("turn policy", policies, policy.name, policy, plugin, replace)

        return register

    def rule_register(plugin: str) -> Callable[..., None]:
        def register(rule: Rule, *, replace: bool = False) -> None:
            if not isinstance(rule, Rule):
                raise PluginError(f"plugin {plugin!r} registered {rule!r}, not a Rule")
            claim("rule", rules, rule.id, rule, plugin, replace)

        return register

    def format_register(plugin: str) -> Callable[..., None]:
        def register(
            name: str,
            chart: type[FormatChart],
            *,
            title: str = "",
            description: str = "",
            facilitators: int = 1,
            replace: bool = False,
        ) -> None:
            try:
                fmt = Format.from_chart(
                    name,
                    chart,
                    title=title,
                    description=description,
                    facilitators=facilitators,
                    policies={k: v.item for k, v in policies.items()},
                    rules={k: v.item for k, v in rules.items()},
                )
            except FormatError as exc:
                raise FormatError(
                    name, f"{exc.problem} (registered by plugin {plugin!r})"
                ) from None
            claim("format", formats, name, fmt, plugin, replace)

        return register

    registrar("register_turn_policies", policy_register)
    registrar("register_rules", rule_register)
    registrar("register_formats", format_register)
    return Registry(policies=policies, rules=rules, formats=formats)


# ---------------------------------------------------------------- lifecycle hooks

_HOOK_OF_KIND: dict[EventKind, str] = {
    EventKind.OPENED: "session_opened",
    EventKind.PHASE_ENTERED: "phase_entered",
    EventKind.ROUND_STARTED: "phase_entered",
    EventKind.SHARE_STARTED: "share_started",
    EventKind.SHARE_ENDED: "share_ended",
    EventKind.PASSED: "passed",
    EventKind.TIME_WARNING: "time_warning",
    EventKind.OVERTIME: "time_warning",
    EventKind.PHASE_TIME_UP: "time_warning",
    EventKind.CROSS_TALK_BLOCKED: "rule_breach_attempted",
    EventKind.RULE_NOTICE: "rule_breach_attempted",
    EventKind.PAUSED: "session_paused",
    EventKind.RESUMED: "session_resumed",
    EventKind.ENDED: "session_ended",
}


class Dispatcher:
    """Calls the lifecycle hooks of the loaded plugins, one implementation at a time.

    pluggy stops at the first implementation that raises; the dispatcher calls
    each implementation itself so that one failing plugin cannot keep the others
    from being told, and records the failure instead of raising it.
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

    def call(self, hook: str, seq: int, **kwargs: Any) -> None:
        """Call every implementation of ``hook``; record and log those that raise.

        ``kwargs`` must hold ``session``, where failures are recorded.
        """
        session: Session = kwargs["session"]
        for impl in self._impls.get(hook, ()):
            try:
                impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                failure = HookFailure(hook=hook, plugin=impl.plugin_name, seq=seq, error=exc)
                session.hook_failures.append(failure)
                logger.error(
                    "plugin %r raised in hook %s (event %d); the session goes on",
                    impl.plugin_name,
                    hook,
                    seq,
                    exc_info=exc,
                )

    def event(self, session: Session, event: Event, offered: str | None) -> None:
        """Tell the plugins about a committed event (and a newly offered turn)."""
        hook = _HOOK_OF_KIND.get(event.kind)
        if event.kind in (EventKind.LEFT, EventKind.ENDED) and "duration" in event.data:
            self.call("share_ended", event.seq, session=session, event=event)
        if hook is not None:
            self.call(hook, event.seq, session=session, event=event)
        if offered is not None:
            self.call("turn_offered", event.seq, session=session, member=offered)
        self.call("event_recorded", event.seq, session=session, event=event)


def dispatcher() -> Dispatcher | None:
    """The lifecycle dispatcher of the loaded plugins, or ``None`` if none listens."""
    global _dispatcher
    _ensure_loaded()
    if _dispatcher is None:
        _dispatcher = Dispatcher(manager())
    return _dispatcher if _dispatcher else None
