"""Take the README's screenshots with headless Debian Chromium: `python -m tests.e2e.screenshots`.

Starts the app on a fresh database with the demo consortium loaded (or uses `--url` of a running
`consortium demo`), signs in with the demo logins and writes docs/screenshots/*.png. Exits
non-zero if any page logs a Content Security Policy violation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import Session

from consortium.cli import FIXTURES
from consortium.services.fixtures import demo_logins, load_fixtures
from tests.e2e.live_server import LiveServer, launch_options, live_app, serving

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
# (file name, role to sign in as or None, path)
SHOTS = [
    ("sign-in.png", None, "/login"),
    ("admin-home.png", "admin", "/"),
    ("fleet-manager-home.png", "fleet_manager", "/"),
]


def _demo_server(folder: Path):
    app = live_app(folder)
    with Session(app.extensions["consortium.engine"]) as session:
        load_fixtures(session, FIXTURES / "demo")
    return serving(app)


def take(url: str, out: Path = OUT) -> list[str]:
    """Write the screenshots of the app at `url`; return the CSP violations seen."""
    out.mkdir(parents=True, exist_ok=True)
    logins = {role: (email, password) for role, email, password in demo_logins(FIXTURES / "demo")}
    violations: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())
        for name, role, path in SHOTS:
            context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800},
                                          color_scheme="light")
            page = context.new_page()
            page.on("console", lambda msg: violations.append(msg.text)
                    if "Content Security Policy" in msg.text else None)
            if role:
                email, password = logins[role]
                page.goto("/login")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{url}/")
            page.goto(path)
            page.screenshot(path=str(out / name), full_page=False)
            print(f"wrote {out / name} ({(out / name).stat().st_size // 1024} KB)")
            context.close()
        browser.close()
    return violations


def main() -> None:
    """Command line: take the screenshots, from `--url` or a fresh demo server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="base URL of a running `consortium demo` (default: start one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = nullcontext(LiveServer(url=args.url.rstrip("/"), app=None)) if args.url \
            else _demo_server(Path(tmp))
        with server as live:
            violations = take(live.url)
    if violations:
        sys.exit("CSP violations:\n" + "\n".join(violations))


if __name__ == "__main__":
    main()
