"""The job queue (Huey) and its tasks: optimizer and award runs execute here, outside the
web request.

Storage follows the settings: Redis when `REDIS_URL` is set (run `consortium worker`, the
Procfile's `worker:` line), else a SQLite file at instance/huey.db (`consortium demo` and
`consortium serve` start a consumer thread in-process), and immediate mode in tests (a task runs
inside `enqueue`). Nothing is built at import: `init_app` makes one queue per app.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer, Scheduler, Worker

from consortium.config import Settings

log = logging.getLogger(__name__)

QUEUE_NAME = "consortium"
MAIL_RETRIES = 3  # services.mailer.MAX_ATTEMPTS is these plus the first try
MAIL_RETRY_DELAY = 120  # seconds


@dataclass
class Jobs:
    """One app's queue: the Huey instance and its task entry points."""

    huey: Huey
    settings: Settings
    get_engine: Callable
    optimize_task: Callable
    email_task: Callable | None = None
    hints_task: Callable | None = None
    member_value_task: Callable | None = None
    award_task: Callable | None = None

    def enqueue_award_run(self, run_id: int) -> None:
        """Queue the award run `run_id` (runs at once in immediate mode)."""
        self.award_task(run_id)

    def enqueue_hints(self, job_id: int) -> None:
        """Queue hint job `job_id` (runs at once in immediate mode)."""
        self.hints_task(job_id)

    def enqueue_email(self, message_id: int) -> None:
        """Queue the sending of outbox message `message_id` (retried by the queue on failure)."""
        self.email_task(message_id)

    def run_deadline_reminders(self, now=None) -> int:
        """Send the due round-deadline reminders now (also run hourly); how many users."""
        return _deadline_reminders(self, now)

    def enqueue_run(self, run_id: int) -> None:
        """Queue the optimizer run `run_id` (runs at once in immediate mode)."""
        self.optimize_task(run_id)

    def enqueue_member_values(self, job_id: int) -> None:
        """Queue the member-value job `job_id` (runs at once in immediate mode)."""
        self.member_value_task(job_id)

    def open_due_bids(self, now=None) -> int:
        """Open the bids of every package whose deadline has passed (also run every minute)."""
        return _open_due_bids(self, now)

    def mark_stale(self) -> int:
        """Fail runs whose worker stopped (see services.runs.mark_stale_runs); how many."""
        return _mark_stale(self.settings, self.get_engine())


def _mark_stale(settings: Settings, engine) -> int:
    from consortium.db import session_scope
    from consortium.services.member_value import mark_stale_jobs
    from consortium.services.runs import mark_stale_runs

    from consortium.services.awards import mark_stale_award_runs
    from consortium.services.hints import mark_stale_hints

    with session_scope(engine) as session:
        limit = timedelta(minutes=settings.run_stale_minutes)
        failed = mark_stale_runs(session, limit)
        mark_stale_hints(session, limit)
        mark_stale_award_runs(session, limit)
        mark_stale_jobs(session, limit)
        return failed


def _deadline_reminders(jobs: "Jobs", now=None) -> int:
    from consortium.db import session_scope
    from consortium.services import notifications

    with session_scope(jobs.get_engine()) as session:  # commits when the block ends
        count = notifications.send_deadline_reminders(session, now)
    for message_id in notifications.take_committed(session):
        jobs.enqueue_email(message_id)
    return count


def _open_due_bids(jobs: "Jobs", now=None) -> int:
    from consortium.db import session_scope
    from consortium.services import bid_opening, notifications
    from consortium.services.publishing_inputs import consortium_info
    from consortium.services.sealing import make_sealer

    with session_scope(jobs.get_engine()) as session:
        opened = bid_opening.open_due(session, sealer=make_sealer(jobs.settings),
                                      consortium=consortium_info(jobs.settings), now=now)
        session.commit()
        ids = notifications.take_committed(session)
    for message_id in ids:
        jobs.enqueue_email(message_id)
    return len(opened)


def make_huey(settings: Settings, name: str = QUEUE_NAME) -> Huey:
    """The Huey instance for `settings`: Redis, SQLite under the instance folder, or immediate."""
    common = {"results": False, "immediate": settings.huey_immediate, "utc": True}
    if settings.redis_url and not settings.huey_immediate:
        return RedisHuey(name, url=settings.redis_url, **common)
    path = settings.instance_path / "huey.db"
    if not settings.huey_immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), **common)


