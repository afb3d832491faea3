"""Transactions at the edge: services flush, the request or `session_scope` commits once or rolls
back once, and work registered with `after_commit` runs only after a commit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import redirect
from sqlmodel import select

import consortium
from consortium.db import after_commit, session_scope
from consortium.models import Member
from consortium.web.access import db
from consortium.web.transaction import rollback_only

PACKAGE = Path(consortium.__file__).parent


def _commit_calls(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "commit":
                    found.append(f"{where} calls .commit()")
                found += [f"{where} passes commit=" for kw in node.keywords if kw.arg == "commit"]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.args + node.args.kwonlyargs]
                if "commit" in names:
                    found.append(f"{where} takes a commit= flag")
    return found


@pytest.mark.parametrize("folder", ["services", "publish"])
def test_no_service_commits(folder):
    assert _commit_calls(PACKAGE / folder) == []


def _rollback_calls(folder: Path) -> list[str]:
    return [f"{path.name}:{node.lineno} calls .rollback()"
            for path in sorted(folder.rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "rollback"]


def test_views_neither_commit_nor_roll_back():
    """The request commits or rolls back once (web/transaction.py); a view that redirects after
    a refusal calls rollback_only()."""
    views = PACKAGE / "web" / "views"
    assert _commit_calls(views) == [] and _rollback_calls(views) == []


def test_the_scan_finds_a_commit(tmp_path):
    (tmp_path / "bad.py").write_text("def save(session, commit=True):\n    session.commit()\n")
    assert len(_commit_calls(tmp_path)) == 2


def _count(engine, name: str) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(Member).where(Member.name == name)).all())


def test_session_scope_commits_once_at_the_end_and_rolls_back_on_error(engine, app):
    calls = []
    with session_scope(engine) as session:
        session.add(Member(name="Kept City", state="CA", country="US"))
        session.flush()
        after_commit(session, lambda: calls.append(_count(engine, "Kept City")))
        assert calls == []  # not before the commit
    assert calls == [1]  # the callback saw the committed row
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            session.add(Member(name="Lost City", state="CA", country="US"))
            session.flush()
            after_commit(session, lambda: calls.append("never"))
            raise RuntimeError("refused")
    assert _count(engine, "Lost City") == 0 and calls == [1]


@pytest.fixture
def probe_app(app):
    """The app with routes that add a member and answer in different ways."""
    seen = []

    def add(name):
        db().add(Member(name=name, state="CA", country="US"))
        db().flush()
        after_commit(db(), lambda: seen.append(name))

    @app.route("/_probe/ok/<name>", methods=["POST"])
    def probe_ok(name):
        add(name)
        return "saved"

    @app.route("/_probe/refused/<name>", methods=["POST"])
    def probe_refused(name):
        add(name)
        return "refused", 422

    @app.route("/_probe/redirected/<name>", methods=["POST"])
    def probe_redirected(name):
        add(name)
        rollback_only()  # a refusal answered by a redirect
        return redirect("/")

    @app.route("/_probe/raises/<name>", methods=["POST"])
    def probe_raises(name):
        add(name)
        raise ValueError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.seen = seen
    return app


def test_the_request_commits_a_success_and_rolls_back_an_error(probe_app, engine):
    client = probe_app.test_client()
    assert client.post("/_probe/ok/Okay City").status_code == 200
    assert _count(engine, "Okay City") == 1 and probe_app.seen == ["Okay City"]
    assert client.post("/_probe/refused/Refused City").status_code == 422
    assert client.post("/_probe/raises/Broken City").status_code == 500
    assert client.post("/_probe/redirected/Redirected City").status_code == 302
    assert _count(engine, "Refused City") == 0 and _count(engine, "Broken City") == 0
    assert _count(engine, "Redirected City") == 0
    assert client.post("/_probe/ok/Later City").status_code == 200  # the mark does not linger
    assert _count(engine, "Later City") == 1
    assert probe_app.seen == ["Okay City", "Later City"]  # callbacks run only after a commit
