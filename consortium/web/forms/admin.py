"""Admin forms: members and their users, products with tiers and options, vendors, rounds."""

from __future__ import annotations

from decimal import Decimal

from consortium.models.types import as_utc
from consortium.web.forms.base import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from consortium.models import CATEGORIES, CLASSIFICATION_SCHEMES
from consortium.services.demand_validation import QTY_MAX
from consortium.services.accounts import MIN_PASSWORD_LENGTH
from consortium.services.catalog import validate_tiers
from consortium.services.errors import ServiceError
from consortium.money import parse_money
from consortium.services.rounds import quarters

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label=None):
        return (value, label if label is not None else value)

TIER_ROWS_MIN = 6


def choice(value, label=None):
    """A select option (value, label) in the form the installed WTForms prefers."""
    return SelectChoice(value, label)


def parse_options(text: str) -> tuple[dict, list[str]]:
    """Lines 'name: value1, value2' as {name: [values]}, with a message per unreadable line."""
    options: dict[str, list[str]] = {}
    errors = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, values = line.partition(":")
        name = name.strip()
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not name:
            errors.append(f"Line {n}: write the option as 'name: value1, value2'.")
        elif not items:
            errors.append(f"Line {n}: list at least one allowed value for {name}.")
        elif name in options:
            errors.append(f"Line {n}: the option {name} is listed twice.")
        else:
            options[name] = items
    return options, errors


def format_options(options: dict) -> str:
    """{name: [values]} as the textarea's 'name: value1, value2' lines."""
    return "\n".join(f"{name}: {', '.join(str(v) for v in values)}" for name, values in options.items())


class VersionedForm(FlaskForm):
    """A form that carries the row's version, so a stale save is refused, not applied."""

    version = HiddenField()


class MemberForm(VersionedForm):
    """A member's details."""

    name = StringField("Name", validators=[DataRequired(), Length(min=2, max=120)])
    state = StringField("State or region", validators=[Length(max=60)])
    country = StringField("Country", default="US", validators=[Length(max=60)])
    contact_email = EmailField("Contact email", validators=[Optional(), Email(), Length(max=254)])
    delivery_address = TextAreaField("Delivery address", validators=[Length(max=500)])


