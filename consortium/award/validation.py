"""Validation of a decoded award problem document: every problem at once, as (field path, reason).

Checks follow the field table of docs/award-format.md. Unknown fields are refused too, so a
misspelt optional field (say `max_unit_prise`) cannot be silently ignored.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from consortium.optimizer.money import exact
# The tranche optimizer's value checks, shared so both files describe bad values alike.
from consortium.optimizer.validation import _is_int, _is_number, _show

Errors = list[tuple[str, str]]

TOP_FIELDS = {"lots", "bids", "max_lots_per_vendor"}
LOT_FIELDS = {"id", "product", "period", "quantity", "max_unit_price", "allocations"}
ALLOCATION_FIELDS = {"member", "quantity"}
BID_FIELDS = {"id", "vendor", "prices", "capacity", "discounts"}
PRICE_FIELDS = {"lot", "unit_price"}
CAPACITY_FIELDS = {"product", "period", "max_units"}
DISCOUNT_FIELDS = {"lots", "amount"}




def _unknown(obj: dict, allowed: set[str], path: str, errors: Errors) -> None:
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            errors.append((where, f"unknown field (expected one of {', '.join(sorted(allowed))})"))


def _text(obj: dict, key: str, path: str, errors: Errors) -> str | None:
    if key not in obj:
        errors.append((f"{path}.{key}", "is required"))
        return None
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        errors.append((f"{path}.{key}", f"{_show(value)} must be a non-empty string"))
        return None
    return value


def _int_at_least(obj: dict, key: str, path: str, errors: Errors, low: int,
                  required: bool) -> int | None:
    if key not in obj:
        if required:
            errors.append((f"{path}.{key}", "is required"))
        return None
    value = obj[key]
    if not _is_int(value) or value < low:
        errors.append((f"{path}.{key}", f"{_show(value)} must be an integer >= {low}"))
        return None
    return value


def _positive(obj: dict, key: str, path: str, errors: Errors, required: bool) -> Fraction | None:
    if key not in obj:
        if required:
            errors.append((f"{path}.{key}", "is required"))
        return None
    value = obj[key]
    if not _is_number(value) or value <= 0:
        errors.append((f"{path}.{key}", f"{_show(value)} must be a number > 0"))
        return None
    return exact(value)


def _list(obj: dict, key: str, path: str, errors: Errors, what: str,
          required: bool, non_empty: bool) -> list:
    if key not in obj:
        if required:
            errors.append((f"{path}.{key}" if path else key, "is required"))
        return []
    value = obj[key]
    if not isinstance(value, list) or (non_empty and not value):
        rule = "a non-empty list" if non_empty else "a list"
        errors.append((f"{path}.{key}" if path else key, f"must be {rule} of {what}"))
        return []
    return value


def _check_allocations(lot: dict, path: str, quantity: int | None, errors: Errors) -> None:
    if "allocations" not in lot:
        return
    allocations = _list(lot, "allocations", path, errors, "member allocations",
                        required=False, non_empty=True)
    total, members, complete = 0, set(), True
    for j, alloc in enumerate(allocations):
        apath = f"{path}.allocations[{j}]"
        if not isinstance(alloc, dict):
            errors.append((apath, "must be an object with member and quantity"))
            complete = False
            continue
        _unknown(alloc, ALLOCATION_FIELDS, apath, errors)
        member = _text(alloc, "member", apath, errors)
        if member is not None:
            if member in members:
                errors.append((f"{apath}.member", f"{_show(member)} is listed twice in the lot"))
            members.add(member)
        qty = _int_at_least(alloc, "quantity", apath, errors, 1, required=True)
        if qty is None:
            complete = False
        else:
            total += qty
    if allocations and complete and quantity is not None and total != quantity:
        errors.append((f"{path}.allocations",
                       f"quantities add up to {total}, not the lot's quantity {quantity}"))


def _check_lots(data: dict, errors: Errors) -> dict[str, int]:
    """The lots; returns each valid lot id with its quantity (None when invalid)."""
    lots: dict[str, int | None] = {}
    for i, lot in enumerate(_list(data, "lots", "", errors, "lots", required=True,
                                  non_empty=True)):
        path = f"lots[{i}]"
        if not isinstance(lot, dict):
            errors.append((path, "must be an object"))
            continue
        _unknown(lot, LOT_FIELDS, path, errors)
        lot_id = _text(lot, "id", path, errors)
        _text(lot, "product", path, errors)
        _text(lot, "period", path, errors)
        qty = _int_at_least(lot, "quantity", path, errors, 1, required=True)
        _positive(lot, "max_unit_price", path, errors, required=False)
        _check_allocations(lot, path, qty, errors)
        if lot_id is not None:
            if lot_id in lots:
                errors.append((f"{path}.id", f"{_show(lot_id)} is used by an earlier lot"))
            else:
                lots[lot_id] = qty
    return lots


def _check_prices(bid: dict, path: str, lots: dict, errors: Errors) -> dict[str, Fraction]:
    """A bid's prices; returns the valid ones by lot id."""
    priced: dict[str, Fraction | None] = {}
    for j, price in enumerate(_list(bid, "prices", path, errors, "lot prices",
                                    required=True, non_empty=True)):
        ppath = f"{path}.prices[{j}]"
        if not isinstance(price, dict):
            errors.append((ppath, "must be an object with lot and unit_price"))
            continue
        _unknown(price, PRICE_FIELDS, ppath, errors)
        lot = _text(price, "lot", ppath, errors)
        unit = _positive(price, "unit_price", ppath, errors, required=True)
        if lot is None:
            continue
        if lot not in lots:
            errors.append((f"{ppath}.lot", f"{_show(lot)} is not one of the lots"))
        elif lot in priced:
            errors.append((f"{ppath}.lot", f"{_show(lot)} is priced twice in this bid"))
        else:
            priced[lot] = unit
    return priced


