r"""Reading JSON that may be malformed or hostile, with short, precise errors.

The standard :mod:`json` module does the parsing. This module adds what a
loader of untrusted files needs around it:

* lines are split on ``\\n`` only (JSON Lines); one trailing ``\\r`` is dropped,
  so CRLF files read fine, and a ``\\r`` or a Unicode line separator inside a
  line stays inside it, where the JSON parser judges it;
* a line (or a whole document) longer than a bound is refused before it is
  parsed, and, from a file, before it is read into memory whole;
* text that is not UTF-8 is refused naming its line, from a path, bytes, or an
  open text or binary file (a file opened in text mode has its line endings
  translated by Python before this module sees them: open it with
  ``newline=""``, or pass the path);
* duplicate keys in an object are refused (``json`` would keep the last);
* nesting too deep for the parser and integers too long to convert are refused;
* every message is bounded in length.

Problems raise :class:`JSONProblem`, which callers turn into
:class:`~peersupport.errors.LogError` or :class:`~peersupport.errors.ConfigError`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from peersupport.validate import brief

__all__ = ["MAX_DOCUMENT", "MAX_LINE", "JSONProblem", "iter_lines", "parse", "read_text"]

MAX_LINE = 1 << 20
"""Longest line of a JSON Lines file, in characters (1 MiB)."""
MAX_DOCUMENT = 16 << 20
"""Longest JSON document (a group file), in characters (16 MiB)."""


class JSONProblem(ValueError):
    """A line or document that is not acceptable JSON.

    Attributes:
        line: 1-based line number where the problem is.
        problem: What is wrong, in a few words.
    """

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {brief(key)}")
            seen.add(key)
    return obj


def parse(text: str, line: int = 1) -> Any:
    """Parse one JSON value, refusing duplicate keys, deep nesting and huge integers.

    Args:
        text: The JSON text.
        line: Line number of ``text`` in its file, for messages (a JSON error's own
            line inside ``text`` is added to it).

    Raises:
        JSONProblem: Naming the line and the problem.
    """
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        at = line + exc.lineno - 1
        where = f"column {exc.colno}" if exc.lineno == 1 else f"line {at}, column {exc.colno}"
        raise JSONProblem(at, f"not valid JSON: {exc.msg} ({where})") from None
    except RecursionError:
        raise JSONProblem(line, "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # duplicate keys, integers over the conversion limit
        raise JSONProblem(line, f"not valid JSON: {str(exc)[:120]}") from None


def _decode(raw: bytes, first_line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + raw.count(b"\n", 0, exc.start)
        raise JSONProblem(line, f"not UTF-8 text (byte {exc.start})") from None


def read_text(source: str | Path | IO[str] | IO[bytes], limit: int = MAX_DOCUMENT) -> str:
    """Read a whole document from a path or an open file, at most ``limit`` characters.

    Raises:
        JSONProblem: If it is longer than ``limit`` or not UTF-8 (naming the line).
        OSError: If the file cannot be read.
    """
    if isinstance(source, str | Path):
        with Path(source).open("rb") as file:
            return read_text(file, limit)
    data = source.read(limit + 1)
    if len(data) > limit:
        raise JSONProblem(1, f"longer than {limit:,} characters")
    if isinstance(data, bytes):
        return _decode(data, 1)
    return data


def iter_lines(
    source: str | bytes | Path | IO[str] | IO[bytes], limit: int = MAX_LINE
) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, text)`` for each non-blank line of a JSON Lines source.

    Args:
        source: The text itself (``str`` or ``bytes``), a path, or an open file.
        limit: Longest line accepted, in characters.

    Raises:
        JSONProblem: A line longer than ``limit`` or not UTF-8 (naming the line).
        OSError: If a file cannot be read.
    """
    if isinstance(source, Path):
        with source.open("rb") as file:
            yield from iter_lines(file, limit)
        return
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, str):
        yield from _split(source, limit)
        return
    number = 0
    while True:
        number += 1
        try:
            raw = source.readline(limit + 2)
        except UnicodeDecodeError as exc:
            raise _where(source, number, exc) from None
        if not raw:
            return
        text = _decode(raw, number) if isinstance(raw, bytes) else raw
        if text.endswith("\n"):
            text = text[:-1]
        elif len(text) > limit:
            raise JSONProblem(number, f"longer than {limit:,} characters")
        text = text.removesuffix("\r")
        if len(text) > limit:
            raise JSONProblem(number, f"longer than {limit:,} characters")
        if text.strip():
            yield number, text


def _where(source: IO[Any], number: int, exc: UnicodeDecodeError) -> JSONProblem:
    """The problem of a text file that is not UTF-8, naming the line of the first bad byte.

    A text file decodes ahead of the line being read; its bytes, when it has them
    and can go back to the start, say which line the bad byte is on.
    """
    raw = getattr(source, "buffer", None)
    if raw is not None and raw.seekable():
        raw.seek(0)
        try:
            _decode(raw.read(), 1)
        except JSONProblem as problem:
            return problem
    return JSONProblem(number, f"not UTF-8 text ({exc.reason})")


def _split(text: str, limit: int) -> Iterator[tuple[int, str]]:
    start, number = 0, 0
    end = len(text)
    while start < end:
        number += 1
        stop = text.find("\n", start)
        if stop < 0:
            stop = end
        if stop - start > limit + 1:
            raise JSONProblem(number, f"longer than {limit:,} characters")
        line = text[start:stop].removesuffix("\r")
        start = stop + 1
        if len(line) > limit:
            raise JSONProblem(number, f"longer than {limit:,} characters")
        if line.strip():
            yield number, line
