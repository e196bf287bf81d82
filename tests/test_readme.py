"""The README's example runs as shown, and its links point at existing files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import peersupport as ps

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


class TestReadme:
    def test_session_example(self) -> None:
        """The twenty-line example raises one-share-per-round with the message shown."""
        (block,) = python_blocks()
        namespace: dict[str, object] = {}
        with pytest.raises(ps.RuleViolation) as exc:
            exec(block, namespace)
        assert exc.value.rule == "one-share-per-round"
        assert str(exc.value) in README.read_text().replace("\n", " ")
        session = namespace["session"]
        assert isinstance(session, ps.Session)
        assert session.offered_to() == "dee"

    def test_links_point_at_files(self) -> None:
        """Every relative link in the README names a file in the repository."""
        links = re.findall(r"\]\(([^)#]+)\)", README.read_text())
        relative = [link for link in links if "://" not in link]
        assert len(relative) >= 10
        missing = [link for link in relative if not (ROOT / link).is_file()]
        assert missing == []

    def test_commands_are_the_ones_ci_runs(self) -> None:
        """The README's test command is the one .ci/run runs."""
        ci = (ROOT / ".ci" / "run").read_text()
        for command in (
            "python3 dev.py test",
            "python3 dev.py test-sim",
            "python3 dev.py crosscheck",
        ):
            assert f"\n{command} " in README.read_text()
            assert f"\n{command}\n" in ci
