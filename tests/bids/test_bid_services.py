"""Sealed bids in the services: sealing and receipts, deadlines on a controllable clock, replace,
withdraw, re-confirmation after an addendum, and what the raw rows hold."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import select

from consortium.db import commit
from consortium.models import AuditEntry, Bid, BidStatus, BidVersion, Notification, OutboxMessage
from consortium.models.bids import BID_TRANSITIONS, can_move
from consortium.services import bids, publishing, sealing
from consortium.services.errors import NotAllowed
from tests.bids.conftest import contents


def _deadline(session, package):
    return bids.aware(bids.latest(session, package).bid_deadline)


def test_a_sealed_bid_leaves_no_price_in_the_raw_rows(session, engine, beb, vendors, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"],
                          contents(("LOT-1", "1050123.45"), ("LOT-2", 987654),
                                   capacity=[("2027Q1", 40)],
                                   discounts=[(("LOT-1", "LOT-2"), 250000)]), sealer=sealer)
    session.commit()
    with engine.connect() as conn:
        raw = [tuple(r) for r in conn.execute(text("SELECT * FROM bidversion"))]
        raw += [tuple(r) for r in conn.execute(text("SELECT * FROM bid"))]
        raw += [tuple(r) for r in conn.execute(text("SELECT * FROM audit_log"))]
    dump = repr(raw)
    for secret in ("1050123", "987654", "250000", "LOT-1", "2027Q1"):
        assert secret not in dump
    token = bytes(session.get(BidVersion, row.id).sealed)
    assert token.startswith(b"gAAAAA")  # a Fernet token
    # The receipt is the SHA-256 of the canonical JSON, which the vendor's own view recovers.
    doc = sealer.unseal(token, row.receipt_sha256)
    data = sealing.canonical(doc)
    assert hashlib.sha256(data).hexdigest() == row.receipt_sha256
    assert b" " not in data.replace(b"Transit Motors", b"")  # no whitespace
    assert doc["prices"] == [{"lot": "LOT-1", "unit_price": "1050123.45"},
                             {"lot": "LOT-2", "unit_price": "987654.00"}]
    assert doc["discounts"] == [{"lots": ["LOT-1", "LOT-2"], "amount": "250000.00"}]
    assert doc["capacity"] == [{"period": "2027Q1", "max_units": 40}]
    assert len(doc["nonce"]) == 32 and doc["vendor"] == "Transit Motors"


def test_another_key_cannot_open_a_bid_and_a_changed_bid_fails_its_receipt(session, beb, vendors,
                                                                             sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    other = sealing.Sealer(sealing.Fernet.generate_key())
    with pytest.raises(sealing.SealBroken, match="cannot be decrypted"):
        other.unseal(row.sealed, row.receipt_sha256)
    forged = sealer.seal(b'{"prices":[]}')
    with pytest.raises(sealing.SealBroken, match="does not match its receipt"):
        sealer.unseal(forged, row.receipt_sha256)


def test_contents_are_checked_against_the_package_with_every_problem_listed(session, beb,
                                                                            vendors, sealer):
    bad = contents(("LOT-9", 10), ("LOT-1", 0), capacity=[("2030Q1", 5)],
                   discounts=[(("LOT-2",), 5), (("LOT-1",), 10**9)],
                   valid_until=date.today())
    with pytest.raises(bids.BidError) as err:
        bids.submit_bid(session, beb, vendors["Transit Motors"], bad, sealer=sealer)
    text_ = "\n".join(err.value.errors)
    for part in ("LOT-9: not a lot", "LOT-1: the unit price must be more than 0",
                 "Capacity for 2030Q1", "Discount 1: you did not price LOT-2",
                 "Discount 2: the amount must be", "valid after the bid deadline"):
        assert part in text_
    assert session.exec(select(Bid)).all() == []


def test_only_approved_vendors_bid(session, beb, vendors, admin, sealer):
    for user in (vendors["Pending Coaches"], admin):
        with pytest.raises(NotAllowed, match="Only approved vendors"):
            bids.submit_bid(session, beb, user, contents(("LOT-1", 100)), sealer=sealer)


def test_replace_withdraw_and_bid_again_until_the_deadline(session, beb, vendors, sealer):
    user = vendors["Transit Motors"]
    first = bids.submit_bid(session, beb, user, contents(("LOT-1", 100)), sealer=sealer)
    second = bids.submit_bid(session, beb, user, contents(("LOT-1", 90)), sealer=sealer)
    bid = session.get(Bid, first.bid_id)
    assert (first.number, second.number, second.kind) == (1, 2, "replace")
    assert first.receipt_sha256 != second.receipt_sha256 and bid.status == BidStatus.SEALED
    assert bids.own_contents(session, bid, user, sealer=sealer).price_of("LOT-1") == 90
    bids.withdraw_bid(session, bid, user)
    assert bid.status == BidStatus.WITHDRAWN
    with pytest.raises(NotAllowed, match="already withdrawn"):
        bids.withdraw_bid(session, bid, user)
    third = bids.submit_bid(session, beb, user, contents(("LOT-2", 80)), sealer=sealer)
    assert third.kind == "submit" and bid.status == BidStatus.SEALED
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "bid")
                                              .order_by(AuditEntry.id)).all()]
    assert actions == ["bid_submit", "bid_replace", "bid_withdraw", "bid_submit"]
    receipts = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "bid_receipt")).all()
    assert len(receipts) == 3 and all(r.to == user.email for r in receipts)
    assert second.receipt_sha256 in receipts[1].body


def test_nothing_changes_after_the_deadline(session, beb, vendors, sealer):
    user = vendors["Transit Motors"]
    row = bids.submit_bid(session, beb, user, contents(("LOT-1", 100)), sealer=sealer)
    bid = session.get(Bid, row.bid_id)
    late = _deadline(session, beb)
    assert bids.submit_bid(session, beb, user, contents(("LOT-1", 99)), sealer=sealer,
                           now=late - timedelta(seconds=1)).number == 2
    for action in (lambda: bids.submit_bid(session, beb, user, contents(("LOT-1", 98)),
                                           sealer=sealer, now=late),
                   lambda: bids.withdraw_bid(session, bid, user, now=late),
                   lambda: bids.submit_bid(session, beb, vendors["Evergreen Bus"],
                                           contents(("LOT-1", 98)), sealer=sealer,
                                           now=late + timedelta(days=1))):
        with pytest.raises(bids.DeadlinePassed, match="has passed"):
            action()
    assert bid.status == BidStatus.SEALED and bids.last_version(session, bid).number == 2


def test_other_vendors_cannot_touch_a_bid(session, beb, vendors, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    bid = session.get(Bid, row.bid_id)
    other = vendors["Evergreen Bus"]
    for action in (lambda: bids.withdraw_bid(session, bid, other),
                   lambda: bids.own_contents(session, bid, other, sealer=sealer)):
        with pytest.raises(NotAllowed, match="not your company's bid"):
            action()


def test_an_addendum_forces_reconfirmation_and_tells_the_bidders(session, beb, vendors, admin,
                                                                 sealer):
    user = vendors["Transit Motors"]
    row = bids.submit_bid(session, beb, user, contents(("LOT-1", 100)), sealer=sealer)
    session.commit()
    bid = session.get(Bid, row.bid_id)
    version = publishing.publish_addendum(session, beb, admin, change_note="Battery 500 kWh")
    commit(session)
    session.refresh(bid)
    assert bid.status == BidStatus.MUST_RECONFIRM
    note = session.exec(select(Notification).where(Notification.user_id == user.id,
                                                   Notification.kind == "addendum_published")).one()
    assert "re-confirm" in note.subject and "not valid until you re-confirm" in note.body
    again = bids.reconfirm_bid(session, bid, user)
    assert bid.status == BidStatus.SEALED and again.kind == "reconfirm"
    assert again.receipt_sha256 == row.receipt_sha256 and again.package_version_id == version.id
    with pytest.raises(NotAllowed, match="does not need re-confirming"):
        bids.reconfirm_bid(session, bid, user)
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "bid_reconfirm")).one()


def test_replacing_a_bid_after_an_addendum_also_makes_it_valid(session, beb, vendors, admin,
                                                               sealer):
    user = vendors["Transit Motors"]
    row = bids.submit_bid(session, beb, user, contents(("LOT-1", 100)), sealer=sealer)
    session.commit()
    publishing.publish_addendum(session, beb, admin, change_note="Typo in the schedule")
    commit(session)
    bid = session.get(Bid, row.bid_id)
    session.refresh(bid)
    assert bid.status == BidStatus.MUST_RECONFIRM
    bids.submit_bid(session, beb, user, contents(("LOT-1", 95)), sealer=sealer)
    assert bid.status == BidStatus.SEALED


def test_an_addendum_may_extend_the_bid_deadline_but_never_shorten_it(session, beb, admin):
    deadline = _deadline(session, beb)
    with pytest.raises(publishing.PublishError, match="never shorten"):
        publishing.publish_addendum(session, beb, admin, change_note="Sooner",
                                    bid_deadline=deadline - timedelta(days=1))
        commit(session)
    version = publishing.publish_addendum(session, beb, admin, change_note="Later",
                                          bid_deadline=deadline + timedelta(days=7))
    commit(session)
    assert bids.aware(version.bid_deadline) == deadline + timedelta(days=7)


def test_the_status_table_allows_only_listed_moves():
    assert can_move("sealed", "must_reconfirm") and can_move("must_reconfirm", "sealed")
    assert not can_move("opened", "sealed") and not can_move("withdrawn", "opened")
    assert not can_move("must_reconfirm", "opened")  # never opened without re-confirmation
    assert set(BID_TRANSITIONS) == set(BidStatus)


@pytest.mark.parametrize("typed, value", [("1,050,000.50", "1050000.50"), ("$ 900", "900"),
                                          ("abc", None), ("1.005", None), ("NaN", None),
                                          ("1e30", None), ("", None)])
def test_money_typed_by_people(typed, value):
    assert bids.parse_money(typed) == (Decimal(value) if value else None)


def test_every_bid_event_is_audited_with_the_receipt_hash_only(session, engine, beb, vendors, admin,
                                                               sealer):
    """Submission, replacement, withdrawal, re-confirmation (after an addendum) and opening each
    leave an audit entry; entries name the receipt hash, never a price, lot or capacity."""
    from consortium.services import bid_opening
    user = vendors["Transit Motors"]
    first = bids.submit_bid(session, beb, user, contents(("LOT-1", "1234567.89"),
                                                         capacity=[("2027Q1", 11)]), sealer=sealer)
    bid = session.get(Bid, first.bid_id)
    second = bids.submit_bid(session, beb, user, contents(("LOT-2", "7654321.98")), sealer=sealer)
    bids.withdraw_bid(session, bid, user)
    third = bids.submit_bid(session, beb, user, contents(("LOT-3", "1111111.11"),
                                                         discounts=[(("LOT-3",), "22222.22")]),
                            sealer=sealer)
    session.commit()
    publishing.publish_addendum(session, beb, admin, change_note="Warranty terms clarified")
    commit(session)
    again = bids.reconfirm_bid(session, bid, user)
    bid_opening.open_package(session, beb, admin, sealer=sealer,
                             now=_deadline(session, beb) + timedelta(minutes=1))
    session.commit()
    entries = session.exec(select(AuditEntry).where(AuditEntry.entity.in_(["bid", "bidpackage"]),
                                                    AuditEntry.action != "publish")
                           .order_by(AuditEntry.id)).all()
    assert [(e.action, e.user_email) for e in entries] == [
        ("bid_submit", user.email), ("bid_replace", user.email), ("bid_withdraw", user.email),
        ("bid_submit", user.email), ("addendum", admin.email), ("bid_must_reconfirm", "system"),
        ("bid_reconfirm", user.email), ("bids_open", admin.email)]
    receipts = [e.after.get("receipt_sha256") for e in entries if e.action != "bids_open"]
    assert receipts == [first.receipt_sha256, second.receipt_sha256, None,
                        third.receipt_sha256, None, None, again.receipt_sha256]
    assert entries[-1].after == {"opened": [third.receipt_sha256], "invalid": []}
    written = repr([(e.summary, e.before, e.after) for e in entries])
    for secret in ("1234567", "7654321", "1111111", "22222", "LOT-1", "LOT-2", "LOT-3", "2027Q1"):
        assert secret not in written, secret


def test_no_table_holds_a_sealed_price_before_the_opening(session, engine, beb, vendors, sealer):
    """Not just the bid tables: no row anywhere (audit, notifications, outbox, ...) holds the
    prices, discount or capacity of a sealed bid."""
    from sqlmodel import SQLModel
    bids.submit_bid(session, beb, vendors["Evergreen Bus"],
                    contents(("LOT-1", "1031415.92"), ("LOT-2", "1027182.81"),
                             capacity=[("2027Q2", 29)],
                             discounts=[(("LOT-1", "LOT-2"), "16180.33")]),
                    sealer=sealer)
    commit(session)
    dump = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            dump += [repr(tuple(r)) for r in conn.execute(table.select())]
    text_ = "\n".join(dump)
    assert "bid_receipt" in text_  # the receipt notification is there, with its hash only
    for secret in ("1031415", "1027182", "16180", "1,031,415"):
        assert secret not in text_, secret


def test_a_bid_answering_an_older_version_is_refused(session, beb, vendors, admin, sealer):
    user = vendors["Transit Motors"]
    row = bids.submit_bid(session, beb, user, contents(("LOT-1", 100)), sealer=sealer, answering=0)
    session.commit()
    publishing.publish_addendum(session, beb, admin, change_note="Warranty terms clarified")
    commit(session)
    bid = session.get(Bid, row.bid_id)
    with pytest.raises(bids.NewerVersion, match=r"Addendum 1 .*\(you were answering version 0\)"):
        bids.submit_bid(session, beb, user, contents(("LOT-1", 90)), sealer=sealer, answering=0)
    with pytest.raises(bids.NewerVersion, match="Addendum 1"):
        bids.reconfirm_bid(session, bid, user, answering=0)
    assert bid.status == BidStatus.MUST_RECONFIRM and bids.last_version(session, bid).number == 1
    assert bids.reconfirm_bid(session, bid, user, answering=1).number == 2


def test_the_demo_seals_with_a_key_it_keeps_in_the_instance_folder(tmp_path):
    """Without BID_SEALING_KEY (development, the demo) the key is generated once in the instance
    folder, readable by its owner only, and reused: bids sealed before a restart still open."""
    import os
    import stat

    from consortium.config import Settings
    settings = Settings.from_env({"CONSORTIUM_ENV": "development",
                                  "CONSORTIUM_INSTANCE": str(tmp_path)})
    assert not settings.bid_sealing_key
    first = sealing.make_sealer(settings)
    key = tmp_path / sealing.KEY_FILE
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    data = sealing.canonical({"prices": [{"lot": "LOT-1", "unit_price": "1.00"}]})
    token = first.seal(data)
    again = sealing.make_sealer(settings)  # a restart
    assert again.unseal(token, sealing.receipt(data)) == {"prices": [{"lot": "LOT-1",
                                                                     "unit_price": "1.00"}]}
    with_key = Settings.from_env({"CONSORTIUM_ENV": "development", "CONSORTIUM_INSTANCE":
                                  str(tmp_path), "BID_SEALING_KEY": key.read_text().strip()})
    assert sealing.make_sealer(with_key).unseal(token, sealing.receipt(data))
