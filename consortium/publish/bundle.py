"""The ZIP of a package's files with a `manifest.json` of their SHA-256, byte for byte repeatable.

Entries are sorted by name, dated 1980-01-01 (the earliest ZIP date), with fixed permissions, so the
same files always give the same archive.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
MANIFEST = "manifest.json"


def sha256(content: bytes) -> str:
    """The hex SHA-256 of `content`."""
    return hashlib.sha256(content).hexdigest()


def manifest_json(files: dict[str, bytes]) -> bytes:
    """{"files": {name: sha256, ...}} as canonical JSON bytes."""
    data = {"algorithm": "sha256", "files": {name: sha256(files[name]) for name in sorted(files)}}
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def zip_bytes(files: dict[str, bytes], folder: str = "") -> bytes:
    """A deflated ZIP of `files` plus `manifest.json`, under `folder/` when given."""
    entries = dict(files)
    entries[MANIFEST] = manifest_json(files)
    buffer = io.BytesIO()
    prefix = f"{folder}/" if folder else ""
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(prefix + name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the building machine
            archive.writestr(info, entries[name], compresslevel=9)
    return buffer.getvalue()
