"""The public JSON API and the `publish` / `export-packages` commands."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlmodel import select

from consortium.cli import cli
from consortium.db import commit
from consortium.models import BidPackage, PackageFile
from consortium.publish.validate import validation_errors
from consortium.services import publishing


def test_api_lists_published_packages(client, session, demo_round, admin, deadlines):
    assert client.get("/api/packages").get_json() == {"count": 0, "packages": []}
    publishing.publish_round(session, demo_round[1], admin, **deadlines)
    commit(session)
    data = client.get("/api/packages").get_json()
    assert data["count"] == 2
    bus = next(p for p in data["packages"] if p["product"]["code"] == "BEB-40")
    assert bus["reference"] == "ocds-consortium-2027-clean-fleet-BEB-40"
    assert bus["round"] == {"name": "2027 Clean Fleet Round", "slug": "2027-clean-fleet"}
    assert bus["latest_version"] == 0 and bus["open"] is True
    assert bus["bid_deadline"] == deadlines["bid_deadline"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert bus["ocds_url"].endswith("/api/packages/ocds-consortium-2027-clean-fleet-BEB-40/ocds.json")


def test_api_serves_the_stored_ocds(client, session, published, admin):
    bus = published["BEB-40"]
    response = client.get(f"/api/packages/{bus.reference}/ocds.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    stored = session.exec(select(PackageFile).where(PackageFile.name == "ocds-release-package.json")
                          .where(PackageFile.version_id == publishing.latest_version(session, bus).id)).one()
    assert response.data == stored.content
    assert validation_errors(response.get_json()) == []
    publishing.publish_addendum(session, bus, admin, change_note="Corrected the delivery address.")
    commit(session)
    latest = client.get(f"/api/packages/{bus.reference}/ocds.json").get_json()
    assert latest["releases"][0]["id"].endswith("-v1")
    first = client.get(f"/api/packages/{bus.reference}/ocds.json?version=0")
    assert first.data == stored.content
    assert client.get("/api/packages").get_json()["packages"][0]["latest_version"] in (0, 1)


def test_api_errors_are_json_and_it_is_read_only(client, published):
    bus = published["BEB-40"]
    for url in ("/api/packages/nope/ocds.json", f"/api/packages/{bus.reference}/ocds.json?version=9"):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["error"] == "Not found"
    assert client.get(f"/api/packages/{bus.reference}/ocds.json?version=x").status_code == 400
    for method in ("POST", "PUT", "DELETE"):
        assert client.open("/api/packages", method=method).status_code == 405


@pytest.fixture
def runner(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CONSORTIUM_ENV", "testing")
    monkeypatch.setenv("CONSORTIUM_INSTANCE", str(tmp_path))
    return CliRunner()


def test_cli_publish_and_export(runner, session, demo_round, tmp_path):
    round_, run = demo_round
    result = runner.invoke(cli, ["publish", str(run.id), "--bid-deadline", "2099-03-01",
                                 "--questions-deadline", "2099-02-15"])
    assert result.exit_code == 0, result.output
    assert "ocds-consortium-2027-clean-fleet-BEB-40 version 0" in result.output
    packages = session.exec(select(BidPackage)).all()
    assert len(packages) == 2
    version = publishing.latest_version(session, packages[0])
    assert version.bid_deadline.strftime("%Y-%m-%d %H:%M") == "2099-03-01 17:00"
    again = runner.invoke(cli, ["publish", str(run.id)])
    assert again.exit_code != 0 and "already published" in again.output
    out = tmp_path / "export"
    result = runner.invoke(cli, ["export-packages", round_.slug, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 10 files of 2 package(s)" in result.output
    for package in packages:
        for f in publishing.files_of(session, publishing.latest_version(session, package)):
            written = (out / package.reference / "v0" / f.name).read_bytes()
            assert written == f.content and hashlib.sha256(written).hexdigest() == f.sha256
    manifest_zip = out / "ocds-consortium-2027-clean-fleet-SEDAN-EV" / "v0" / "bid-package.zip"
    assert manifest_zip.stat().st_size > 0
    data = json.loads((out / packages[0].reference / "v0" / "ocds-release-package.json").read_text())
    assert validation_errors(data) == []


def test_cli_refusals(runner, session, demo_round):
    assert "There is no run 999" in runner.invoke(cli, ["publish", "999"]).output
    result = runner.invoke(cli, ["publish", str(demo_round[1].id), "--bid-deadline", "2099-03-01",
                                 "--questions-deadline", "2099-03-05"])
    assert result.exit_code != 0 and "before the bid deadline" in result.output
    result = runner.invoke(cli, ["export-packages", "no-such-round", "-o", "x"])
    assert result.exit_code != 0 and "no round with the slug" in result.output
    result = runner.invoke(cli, ["export-packages", demo_round[0].slug, "-o", "x"])
    assert result.exit_code != 0 and "no published package" in result.output
    assert session.exec(select(BidPackage)).all() == []


def test_consortium_identity_comes_from_the_settings(runner, monkeypatch, session, demo_round):
    monkeypatch.setenv("OCID_PREFIX", "ocds-abc123")
    monkeypatch.setenv("CONSORTIUM_NAME", "West Coast Fleet Consortium")
    monkeypatch.setenv("PUBLIC_URL", "https://fleet.example.net/")
    result = runner.invoke(cli, ["publish", str(demo_round[1].id)])
    assert result.exit_code == 0, result.output
    package = session.exec(select(BidPackage).order_by(BidPackage.reference)).first()
    assert package.reference == "ocds-abc123-2027-clean-fleet-BEB-40"
    ocds = next(f for f in publishing.files_of(session, publishing.latest_version(session, package))
                if f.name == "ocds-release-package.json")
    data = json.loads(ocds.content)
    assert data["uri"].startswith("https://fleet.example.net/api/packages/ocds-abc123-")
    release = data["releases"][0]
    assert release["ocid"] == "ocds-abc123-2027-clean-fleet-BEB-40"
    entity = next(p for p in release["parties"] if "procuringEntity" in p["roles"])
    assert entity["name"] == "West Coast Fleet Consortium"
    assert validation_errors(data) == []
