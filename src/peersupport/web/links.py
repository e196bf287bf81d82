"""Join links: each person's link can act for that person only.

A link carries the person's id and an HMAC-SHA256 tag of the session (or group)
and the id under the server's secret key. Nobody can make or alter a link
without the key; a changed id, session or tag is refused (HTTP 403). Keep the
key secret and stable: links stay valid across restarts as long as the key does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["Links", "load_secret"]

#: Bytes of tag kept in a link (128 bits).
_TAG = 16


class Links:
    """Makes and checks the tokens of join links.

    Args:
        secret: The server's key (at least 16 bytes).
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 bytes long")
        self._secret = secret

    def _tag(self, scope: str, member_id: str) -> str:
        mac = hmac.new(self._secret, f"{scope}\x00{member_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:_TAG]).decode().rstrip("=")

    def token(self, scope: str, member_id: str) -> str:
        """The token that lets ``member_id`` into ``scope`` (e.g. ``"session:s1"``)."""
        return f"{member_id}.{self._tag(scope, member_id)}"

    def member(self, scope: str, token: str) -> str | None:
        """The member a token is for, or ``None`` if it is not a valid token for ``scope``."""
        member_id, dot, tag = token.rpartition(".")
        if not dot or not member_id:
            return None
        if hmac.compare_digest(tag.encode(), self._tag(scope, member_id).encode()):
            return member_id
        return None


def load_secret(path: Path) -> bytes:
    """Read the server's key from ``path``; create it (32 random bytes, mode 600) if missing."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(32))
    return path.read_bytes()
