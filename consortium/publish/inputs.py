"""Plain data a bid package is built from: built by the service, read by every builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from consortium.config import Settings
from consortium.models.types import as_utc

# An OCDS ocid prefix must be registered with the Open Contracting Partnership
# (https://standard.open-contracting.org/latest/en/guidance/publish/#register-an-ocid-prefix).
# The default (Settings.ocid_prefix, "ocds-consortium") is a placeholder until then.
OCID_PREFIX = Settings.ocid_prefix
CURRENCY = "USD"


@dataclass(frozen=True)
class ConsortiumInfo:
    """The procuring entity: the consortium itself, and where its public data lives."""

    id: str = "consortium"
    # Defaults are the settings' defaults (CONSORTIUM_NAME, CONSORTIUM_EMAIL, PUBLIC_URL).
    name: str = Settings.consortium_name
    email: str = Settings.consortium_email
    address: str = ""
    country: str = "US"
    public_url: str = Settings.public_url
    ocid_prefix: str = OCID_PREFIX


@dataclass(frozen=True)
class MemberInfo:
    """A member city buying in this package (an OCDS party with the role `buyer`)."""

    id: str
    name: str
    delivery_address: str = ""
    state: str = ""
    country: str = ""


@dataclass(frozen=True)
class Tier:
    """One all-units price tier of the catalog schedule (for information)."""

    min_qty: int
    unit_price: float | int


@dataclass(frozen=True)
class LotInfo:
    """One lot: a tranche of the approved plan (product, options, delivery period)."""

    id: str  # "LOT-1", ...
    tranche_id: str
    options: tuple[tuple[str, str], ...]
    period: str
    quantity: int
    estimated_unit_price: float | int
    estimated_value: float | int

    @property
    def options_text(self) -> str:
        """"charging: CCS1; length: 40ft", or "standard configuration"."""
        return "; ".join(f"{k}: {v}" for k, v in self.options) or "standard configuration"


@dataclass(frozen=True)
class DeliveryRow:
    """Units of one lot a member receives in one period, and where."""

    member: str
    delivery_address: str
    period: str
    lot_id: str
    units: int


@dataclass(frozen=True)
class AmendmentInfo:
    """An addendum already published (version number, date and change note)."""

    number: int
    date: datetime
    note: str


@dataclass(frozen=True)
class ProductInfo:
    """The catalog entry the package buys."""

    code: str
    name: str
    unit: str
    classification_scheme: str
    classification_code: str
    classification_description: str
    specification: str
    min_tranche: int = 1
    max_per_period: int | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class PackageInput:
    """Everything a bid package says. `published_at` is fixed by the caller, never "now" here."""

    consortium: ConsortiumInfo
    round_name: str
    round_slug: str
    periods: tuple[str, ...]
    product: ProductInfo
    lots: tuple[LotInfo, ...]
    deliveries: tuple[DeliveryRow, ...]
    members: tuple[MemberInfo, ...]
    bid_deadline: datetime
    questions_deadline: datetime
    published_at: datetime
    version: int = 0
    change_note: str = ""
    amendments: tuple[AmendmentInfo, ...] = field(default=())  # every addendum up to `version`
    ocid_prefix: str = OCID_PREFIX

    @property
    def ocid(self) -> str:
        """The contracting process id, also the package's reference."""
        return f"{self.ocid_prefix}-{self.round_slug}-{self.product.code}"

    @property
    def title(self) -> str:
        """The package title shown to vendors."""
        return f"{self.product.name} - {self.round_name}"

    @property
    def total_units(self) -> int:
        """Units over all lots."""
        return sum(lot.quantity for lot in self.lots)


def iso(value: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a Z, seconds precision."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def human(value: datetime) -> str:
    """A datetime for people: 2027-03-01 17:00 UTC."""
    return iso(value)[:16].replace("T", " ") + " UTC"
