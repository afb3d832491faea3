"""The OCDS release of a bid opening (Lots and Bids extensions): every opened bid with its tenderer,
lots, unit prices and total value; the receipt hash is the bid's identifier (scheme SHA-256).

Built from the tabulation (services.bid_opening), which is plain JSON data; validate the result
with `validate.validate_release_package`.
"""

from __future__ import annotations

from decimal import Decimal

from consortium.publish.inputs import CURRENCY, ConsortiumInfo
from consortium.publish.ocds import LOTS_EXTENSION, OCDS_VERSION

BIDS_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                  "ocds_bid_extension/master/extension.json")


def _amount(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _detail(bid: dict, lots: dict[str, dict], unit: str) -> dict:
    doc = bid["document"]
    items, total = [], Decimal(0)
    for n, price in enumerate(doc["prices"], start=1):
        lot = lots[price["lot"]]
        total += Decimal(price["unit_price"]) * lot["quantity"]
        items.append({"id": str(n), "description": f"{lot['product']} ({lot['options']}), "
                                                   f"delivery {lot['period']}",
                      "quantity": lot["quantity"], "relatedLot": price["lot"],
                      "unit": {"name": unit, "value": {"amount": _amount(price["unit_price"]),
                                                       "currency": CURRENCY}}})
    detail = {
        "id": f"bid-{bid['bid_id']}",
        "identifiers": [{"scheme": "SHA-256", "id": bid["receipt_sha256"]}],
        "date": bid["submitted_at"],
        "status": "valid",
        "tenderers": [{"id": f"vendor-{bid['vendor_id']}", "name": bid["vendor"]}],
        "value": {"amount": _amount(f"{total:.2f}"), "currency": CURRENCY},
        "relatedLots": [p["lot"] for p in doc["prices"]],
        "items": items,
    }
    discounts = "; ".join(f"{d['amount']} off for winning {', '.join(d['lots'])}"
                          for d in doc["discounts"])
    capacity = "; ".join(f"at most {c['max_units']} units in {c['period']}"
                         for c in doc["capacity"])
    notes = [x for x in (discounts and f"Discounts: {discounts}.",
                         capacity and f"Capacity: {capacity}.",
                         doc.get("valid_until") and f"Valid until {doc['valid_until']}.") if x]
    if notes:
        detail["description"] = " ".join(notes)
    return detail


def opening_release_package(tab: dict, consortium: ConsortiumInfo) -> dict:
    """The release package of a bid opening, from its tabulation."""
    lots = {lot["id"]: lot for lot in tab["lots"]}
    details = [_detail(bid, lots, tab["unit"]) for bid in tab["bids"]]
    tenderers = {b["vendor_id"]: b["vendor"] for b in tab["bids"]}
    parties = [{"id": consortium.id, "name": consortium.name, "roles": ["procuringEntity"]}]
    parties += [{"id": f"vendor-{vid}", "name": name, "roles": ["tenderer"]}
                for vid, name in sorted(tenderers.items())]
    release = {
        "ocid": tab["reference"],
        "id": f"{tab['reference']}-bids-opened",
        "date": tab["opened_at"],
        "tag": ["tenderUpdate"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "tender": {
            "id": f"{tab['reference']}-tender",
            "title": tab["title"],
            "status": "active",
            "procuringEntity": {"id": consortium.id, "name": consortium.name},
            "lots": [{"id": lot["id"], "title": f"{lot['product']}, {lot['options']}, delivery "
                                                f"{lot['period']}", "status": "active"}
                     for lot in tab["lots"]],
            "tenderPeriod": {"endDate": tab["bid_deadline"]},
            "numberOfTenderers": len(tenderers),
            "tenderers": [{"id": f"vendor-{vid}", "name": name}
                          for vid, name in sorted(tenderers.items())],
        },
        "bids": {
            "statistics": [
                {"id": "1", "measure": "bids", "value": len(details) + len(tab["invalid"])},
                {"id": "2", "measure": "validBids", "value": len(details)},
            ],
            "details": details,
        },
    }
    return {
        "uri": f"{consortium.public_url}/bids/packages/{tab['package_id']}/ocds.json",
        "version": OCDS_VERSION,
        "extensions": [LOTS_EXTENSION, BIDS_EXTENSION],
        "publishedDate": tab["opened_at"],
        "publisher": {"name": consortium.name, "uri": consortium.public_url},
        "releases": [release],
    }
