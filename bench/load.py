"""Load test: simulated users against gunicorn (2 workers) on 127.0.0.1, with a job worker.

    python bench/load.py                          # SQLite, 20 users, 60 s
    python bench/load.py --users 5 --duration 10  # shorter
    python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/bench \\
                         --redis-url redis://127.0.0.1:6379/5

It builds a fresh database (the demo consortium; its closed round solved, approved and
published so vendors have packages), starts gunicorn with 2 workers and one `consortium worker`
(the SQLite queue file without Redis, Redis otherwise), signs every user in (not timed), then for
`--duration` seconds each user repeats its role's actions with a short random pause:

- fleet managers (half the users, each of another city): view the round, edit a line, upload a
  3-line CSV and confirm it;
- admins (a quarter): browse rounds, demand, members and the audit log; start an optimizer run
  now and then (one in flight per admin) and follow its progress;
- vendors (the rest): list packages, open one, download its files.

It prints requests/s, p50/p95/p99 and errors per action and overall. An error is any status
other than the action's expected one (a 5xx, a refused form, a failed download). Traffic goes
only to 127.0.0.1 and stops at the deadline. A PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import DEMO, Client, Stack, prepare_database  # noqa: E402

FLEET_PASSWORD = "demo-fleet-2027"


class FormReader(HTMLParser):
    """The fields of every form in a page: {action: {name: value}} (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._form["fields"][a["name"]] = a.get("value", "y" if kind == "checkbox" else "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_with(page_text: str, field: str) -> dict:
    reader = FormReader()
    reader.feed(page_text)
    for form in reader.forms:
        if field in form["fields"]:
            return form["fields"]
    raise RuntimeError(f"no form with a {field!r} field")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.samples = {}

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                self.samples.setdefault(kind, detail)


class User(threading.Thread):
    def __init__(self, role: str, base: str, email: str, password: str, ids: dict, stats: Stats,
                 deadline: float, think: float, seed: int):
        super().__init__(daemon=True)
        self.role, self.client = role, Client(base)
        self.email, self.password, self.ids, self.stats = email, password, ids, stats
        self.deadline, self.think, self.random = deadline, think, random.Random(seed)
        self.run_id = None

    def timed(self, kind: str, call, expect=(200,)):
        started = time.perf_counter()
        try:
            resp = call()
            ok = resp.status in expect
            detail = f"HTTP {resp.status}"
        except Exception as exc:  # a timeout or a refused connection is an error of that action
            resp, ok, detail = None, False, repr(exc)
        self.stats.add(kind, time.perf_counter() - started, ok, detail)
        return resp if ok else None

    def run(self) -> None:
        actions = getattr(self, f"actions_{self.role}")()
        while time.monotonic() < self.deadline:
            self.random.choices(actions, weights=[w for w, _ in actions])[0][1]()
            time.sleep(self.random.uniform(0, 2 * self.think))

    # fleet managers --------------------------------------------------------------------------
    def actions_fleet(self):
        return [(4, self.fm_view), (3, self.fm_edit), (1, self.fm_upload)]

    def fm_view(self):
        self.timed("fm view round", lambda: self.client.get(f"/demand/rounds/{self.ids['open']}"))

    def fm_edit(self):
        if not self.ids["lines"]:
            return
        line = self.random.choice(self.ids["lines"])
        page = self.timed("fm edit line (form)", lambda: self.client.get(f"/demand/lines/{line}/edit"))
        if page is None:
            return
        fields = form_with(page.text, "quantity")
        fields["quantity"] = str(self.random.randint(1, 40))
        self.timed("fm edit line (save)",
                   lambda: self.client.post(f"/demand/lines/{line}/edit", fields), expect=(302,))

    def fm_upload(self):
        round_id = self.ids["open"]
        page = self.timed("fm upload (form)", lambda: self.client.get(f"/demand/rounds/{round_id}/upload"))
        if page is None:
            return
        token = Client.csrf(page)
        sent = self.timed("fm upload (check)", lambda: self.client.post_file(
            f"/demand/rounds/{round_id}/upload", {"csrf_token": token}, "file", "lines.csv",
            self.ids["csv"]), expect=(302,))
        if sent is None:
            return
        preview = self.timed("fm upload (preview)", lambda: self.client.get(sent.headers["Location"]))
        if preview is None:
            return
        fields = form_with(preview.text, "token")
        self.timed("fm upload (confirm)", lambda: self.client.post(
            f"/demand/rounds/{round_id}/upload/confirm", fields), expect=(302,))

    # admins ----------------------------------------------------------------------------------
    def actions_admin(self):
        return [(6, self.admin_browse), (1, self.admin_run)]

    def admin_browse(self):
        path, kind = self.random.choice([
            ("/admin/rounds", "admin rounds"), ("/admin/audit", "admin audit log"),
            (f"/admin/rounds/{self.ids['open']}/demand", "admin round demand"),
            ("/admin/members", "admin members"), (f"/admin/rounds/{self.ids['closed']}/runs",
                                                  "admin runs")])
        self.timed(kind, lambda: self.client.get(path))

    def admin_run(self):
        if self.run_id is not None:
            resp = self.timed("admin run progress",
                              lambda: self.client.get(f"/admin/runs/{self.run_id}/progress"))
            if resp is not None and not re.search(r"queued|running", resp.text, re.I):
                self.run_id = None
            return
        path = f"/admin/rounds/{self.ids['closed']}/runs"
        page = self.timed("admin runs", lambda: self.client.get(path))
        if page is None:
            return
        fields = form_with(page.text, "time_limit")
        fields.update(time_limit="20", note="load test")
        resp = self.timed("admin start run", lambda: self.client.post(path, fields), expect=(302,))
        if resp is not None:
            self.run_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    # vendors ---------------------------------------------------------------------------------
    def actions_vendor(self):
        return [(2, self.vendor_list), (2, self.vendor_package), (3, self.vendor_download)]

    def vendor_list(self):
        self.timed("vendor packages", lambda: self.client.get("/vendors/packages"))

    def vendor_package(self):
        package = self.random.choice(self.ids["packages"])
        self.timed("vendor package", lambda: self.client.get(f"/vendors/packages/{package}"))

    def vendor_download(self):
        file_id = self.random.choice(self.ids["files"])
        self.timed("vendor download", lambda: self.client.get(f"/vendors/files/{file_id}"))


def publish_closed_round(url: str) -> None:
    """Solve the demo's closed round, approve the plan and publish its bid packages."""
    from datetime import timedelta

    from sqlmodel import select

    from consortium.config import Settings
    from consortium.db import make_engine, session_scope, utcnow
    from consortium.models import Round, User as UserRow
    from consortium.services import publishing
    from consortium.services.publishing_inputs import consortium_info
    from consortium.services.runs import approve_run, create_run, execute_run

    engine = make_engine(url)
    try:
        with session_scope(engine) as s:  # each block is one unit of work, committed at its end
            if publishing_done(s):
                return
            round_ = s.exec(select(Round).where(Round.status == "closed")).first()
            admin = s.exec(select(UserRow).where(UserRow.email == DEMO["admin"][0])).one()
            run = create_run(s, round_, admin, time_limit=60, gap=1e-4)
        if execute_run(engine, run.id) != "succeeded":
            raise RuntimeError("the demo round's optimizer run failed")
        with session_scope(engine) as s:
            from consortium.models import Run
            run, admin = s.get(Run, run.id), s.get(UserRow, admin.id)
            approve_run(s, run, admin)
            publishing.publish_round(s, run, admin, bid_deadline=utcnow() + timedelta(days=30),
                                     questions_deadline=utcnow() + timedelta(days=21),
                                     consortium=consortium_info(Settings.from_env()))
    finally:
        engine.dispose()


def publishing_done(session) -> bool:
    from sqlmodel import select

    from consortium.models import BidPackage
    return session.exec(select(BidPackage)).first() is not None


def discover(stack: Stack, url: str) -> dict:
    """Ids the users need: rounds, each fleet manager's lines, packages, files, a CSV to upload."""
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p).all()  # noqa: E731
        ids = {"open": q("SELECT id FROM round WHERE status = 'open'")[0][0],
               "closed": q("SELECT id FROM round WHERE status = 'closed'")[0][0],
               "packages": [r[0] for r in q("SELECT id FROM bidpackage")],
               "files": [r[0] for r in q("SELECT id FROM packagefile")]}
        ids["lines_by_email"] = defaultdict(list)
        for email, line in q("SELECT u.email, d.id FROM demandline d JOIN \"user\" u "
                             "ON u.member_id = d.member_id AND u.role = 'fleet_manager' "
                             "WHERE d.round_id = :r", r=ids["open"]):
            ids["lines_by_email"][email].append(line)
        fleet = [r[0] for r in q("SELECT email FROM \"user\" WHERE role = 'fleet_manager' "
                                 "ORDER BY id")]
    engine.dispose()
    client = Client(stack.urls[0])
    client.login(*DEMO["fleet_manager"])
    text = client.get(f"/demand/rounds/{ids['open']}/lines.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    ref = [c.strip().casefold() for c in rows[0]].index("ref")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for row in rows[1:4]:  # three lines as exported, refs blanked so new ones are allocated
        writer.writerow(row[:ref] + [""] + row[ref + 1:])
    ids["csv"] = out.getvalue().encode()
    ids["fleet"] = fleet
    if not ids["packages"] or not ids["files"]:
        raise RuntimeError("nothing is published; vendors would have nothing to download")
    return ids


def report(stats: Stats, seconds: float) -> int:
    rows, all_times, all_errors = [], [], 0
    for kind in sorted(stats.times):
        t = sorted(stats.times[kind])
        all_times += t
        all_errors += stats.errors[kind]
        rows.append((kind, t, stats.errors[kind]))
    rows.append(("OVERALL", sorted(all_times), all_errors))

    def pct(t, p):
        return t[min(len(t) - 1, int(round(p / 100 * (len(t) - 1))))] * 1000

    print(f"\n{'action':<24}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'errors':>8}")
    for kind, t, errors in rows:
        print(f"{kind:<24}{len(t):>9}{len(t) / seconds:>8.1f}{pct(t, 50):>9.0f}{pct(t, 95):>9.0f}"
              f"{pct(t, 99):>9.0f}{errors:>8}")
    for kind, detail in stats.samples.items():
        print(f"  first error of {kind}: {detail}")
    return all_errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause between a user's actions, seconds")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--redis-url", default="", help="Redis for the job queue (with PostgreSQL)")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200 or not 1 <= args.duration <= 3600:
        parser.error("--users must be 1..200 and --duration 1..3600 seconds")
    folder = Path(tempfile.mkdtemp(prefix="consortium-load-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("postgresql"):
        import sqlalchemy as sa
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    print(f"Preparing {url.split('@')[-1]} (demo consortium, closed round published) ...")
    prepare_database(url)
    publish_closed_round(url)
    stats = Stats()
    with Stack(url, folder / "instance", redis_url=args.redis_url,
               gunicorn_workers=args.gunicorn_workers, job_workers=1) as stack:
        ids = discover(stack, url)
        n_fleet, n_admin = max(1, args.users // 2), max(1, args.users // 4)
        users, seed = [], 0
        for n in range(args.users):
            seed += 1
            if n < n_fleet:
                email = ids["fleet"][n % len(ids["fleet"])]
                role, password = "fleet", FLEET_PASSWORD
            elif n < n_fleet + n_admin:
                role, (email, password) = "admin", DEMO["admin"]
            else:
                role, (email, password) = "vendor", DEMO["vendor"]
            users.append(User(role, stack.urls[0], email, password,
                              dict(ids, lines=ids["lines_by_email"].get(email, [])), stats,
                              0, args.think, seed))
        print(f"Signing in {len(users)} users ({n_fleet} fleet managers, {n_admin} admins, "
              f"{len(users) - n_fleet - n_admin} vendors) ...")
        for user in users:
            user.client.login(user.email, user.password)
        queue = "Redis + separate worker" if args.redis_url else "SQLite queue + worker"
        print(f"Load: {args.users} users for {args.duration:g} s against gunicorn "
              f"({args.gunicorn_workers} workers), {queue} ...")
        started = time.monotonic()
        for user in users:
            user.deadline = started + args.duration
            user.start()
        for user in users:
            user.join(args.duration + 120)
        elapsed = time.monotonic() - started
    errors = report(stats, elapsed)
    print(f"\n{elapsed:.1f} s measured; {'no errors' if not errors else f'{errors} errors'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
