"""Demand lines as CSV: the template and export downloads, and the all-or-nothing import.

An upload is checked whole first (size, encoding, header, every row); the web layer keeps the
file server-side between the preview and the confirmation, and the import checks it all again
before it saves anything, in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium.csv_safety import csv_uncell
from consortium.db import utcnow
from consortium.models import (
    AuditEntry,
    DemandLine,
    Member,
    PriceTier,
    Product,
    Round,
    User,
    money_json,
)
from consortium.services import csv_matching, demand, exports, line_refs
from consortium.services.errors import Conflict, ServiceError

COLUMNS = ("ref", "product", "quantity", "earliest", "latest", "options", "splittable",
           "max_unit_price", "notes")
REQUIRED = ("product", "quantity", "earliest", "latest")
MAX_ROWS = 20_000
NOT_UTF8 = "The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again."


class CsvFileError(ServiceError):
    """The file as a whole cannot be read as demand lines (size, format, encoding, header)."""


@dataclass
class RowResult:
    """One data row: its spreadsheet row number, its cells, clean values and errors by field."""

    number: int
    values: dict
    clean: dict
    errors: dict = field(default_factory=dict)
    action: str = "add"  # add, update (a ref of the member's line) or unchanged
    line: csv_matching.Existing | None = None  # the line a ref updates
    duplicate_of: str | None = None  # ref of the member's line this row repeats
    changes: list[str] = field(default_factory=list)  # fields an update changes

    def messages(self) -> list[str]:
        """"Row 7, quantity: must be a whole number from 1 to 100000" for each error."""
        return [f"Row {self.number}, {k}: {v}" for k, v in self.errors.items()]


@dataclass
class CheckedUpload:
    """Every row of a checked file; importable only when no row has an error."""

    rows: list[RowResult]

    @property
    def invalid_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not self.invalid_rows

    @property
    def units(self) -> int:
        return sum(r.clean["quantity"] or 0 for r in self.rows if not r.errors)

    @property
    def additions(self) -> list[RowResult]:
        """Valid new lines that repeat none of the member's lines."""
        return [r for r in self.rows if r.action == "add" and not r.duplicate_of]

    @property
    def duplicates(self) -> list[RowResult]:
        """Valid new lines equal to one of the member's lines: skipped unless confirmed."""
        return [r for r in self.rows if r.duplicate_of]

    @property
    def updates(self) -> list[RowResult]:
        return [r for r in self.rows if r.action == "update"]

    @property
    def unchanged(self) -> list[RowResult]:
        return [r for r in self.rows if r.action == "unchanged"]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: lines added (and their units), lines updated, duplicates skipped."""

    added: int
    units: int
    updated: int
    skipped: int


def human_size(n: int) -> str:
    """1.5 MB, 300 KB."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 10 * 1024 else f"{n:,} bytes"


