"""CSV template, export and the all-or-nothing import: every kind of invalid row, whole-file
problems (size, format, encoding, header), re-checking at confirmation, and a 5,000-row file."""

from __future__ import annotations

import html
import io
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.db import utcnow
from consortium.models import AuditEntry, DemandLine
from consortium.services import csv_import
from tests import factories
from tests.conftest import login

HEADER = "ref,product,quantity,earliest,latest,options,splittable,max_unit_price,notes\n"


def upload(client, round_, text: str | bytes, name="lines.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(f"/demand/rounds/{round_.id}/upload", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def confirm(client, round_, token):
    return client.post(f"/demand/rounds/{round_.id}/upload/confirm", data={"token": token})


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count_lines(session) -> int:
    session.expire_all()
    return len(session.exec(select(DemandLine)).all())


def test_template_has_header_and_catalog_examples(fleet_client, session, bus, van, round_):
    response = fleet_client.get(f"/demand/rounds/{round_.id}/template.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff" + HEADER.strip())
    assert ",BEB-40,10,2027Q1,2027Q4,charging=CCS1,yes,," in text
    assert ",VAN-E,3,2027Q1,2027Q1,battery=68kWh; roof=low,no,50000," in text
    # The template itself is a valid upload.
    preview = fleet_client.get(upload(fleet_client, round_, response.get_data()).headers["Location"])
    assert preview.status_code == 200 and "All 2 rows are valid" in preview.get_data(as_text=True)


def test_export_has_only_own_lines_and_reimports(fleet_client, session, bus, round_, member,
                                                 other_member):
    factories.make_line(session, round=round_, member=member, product=bus, ref="LA-1",
                        quantity=4, max_unit_price=99000, notes="=HYPERLINK(1)", splittable=True)
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="SEA-1")
    other_round = factories.make_round(session)
    factories.make_line(session, round=other_round, member=member, product=bus, ref="LA-OTHER")
    text = fleet_client.get(f"/demand/rounds/{round_.id}/lines.csv").get_data(as_text=True)
    assert "LA-1,BEB-40,4,2027Q1,2027Q4,charging=CCS1,yes,99000,'=HYPERLINK(1)" in text
    assert "SEA-1" not in text and "LA-OTHER" not in text
    # Export -> edit -> upload updates the line in place; the guarded note comes back unchanged.
    token = token_of(upload(fleet_client, round_, text.replace("LA-1,BEB-40,4,", "LA-1,BEB-40,6,")))
    preview = text_of(fleet_client.get(f"/demand/rounds/{round_.id}/upload/{token}"))
    assert "updates LA-1: quantity" in preview and "1 line of yours updated by ref" in preview
    assert confirm(fleet_client, round_, token).status_code == 302
    session.expire_all()
    line = session.exec(select(DemandLine).where(DemandLine.ref == "LA-1")).one()
    assert line.notes == "=HYPERLINK(1)" and line.splittable and line.quantity == 6
    assert line.version == 2 and count_lines(session) == 3


def test_valid_file_is_previewed_then_imported_whole(fleet_client, session, bus, van, round_,
                                                     member, fleet_manager):
    text = (HEADER + ",BEB-40,12,2027Q1,2027Q3,charging=CCS1,yes,\"$1,120,000\",Depot 3\n"
            ",beb-40,3,2027q2,2027Q2,Charging=sae-j3105,,,\n"
            "\n"
            ',VAN-E,20,2027Q1,2027Q4,"roof=high; battery=89kWh",no,47000.50,"Note, with comma"\n')
    response = upload(fleet_client, round_, text)
    preview = fleet_client.get(response.headers["Location"])
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "All 3 rows are valid: 35 units" in page
    assert "3 new lines to add" in page and "Confirm the import" in page
    assert count_lines(session) == 0  # nothing saved before the confirmation
    done = confirm(fleet_client, round_, token_of(response))
    assert done.status_code == 302
    assert "Imported 3 lines (35 units)" in fleet_client.get(done.headers["Location"]).get_data(as_text=True)
    lines = session.exec(select(DemandLine).order_by(DemandLine.id)).all()
    assert [x.ref for x in lines] == ["LA-fleet-2027-001", "LA-fleet-2027-002", "LA-fleet-2027-003"]
    assert lines[0].max_unit_price == 1120000
    assert lines[1].options == {"charging": "SAE-J3105"} and lines[1].earliest == "2027Q2"
    assert lines[2].options == {"roof": "high", "battery": "89kWh"}
    assert str(lines[2].max_unit_price) == "47000.50" and lines[2].notes == "Note, with comma"
    assert all(x.member_id == member.id and x.created_by_id == fleet_manager.id for x in lines)
    entries = session.exec(select(AuditEntry)).all()
    assert sorted(e.action for e in entries) == ["create", "create", "create", "import"]
    assert {e.entity_id for e in entries if e.action == "create"} == {x.id for x in lines}
    summary = next(e for e in entries if e.action == "import")
    assert summary.after["lines"] == 3 and summary.after["units"] == 35
    assert summary.after["file"] == "lines.csv" and len(summary.after["sha256"]) == 64
    # The kept upload is gone: confirming twice does not import twice.
    again = confirm(fleet_client, round_, token_of(response))
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/demand/rounds/{round_.id}")
    assert count_lines(session) == 3


