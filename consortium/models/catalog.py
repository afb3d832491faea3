"""The product catalog: products, their option values, volume-price tiers and vendor terms."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.types import Money, UTCDateTime, UTCMoment

CATEGORIES = ("bus", "shuttle", "car", "van", "truck", "other")
CLASSIFICATION_SCHEMES = ("UNSPSC", "CPV")


class ProductBase(SQLModel):
    """A vehicle the consortium can buy, with the vendor terms of its price schedule.

    `options` maps each option name to its allowed values, e.g. {"charging": ["CCS1", "SAE-J3105"]}.
    `min_tranche`, `max_per_period` and `tranche_cost` mean what the problem-file contract says.
    """

    code: str = Field(min_length=1, max_length=40, index=True, unique=True)
    name: str = Field(min_length=2, max_length=200)
    category: str = Field(default="other", max_length=20)
    unit: str = Field(default="each", max_length=20)
    classification_scheme: str = Field(default="UNSPSC", max_length=10)
    classification_code: str = Field(default="", max_length=20)
    classification_description: str = Field(default="", max_length=200)
    specification: str = Field(default="")
    options: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    min_tranche: int = Field(default=1, ge=1)
    max_per_period: Optional[int] = Field(default=None, ge=1)
    tranche_cost: Decimal = Field(default=Decimal("0.00"), ge=0, sa_type=Money)
    vendor_id: Optional[int] = Field(default=None, foreign_key="vendor.id")
    active: bool = True


class Product(ProductBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class PriceTier(SQLModel, table=True):
    """All-units volume tier: every unit of a tranche of at least `min_qty` costs `unit_price`."""

    __table_args__ = (UniqueConstraint("product_id", "min_qty", name="uq_tier_product_qty"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    min_qty: int = Field(ge=1)
    unit_price: Decimal = Field(gt=0, sa_type=Money)
