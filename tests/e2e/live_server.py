"""The real app on a real port, for browser tests and screenshots.

`live_app` builds the app on a fresh, migrated SQLite file with CSRF on; `serving` runs it with
Werkzeug's server in a background thread on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from flask import Flask
from werkzeug.serving import make_server

from consortium.config import Settings
from consortium.migrate import upgrade
from consortium.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, headless, as quiet as it can be: no sandbox (root in CI), no GPU, no
# background traffic to Google services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def launch_options() -> dict:
    """Playwright launch options for Debian's Chromium."""
    return {"executable_path": str(CHROMIUM), "args": list(CHROMIUM_ARGS)}


def live_app(folder: Path) -> Flask:
    """The app on a migrated SQLite database in `folder`, with CSRF protection on."""
    settings = Settings(env="testing", database_url=f"sqlite:///{folder / 'e2e.db'}",
                        instance_path=folder, csrf_enabled=True, huey_immediate=True)
    app = create_app(settings)
    upgrade(app.extensions["consortium.engine"])
    return app


@dataclass
class LiveServer:
    """A running server: its base URL (no trailing slash) and the app behind it."""

    url: str
    app: Flask


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """Serve `app` on 127.0.0.1 on a free port until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["consortium.engine"].dispose()


@contextmanager
def serving_with_worker(app: Flask) -> Iterator[LiveServer]:
    """Serve `app` with a real job queue: its SQLite Huey queue (not immediate) and a consumer
    thread, as the worker process runs it. Everything set up in the database before the block
    is visible to the jobs."""
    from dataclasses import replace

    from consortium.jobs import get_jobs, make_jobs, start_consumer_thread, stop_consumer_thread
    settings = replace(app.extensions["consortium.settings"], huey_immediate=False)
    app.extensions["consortium.settings"] = settings
    app.extensions["consortium.jobs"] = make_jobs(settings,
                                                  lambda: app.extensions["consortium.engine"])
    consumer = start_consumer_thread(get_jobs(app))
    try:
        with serving(app) as server:
            yield server
    finally:
        stop_consumer_thread(consumer)
        app.extensions["consortium.engine"].dispose()
