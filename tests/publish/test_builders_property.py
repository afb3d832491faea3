"""Property tests of the pure builders: any plan-shaped input gives valid OCDS, one price-form row
per lot, a schedule that adds up to the lots, and the same bytes twice."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from consortium.publish import bundle, csv_forms, ocds
from consortium.publish.inputs import (ConsortiumInfo, DeliveryRow, LotInfo, MemberInfo,
                                       PackageInput, ProductInfo, Tier)
from consortium.publish.validate import validation_errors

PERIODS = ("2027Q1", "2027Q2", "2027Q3", "2027Q4")
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ÀÉüñ-'&,\"", min_size=2, max_size=20)


@st.composite
def package_inputs(draw) -> PackageInput:
    members = draw(st.lists(NAMES.map(str.strip).filter(lambda n: len(n) >= 2), min_size=1,
                            max_size=5, unique=True))
    lots, deliveries = [], []
    for n in range(1, draw(st.integers(1, 6)) + 1):
        period = draw(st.sampled_from(PERIODS))
        option = draw(st.sampled_from(["CCS1", "SAE-J3105", "J3400, \"NACS\""]))
        shares = draw(st.lists(st.tuples(st.sampled_from(members), st.integers(1, 60)),
                               min_size=1, max_size=4))
        units = Counter()
        for member, q in shares:
            units[member] += q
        quantity = sum(units.values())
        price = draw(st.integers(20000, 1500000))
        lots.append(LotInfo(f"LOT-{n}", f"T{n}", (("charging", option),), period, quantity, price,
                            quantity * price + 1000))
        deliveries += [DeliveryRow(m, f"{m} yard", period, f"LOT-{n}", u) for m, u in sorted(units.items())]
    published = datetime(2026, 12, 1, tzinfo=timezone.utc) + timedelta(minutes=draw(st.integers(0, 10**6)))
    return PackageInput(
        consortium=ConsortiumInfo(), round_name="Round", round_slug="round-x", periods=PERIODS,
        product=ProductInfo("BEB-40", "Bus, 40 ft", "each", draw(st.sampled_from(["CPV", "UNSPSC"])),
                            "34144910", "Electric buses", "Spec", 1, None, (Tier(1, 100), Tier(10, 90))),
        lots=tuple(lots), deliveries=tuple(deliveries),
        members=tuple(MemberInfo(f"member-{i}", m, f"{m} yard", "CA", "US") for i, m in enumerate(members)),
        bid_deadline=published + timedelta(days=30), questions_deadline=published + timedelta(days=21),
        published_at=published)


@settings(max_examples=40, deadline=None)
@given(package_inputs())
def test_any_plan_gives_valid_consistent_repeatable_files(pkg):
    data = ocds.release_package(pkg)
    assert validation_errors(data) == []
    price_form = list(csv.DictReader(io.StringIO(csv_forms.price_form_csv(pkg).decode("utf-8"))))
    assert [(r["lot_id"], int(r["quantity"]), r["unit_price"]) for r in price_form] == [
        (lot.id, lot.quantity, "") for lot in pkg.lots]
    schedule = list(csv.DictReader(io.StringIO(csv_forms.delivery_schedule_csv(pkg).decode("utf-8"))))
    per_lot = Counter()
    for row in schedule:
        per_lot[row["lot_id"]] += int(row["units"])
    assert per_lot == {lot.id: lot.quantity for lot in pkg.lots}
    files = {"ocds.json": ocds.to_bytes(data), "price-form.csv": csv_forms.price_form_csv(pkg)}
    assert bundle.zip_bytes(files) == bundle.zip_bytes(dict(files))
    assert ocds.to_bytes(ocds.release_package(pkg)) == files["ocds.json"]


def test_pdf_escapes_markup_and_keeps_accents():
    from dataclasses import replace

    from pypdf import PdfReader

    from consortium.publish.pdf import package_pdf
    published = datetime(2026, 12, 1, tzinfo=timezone.utc)
    name = "Saint-Étienne & <Fleet> Co"
    pkg = PackageInput(
        consortium=ConsortiumInfo(), round_name="Round <1>", round_slug="r1", periods=PERIODS,
        product=ProductInfo("VAN", "Van", "each", "CPV", "34144900", "EVs", "Spec <b>not bold</b>"),
        lots=(LotInfo("LOT-1", "T1", (), "2027Q1", 7, 100, 700),),
        deliveries=(DeliveryRow(name, "1 Rue & Co", "2027Q1", "LOT-1", 7),),
        members=(MemberInfo("m1", name),), bid_deadline=published + timedelta(days=9),
        questions_deadline=published + timedelta(days=2), published_at=published)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(package_pdf(pkg))).pages)
    assert f"{name}: 7 each" in text and "Spec <b>not bold</b>" in text and "Round <1>" in text
    assert "standard configuration" in text
    assert package_pdf(replace(pkg)) == package_pdf(pkg)
