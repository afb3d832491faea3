"""Sign-in forms."""

from consortium.web.forms.base import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    """Sign-out is a POST so that another site cannot sign a user out."""

    submit = SubmitField("Sign out")
