"""Vendors, as the admin keeps them: create, edit, approve or reject a registration."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import VENDOR_STATUSES, User, Vendor, VendorBase, VendorStatus, transition
from consortium.services import audit, notifications
from consortium.services.editing import FieldErrors, check_version, field_errors_from, fingerprint

VENDOR_FIELDS = ("name", "contact_name", "contact_email", "phone", "website", "address", "status")


def vendor_state(vendor: Vendor) -> dict:
    """The vendor's fields, for the audit log and the edit form's version."""
    return audit.snapshot(vendor, VENDOR_FIELDS + ("approved_at", "approved_by_id"))


def vendor_version(vendor: Vendor) -> str:
    """The edit form's version token for `vendor`."""
    return fingerprint(vendor_state(vendor))


def _check(session: Session, data: dict, vendor: Vendor | None) -> dict:
    data = {**data, "name": (data.get("name") or "").strip()}
    try:
        clean = VendorBase.model_validate(data).model_dump(include=set(VENDOR_FIELDS))
    except ValidationError as exc:
        raise field_errors_from(exc) from exc
    if clean["status"] not in VENDOR_STATUSES:
        raise FieldErrors({"status": [f"Choose one of {', '.join(VENDOR_STATUSES)}."]})
    clash = session.exec(select(Vendor).where(Vendor.name == clean["name"])).first()
    if clash is not None and (vendor is None or clash.id != vendor.id):
        raise FieldErrors({"name": [f"A vendor named {clean['name']} already exists."]})
    return clean


def create_vendor(session: Session, *, data: dict, actor: User | None) -> Vendor:
    """Add a vendor the admin knows (approved unless the data says otherwise; audited)."""
    clean = _check(session, {"status": VendorStatus.APPROVED, **data}, None)
    vendor = Vendor.model_validate(clean)
    if vendor.status == VendorStatus.APPROVED:
        vendor.approved_at = utcnow()
        vendor.approved_by_id = actor.id if actor else None
    session.add(vendor)
    session.flush()
    audit.record(session, user=actor, action="create", entity="vendor", entity_id=vendor.id,
                 summary=f"created vendor {vendor.name}", after=vendor_state(vendor))
    return vendor


def update_vendor(session: Session, vendor: Vendor, *, data: dict, actor: User | None,
                  version: str | None = None) -> Vendor:
    """Change a vendor's details (not its status); refused if someone saved it since `version`."""
    before = vendor_state(vendor)
    check_version(version, before, "vendor")
    clean = _check(session, {**before, **data, "status": vendor.status}, vendor)
    for key, value in clean.items():
        setattr(vendor, key, value)
    session.add(vendor)
    after = vendor_state(vendor)
    audit.record(session, user=actor, action="update", entity="vendor", entity_id=vendor.id,
                 before=before, after=after,
                 summary=f"updated vendor {vendor.name}: "
                         f"{', '.join(audit.changed_fields(before, after)) or 'no change'}")
    return vendor


def _decide(session: Session, vendor: Vendor, status: VendorStatus, actor: User | None) -> Vendor:
    before = vendor_state(vendor)
    transition(vendor, status)
    approved = status == VendorStatus.APPROVED
    vendor.approved_at = utcnow() if approved else None
    vendor.approved_by_id = (actor.id if actor else None) if approved else None
    session.add(vendor)
    audit.record(session, user=actor, action="approve" if approved else "reject",
                 entity="vendor", entity_id=vendor.id, before=before, after=vendor_state(vendor),
                 summary=f"{status} vendor {vendor.name}")
    notifications.vendor_decided(session, vendor)
    return vendor


def approve_vendor(session: Session, vendor: Vendor, *, actor: User | None) -> Vendor:
    """Approve a vendor's registration: its users can then see published bid packages."""
    return _decide(session, vendor, VendorStatus.APPROVED, actor)


def reject_vendor(session: Session, vendor: Vendor, *, actor: User | None) -> Vendor:
    """Reject a vendor's registration (it can be approved later if that was a mistake)."""
    return _decide(session, vendor, VendorStatus.REJECTED, actor)