def _check_capacity(bid: dict, path: str, errors: Errors) -> None:
    seen = set()
    for j, cap in enumerate(_list(bid, "capacity", path, errors, "capacity entries",
                                  required=False, non_empty=False)):
        cpath = f"{path}.capacity[{j}]"
        if not isinstance(cap, dict):
            errors.append((cpath, "must be an object with product, period and max_units"))
            continue
        _unknown(cap, CAPACITY_FIELDS, cpath, errors)
        key = (_text(cap, "product", cpath, errors), _text(cap, "period", cpath, errors))
        _int_at_least(cap, "max_units", cpath, errors, 0, required=True)
        if None not in key:
            if key in seen:
                errors.append((cpath, f"product {_show(key[0])} in period {_show(key[1])} "
                                      "has an earlier capacity entry in this bid"))
            seen.add(key)


def _check_discounts(bid: dict, path: str, lots: dict, priced: dict, errors: Errors) -> None:
    for j, disc in enumerate(_list(bid, "discounts", path, errors, "set discounts",
                                   required=False, non_empty=False)):
        dpath = f"{path}.discounts[{j}]"
        if not isinstance(disc, dict):
            errors.append((dpath, "must be an object with lots and amount"))
            continue
        _unknown(disc, DISCOUNT_FIELDS, dpath, errors)
        members = _list(disc, "lots", dpath, errors, "lot ids", required=True, non_empty=True)
        amount = _positive(disc, "amount", dpath, errors, required=True)
        value, known = Fraction(0), True
        for k, lot in enumerate(members):
            lpath = f"{dpath}.lots[{k}]"
            if not isinstance(lot, str) or lot not in lots:
                errors.append((lpath, f"{_show(lot)} is not one of the lots"))
                known = False
            elif members.index(lot) != k:
                errors.append((lpath, f"{_show(lot)} is listed twice in the discount"))
            elif lot not in priced:
                errors.append((lpath, f"{_show(lot)} is not priced by this bid"))
                known = False
            elif priced[lot] is None or lots[lot] is None:
                known = False
            else:
                value += priced[lot] * lots[lot]
        if members and known and amount is not None and amount > value:
            errors.append((f"{dpath}.amount", f"{_show(disc['amount'])} is more than the "
                                              f"{float(value):,.2f} the set's lots cost"))


def _check_bids(data: dict, lots: dict, errors: Errors) -> None:
    ids = set()
    for i, bid in enumerate(_list(data, "bids", "", errors, "bids", required=True,
                                  non_empty=False)):
        path = f"bids[{i}]"
        if not isinstance(bid, dict):
            errors.append((path, "must be an object"))
            continue
        _unknown(bid, BID_FIELDS, path, errors)
        bid_id = _text(bid, "id", path, errors)
        if bid_id is not None:
            if bid_id in ids:
                errors.append((f"{path}.id", f"{_show(bid_id)} is used by an earlier bid"))
            ids.add(bid_id)
        _text(bid, "vendor", path, errors)
        priced = _check_prices(bid, path, lots, errors)
        _check_capacity(bid, path, errors)
        _check_discounts(bid, path, lots, priced, errors)


def validate_award_dict(data: Any) -> Errors:
    """Every problem in a decoded award problem document, as (field path, reason); [] if valid."""
    if not isinstance(data, dict):
        return [("", "the award problem must be a JSON object with lots and bids")]
    errors: Errors = []
    _unknown(data, TOP_FIELDS, "", errors)
    lots = _check_lots(data, errors)
    _check_bids(data, lots, errors)
    _int_at_least(data, "max_lots_per_vendor", "", errors, 1, required=False)
    return [(path.lstrip("."), reason) for path, reason in errors]
