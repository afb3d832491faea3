"""Notifications: one function per event, the in-app list, and each user's opt-outs.

An event writes a `Notification` (the in-app list) and an `OutboxMessage` (the email) per
recipient, in the caller's transaction. Nothing is sent here: once the transaction commits, the
web request (or the job) hands the new outbox ids to the job queue (`take_committed`), which
sends them by SMTP (services.mailer). Links are paths inside the app; the email adds PUBLIC_URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import event, exists, func, update
from sqlmodel import Session, select

from consortium import policy
from consortium.db import plain_rows, utcnow
from consortium.models import (
    Bid,
    BidPackage,
    BidStatus,
    BidVersion,
    DeadlineReminder,
    DemandLine,
    Download,
    Member,
    Notification,
    NotificationOptOut,
    OutboxMessage,
    PackageVersion,
    Round,
    User,
    Vendor,
)
from consortium.models.status import RoundStatus, VendorStatus
from consortium.models.types import as_utc

# Kinds a user may turn off, with the label of the preferences page.
OPTIONAL_KINDS = {
    "vendor_decision": "My company's vendor registration is approved or rejected",
    "round_opened": "A procurement round opens for demand",
    "round_deadline": "A round's deadline is 7 days or 1 day away and we have entered no demand",
    "round_closed": "A round closes",
    "plan_approved": "A round's plan is approved (your results are ready)",
    "package_published": "Bid packages are published",
    "addendum_published": "An addendum is published to a package we downloaded or bid on",
    "bids_opened": "The bids of a package we bid on are opened",
    "question_answered": "A vendor's question on a bid package is answered (published to all)",
    "award_published": "An award is published (lots won and lost; our contracts are ready)",
}
# Who can receive each optional kind (the preferences page shows only a role's own kinds).
ROLE_KINDS = {
    "admin": (),
    "fleet_manager": ("round_opened", "round_deadline", "round_closed", "plan_approved",
                      "award_published"),
    "vendor": ("vendor_decision", "package_published", "addendum_published", "question_answered",
               "bids_opened", "award_published"),
}
# Security messages cannot be turned off.
# A bid's receipt is the vendor's record of what it submitted: never turned off either.
ALWAYS_KINDS = ("account_created", "password_reset", "password_changed", "bid_receipt")
REMINDER_DAYS = (7, 1)

_PENDING = "consortium.outbox.pending"
_COMMITTED = "consortium.outbox.committed"


# --- writing notifications ---------------------------------------------------------------------

def _opted_out_ids(session: Session, kind: str, user_ids: list[int]) -> set[int]:
    if kind in ALWAYS_KINDS or not user_ids:
        return set()
    return set(session.exec(select(NotificationOptOut.user_id).where(
        NotificationOptOut.kind == kind, NotificationOptOut.user_id.in_(user_ids))).all())


def notify(session: Session, users: Iterable[User], *, kind: str, subject: str, body: str,
           link: str = "", in_app: bool = True) -> int:
    """Write the in-app notification and the email of `kind` for each active user not opted out.

    Returns how many users were notified. The emails are queued once the caller commits.
    """
    if kind not in OPTIONAL_KINDS and kind not in ALWAYS_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = [u for u in users if u.active]
    skip = _opted_out_ids(session, kind, [u.id for u in users])
    messages = []
    for user in users:
        if user.id in skip:
            continue
        if in_app:
            session.add(Notification(user_id=user.id, kind=kind, subject=subject[:200], body=body,
                                     link=link))
        message = OutboxMessage(user_id=user.id, kind=kind, to=user.email, subject=subject[:200],
                                body=body, link=link)
        session.add(message)
        messages.append(message)
    if messages:
        session.flush()
        session.info.setdefault(_PENDING, []).extend(m.id for m in messages)
    return len(messages)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop(_PENDING, None)


def take_committed(session: Session) -> list[int]:
    """The ids of outbox messages this session has committed since the last call (for the queue)."""
    return session.info.pop(_COMMITTED, [])


# --- recipients ----------------------------------------------------------------------------------

def _fleet_managers():
    return (select(User).join(Member, Member.id == User.member_id)
            .where(User.role == "fleet_manager", User.active.is_(True), Member.active.is_(True))
            .order_by(User.id))


def _vendor_users(*where):
    return (select(User).join(Vendor, Vendor.id == User.vendor_id)
            .where(User.role == "vendor", User.active.is_(True), *where).order_by(User.id))


def _deadline(round_: Round) -> str:
    return f"{round_.deadline:%Y-%m-%d %H:%M} UTC"


# --- events --------------------------------------------------------------------------------------

def vendor_decided(session: Session, vendor: Vendor) -> int:
    """The vendor's users learn that its registration was approved or rejected."""
    users = session.exec(_vendor_users(User.vendor_id == vendor.id)).all()
    if vendor.status == VendorStatus.APPROVED:
        return notify(session, users, kind="vendor_decision", link="/vendors/packages",
                      subject=f"{vendor.name} is approved as a vendor",
                      body="A consortium admin approved your company's registration. You can now "
                           "download published bid packages.")
    return notify(session, users, kind="vendor_decision", link="/",
                  subject=f"{vendor.name}'s vendor registration was not approved",
                  body="A consortium admin rejected your company's registration. If you think "
                       "this is a mistake, write to the consortium.")


