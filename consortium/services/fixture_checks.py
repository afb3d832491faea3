"""Reading and checking a folder of fixture files; `check_folder` lists every problem at once.

Files (each optional): members.json, vendors.json, products.json, users.json, rounds.json, each
an object whose key of the same name holds a list; and demand-<round slug>.csv. Keys starting
with "_" are comments (notes, sources, assumptions) and are ignored. References between files
(a product's vendor, a user's member, a demand line's member and product) may also name rows
that are already in the database.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session, SQLModel, select

from consortium.db import utcnow
from consortium.models import (
    CATEGORIES,
    CLASSIFICATION_SCHEMES,
    ROLES,
    ROUND_STATUSES,
    VENDOR_STATUSES,
    Member,
    MemberBase,
    Product,
    ProductBase,
    Round,
    RoundBase,
    Vendor,
    VendorBase,
    to_money,
)
from consortium.models.types import as_utc
from consortium.services.accounts import MIN_PASSWORD_LENGTH, normalize_email
from consortium.services.catalog import validate_tiers
from consortium.services.demand_validation import load_catalog, validate_line_data
from consortium.services.errors import ServiceError

DEMAND_REQUIRED = ("ref", "member", "product", "quantity", "earliest", "latest")
DEMAND_COLUMNS = DEMAND_REQUIRED + ("options", "splittable", "max_unit_price", "notes")


class FixtureError(ServiceError):
    """Bad fixture files: `problems` lists every (file, row or JSON path, reason)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"  {file} {where}: {reason}" if where else f"  {file}: {reason}"
                 for file, where, reason in self.problems]
        super().__init__(f"The fixture files have {count} problem{'s' if count != 1 else ''}; "
                         "nothing was loaded:\n" + "\n".join(lines))


@dataclass
class FixtureSet:
    """The checked content of a fixture folder, ready to write."""

    members: list[dict] = field(default_factory=list)
    vendors: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)
    demand: dict[str, list[dict]] = field(default_factory=dict)


class _Problems(list):
    def add(self, file: str, where: str, reason: str) -> None:
        self.append((file, where, reason))


def check_folder(session: Session, folder: Path) -> FixtureSet:
    """Read and check every fixture file of `folder`; raise FixtureError with all problems."""
    problems = _Problems()
    if not folder.is_dir():
        raise FixtureError([(str(folder), "", "is not a folder of fixture files")])
    fx = FixtureSet()
    fx.members = [m for _, m in _check_kind(folder, "members", MemberBase, problems, key="name")]
    vendor_items = _check_kind(folder, "vendors", VendorBase, problems, key="name")
    for path, item in vendor_items:
        if item["status"] not in VENDOR_STATUSES:
            problems.add("vendors.json", f"{path}.status",
                         f"{item['status']!r} is not one of {', '.join(VENDOR_STATUSES)}")
    fx.vendors = [v for _, v in vendor_items]
    vendors = {v["name"] for v in fx.vendors} | set(session.exec(select(Vendor.name)))
    members = {m["name"] for m in fx.members} | set(session.exec(select(Member.name)))
    product_items = _check_kind(folder, "products", ProductBase, problems, key="code",
                                extra=("tiers", "vendor"), skip=("vendor_id",))
    for path, item in product_items:
        _check_product(item, path, vendors, problems)
    fx.products = [p for _, p in product_items]
    fx.users = _check_users(folder, members, vendors, problems)
    fx.rounds = _check_rounds(folder, problems)
    # Unsaved rows stand in for the files' rounds and products while checking demand lines.
    rounds = {r.slug: r for r in session.exec(select(Round))}
    rounds.update({r["slug"]: Round.model_validate(r) for r in fx.rounds})
    catalog = load_catalog(session)
    catalog.update({p["code"].casefold(): Product.model_validate(
        {k: v for k, v in p.items() if k not in ("tiers", "vendor")}) for p in fx.products})
    for file in sorted(folder.glob("demand-*.csv")):
        slug = file.stem[len("demand-"):]
        if slug not in rounds:
            problems.add(file.name, "", f"names round {slug!r}, which is neither in rounds.json "
                                        "nor in the database")
            continue
        fx.demand[slug] = _check_demand(file, rounds[slug], members, catalog, problems)
    if problems:
        raise FixtureError(problems)
    return fx


def _read_list(folder: Path, kind: str, problems: _Problems) -> list[tuple[str, dict]]:
    """The (JSON path, object) pairs of `<kind>.json`; [] when the file does not exist."""
    file = folder / f"{kind}.json"
    if not file.exists():
        return []
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"line {exc.lineno} column {exc.colno}" if hasattr(exc, "lineno") else ""
        problems.add(file.name, where, f"is not valid JSON ({getattr(exc, 'msg', exc)})")
        return []
    if not isinstance(data, dict) or not isinstance(data.get(kind), list):
        problems.add(file.name, "", f'must be an object with a list under "{kind}"')
        return []
    out = []
    for i, item in enumerate(data[kind]):
        if isinstance(item, dict):
            out.append((f"{kind}[{i}]", item))
        else:
            problems.add(file.name, f"{kind}[{i}]", "must be an object")
    return out


