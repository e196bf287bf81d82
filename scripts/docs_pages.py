"""Generate one documentation page per built-in format, at ``mkdocs build`` time.

Run by the mkdocs-gen-files plugin (see ``mkdocs.yml``). Each page is written from
the format itself — its phases, turn policies, limits, rules and its state diagram
(``Format.mermaid()``) — so the documentation cannot drift from the code.
"""

from __future__ import annotations

import mkdocs_gen_files

from peersupport import formats
from peersupport.report import format_page

for name, plugin in sorted(formats.installed().items()):
    if not plugin.startswith("peersupport."):
        continue  # only the built-in formats; plugins document their own
    with mkdocs_gen_files.open(f"formats/{name}.md", "w") as page:
        page.write(format_page(formats.get(name)))
