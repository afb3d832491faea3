"""Validation of one demand line's raw values, shared by the line form and the CSV import.

Every check returns a message a fleet manager can act on, keyed by the field it concerns.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import Session, select

from consortium.models import Product, Round
from consortium.money import parse_money

QTY_MAX = 100_000
NOTES_MAX = 1000
PRICE_MAX = Decimal("1000000000")
REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,59}$")
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


def load_catalog(session: Session) -> dict[str, Product]:
    """Every product by its code, case-folded, for validating many lines at once."""
    return {p.code.casefold(): p for p in session.exec(select(Product)).all()}


def format_options(options: dict) -> str:
    """{"charging": "CCS1", "battery": "450kWh"} as "battery=450kWh; charging=CCS1"."""
    return "; ".join(f"{k}={v}" for k, v in sorted(options.items()))


OPTIONS_MAX = 50  # options per line; the catalog's products have a handful
OPTIONS_TEXT_MAX = 2000  # characters of one options cell


def parse_options(text: str) -> tuple[dict[str, str], str | None]:
    """"charging=CCS1; battery=450kWh" as a dict, or an error message.

    Linear in the text's length, and bounded: a cell longer than OPTIONS_TEXT_MAX characters or
    with more than OPTIONS_MAX options is refused before it is split.
    """
    text = text or ""
    if len(text) > OPTIONS_TEXT_MAX:
        return {}, (f"must be at most {OPTIONS_TEXT_MAX:,} characters (this has {len(text):,}); "
                    "give only the product's options")
    if text.count(";") >= OPTIONS_MAX:
        return {}, f"has more than {OPTIONS_MAX} options; give only the product's options"
    result: dict[str, str] = {}
    seen: set[str] = set()
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        if "=" not in part:
            return {}, f"write each option as name=value, separated by semicolons (not {part[:60]!r})"
        name, value = (s.strip() for s in part.split("=", 1))
        if name.casefold() in seen:
            return {}, f"the option {name[:60]} is given twice"
        seen.add(name.casefold())
        result[name] = value
    return result, None


def check_options(product: Product, given: dict) -> tuple[dict, str | None]:
    """The product's options with canonical names and values, or a message listing what is wrong.

    Every option of the product needs one of its allowed values; unknown names are refused.
    """
    allowed = product.options or {}
    names = {n.casefold(): n for n in allowed}
    clean, problems, reported = {}, [], set()
    for name, value in given.items():
        canon = names.get(str(name).strip().casefold())
        if canon is None:
            known = ", ".join(sorted(allowed)) or "none"
            problems.append(f"{product.code} has no option {name!r} (its options: {known})")
            continue
        text = "" if value is None else str(value).strip()
        if not text:
            continue  # reported as missing below
        match = next((v for v in allowed[canon] if str(v).casefold() == text.casefold()), None)
        if match is None:
            reported.add(canon)
            problems.append(f"{canon} must be one of {', '.join(map(str, allowed[canon]))}"
                            f" (not {text!r})")
        else:
            clean[canon] = match
    for name in sorted(allowed):
        if name not in clean and name not in reported:
            problems.append(f"choose {name}: {' or '.join(map(str, allowed[name]))}")
    return clean, ("; ".join(problems) or None)


def _quantity(value) -> tuple[int | None, str | None]:
    text = str(value).strip() if value is not None else ""
    if re.fullmatch(r"\d+", text) and 1 <= int(text) <= QTY_MAX:
        return int(text), None
    return None, f"must be a whole number from 1 to {QTY_MAX}"


def _price(value) -> tuple[Decimal | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        price = parse_money(value, max_value=PRICE_MAX)
    except ValueError as exc:
        message = str(exc)
        if "not an amount" in message:
            message = "must be an amount with at most 2 decimals, e.g. 1200000 or $1,200,000"
        return None, f"{message}, or blank for no limit"
    if price <= 0:
        return None, f"must be more than 0 and at most {PRICE_MAX:,}, or blank for no limit"
    return price, None


def _bool(value) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    text = ("" if value is None else str(value)).strip().casefold()
    if text in TRUE_WORDS or text in FALSE_WORDS:
        return text in TRUE_WORDS, None
    return None, "must be yes or no (also accepted: true/false, 1/0; blank means no)"


def _period(round_: Round, value) -> tuple[str | None, str | None]:
    text = ("" if value is None else str(value)).strip().casefold()
    match = next((p for p in round_.periods if p.casefold() == text), None)
    if match is None:
        return None, f"must be one of the round's periods: {', '.join(round_.periods)}"
    return match, None


def validate_line_data(round_: Round, catalog: dict[str, Product],
                       raw: dict) -> tuple[dict, dict]:
    """Check one line's raw values (form or CSV text) against the round and the catalog.

    Returns (clean values, errors by field). `raw` has ref, product (a code), quantity, earliest,
    latest, options (dict or "name=value; ..."), splittable, max_unit_price and notes.
    Uniqueness of `ref` in the round is checked by the caller, which knows the other lines.
    """
    clean, errors = {}, {}
    ref = str(raw.get("ref") or "").strip()
    if ref and not REF_RE.match(ref):
        errors["ref"] = ("use at most 60 letters, digits and . _ / -, starting with a letter "
                         "or digit (or leave blank to number the line automatically)")
    clean["ref"] = ref or None
    code = str(raw.get("product") or "").strip()
    product = catalog.get(code.casefold()) if code else None
    if not code:
        errors["product"] = "choose a product from the catalog (its code, e.g. BEB-40)"
    elif product is None:
        errors["product"] = f"there is no product with the code {code!r} in the catalog"
    elif not product.active:
        errors["product"] = f"{product.code} is no longer offered; choose another product"
    clean["product"] = product if "product" not in errors else None
    for key, check in (("quantity", _quantity), ("splittable", _bool),
                       ("max_unit_price", _price)):
        clean[key], message = check(raw.get(key))
        if message:
            errors[key] = message
    for key in ("earliest", "latest"):
        clean[key], message = _period(round_, raw.get(key))
        if message:
            errors[key] = message
    if clean["earliest"] and clean["latest"] and (
            round_.periods.index(clean["earliest"]) > round_.periods.index(clean["latest"])):
        errors["latest"] = (f"must not be before the earliest period ({clean['earliest']}); "
                            "the window runs from earliest to latest")
    options = raw.get("options")
    if isinstance(options, str):
        options, message = parse_options(options)
        if message:
            errors["options"] = message
    if clean["product"] is not None and "options" not in errors:
        clean["options"], message = check_options(clean["product"], options or {})
        if message:
            errors["options"] = message
    notes = str(raw.get("notes") or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = f"must be at most {NOTES_MAX} characters (this has {len(notes)})"
    clean["notes"] = notes
    return clean, errors


def member_abbreviation(name: str) -> str:
    """"Los Angeles" -> "LA", "Seattle" -> "SEA": the start of generated line refs."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    if len(words) >= 2:
        return "".join(w[0] for w in words)[:6].upper()
    return (words[0][:3] if words else "M").upper()