INVALID_ROWS = [
    # (row text, field, message) -- the file's row numbers start at 2 under the header
    (",NOPE,5,2027Q1,2027Q2,,,,", "product", "there is no product with the code 'NOPE'"),
    (",BEB-40,five,2027Q1,2027Q2,charging=CCS1,,,", "quantity", "must be a whole number from 1 to 100000"),
    (",BEB-40,0,2027Q1,2027Q2,charging=CCS1,,,", "quantity", "must be a whole number from 1 to 100000"),
    (",BEB-40,5,2031Q1,2027Q2,charging=CCS1,,,", "earliest", "must be one of the round's periods"),
    (",BEB-40,5,2027Q3,2027Q1,charging=CCS1,,,", "latest", "must not be before the earliest period"),
    (",BEB-40,5,2027Q1,2027Q2,charging=NACS,,,", "options", "charging must be one of CCS1, SAE-J3105"),
    (",BEB-40,5,2027Q1,2027Q2,,,,", "options", "choose charging: CCS1 or SAE-J3105"),
    (",BEB-40,5,2027Q1,2027Q2,charging=CCS1; colour=red,,,", "options", "BEB-40 has no option 'colour'"),
    (",BEB-40,5,2027Q1,2027Q2,charging=CCS1,,$1.000.0,", "max_unit_price", "must be an amount"),
    (",BEB-40,5,2027Q1,2027Q2,charging=CCS1,,-3,", "max_unit_price", "more than 0"),
    (",BEB-40,5,2027Q1,2027Q2,charging=CCS1,maybe,,", "splittable", "must be yes or no"),
    # Another member's ref and an unknown ref get the same answer: nothing is revealed.
    ("TAKEN,BEB-40,5,2027Q1,2027Q2,charging=CCS1,,,", "ref", "none of your lines in this round has the ref TAKEN"),
    ("TAKEN,BEB-40,5,2027Q1,2027Q2,charging=CCS1,,,", "ref", "TAKEN is also on row 13"),
    ("NOSUCH,BEB-40,5,2027Q1,2027Q2,charging=CCS1,,,", "ref", "none of your lines in this round has the ref NOSUCH"),
    (",BEB-40,5,2027Q1,2027Q2,charging=CCS1,,,,surplus", "row", "has 10 cells but the header names 9"),
]


def test_every_kind_of_invalid_row_is_reported_and_nothing_is_saved(
        fleet_client, session, bus, round_, other_member):
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="TAKEN")
    good = ",BEB-40,5,2027Q1,2027Q2,charging=CCS1,no,,fine\n"
    text = HEADER + "\n".join(r for r, _f, _m in INVALID_ROWS) + "\n" + good
    response = upload(fleet_client, round_, text)
    preview = fleet_client.get(response.headers["Location"])
    assert preview.status_code == 422
    page = text_of(preview)
    assert f"{len(INVALID_ROWS)} of {len(INVALID_ROWS) + 1} rows have errors. Nothing was saved." in page
    for number, (_row, field, message) in enumerate(INVALID_ROWS, start=2):
        item = re.search(rf"<li>Row {number}, {field}: ([^<]*)</li>", page)
        assert item and message in item.group(1), (number, field)
    assert "Confirm the import" not in page
    assert confirm(fleet_client, round_, token_of(response)).status_code == 302
    assert count_lines(session) == 1  # only the other member's line
    checked = csv_import.check_upload(session, round_, text.encode(), 10**6)
    assert [list(r.errors) for r in checked.invalid_rows] == [[f] for _r, f, _m in INVALID_ROWS]


