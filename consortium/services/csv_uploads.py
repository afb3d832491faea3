"""The store of uploaded CSV files between their preview and the confirmed import.

An upload is kept in a folder (the instance folder's uploads/: <token>.csv, with a .json note of
who uploaded it for which round), so no row data travels back from the browser. The note is
renamed to .claimed while one confirmation imports it, so a double-click imports once.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from consortium.services.errors import ServiceError

UPLOAD_TTL_SECONDS = 2 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadNotFound(ServiceError):
    """No kept upload has this token for this user and round (or it expired)."""


class UploadStore:
    """Uploaded files in `folder`, each under a random token, kept for `ttl` seconds."""

    def __init__(self, folder: Path, ttl: int = UPLOAD_TTL_SECONDS):
        self.folder, self.ttl = Path(folder), ttl

    def _dir(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    @staticmethod
    def valid_token(token: str | None) -> bool:
        """Whether `token` has the form of a token this store hands out."""
        return bool(TOKEN_RE.match(token or ""))

    def purge_expired(self) -> None:
        """Forget uploads older than the time to live."""
        limit = time.time() - self.ttl
        for path in [*self._dir().glob("*.json"), *self._dir().glob("*.claimed")]:
            try:
                expired = path.stat().st_mtime < limit
            except OSError:  # imported or claimed meanwhile by another request
                continue
            if expired:
                path.with_suffix(".csv").unlink(missing_ok=True)
                path.unlink(missing_ok=True)

    def save(self, *, user_id: int, member_id: int | None, round_id: int, filename: str,
             data: bytes) -> str:
        """Keep an uploaded file for the preview; returns its random token."""
        folder = self._dir()
        self.purge_expired()
        token = secrets.token_urlsafe(24)
        (folder / f"{token}.csv").write_bytes(data)
        (folder / f"{token}.json").write_text(json.dumps({
            "user_id": user_id, "member_id": member_id, "round_id": round_id,
            "filename": filename, "at": time.time()}))
        return token

    def load(self, token: str, *, user_id: int, member_id: int | None, round_id: int,
             note: str = ".json") -> tuple[dict, bytes]:
        """The kept upload if it is this user's, for this round, and not expired."""
        if not self.valid_token(token):
            raise UploadNotFound("No such upload.")
        folder = self._dir()
        try:
            meta = json.loads((folder / f"{token}{note}").read_text())
            data = (folder / f"{token}.csv").read_bytes()
        except (OSError, ValueError) as exc:
            raise UploadNotFound("No such upload.") from exc
        if (meta.get("user_id") != user_id or meta.get("member_id") != member_id
                or meta.get("round_id") != round_id
                or meta.get("at", 0) < time.time() - self.ttl):
            raise UploadNotFound("No such upload.")
        return meta, data

    def claim(self, token: str) -> bool:
        """Take a kept upload for importing, atomically: of simultaneous confirmations (a
        double-click) exactly one gets it. `release` gives it back when the import fails,
        `discard` forgets it once imported."""
        folder = self._dir()
        try:
            # rename() is atomic: only one request can move the note away.
            (folder / f"{token}.json").rename(folder / f"{token}.claimed")
        except OSError:
            return False
        return True

    def release(self, token: str) -> None:
        """Put back a claimed upload whose import failed, so it can be confirmed again."""
        folder = self._dir()
        try:
            (folder / f"{token}.claimed").rename(folder / f"{token}.json")
        except OSError:
            pass

    def discard(self, token: str) -> None:
        """Forget a kept upload once imported."""
        folder = self._dir()
        for suffix in (".csv", ".json", ".claimed"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)
