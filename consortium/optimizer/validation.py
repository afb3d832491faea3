"""Validation of a decoded problem document: every problem at once, as (field path, reason).

Checks follow the field table of docs/problem-format.md. Unknown fields are refused too, so a
misspelt optional field (say `max_unit_prise`) cannot be silently ignored.
"""

from __future__ import annotations

import json
import math
from typing import Any

Errors = list[tuple[str, str]]

TOP_FIELDS = {"periods", "products", "demand"}
PRODUCT_FIELDS = {"code", "name", "unit", "tiers", "min_tranche", "max_per_period", "tranche_cost"}
TIER_FIELDS = {"min_qty", "unit_price"}
LINE_FIELDS = {
    "id", "member", "product", "quantity", "earliest", "latest", "options", "splittable",
    "max_unit_price", "member_id",
}


def _check_member_id(line: dict, path: str, seen: dict, errors: Errors) -> None:
    """The optional extra `member_id` (the app's stable member key): an integer >= 1, and one
    member name to one id across the file (the name stays the key for everyone else)."""
    if "member_id" not in line or line["member_id"] is None:
        return
    value = line["member_id"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.append((f"{path}.member_id", f"{_show(value)} must be an integer >= 1"))
        return
    name = line.get("member")
    if not isinstance(name, str):
        return
    for key, other in ((("id", value), name), (("name", name), value)):
        known = seen.setdefault(key, other)
        if known != other:
            errors.append((f"{path}.member_id", f"{_show(value)} of member {_show(name)} disagrees "
                                                "with an earlier line (one member, one id)"))
            return


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def _unknown(obj: dict, allowed: set[str], path: str, errors: Errors) -> None:
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            errors.append((where, f"unknown field (expected one of {', '.join(sorted(allowed))})"))


def _text(obj: dict, key: str, path: str, errors: Errors, required: bool = True) -> str | None:
    if key not in obj:
        if required:
            errors.append((f"{path}.{key}", "is required"))
        return None
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        errors.append((f"{path}.{key}", f"{_show(value)} must be a non-empty string"))
        return None
    return value


def _int_at_least(obj: dict, key: str, path: str, errors: Errors, low: int,
                  required: bool = False, nullable: bool = False) -> None:
    if key not in obj:
        if required:
            errors.append((f"{path}.{key}", "is required"))
        return
    value = obj[key]
    if value is None and nullable:
        return
    if not _is_int(value) or value < low:
        errors.append((f"{path}.{key}", f"{_show(value)} must be an integer >= {low}"))


def _money(obj: dict, key: str, path: str, errors: Errors, positive: bool,
           nullable: bool = False) -> None:
    if key not in obj:
        return
    value = obj[key]
    if value is None and nullable:
        return
    if not _is_number(value) or (value <= 0 if positive else value < 0):
        rule = "a number > 0" if positive else "a number >= 0"
        errors.append((f"{path}.{key}", f"{_show(value)} must be {rule}"))


def _check_periods(data: dict, errors: Errors) -> list[str]:
    periods = data.get("periods")
    if "periods" not in data:
        errors.append(("periods", "is required"))
        return []
    if not isinstance(periods, list) or not periods:
        errors.append(("periods", "must be a non-empty list of period names"))
        return []
    seen: set[str] = set()
    good = []
    for i, period in enumerate(periods):
        if not isinstance(period, str) or not period.strip():
            errors.append((f"periods[{i}]", f"{_show(period)} must be a non-empty string"))
        elif period in seen:
            errors.append((f"periods[{i}]", f"{_show(period)} is listed twice"))
        else:
            seen.add(period)
            good.append(period)
    return good


def _check_tiers(product: dict, path: str, errors: Errors) -> None:
    tiers = product.get("tiers")
    if "tiers" not in product:
        errors.append((f"{path}.tiers", "is required"))
        return
    if not isinstance(tiers, list) or not tiers:
        errors.append((f"{path}.tiers", "must be a non-empty list of tiers"))
        return
    prev_qty = prev_price = None
    for j, tier in enumerate(tiers):
        tpath = f"{path}.tiers[{j}]"
        if not isinstance(tier, dict):
            errors.append((tpath, "must be an object with min_qty and unit_price"))
            prev_qty = prev_price = None
            continue
        _unknown(tier, TIER_FIELDS, tpath, errors)
        qty, price = tier.get("min_qty"), tier.get("unit_price")
        if "min_qty" not in tier:
            errors.append((f"{tpath}.min_qty", "is required"))
        elif not _is_int(qty) or qty < 1:
            errors.append((f"{tpath}.min_qty", f"{_show(qty)} must be an integer >= 1"))
        elif j == 0 and qty != 1:
            errors.append((f"{tpath}.min_qty", f"{_show(qty)}: the first tier must start at 1"))
        elif prev_qty is not None and qty <= prev_qty:
            errors.append((f"{tpath}.min_qty",
                           f"{qty} must be greater than the previous tier's {prev_qty}"))
        if "unit_price" not in tier:
            errors.append((f"{tpath}.unit_price", "is required"))
        elif not _is_number(price) or price <= 0:
            errors.append((f"{tpath}.unit_price", f"{_show(price)} must be a number > 0"))
        elif prev_price is not None and price > prev_price:
            errors.append((f"{tpath}.unit_price",
                           f"{_show(price)} rises above the previous tier's {_show(prev_price)}"))
        prev_qty = qty if _is_int(qty) else None
        prev_price = price if _is_number(price) else None


def _check_products(data: dict, errors: Errors) -> set[str]:
    if "products" not in data:
        errors.append(("products", "is required"))
        return set()
    products = data["products"]
    if not isinstance(products, list):
        errors.append(("products", "must be a list of products"))
        return set()
    codes: set[str] = set()
    for i, product in enumerate(products):
        path = f"products[{i}]"
        if not isinstance(product, dict):
            errors.append((path, "must be an object"))
            continue
        _unknown(product, PRODUCT_FIELDS, path, errors)
        code = _text(product, "code", path, errors)
        if code is not None:
            if code in codes:
                errors.append((f"{path}.code", f"{_show(code)} is used by an earlier product"))
            codes.add(code)
        for key in ("name", "unit"):
            if key in product and not isinstance(product[key], str):
                errors.append((f"{path}.{key}", f"{_show(product[key])} must be a string"))
        _check_tiers(product, path, errors)
        _int_at_least(product, "min_tranche", path, errors, 1)
        _int_at_least(product, "max_per_period", path, errors, 1, nullable=True)
        _money(product, "tranche_cost", path, errors, positive=False)
    return codes


def _check_options(line: dict, path: str, errors: Errors) -> None:
    options = line.get("options")
    if options is None:
        return
    if not isinstance(options, dict):
        errors.append((f"{path}.options", f"{_show(options)} must be an object"))
        return
    for key, value in options.items():
        if not (isinstance(value, (str, bool)) or _is_number(value)):
            errors.append((f"{path}.options.{key}",
                           f"{_show(value)} must be a string, number or true/false"))


def _check_window(line: dict, path: str, index: dict[str, int], errors: Errors) -> None:
    ends = {}
    for key in ("earliest", "latest"):
        if key not in line:
            errors.append((f"{path}.{key}", "is required"))
        elif not isinstance(line[key], str) or line[key] not in index:
            errors.append((f"{path}.{key}", f"{_show(line[key])} is not one of the periods"))
        else:
            ends[key] = index[line[key]]
    if len(ends) == 2 and ends["earliest"] > ends["latest"]:
        errors.append((f"{path}.latest",
                       f"{_show(line['latest'])} is before earliest {_show(line['earliest'])}"))


def _check_demand(data: dict, periods: list[str], codes: set[str], errors: Errors) -> None:
    if "demand" not in data:
        errors.append(("demand", "is required"))
        return
    demand = data["demand"]
    if not isinstance(demand, list):
        errors.append(("demand", "must be a list of demand lines"))
        return
    ids: set[str] = set()
    member_ids: dict = {}
    index = {p: i for i, p in enumerate(periods)}
    products_ok = "products" in data and isinstance(data["products"], list)
    for i, line in enumerate(demand):
        path = f"demand[{i}]"
        if not isinstance(line, dict):
            errors.append((path, "must be an object"))
            continue
        _unknown(line, LINE_FIELDS, path, errors)
        line_id = _text(line, "id", path, errors)
        if line_id is not None:
            if line_id in ids:
                errors.append((f"{path}.id", f"{_show(line_id)} is used by an earlier line"))
            ids.add(line_id)
        _text(line, "member", path, errors)
        code = _text(line, "product", path, errors)
        if code is not None and products_ok and code not in codes:
            errors.append((f"{path}.product", f"{_show(code)} is not one of the product codes"))
        _int_at_least(line, "quantity", path, errors, 1, required=True)
        if periods:
            _check_window(line, path, index, errors)
        _check_options(line, path, errors)
        if "splittable" in line and not isinstance(line["splittable"], bool):
            errors.append((f"{path}.splittable", f"{_show(line['splittable'])} must be true or false"))
        _money(line, "max_unit_price", path, errors, positive=True, nullable=True)
        _check_member_id(line, path, member_ids, errors)


def validate_problem_dict(data: Any) -> Errors:
    """Every problem in a decoded problem document, as (field path, reason); [] when valid."""
    if not isinstance(data, dict):
        return [("", "the problem must be a JSON object with periods, products and demand")]
    errors: Errors = []
    _unknown(data, TOP_FIELDS, "", errors)
    periods = _check_periods(data, errors)
    codes = _check_products(data, errors)
    _check_demand(data, periods, codes, errors)
    return errors