def test_confirmation_checks_the_file_again(fleet_client, session, bus, round_, member):
    mine = factories.make_line(session, round=round_, member=member, product=bus, ref="X-2")
    text = HEADER + ",BEB-40,5,2027Q1,2027Q2,charging=CCS1,,,\nX-2,BEB-40,7,2027Q1,2027Q2,charging=CCS1,,,\n"
    token = token_of(upload(fleet_client, round_, text))
    session.delete(mine)
    session.commit()
    response = confirm(fleet_client, round_, token)
    assert response.status_code == 302 and token in response.headers["Location"]
    page = fleet_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Row 3, ref: none of your lines in this round has the ref X-2" in page
    assert count_lines(session) == 0


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04rest-of-a-zip", "This is an Excel workbook, not a CSV file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "This is not a CSV file"),
    ("ref,product,quantity,earliest,latest,notes\n,BEB-40,1,2027Q1,2027Q1,café\n".encode("latin-1"),
     "The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again. (The first character "
     "that is not UTF-8 is on line 2.)"),
    ("ref,product\n".encode("utf-16"), "The file is not UTF-8 text."),
    (b"", "The file is empty."),
    (b"hello world\nthis is not a table\n", "missing columns: product, quantity, earliest, latest"),
    (b"product,qty,earliest,latest\nBEB-40,1,2027Q1,2027Q1\n", "missing columns: quantity; unknown columns: 'qty'"),
    (b"product,quantity,earliest,latest,quantity\n", "columns given twice: quantity"),
    (HEADER.encode(), "The file has a header but no lines."),
])
def test_whole_file_problems_have_clear_messages(fleet_client, session, bus, round_, data, message):
    response = upload(fleet_client, round_, data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert count_lines(session) == 0


def test_bom_and_semicolons_are_accepted(fleet_client, session, bus, round_):
    text = "\ufeffProduct;Quantity;Earliest;Latest;Options\nBEB-40;2;2027Q1;2027Q1;charging=CCS1\n"
    preview = fleet_client.get(upload(fleet_client, round_, text).headers["Location"])
    assert "The row is valid" in preview.get_data(as_text=True)


def test_too_many_rows(session, bus, round_, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    rows = "".join(f",BEB-40,1,2027Q1,2027Q1,charging=CCS1,,,\n" for _ in range(4))
    with pytest.raises(csv_import.CsvFileError, match="more than 3 lines"):
        csv_import.check_upload(session, round_, (HEADER + rows).encode(), 10**6)


def test_too_large_files_get_the_limit_in_the_message(app, settings, engine, session, bus, round_,
                                                      fleet_manager):
    from consortium.web import create_app
    small = create_app(replace(settings, max_csv_bytes=2000))
    small.extensions["consortium.engine"] = engine
    client = small.test_client()
    login(client, fleet_manager)
    row = ",BEB-40,1,2027Q1,2027Q1,charging=CCS1,,,\n"
    just_over = (HEADER + row * 60).encode()[:2100]
    response = upload(client, round_, just_over)
    assert response.status_code == 422
    assert "The file is 2,100 bytes, larger than the limit of 2,000 bytes." in text_of(response)
    way_over = (HEADER + row * 5000).encode()  # beyond what the server reads at all
    response = upload(client, round_, way_over)
    # Back to the upload page (not a dead end), with the limit stated and the form ready.
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/demand/rounds/{round_.id}/upload")
    page = text_of(client.get(response.headers["Location"]))
    assert "The file is larger than the limit of 2,000 bytes." in page
    assert 'type="file"' in page
    assert count_lines(session) == 0


def test_upload_is_refused_when_the_round_is_locked(fleet_client, session, bus, round_):
    text = HEADER + ",BEB-40,1,2027Q1,2027Q1,charging=CCS1,,,\n"
    token = token_of(upload(fleet_client, round_, text))
    round_.deadline = utcnow() - timedelta(seconds=1)
    session.add(round_)
    session.commit()
    response = confirm(fleet_client, round_, token)
    assert "read-only" in fleet_client.get(response.headers["Location"]).get_data(as_text=True)
    response = upload(fleet_client, round_, text)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rounds/{round_.id}")
    assert count_lines(session) == 0


def test_kept_upload_belongs_to_its_uploader_and_round(fleet_client, client, session, bus, round_,
                                                       other_fleet_manager):
    text = HEADER + ",BEB-40,1,2027Q1,2027Q1,charging=CCS1,,,\n"
    token = token_of(upload(fleet_client, round_, text))
    other_round = factories.make_round(session)
    assert fleet_client.get(f"/demand/rounds/{other_round.id}/upload/{token}").status_code == 404
    assert confirm(fleet_client, other_round, token).status_code == 404
    assert confirm(fleet_client, round_, "../../etc/passwd").status_code == 404
    fleet_client.post("/logout")
    login(client, other_fleet_manager)
    assert client.get(f"/demand/rounds/{round_.id}/upload/{token}").status_code == 404
    assert confirm(client, round_, token).status_code == 404
    assert count_lines(session) == 0


def test_five_thousand_rows_import_whole(fleet_client, session, bus, van, round_):
    rows = []
    for n in range(5000):
        if n % 2:
            rows.append(f",BEB-40,{n % 40 + 1},2027Q1,2027Q4,charging=CCS1,yes,,row {n}")
        else:
            rows.append(f",VAN-E,{n % 7 + 1},2027Q2,2027Q3,roof=low; battery=89kWh,no,48000,")
    response = upload(fleet_client, round_, HEADER + "\n".join(rows) + "\n")
    assert fleet_client.get(response.headers["Location"]).status_code == 200
    assert confirm(fleet_client, round_, token_of(response)).status_code == 302
    assert count_lines(session) == 5000
    refs = session.exec(select(DemandLine.ref)).all()
    assert len(set(refs)) == 5000 and "LA-fleet-2027-2500" in refs
    assert len(session.exec(select(AuditEntry.id)).all()) == 5001
