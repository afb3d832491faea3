"""CSV: a double-clicked confirmation imports once, crafted option cells are refused quickly,
and every CSV the app writes neutralises spreadsheet formulas (failures 1, 2 and 6)."""

from __future__ import annotations

import csv
import io
import time

from sqlmodel import select

from consortium.csv_safety import csv_cell, csv_uncell
from consortium.models import AuditEntry, DemandLine, Member
from consortium.publish import build
from consortium.services import csv_import
from consortium.services.demand_validation import OPTIONS_MAX, parse_options
from tests import factories
from tests.demand.test_demand_csv import HEADER, confirm, token_of, upload
from tests.security.conftest import clone_client, concurrently

def starts_formula(cell: str) -> bool:
    return bool(cell) and cell[0] in "=+-@\t\r"


ROWS = "".join(f",BEB-40,{n},2027Q1,2027Q2,charging=CCS1,no,,row {n}\n" for n in range(1, 6))


def test_five_simultaneous_confirmations_import_the_file_once(app, fleet_client, session, bus,
                                                              round_):
    token = token_of(upload(fleet_client, round_, HEADER + ROWS))
    clients = [clone_client(app, fleet_client) for _ in range(5)]
    responses = concurrently([lambda c=c: confirm(c, round_, token) for c in clients])
    assert all(not isinstance(r, BaseException) and r.status_code == 302 for r in responses), responses
    session.expire_all()
    assert len(session.exec(select(DemandLine)).all()) == 5
    imports = session.exec(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert len(imports) == 1
    # The token is spent: confirming it again imports nothing more.
    again = confirm(fleet_client, round_, token)
    assert again.status_code == 302 and "/upload" not in again.headers["Location"]
    assert len(session.exec(select(DemandLine)).all()) == 5


def test_a_failed_confirmation_can_be_confirmed_again(fleet_client, session, bus, round_,
                                                      other_member):
    token = token_of(upload(fleet_client, round_, HEADER + "X-9" + ROWS.splitlines()[0] + "\n"))
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="X-9")
    assert confirm(fleet_client, round_, token).status_code == 302  # refused: ref taken
    assert session.exec(select(DemandLine).where(DemandLine.member_id != other_member.id)).all() == []
    # The upload is still there for the preview (not consumed by the failed import).
    preview = fleet_client.get(f"/demand/rounds/{round_.id}/upload/{token}")
    assert preview.status_code == 422


def test_options_parsing_is_linear_and_bounded():
    huge = "; ".join(f"k{n}=v{n}" for n in range(8000))
    started = time.perf_counter()
    options, message = parse_options(huge)
    assert time.perf_counter() - started < 0.05
    assert options == {} and "at most" in message
    many = "; ".join(f"k{n}=v" for n in range(OPTIONS_MAX + 1))
    assert "more than" in parse_options(many)[1]
    fine = "; ".join(f"k{n}=v" for n in range(OPTIONS_MAX))
    assert len(parse_options(fine)[0]) == OPTIONS_MAX
    assert "given twice" in parse_options("a=1; A=2")[1]


def test_a_crafted_372_kb_file_is_checked_in_well_under_a_second(session, bus, round_):
    cell = "; ".join(f"k{n}=v{n}" for n in range(8000))  # 8,000 pairs in a cell, ~100 KB
    data = (HEADER + "".join(f'X-{n},BEB-40,5,2027Q1,2027Q2,"{cell}",no,,\n'
                             for n in range(4))).encode()
    assert len(data) > 360_000
    started = time.perf_counter()
    checked = csv_import.check_upload(session, round_, data, 5 * 1024 * 1024)
    assert time.perf_counter() - started < 1.0
    assert all("at most 2,000 characters" in row.errors["options"] for row in checked.rows)


def test_csv_cell_neutralises_formulas_and_round_trips():
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_cell(text) == "'" + text and csv_uncell(csv_cell(text)) == text
    for text in ("'=1+1", "''=1", "'plain", "plain", "", "a=b"):
        assert csv_uncell(csv_cell(text)) == text
    assert csv_cell("'=1+1")[:2] == "''"
    assert csv_cell(-5) == -5 and csv_cell(None) is None


def test_demand_export_neutralises_and_the_note_round_trips(fleet_client, session, bus, round_,
                                                            member):
    notes = ["'=1+1", "=HYPERLINK(\"http://evil\")", "@cmd", "-3", "plain"]
    for n, note in enumerate(notes, start=1):
        factories.make_line(session, round=round_, member=member, product=bus, ref=f"N-{n}",
                            notes=note)
    exported = fleet_client.get(f"/demand/rounds/{round_.id}/lines.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows and not any(starts_formula(r["notes"]) for r in rows)
    # Deleted and imported again as new lines (refs blanked: a ref names a line to update),
    # every note comes back exactly.
    for line in session.exec(select(DemandLine)).all():
        session.delete(line)
    session.commit()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows({**row, "ref": ""} for row in rows)
    reimport = out.getvalue()
    assert confirm(fleet_client, round_, token_of(upload(fleet_client, round_, reimport))).status_code == 302
    session.expire_all()
    assert sorted(line.notes for line in session.exec(select(DemandLine)).all()) == sorted(notes)


def test_published_csvs_neutralise_member_addresses_and_product_names(session, demo_round):
    from datetime import datetime, timezone

    from consortium.models import Product
    from consortium.services.publishing_inputs import package_inputs
    round_, run = demo_round
    for member in session.exec(select(Member)).all():
        member.delivery_address = '=HYPERLINK("http://evil.example","Click")'
        session.add(member)
    for product in session.exec(select(Product)).all():
        product.name = "+cmd|' /C calc'!A0"
        session.add(product)
    session.commit()
    moment = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)
    inputs = package_inputs(session, round_, run, bid_deadline=moment, questions_deadline=moment,
                            published_at=moment)
    files = build.build_package(inputs[0]).files
    for name in (build.PRICE_FORM_NAME, build.SCHEDULE_NAME):
        for row in csv.reader(io.StringIO(files[name].decode("utf-8"))):
            assert not any(starts_formula(cell) for cell in row), (name, row)
    schedule = list(csv.DictReader(io.StringIO(files[build.SCHEDULE_NAME].decode("utf-8"))))
    assert schedule and all(r["delivery_address"].startswith("'=HYPERLINK") for r in schedule)
