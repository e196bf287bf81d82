"""What plugins register: turn policies, rules and formats, each claimed by one plugin.

:func:`build_registry` calls the registration hooks of a loaded plugin manager
(turn policies, then rules, then formats, so a format may use any plugin's
policies and rules) with ``register`` callbacks that own the names: registering
a name twice raises :class:`~peersupport.errors.PluginError` naming both
plugins, unless the second passes ``replace=True``. Formats are compiled and
checked as they are registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import pluggy

from peersupport.engine.chart import FormatChart
from peersupport.engine.format import Format
from peersupport.engine.policies import TurnPolicy
from peersupport.engine.rules import Rule
from peersupport.errors import FormatError, PluginError

__all__ = ["Provided", "Registry", "build_registry"]

T = TypeVar("T")


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


def build_registry(pm: pluggy.PluginManager) -> Registry:
    """Call the registration hooks of ``pm``'s plugins and collect what they register.

    Raises:
        PluginError: A name registered twice without ``replace=True``, or not a
            policy or rule.
        FormatError: A format that does not compile, naming the plugin.
    """
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
