"""Forms of the fleet managers' demand pages: a line, its deletion, and the CSV upload.

Quantities and prices are text fields on purpose: the demand service checks them, with the same
messages as the CSV import. Option values are sent as `opt.<option name>` fields, because each
product has its own options; `options_from()` collects them.
"""

from __future__ import annotations

from consortium.web.forms.base import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

OPTION_PREFIX = "opt."
REQUIRED = {"aria-required": "true"}


class Marked:
    """Marks a field as required (the asterisk, `required` and aria-required) without checking
    it here: the demand service checks the value, with the same message as the CSV import."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class LineForm(FlaskForm):
    """One demand line. `version` carries the line's version for the conflict check."""

    product = SelectField("Product", choices=[], validate_choice=False, validators=[Marked()],
                          render_kw=REQUIRED)
    quantity = StringField("Quantity", validators=[Marked()],
                           render_kw={"inputmode": "numeric", "autocomplete": "off", **REQUIRED})
    earliest = SelectField("Earliest delivery", choices=[], validate_choice=False,
                           validators=[Marked()], render_kw=REQUIRED)
    latest = SelectField("Latest delivery", choices=[], validate_choice=False,
                         validators=[Marked()], render_kw=REQUIRED)
    splittable = BooleanField("Splittable: may be delivered in several tranches or periods")
    max_unit_price = StringField("Most you will pay per unit ($, optional)",
                                 render_kw={"inputmode": "decimal", "autocomplete": "off"})
    notes = TextAreaField("Notes (optional)", validators=[Length(max=1000)],
                          render_kw={"rows": 2})
    ref = StringField("Reference (optional)", validators=[Optional(), Length(max=60)])
    version = HiddenField()
    options_for = HiddenField()
    submit = SubmitField("Save line")

    def setup(self, products, periods) -> None:
        """Fill the choices: active products (code and name) and the round's periods."""
        self.product.choices = [("", "Choose a product…")] + [
            (p.code, f"{p.code} — {p.name}") for p in products]
        self.earliest.choices = [(p, p) for p in periods]
        self.latest.choices = [(p, p) for p in periods]

    def raw(self, options: dict) -> dict:
        """The submitted values as the demand service's raw line data."""
        return {"ref": self.ref.data, "product": self.product.data,
                "quantity": self.quantity.data, "earliest": self.earliest.data,
                "latest": self.latest.data, "options": options,
                "splittable": bool(self.splittable.data),
                "max_unit_price": self.max_unit_price.data, "notes": self.notes.data}

    def show_errors(self, errors: dict) -> None:
        """Put the service's messages beside their fields (options are shown by the template)."""
        for name, message in errors.items():
            if name in self and name != "options":
                self[name].errors = [*self[name].errors, message]


def options_from(formdata) -> dict:
    """{option name: value} from the `opt.<name>` fields of a submitted form."""
    return {key[len(OPTION_PREFIX):]: value for key, value in formdata.items()
            if key.startswith(OPTION_PREFIX)}


class DeleteLineForm(FlaskForm):
    """Deleting a line, checked against the version the person saw."""

    version = HiddenField()
    submit = SubmitField("Delete line")


class CsvUploadForm(FlaskForm):
    """A CSV file of demand lines to check and preview (nothing is saved yet)."""

    file = FileField("CSV file", render_kw={"accept": ".csv,text/csv"})
    submit = SubmitField("Check file")


class CsvConfirmForm(FlaskForm):
    """Confirms the import of a checked upload, named by its token."""

    token = HiddenField()
    include_all = BooleanField("Also import every likely duplicate")
    submit = SubmitField("Import all lines")
