"""The base class of every form of the app: Flask-WTF's FlaskForm (CSRF token included) whose
hidden inputs render without an id.

A page often holds several forms (the sign-out form in the menu, a delete form per table row),
and each would otherwise render `<input id="csrf_token">`, giving the page duplicate ids, which
assistive technology and `label for=` rely on being unique. Hidden inputs are never labelled or
focused, so they need no id at all. Named like the class it extends, so that each forms module
only changes its import.
"""

from __future__ import annotations

import flask_wtf
from wtforms.widgets import HiddenInput


class FlaskForm(flask_wtf.FlaskForm):
    """FlaskForm whose hidden fields (the CSRF token, versions, tokens) render without an id."""

    class Meta:
        def render_field(self, field, render_kw):
            """Render `field`; hidden inputs get no id unless the template passes one."""
            if isinstance(field.widget, HiddenInput):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)
