"""The frozen guard on published packages holds in every process, not only where publishing is
imported: a worker process that imports only the job module (or only the models) cannot change a
published file or version either."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from consortium.services import publishing

SCRIPT = textwrap.dedent("""
    import json, sys
    import {module}
    from sqlmodel import Session
    from consortium.db import make_engine
    from consortium.models import PackageFile, PackageVersion

    url, file_id, version_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    outcome = {{"publishing_imported": "consortium.services.publishing" in sys.modules}}
    engine = make_engine(url)
    for name, change in (
            ("file", lambda s: setattr(s.get(PackageFile, file_id), "content", b"tampered")),
            ("version", lambda s: setattr(s.get(PackageVersion, version_id), "change_note", "x")),
            ("delete", lambda s: s.delete(s.get(PackageFile, file_id)))):
        with Session(engine) as session:
            change(session)
            try:
                session.commit()
                outcome[name] = "changed"
            except Exception as exc:
                outcome[name] = type(exc).__name__
    engine.dispose()
    print(json.dumps(outcome))
""")


@pytest.mark.parametrize("module", ["consortium.jobs", "consortium.models"])
def test_a_process_without_the_publishing_service_cannot_change_a_published_package(
        session, published, database_url, module):
    version = publishing.latest_version(session, published["BEB-40"])
    file = publishing.files_of(session, version)[0]
    content = file.content
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(module=module), database_url,
                             str(file.id), str(version.id)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"publishing_imported": False, "file": "PublishedPackageIsFrozen",
                       "version": "PublishedPackageIsFrozen", "delete": "PublishedPackageIsFrozen"}
    session.expire_all()
    again = publishing.files_of(session, version)[0]
    assert again.content == content and again.id == file.id
