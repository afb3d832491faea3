"""Scale-out: two gunicorn processes and two `consortium worker` processes on PostgreSQL and
Redis; ten optimizer runs started at once through the web app are each executed exactly once.

Runs in the PostgreSQL pass (TEST_DATABASE_URL on PostgreSQL, REDIS_URL set); in CI a missing
Redis is a failure. It uses a database of its own on the same server.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from bench.stack import DEMO, Client, Stack, prepare_database
from tests.conftest import require_server

RUNS = 10


@pytest.fixture
def scale_database():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the scale-out test runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        require_server("REDIS_URL is not set; the scale-out test needs Redis")
    import redis
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as exc:
        require_server(f"Redis is not reachable at {redis_url} ({exc.__class__.__name__})")
    admin_url = sa.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{admin_url.database}_scale_{os.getpid()}"
    admin = sa.create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        require_server(f"PostgreSQL is not reachable ({exc.__class__.__name__})")
    db_url = admin_url.set(database=name).render_as_string(hide_password=False)
    prepare_database(db_url)
    _flush_queue(redis_url)
    yield db_url, redis_url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _flush_queue(redis_url: str) -> None:
    """Start from an empty queue, so no task left by an earlier run executes here."""
    from consortium.config import Settings
    from consortium.jobs import make_huey
    make_huey(Settings(env="testing", redis_url=redis_url)).flush()


def _start_runs(stack: Stack, round_id: int) -> list[int]:
    """Ten admins' browsers, five per gunicorn process, press "Run optimizer" together."""
    clients = [Client(stack.urls[n % 2]) for n in range(RUNS)]
    forms = []
    for client in clients:
        client.login(*DEMO["admin"])
        page = client.get(f"/admin/rounds/{round_id}/runs")
        forms.append({"csrf_token": Client.csrf(page), "time_limit": "20", "gap": "0.0001",
                      "fairness": "y", "solver": "highs", "note": "scale-out"})
    barrier, answers = threading.Barrier(RUNS), [None] * RUNS

    def press(n):
        barrier.wait()
        answers[n] = clients[n].post(f"/admin/rounds/{round_id}/runs", forms[n])

    threads = [threading.Thread(target=press, args=(n,)) for n in range(RUNS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status for a in answers] == [302] * RUNS, [a.text[:300] for a in answers]
    return [int(re.search(r"/admin/runs/(\d+)$", a.headers["Location"]).group(1)) for a in answers]


def test_ten_runs_queued_at_once_are_each_executed_exactly_once(scale_database, tmp_path):
    db_url, redis_url = scale_database
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            round_id = conn.execute(sa.text("SELECT id FROM round WHERE slug = '2026-pilot'")).scalar()
        with Stack(db_url, tmp_path / "instance", redis_url=redis_url, web_processes=2,
                   gunicorn_workers=1, job_workers=2) as stack:
            run_ids = _start_runs(stack, round_id)
            assert len(set(run_ids)) == RUNS
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    statuses = dict(conn.execute(sa.text(
                        "SELECT id, status FROM run WHERE id = ANY(:ids)"), {"ids": run_ids}).all())
                if all(s in ("succeeded", "failed") for s in statuses.values()):
                    break
                time.sleep(1)
            logs = [path.read_text() for path in stack.worker_logs]
        assert statuses == {i: "succeeded" for i in run_ids}, statuses
        executed = Counter()
        by_worker = []
        for text in logs:
            mine = [int(m) for m in re.findall(r"optimizer run (\d+): executing in worker", text)]
            executed.update(mine)
            by_worker.append(len(mine))
            assert "not queued; skipped" not in text
        assert executed == Counter({i: 1 for i in run_ids}), executed  # each once, none twice
        assert sum(by_worker) == RUNS
        with engine.connect() as conn:  # one "run" audit entry per run, none lost, chain intact
            audited = conn.execute(sa.text(
                "SELECT entity_id FROM audit_log WHERE action = 'run' AND entity = 'run'")).scalars()
            assert sorted(audited) == sorted(run_ids)
            from consortium.services.audit_chain import verify
            assert verify(conn).ok
        print(f"\nscale-out: {RUNS} runs, executed per worker process: {by_worker}")
    finally:
        engine.dispose()
