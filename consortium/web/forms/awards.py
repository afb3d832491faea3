"""The form of the award stage's publication."""

from __future__ import annotations

from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from consortium.web.forms.base import FlaskForm


class PublishAwardForm(FlaskForm):
    """Publishing an approved award run: the admin confirms it is final."""

    confirm = BooleanField(
        "I checked this award: publishing issues the contracts and tells every bidder, and cannot "
        "be undone",
        validators=[DataRequired(message="Tick the box to confirm that the award is final.")])
    submit = SubmitField("Publish the award")