def account_created(session: Session, user: User, *, temporary_password: bool) -> int:
    """A new account's sign-in details: where and how to sign in (never the password itself)."""
    how = ("Your admin gives you a temporary password; you will be asked to choose your own at "
           "your first sign-in." if temporary_password else "Sign in with the password you chose.")
    return notify(session, [user], kind="account_created", link="/login", in_app=False,
                  subject="Your Consortium account",
                  body=f"An account was created for you. Sign in with your email address "
                       f"{user.email}. {how} If you have no password, use \"Forgot your "
                       f"password?\" on the sign-in page.")


def round_opened(session: Session, round_: Round) -> int:
    """Fleet managers learn that a round is open for demand."""
    return notify(session, session.exec(_fleet_managers()).all(), kind="round_opened",
                  link=f"/demand/rounds/{round_.id}",
                  subject=f"Round {round_.name} is open for demand",
                  body=f"Enter your demand for {round_.name} by {_deadline(round_)}.")


def round_closed(session: Session, round_: Round) -> int:
    """Fleet managers learn that a round is closed (its demand is frozen)."""
    return notify(session, session.exec(_fleet_managers()).all(), kind="round_closed",
                  link="/demand/", subject=f"Round {round_.name} is closed",
                  body=f"Demand for {round_.name} is closed; the consortium now plans the "
                       "purchase. You will be told when the plan is approved.")


def plan_approved(session: Session, round_: Round) -> int:
    """Fleet managers of members with demand in the round: see your results."""
    has_lines = exists().where(DemandLine.round_id == round_.id,
                               DemandLine.member_id == User.member_id)
    users = session.exec(_fleet_managers().where(has_lines)).all()
    return notify(session, users, kind="plan_approved", link=f"/results/rounds/{round_.id}",
                  subject=f"The plan of {round_.name} is approved: see your results",
                  body=f"The consortium approved the purchase plan of {round_.name}. See your "
                       "tranches, prices and savings.")


def package_published(session: Session, round_: Round, packages: list[BidPackage]) -> int:
    """Approved vendors learn that the round's bid packages are published."""
    users = session.exec(_vendor_users(Vendor.status == VendorStatus.APPROVED)).all()
    refs = ", ".join(p.reference for p in packages)
    return notify(session, users, kind="package_published", link="/vendors/packages",
                  subject=f"Bid packages of {round_.name} are published",
                  body=f"{len(packages)} bid package{'s' if len(packages) != 1 else ''} "
                       f"published: {refs}.")


def addendum_recipients(session: Session, package: BidPackage) -> tuple[list[User], list[User]]:
    """Who hears of an addendum to `package`: the active users of vendors who downloaded any version
    of it or bid on it, each once, as (those told only of the addendum, those whose bid must now be
    re-confirmed)."""
    downloaded = select(Download.vendor_id).join(
        PackageVersion, PackageVersion.id == Download.version_id).where(
        PackageVersion.package_id == package.id)
    to_reconfirm = select(Bid.vendor_id).where(Bid.package_id == package.id,
                                               Bid.status == BidStatus.MUST_RECONFIRM)
    other_bidders = select(Bid.vendor_id).where(Bid.package_id == package.id)
    bidders = session.exec(_vendor_users(Vendor.id.in_(to_reconfirm))).all()
    others = session.exec(_vendor_users(Vendor.id.in_(downloaded) | Vendor.id.in_(other_bidders),
                                        Vendor.id.not_in(to_reconfirm))).all()
    return list(others), list(bidders)


