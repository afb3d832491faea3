"""The real worker path: a queued run in SQLite (or Redis) storage, solved by a consumer thread."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import replace

import pytest
from redis.exceptions import RedisError

from consortium.db import commit
from consortium.jobs import (
    get_jobs,
    make_huey,
    make_jobs,
    start_consumer_thread,
    stop_consumer_thread,
)
from consortium.models import Run
from consortium.services.runs import enqueue_run
from tests.conftest import require_server
from tests.runs.conftest import fresh


def _app(settings, engine):
    from consortium.web import create_app
    application = create_app(settings)
    application.extensions["consortium.engine"].dispose()
    application.extensions["consortium.engine"] = engine
    return application


def _solve_through_the_queue(jobs, session, round_, admin) -> Run:
    run = enqueue_run(session, round_, admin, enqueue=jobs.enqueue_run, time_limit=30)
    commit(session)
    assert fresh(session, run).status == "queued"  # the request returned before any solve
    assert len(jobs.huey) == 1
    consumer = start_consumer_thread(jobs)
    try:
        deadline = time.monotonic() + 60
        while fresh(session, run).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop_consumer_thread(consumer)
    return fresh(session, run)


def test_sqlite_queue_and_consumer_thread(settings, engine, app, session, admin, closed_round, tmp_path):
    worker_app = _app(replace(settings, huey_immediate=False, instance_path=tmp_path / "w"), engine)
    assert type(get_jobs(worker_app).huey).__name__ == "SqliteHuey"
    run = _solve_through_the_queue(get_jobs(worker_app), session, closed_round, admin)
    assert (tmp_path / "w" / "huey.db").exists()
    assert run.status == "succeeded", run.error
    assert run.plan["placed_units"] == 12 and run.heartbeat_at and run.started_at


def test_redis_queue_and_consumer_thread(settings, engine, app, session, admin, closed_round):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis_settings = replace(settings, huey_immediate=False, redis_url=url)
    try:
        make_huey(redis_settings).storage.conn.ping()
    except (RedisError, OSError):
        require_server(f"Redis is not reachable at {url}")
    # A queue of its own: other test runs may share this Redis server.
    jobs = make_jobs(redis_settings, lambda: engine, name=f"consortium-test-{uuid.uuid4().hex}")
    assert type(jobs.huey).__name__ == "RedisHuey"
    try:
        run = _solve_through_the_queue(jobs, session, closed_round, admin)
    finally:
        jobs.huey.flush()
    assert run.status == "succeeded", run.error


def test_immediate_mode_in_tests(app):
    assert get_jobs(app).huey.immediate


def test_demo_and_serve_start_a_worker_only_without_redis(settings, engine, tmp_path, monkeypatch):
    import consortium.jobs as jobs_module
    started = []
    monkeypatch.setattr(jobs_module, "start_consumer_thread", lambda jobs: started.append(jobs))
    sqlite_app = _app(replace(settings, huey_immediate=False, instance_path=tmp_path), engine)
    sqlite_app.extensions["consortium.start_worker"](sqlite_app)
    assert len(started) == 1
    redis_app = _app(replace(settings, huey_immediate=False, redis_url="redis://127.0.0.1:1/0"), engine)
    redis_app.extensions["consortium.start_worker"](redis_app)
    assert len(started) == 1  # with Redis the Procfile's worker process consumes the queue


@pytest.mark.parametrize("redis_url, kind", [("", "SqliteHuey"), ("redis://127.0.0.1:1/0", "RedisHuey")])
def test_queue_follows_the_settings(settings, tmp_path, redis_url, kind):
    huey = make_huey(replace(settings, huey_immediate=False, redis_url=redis_url,
                             instance_path=tmp_path))
    assert type(huey).__name__ == kind and not huey.immediate
