"""Vendor self-registration."""

from __future__ import annotations

from consortium.web.forms.base import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from consortium.services.accounts import MIN_PASSWORD_LENGTH


class RegisterForm(FlaskForm):
    """A company and its first contact person."""

    company = StringField("Company name", validators=[DataRequired(), Length(min=2, max=160)])
    contact_name = StringField("Contact person", validators=[DataRequired(), Length(max=160)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    phone = StringField("Phone", validators=[Optional(), Length(max=60)])
    website = StringField("Website", validators=[Optional(), Length(max=300)])
    password = PasswordField("Password", validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                               message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")],
        render_kw={"autocomplete": "new-password"})
    password2 = PasswordField("Repeat the password", validators=[
        DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"})


class QuestionForm(FlaskForm):
    """A vendor's question on a bid package (published with its answer, without the asker)."""

    text = TextAreaField("Your question", validators=[
        DataRequired(message="Write your question."), Length(max=4000)])
