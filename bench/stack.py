"""A local deployment for benchmarks and the scale-out test: gunicorn web processes and
`consortium worker` processes on 127.0.0.1, plus a small HTTP client that signs in and posts
forms with their CSRF token. Only the standard library, so the benchmark needs nothing more.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
DEMO = {"admin": ("admin@consortium.example", "demo-admin-2027"),
        "fleet_manager": ("fleet@los-angeles.example", "demo-fleet-2027"),
        "vendor": ("sales@pacific.example", "demo-vendor-2027")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str) -> None:
    """Migrate the database at `url` and load the demo consortium when it is empty."""
    from consortium.db import make_engine, session_scope
    from consortium.migrate import upgrade
    from consortium.services.fixtures import database_is_empty, load_fixtures

    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            if database_is_empty(session):
                load_fixtures(session, FIXTURES)
    finally:
        engine.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One user's browser: a cookie jar, no automatic redirects, CSRF tokens from pages."""

    def __init__(self, base: str, timeout: float = 60.0):
        self.base, self.timeout = base.rstrip("/"), timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, method: str, path: str, data: bytes | None = None,
                headers: dict | None = None) -> Response:
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                return Response(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read(), dict(exc.headers))

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Response:
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_file(self, path: str, fields: dict, name: str, filename: str, content: bytes) -> Response:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                     + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    @staticmethod
    def csrf(page: Response) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        if not found:
            raise RuntimeError(f"no CSRF token in the page (HTTP {page.status})")
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf(self.get("/login"))
        resp = self.post("/login", {"csrf_token": token, "email": email, "password": password})
        if resp.status != 302:
            raise RuntimeError(f"sign-in of {email} failed: HTTP {resp.status}")


@dataclass
class Stack:
    """gunicorn web processes and job workers against one database (and Redis if given)."""

    database_url: str
    instance: Path
    redis_url: str = ""
    web_processes: int = 1
    gunicorn_workers: int = 2
    job_workers: int = 1
    ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen] = field(default_factory=list)
    worker_logs: list[Path] = field(default_factory=list)
    files: list = field(default_factory=list)

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
        if not getattr(self, "_sealing_key", None):  # one key for every process of the stack
            from cryptography.fernet import Fernet
            self._sealing_key = Fernet.generate_key().decode()
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
                   CONSORTIUM_ENV="production", SECRET_KEY=secrets.token_hex(32),
                   BID_SEALING_KEY=self._sealing_key,
                   CONSORTIUM_INSTANCE=str(self.instance), PYTHONUNBUFFERED="1")
        return env

    def start(self) -> "Stack":
        self.instance.mkdir(parents=True, exist_ok=True)
        env = self.env()
        for n in range(self.web_processes):
            port = free_port()
            self.ports.append(port)
            log = open(self.instance / f"web{n}.log", "wb")
            self.files.append(log)
            self.procs.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                 str(self.gunicorn_workers), "--timeout", "60", "consortium.web:create_app()"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
        for n in range(self.job_workers):
            path = self.instance / f"worker{n}.log"
            self.worker_logs.append(path)
            self.files.append(open(path, "wb"))
            self.procs.append(subprocess.Popen([str(BIN / "consortium"), "worker"], env=env,
                                               stdout=self.files[-1], stderr=subprocess.STDOUT))
        for port in self.ports:
            self._wait_ready(port)
        return self

    def _wait_ready(self, port: int, timeout: float = 240.0) -> None:
        # Generous: the first request imports the optimizer and PDF libraries, slow on a busy host.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                raise RuntimeError("a server process exited at start; see " + str(self.instance))
            try:
                if Client(f"http://127.0.0.1:{port}", timeout=30).get("/login").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn on port {port} did not answer within {timeout:.0f} s")

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for file in self.files:
            file.close()
        self.files.clear()

    def __enter__(self) -> "Stack":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