def decode(data: bytes, max_bytes: int) -> str:
    """The file's text, or CsvFileError saying what is wrong with it and what to do."""
    if len(data) > max_bytes:
        raise CsvFileError(f"The file is {human_size(len(data))}, larger than the limit of "
                           f"{human_size(max_bytes)}. Split it into smaller files and upload each.")
    if not data.strip():
        raise CsvFileError("The file is empty. Download the template, add your lines and "
                           "upload it.")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise CsvFileError("This is an Excel workbook, not a CSV file. In Excel choose File > "
                           "Save As > 'CSV UTF-8 (Comma delimited)' and upload that file.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise CsvFileError(NOT_UTF8 + " (This file is UTF-16 text.)")
    if b"\x00" in data or data[:5] == b"%PDF-":
        raise CsvFileError("This is not a CSV file (it contains binary data). Upload a CSV "
                           "file: the template shows the format.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CsvFileError(f"{NOT_UTF8} (The first character that is not UTF-8 is on line "
                           f"{line}.)") from None


def _header(cells: list[str]) -> list[str]:
    names = [c.strip().casefold().replace(" ", "_") for c in cells]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [c.strip() for c, n in zip(cells, names) if n and n not in COLUMNS]
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if missing or unknown or twice:
        problems = []
        if missing:
            problems.append("missing columns: " + ", ".join(missing))
        if unknown:
            problems.append("unknown columns: " + ", ".join(repr(u) for u in unknown[:10]))
        if twice:
            problems.append("columns given twice: " + ", ".join(twice))
        raise CsvFileError(
            "The first row must be the header with the column names ("
            + "; ".join(problems) + "). The columns are: " + ", ".join(COLUMNS)
            + f" ({', '.join(REQUIRED)} are required). Download the template to see the format.")
    return names


def read_rows(text: str) -> list[tuple[int, dict]]:
    """The data rows as (spreadsheet row number, {column: text}); the header is row 1."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, number = [], 1
    try:
        names = _header(next(reader))
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvFileError(f"The file has more than {MAX_ROWS:,} lines. Split it into "
                                   "smaller files and upload each.")
            extra = [c for c in cells[len(names):] if c.strip()]
            # csv_uncell undoes the formula guard of the app's own exports (csv_safety).
            values = {n: (csv_uncell(cells[i]) if i < len(cells) else "")
                      for i, n in enumerate(names) if n}
            if extra:
                values["_extra"] = f"has {len(cells)} cells but the header names {len(names)}"
            rows.append((number, values))
    except csv.Error as exc:
        raise CsvFileError(f"Row {number} cannot be read as CSV ({exc}). "
                           "Check its quotes.") from None
    if not rows:
        raise CsvFileError("The file has a header but no lines. Add one row per demand line.")
    return rows


def check_rows(session: Session, round_: Round, rows: list[tuple[int, dict]],
               member_id: int | None = None) -> CheckedUpload:
    """Validate every row against the round, the catalog and the member's lines (a row's ref
    must name one of them; a row without one may repeat one); nothing is saved."""
    catalog = demand.load_catalog(session)
    mine = csv_matching.member_lines(session, round_.id, member_id)
    keys = {csv_matching.duplicate_key(e.values["product_id"], e.values["options"],
                                       e.values["earliest"], e.values["latest"],
                                       e.values["quantity"]): e.ref for e in mine.values()}
    seen: dict[str, int] = {}
    results = []
    for number, values in rows:
        clean, errors = demand.validate_line_data(round_, catalog, values)
        if "_extra" in values:
            errors["row"] = values["_extra"]
        row = RowResult(number=number, values=values, clean=clean, errors=errors)
        ref = clean["ref"]
        if ref and "ref" not in errors:
            if ref in seen:
                errors["ref"] = f"{ref} is also on row {seen[ref]}; each ref may appear once"
            elif ref not in mine:
                errors["ref"] = csv_matching.unknown_ref(ref)
            seen.setdefault(ref, number)
        if not errors:
            _match(row, mine, keys)
        results.append(row)
    return CheckedUpload(rows=results)


def _match(row: RowResult, mine: dict, keys: dict) -> None:
    clean = row.clean
    if clean["ref"]:
        row.line = mine[clean["ref"]]
        row.changes = csv_matching.changed(row.line, csv_matching.row_values(clean))
        row.action = "update" if row.changes else "unchanged"
    else:
        row.duplicate_of = keys.get(csv_matching.duplicate_key(
            clean["product"].id, clean["options"], clean["earliest"], clean["latest"],
            clean["quantity"]))


def check_upload(session: Session, round_: Round, data: bytes, max_bytes: int,
                 member_id: int | None = None) -> CheckedUpload:
    """Check a whole uploaded file: CsvFileError for the file, else every row's errors."""
    return check_rows(session, round_, read_rows(decode(data, max_bytes)), member_id)


def import_upload(session: Session, *, round_: Round, member: Member, actor: User,
                  checked: CheckedUpload, filename: str = "", data: bytes = b"",
                  include: frozenset[int] = frozenset(), include_all: bool = False) -> ImportResult:
    """Add the new rows and update the lines named by ref, in one transaction, or nothing when
    any row has an error. Likely duplicates are added only when confirmed (`include_all`, or
    their row numbers in `include`). Each change gets an audit entry, plus one for the import.
    """
    demand.ensure_may_change(session, actor, DemandLine(round_id=round_.id, member_id=member.id))
    demand.ensure_editable(round_, actor=actor)
    if not checked.valid:
        raise ServiceError(f"Nothing was imported: {len(checked.invalid_rows)} rows have errors.")
    adds = checked.additions + [r for r in checked.duplicates
                                if include_all or r.number in include]
    adds.sort(key=lambda r: r.number)
    lines = _insert_new_lines(session, round_, member, actor, adds)
    now = lines[0]["created_at"] if lines else utcnow()
    entry = {"at": now, "user_id": actor.id, "user_email": actor.email, "entity": "demandline",
             "round_id": round_.id, "member_id": member.id}
    audits = _apply_updates(session, checked.updates, actor, now, entry)
    if lines:
        ids = dict(session.exec(select(DemandLine.ref, DemandLine.id).where(
            DemandLine.round_id == round_.id, DemandLine.member_id == member.id)).all())
        audits += [{**entry, "action": "create", "entity_id": ids[line["ref"]],
                    "summary": f"added line {line['ref']} (CSV import)", "before": None,
                    "after": _after(line)} for line in lines]
    result = ImportResult(added=len(lines), units=sum(line["quantity"] for line in lines),
                          updated=len(checked.updates),
                          skipped=len(checked.duplicates) + len(checked.additions) - len(adds))
    if lines or checked.updates:
        digest = hashlib.sha256(data).hexdigest() if data else ""
        audits.append({**entry, "action": "import", "entity_id": None, "before": None,
                       "summary": (f"imported {len(lines)} lines and updated {result.updated} "
                                   f"from {filename or 'a CSV file'}")[:500],
                       "after": {"file": filename, "sha256": digest, "lines": len(lines),
                                 "units": result.units, "updated": result.updated,
                                 "skipped_duplicates": result.skipped}})
        session.execute(insert(AuditEntry), audits)
    return result


def _apply_updates(session: Session, rows: list[RowResult], actor: User, now,
                   entry: dict) -> list[dict]:
    """Update each line named by a row's ref, if nobody saved it since the check."""
    audits = []
    for row in rows:
        values = csv_matching.row_values(row.clean)
        result = session.execute(
            update(DemandLine).where(DemandLine.id == row.line.id,
                                     DemandLine.version == row.line.version)
            .values(**values, version=row.line.version + 1, updated_by_id=actor.id,
                    updated_at=now).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            session.rollback()
            raise Conflict(f"Someone changed line {row.line.ref} since the file was checked. "
                           "Nothing was imported; confirm again to use the newer line.")
        before = {k: _plain(row.line.values[k]) for k in row.changes}
        after = {k: _plain(values[k]) for k in row.changes}
        audits.append({**entry, "action": "update", "entity_id": row.line.id,
                       "summary": f"changed line {row.line.ref}: {', '.join(row.changes)} "
                                  "(CSV import)"[:500], "before": before, "after": after})
    return audits


def _plain(value):
    return money_json(value) if isinstance(value, Decimal) else value


def _insert_new_lines(session: Session, round_: Round, member: Member, actor: User,
                      rows: list[RowResult]) -> list[dict]:
    """Insert the new lines with refs drawn from the member's counter (services.line_refs),
    before any other write of the import, so simultaneous imports and adds never refuse each
    other; a drawn ref that someone typed by hand a moment ago is drawn again."""
    if not rows:
        return []
    for _attempt in range(demand.REF_ATTEMPTS):
        lines = _line_rows(session, round_, member, actor, rows)
        try:
            session.execute(insert(DemandLine), lines)
            return lines
        except IntegrityError:
            # Nothing of this import is written yet, so rolling back loses nothing.
            session.rollback()
    raise Conflict("Too many lines are being added at this moment. Nothing was imported; "
                   "confirm again.")


def _line_rows(session: Session, round_: Round, member: Member, actor: User,
               rows: list[RowResult]) -> list[dict]:
    fresh = iter(line_refs.draw(session, round_, member, len(rows)))
    now = utcnow()
    lines = []
    for row in rows:
        clean = row.clean
        lines.append({
            "ref": next(fresh), "product_id": clean["product"].id,
            "quantity": clean["quantity"], "earliest": clean["earliest"],
            "latest": clean["latest"], "options": clean["options"],
            "splittable": clean["splittable"], "max_unit_price": clean["max_unit_price"],
            "notes": clean["notes"], "round_id": round_.id, "member_id": member.id, "version": 1,
            "created_by_id": actor.id, "created_at": now, "updated_by_id": actor.id,
            "updated_at": now})
    return lines


def _after(line: dict) -> dict:
    price = line["max_unit_price"]
    return {k: line[k] for k in demand.LINE_FIELDS if k != "max_unit_price"} | {
        "max_unit_price": money_json(price)}


def write_csv(rows: list[list]) -> str:
    """The header and `rows` as CSV text with a BOM, so spreadsheets read it as UTF-8."""
    return exports.csv_text(COLUMNS, rows)


def active_products(session: Session) -> list[Product]:
    """The products a line may name, by code (the upload page lists their option values)."""
    return list(session.exec(select(Product).where(Product.active.is_(True))
                             .order_by(Product.code)).all())


def template_csv(session: Session, round_: Round) -> str:
    """The header and two example rows built from the round's periods and the catalog."""
    products = session.exec(select(Product).where(Product.active.is_(True))
                            .order_by(Product.code).limit(2)).all()
    periods = round_.periods or [""]
    rows = []
    for n, product in enumerate(products):
        options = {k: v[0] for k, v in sorted((product.options or {}).items()) if v}
        top = session.exec(select(PriceTier.unit_price).where(PriceTier.product_id == product.id)
                           .order_by(PriceTier.min_qty)).first()
        rows.append(["", product.code, 10 if n == 0 else 3, periods[0],
                     periods[-1] if n == 0 else periods[0], demand.format_options(options),
                     "yes" if n == 0 else "no", "" if n == 0 or top is None else money_json(top),
                     "Example row: replace it with your own line"])
    return write_csv(rows)


def export_csv(session: Session, round_: Round, member_id: int) -> str:
    """The member's lines of the round in the import format, ordered by ref."""
    codes = dict(session.exec(select(Product.id, Product.code)).all())
    lines = session.exec(select(DemandLine).where(DemandLine.round_id == round_.id,
                                                  DemandLine.member_id == member_id)
                         .order_by(DemandLine.ref)).all()
    return write_csv([[line.ref, codes.get(line.product_id, ""), line.quantity, line.earliest,
                       line.latest, demand.format_options(line.options),
                       "yes" if line.splittable else "no",
                       "" if line.max_unit_price is None else money_json(line.max_unit_price),
                       line.notes] for line in lines])
