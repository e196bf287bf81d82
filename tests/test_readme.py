"""The README's examples run as shown."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

import peersupport as ps

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


class TestReadme:
    def test_session_example(self, tmp_path, monkeypatch):
        """The twenty-line example raises one-share-per-round, then the state is as shown."""
        monkeypatch.chdir(tmp_path)
        first, second = python_blocks()[:2]
        namespace: dict[str, object] = {}
        with pytest.raises(ps.RuleViolation) as exc:
            exec(first, namespace)
        assert exc.value.rule == "one-share-per-round"
        assert str(exc.value) in README.read_text().replace("\n", " ")
        session = namespace["session"]
        assert isinstance(session, ps.Session)
        state = session.state
        assert (state.phase, state.floor.holder, state.round) == ("check_in", None, 1)
        assert session.offered_to() == "dee"
        exec(second, namespace)
        assert ps.events.load(tmp_path / "thursday.jsonl") == list(session.events)

    def test_plugin_example(self):
        """The plugin example registers a format through the hook."""
        module = types.ModuleType("readme_plugin")
        exec(python_blocks()[2], module.__dict__)
        ps.plugins.add(module, "readme-plugin")
        try:
            assert ps.formats.installed()["lightning"] == "readme-plugin"
            phase = ps.formats.get("lightning").phases["check_in"]
            assert (phase.share_limit, phase.hard_cap) == (60, True)
        finally:
            ps.plugins.remove("readme-plugin")
