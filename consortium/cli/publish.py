"""`consortium publish` and `consortium export-packages`: publishing from the command line."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from consortium.cli.context import CliContext, pass_context
from consortium.models.types import as_utc

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _utc(value: datetime | None, default_days: int) -> datetime:
    if value is None:
        day = datetime.now(timezone.utc).replace(hour=17, minute=0, second=0, microsecond=0)
        return day + timedelta(days=default_days)
    if value.hour == 0 and value.minute == 0:
        value = value.replace(hour=17)  # a bare date means the end of that business day
    return as_utc(value)


@click.command("publish")
@click.argument("run_id", type=int)
@click.option("--bid-deadline", type=click.DateTime(DATE_FORMATS),
              help="Bid deadline in UTC (a date means 17:00). Default: 30 days ahead.")
@click.option("--questions-deadline", type=click.DateTime(DATE_FORMATS),
              help="Questions deadline in UTC (a date means 17:00). Default: 21 days ahead.")
@pass_context
def publish_command(context: CliContext, run_id: int, bid_deadline, questions_deadline):
    """Publish the bid packages of RUN_ID, which must be its round's approved run."""
    from consortium.models import Run
    from consortium.services import publishing
    from consortium.services.errors import ServiceError
    from consortium.services.publishing_inputs import consortium_info

    with context.session_scope() as session:
        run = session.get(Run, run_id)
        if run is None:
            raise click.ClickException(f"There is no run {run_id}.")
        try:
            packages = publishing.publish_round(session, run, None,
                                                bid_deadline=_utc(bid_deadline, 30),
                                                questions_deadline=_utc(questions_deadline, 21),
                                                consortium=consortium_info(context.settings))
        except publishing.PublishError as exc:
            raise click.ClickException("\n".join([str(exc), *exc.errors])) from exc
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        for package in packages:
            version = publishing.latest_version(session, package)
            click.echo(f"Published {package.reference} version 0 "
                       f"(manifest {version.manifest_sha256})")


@click.command("export-packages")
@click.argument("round_slug")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write into.")
@pass_context
def export_packages_command(context: CliContext, round_slug: str, output: Path):
    """Write every published version's files to OUTPUT/<reference>/v<N>/, checking each hash."""
    from sqlmodel import select

    from consortium.models import BidPackage, Round
    from consortium.publish.bundle import sha256
    from consortium.services import publishing

    with context.session_scope() as session:
        round_ = session.exec(select(Round).where(Round.slug == round_slug)).first()
        if round_ is None:
            raise click.ClickException(f"There is no round with the slug {round_slug!r}.")
        packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)
                                .order_by(BidPackage.reference)).all()
        if not packages:
            raise click.ClickException(f"Round {round_.name} has no published package.")
        count = 0
        for package in packages:
            for version in publishing.versions(session, package):
                folder = output / package.reference / f"v{version.number}"
                folder.mkdir(parents=True, exist_ok=True)
                for file in publishing.files_of(session, version):
                    if sha256(file.content) != file.sha256:
                        raise click.ClickException(
                            f"{package.reference} v{version.number} {file.name}: the stored "
                            "content does not match its SHA-256; the database may be damaged.")
                    (folder / file.name).write_bytes(file.content)
                    count += 1
        click.echo(f"Wrote {count} files of {len(packages)} package(s) to {output}")
