"""The builders: OCDS validity (and refusal of broken output), PDF content, CSVs, determinism."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from consortium.publish import build, ocds
from consortium.publish.inputs import AmendmentInfo
from consortium.publish.pdf import SECTIONS
from consortium.publish.validate import (InvalidPackage, merge_patch, validate_release_package,
                                         validation_errors)
from consortium.services.publishing_inputs import package_inputs

PUBLISHED = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
QUESTIONS = datetime(2026, 12, 22, 17, 0, tzinfo=timezone.utc)
BIDS = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)


@pytest.fixture
def inputs(session, demo_round):
    round_, run = demo_round
    return {p.product.code: p for p in package_inputs(
        session, round_, run, bid_deadline=BIDS, questions_deadline=QUESTIONS,
        published_at=PUBLISHED)}


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_one_package_per_product_one_lot_per_tranche(inputs):
    assert sorted(inputs) == ["BEB-40", "SEDAN-EV"]
    bus = inputs["BEB-40"]
    assert [(lot.id, lot.tranche_id, lot.period, lot.quantity) for lot in bus.lots] == [
        ("LOT-1", "T1", "2027Q1", 12), ("LOT-2", "T2", "2027Q2", 30), ("LOT-3", "T3", "2027Q3", 6)]
    assert bus.ocid == "ocds-consortium-2027-clean-fleet-BEB-40"
    assert [(d.member, d.period, d.lot_id, d.units) for d in bus.deliveries] == [
        ("Long Beach", "2027Q1", "LOT-1", 4), ("Los Angeles", "2027Q1", "LOT-1", 8),
        ("Los Angeles", "2027Q2", "LOT-2", 20), ("San Diego", "2027Q2", "LOT-2", 10),
        ("Seattle", "2027Q3", "LOT-3", 6)]
    assert bus.deliveries[1].delivery_address.startswith("Fleet Services Yard, 2500 E 15th St")
    assert [m.name for m in bus.members] == ["Long Beach", "Los Angeles", "San Diego", "Seattle"]


def test_ocds_of_the_demo_round_validates(inputs):
    for pkg in inputs.values():
        data = ocds.release_package(pkg)
        assert validation_errors(data) == []
        release = data["releases"][0]
        assert release["tag"] == ["tender"] and release["initiationType"] == "tender"
        assert ocds.LOTS_EXTENSION in data["extensions"]
        roles = {p["name"]: p["roles"] for p in release["parties"]}
        assert roles.pop("Consortium for Clean Municipal Fleets") == ["procuringEntity"]
        assert roles == {m.name: ["buyer"] for m in pkg.members}
        tender = release["tender"]
        assert [lot["id"] for lot in tender["lots"]] == [lot.id for lot in pkg.lots]
        assert [(i["relatedLot"], i["quantity"], i["unit"]["name"]) for i in tender["items"]] == [
            (lot.id, lot.quantity, "each") for lot in pkg.lots]
        assert all(i["classification"]["scheme"] == pkg.product.classification_scheme
                   and i["classification"]["id"] == pkg.product.classification_code
                   for i in tender["items"])
        assert tender["tenderPeriod"]["endDate"] == "2026-12-31T17:00:00Z"
        assert tender["enquiryPeriod"]["endDate"] == "2026-12-22T17:00:00Z"


def _broken(data):
    """Copies of a valid package, each with one deliberate fault."""
    faults = {}
    d = copy.deepcopy(data); del d["releases"][0]["ocid"]; faults["missing ocid"] = d
    d = copy.deepcopy(data); d["releases"][0]["tag"] = ["bid-package"]; faults["wrong tag"] = d
    d = copy.deepcopy(data); del d["releases"][0]["tender"]["lots"][0]["id"]; faults["lot without id"] = d
    d = copy.deepcopy(data); d["releases"][0]["tender"]["items"][0]["relatedLot"] = "LOT-99"
    faults["item of an unknown lot"] = d
    d = copy.deepcopy(data); d["releases"][0]["tender"]["items"][0]["quantity"] = "twelve"
    faults["quantity as text"] = d
    d = copy.deepcopy(data); d["releases"][0]["tender"]["lots"][0]["status"] = "open"
    faults["lot status outside the codelist"] = d
    d = copy.deepcopy(data); d["version"] = "1.1.5"; faults["package version pattern"] = d
    d = copy.deepcopy(data); del d["publisher"]; faults["no publisher"] = d
    return faults


def test_broken_ocds_fails_validation(inputs):
    data = ocds.release_package(inputs["BEB-40"])
    for fault, broken in _broken(data).items():
        with pytest.raises(InvalidPackage) as info:
            validate_release_package(broken)
        assert info.value.errors, fault


def test_merge_patch_follows_rfc7386():
    assert merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": 3}}) == {"a": {"c": 2, "d": 3}}
    assert merge_patch({"a": [1]}, {"a": [2]}) == {"a": [2]}


def test_pdf_has_every_section_and_the_right_numbers(inputs):
    pkg = inputs["BEB-40"]
    pages = pdf_pages(build.build_package(pkg).files[build.PDF_NAME])
    text = "\n".join(pages)
    for heading in ("Invitation to bid", *SECTIONS):
        assert heading in text, heading
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
    assert "2026-12-31 17:00 UTC" in text and "2026-12-22 17:00 UTC" in text
    assert "48 each" in text  # total quantity on the cover
    lots = text[text.index(SECTIONS[1]):text.index(SECTIONS[2])]
    assert "LOT-1" in lots and "12" in lots and "LOT-2" in lots and "30" in lots and "LOT-3" in lots
    schedule = text[text.index(SECTIONS[2]):text.index(SECTIONS[3])]
    for line in ("Los Angeles: 28 each", "Long Beach: 4 each", "San Diego: 10 each", "Seattle: 6 each"):
        assert line in schedule
    assert "Fleet Services Yard, 2500 E 15th St" in schedule
    specs = text[text.index(SECTIONS[3]):text.index(SECTIONS[4])]
    assert "Low-floor 40-ft" in specs and "battery: 525 kWh; charging: SAE-J3105" in specs
    assert "CPV 34144910" in specs
    price_form = text[text.index(SECTIONS[4]):text.index(SECTIONS[5])]
    assert "Unit price (USD)" in price_form and "$1,058,000" in price_form
    assert "No addenda have been published." in text


def test_pdf_of_an_addendum_names_it(inputs):
    pkg = replace(inputs["SEDAN-EV"], version=1, change_note="Lot 2 delivery moved to May.",
                  amendments=(AmendmentInfo(1, PUBLISHED, "Lot 2 delivery moved to May."),))
    text = "\n".join(pdf_pages(build.build_package(pkg).files[build.PDF_NAME]))
    assert "Addendum 1: Lot 2 delivery moved to May." in text and "1 (addendum 1)" in text
    release = ocds.release_package(pkg)
    validate_release_package(release)
    assert release["releases"][0]["tag"] == ["tenderAmendment"]
    assert release["releases"][0]["tender"]["amendments"][0]["description"] == "Lot 2 delivery moved to May."


def test_csv_forms(inputs):
    files = build.build_package(inputs["SEDAN-EV"]).files
    raw = files[build.PRICE_FORM_NAME]
    assert raw.count(b"\r\n") == 3 and b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [(r["lot_id"], r["options"], r["period"], r["quantity"], r["unit_price"]) for r in rows] == [
        ("LOT-1", "charging: J3400-NACS", "2027Q1", "40", ""), ("LOT-2", "charging: CCS1", "2027Q2", "60", "")]
    schedule = list(csv.DictReader(io.StringIO(files[build.SCHEDULE_NAME].decode("utf-8"))))
    assert [(r["member"], r["lot_id"], r["units"]) for r in schedule] == [
        ("Denver", "LOT-2", "35"), ("Los Angeles", "LOT-2", "25"), ("Portland", "LOT-1", "25"),
        ("Seattle", "LOT-1", "15")]


def test_same_input_gives_byte_identical_files(inputs):
    first = build.build_package(inputs["BEB-40"])
    second = build.build_package(copy.deepcopy(inputs["BEB-40"]))
    assert set(first.files) == set(build.FILE_ORDER)
    for name in build.FILE_ORDER:
        assert first.files[name] == second.files[name], name
    later = build.build_package(replace(inputs["BEB-40"], published_at=BIDS))
    assert later.files[build.PDF_NAME] != first.files[build.PDF_NAME]


def test_zip_holds_every_file_and_a_matching_manifest(inputs):
    built = build.build_package(inputs["BEB-40"])
    archive = zipfile.ZipFile(io.BytesIO(built.files[build.ZIP_NAME]))
    folder = "ocds-consortium-2027-clean-fleet-BEB-40-v0/"
    names = sorted(n.removeprefix(folder) for n in archive.namelist())
    assert names == sorted([build.PDF_NAME, build.PRICE_FORM_NAME, build.SCHEDULE_NAME,
                            build.OCDS_NAME, "manifest.json"])
    manifest = json.loads(archive.read(folder + "manifest.json"))
    assert manifest["algorithm"] == "sha256"
    for name, digest in manifest["files"].items():
        content = archive.read(folder + name)
        assert content == built.files[name]
        assert hashlib.sha256(content).hexdigest() == digest
    assert archive.read(folder + "manifest.json") == built.manifest
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
