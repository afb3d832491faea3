"""Take the README's screenshots with headless Debian Chromium: `python -m tests.e2e.screenshots`.

Starts the app on a fresh database with the demo consortium loaded, solves and publishes its
closed round, signs in with the demo logins and writes docs/screenshots/*.png. Exits non-zero
if any page logs a Content Security Policy violation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import Session

from consortium.cli import FIXTURES
from consortium.db import commit
from consortium.services.fixtures import demo_logins, load_fixtures
from tests.e2e.live_server import launch_options, live_app, serving

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
# (file name, role to sign in as or None, path, window height[, window width]); {run},
# {open_round}, {closed_round} and {package} are the ids that _demo_server creates. The README
# shows the first six; docs/guide.md shows them all.
SHOTS = [
    ("sign-in.png", None, "/login", 800),
    ("admin-home.png", "admin", "/", 800),
    ("fleet-manager-home.png", "fleet_manager", "/", 800),
    ("demand-line.png", "fleet_manager", "/demand/rounds/{open_round}/lines/new", 1000),
    ("run.png", "admin", "/admin/runs/{run}", 1300),
    ("vendor-package.png", "vendor", "/vendors/packages/{package}", 900),
    ("vendor-register.png", None, "/vendors/register", 900),
    ("demand-round.png", "fleet_manager", "/demand/rounds/{open_round}", 900),
    ("demand-upload.png", "fleet_manager", "/demand/rounds/{open_round}/upload", 800),
    ("results.png", "fleet_manager", "/results/rounds/{closed_round}", 900),
    ("demand-round-phone.png", "fleet_manager", "/demand/rounds/{open_round}", 800, 375),
    ("admin-rounds.png", "admin", "/admin/rounds", 700),
    ("admin-round-demand.png", "admin", "/admin/rounds/{open_round}/demand", 1000),
    ("admin-package.png", "admin", "/admin/packages/{package}", 900),
    ("vendor-packages.png", "vendor", "/vendors/packages", 600),
]
# The PNGs are committed: quantized to a 256-colour palette they stay well under 150 KB.
PALETTE_COLOURS = 256


def _demo_server(folder: Path):
    """The demo consortium, with the closed round solved, its plan approved and published."""
    from datetime import timedelta

    from sqlmodel import select

    from consortium.db import utcnow
    from consortium.models import Round, User
    from consortium.services import publishing, runs

    app = live_app(folder)
    engine = app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        load_fixtures(session, FIXTURES / "demo")
        commit(session)
        closed = session.exec(select(Round).where(Round.status == "closed")).first()
        opened = session.exec(select(Round).where(Round.status == "open")).first()
        admin = session.exec(select(User).where(User.role == "admin")).first()
        run = runs.create_run(session, closed, admin, note="screenshots")
        commit(session)
    runs.execute_run(engine, run.id)
    with Session(engine, expire_on_commit=False) as session:
        run = session.get(type(run), run.id)
        runs.approve_run(session, run, admin)
        commit(session)
        now = utcnow().replace(second=0, microsecond=0)
        packages = publishing.publish_round(session, run, admin,
                                            bid_deadline=now + timedelta(days=30),
                                            questions_deadline=now + timedelta(days=21))
        commit(session)
    ids = {"run": run.id, "open_round": opened.id, "closed_round": closed.id,
           "package": packages[0].id}
    return serving(app), ids


def take(url: str, ids: dict, out: Path = OUT) -> list[str]:
    """Write the screenshots of the app at `url`; return the CSP violations seen."""
    out.mkdir(parents=True, exist_ok=True)
    logins = {role: (email, password) for role, email, password in demo_logins(FIXTURES / "demo")}
    violations: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())
        for name, role, path, height, *width in SHOTS:
            viewport = {"width": width[0] if width else 1280, "height": height}
            context = browser.new_context(base_url=url, viewport=viewport,
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
            page.goto(path.format(**ids))
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / name))
            _shrink(out / name)
            print(f"wrote {out / name} ({(out / name).stat().st_size // 1024} KB)")
            context.close()
        browser.close()
    return violations


def _shrink(path: Path) -> None:
    """Rewrite the PNG with an adaptive palette (screenshots of flat UI lose nothing visible)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=PALETTE_COLOURS,
                                              method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main() -> None:
    """Command line: take the screenshots, from `--url` or a fresh demo server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, ids = _demo_server(Path(tmp))
        with server as live:
            violations = take(live.url, ids, args.out)
    if violations:
        sys.exit("CSP violations:\n" + "\n".join(violations))


if __name__ == "__main__":
    main()