def addendum_published(session: Session, package: BidPackage, version: PackageVersion,
                       previous: PackageVersion | None = None) -> int:
    """Vendors who downloaded any version of the package, or bid on it, learn of its addendum: its
    change note and every deadline it moved; bidders whose bid must now be re-confirmed are told so."""
    moved = []
    if previous is not None:
        for label, field in (("bid deadline", "bid_deadline"),
                             ("questions deadline", "questions_deadline")):
            before, after = as_utc(getattr(previous, field)), as_utc(getattr(version, field))
            if before != after:
                moved.append(f"The {label} is now {after:%Y-%m-%d %H:%M} UTC "
                             f"(was {before:%Y-%m-%d %H:%M} UTC).")
    others, bidders = addendum_recipients(session, package)
    subject = f"Addendum {version.number} to {package.reference}"
    body = " ".join([f"Addendum {version.number} to {package.reference} was published: "
                     f"{version.change_note}", *moved])
    sent = notify(session, others, kind="addendum_published",
                  link=f"/vendors/packages/{package.id}", subject=subject, body=body)
    return sent + notify(
        session, bidders, kind="addendum_published", link=f"/bids/packages/{package.id}",
        subject=f"{subject}: re-confirm your bid",
        body=f"{body}\n\nYour company's bid was made before this addendum, so it is not valid "
             "until you re-confirm it or replace it, before the bid deadline "
             f"({version.bid_deadline:%Y-%m-%d %H:%M} UTC).")


def question_answered(session: Session, package: BidPackage, question: str, answer: str) -> int:
    """Every approved vendor learns of a published answer; who asked is never said."""
    users = session.exec(_vendor_users(Vendor.status == "approved")).all()
    return notify(session, users, kind="question_answered", link=f"/vendors/packages/{package.id}",
                  subject=f"A question on {package.reference} was answered",
                  body=f"Question: {question}\n\nAnswer: {answer}")


def bid_receipt(session: Session, user: User, package: BidPackage, row: BidVersion,
                kind: str) -> int:
    """The vendor user who submitted or replaced a bid gets its receipt (hash and time)."""
    what = "submitted" if kind == "submit" else "replaced"
    return notify(session, [user], kind="bid_receipt", link=f"/bids/receipts/{row.id}",
                  subject=f"Receipt: your bid on {package.reference} was {what}",
                  body=f"Your sealed bid on {package.reference} was {what} at "
                       f"{row.submitted_at:%Y-%m-%d %H:%M:%S} UTC. Receipt (SHA-256 of the "
                       f"canonical bid JSON): {row.receipt_sha256}. Keep it: the tabulation "
                       "lists it when the bids are opened.")


def bids_opened(session: Session, package: BidPackage, admins: bool = True) -> int:
    """The package's bidders (and the admins) learn that its bids were opened."""
    bidders = select(Bid.vendor_id).where(Bid.package_id == package.id)
    users = list(session.exec(_vendor_users(Vendor.id.in_(bidders))).all())
    if admins:
        users += session.exec(select(User).where(User.role == "admin", User.active.is_(True))
                              .order_by(User.id)).all()
    return notify(session, users, kind="bids_opened",
                  link=f"/bids/packages/{package.id}/tabulation",
                  subject=f"Bids opened: {package.reference}",
                  body=f"The bids on {package.reference} were opened; the bid tabulation lists "
                       "every valid bid with its receipt hash.")


def send_deadline_reminders(session: Session, now: datetime | None = None) -> int:
    """Remind fleet managers whose member has no demand in an open round 7 days and 1 day ahead.

    Each round gets each reminder once (recorded); a round first seen 20 hours ahead gets only
    the 1-day one. Returns how many users were reminded. The caller commits.
    """
    now = now or utcnow()
    sent = 0
    for round_ in session.exec(select(Round).where(Round.status == RoundStatus.OPEN)).all():
        left = round_.deadline - now
        due = [d for d in REMINDER_DAYS if timedelta(0) < left <= timedelta(days=d)]
        if not due:
            continue
        days = min(due)
        done = set(session.exec(select(DeadlineReminder.days)
                                .where(DeadlineReminder.round_id == round_.id)).all())
        if days in done:
            continue
        for d in REMINDER_DAYS:
            if d >= days and d not in done:
                session.add(DeadlineReminder(round_id=round_.id, days=d, sent_at=now))
        no_lines = ~exists().where(DemandLine.round_id == round_.id,
                                   DemandLine.member_id == User.member_id)
        users = session.exec(_fleet_managers().where(no_lines)).all()
        when = "tomorrow" if days == 1 else f"in {days} days"
        sent += notify(session, users, kind="round_deadline", link=f"/demand/rounds/{round_.id}",
                       subject=f"{round_.name} closes {when}: no demand entered yet",
                       body=f"Your city has entered no demand for {round_.name}; the deadline is "
                            f"{_deadline(round_)}.")
        session.flush()
    return sent


