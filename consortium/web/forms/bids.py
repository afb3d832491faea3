"""Bid forms: one built per package version (a price field per lot, a capacity field per delivery
period, a few discount rows), the price-form CSV upload, and the confirmations."""

from __future__ import annotations

from wtforms import (DateField, FileField, HiddenField, IntegerField, SelectMultipleField,
                     StringField, SubmitField)
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from consortium.services import bids as bid_service
from consortium.web.forms.admin import choice
from consortium.services.sealing import BidContents
from consortium.web.forms.base import FlaskForm

DISCOUNT_ROWS = 3


def _money(form, field) -> None:
    if (field.data or "").strip() and bid_service.parse_money(field.data) is None:
        raise ValidationError("Enter an amount in dollars, e.g. 1050000 or 1,050,000.00.")


def answering(field) -> int | None:
    """The package version number a page was made from (its hidden `package_version`), or None
    when the request did not send one."""
    text = (field.data or "").strip()
    return int(text) if text.isdigit() else None


class _BidFormBase(FlaskForm):
    # The version whose lots the vendor saw: a bid sent after a newer addendum is refused.
    package_version = HiddenField()
    valid_until = DateField("Bid valid until", validators=[DataRequired(
        message="Enter the date until which the bid is valid.")])
    submit = SubmitField("Seal and submit the bid")

    lot_ids: list[str] = []
    periods: list[str] = []

    def price_fields(self):
        """(lot id, field) for each lot."""
        return [(lot_id, self[f"price_{n}"]) for n, lot_id in enumerate(self.lot_ids)]

    def capacity_fields(self):
        """(period, field) for each delivery period."""
        return [(period, self[f"capacity_{n}"]) for n, period in enumerate(self.periods)]

    def discount_fields(self):
        """(lots field, amount field) per discount row."""
        return [(self[f"discount_lots_{n}"], self[f"discount_amount_{n}"])
                for n in range(DISCOUNT_ROWS)]

    def contents(self) -> BidContents:
        """The bid the form describes (checked against the package by the service)."""
        prices = tuple((lot, bid_service.parse_money(f.data)) for lot, f in self.price_fields()
                       if (f.data or "").strip())
        capacity = tuple((period, f.data) for period, f in self.capacity_fields()
                         if f.data is not None)
        discounts = tuple((tuple(lots.data), bid_service.parse_money(amount.data))
                          for lots, amount in self.discount_fields()
                          if lots.data or (amount.data or "").strip())
        discounts = tuple((lots, amount if amount is not None else 0) for lots, amount in discounts)
        return BidContents(prices=prices, capacity=capacity, discounts=discounts,
                           valid_until=self.valid_until.data)

    def fill(self, contents: BidContents) -> None:
        """Show an existing bid's contents (the vendor's own) in the form."""
        for lot, f in self.price_fields():
            price = contents.price_of(lot)
            f.data = f"{price:.2f}" if price is not None else ""
        capacity = dict(contents.capacity)
        for period, f in self.capacity_fields():
            f.data = capacity.get(period)
        for (lots, amount), (lots_f, amount_f) in zip(contents.discounts, self.discount_fields()):
            lots_f.data, amount_f.data = list(lots), f"{amount:.2f}"
        self.valid_until.data = contents.valid_until


def bid_form_class(lots: list[bid_service.LotRow]) -> type[_BidFormBase]:
    """A form class for `lots` (of the package's latest version)."""
    periods = sorted({lot.period for lot in lots}, key=[lot.period for lot in lots].index)
    attrs = {"lot_ids": [lot.id for lot in lots], "periods": periods}
    for n, lot in enumerate(lots):
        attrs[f"price_{n}"] = StringField(f"Unit price for {lot.id}", validators=[_money],
                                          render_kw={"inputmode": "decimal"})
    for n, period in enumerate(periods):
        attrs[f"capacity_{n}"] = IntegerField(
            f"Most units you can deliver in {period}",
            validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    choices = [choice(lot.id) for lot in lots]
    for n in range(DISCOUNT_ROWS):
        attrs[f"discount_lots_{n}"] = SelectMultipleField(
            f"Discount {n + 1}: when you win all of", choices=choices,
            widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
        attrs[f"discount_amount_{n}"] = StringField(f"Discount {n + 1}: amount off (dollars)",
                                                    validators=[_money])
    return type("BidForm", (_BidFormBase,), attrs)


class PriceFormUploadForm(FlaskForm):
    """The package's own price form, filled in."""

    file = FileField("Filled-in price form (CSV)", validators=[DataRequired(
        message="Choose the CSV file to upload.")])
    submit = SubmitField("Check the file")


class ConfirmForm(FlaskForm):
    """A confirmation (withdraw, re-confirm, open): the button and the CSRF token."""

    submit = SubmitField("Confirm")


class ReconfirmForm(ConfirmForm):
    """Re-confirming a bid: the confirmation, and the version whose change note the vendor read."""

    package_version = HiddenField()
