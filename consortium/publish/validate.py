"""Validate a release package against the official OCDS 1.1.5 schemas, offline.

The copies in `schemas/` (see its README) are loaded from the package; the Lots, Bids and
Enquiries extensions are applied to the release schema as JSON Merge Patches (RFC 7386), and the
patched schema is registered under the release schema's official URL so the package schema's `$ref`
resolves without any network.
On top of the schema, the checks the schema cannot express: unique lot ids; every item's
`relatedLot` and every bid's and award's `relatedLots` naming a lot of the same tender; every
contract's `awardID` naming an award of the same ocid in the package; and every award's suppliers
and buyers and every contract's buyer naming a party of its release.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4




class InvalidPackage(ValueError):
    """The OCDS output does not validate; `errors` lists every problem (path: message)."""

    def __init__(self, errors: list[str]):
        super().__init__("OCDS validation failed: " + "; ".join(errors[:10])
                         + (f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""))
        self.errors = errors


def merge_patch(target, patch):
    """Apply a JSON Merge Patch (RFC 7386) to `target`, returning a new document."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _load(path: str) -> dict:
    folder = resources.files("consortium.publish").joinpath("schemas")
    return json.loads(folder.joinpath(path).read_text("utf-8"))


# The extensions patched into the release schema, in order (folders under schemas/extensions/).
EXTENSIONS = ("lots", "bids", "enquiries", "contract_buyer")


@cache
def _validator() -> Draft4Validator:
    release = _load("release-schema.json")
    for name in EXTENSIONS:
        release = merge_patch(release, _load(f"extensions/{name}/release-schema.json"))
    package = _load("release-package-schema.json")
    registry = Registry().with_resources([
        (release["id"], Resource.from_contents(release, default_specification=DRAFT4)),
        (package["id"], Resource.from_contents(package, default_specification=DRAFT4)),
    ])
    Draft4Validator.check_schema(package)
    return Draft4Validator(package, registry=registry,
                           format_checker=Draft4Validator.FORMAT_CHECKER)


def _path(parts) -> str:
    return "/".join(str(p) for p in parts) or "(root)"


def _semantic_errors(data: dict) -> list[str]:
    errors = []
    for r, release in enumerate(data.get("releases") or []):
        tender = release.get("tender") if isinstance(release, dict) else None
        if not isinstance(tender, dict):
            continue
        lots = tender.get("lots") or []
        ids = [lot.get("id") for lot in lots if isinstance(lot, dict)]
        for n, lot_id in enumerate(ids):
            if not lot_id:
                errors.append(f"releases/{r}/tender/lots/{n}: a lot needs an id")
        if len(set(ids)) != len(ids):
            errors.append(f"releases/{r}/tender/lots: lot ids must be unique")
        for n, item in enumerate(tender.get("items") or []):
            if lots and isinstance(item, dict) and item.get("relatedLot") not in ids:
                errors.append(f"releases/{r}/tender/items/{n}/relatedLot: "
                              f"{item.get('relatedLot')!r} is not a lot of this tender")
        bids = release.get("bids") if isinstance(release, dict) else None
        details = (bids.get("details") or []) if isinstance(bids, dict) else []
        for n, bid in enumerate(details):
            for lot_id in (bid.get("relatedLots") or []) if isinstance(bid, dict) else []:
                if lot_id not in ids:
                    errors.append(f"releases/{r}/bids/details/{n}/relatedLots: {lot_id!r} is "
                                  "not a lot of this tender")
        for n, award in enumerate(release.get("awards") or []):
            for lot_id in (award.get("relatedLots") or []) if isinstance(award, dict) else []:
                if lots and lot_id not in ids:
                    errors.append(f"releases/{r}/awards/{n}/relatedLots: {lot_id!r} is not a "
                                  "lot of this tender")
    return errors + _award_errors(data)


def _party_errors(r: int, release: dict) -> list[str]:
    parties = {p.get("id") for p in release.get("parties") or [] if isinstance(p, dict)}
    errors = []
    for n, award in enumerate(release.get("awards") or []):
        refs = [("suppliers", o) for o in award.get("suppliers") or []]
        refs += [("buyers", o) for o in award.get("buyers") or []]
        errors += [f"releases/{r}/awards/{n}/{what}: {o.get('id')!r} is not a party of this "
                   "release" for what, o in refs
                   if isinstance(o, dict) and o.get("id") not in parties]
    for n, contract in enumerate(release.get("contracts") or []):
        buyer = contract.get("buyer") if isinstance(contract, dict) else None
        if isinstance(buyer, dict) and buyer.get("id") not in parties:
            errors.append(f"releases/{r}/contracts/{n}/buyer: {buyer.get('id')!r} is not a party "
                          "of this release")
    return errors


def _award_errors(data: dict) -> list[str]:
    releases = [r if isinstance(r, dict) else {} for r in data.get("releases") or []]
    awards: dict[str, set] = {}
    for release in releases:
        awards.setdefault(release.get("ocid"), set()).update(
            a.get("id") for a in release.get("awards") or [] if isinstance(a, dict))
    errors = []
    for r, release in enumerate(releases):
        errors += _party_errors(r, release)
        for n, contract in enumerate(release.get("contracts") or []):
            if isinstance(contract, dict) and contract.get("awardID") not in awards.get(
                    release.get("ocid"), set()):
                errors.append(f"releases/{r}/contracts/{n}/awardID: {contract.get('awardID')!r} "
                              "is not an award of this ocid in the package")
    return errors


def validation_errors(data: dict) -> list[str]:
    """Every problem with `data` as a release package (empty when valid)."""
    found = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    errors = [f"{_path(e.absolute_path)}: {e.message}" for e in found]
    return errors + _semantic_errors(data)


def validate_release_package(data: dict) -> None:
    """Raise InvalidPackage unless `data` is a valid OCDS 1.1.5 release package (with the Lots,
    Bids, Enquiries and Contract buyer extensions)."""
    errors = validation_errors(data)
    if errors:
        raise InvalidPackage(errors)
