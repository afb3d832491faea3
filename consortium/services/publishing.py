"""Publishing bid packages: preview, publish a round's approved plan, addenda, downloads.

A published version and its files are frozen: the guard registered with the models
(consortium.models.packages) refuses any update or delete of BidPackage, PackageVersion,
PackageFile and Download rows, in every process.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium import policy
from consortium.db import utcnow
from consortium.models import (BidPackage, Download, PackageFile, PackageVersion, Product, Round,
                               Run, User)
from consortium.models.packages import PublishedPackageIsFrozen  # noqa: F401 (re-exported)
from consortium.models.status import RunStatus
from consortium.models.types import as_utc
from consortium.publish.build import FILE_ORDER, MEDIA_TYPES, BuiltPackage, build_package
from consortium.publish.inputs import AmendmentInfo, ConsortiumInfo
from consortium.publish.validate import InvalidPackage
from consortium.services import audit, bids, notifications
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.publishing_inputs import package_inputs


class PublishError(ServiceError):
    """Publishing refused; `errors` lists every OCDS validation problem, if that was why."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []




def _now() -> datetime:
    return utcnow().replace(microsecond=0)


def check_deadlines(bid_deadline: datetime, questions_deadline: datetime, now: datetime) -> None:
    """Both deadlines in the future, questions before bids."""
    bid, questions = as_utc(bid_deadline), as_utc(questions_deadline)
    if bid <= now:
        raise PublishError("The bid deadline must be in the future.")
    if questions <= now:
        raise PublishError("The questions deadline must be in the future.")
    if questions >= bid:
        raise PublishError("The questions deadline must come before the bid deadline.")


def approved_run(session: Session, round_: Round) -> Run:
    """The round's approved, succeeded run with a plan, or a PublishError saying what is missing."""
    if not round_.approved_run_id:
        raise PublishError(f"Round {round_.name} has no approved plan yet; approve a run first.")
    run = session.get(Run, round_.approved_run_id)
    if run is None or run.round_id != round_.id or run.status != RunStatus.SUCCEEDED or not run.plan:
        raise PublishError(f"The approved run of round {round_.name} has no usable plan.")
    return run


@contextmanager
def _first_writer(session: Session, message: str):
    """Turn a unique-constraint race (two admins publishing at once) into a clear refusal."""
    try:
        yield
    except IntegrityError as exc:
        session.rollback()  # the failed flush leaves the session unusable until rolled back
        raise PublishError(message) from exc


def _build_all(inputs) -> list[BuiltPackage]:
    built, errors = [], []
    for pkg in inputs:
        try:
            built.append(build_package(pkg))
        except InvalidPackage as exc:
            errors += [f"{pkg.product.code}: {e}" for e in exc.errors]
    if errors:
        raise PublishError("The OCDS output does not validate, so nothing was published.", errors)
    return built


def preview(session: Session, round_: Round, *, bid_deadline: datetime,
            questions_deadline: datetime, product_code: str | None = None,
            consortium: ConsortiumInfo | None = None) -> list[BuiltPackage]:
    """Build (and validate) every package of the round's approved plan without saving anything."""
    run = approved_run(session, round_)
    now = _now()
    check_deadlines(bid_deadline, questions_deadline, now)
    inputs = package_inputs(session, round_, run, bid_deadline=as_utc(bid_deadline),
                            questions_deadline=as_utc(questions_deadline), published_at=now,
                            product_codes=[product_code] if product_code else None,
                            consortium=consortium)
    return _build_all(inputs)


def _store_version(session: Session, package: BidPackage, built: BuiltPackage, run: Run,
                   user: User | None) -> PackageVersion:
    pkg = built.input
    version = PackageVersion(
        package_id=package.id, number=pkg.version, run_id=run.id, change_note=pkg.change_note,
        bid_deadline=pkg.bid_deadline, questions_deadline=pkg.questions_deadline,
        published_at=pkg.published_at, published_by_id=user.id if user else None,
        manifest_sha256=built.manifest_sha256)
    session.add(version)
    session.flush()
    for name in FILE_ORDER:
        content = built.files[name]
        session.add(PackageFile(version_id=version.id, name=name, media_type=MEDIA_TYPES[name],
                                size=len(content), sha256=built.sha256(name), content=content))
    return version


def _store_package(session: Session, round_: Round, run: Run, built: BuiltPackage,
                   user: User | None, now: datetime) -> BidPackage:
    pkg = built.input
    product = session.exec(select(Product).where(Product.code == pkg.product.code)).one()
    package = BidPackage(round_id=round_.id, product_id=product.id, reference=pkg.ocid,
                         title=pkg.title[:300], created_at=now)
    session.add(package)
    session.flush()
    version = _store_version(session, package, built, run, user)
    audit.record(session, user=user, action="publish", entity="bidpackage", entity_id=package.id,
                 round_id=round_.id, summary=f"published {package.reference} version 0",
                 after={"reference": package.reference, "run_id": run.id, "lots": len(pkg.lots),
                        "units": pkg.total_units, "manifest_sha256": version.manifest_sha256})
    return package


def is_published(session: Session, round_id: int) -> bool:
    """Whether any bid package of the round has been published."""
    query = select(BidPackage.id).where(BidPackage.round_id == round_id)
    return session.exec(query).first() is not None


