"""The response for a CSV download (text from `consortium.services.exports`)."""

from __future__ import annotations

import re

from flask import Response


def slug(text: str) -> str:
    """"Los Angeles" -> "los-angeles", for file names."""
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-") or "export"


def csv_download(text: str, filename: str) -> Response:
    """`text` as an attachment named `filename`, never cached (it may hold private figures)."""
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
