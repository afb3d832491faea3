"""The public record: answered questions become `tender.enquiries` in a new release (Enquiries
extension) beside the frozen, unchanged version releases; validated offline; no asker in it."""

from __future__ import annotations

import copy
import hashlib
import json

from sqlmodel import select

from consortium.models import PackageFile
from consortium.publish.record import ENQUIRIES_EXTENSION
from consortium.publish.validate import validation_errors
from consortium.services import publishing, questions


def _answered(session, admin, asker, package, text, answer):
    q = questions.ask(session, asker, package, text)
    questions.answer(session, admin, q, answer)
    session.commit()
    return q


def test_releases_without_answers_are_the_stored_ones(client, published):
    bus = published["BEB-40"]
    data = client.get(f"/api/packages/{bus.reference}/releases.json").get_json()
    assert [r["id"] for r in data["releases"]] == [f"{bus.reference}-tender-v0"]
    assert ENQUIRIES_EXTENSION not in data["extensions"] and validation_errors(data) == []
    assert client.get("/api/packages/unknown-ref/releases.json").status_code == 404


def test_answers_are_a_new_valid_release_and_stored_files_never_change(
        client, session, admin, asker, rival, published):
    bus = published["BEB-40"]
    stored = {f.id: f.sha256 for f in session.exec(select(PackageFile)).all()}
    first = _answered(session, admin, asker, bus, "Is CCS1 required?", "Yes, on every bus.")
    questions.ask(session, rival, bus, "An open question stays private.")
    session.commit()
    v1 = publishing.publish_addendum(session, bus, admin, change_note="Lot 3 moved.")
    second = questions.ask(session, rival, bus, "Can lot 3 move?")
    questions.answer_by_addendum(session, admin, second, v1)
    session.commit()

    response = client.get(f"/api/packages/{bus.reference}/releases.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert validation_errors(data) == []
    assert ENQUIRIES_EXTENSION in data["extensions"]
    ids = [r["id"] for r in data["releases"]]
    assert ids == [f"{bus.reference}-tender-v0", f"{bus.reference}-tender-v1",
                   f"{bus.reference}-enquiries-2"]
    release = data["releases"][-1]
    assert release["tag"] == ["tenderUpdate"] and release["tender"]["hasEnquiries"] is True
    enquiries = release["tender"]["enquiries"]
    assert [(e["id"], e["description"], e["answer"]) for e in enquiries] == [
        (str(first.id), "Is CCS1 required?", "Yes, on every bus."),
        (str(second.id), "Can lot 3 move?", "Answered by addendum 1: Lot 3 moved.")]
    assert all("author" not in e for e in enquiries)
    text = json.dumps(data)
    for secret in ("Pacific", "Cascade", asker.email, rival.email, "stays private"):
        assert secret not in text
    # The frozen files are untouched, and the stored release is served byte for byte.
    for f in session.exec(select(PackageFile)).all():
        if f.id in stored:
            assert f.sha256 == stored[f.id] == hashlib.sha256(f.content).hexdigest()
    raw = client.get(f"/api/packages/{bus.reference}/ocds.json?version=0")
    assert raw.headers["X-Content-SHA256"] == hashlib.sha256(raw.data).hexdigest()
    assert "enquiries" not in raw.get_data(as_text=True)
    listing = client.get("/api/packages").get_json()["packages"]
    counts = {p["reference"]: p["answered_questions"] for p in listing}
    assert counts == {bus.reference: 2, published["SEDAN-EV"].reference: 0}
    assert all(p["releases_url"].endswith("/releases.json") for p in listing)


def test_the_enquiries_schema_is_enforced(client, session, admin, asker, published):
    """The vendored extension really is patched in: a malformed enquiry is reported."""
    bus = published["BEB-40"]
    _answered(session, admin, asker, bus, "Q?", "A.")
    data = client.get(f"/api/packages/{bus.reference}/releases.json").get_json()
    broken = copy.deepcopy(data)
    enquiry = broken["releases"][-1]["tender"]["enquiries"][0]
    del enquiry["id"]
    enquiry["answer"] = 42
    errors = validation_errors(broken)
    assert any("enquiries/0" in e and "'id' is a required property" in e for e in errors)
    assert any(e.startswith("releases/1/tender/enquiries/0/answer: 42 is not of type")
               for e in errors)


def test_public_notices_show_the_answers(client, session, admin, asker, published):
    bus = published["BEB-40"]
    _answered(session, admin, asker, bus, "Delivery included?", "Yes, to each yard.")
    index = client.get("/notices/").get_data(as_text=True)
    assert f"/notices/{bus.reference}" in index
    page = client.get(f"/notices/{bus.reference}").get_data(as_text=True)
    assert "Delivery included?" in page and "Yes, to each yard." in page
    assert "Pacific" not in page and f"/api/packages/{bus.reference}/releases.json" in page
