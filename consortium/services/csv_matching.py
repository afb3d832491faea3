"""Matching an uploaded CSV's rows with the member's lines already in the round.

A row with a `ref` names one of the member's own lines and updates it; a ref that is unknown or
belongs to another member's line is one and the same row error, so a file cannot probe which refs
other members use. A row without a ref that equals an existing line of the member (same product,
options, delivery window and quantity) is a likely duplicate of it: it is skipped unless the
uploader confirms it, because uploading the same file twice must not double the demand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from consortium.models import DemandLine

COMPARED = ("product_id", "quantity", "earliest", "latest", "options", "splittable",
            "max_unit_price", "notes")


@dataclass(frozen=True)
class Existing:
    """The member's line as the check saw it: the update is conditional on this version."""

    id: int
    ref: str
    version: int
    values: dict


def duplicate_key(product_id: int, options: dict | None, earliest: str, latest: str,
                  quantity: int) -> tuple:
    """What makes two lines "the same demand": product, options, window and quantity."""
    return (product_id, json.dumps(options or {}, sort_keys=True), earliest, latest, quantity)


def member_lines(session: Session, round_id: int, member_id: int | None) -> dict[str, Existing]:
    """The member's lines of the round by ref (none without a member)."""
    if member_id is None:
        return {}
    lines = session.exec(select(DemandLine).where(DemandLine.round_id == round_id,
                                                  DemandLine.member_id == member_id)).all()
    return {line.ref: Existing(line.id, line.ref, line.version,
                               {k: getattr(line, k) for k in COMPARED}) for line in lines}


def row_values(clean: dict) -> dict:
    """A checked row's clean values in the columns of a demand line."""
    return {"product_id": clean["product"].id, "quantity": clean["quantity"],
            "earliest": clean["earliest"], "latest": clean["latest"],
            "options": clean["options"], "splittable": clean["splittable"],
            "max_unit_price": clean["max_unit_price"], "notes": clean["notes"]}


def changed(existing: Existing, values: dict) -> list[str]:
    """The fields a row would change on the line (empty when the row repeats it)."""
    return [k for k in COMPARED if existing.values.get(k) != values.get(k)]


def unknown_ref(ref: str) -> str:
    """The one message for a ref that is not one of the member's lines of this round."""
    return (f"none of your lines in this round has the ref {ref}; leave ref blank to add a "
            "new line (refs are given automatically)")