class FleetManagerForm(FlaskForm):
    """A new fleet manager of a member; a blank password means 'make a temporary one'."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=160)])
    password = PasswordField(
        "Password", validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters."))])


class TierRow(Form):
    """One price tier row (no CSRF of its own: it is part of the product form)."""

    min_qty = StringField("From quantity")
    unit_price = StringField("Unit price")


class ProductForm(VersionedForm):
    """A catalog product with its specification, options, vendor terms and price tiers."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)])
    name = StringField("Name", validators=[DataRequired(), Length(min=2, max=200)])
    category = SelectField("Category", choices=list(CATEGORIES))
    unit = StringField("Unit", default="each", validators=[DataRequired(), Length(max=20)])
    classification_scheme = SelectField("Classification scheme",
                                        choices=list(CLASSIFICATION_SCHEMES))
    classification_code = StringField("Classification code", validators=[Length(max=20)])
    classification_description = StringField("Classification description",
                                             validators=[Length(max=200)])
    specification = TextAreaField("Specification")
    options = TextAreaField("Options and allowed values")
    vendor_id = SelectField("Vendor", coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    min_tranche = IntegerField("Minimum tranche (units)", default=1,
                               validators=[DataRequired(), NumberRange(min=1, max=QTY_MAX)])
    max_per_period = IntegerField("Maximum per period (units)",
                                  validators=[Optional(), NumberRange(min=1, max=QTY_MAX)])
    tranche_cost = StringField("Cost per tranche", default="0")
    active = BooleanField("Active (offered in open rounds)", default=True)
    tiers = FieldList(FormField(TierRow), min_entries=TIER_ROWS_MIN)

    parsed_tiers: list[tuple[int, Decimal]]
    parsed_options: dict
    tier_errors: list[str]

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the tiers and options as the catalog rules say (all errors at once)."""
        ok = super().validate(extra_validators)
        self.tier_errors = []
        self.parsed_tiers = []
        for n, row in enumerate(self.tiers.entries, start=1):
            qty_text, price_text = (row.min_qty.data or "").strip(), (row.unit_price.data or "").strip()
            if not qty_text and not price_text:
                continue
            if not qty_text or not price_text:
                self.tier_errors.append(f"Row {n}: give both a quantity and a unit price.")
                continue
            try:
                qty = int(qty_text.replace(",", "")) if qty_text.isascii() else None
            except ValueError:
                qty = None
            if qty is None or not 1 <= qty <= QTY_MAX:
                self.tier_errors.append(f"Row {n}: {qty_text[:40]!r} is not a whole number of "
                                        f"units from 1 to {QTY_MAX:,}.")
                continue
            try:
                price = parse_money(price_text)
            except ValueError as exc:
                self.tier_errors.append(f"Row {n}: {exc}.")
                continue
            self.parsed_tiers.append((qty, price))
        if not self.tier_errors:
            self.tier_errors = validate_tiers(self.parsed_tiers)
        self.parsed_options, option_errors = parse_options(self.options.data)
        self.options.errors = list(self.options.errors) + option_errors
        return ok and not self.tier_errors and not option_errors

    def validate_tranche_cost(self, field):
        try:
            value = parse_money(field.data or "0")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if value < 0:
            raise ValidationError("The cost per tranche cannot be negative.")

    def data_for_service(self) -> dict:
        """The product fields as the catalog service takes them."""
        return {
            "code": self.code.data.strip(), "name": self.name.data.strip(),
            "category": self.category.data, "unit": self.unit.data.strip(),
            "classification_scheme": self.classification_scheme.data,
            "classification_code": (self.classification_code.data or "").strip(),
            "classification_description": (self.classification_description.data or "").strip(),
            "specification": self.specification.data or "", "options": self.parsed_options,
            "vendor_id": self.vendor_id.data, "min_tranche": self.min_tranche.data,
            "max_per_period": self.max_per_period.data,
            "tranche_cost": parse_money(self.tranche_cost.data or "0"), "active": self.active.data,
        }


class VendorForm(VersionedForm):
    """A vendor's details."""

    name = StringField("Company name", validators=[DataRequired(), Length(min=2, max=160)])
    contact_name = StringField("Contact person", validators=[Length(max=160)])
    contact_email = EmailField("Contact email", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField("Phone", validators=[Length(max=60)])
    website = StringField("Website", validators=[Length(max=300)])
    address = TextAreaField("Address", validators=[Length(max=500)])


class RoundForm(VersionedForm):
    """A round: name, delivery periods (quarters or a list) and the demand deadline in UTC."""

    name = StringField("Name", validators=[DataRequired(), Length(min=3, max=160)])
    slug = StringField("Short name for files and commands", validators=[Length(max=80)])
    description = TextAreaField("Description")
    first_quarter = StringField("First delivery quarter", validators=[Optional()])
    quarter_count = IntegerField("Number of quarters", validators=[Optional(), NumberRange(1, 40)])
    periods = TextAreaField("Or list the periods, one per line")
    deadline = DateTimeLocalField("Demand deadline (UTC)", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(message="Give the demand deadline.")])

    parsed_periods: list[str]

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the periods from the list or from the quarter generator."""
        ok = super().validate(extra_validators)
        listed = [p.strip() for p in (self.periods.data or "").splitlines() if p.strip()]
        self.parsed_periods = listed
        if not listed:
            if not self.first_quarter.data or not self.quarter_count.data:
                self.first_quarter.errors = list(self.first_quarter.errors) + [
                    "Give the first quarter and the number of quarters, or list the periods."]
                return False
            try:
                self.parsed_periods = quarters(self.first_quarter.data, self.quarter_count.data)
            except ServiceError as exc:
                self.first_quarter.errors = list(self.first_quarter.errors) + [str(exc)]
                return False
        return ok

    def deadline_utc(self):
        """The deadline as an aware UTC datetime."""
        return as_utc(self.deadline.data)


class ConfirmForm(FlaskForm):
    """An empty form for POST actions (open, close, approve, deactivate): it carries the CSRF token."""
