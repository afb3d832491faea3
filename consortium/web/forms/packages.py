"""Admin forms for publishing bid packages and their addenda."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from consortium.web.forms.base import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

FORMAT = "%Y-%m-%dT%H:%M"


def default_deadlines(now: datetime) -> tuple[datetime, datetime]:
    """Bid deadline 30 days ahead and questions 21 days ahead, at 17:00 UTC."""
    day = now.astimezone(timezone.utc).replace(hour=17, minute=0, second=0, microsecond=0)
    return day + timedelta(days=30), day + timedelta(days=21)


class _Deadlines:
    def validate_questions_deadline(self, field):
        """Questions close before bids do."""
        bid = self.bid_deadline.data
        if field.data and bid and field.data >= bid:
            raise ValidationError("The questions deadline must come before the bid deadline.")


class PublishForm(FlaskForm, _Deadlines):
    """The deadlines of a round's packages (all times UTC)."""

    bid_deadline = DateTimeLocalField("Bid deadline (UTC)", format=FORMAT,
                                      validators=[DataRequired()])
    questions_deadline = DateTimeLocalField("Questions deadline (UTC)", format=FORMAT,
                                            validators=[DataRequired()])
    confirm = HiddenField()  # "1" on the preview page's final POST


class AddendumForm(FlaskForm, _Deadlines):
    """An addendum: what changed, and optionally new deadlines."""

    change_note = TextAreaField("Change note", validators=[
        DataRequired(message="Say what changed."), Length(max=2000)])
    bid_deadline = DateTimeLocalField("New bid deadline (UTC, optional)", format=FORMAT,
                                      validators=[Optional()])
    questions_deadline = DateTimeLocalField("New questions deadline (UTC, optional)", format=FORMAT,
                                            validators=[Optional()])