def publish_round(session: Session, run: Run, user: User | None, *, bid_deadline: datetime,
                  questions_deadline: datetime,
                  consortium: ConsortiumInfo | None = None) -> list[BidPackage]:
    """Publish one package per product of the round's approved plan (version 0), all or nothing."""
    round_ = session.get(Round, run.round_id)
    if approved_run(session, round_).id != run.id:
        raise PublishError(f"Run {run.id} is not the approved run of round {round_.name}; "
                           "only the approved plan can be published.")
    if is_published(session, round_.id):
        raise PublishError(f"Round {round_.name} is already published; publish an addendum to "
                           "correct a package.")
    now = _now()
    check_deadlines(bid_deadline, questions_deadline, now)
    inputs = package_inputs(session, round_, run, bid_deadline=as_utc(bid_deadline),
                            questions_deadline=as_utc(questions_deadline), published_at=now,
                            consortium=consortium)
    built_all = _build_all(inputs)
    with _first_writer(session, f"Round {round_.name} was published by someone else just now; "
                                "reload the page."):
        packages = [_store_package(session, round_, run, built, user, now) for built in built_all]
        notifications.package_published(session, round_, packages)
        session.flush()
    return packages


def versions(session: Session, package: BidPackage) -> list[PackageVersion]:
    """The package's versions, oldest first."""
    return list(session.exec(select(PackageVersion).where(PackageVersion.package_id == package.id)
                             .order_by(PackageVersion.number)).all())


def latest_version(session: Session, package: BidPackage) -> PackageVersion | None:
    """The newest version (the one vendors must bid on)."""
    return session.exec(select(PackageVersion).where(PackageVersion.package_id == package.id)
                        .order_by(PackageVersion.number.desc())).first()


def files_of(session: Session, version: PackageVersion) -> list[PackageFile]:
    """The files of one version, in the package's usual order."""
    rows = session.exec(select(PackageFile).where(PackageFile.version_id == version.id)).all()
    order = {name: n for n, name in enumerate(FILE_ORDER)}
    return sorted(rows, key=lambda f: (order.get(f.name, 99), f.name))


def publish_addendum(session: Session, package: BidPackage, user: User | None, *, change_note: str,
                     bid_deadline: datetime | None = None,
                     questions_deadline: datetime | None = None,
                     run: Run | None = None,
                     consortium: ConsortiumInfo | None = None) -> PackageVersion:
    """Publish version N+1 of `package` with a change note; earlier versions stay as they are.

    The content comes from `run` (default: the round's approved run, which may be a newer plan).
    The bid deadline may move later, never earlier. Sealed bids made against an earlier version
    must then be re-confirmed (services.bids); their vendors are told, with the downloaders.
    """
    change_note = (change_note or "").strip()
    if not change_note:
        raise PublishError("An addendum needs a change note that says what changed.")
    previous = versions(session, package)
    if not previous:
        raise PublishError("This package has not been published yet.")
    latest = previous[-1]
    round_ = session.get(Round, package.round_id)
    run = run or approved_run(session, round_)
    if run.round_id != round_.id or run.status != RunStatus.SUCCEEDED or not run.plan:
        raise PublishError(f"Run {run.id} is not a succeeded run of round {round_.name}.")
    bid = as_utc(bid_deadline or latest.bid_deadline)
    questions = as_utc(questions_deadline or latest.questions_deadline)
    if bid < as_utc(latest.bid_deadline):
        raise PublishError(f"An addendum may extend the bid deadline "
                           f"({as_utc(latest.bid_deadline):%Y-%m-%d %H:%M} UTC), never shorten it: "
                           "vendors plan their bids on it.")
    now = _now()
    check_deadlines(bid, questions, now)
    number = latest.number + 1
    amendments = tuple(AmendmentInfo(v.number, as_utc(v.published_at), v.change_note)
                       for v in previous if v.number > 0)
    amendments += (AmendmentInfo(number, now, change_note),)
    product = session.get(Product, package.product_id)
    [pkg] = package_inputs(session, round_, run, bid_deadline=bid, questions_deadline=questions,
                           published_at=now, product_codes=[product.code], version=number,
                           change_note=change_note, amendments=amendments,
                           consortium=consortium)
    if pkg.ocid != package.reference:
        raise PublishError("The package reference would change; publish a new round instead.")
    [built] = _build_all([pkg])
    with _first_writer(session, f"Addendum {number} of {package.reference} was published by "
                                "someone else just now; reload the page."):
        version = _store_version(session, package, built, run, user)
        audit.record(session, user=user, action="addendum", entity="bidpackage",
                     entity_id=package.id, round_id=round_.id,
                     summary=f"published addendum {number} of {package.reference}",
                     after={"version": number, "change_note": change_note, "run_id": run.id,
                            "manifest_sha256": version.manifest_sha256})
        bids.require_reconfirmation(session, package, version)
        notifications.addendum_published(session, package, version, previous=latest)
        session.flush()
    return version


def record_download(session: Session, user: User, file: PackageFile) -> Download:
    """Log an approved vendor's download of a published file (who, which file and version, when)."""
    if not user.is_vendor or user.vendor_id is None:
        raise NotAllowed("Only registered vendors download bid packages.")
    vendor = policy.approved_vendor(session, user)
    if vendor is None:
        raise NotAllowed("Your company's registration has not been approved yet; documents can be "
                         "downloaded once a consortium admin approves it.")
    download = Download(user_id=user.id, vendor_id=vendor.id, file_id=file.id,
                        version_id=file.version_id, at=utcnow())
    session.add(download)
    session.flush()
    return download

