"""Forms of the optimizer runs: start a run, approve a run."""

from consortium.web.forms.base import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation

from consortium.optimizer.solve import DEFAULT_SOLVER, SOLVERS
from consortium.services.runs import GAP_RANGE, TIME_LIMIT_RANGE


def finite(form, field):
    """Refuse NaN, sNaN and infinities before the range check compares them (sNaN raises)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Give a number.")


class RunForm(FlaskForm):
    """The solve parameters of a new optimizer run."""

    time_limit = DecimalField(
        "Time limit (seconds)", default=60, places=None,
        validators=[InputRequired(), finite, NumberRange(*TIME_LIMIT_RANGE,
                    message="Between %(min)s and %(max)s seconds.")])
    gap = DecimalField(
        "Relative gap", default=0.000001, places=None,
        validators=[InputRequired(), finite, NumberRange(*GAP_RANGE,
                    message="Between %(min)s and %(max)s (0.01 is 1%%).")])
    fairness = BooleanField("No member worse off than buying alone (fairness)", default=True)
    solver = SelectField("Solver", choices=list(SOLVERS), default=DEFAULT_SOLVER)
    note = StringField("Note (optional)", validators=[Length(max=500)])
    submit = SubmitField("Run optimizer")


class ApproveForm(FlaskForm):
    """Approve a run as the round's plan (a POST with CSRF)."""

    submit = SubmitField("Approve this plan")


class HintsForm(FlaskForm):
    """Start hints for a run: the least saving a hint must bring when it places no more units."""

    threshold = DecimalField(
        "Threshold (least saving shown)", default=1, places=None,
        validators=[InputRequired(), finite, NumberRange(0, 1e12,
                    message="An amount of 0 or more.")])
    submit = SubmitField("Compute hints")


class HintsVisibilityForm(FlaskForm):
    """Show or hide a hint job's hints to fleet managers (a POST with CSRF)."""

    submit = SubmitField("Show to fleet managers")