def _validate(model: type[SQLModel], data: dict, file: str, path: str,
              problems: _Problems) -> dict | None:
    """`data` checked by the model's own field rules; None (and problems added) when invalid."""
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(part) for part in err["loc"])
            problems.add(file, f"{path}.{loc}" if loc else path, err["msg"])
        return None


def _check_kind(folder: Path, kind: str, model: type[SQLModel], problems: _Problems, *,
                key: str, extra: tuple[str, ...] = (), skip: tuple[str, ...] = ()
                ) -> list[tuple[str, dict]]:
    """(JSON path, object) of `<kind>.json`, checked by `model`; unknown fields refused, keys unique."""
    file, out, seen = f"{kind}.json", [], set()
    allowed = (set(model.model_fields) - set(skip)) | set(extra)
    for path, item in _read_list(folder, kind, problems):
        data = {k: v for k, v in item.items() if not k.startswith("_")}
        for name in sorted(set(data) - allowed):
            problems.add(file, f"{path}.{name}", f"unknown field (expected {', '.join(sorted(allowed))})")
        checked = _validate(model, {k: v for k, v in data.items() if k in allowed and k not in extra},
                            file, path, problems)
        if checked is None:
            continue
        if checked[key] in seen:
            problems.add(file, f"{path}.{key}", f"{checked[key]!r} appears twice")
            continue
        seen.add(checked[key])
        checked.update({k: data[k] for k in extra if k in data})
        out.append((path, checked))
    return out


def _check_product(item: dict, path: str, vendors: set[str], problems: _Problems) -> None:
    file = "products.json"
    if item["category"] not in CATEGORIES:
        problems.add(file, f"{path}.category", f"{item['category']!r} is not one of {', '.join(CATEGORIES)}")
    if item["classification_scheme"] not in CLASSIFICATION_SCHEMES:
        problems.add(file, f"{path}.classification_scheme",
                     f"{item['classification_scheme']!r} is not one of {', '.join(CLASSIFICATION_SCHEMES)}")
    if item.get("vendor") is not None and item["vendor"] not in vendors:
        problems.add(file, f"{path}.vendor", f"{item['vendor']!r} is not a vendor in vendors.json "
                                             "or the database")
    for name, values in item["options"].items():
        if (not isinstance(values, list) or not values
                or not all(isinstance(v, str) and v.strip() for v in values)
                or len(set(values)) != len(values)):
            problems.add(file, f"{path}.options.{name}",
                         "must be a list of different, non-empty text values")
    item["tiers"] = _check_tiers(item.get("tiers"), f"{path}.tiers", problems)


def _check_tiers(tiers, path: str, problems: _Problems) -> list[tuple[int, Decimal]]:
    """Tiers as (min_qty, unit_price), checked by the catalog's rules (the problem-file contract:
    first min_qty 1, min_qty strictly increasing, unit_price > 0 and never rising)."""
    file = "products.json"
    if not isinstance(tiers, list) or not tiers:
        problems.add(file, path, "must be a non-empty list of {min_qty, unit_price}")
        return []
    out: list[tuple[int, Decimal]] = []
    for j, tier in enumerate(tiers):
        where = f"{path}[{j}]"
        if not isinstance(tier, dict) or {k for k in tier if not k.startswith("_")} != {
                "min_qty", "unit_price"}:
            problems.add(file, where, "must be an object with exactly min_qty and unit_price")
            return []
        qty, price = tier["min_qty"], tier["unit_price"]
        if isinstance(qty, bool) or not isinstance(qty, int):
            problems.add(file, f"{where}.min_qty", f"{qty!r} must be a whole number")
            return []
        if isinstance(price, bool) or not isinstance(price, (int, float)):
            problems.add(file, f"{where}.unit_price", f"{price!r} must be a number")
            return []
        out.append((qty, to_money(price)))
    for message in validate_tiers(out):
        problems.add(file, path, message)
    return out


def _check_users(folder: Path, members: set[str], vendors: set[str], problems: _Problems) -> list[dict]:
    file, out, seen = "users.json", [], set()
    allowed = {"email", "name", "role", "password", "member", "vendor"}
    for path, item in _read_list(folder, "users", problems):
        data = {k: v for k, v in item.items() if not k.startswith("_")}
        bad = len(problems)
        for name in sorted(set(data) - allowed):
            problems.add(file, f"{path}.{name}", f"unknown field (expected {', '.join(sorted(allowed))})")
        for name in ("email", "role", "password"):
            if not isinstance(data.get(name), str) or not data[name].strip():
                problems.add(file, f"{path}.{name}", "is required (text)")
        if len(problems) > bad:
            continue
        email = data["email"] = normalize_email(data["email"])
        if "@" not in email or email in seen:
            problems.add(file, f"{path}.email", f"{email!r} is not an email or appears twice")
        seen.add(email)
        if data["role"] not in ROLES:
            problems.add(file, f"{path}.role", f"{data['role']!r} is not one of {', '.join(ROLES)}")
        if len(data["password"]) < MIN_PASSWORD_LENGTH:
            problems.add(file, f"{path}.password", f"must have at least {MIN_PASSWORD_LENGTH} characters")
        for ref, names, role in (("member", members, "fleet_manager"), ("vendor", vendors, "vendor")):
            if data["role"] == role and data.get(ref) not in names:
                problems.add(file, f"{path}.{ref}", f"a {role.replace('_', ' ')} needs a {ref} from "
                                                    f"{ref}s.json or the database, not {data.get(ref)!r}")
        out.append(data)
    return out