def make_jobs(settings: Settings, get_engine: Callable, name: str = QUEUE_NAME) -> Jobs:
    """A queue with the optimizer task and the periodic stale-run check registered on it."""
    huey = make_huey(settings, name)

    @huey.task(name="optimize_run")
    def optimize_run(run_id: int) -> None:
        """Execute one optimizer run (the row says what to solve)."""
        from consortium.services.runs import execute_run
        # Which process executed which run: the scale-out test reads this line.
        log.info("optimizer run %s: executing in worker process %s", run_id, os.getpid())
        execute_run(get_engine(), run_id)

    @huey.task(name="award_run")
    def award_run(run_id: int) -> None:
        """Execute one award run (the row holds the award problem and the time limit)."""
        from consortium.services.awards import execute_award_run
        log.info("award run %s: executing in worker process %s", run_id, os.getpid())
        execute_award_run(get_engine(), run_id)

    @huey.task(name="member_values")
    def member_values(job_id: int) -> None:
        """Compute one run's member values (the consortium solved without each member)."""
        from consortium.services.member_value import execute_member_values
        execute_member_values(get_engine(), job_id)

    @huey.task(name="compute_hints")
    def compute_hints(job_id: int) -> None:
        """Compute one run's hints (the hint job row says which run and threshold)."""
        from consortium.services.hints import execute_hints
        log.info("hints %s: executing in worker process %s", job_id, os.getpid())
        execute_hints(get_engine(), job_id)

    @huey.periodic_task(crontab(minute="*"), name="mark_stale_runs")
    def mark_stale_runs() -> None:
        """Every minute: runs whose worker died are marked failed, never left 'running'."""
        _mark_stale(settings, get_engine())

    @huey.task(name="send_email", retries=MAIL_RETRIES, retry_delay=MAIL_RETRY_DELAY)
    def send_email(message_id: int) -> None:
        """Send one outbox message; raising DeliveryFailed makes the queue retry it later."""
        from consortium.services.mailer import deliver
        deliver(get_engine(), settings, message_id)

    jobs = Jobs(huey=huey, settings=settings, get_engine=get_engine, optimize_task=optimize_run,
                email_task=send_email, hints_task=compute_hints,
                member_value_task=member_values, award_task=award_run)

    @huey.periodic_task(crontab(minute="5"), name="deadline_reminders")
    def deadline_reminders() -> None:
        """Every hour: the 7-day and 1-day deadline reminders that are due, each sent once."""
        _deadline_reminders(jobs)

    @huey.periodic_task(crontab(minute="*"), name="open_due_bids")
    def open_due_bids() -> None:
        """Every minute: packages whose bid deadline has passed get their bids opened."""
        _open_due_bids(jobs)

    @huey.periodic_task(crontab(minute="*/10"), name="sweep_outbox")
    def sweep_outbox() -> None:
        """Every 10 minutes: queue messages written outside a request (CLI) or whose task was lost."""
        from consortium.db import session_scope
        from consortium.services.mailer import stranded

        with session_scope(get_engine()) as session:
            ids = stranded(session)
        for message_id in ids:
            send_email(message_id)

    return jobs


class _ClosingWorker(Worker):
    def shutdown(self):
        super().shutdown()
        self.huey.storage.close()


class _ClosingScheduler(Scheduler):
    def shutdown(self):
        super().shutdown()
        self.huey.storage.close()


class QueueConsumer(Consumer):
    """Huey's consumer whose worker and scheduler threads close their queue connection on exit.

    SqliteHuey opens one connection per thread and leaves it open; Python 3.13 warns about a
    connection that is garbage-collected unclosed (an error under the tests' warning filter).
    """

    worker_class = _ClosingWorker
    scheduler_class = _ClosingScheduler


class EmbeddedConsumer(QueueConsumer):
    """A consumer that runs beside the web server in the same process.

    The web server keeps the process's signals (Ctrl+C, SIGTERM); the consumer's threads are
    daemons and end with it.
    """

    def _set_signal_handlers(self):
        pass


def start_consumer_thread(jobs: Jobs, workers: int = 1) -> Consumer:
    """Start a Huey consumer in a daemon thread (for `consortium demo` / `serve`)."""
    consumer = EmbeddedConsumer(jobs.huey, workers=workers, periodic=True)
    consumer.thread = threading.Thread(target=consumer.run, name="consortium-worker", daemon=True)
    consumer.thread.start()
    return consumer


def stop_consumer_thread(consumer: Consumer, timeout: float = 10.0) -> None:
    """Stop a consumer started by `start_consumer_thread`, letting a running task finish."""
    consumer.stop(graceful=True)
    consumer.thread.join(timeout)


def run_worker(jobs: Jobs, workers: int = 1) -> None:
    """Run the consumer in the foreground until interrupted (`consortium worker`)."""
    if jobs.huey.immediate:
        raise RuntimeError("The job queue is in immediate mode; there is nothing to consume.")
    jobs.mark_stale()
    QueueConsumer(jobs.huey, workers=workers, periodic=True).run()


def _start_worker(app: Flask) -> None:
    """The hook `consortium demo`/`serve` call: an in-process consumer unless Redis is used.

    With Redis the `worker:` process of the Procfile (`consortium worker`) consumes the queue.
    """
    jobs: Jobs = app.extensions["consortium.jobs"]
    if jobs.settings.redis_url or jobs.huey.immediate:
        return
    jobs.mark_stale()
    start_consumer_thread(jobs)
    log.info("Job worker started in-process (SQLite queue at %s)", jobs.huey.storage.filename)


def init_app(app: Flask) -> None:
    """Attach the app's queue and the start-worker hook (no thread is started here)."""
    settings: Settings = app.extensions["consortium.settings"]
    app.extensions["consortium.jobs"] = make_jobs(
        settings, get_engine=lambda: app.extensions["consortium.engine"])
    app.extensions["consortium.start_worker"] = _start_worker


def get_jobs(app: Flask) -> Jobs:
    """The app's queue."""
    return app.extensions["consortium.jobs"]
