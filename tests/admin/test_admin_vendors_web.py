"""Admin web: vendors (create, edit, approve, reject) and the pending filter."""

from __future__ import annotations

from sqlmodel import select

from consortium.models import AuditEntry, Vendor
from consortium.services.vendors import vendor_version
from tests import factories


def test_create_vendor_is_approved_and_audited(admin_client, session, admin):
    response = admin_client.post("/admin/vendors/new", data={
        "name": "Transit Motors", "contact_name": "Sam", "contact_email": "sam@tm.example.com",
        "phone": "+1 555 0100", "website": "https://tm.example.com", "address": "1 Plant Rd"})
    assert response.status_code == 302
    vendor = session.exec(select(Vendor)).one()
    assert (vendor.name, vendor.status, vendor.approved_by_id) == ("Transit Motors", "approved", admin.id)
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.entity == "vendor")).all()
    assert entry.action == "create" and entry.after["contact_email"] == "sam@tm.example.com"


def test_vendor_name_is_required_and_unique(admin_client, session):
    factories.make_vendor(session, "Transit Motors")
    empty = admin_client.post("/admin/vendors/new", data={"name": ""}).get_data(as_text=True)
    assert "This field is required." in empty
    taken = admin_client.post("/admin/vendors/new", data={"name": "Transit Motors"})
    assert "A vendor named Transit Motors already exists." in taken.get_data(as_text=True)
    assert len(session.exec(select(Vendor)).all()) == 1


def test_edit_vendor_and_stale_save(admin_client, session):
    vendor = factories.make_vendor(session, "Transit Motors")
    stale = vendor_version(vendor)
    ok = admin_client.post(f"/admin/vendors/{vendor.id}", data={
        "name": "Transit Motors Inc", "phone": "123", "version": stale})
    assert ok.status_code == 302
    refused = admin_client.post(f"/admin/vendors/{vendor.id}", data={
        "name": "Other Name", "version": stale})
    page = refused.get_data(as_text=True)
    assert "Someone else changed this vendor" in page and "Transit Motors Inc" in page
    session.refresh(vendor)
    assert (vendor.name, vendor.phone) == ("Transit Motors Inc", "123")
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert entry.before["name"] == "Transit Motors" and entry.after["name"] == "Transit Motors Inc"


def test_approve_and_reject_registrations(admin_client, session, admin):
    pending = factories.make_vendor(session, "New Buses", status="pending")
    factories.make_vendor(session, "Old Vans", status="approved")
    listing = admin_client.get("/admin/vendors?status=pending").get_data(as_text=True)
    assert "New Buses" in listing and "Old Vans" not in listing
    assert 'data-confirm="Reject New Buses?' in listing
    response = admin_client.post(f"/admin/vendors/{pending.id}/approve",
                                 data={"next": "/admin/vendors?status=pending"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/vendors?status=pending"
    session.refresh(pending)
    assert pending.status == "approved" and pending.approved_by_id == admin.id
    assert pending.approved_at is not None
    admin_client.post(f"/admin/vendors/{pending.id}/reject")
    session.refresh(pending)
    assert pending.status == "rejected" and pending.approved_at is None
    again = admin_client.post(f"/admin/vendors/{pending.id}/reject", follow_redirects=True)
    assert "New Buses is already rejected." in again.get_data(as_text=True)
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "vendor")
                           .order_by(AuditEntry.id)).all()
    assert actions == ["approve", "reject"]
    empty = admin_client.get("/admin/vendors?status=pending").get_data(as_text=True)
    assert "No registration is waiting for a decision." in empty


def test_approve_does_not_redirect_off_site(admin_client, session):
    vendor = factories.make_vendor(session, status="pending")
    response = admin_client.post(f"/admin/vendors/{vendor.id}/approve",
                                 data={"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/admin/vendors/{vendor.id}"
