"""`consortium demo` for real: gunicorn answers, the job worker runs beside it, and Ctrl+C
(SIGINT) stops every process it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

START_SECONDS = 180  # migrations and the demo data on a busy machine
STOP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_demo_serves_through_gunicorn_and_ctrl_c_stops_everything(tmp_path):
    port = _free_port()
    env = {**os.environ, "CONSORTIUM_INSTANCE": str(tmp_path), "DATABASE_URL": "",
           "REDIS_URL": "", "CONSORTIUM_ENV": "development", "SECRET_KEY": "",
           "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "demo.log", "w+")
    demo = subprocess.Popen([sys.executable, "-c", "from consortium.cli import main; main()",
                             "demo", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, body = time.monotonic() + START_SECONDS, ""
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        log.seek(0)
        output = log.read()
        assert "Sign in" in body, output
        children = _children(demo.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                    for pid in children if _alive(pid)]
        assert sum("consortium.serving" in c for c in commands) == 1, commands  # the job worker
        assert len(children) >= 3, commands  # and (at least) two gunicorn workers
        assert (tmp_path / "huey.db").exists()  # the embedded queue
        assert "development server" not in output.lower() and "Consortium is running" in output

        demo.send_signal(signal.SIGINT)
        demo.wait(STOP_SECONDS)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.2)
        assert not [pid for pid in children if _alive(pid)]
        log.seek(0)
        output = log.read()
        assert "Traceback" not in output, output
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        log.close()
