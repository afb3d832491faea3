"""The responses for file downloads: CSV (text from `consortium.services.exports`) and JSON."""

from __future__ import annotations

import json
import re

from flask import Response


def slug(text: str) -> str:
    """"Los Angeles" -> "los-angeles", for file names."""
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-") or "export"


def attachment(text: str, mimetype: str, filename: str) -> Response:
    """`text` as an attachment named `filename`, never cached (it may hold private figures)."""
    return Response(text.encode("utf-8"), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def csv_download(text: str, filename: str) -> Response:
    """A CSV file as an attachment named `filename`."""
    return attachment(text, "text/csv", filename)


def json_download(document: dict | list, filename: str) -> Response:
    """A JSON document (indented, UTF-8) as an attachment named `filename`."""
    return attachment(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                      "application/json", filename)
