"""Error pages render without the database (failure 8)."""

from __future__ import annotations

from flask_login import login_required
from sqlalchemy import create_engine

from consortium.models import Member
from consortium.web.access import db
from tests import factories
from tests.conftest import login


def _broken_engine(tmp_path):
    # A database file in a folder that does not exist: every connection fails.
    return create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")


def test_after_a_database_error_the_error_page_renders_in_the_layout(app, client, session, admin):
    @app.route("/_test/failing-flush")
    @login_required
    def failing_flush():
        factories.make_member(session, "Twice")
        db().add(Member(name="Twice"))  # the unique name fails at flush
        db().flush()

    login(client, admin)
    response = client.get("/_test/failing-flush")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and 'href="/admin/members"' in page  # the navigation
    assert client.get("/").status_code == 200  # the next request is fine


def test_during_a_database_outage_signed_in_users_get_the_error_page(app, client, admin,
                                                                     tmp_path):
    login(client, admin)
    working = app.extensions["consortium.engine"]
    app.extensions["consortium.engine"] = _broken_engine(tmp_path)
    try:
        response = client.get("/admin/rounds")
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert "The database cannot be reached right now" in page
        assert "<nav" in page and "Sign in" in page  # the layout, for an anonymous visitor
        api = client.get("/api/packages")
        assert api.status_code == 503 and api.get_json()["error"] == "Temporarily unavailable"
    finally:
        app.extensions["consortium.engine"].dispose()
        app.extensions["consortium.engine"] = working
    assert client.get("/admin/rounds").status_code == 200  # and the session survived the outage


def test_an_anonymous_page_during_an_outage(app, client, tmp_path):
    working = app.extensions["consortium.engine"]
    app.extensions["consortium.engine"] = _broken_engine(tmp_path)
    try:
        response = client.post("/login", data={"email": "a@example.com", "password": "x" * 12})
        assert response.status_code == 503
        assert "The database cannot be reached right now" in response.get_data(as_text=True)
    finally:
        app.extensions["consortium.engine"].dispose()
        app.extensions["consortium.engine"] = working
