"""The SQLite back end: the embedded default, a file and no server (standard library).

The database runs in WAL mode with ``synchronous=FULL``: an append is on disk
before :meth:`~peersupport.store.Store.append` returns. Several processes may
open the same file; writes take the database's write lock at the start of the
transaction (``BEGIN IMMEDIATE``) and wait up to ``timeout`` seconds for it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from peersupport.errors import StoreError
from peersupport.store.base import Store
from peersupport.store.rows import Duplicate, Rows, Run

__all__ = ["SqliteStore"]


class SqliteStore(Store):
    """An event store in one SQLite file.

    Args:
        path: The database file (created with its tables if missing), or
            ``":memory:"`` for a store that lives as long as the object.
        timeout: Seconds to wait for another process's write to finish.

    A store object may be shared by the threads of a process: its transactions
    take turns.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._create_tables()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"cannot open the SQLite store {self.path!r}: {exc}") from None
        except BaseException:
            self._db.close()
            raise

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Run]:
        """Open a transaction; commit at the end of the block.

        A writing transaction takes the write lock at once (``BEGIN IMMEDIATE``),
        so it never fails half way for want of it; a reading one does not.
        """
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _runner(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()


def _runner(db: sqlite3.Connection) -> Run:
    def run(sql: str, params: dict[str, Any] | None = None, /) -> Rows:
        try:
            return db.execute(sql, params or {})
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                raise Duplicate(str(exc)) from exc
            raise

    return run
