"""A package's OCDS releases as served to the public: every stored version's release, unchanged,
followed by releases that record what happened after publication (the published questions and
answers, as `tender.enquiries` of the Enquiries extension; the bid opening; the award and its
contracts).

The stored files of a version are frozen; anything learnt later goes into a new release with its
own id, so a reader who compiles the releases in date order sees the tender as it is now. Who
asked a question is never part of an enquiry (no `author`): answers are public, askers are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consortium.publish.inputs import iso
from consortium.publish.ocds import LOTS_EXTENSION, OCDS_VERSION
from consortium.publish.ocds_awards import CONTRACT_BUYER_EXTENSION
from consortium.publish.ocds_bids import BIDS_EXTENSION

ENQUIRIES_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                       "ocds_enquiry_extension/master/extension.json")


@dataclass(frozen=True)
class Enquiry:
    """One answered question, as published."""

    id: int
    question: str
    asked_at: datetime
    answer: str
    answered_at: datetime


def enquiries_release(ocid: str, enquiries: list[Enquiry]) -> dict | None:
    """The release that lists every answered question of the tender (None when there is none).

    Its id counts the answers, so each new answer gives a new release and none is ever rewritten.
    """
    if not enquiries:
        return None
    return {
        "ocid": ocid,
        "id": f"{ocid}-enquiries-{len(enquiries)}",
        "date": iso(max(e.answered_at for e in enquiries)),
        "tag": ["tenderUpdate"],
        "initiationType": "tender",
        "language": "en",
        "tender": {
            "id": f"{ocid}-tender",
            "hasEnquiries": True,
            "enquiries": [{
                "id": str(e.id),
                "date": iso(e.asked_at),
                "description": e.question,
                "answer": e.answer,
                "dateAnswered": iso(e.answered_at),
            } for e in enquiries],
        },
    }


def releases_package(stored: list[dict], extra: list[dict], uri: str) -> dict:
    """One release package with the releases of every stored version package (oldest first) and
    the `extra` releases after them; the publisher is the latest stored package's."""
    latest = stored[-1]
    releases = [r for package in stored for r in package["releases"]] + extra
    extensions = list(latest.get("extensions") or [LOTS_EXTENSION])
    if any("enquiries" in (r.get("tender") or {}) for r in extra):
        extensions.append(ENQUIRIES_EXTENSION)
    awarded = any("awards" in r or "contracts" in r for r in extra)  # with relatedBids, buyers
    if any("bids" in r for r in extra) or awarded:
        extensions.append(BIDS_EXTENSION)
    if awarded:
        extensions.append(CONTRACT_BUYER_EXTENSION)
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": extensions,
        "publishedDate": max(r["date"] for r in releases),
        "publisher": latest["publisher"],
        "releases": releases,
    }
