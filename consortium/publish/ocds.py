"""The OCDS 1.1 release package of a bid package (with the Lots extension).

Joint procurement: the consortium is `tender.procuringEntity` (role `procuringEntity`); each member
city that receives vehicles in this package is a party with the role `buyer`. OCDS 1.1 allows a
single `buyer` reference on a release, so it is left out and the parties' roles carry the buyers.
One lot per tranche of the approved plan; one item per lot, with `relatedLot`.
"""

from __future__ import annotations

import json

from consortium.publish.inputs import CURRENCY, PackageInput, iso

OCDS_VERSION = "1.1"
LOTS_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                  "ocds_lots_extension/v1.1.5/extension.json")


def release_id(package: PackageInput) -> str:
    """The id of the release of `package.version`."""
    return f"{package.ocid}-tender-v{package.version}"


def _parties(package: PackageInput) -> list[dict]:
    c = package.consortium
    parties = [{
        "id": c.id, "name": c.name, "roles": ["procuringEntity"],
        "address": {"countryName": c.country,
                    **({"streetAddress": c.address} if c.address else {})},
        "contactPoint": {"name": "Procurement office", "email": c.email, "url": c.public_url},
    }]
    for m in package.members:
        address = {"countryName": m.country}
        if m.delivery_address:
            address["streetAddress"] = m.delivery_address
        if m.state:
            address["region"] = m.state
        parties.append({"id": m.id, "name": m.name, "roles": ["buyer"], "address": address})
    return parties


def _items_and_lots(package: PackageInput) -> tuple[list[dict], list[dict]]:
    p = package.product
    items, lots = [], []
    for n, lot in enumerate(package.lots, start=1):
        lots.append({
            "id": lot.id,
            "title": f"{p.name}, {lot.options_text}, delivery {lot.period}",
            "description": f"{lot.quantity} {p.unit} of {p.code} ({lot.options_text}), "
                           f"delivered in {lot.period}.",
            "status": "active",
            "value": {"amount": lot.estimated_value, "currency": CURRENCY},
        })
        items.append({
            "id": str(n),
            "description": f"{p.name} ({lot.options_text})",
            "classification": {"scheme": p.classification_scheme, "id": p.classification_code,
                               "description": p.classification_description or p.name},
            "quantity": lot.quantity,
            "unit": {"name": p.unit},
            "relatedLot": lot.id,
        })
    return items, lots


def _amendments(package: PackageInput) -> list[dict]:
    return [{
        "id": f"addendum-{a.number}",
        "date": iso(a.date),
        "description": a.note,
        "rationale": a.note,
        "amendsReleaseID": f"{package.ocid}-tender-v{a.number - 1}",
        "releaseID": f"{package.ocid}-tender-v{a.number}",
    } for a in package.amendments]


def release_package(package: PackageInput) -> dict:
    """The release package as data (validate it with `validate.validate_release_package`)."""
    c = package.consortium
    items, lots = _items_and_lots(package)
    tender = {
        "id": f"{package.ocid}-tender",
        "title": package.title,
        "description": (f"Joint purchase of {package.total_units} {package.product.unit} of "
                        f"{package.product.name} for {len(package.members)} member(s) of "
                        f"{c.name}, in {len(lots)} lot(s)."),
        "status": "active",
        "procuringEntity": {"id": c.id, "name": c.name},
        "items": items,
        "lots": lots,
        "value": {"amount": sum(lot.estimated_value for lot in package.lots), "currency": CURRENCY},
        "procurementMethod": "open",
        "mainProcurementCategory": "goods",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": iso(package.published_at),
                         "endDate": iso(package.bid_deadline)},
        "enquiryPeriod": {"startDate": iso(package.published_at),
                          "endDate": iso(package.questions_deadline)},
        "hasEnquiries": False,
    }
    amendments = _amendments(package)
    if amendments:
        tender["amendments"] = amendments
    release = {
        "ocid": package.ocid,
        "id": release_id(package),
        "date": iso(package.published_at),
        "tag": ["tender"] if package.version == 0 else ["tenderAmendment"],
        "initiationType": "tender",
        "language": "en",
        "parties": _parties(package),
        "tender": tender,
    }
    return {
        "uri": f"{c.public_url}/api/packages/{package.ocid}/ocds.json?version={package.version}",
        "version": OCDS_VERSION,
        "extensions": [LOTS_EXTENSION],
        "publishedDate": iso(package.published_at),
        "publisher": {"name": c.name, "uri": c.public_url},
        "releases": [release],
    }


def to_bytes(data: dict) -> bytes:
    """Canonical JSON bytes: sorted keys, two-space indent, UTF-8, final newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
