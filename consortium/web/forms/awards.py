"""Forms of the award stage: evaluate a bid, start an award run, approve one, publish it."""

from consortium.web.forms.base import FlaskForm
from wtforms import (BooleanField, DecimalField, IntegerField, RadioField, StringField,
                     SubmitField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from consortium.services.awards import MAX_LOTS_RANGE, REASON_MAX, TIME_LIMIT_RANGE
from consortium.web.forms.admin import choice
from consortium.web.forms.runs import finite


class EvaluationForm(FlaskForm):
    """One opened bid: responsive or not, and why not."""

    responsive = RadioField("Responsive", choices=[choice("yes", "Responsive"),
                                                   choice("no", "Not responsive")],
                            validators=[InputRequired(message="Choose one.")])
    reason = StringField("Reason (required when not responsive)",
                         validators=[Length(max=REASON_MAX)])
    submit = SubmitField("Save")


class ClearEvaluationForm(FlaskForm):
    """Forget a bid's evaluation (a POST with CSRF)."""

    submit = SubmitField("Clear")


class AwardRunForm(FlaskForm):
    """The parameters of a new award run."""

    max_lots_per_vendor = IntegerField(
        "Most lots one vendor may win (empty: no limit)",
        validators=[Optional(), NumberRange(*MAX_LOTS_RANGE,
                                            message="Between %(min)s and %(max)s lots.")])
    time_limit = DecimalField(
        "Time limit (seconds)", default=60, places=None,
        validators=[InputRequired(), finite, NumberRange(*TIME_LIMIT_RANGE,
                    message="Between %(min)s and %(max)s seconds.")])
    note = StringField("Note (optional)", validators=[Length(max=500)])
    submit = SubmitField("Run award")


class ApproveAwardForm(FlaskForm):
    """Approve an award run as the round's award (a POST with CSRF)."""

    submit = SubmitField("Approve this award")


class PublishAwardForm(FlaskForm):
    """Publishing an approved award run: the admin confirms it is final."""

    confirm = BooleanField(
        "I checked this award: publishing issues the contracts and tells every bidder, and cannot "
        "be undone",
        validators=[DataRequired(message="Tick the box to confirm that the award is final.")])
    submit = SubmitField("Publish the award")
