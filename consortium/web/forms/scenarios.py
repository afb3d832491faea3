"""Forms of scenarios (name, the four edits, delete) and of member values (start the job)."""

from __future__ import annotations

from consortium.web.forms.base import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from consortium.services.scenarios import NAME_MAX
from consortium.services.run_results import options_label
from consortium.web.forms.admin import choice
from consortium.web.forms.runs import finite


class ScenarioForm(FlaskForm):
    """A new scenario from a run (or a new name for one)."""

    name = StringField("Scenario name", validators=[InputRequired(), Length(max=NAME_MAX)])
    submit = SubmitField("Create scenario")


class DropMemberForm(FlaskForm):
    """Drop every demand line of one member."""

    member = SelectField("Member", choices=[], validators=[InputRequired()])
    submit = SubmitField("Drop member")

    def fill(self, summary: dict) -> "DropMemberForm":
        """Offer the scenario's members."""
        self.member.choices = [choice(m["member"], f"{m['member']} ({m['lines']} lines, "
                                                   f"{m['units']} units)")
                               for m in summary["members"]]
        return self


class TierPriceForm(FlaskForm):
    """A new unit price for one tier of one product."""

    tier = SelectField("Tier", choices=[], validators=[InputRequired()])
    unit_price = DecimalField("New unit price ($)", places=None,
                              validators=[InputRequired(), finite])
    submit = SubmitField("Change price")

    def fill(self, summary: dict) -> "TierPriceForm":
        """Offer every tier of every product, as `product index:min_qty`."""
        self.tier.choices = [
            choice(f"{i}:{t['min_qty']}",
                   f"{p['code']} from {t['min_qty']} units (now {t['unit_price']:,})")
            for i, p in enumerate(summary["products"]) for t in p["tiers"]]
        return self

    def target(self, summary: dict) -> tuple[str, int]:
        """(product code, tier min_qty) of the chosen tier."""
        index, min_qty = self.tier.data.split(":")
        return summary["products"][int(index)]["code"], int(min_qty)


class CapacityForm(FlaskForm):
    """The vendor's limit of units per period of one product (blank: no limit)."""

    product = SelectField("Product", choices=[], validators=[InputRequired()])
    max_per_period = IntegerField("Units per period (blank for no limit)",
                                  validators=[Optional(), NumberRange(min=1, max=10**7)])
    submit = SubmitField("Change capacity")

    def fill(self, summary: dict) -> "CapacityForm":
        """Offer the scenario's products with their current limit."""
        self.product.choices = [
            choice(p["code"], f"{p['code']} (now "
                   f"{p['max_per_period'] if p.get('max_per_period') else 'no limit'})")
            for p in summary["products"]]
        return self


class WindowForm(FlaskForm):
    """A new delivery window for one demand line."""

    line = SelectField("Demand line", choices=[], validators=[InputRequired()])
    earliest = SelectField("Earliest", choices=[], validators=[InputRequired()])
    latest = SelectField("Latest", choices=[], validators=[InputRequired()])
    submit = SubmitField("Move window")

    def fill(self, summary: dict) -> "WindowForm":
        """Offer the scenario's lines and periods."""
        self.line.choices = [
            choice(d["id"], f"{d['id']} · {d['member']} · {d['quantity']} {d['product']}"
                   f" {options_label(d.get('options'))} · {d['earliest']}–{d['latest']}")
            for d in summary["lines"]]
        periods = [choice(p, p) for p in summary["periods"]]
        self.earliest.choices, self.latest.choices = periods, list(periods)
        return self


class DeleteForm(FlaskForm):
    """Confirm a deletion (a POST with CSRF)."""

    submit = SubmitField("Delete")


class MemberValueForm(FlaskForm):
    """Start (or recompute) a run's member values."""

    submit = SubmitField("Compute member values")