# --- the in-app list and preferences -------------------------------------------------------------

def unread_count(session: Session, user: User) -> int:
    """How many of the user's notifications are unread (one COUNT query)."""
    return plain_rows(session, select(func.count()).select_from(Notification).where(
        policy.visible(user, Notification), Notification.read_at.is_(None))).scalar_one()


def list_query(user: User):
    """The user's notifications, newest first."""
    return (select(Notification).where(policy.visible(user, Notification))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def mark_read(session: Session, notification: Notification) -> None:
    """Mark one notification read (the caller checked it is the user's own)."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        session.flush()


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of the user read; how many."""
    result = session.exec(update(Notification).where(
        policy.changeable(user, Notification), Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    return result.rowcount


def kinds_for(user: User) -> dict[str, str]:
    """The kinds the user may receive and turn off, with their labels."""
    return {k: OPTIONAL_KINDS[k] for k in ROLE_KINDS.get(user.role, ())}


def disabled_kinds(session: Session, user: User) -> set[str]:
    """The kinds the user has turned off."""
    return set(session.exec(select(NotificationOptOut.kind)
                            .where(NotificationOptOut.user_id == user.id)).all())


def set_enabled_kinds(session: Session, user: User, enabled: Iterable[str]) -> set[str]:
    """Turn on exactly `enabled` of the user's kinds (the others off); returns the kinds off."""
    enabled = set(enabled)
    unknown = enabled - set(kinds_for(user))
    if unknown:
        raise ValueError(f"unknown notification kind {sorted(unknown)[0]!r}")
    current = {o.kind: o for o in session.exec(select(NotificationOptOut)
                                              .where(NotificationOptOut.user_id == user.id)).all()}
    wanted_off = set(kinds_for(user)) - enabled
    for kind, row in current.items():
        if kind not in wanted_off:
            session.delete(row)
    for kind in wanted_off - set(current):
        session.add(NotificationOptOut(user_id=user.id, kind=kind))
    session.flush()
    return wanted_off


def award_result(session: Session, vendor_id: int, *, round_name: str, won: list[str],
                 lost: list[str], link: str, excluded: list[str] = ()) -> int:
    """A bidder's users learn which lots their company won and which it lost in a published
    award (lot ids with the unit price won, or the lots it priced and did not win), and which of
    its bids the award did not consider, and why."""
    users = session.exec(_vendor_users(User.vendor_id == vendor_id)).all()
    parts = []
    if won:
        parts.append(f"Won ({len(won)}): " + "; ".join(won) + ".")
    if lost:
        parts.append(f"Not won ({len(lost)}): " + ", ".join(lost) + ".")
    parts += [text[:1].upper() + text[1:] + "." for text in excluded]
    verdict = f"you won {len(won)} lot{'s' if len(won) != 1 else ''}" if won else "no lot won"
    return notify(session, users, kind="award_published", link=link,
                  subject=f"Award of {round_name} published: {verdict}",
                  body=f"The consortium published the award of {round_name}. " + " ".join(parts)
                       + (" Your contracts with the member cities are ready to download."
                          if won else ""))


def contracts_ready(session: Session, member_id: int, *, round_name: str, contracts: int,
                    link: str) -> int:
    """A member's fleet managers learn that its contracts of a published award are ready."""
    users = session.exec(_fleet_managers().where(User.member_id == member_id)).all()
    return notify(session, users, kind="award_published", link=link,
                  subject=f"Award of {round_name} published: {contracts} contract"
                          f"{'s' if contracts != 1 else ''} ready",
                  body=f"The consortium published the award of {round_name}. Your city's "
                       f"{contracts} contract{'s' if contracts != 1 else ''} (PDF and CSV) can "
                       "be downloaded from the Contracts page.")
