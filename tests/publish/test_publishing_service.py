"""publish_round, addenda, the freeze guard and download logging, at the service level."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from consortium.db import commit, session_scope
from consortium.models import AuditEntry, BidPackage, Download, PackageFile, PackageVersion
from consortium.publish import ocds
from consortium.publish.build import FILE_ORDER, OCDS_NAME, PDF_NAME, ZIP_NAME
from consortium.services import publishing
from consortium.services.errors import NotAllowed
from consortium.services.publishing import PublishedPackageIsFrozen, PublishError
from tests import factories
from tests.publish.conftest import demo_plan, make_approved_run


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_publish_stores_every_file_with_its_hash(session, published, deadlines):
    assert sorted(published) == ["BEB-40", "SEDAN-EV"]
    bus = published["BEB-40"]
    assert bus.reference == "ocds-consortium-2027-clean-fleet-BEB-40"
    [version] = publishing.versions(session, bus)
    assert version.number == 0 and version.change_note == ""
    files = publishing.files_of(session, version)
    assert [f.name for f in files] == list(FILE_ORDER)
    for f in files:
        assert f.sha256 == hashlib.sha256(f.content).hexdigest() and f.size == len(f.content)
    # The ZIP's manifest lists the stored hashes, and the version keeps the manifest's hash.
    by_name = {f.name: f for f in files}
    archive = zipfile.ZipFile(io.BytesIO(by_name[ZIP_NAME].content))
    manifest_name = next(n for n in archive.namelist() if n.endswith("manifest.json"))
    manifest_bytes = archive.read(manifest_name)
    manifest = json.loads(manifest_bytes)["files"]
    assert manifest == {n: by_name[n].sha256 for n in FILE_ORDER if n != ZIP_NAME}
    assert version.manifest_sha256 == hashlib.sha256(manifest_bytes).hexdigest()
    # Deadlines are stored as given; one audit entry per package.
    assert version.bid_deadline.replace(tzinfo=None) == deadlines["bid_deadline"].replace(tzinfo=None)
    assert _count(session, AuditEntry) >= 2
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "bidpackage")).all()
    assert sorted(actions) == ["publish", "publish"]


def test_rebuilding_from_the_stored_rows_gives_the_same_bytes(session, published, demo_round):
    round_, run = demo_round
    bus = published["BEB-40"]
    version = publishing.latest_version(session, bus)
    from consortium.publish.build import build_package
    from consortium.services.publishing_inputs import package_inputs
    [pkg] = package_inputs(session, round_, run, bid_deadline=version.bid_deadline,
                           questions_deadline=version.questions_deadline,
                           published_at=version.published_at, product_codes=["BEB-40"])
    rebuilt = build_package(pkg)
    stored = {f.name: f.content for f in publishing.files_of(session, version)}
    assert rebuilt.files == stored


def test_only_the_approved_run_is_published(session, admin, demo_round, deadlines):
    round_, run = demo_round
    other = make_approved_run(session, factories.make_round(session, status="closed"), demo_plan())
    round_.approved_run_id = other.id  # a run of another round cannot stand for this one
    session.add(round_)
    session.commit()
    with pytest.raises(PublishError, match="approved"):
        publishing.publish_round(session, run, admin, **deadlines)
        commit(session)
    round_.approved_run_id = None
    session.add(round_)
    session.commit()
    with pytest.raises(PublishError, match="no approved plan"):
        publishing.publish_round(session, run, admin, **deadlines)
        commit(session)
    assert _count(session, BidPackage) == 0


def test_a_round_is_published_once(session, admin, published, demo_round, deadlines):
    with pytest.raises(PublishError, match="already published"):
        publishing.publish_round(session, demo_round[1], admin, **deadlines)
        commit(session)
    assert _count(session, PackageVersion) == 2


def test_deadlines_are_checked(session, admin, demo_round, deadlines):
    with pytest.raises(PublishError, match="before the bid deadline"):
        publishing.publish_round(session, demo_round[1], admin,
                                 bid_deadline=deadlines["questions_deadline"],
                                 questions_deadline=deadlines["bid_deadline"])
        commit(session)
    past = deadlines["bid_deadline"] - timedelta(days=60)
    with pytest.raises(PublishError, match="future"):
        publishing.publish_round(session, demo_round[1], admin, bid_deadline=past,
                                 questions_deadline=past - timedelta(days=1))
        commit(session)
    assert _count(session, BidPackage) == 0


def test_invalid_ocds_publishes_nothing(session, admin, demo_round, deadlines, monkeypatch):
    real = ocds.release_package

    def broken(pkg):
        data = real(pkg)
        if pkg.product.code == "SEDAN-EV":  # one bad package stops every package
            del data["releases"][0]["ocid"]
        return data

    monkeypatch.setattr(ocds, "release_package", broken)
    with pytest.raises(PublishError) as info:
        publishing.publish_round(session, demo_round[1], admin, **deadlines)
        commit(session)
    assert any("SEDAN-EV" in e and "ocid" in e for e in info.value.errors)
    session.rollback()
    for model in (BidPackage, PackageVersion, PackageFile):
        assert _count(session, model) == 0


def test_addendum_is_a_new_version_and_leaves_the_old_one(session, admin, published, deadlines):
    bus = published["BEB-40"]
    [v0] = publishing.versions(session, bus)
    old = {f.name: (f.sha256, f.content) for f in publishing.files_of(session, v0)}
    with pytest.raises(PublishError, match="change note"):
        publishing.publish_addendum(session, bus, admin, change_note="  ")
        commit(session)
    later = deadlines["bid_deadline"] + timedelta(days=7)
    v1 = publishing.publish_addendum(session, bus, admin, change_note="Bid deadline extended a week.",
                                     bid_deadline=later)
    commit(session)
    assert v1.number == 1 and v1.change_note == "Bid deadline extended a week."
    session.expire_all()
    assert {f.name: (f.sha256, f.content) for f in publishing.files_of(session, v0)} == old
    new = {f.name: f for f in publishing.files_of(session, v1)}
    assert new[PDF_NAME].sha256 != old[PDF_NAME][0]
    release = json.loads(new[OCDS_NAME].content)["releases"][0]
    assert release["id"].endswith("-tender-v1") and release["tag"] == ["tenderAmendment"]
    assert release["tender"]["amendments"][0]["description"] == "Bid deadline extended a week."
    assert release["tender"]["tenderPeriod"]["endDate"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    v2 = publishing.publish_addendum(session, bus, admin, change_note="Answers to questions.")
    commit(session)
    assert v2.number == 2
    assert [a["id"] for a in json.loads(publishing.files_of(session, v2)[3].content)
            ["releases"][0]["tender"]["amendments"]] == ["addendum-1", "addendum-2"]


def test_published_rows_cannot_be_changed_or_deleted(session, published):
    version = publishing.latest_version(session, published["BEB-40"])
    file = publishing.files_of(session, version)[0]
    file.content = b"tampered"
    session.add(file)
    with pytest.raises(PublishedPackageIsFrozen):
        session.commit()
    session.rollback()
    version.bid_deadline = version.bid_deadline + timedelta(days=1)
    session.add(version)
    with pytest.raises(PublishedPackageIsFrozen):
        session.flush()
    session.rollback()
    session.delete(published["SEDAN-EV"])
    with pytest.raises(PublishedPackageIsFrozen):
        session.flush()
    session.rollback()
    session.expire_all()
    assert publishing.files_of(session, version)[0].content[:4] == b"%PDF"


def test_downloads_are_logged_for_approved_vendors_only(session, published, vendor_user):
    version = publishing.latest_version(session, published["BEB-40"])
    file = publishing.files_of(session, version)[0]
    download = publishing.record_download(session, vendor_user, file)
    commit(session)
    assert (download.vendor_id, download.user_id, download.file_id, download.version_id) == (
        vendor_user.vendor_id, vendor_user.id, file.id, version.id)
    assert download.at is not None
    for status in ("pending", "rejected"):
        user = factories.make_user(session, "vendor", vendor=factories.make_vendor(session, status=status))
        with pytest.raises(NotAllowed, match="not been approved"):
            publishing.record_download(session, user, file)
            commit(session)
    with pytest.raises(NotAllowed):
        publishing.record_download(session, factories.make_user(session, "admin"), file)
        commit(session)
    assert _count(session, Download) == 1


def test_a_publishing_race_is_refused_cleanly(session, engine, admin, published, monkeypatch):
    """Another admin writes addendum 1 between our check and our commit: we get a clear refusal."""
    bus = published["BEB-40"]
    real = publishing._build_all

    def build_then_someone_else_publishes(inputs):
        built = real(inputs)
        monkeypatch.setattr(publishing, "_build_all", real)  # their publish builds normally
        with session_scope(engine) as other:  # their request commits first
            publishing.publish_addendum(other, other.get(BidPackage, bus.id), None,
                                        change_note="Theirs.")
        return built

    monkeypatch.setattr(publishing, "_build_all", build_then_someone_else_publishes)
    with pytest.raises(PublishError, match="someone else just now"):
        publishing.publish_addendum(session, bus, admin, change_note="Ours.")
        commit(session)
    session.expire_all()
    assert [(v.number, v.change_note) for v in publishing.versions(session, bus)] == [
        (0, ""), (1, "Theirs.")]
