"""WTForms forms (Flask-WTF, so every form carries a CSRF token), one module per area."""
