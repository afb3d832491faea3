"""Web benchmark: the busiest pages under gunicorn, side by side with a bare Flask endpoint.

    python bench/web.py                                   # SQLite, and PostgreSQL when given
    python bench/web.py --postgres-url postgresql://postgres@127.0.0.1:5432/test_h3
    python bench/web.py --databases sqlite --duration 5 --tool python

For each database: a fresh database with the demo consortium, its closed round solved, approved
and published, Los Angeles' fleet manager with 50 lines in the open round and a 500-row CSV
upload waiting for its preview. The app runs under gunicorn (2 sync workers); a bare Flask
endpoint returning "hello" runs under the same settings, measured before and after the pages.
Every page is signed in as its user, checked once (status 200 and its content), warmed up, then
loaded with `--connections` connections for `--duration` seconds by wrk (or, without wrk, a
bounded Python load generator). Printed per page: requests/s, p50/p99 latency, errors (any
status but 200, or a failed connection) and the ratio to the bare endpoint's requests/s.

THE POSTGRESQL DATABASE IS EMPTIED (its public schema is dropped) before it is filled.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USER_AGENT = "consortium-bench/1"  # sessions are bound to it (session protection "strong")
FLEET_LINES = 50
CSV_ROWS = 500
# page name -> (minimum ratio to the bare endpoint, p99 limit in ms); None: measured, no target
TARGETS = {"fleet round page (50 lines)": (0.15, 50.0), "admin demand overview": (0.08, 50.0),
           "run results page": (0.08, 50.0), "vendor package page": None,
           "CSV preview (500 rows)": None}
DEMO_LOGINS = {"admin": ("admin@consortium.example", "demo-admin-2027"),
               "fleet": ("fleet@los-angeles.example", "demo-fleet-2027"),
               "vendor": ("sales@pacific.example", "demo-vendor-2027")}


def bare_app():
    """The bare Flask endpoint the pages are compared with (served by gunicorn as `web:bare_app()`)."""
    from flask import Flask
    app = Flask("bare")
    app.add_url_rule("/", "hello", lambda: "hello")
    return app


# --- data ------------------------------------------------------------------------------------

def _line_rows(template_rows: list[dict], count: int) -> str:
    """A CSV (the upload format, blank refs) of `count` rows cycling through `template_rows`."""
    from consortium.services.csv_import import COLUMNS, write_csv
    rows = []
    for i in range(count):
        row = template_rows[i % len(template_rows)]
        rows.append(["" if c == "ref" else row.get(c, "") for c in COLUMNS])
    return write_csv(rows)


def prepare_database(url: str, folder: Path) -> dict:
    """Fill a fresh database at `url` with the benchmark's data; returns the ids the pages need."""
    import csv
    from datetime import timedelta

    from sqlalchemy import text
    from sqlmodel import select

    from consortium.cli import FIXTURES
    from consortium.config import Settings
    from consortium.db import make_engine, session_scope, utcnow
    from consortium.migrate import upgrade
    from consortium.models import DemandLine, Member, Round, User
    from consortium.services import csv_import, publishing, runs
    from consortium.services.fixtures import load_fixtures

    engine = make_engine(Settings(database_url=url, instance_path=folder).effective_database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    with session_scope(engine) as session:  # each block is one unit of work, committed at its end
        load_fixtures(session, FIXTURES / "demo")
        closed = session.exec(select(Round).where(Round.status == "closed")).one()
        opened = session.exec(select(Round).where(Round.status == "open")).one()
        admin = session.exec(select(User).where(User.role == "admin")).first()
        fleet = session.exec(select(User).where(User.email == DEMO_LOGINS["fleet"][0])).one()
        member = session.get(Member, fleet.member_id)
        run = runs.create_run(session, closed, admin, note="web benchmark")
    runs.execute_run(engine, run.id)
    with session_scope(engine) as session:
        run = session.get(type(run), run.id)
        runs.approve_run(session, run, admin)
        now = utcnow().replace(second=0, microsecond=0)
        packages = publishing.publish_round(session, run, admin,
                                            bid_deadline=now + timedelta(days=30),
                                            questions_deadline=now + timedelta(days=21))
    with open(FIXTURES / "demo" / "demand-2027-28-fleet.csv", newline="") as f:
        la_rows = [r for r in csv.DictReader(f) if r["member"] == member.name]
    csv_for_upload = _line_rows(la_rows, CSV_ROWS)
    with session_scope(engine) as session:
        have = len(session.exec(select(DemandLine.id).where(
            DemandLine.round_id == opened.id, DemandLine.member_id == member.id)).all())
        opened = session.get(Round, opened.id)
        data = _line_rows(la_rows, FLEET_LINES - have).encode()
        checked = csv_import.check_upload(session, opened, data, len(data))
        assert checked.valid, [m for r in checked.invalid_rows for m in r.messages()]
        csv_import.import_upload(session, round_=opened, member=session.get(Member, member.id),
                                 actor=session.get(User, fleet.id), checked=checked, data=data)
        count = len(session.exec(select(DemandLine.id).where(
            DemandLine.round_id == opened.id, DemandLine.member_id == member.id)).all())
    engine.dispose()
    assert count == FLEET_LINES, count
    return {"open_round": opened.id, "closed_round": closed.id, "run": run.id,
            "package": packages[0].id, "csv": csv_for_upload}


# --- HTTP ------------------------------------------------------------------------------------

class Browser:
    """A minimal signed-in client: one cookie jar, the bench's User-Agent."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={**self.headers(), **(headers or {})})
            response = conn.getresponse()
            text_ = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), text_
        finally:
            conn.close()

    def headers(self) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)
        return {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}

    def csrf(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        body = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
        status, _, page = self.request("POST", "/login", body,
                                       {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"sign-in of {email} answered {status}: {page[:300]}"

    def upload_csv(self, round_id: int, csv_text: str) -> str:
        """Upload a CSV for preview; returns the preview's path."""
        path = f"/demand/rounds/{round_id}/upload"
        token = self.csrf(path)
        boundary = "bench" + secrets.token_hex(8)
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f'filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n{csv_text}\r\n'
                f"--{boundary}--\r\n").encode()
        status, headers, page = self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 302, f"CSV upload answered {status}: {page[:300]}"
        location = headers.get("Location") or headers.get("location")
        return "/" + location.split("/", 3)[3] if location.startswith("http") else location


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving `target` (e.g. `consortium.web:create_app()`) on a free port."""

    def __init__(self, target: str, env: dict, workers: int, cwd: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
             target], env=env, cwd=cwd, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- load generators -------------------------------------------------------------------------

@dataclass
class Result:
    """One measured page."""

    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)


WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  io.write(string.format("BENCH non200=%d errors=%d requests=%d p50=%d p99=%d\\n",
    n, summary.errors.connect + summary.errors.read + summary.errors.write
       + summary.errors.timeout, summary.requests, latency:percentile(50),
    latency:percentile(99)))
end
"""


