"""The `consortium` command: create-user and the setup part of `demo`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from consortium.cli import root as cli_module
from consortium.db import make_engine
from consortium.models import DemandLine, Member, User
from consortium.services.fixtures import demo_logins


@pytest.fixture
def env(tmp_path):
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "CONSORTIUM_ENV": "development",
            "CONSORTIUM_INSTANCE": str(tmp_path), "SECRET_KEY": "", "REDIS_URL": ""}


def _invoke(env, *args):
    return CliRunner().invoke(cli_module.cli, list(args), env=env, catch_exceptions=False)


def _users(env) -> list[User]:
    engine = make_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as s:
            return list(s.exec(select(User)))
    finally:
        engine.dispose()


def test_create_user(env):
    assert _invoke(env, "init-db").exit_code == 0
    result = _invoke(env, "create-user", "Boss@Example.com", "--role", "admin",
                     "--name", "The Boss", "--password", "a long password")
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    [user] = _users(env)
    assert (user.email, user.role, user.name) == ("boss@example.com", "admin", "The Boss")
    assert user.password_hash.startswith("scrypt:")


def test_create_user_refuses_unknown_member_and_duplicates(env):
    _invoke(env, "init-db")
    result = _invoke(env, "create-user", "f@example.com", "--role", "fleet_manager",
                     "--member", "Atlantis", "--password", "a long password")
    assert result.exit_code == 1 and "No member is named 'Atlantis'" in result.output
    _invoke(env, "create-user", "a@example.com", "--role", "admin", "--password", "a long password")
    result = _invoke(env, "create-user", "a@example.com", "--role", "admin",
                     "--password", "a long password")
    assert result.exit_code == 1 and "already exists" in result.output
    result = _invoke(env, "create-user", "b@example.com", "--role", "admin", "--password", "short")
    assert result.exit_code == 1 and "at least 10 characters" in result.output
    assert [u.email for u in _users(env)] == ["a@example.com"]


def test_demo_sets_up_the_database_and_prints_one_login_per_role(env, monkeypatch):
    served = []
    monkeypatch.setattr(cli_module, "_run", lambda app, host, port: served.append((host, port)))
    result = _invoke(env, "demo", "--port", "5077")
    assert result.exit_code == 0, result.output
    assert "Loaded the demo consortium: 20 members" in result.output
    assert "bid packages" in result.output and "openings" in result.output
    assert "Consortium is running at http://127.0.0.1:5077/" in result.output
    for role, email, password in demo_logins(cli_module.FIXTURES / "demo"):
        assert any(role in line and email in line and password in line
                   for line in result.output.splitlines())
    assert served == [("127.0.0.1", 5077)]

    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as s:
        lines = len(s.exec(select(DemandLine)).all())
        members = len(s.exec(select(Member)).all())
    engine.dispose()
    again = _invoke(env, "demo", "--port", "5077")  # a second start keeps the data as it is
    assert again.exit_code == 0 and "not loaded again" in again.output
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as s:
        assert len(s.exec(select(DemandLine)).all()) == lines
        assert len(s.exec(select(Member)).all()) == members == 20
    engine.dispose()


def test_load_fixtures_command_reports_bad_files(env, tmp_path):
    _invoke(env, "init-db")
    (tmp_path / "members.json").write_text('{"members": [{"name": "X"}]}')
    result = _invoke(env, "load-fixtures", "--path", str(tmp_path))
    assert result.exit_code == 1
    assert "members.json members[0].name" in result.output and "nothing was loaded" in result.output
