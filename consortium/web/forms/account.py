"""Account forms: change your password, forgot password, reset by link, notification settings."""

from consortium.web.forms.base import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from consortium.services.accounts import MIN_PASSWORD_LENGTH

_NEW_HELP = f"At least {MIN_PASSWORD_LENGTH} characters."


class NewPasswordMixin:
    new_password = PasswordField("New password", description=_NEW_HELP, validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                               message=f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new_password", message="The two new passwords differ.")])


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """The current password, then the new one twice."""

    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Change password")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """A new password, twice (the link proves who it is)."""

    submit = SubmitField("Set password")


class ForgotPasswordForm(FlaskForm):
    """The email address of the account."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a reset link")


class CsrfOnlyForm(FlaskForm):
    """A form whose only field is the CSRF token (mark read, preferences)."""
