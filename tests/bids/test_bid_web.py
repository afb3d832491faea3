"""Sealed bids on the web: the form, the price-form CSV, own bid, withdraw, re-confirm, receipts,
who may see what (other vendors 404, pending vendors 403, admins never read a bid early), CSRF,
deadlines, and the tabulation."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from sqlmodel import select

from consortium.db import commit, utcnow
from consortium.models import Bid, BidStatus, BidVersion, Member
from consortium.services import bids, publishing
from tests import factories
from tests.bids.conftest import contents, set_bid_deadline
from tests.conftest import csrf_token, login

VALID = (date.today() + timedelta(days=200)).isoformat()


def _form(**prices) -> dict:
    data = {"valid_until": VALID}
    for n, lot in enumerate(("LOT-1", "LOT-2", "LOT-3")):
        data[f"price_{n}"] = prices.get(lot.replace("-", "_"), "")
    return data


def _client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_a_vendor_bids_by_form_and_gets_a_receipt(app, session, beb, vendors):
    client = _client_for(app, vendors["Transit Motors"])
    page = client.get(f"/bids/packages/{beb.id}")
    assert page.status_code == 200 and "Unit price for LOT-3" in page.get_data(as_text=True)
    data = {**_form(LOT_1="1,050,000", LOT_3="1100000.50"), "capacity_0": "10",
            "discount_lots_0": ["LOT-1", "LOT-3"], "discount_amount_0": "50000"}
    response = client.post(f"/bids/packages/{beb.id}", data=data)
    assert response.status_code == 302 and "/bids/receipts/" in response.location
    row = session.exec(select(BidVersion)).one()
    receipt = client.get(response.location).get_data(as_text=True)
    assert row.receipt_sha256 in receipt
    own = client.get(f"/bids/{row.bid_id}").get_data(as_text=True)
    assert "$1,050,000.00" in own and "$1,100,000.50" in own and "$50,000.00 off" in own
    # The form shows the bid for replacing it; a replacement is version 2.
    again = client.get(f"/bids/packages/{beb.id}").get_data(as_text=True)
    assert 'value="1050000.00"' in again
    assert client.post(f"/bids/packages/{beb.id}", data=_form(LOT_2="990000")).status_code == 302
    assert bids.last_version(session, session.get(Bid, row.bid_id)).number == 2


def test_bad_bids_list_every_problem_and_save_nothing(app, session, beb, vendors):
    client = _client_for(app, vendors["Transit Motors"])
    response = client.post(f"/bids/packages/{beb.id}",
                           data={**_form(LOT_1="abc"), "valid_until": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter an amount in dollars" in page
    assert "Enter the date until which the bid is valid" in page
    response = client.post(f"/bids/packages/{beb.id}",
                           data={**_form(), "discount_lots_0": ["LOT-2"],
                                 "discount_amount_0": "10"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter a unit price for at least one lot" in page
    assert "Discount 1: you did not price LOT-2" in page
    assert session.exec(select(Bid)).all() == []


def test_price_form_csv_preview_lists_every_error_and_fills_the_form_when_valid(app, session, beb,
                                                                                vendors):
    client = _client_for(app, vendors["Transit Motors"])
    version = publishing.latest_version(session, beb)
    form_csv = next(f for f in publishing.files_of(session, version)
                    if f.name == "price-form.csv").content.decode()
    lines = form_csv.strip().split("\r\n")
    bad = "\r\n".join([lines[0], lines[1] + "abc", lines[2].replace(",30,", ",31,") + "5",
                       "LOT-9,BEB-40,x,y,2027Q1,1,bus,5"]) + "\r\n"
    response = client.post(f"/bids/packages/{beb.id}/csv",
                           data={"file": (io.BytesIO(bad.encode()), "prices.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "line 2: unit_price &#39;abc&#39; is not an amount" in page
    assert "LOT-2 has 30 units in the package, not 31" in page
    assert "line 4: LOT-9 is not a lot of this package" in page
    assert 'value="5.00"' not in page  # all or nothing: no price of the file is used
    good = "\r\n".join([lines[0], lines[1] + "1040000", lines[2], lines[3] + "1100000"]) + "\r\n"
    response = client.post(f"/bids/packages/{beb.id}/csv",
                           data={"file": (io.BytesIO(good.encode()), "prices.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 lot(s) priced" in page
    assert 'value="1040000.00"' in page and 'value="1100000.00"' in page
    assert session.exec(select(Bid)).all() == []  # nothing is sealed until the form is sent


def test_other_vendors_get_404_and_pending_vendors_and_fleet_managers_are_refused(
        app, session, beb, vendors, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    session.commit()
    other = _client_for(app, vendors["Evergreen Bus"])
    for url in (f"/bids/{row.bid_id}", f"/bids/{row.bid_id}/withdraw",
                f"/bids/{row.bid_id}/reconfirm", f"/bids/receipts/{row.id}"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/bids/{row.bid_id}/withdraw").status_code == 404
    assert session.get(Bid, row.bid_id).status == BidStatus.SEALED
    pending = _client_for(app, vendors["Pending Coaches"])
    for url in (f"/bids/packages/{beb.id}", "/bids/", f"/bids/packages/{beb.id}/tabulation"):
        assert pending.get(url).status_code == 403, url
    fleet_manager = factories.make_user(session, "fleet_manager", email="fleet@x.example.com",
                                        member=session.exec(select(Member)).first())
    fleet = _client_for(app, fleet_manager)
    for url in (f"/bids/packages/{beb.id}", f"/bids/packages/{beb.id}/tabulation",
                f"/bids/receipts/{row.id}"):
        assert fleet.get(url).status_code == 403, url


def test_admins_cannot_read_a_bid_before_the_deadline_through_any_route(app, session, beb, vendors,
                                                                        admin, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"],
                          contents(("LOT-1", "7654321.98"), capacity=[("2027Q2", 77777)],
                                   discounts=[(("LOT-1",), "4444.44")]), sealer=sealer)
    session.commit()
    client = _client_for(app, admin)
    ids = {"package_id": beb.id, "bid_id": row.bid_id, "version_id": row.id}
    seen = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        try:
            url = rule.build({name: ids.get(name, 1) for name in rule.arguments},
                             append_unknown=False)[1]
        except Exception:  # a rule with string arguments: try the package reference
            url = rule.rule.replace("<reference>", beb.reference)
            if "<" in url:
                continue
        try:
            page = client.get(url).get_data()
        except Exception:  # noqa: BLE001  a page that fails on this test's hand-written plan
            continue  # shows nothing at all
        seen += 1
        for secret in (b"7654321", b"7,654,321", b"77777", b"77,777", b"4444.44", b"4,444.44"):
            assert secret not in page, (url, secret)
    assert seen > 40
    # Opening early is refused too, and changes nothing.
    response = client.post(f"/bids/packages/{beb.id}/open", data={}, follow_redirects=True)
    assert "cannot be opened before the bid deadline" in response.get_data(as_text=True)
    assert session.get(Bid, row.bid_id).status == BidStatus.SEALED


def test_forms_need_their_csrf_token(app, csrf_client, session, beb, vendors, sealer):
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    assert csrf_client.post("/login", data={"email": vendors["Transit Motors"].email,
                                            "password": factories.PASSWORD,
                                            "csrf_token": token}).status_code == 302
    assert csrf_client.post(f"/bids/packages/{beb.id}", data=_form(LOT_1="100")).status_code == 400
    assert session.exec(select(Bid)).all() == []
    page = csrf_client.get(f"/bids/packages/{beb.id}").get_data(as_text=True)
    data = {**_form(LOT_1="100"), "csrf_token": csrf_token(page)}
    assert csrf_client.post(f"/bids/packages/{beb.id}", data=data).status_code == 302
    bid = session.exec(select(Bid)).one()
    assert csrf_client.post(f"/bids/{bid.id}/withdraw", data={}).status_code == 400
    session.refresh(bid)
    assert bid.status == BidStatus.SEALED


def test_withdraw_asks_first_and_the_deadline_stops_every_change(app, session, engine, beb,
                                                                 vendors, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    session.commit()
    client = _client_for(app, vendors["Transit Motors"])
    confirm = client.get(f"/bids/{row.bid_id}/withdraw").get_data(as_text=True)
    assert "Withdraw your bid" in confirm and 'value="Withdraw my bid"' in confirm
    set_bid_deadline(engine, beb, utcnow() - timedelta(minutes=1))
    response = client.post(f"/bids/{row.bid_id}/withdraw", data={}, follow_redirects=True)
    assert "has passed" in response.get_data(as_text=True)
    response = client.post(f"/bids/packages/{beb.id}", data=_form(LOT_1="90"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "The bid deadline" in page and "has passed" in page
    assert 'id="bid-form"' not in page
    bid = session.get(Bid, row.bid_id)
    session.refresh(bid)
    assert bid.status == BidStatus.SEALED and bids.last_version(session, bid).number == 1


def test_reconfirm_after_an_addendum_on_the_web(app, session, beb, vendors, admin, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    session.commit()
    publishing.publish_addendum(session, beb, admin, change_note="Charging standard changed")
    commit(session)
    client = _client_for(app, vendors["Transit Motors"])
    page = client.get(f"/bids/packages/{beb.id}").get_data(as_text=True)
    assert "must re-confirm" in page and "not valid" in page
    confirm = client.get(f"/bids/{row.bid_id}/reconfirm").get_data(as_text=True)
    assert "Charging standard changed" in confirm
    client.post(f"/bids/{row.bid_id}/reconfirm", data={})
    bid = session.get(Bid, row.bid_id)
    session.refresh(bid)
    assert bid.status == BidStatus.SEALED


def test_tabulation_after_the_deadline_for_admins_and_approved_vendors(app, session, engine, beb,
                                                                       vendors, admin, sealer):
    rows = [bids.submit_bid(session, beb, vendors[name], contents(("LOT-1", price)), sealer=sealer)
            for name, price in (("Transit Motors", "1010101"), ("Evergreen Bus", "1020202"))]
    session.commit()
    admin_client = _client_for(app, admin)
    before = admin_client.get(f"/bids/packages/{beb.id}/tabulation").get_data(as_text=True)
    assert "sealed until the bid deadline" in before and "2 sealed bids" in before
    assert "1,010,101" not in before and "Open the bids now" not in before
    set_bid_deadline(engine, beb, utcnow() - timedelta(minutes=1))
    response = admin_client.post(f"/bids/packages/{beb.id}/open", data={}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Opened 2 valid bid(s)" in page and "$1,010,101.00" in page
    for row in rows:
        assert row.receipt_sha256 in page
    vendor_page = _client_for(app, vendors["Pacific Coach Works"]).get(
        f"/bids/packages/{beb.id}/tabulation").get_data(as_text=True)
    assert "$1,020,202.00" in vendor_page
    ocds = admin_client.get(f"/bids/packages/{beb.id}/ocds.json").get_json()
    assert len(ocds["releases"][0]["bids"]["details"]) == 2
    assert re.search(r"Transit Motors", page)


def _hidden_version(page: str) -> str:
    return re.search(r'name="package_version"[^>]*value="(\d+)"', page).group(1)


def test_a_bid_sent_from_a_form_older_than_an_addendum_is_refused(app, session, beb, vendors,
                                                                   admin):
    """The vendor opens the form of version 0; an addendum is published; the bid it then sends
    is not silently counted against a version it never saw: nothing is saved, the new version's
    form is shown with the reason. The same holds for a price-form upload's filled form."""
    client = _client_for(app, vendors["Transit Motors"])
    page = client.get(f"/bids/packages/{beb.id}").get_data(as_text=True)
    assert _hidden_version(page) == "0"
    publishing.publish_addendum(session, beb, admin, change_note="Battery size corrected")
    commit(session)
    response = client.post(f"/bids/packages/{beb.id}",
                           data={**_form(LOT_1="1000000"), "package_version": "0"})
    assert response.status_code == 302 and response.location.endswith(f"/bids/packages/{beb.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Addendum 1 of this package was published after you opened this page" in page
    assert _hidden_version(page) == "1"
    assert session.exec(select(Bid)).all() == []
    response = client.post(f"/bids/packages/{beb.id}",
                           data={**_form(LOT_1="1000000"), "package_version": "1"})
    assert response.status_code == 302 and "/bids/receipts/" in response.location
    row = session.exec(select(BidVersion)).one()
    assert publishing.latest_version(session, beb).id == row.package_version_id


def test_a_reconfirmation_from_the_page_of_an_older_addendum_is_refused(app, session, beb,
                                                                         vendors, admin, sealer):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    session.commit()
    publishing.publish_addendum(session, beb, admin, change_note="Charging standard changed")
    commit(session)
    client = _client_for(app, vendors["Transit Motors"])
    confirm = client.get(f"/bids/{row.bid_id}/reconfirm").get_data(as_text=True)
    assert _hidden_version(confirm) == "1"
    publishing.publish_addendum(session, beb, admin, change_note="Delivery moved to 2027Q3")
    commit(session)
    response = client.post(f"/bids/{row.bid_id}/reconfirm", data={"package_version": "1"})
    assert response.status_code == 302
    assert "Addendum 2 of this package was published" in client.get(
        response.location).get_data(as_text=True)
    bid = session.get(Bid, row.bid_id)
    session.refresh(bid)
    assert bid.status == BidStatus.MUST_RECONFIRM
    assert client.post(f"/bids/{row.bid_id}/reconfirm",
                       data={"package_version": "2"}).status_code == 302
    session.refresh(bid)
    assert bid.status == BidStatus.SEALED