def run_wrk(url: str, headers: dict, connections: int, duration: float, script: Path) -> tuple:
    """(requests/s, p50 ms, p99 ms, errors, requests) from wrk."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration:g}s",
               "--timeout", "10s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"BENCH non200=(\d+) errors=(\d+) requests=(\d+) p50=(\d+) p99=(\d+)", out)
    non200, errors, requests, p50, p99 = (int(x) for x in m.groups())
    return rate, p50 / 1000, p99 / 1000, non200 + errors, requests


def run_python(url: str, headers: dict, connections: int, duration: float) -> tuple:
    """The same figures from a bounded Python load generator (`connections` threads, one
    request at a time each, for `duration` seconds)."""
    host, port, path = re.match(r"http://([^:/]+):(\d+)(/.*)", url).groups()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker():
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000

    return len(latencies) / elapsed, pct(50), pct(99), errors[0], len(latencies)


# --- the run ---------------------------------------------------------------------------------

def measure(name, port, path, headers, args, script) -> Result:
    url = f"http://127.0.0.1:{port}{path}"
    if args.tool == "wrk":
        run = lambda seconds: run_wrk(url, headers, args.connections, seconds, script)  # noqa: E731
    else:
        run = lambda seconds: run_python(url, headers, args.connections, seconds)  # noqa: E731
    run(args.warmup)
    rate, p50, p99, errors, requests = run(args.duration)
    return Result(name, rate, p50, p99, errors, requests)


def check_page(browser: Browser, path: str, expect: str, count: int = 1) -> None:
    status, _, page = browser.request("GET", path)
    assert status == 200, f"{path} answered {status}"
    assert page.count(expect) >= count, f"{path}: {expect!r} found {page.count(expect)} times"


def bench_database(label: str, url: str, args, script: Path) -> list[Result]:
    """Prepare the database, serve the app and the bare endpoint, measure every page."""
    folder = Path(tempfile.mkdtemp(prefix="consortium-bench-"))
    try:
        print(f"\n[{label}] preparing the data...", flush=True)
        ids = prepare_database(url, folder)
        from cryptography.fernet import Fernet
        env = {**os.environ, "CONSORTIUM_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "BID_SEALING_KEY": Fernet.generate_key().decode(), "DATABASE_URL": url, "CONSORTIUM_INSTANCE": str(folder), "REDIS_URL": ""}
        env.pop("REDIS_URL")
        app = Gunicorn("consortium.web:create_app()", env, args.workers, ROOT)
        bare = None
        try:
            users = {role: Browser(app.port) for role in DEMO_LOGINS}
            for role, (email, password) in DEMO_LOGINS.items():
                users[role].sign_in(email, password)
            preview = users["fleet"].upload_csv(ids["open_round"], ids["csv"])
            pages = [
                ("fleet round page (50 lines)", "fleet", f"/demand/rounds/{ids['open_round']}",
                 "/demand/lines/", FLEET_LINES),
                ("admin demand overview", "admin", f"/admin/rounds/{ids['open_round']}/demand",
                 "<code>LA-", 1),
                ("run results page", "admin", f"/admin/runs/{ids['run']}", "Tranches", 1),
                ("vendor package page", "vendor", f"/vendors/packages/{ids['package']}",
                 "Lots", 1),
                ("CSV preview (500 rows)", "fleet", preview, "500", 1),
            ]
            for _, role, path, expect, count in pages:
                check_page(users[role], path, expect, count)
            bare = Gunicorn("web:bare_app()", env, args.workers, ROOT / "bench")
            print(f"[{label}] measuring ({args.tool}, {args.connections} connections, "
                  f"{args.duration:g} s per page)...", flush=True)
            bare_runs = [measure("bare Flask endpoint", bare.port, "/", {"User-Agent": USER_AGENT},
                                 args, script)]
            results = []
            for name, role, path, _, _ in pages:
                results.append(measure(name, app.port, path, users[role].headers(), args, script))
            bare_runs.append(measure("bare Flask endpoint", bare.port, "/",
                                     {"User-Agent": USER_AGENT}, args, script))
        finally:
            app.stop()
            if bare is not None:
                bare.stop()
        base = Result("bare Flask endpoint (mean of before and after)",
                      sum(r.requests_per_s for r in bare_runs) / 2,
                      max(r.p50_ms for r in bare_runs), max(r.p99_ms for r in bare_runs),
                      sum(r.errors for r in bare_runs), sum(r.requests for r in bare_runs), 1.0)
        base.notes.append("before {:.0f}/s, after {:.0f}/s".format(
            bare_runs[0].requests_per_s, bare_runs[1].requests_per_s))
        for r in results:
            r.ratio = r.requests_per_s / base.requests_per_s
        return [base] + results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def verdict(r: Result) -> str:
    target = TARGETS.get(r.name)
    if target is None:
        return "" if r.errors == 0 else "FAIL (errors)"
    ratio, p99 = target
    ok = r.ratio >= ratio and r.p99_ms < p99 and r.errors == 0
    return f"{'met' if ok else 'MISSED'} (>= {ratio:.2f}, p99 < {p99:.0f} ms, 0 errors)"


def print_table(label: str, results: list[Result]) -> bool:
    print(f"\n{label}")
    print(f"{'page':<48} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'ratio':>6}  target")
    all_met = True
    for r in results:
        v = verdict(r)
        all_met &= not v.startswith(("MISSED", "FAIL"))
        print(f"{r.name:<48} {r.requests_per_s:>8.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} "
              f"{r.errors:>6} {r.ratio:>6.3f}  {v}")
    for r in results:
        for note in r.notes:
            print(f"  {r.name}: {note}")
    return all_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default=None,
                        help="comma-separated: sqlite,postgres (default: sqlite, plus postgres "
                             "when a PostgreSQL URL is given)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", ""),
                        help="PostgreSQL database to EMPTY and use (or BENCH_POSTGRES_URL)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per page")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed)")
    args = parser.parse_args()
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "python"
    databases = (args.databases.split(",") if args.databases
                 else ["sqlite"] + (["postgres"] if args.postgres_url else []))
    if "postgres" in databases and not args.postgres_url:
        parser.error("--postgres-url is needed for the PostgreSQL half")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "count.lua"
        script.write_text(WRK_SCRIPT)
        tables = []
        for db in databases:
            url = args.postgres_url if db == "postgres" else ""  # "": SQLite in the instance
            label = ("PostgreSQL" if db == "postgres" else "SQLite")
            tables.append((f"{label}: gunicorn {args.workers} sync workers, {args.connections} "
                           f"connections, {args.duration:g} s per page, {args.tool}",
                           bench_database(label, url, args, script)))
    all_met = True
    for label, results in tables:
        all_met &= print_table(label, results)
    print("\nEvery target met." if all_met else "\nSome targets were MISSED.")
    sys.exit(0 if all_met else 1)


if __name__ == "__main__":
    main()