def _deadline(data: dict, file: str, path: str, problems: _Problems) -> datetime | None:
    """An ISO `deadline`, or `deadline_in_days` from today (17:00 UTC), so a demo round is open."""
    if ("deadline" in data) == ("deadline_in_days" in data):
        problems.add(file, path, "needs exactly one of deadline (ISO date-time) and deadline_in_days")
        return None
    if "deadline_in_days" in data:
        days = data.pop("deadline_in_days")
        if isinstance(days, bool) or not isinstance(days, int):
            problems.add(file, f"{path}.deadline_in_days", f"{days!r} must be a whole number of days")
            return None
        day = utcnow().date() + timedelta(days=days)
        return datetime.combine(day, time(17, 0), tzinfo=timezone.utc)
    try:
        when = datetime.fromisoformat(str(data["deadline"]).replace("Z", "+00:00"))
    except ValueError:
        problems.add(file, f"{path}.deadline", f"{data['deadline']!r} is not an ISO date-time")
        return None
    return as_utc(when)


def _check_rounds(folder: Path, problems: _Problems) -> list[dict]:
    file, out, seen = "rounds.json", [], set()
    allowed = set(RoundBase.model_fields) | {"deadline_in_days"}
    for path, item in _read_list(folder, "rounds", problems):
        data = {k: v for k, v in item.items() if not k.startswith("_")}
        for name in sorted(set(data) - allowed):
            problems.add(file, f"{path}.{name}", f"unknown field (expected {', '.join(sorted(allowed))})")
        deadline = _deadline(data, file, path, problems)
        if deadline is None:
            continue
        checked = _validate(RoundBase, {**{k: v for k, v in data.items() if k in allowed},
                                        "deadline": deadline}, file, path, problems)
        if checked is None:
            continue
        periods = checked["periods"]
        if (not periods or not all(isinstance(p, str) and p.strip() for p in periods)
                or len(set(periods)) != len(periods)):
            problems.add(file, f"{path}.periods", "must be a non-empty list of different period names")
        if checked["status"] not in ROUND_STATUSES:
            problems.add(file, f"{path}.status", f"{checked['status']!r} is not one of {', '.join(ROUND_STATUSES)}")
        if checked["slug"] in seen:
            problems.add(file, f"{path}.slug", f"{checked['slug']!r} appears twice")
        seen.add(checked["slug"])
        out.append(checked)
    return out


def _check_demand(file: Path, round_: Round, members: set[str], catalog: dict[str, Product],
                  problems: _Problems) -> list[dict]:
    """Demand lines of one round's CSV (row 1 is the header), checked by the same rules as a
    fleet manager's CSV import, plus the member column."""
    name, out, seen = file.name, [], set()
    try:
        table = list(csv.reader(file.read_text(encoding="utf-8-sig").splitlines()))
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.add(name, "", f"is not a readable UTF-8 CSV file ({exc})")
        return []
    header = [c.strip() for c in table[0]] if table else []
    missing = [c for c in DEMAND_REQUIRED if c not in header]
    unknown = [c for c in header if c not in DEMAND_COLUMNS]
    if missing or unknown:
        problems.add(name, "row 1", f"the header needs the columns {', '.join(DEMAND_REQUIRED)} "
                                    f"(optional: {', '.join(DEMAND_COLUMNS[6:])}); "
                                    f"missing: {', '.join(missing) or 'none'}, "
                                    f"unknown: {', '.join(c or '(blank)' for c in unknown) or 'none'}")
        return []
    for n, cells in enumerate(table[1:], start=2):
        where = f"row {n}"
        if len(cells) > len(header):
            problems.add(name, where, "has more cells than the header")
            continue
        row = {c: v.strip() for c, v in zip(header, cells)}
        clean, errors = validate_line_data(round_, catalog, row)
        if not row.get("ref"):
            errors["ref"] = "is required in fixture files (the key of the member's line in its round)"
        elif (row.get("member"), row["ref"]) in seen:
            errors["ref"] = f"{row['ref']!r} appears twice for {row.get('member')}"
        seen.add((row.get("member"), row.get("ref")))
        if row.get("member") not in members:
            errors["member"] = f"{row.get('member')!r} is not a member in members.json or the database"
        for key, message in errors.items():
            problems.add(name, f"{where} {key}", message)
        if not errors:
            product = clean.pop("product")
            out.append({**clean, "member": row["member"], "product": product.code})
    return out
