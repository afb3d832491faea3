"""How `consortium demo` and `consortium serve` run: the app under gunicorn, as the Procfile does,
with the job worker in a process beside it.

The gunicorn master runs in the calling process and forks the web workers, which each build
their own app (and engine) after the fork. The job worker is a separate process (a fresh
interpreter, as `consortium worker` would be) consuming the embedded SQLite queue; with Redis
the Procfile's `worker:` process consumes the queue instead, and none is started here. Ctrl+C
(SIGINT) or SIGTERM stops gunicorn and its workers; the job worker is then stopped too, letting
a run that is solving finish or be marked failed later as stale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from gunicorn.app.base import BaseApplication

from consortium.config import Settings

WEB_WORKERS = 2  # as the Procfile; WEB_CONCURRENCY (gunicorn's own variable) changes it
JOB_WORKER_STOP_SECONDS = 15


class WebServer(BaseApplication):
    """gunicorn serving `create_app(settings)` in each of its workers."""

    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from consortium.web import create_app
        return create_app(self.settings)


def gunicorn_options(host: str, port: int) -> dict:
    """Bind address, workers and logging: quiet but for warnings, no access log."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {"bind": address, "workers": int(os.environ.get("WEB_CONCURRENCY", WEB_WORKERS)),
            "worker_class": "sync", "loglevel": "warning", "accesslog": None,
            "proc_name": "consortium"}


def needs_job_worker(settings: Settings) -> bool:
    """Whether this process must run the worker: only for the embedded SQLite queue."""
    return not settings.redis_url and not settings.huey_immediate


def _job_worker() -> None:  # the job worker process: `python -m consortium.serving`
    from consortium.jobs import get_jobs, run_worker
    from consortium.web import create_app
    try:
        run_worker(get_jobs(create_app(Settings.from_env())))
    except KeyboardInterrupt:  # Ctrl+C before the consumer took over SIGINT, or a second one
        pass


def start_job_worker() -> subprocess.Popen:
    """The job worker process (consumer of the SQLite queue in the instance folder), with this
    process's environment, hence its settings. A plain subprocess, not multiprocessing: the
    gunicorn workers fork from this process and must not inherit a child to wait for."""
    return subprocess.Popen([sys.executable, "-m", "consortium.serving"])


def stop_job_worker(process: subprocess.Popen, timeout: float = JOB_WORKER_STOP_SECONDS) -> None:
    """Ask the job worker to stop (SIGINT: finish the task at hand), then insist."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve until Ctrl+C or SIGTERM: gunicorn here, the job worker in a process beside it."""
    worker = start_job_worker() if needs_job_worker(settings) else None
    master = os.getpid()
    try:
        WebServer(settings, gunicorn_options(host, port)).run()
    finally:
        # The web workers are forked inside run() and leave it through here too.
        if worker is not None and os.getpid() == master:
            stop_job_worker(worker)


if __name__ == "__main__":
    _job_worker()
