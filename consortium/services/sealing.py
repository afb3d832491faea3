"""Sealing bids: the canonical bid JSON, its receipt hash, and Fernet encryption at rest.

The canonical bid JSON is what a vendor's receipt hashes and what the database stores encrypted:
UTF-8, keys sorted, no whitespace (`separators=(",", ":")`), money as exact decimal strings with
two decimals ("1050000.00", never floats), quantities as integers, dates as ISO 8601, lots in the
package's order. A random `nonce` (128 bits) is part of it, so nobody holding only the receipt
hash can find the prices by trying candidates. Anyone with the opened bid's JSON (published in
the tabulation) can recompute its SHA-256 and compare it with the receipt.

The key is `BID_SEALING_KEY` (a Fernet key). Production refuses to start without it
(config.Settings.check); development and testing generate one in the instance folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from consortium.config import ConfigError, Settings
from consortium.models.types import to_money

KEY_FILE = "bid_sealing.key"


@dataclass(frozen=True)
class BidContents:
    """What a vendor offers: unit prices for some lots, capacities, set discounts, validity."""

    prices: tuple[tuple[str, Decimal], ...]  # (lot id, unit price)
    capacity: tuple[tuple[str, int], ...] = ()  # (delivery period, most units)
    discounts: tuple[tuple[tuple[str, ...], Decimal], ...] = ()  # (lot ids, amount off)
    valid_until: date | None = None

    def price_of(self, lot_id: str) -> Decimal | None:
        """The unit price offered for `lot_id`, if any."""
        return dict(self.prices).get(lot_id)


def money_text(value) -> str:
    """An amount as the canonical JSON writes it: an exact decimal string with two decimals."""
    return f"{to_money(value):.2f}"


def document(contents: BidContents, *, package: str, vendor: str, nonce: str) -> dict:
    """The bid as the JSON document that is sealed and hashed."""
    return {
        "package": package,
        "vendor": vendor,
        "prices": [{"lot": lot, "unit_price": money_text(p)} for lot, p in contents.prices],
        "capacity": [{"period": period, "max_units": int(units)}
                     for period, units in contents.capacity],
        "discounts": [{"lots": list(lots), "amount": money_text(amount)}
                      for lots, amount in contents.discounts],
        "valid_until": contents.valid_until.isoformat() if contents.valid_until else None,
        "nonce": nonce,
    }


def canonical(doc: dict) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def receipt(data: bytes) -> str:
    """The receipt: SHA-256 (hex) of the canonical JSON bytes."""
    return hashlib.sha256(data).hexdigest()


def new_nonce() -> str:
    """A fresh random nonce for one submission."""
    return secrets.token_hex(16)


def contents_from(doc: dict) -> BidContents:
    """The contents of an opened bid document."""
    valid = doc.get("valid_until")
    return BidContents(
        prices=tuple((p["lot"], Decimal(p["unit_price"])) for p in doc["prices"]),
        capacity=tuple((c["period"], int(c["max_units"])) for c in doc.get("capacity", [])),
        discounts=tuple((tuple(d["lots"]), Decimal(d["amount"])) for d in doc.get("discounts", [])),
        valid_until=date.fromisoformat(valid) if valid else None)


class SealBroken(Exception):
    """A sealed bid cannot be decrypted with the key, or its contents do not match the receipt."""


class Sealer:
    """Encrypts and decrypts bid JSON with one Fernet key."""

    def __init__(self, key: str | bytes):
        self._fernet = Fernet(key.encode("ascii") if isinstance(key, str) else key)

    def seal(self, data: bytes) -> bytes:
        """The Fernet token of `data`."""
        return self._fernet.encrypt(data)

    def unseal(self, token: bytes, expected_sha256: str) -> dict:
        """Decrypt `token`, check it against the receipt, and return the bid document.

        Only the opening (services.bid_opening) and the bid's own vendor (services.bids) call it.
        """
        try:
            data = self._fernet.decrypt(bytes(token))
        except InvalidToken as exc:
            raise SealBroken("the sealed bid cannot be decrypted with this key") from exc
        if receipt(data) != expected_sha256:
            raise SealBroken("the decrypted bid does not match its receipt hash")
        return json.loads(data)


def _instance_key(folder: Path) -> str:
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(Fernet.generate_key().decode("ascii") + "\n")
    return path.read_text().strip()


def make_sealer(settings: Settings) -> Sealer:
    """The sealer for `settings`: BID_SEALING_KEY, or (development, testing) the instance key."""
    if settings.bid_sealing_key:
        return Sealer(settings.bid_sealing_key)
    if not settings.debug:
        raise ConfigError("BID_SEALING_KEY is missing; production cannot seal or open bids.")
    try:
        return Sealer(_instance_key(settings.instance_path))
    except FileExistsError:  # another process wrote it a moment ago
        return Sealer((settings.instance_path / KEY_FILE).read_text().strip())
