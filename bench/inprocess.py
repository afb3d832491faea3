"""In-process timing of the busiest pages: ms and SQL statements per request, and a profile.

    python bench/inprocess.py                              # SQLite, 200 requests per page
    python bench/inprocess.py --postgres-url postgresql://postgres@127.0.0.1:5432/test_h4
    python bench/inprocess.py --page fleet --profile 30    # the 30 costliest functions
    python bench/inprocess.py --page bare --page floor     # the floors every page pays

The same data as bench/web.py (the demo consortium, 50 lines of Los Angeles in the open round,
the closed round solved and published), served by Flask's test client in this process: no
server and no network, so the figures show the app's own cost per request, which gunicorn
multiplies. Each page is signed in as its user, checked once, warmed up, then requested
`--requests` times; printed are the median of `--repeat` such batches in CPU time of this
process (steady on a machine that other work keeps busy) and in wall-clock time.

Two floors are measured the same way: `bare`, a Flask app with one route returning "hello"
(bench/web.py's bare endpoint) in the same test-client loop, and `floor`, the cheapest signed-in
page this app can serve: a route (added for the bench only, signed-in audience) rendering
base.html with an empty body, so the session cookie, the user's load, the session-version check,
the navigation, the unread-notification count and the request's transaction, which every page
pays.

THE POSTGRESQL DATABASE IS EMPTIED (its public schema is dropped) before it is filled.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.web import DEMO_LOGINS, FLEET_LINES, USER_AGENT, prepare_database  # noqa: E402


def make_app(url: str, folder: Path):
    from consortium.config import Settings
    from consortium.web import create_app
    from cryptography.fernet import Fernet
    settings = Settings(env="production", database_url=url, instance_path=folder,
                        secret_key="bench-" + "x" * 40,
                        bid_sealing_key=Fernet.generate_key().decode())
    return create_app(settings)


def add_floor_page(app) -> None:
    """The signed-in floor: base.html with nothing in it, for any signed-in user."""
    from flask import Blueprint, render_template
    from consortium.policy import SIGNED_IN
    from consortium.web.access import guard
    bp = Blueprint("bench_floor", __name__, template_folder=str(ROOT / "bench" / "templates"))
    guard(bp, SIGNED_IN)
    bp.add_url_rule("/bench/floor", "floor", lambda: render_template("bench_floor.html"))
    app.register_blueprint(bp)


def signed_in(app, role: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    email, password = DEMO_LOGINS[role]
    page = client.get("/login").get_data(as_text=True)
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email,
                                           "password": password})
    assert response.status_code == 302, response.status_code
    return client


def pages(ids: dict) -> dict:
    return {
        "fleet": ("fleet round page (50 lines)", "fleet", f"/demand/rounds/{ids['open_round']}",
                  "/demand/lines/", FLEET_LINES),
        "overview": ("admin demand overview", "admin",
                     f"/admin/rounds/{ids['open_round']}/demand", "<code>LA-", 1),
        "run": ("run results page", "admin", f"/admin/runs/{ids['run']}", "Tranches", 1),
        "floor": ("signed-in floor (empty page)", "fleet", "/bench/floor", "<p>floor</p>", 1),
        "bare": ("bare Flask endpoint", "bare", "/", "hello", 1),
    }


def measure(app, client, path: str, requests: int, repeat: int) -> tuple[float, float, int]:
    """Median CPU and wall ms per request over `repeat` batches, and statements per request."""
    from sqlalchemy import event
    engine = app.extensions.get("consortium.engine")
    if engine is None:  # the bare app: no database
        from sqlalchemy import create_engine
        engine = create_engine("sqlite://")
    statements = []
    listener = lambda *a: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    for _ in range(20):
        client.get(path)
    cpu, wall = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            client.get(path)
        cpu.append((time.process_time() - start_cpu) * 1000 / requests)
        wall.append((time.perf_counter() - start) * 1000 / requests)
    return statistics.median(cpu), statistics.median(wall), len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page", choices=["fleet", "overview", "run", "floor", "bare"],
                        action="append")
    parser.add_argument("--profile", type=int, default=0,
                        help="profile the page(s) and print this many functions by own time")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consortium-inprocess-"))
    try:
        url = args.postgres_url or f"sqlite:///{folder / 'bench.db'}"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        ids = prepare_database(url, folder)
        app = make_app(url, folder)
        add_floor_page(app)
        from bench.web import bare_app
        bare = bare_app()
        apps = {"fleet": app, "admin": app, "bare": bare}
        clients = {role: signed_in(app, role) for role in ("fleet", "admin")}
        clients["bare"] = bare.test_client()
        print(f"{'page':<32} {'CPU ms':>8} {'wall ms':>8} {'statements':>10}")
        for key in args.page or ["bare", "floor", "fleet", "overview", "run"]:
            name, role, path, expect, count = pages(ids)[key]
            page = clients[role].get(path).get_data(as_text=True)
            assert page.count(expect) >= count, (name, expect)
            if args.profile:
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
                for _ in range(args.requests):
                    clients[role].get(path)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
                print(out.getvalue())
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumtime").print_stats(args.profile)
                print(out.getvalue())
            cpu, wall, statements = measure(apps[role], clients[role], path, args.requests,
                                            args.repeat)
            print(f"{name:<32} {cpu:>8.2f} {wall:>8.2f} {statements:>10}", flush=True)
        app.extensions["consortium.engine"].dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
