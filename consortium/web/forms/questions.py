"""Admin forms for answering vendors' questions."""

from __future__ import annotations

from consortium.web.forms.base import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class AnswerForm(FlaskForm):
    """A written answer, published to every approved vendor without the asker's name."""

    text = TextAreaField("Answer", validators=[DataRequired(message="Write the answer."),
                                               Length(max=8000)])


class AddendumAnswerForm(FlaskForm):
    """Mark a question as answered by one of its package's addenda."""

    version_id = SelectField("Addendum", coerce=int, validators=[DataRequired(
        message="Choose the addendum that answers the question.")])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=8000)])
