"""The documentation site in a real browser: offline and private by default.

Nothing a page shows may come from another host at run time: the state diagrams are
drawn by the Mermaid the site serves itself (not mkdocs-material's default, unpkg.com),
the fonts are the system's (not Google Fonts), and the repository link asks no API
for its stars. Each page is opened in Chromium with every request to another host
recorded and blocked; the diagrams must still be drawn as ``<svg>``.

Run with ``python3 dev.py test-browser`` (it builds the site first).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Visit  # tests/browser/conftest.py

# Marked, not skipped at import: the root conftest skips marked tests whose extra is
# missing (naming the command), and a run of other markers deselects them silently.
pytestmark = pytest.mark.browser

SITE = Path(__file__).resolve().parents[2] / "site"
#: Pages with state diagrams: two generated format pages and a hand-written one.
DIAGRAM_PAGES = ("formats/sharing-circle/", "formats/twelve-step/", "concepts/")
#: How long a page may take to draw its diagrams, in seconds.
DRAW_TIMEOUT_S = 30


def diagram_sources(path: str) -> list[str]:
    """The Mermaid sources of the ``<pre class="mermaid">`` blocks on a built page."""
    text = (SITE / path / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', text, flags=re.DOTALL)
    return [html.unescape(block) for block in blocks]


def test_home_page_loads_nothing_from_elsewhere(visit: Callable[[str], Visit]) -> None:
    opened = visit("")
    assert "peersupport" in opened.page.title()
    assert opened.page.locator("article h1").count() == 1
    assert len(opened.requests) > 3  # the page, its style sheets and scripts were seen
    assert opened.elsewhere() == []


@pytest.mark.parametrize("path", DIAGRAM_PAGES)
def test_diagrams_drawn_from_the_site_itself(path: str, visit: Callable[[str], Visit]) -> None:
    sources = diagram_sources(path)
    assert sources, f"{path} has no Mermaid diagram to test"
    opened = visit(path)
    page = opened.page
    # mkdocs-material replaces each <pre class="mermaid"> by a <div class="mermaid">
    # holding the drawn <svg>, once Mermaid has loaded and rendered it. Stop waiting
    # early once a script was asked of another host: blocked, it can never load.
    diagrams = page.locator("div.mermaid")
    deadline = time.monotonic() + DRAW_TIMEOUT_S
    while diagrams.count() < len(sources) and not opened.elsewhere():
        if time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    page.wait_for_load_state("networkidle")
    assert diagrams.count() == len(sources), (
        f"{path}: {diagrams.count()} of {len(sources)} diagram(s) drawn; "
        f"requests to other hosts: {opened.elsewhere()}"
    )
    for index, source in enumerate(sources):
        svg = diagrams.nth(index).locator("svg").first
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] > 50
        assert box["height"] > 50
        labels = re.findall(r'state "([^"]+)" as', source)
        assert labels, f"diagram {index} of {path} names no states"
        text = svg.text_content() or ""
        assert "Syntax error" not in text
        for label in labels:
            assert label in text, f"state {label!r} not drawn in diagram {index} of {path}"
    # No diagram is left as its raw Mermaid text.
    assert page.locator("pre", has_text="stateDiagram").count() == 0
    assert opened.elsewhere() == []
