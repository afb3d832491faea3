"""The problem: frozen dataclasses, parsing with every error listed at once, and the file helper.

The format is the contract in docs/problem-format.md (periods, products with all-units tiers,
demand lines). `parse_problem` refuses an invalid document with a `ProblemError` listing every
problem as (field path, reason); nothing invalid ever reaches the model builder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortium.optimizer.validation import validate_problem_dict

Number = int | float
OptionValue = str | int | float | bool


class ProblemError(ValueError):
    """An invalid problem: `errors` lists every (field path, reason); str() shows them all."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        lines = [f"{path}: {reason}" if path else reason for path, reason in self.errors]
        count = len(lines)
        head = f"invalid problem ({count} error{'s' if count != 1 else ''})"
        super().__init__("\n".join([head, *("  " + line for line in lines)]))


@dataclass(frozen=True)
class Tier:
    """All-units tier: every unit of a tranche of at least `min_qty` units costs `unit_price`."""

    min_qty: int
    unit_price: Number


@dataclass(frozen=True)
class Product:
    """A catalogue product with its volume tiers and vendor limits."""

    code: str
    tiers: tuple[Tier, ...]
    name: str | None = None
    unit: str | None = None
    min_tranche: int = 1
    max_per_period: int | None = None
    tranche_cost: Number = 0

    def __post_init__(self) -> None:
        tiers = tuple(t if isinstance(t, Tier) else Tier(**t) for t in self.tiers)
        object.__setattr__(self, "tiers", tiers)

    def price_for(self, quantity: int) -> Number:
        """Unit price of a tranche of `quantity` units (the highest tier it reaches)."""
        price = self.tiers[0].unit_price
        for tier in self.tiers:
            if quantity >= tier.min_qty:
                price = tier.unit_price
        return price


@dataclass(frozen=True)
class DemandLine:
    """One member's demand for a product; `options` is stored as sorted (key, value) pairs."""

    id: str
    member: str
    product: str
    quantity: int
    earliest: str
    latest: str
    options: tuple[tuple[str, OptionValue], ...] = ()
    splittable: bool = False
    max_unit_price: Number | None = None
    member_id: int | None = None         # extra: the member's stable id in the app, if given

    def __post_init__(self) -> None:
        opts = self.options.items() if isinstance(self.options, Mapping) else self.options
        object.__setattr__(self, "options", tuple(sorted((str(k), v) for k, v in opts)))

    @property
    def options_dict(self) -> dict[str, OptionValue]:
        """The options as a plain dict."""
        return dict(self.options)


@dataclass(frozen=True)
class Problem:
    """A whole problem: ordered periods, products and demand lines."""

    periods: tuple[str, ...]
    products: tuple[Product, ...]
    demand: tuple[DemandLine, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", tuple(self.periods))
        object.__setattr__(self, "products", tuple(self.products))
        object.__setattr__(self, "demand", tuple(self.demand))

    def product(self, code: str) -> Product:
        """The product with this code (KeyError when absent)."""
        for product in self.products:
            if product.code == code:
                return product
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """The problem in the contract's JSON form; `parse_problem(p.to_dict()) == p`."""
        return {
            "periods": list(self.periods),
            "products": [_product_to_dict(p) for p in self.products],
            "demand": [_line_to_dict(d) for d in self.demand],
        }


def _product_to_dict(p: Product) -> dict[str, Any]:
    out: dict[str, Any] = {"code": p.code}
    if p.name is not None:
        out["name"] = p.name
    if p.unit is not None:
        out["unit"] = p.unit
    out["tiers"] = [{"min_qty": t.min_qty, "unit_price": t.unit_price} for t in p.tiers]
    out["min_tranche"] = p.min_tranche
    if p.max_per_period is not None:
        out["max_per_period"] = p.max_per_period
    out["tranche_cost"] = p.tranche_cost
    return out


def _line_to_dict(d: DemandLine) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id, "member": d.member, "product": d.product, "quantity": d.quantity,
        "earliest": d.earliest, "latest": d.latest, "options": d.options_dict,
        "splittable": d.splittable,
    }
    if d.max_unit_price is not None:
        out["max_unit_price"] = d.max_unit_price
    if d.member_id is not None:
        out["member_id"] = d.member_id
    return out


def parse_problem(data: Any) -> Problem:
    """Validate a decoded problem document and build the `Problem`; raises `ProblemError`."""
    errors = validate_problem_dict(data)
    if errors:
        raise ProblemError(errors)
    products = tuple(
        Product(
            code=p["code"],
            tiers=tuple(Tier(t["min_qty"], t["unit_price"]) for t in p["tiers"]),
            name=p.get("name"),
            unit=p.get("unit"),
            min_tranche=p.get("min_tranche", 1),
            max_per_period=p.get("max_per_period"),
            tranche_cost=p.get("tranche_cost", 0),
        )
        for p in data["products"]
    )
    demand = tuple(
        DemandLine(
            id=d["id"], member=d["member"], product=d["product"], quantity=d["quantity"],
            earliest=d["earliest"], latest=d["latest"], options=d.get("options") or {},
            splittable=d.get("splittable", False), max_unit_price=d.get("max_unit_price"),
            member_id=d.get("member_id"),
        )
        for d in data["demand"]
    )
    return Problem(periods=tuple(data["periods"]), products=products, demand=demand)


def check_problem(problem: Problem) -> Problem:
    """Re-validate a `Problem` built in code (not parsed); raises `ProblemError` when invalid."""
    try:
        data = problem.to_dict()
    except (AttributeError, TypeError) as exc:
        raise ProblemError([("", f"not a well-formed Problem: {exc}")]) from None
    errors = validate_problem_dict(data)
    if errors:
        raise ProblemError(errors)
    return problem


def read_json_file(path: str | Path):
    """The JSON value in the file at `path`; an unreadable or non-JSON file raises
    `ProblemError` with the reason (shared by the problem and award problem readers)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError([("", f"cannot read {path}: {exc}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise ProblemError([("", reason)]) from None
    return data


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file; unreadable or non-JSON files raise `ProblemError`."""
    return parse_problem(read_json_file(path))
