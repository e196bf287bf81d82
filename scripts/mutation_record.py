"""The results of the mutation runs, kept in git (``docs/testing/mutation-results.json``).

mutmut keeps its results in the snapshot (``.mutation/``, ignored by git), which does
not outlive the machine, and testing every mutant of the engine takes longer than one
sitting. So after each run that finishes, and with ``--report-only`` (after a run
that was stopped), ``scripts/mutation.py`` writes each module's results to the
record: the hash mutmut gives each function and the exit code of each of its
mutants (``null``: not run yet). On a machine without a snapshot it seeds mutmut's
results from the record before running, and mutmut keeps a result only while the
function's hash is the same: a changed function's mutants are tested again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mutation_run import ROOT, engine_modules

#: The record, beside the report.
RECORD = ROOT / "docs" / "testing" / "mutation-results.json"


def module_name(path: Path) -> str:
    """``peersupport.engine.restore`` for ``src/peersupport/engine/restore.py``."""
    return ".".join(path.with_suffix("").parts[1:])


def split(key: str) -> tuple[str, int]:
    """A mutant's function (``xǁFloorǁtake``) and number from its name."""
    function, _, number = key.rpartition(".")[2].rpartition("__mutmut_")
    return function, int(number)


def load() -> dict[str, Any]:
    """The record (empty if there is none)."""
    return json.loads(RECORD.read_text()) if RECORD.is_file() else {"modules": {}}


def meta_path(work: Path, path: Path) -> Path:
    """The results mutmut keeps of the module at ``path`` in the snapshot ``work``."""
    return work / "mutants" / path.with_name(path.name + ".meta")


def from_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A module's entry of the record from mutmut's results of it."""
    codes: dict[str, list[int | None]] = {}
    for key, code in meta["exit_code_by_key"].items():
        function, number = split(key)
        exits = codes.setdefault(function, [])
        exits.extend([None] * (number - len(exits)))
        exits[number - 1] = code
    hashes = meta.get("hash_by_function_name", {})
    return {
        function: {"hash": hashes.get(function), "exit": exits}
        for function, exits in sorted(codes.items())
    }


def to_meta(path: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """The results mutmut keeps of the module at ``path``, from its entry of the record."""
    prefix = module_name(path)
    return {
        "exit_code_by_key": {
            f"{prefix}.{function}__mutmut_{number}": code
            for function, row in entry.items()
            for number, code in enumerate(row["exit"], start=1)
        },
        "hash_by_function_name": {f: row["hash"] for f, row in entry.items() if row["hash"]},
        "type_check_error_by_key": {},
        "durations_by_key": {},
        "estimated_durations_by_key": {},
    }


def seed(work: Path, run: dict[str, Any]) -> list[str]:
    """Give mutmut the record's results of the modules it has none of; returns their names.

    Adds those modules to ``run`` (what has run), and the record's settings and time
    if ``run`` has none. (What the record says was carried over stays in the record.)
    """
    record = load()
    seeded = []
    for posix, entry in record["modules"].items():
        path = Path(posix)
        meta = meta_path(work, path)
        if meta.is_file() or not (ROOT / path).is_file():
            continue
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(to_meta(path, entry), indent=1))
        (work / "mutants" / path).unlink(missing_ok=True)  # mutmut mutates it afresh
        run.setdefault("modules", [])
        if posix not in run["modules"]:
            run["modules"].append(posix)
        seeded.append(path.name)
    for key in ("settings", "timing"):
        if key in record and key not in run:
            run[key] = record[key]
    return seeded


def export(work: Path, run: dict[str, Any]) -> int:
    """Write the snapshot's results of the engine modules to the record.

    Modules the snapshot has no results of keep their entries. Returns how many
    modules were written.
    """
    record = load()
    written = 0
    for path in engine_modules():
        meta = meta_path(work, path)
        if meta.is_file():
            record["modules"][path.as_posix()] = from_meta(json.loads(meta.read_text()))
            written += 1
    for key in ("settings", "timing"):
        if key in run:
            record[key] = run[key]
    record["modules"] = dict(sorted(record["modules"].items()))
    RECORD.write_text(dumps(record))
    return written


def dumps(record: dict[str, Any]) -> str:
    """The record as JSON, one function a line (short diffs when results change)."""
    lines = ["{"]
    for key in ("settings", "timing", "carried over"):
        if key in record:
            lines.append(f" {json.dumps(key)}: {json.dumps(record[key])},")
    lines.append(' "modules": {')
    modules = list(record["modules"].items())
    for i, (posix, entry) in enumerate(modules):
        lines.append(f"  {json.dumps(posix)}: {{")
        rows = list(entry.items())
        for j, (function, row) in enumerate(rows):
            comma = "," if j < len(rows) - 1 else ""
            lines.append(f"   {json.dumps(function, ensure_ascii=False)}: {json.dumps(row)}{comma}")
        lines.append("  }" + ("," if i < len(modules) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"
