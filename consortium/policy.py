"""Who may do what: the audiences that guard each blueprint, and one rule per model.

Two questions, answered here and nowhere else:

- **May this user open this area?** Each blueprint names its `Audience` once (`web.access.guard`):
  `PUBLIC`, `SIGNED_IN`, `ADMIN`, `FLEET_MANAGER`, `VENDOR`, `APPROVED_VENDOR`. `admits` answers
  with a `Verdict`: allowed, sign in first, or refused (with the reason shown on the 403 page).
- **May this user see / change this row?** One rule function per model, registered with
  `@rule(Model)`, returns an `Access`: two SQL conditions on the model's columns, one for seeing and
  one for changing. The same conditions filter list queries (`visible`, `changeable`) and answer for
  one row (`can_see`, `can_change`): in Python when the condition only compares the row's own
  columns with values, else by asking the database about that row. A model without a rule is
  denied to everyone, and nobody is allowed by role alone: a rule that wants admins to see
  everything says so, so a rule can also say "not even an admin" (a personal notification; the
  contents of a sealed bid before its deadline).

Adding a model's rule is one function:

    @rule(Question)
    def _question(user: User) -> Access:
        if user.is_admin:
            return EVERYTHING
        if user.is_vendor:
            return Access(see=Question.vendor_id == user.vendor_id, change=NOTHING_MATCHES)
        return NOBODY

A model that only admins see and change is named in one `admin_only(...)` declaration instead.

No Flask here: the web layer passes the signed-in user and its session, services and the command
line pass theirs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ColumnElement,
    False_,
    Grouping,
    Null,
    True_,
)
from sqlmodel import Session, SQLModel

from consortium.models import (
    Answer,
    AuditEntry,
    AwardContract,
    AwardRelease,
    AwardRun,
    Bid,
    BidEvaluation,
    BidOpening,
    BidPackage,
    BidStatus,
    BidVersion,
    DemandLine,
    Download,
    HintJob,
    Member,
    Notification,
    OutboxMessage,
    PackageFile,
    PackageVersion,
    PriceTier,
    Product,
    Question,
    QuestionStatus,
    Round,
    MemberValueJob,
    Run,
    Scenario,
    ScenarioRun,
    User,
    Vendor,
)
from consortium.models.status import RoundStatus, VendorStatus

# ---------------------------------------------------------------------------------------------
# Audiences: who may open a blueprint's pages at all.


@dataclass(frozen=True)
class Verdict:
    """The answer of a guard: `allowed`, or `sign_in` (nobody is signed in), or refused."""

    allowed: bool
    sign_in: bool = False
    reason: str | None = None  # shown on the 403 page; None for the standard text
    not_found: bool = False  # refused as if the page did not exist (404, not 403)


ALLOWED = Verdict(True)
SIGN_IN = Verdict(False, sign_in=True)
REFUSED = Verdict(False)

NOT_APPROVED = ("Your company's registration is waiting for a consortium admin's approval (or was "
                "not approved). Bid packages and their documents open once it is approved.")


def signed_in(user) -> bool:
    """Whether `user` is a signed-in user (not Flask-Login's anonymous stand-in)."""
    return bool(getattr(user, "is_authenticated", False)) and isinstance(user, User)


def approved_vendor(session: Session, user) -> Vendor | None:
    """The user's company if the user is a vendor whose registration an admin approved."""
    if not signed_in(user) or not user.is_vendor or user.vendor_id is None:
        return None
    vendor = session.get(Vendor, user.vendor_id)
    # The session's identity map holds rows weakly: keep this one for the session's life, so
    # that the guard, the view and the navigation of one request load it once.
    session.info.setdefault("policy.vendors", {})[user.vendor_id] = vendor
    return vendor if vendor is not None and vendor.status == VendorStatus.APPROVED else None


@dataclass(frozen=True)
class Audience:
    """A group of users a blueprint (or one of its pages) is for."""

    name: str
    admits_user: Callable[[User, Session], bool]
    refusal: str | None = None  # why a signed-in user outside the audience is refused
    public: bool = False
    hidden: bool = False  # others are answered 404: they are not to learn the pages exist

    def __repr__(self) -> str:
        return f"<Audience {self.name}>"


PUBLIC = Audience("public", lambda _user, _session: True, public=True)
SIGNED_IN = Audience("signed-in", lambda _user, _session: True)
ADMIN = Audience("admin", lambda user, _session: user.is_admin)
FLEET_MANAGER = Audience("fleet manager", lambda user, _session: user.is_fleet_manager)
VENDOR = Audience("vendor", lambda user, _session: user.is_vendor)
APPROVED_VENDOR = Audience(
    "approved vendor", lambda user, session: approved_vendor(session, user) is not None)
# The bid tabulation and receipts: the admins and the approved vendors.
ADMIN_OR_APPROVED_VENDOR = Audience(
    "admin or approved vendor",
    lambda user, session: user.is_admin or approved_vendor(session, user) is not None)

# The admins' what-if pages (scenarios, member values): a scenario run is never shown to a
# fleet manager, so its pages answer other users as if they did not exist.
ADMIN_ONLY_UNSEEN = Audience("admin (unseen by others)", lambda user, _session: user.is_admin,
                             hidden=True)

AUDIENCES = (PUBLIC, SIGNED_IN, ADMIN, FLEET_MANAGER, VENDOR, APPROVED_VENDOR,
             ADMIN_OR_APPROVED_VENDOR, ADMIN_ONLY_UNSEEN)


def admits(audience: Audience, user, session: Session) -> Verdict:
    """Whether `user` (possibly anonymous) may open a page meant for `audience`."""
    if audience.public:
        return ALLOWED
    if not signed_in(user):
        return SIGN_IN
    if audience.admits_user(user, session):
        return ALLOWED
    if audience.hidden:
        return Verdict(False, not_found=True)
    if audience in (APPROVED_VENDOR, ADMIN_OR_APPROVED_VENDOR) and user.is_vendor:
        return Verdict(False, reason=NOT_APPROVED)
    return Verdict(False, reason=audience.refusal)


# ---------------------------------------------------------------------------------------------
# Rows: one rule per model.

NOTHING_MATCHES = false()
ALL_ROWS = true()


@dataclass(frozen=True, eq=False)  # its conditions are SQL: == builds SQL, not a bool
class Access:
    """What one user may do with a model's rows: SQL conditions on the model's columns."""

    see: ColumnElement[bool]
    change: ColumnElement[bool]


EVERYTHING = Access(see=ALL_ROWS, change=ALL_ROWS)
NOBODY = Access(see=NOTHING_MATCHES, change=NOTHING_MATCHES)


def read_only(see: ColumnElement[bool]) -> Access:
    """Rows the user may see (those matching `see`) but never change."""
    return Access(see=see, change=NOTHING_MATCHES)


Rule = Callable[[User], Access]
_RULES: dict[type, Rule] = {}


def rule(model: type) -> Callable[[Rule], Rule]:
    """Register the decorated function as the access rule of `model` (one rule per model)."""
    def register(function: Rule) -> Rule:
        if model in _RULES:
            raise ValueError(f"{model.__name__} already has an access rule")
        _RULES[model] = function
        return function
    return register


def _admins_alone(user: User) -> Access:
    return EVERYTHING if user.is_admin else NOBODY


def admin_only(*models: type) -> tuple[type, ...]:
    """Give each of `models` the rule "admins see and change every row; nobody else any"."""
    for model in models:
        rule(model)(_admins_alone)
    return models


def has_rule(model: type) -> bool:
    """Whether `model` has an access rule (a model without one is denied to everyone)."""
    return model in _RULES


def access(user, model: type) -> Access:
    """What `user` may do with the rows of `model` (nothing for visitors and unruled models)."""
    function = _RULES.get(model)
    if function is None or not signed_in(user):
        return NOBODY
    return function(user)


def visible(user, model: type) -> ColumnElement[bool]:
    """The where-clause selecting the rows of `model` that `user` may see."""
    return access(user, model).see


def changeable(user, model: type) -> ColumnElement[bool]:
    """The where-clause selecting the rows of `model` that `user` may change."""
    return access(user, model).change


def can_see(user, row: SQLModel, session: Session) -> bool:
    """Whether `user` may see `row`."""
    return _holds(access(user, type(row)).see, row, session)


def can_change(user, row: SQLModel, session: Session) -> bool:
    """Whether `user` may change `row` (also for a row about to be added, before its flush)."""
    return _holds(access(user, type(row)).change, row, session)


# ---------------------------------------------------------------------------------------------
# Evaluating a rule's condition for one row.

_UNKNOWN = object()  # the condition needs the database (a subquery, a join, another table)
_COMPARE = {operators.eq: operator.eq, operators.ne: operator.ne, operators.lt: operator.lt,
            operators.le: operator.le, operators.gt: operator.gt, operators.ge: operator.ge}


def _holds(condition: ColumnElement[bool], row: SQLModel, session: Session) -> bool:
    answer = _evaluate(condition, row)
    if answer is not _UNKNOWN:
        return bool(answer)
    model = type(row)
    if getattr(row, "id", None) is None:  # not in the database yet: nothing to ask it about
        return False
    query = select(model.id).where(model.id == row.id, condition)
    return session.exec(query).first() is not None


def _value(element, row: SQLModel):
    """The value of a column of `row`'s own table, or of a bound literal; else _UNKNOWN."""
    if isinstance(element, BindParameter) and not element.expanding:
        return element.effective_value
    if isinstance(element, (Null, True_, False_)):
        return {Null: None, True_: True, False_: False}[type(element)]
    table = getattr(element, "table", None)
    if table is not None and table is getattr(type(row), "__table__", None):
        return getattr(row, element.key, _UNKNOWN)
    return _UNKNOWN


def _evaluate(condition, row: SQLModel):
    """True/False for `row` when `condition` compares only its own columns with values (as SQL
    would: a comparison with NULL is false), else _UNKNOWN."""
    if isinstance(condition, True_):
        return True
    if isinstance(condition, False_):
        return False
    if isinstance(condition, Grouping):
        return _evaluate(condition.element, row)
    if isinstance(condition, BooleanClauseList) and condition.operator in (operators.and_,
                                                                           operators.or_):
        answers = [_evaluate(c, row) for c in condition.clauses]
        if _UNKNOWN in answers:
            return _UNKNOWN
        return all(answers) if condition.operator is operators.and_ else any(answers)
    if not isinstance(condition, BinaryExpression):
        return _UNKNOWN
    left = _value(condition.left, row)
    op = condition.operator
    if op in (operators.in_op, operators.not_in_op):
        right = condition.right
        if left is _UNKNOWN or not (isinstance(right, BindParameter) and right.expanding):
            return _UNKNOWN
        found = left is not None and left in right.effective_value
        return found if op is operators.in_op else (left is not None and not found)
    right = _value(condition.right, row)
    if left is _UNKNOWN or right is _UNKNOWN:
        return _UNKNOWN
    if op is operators.is_:
        return left is right or left == right
    if op is operators.is_not:
        return not (left is right or left == right)
    if op in _COMPARE:
        if left is None or right is None:
            return False
        try:
            return _COMPARE[op](left, right)
        except TypeError:  # e.g. a naive and an aware datetime: let the database compare
            return _UNKNOWN
    return _UNKNOWN


# ---------------------------------------------------------------------------------------------
# The rules. Admins are named in each rule: nobody sees a row by role alone.


@rule(Round)
def _round(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    if user.is_fleet_manager:  # a draft round is the admins' until it opens
        return read_only(Round.status != RoundStatus.DRAFT)
    return NOBODY


@rule(DemandLine)
def _demand_line(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    if user.is_fleet_manager:
        mine = DemandLine.member_id == user.member_id
        return Access(see=mine, change=mine)
    return NOBODY


@rule(AuditEntry)
def _audit_entry(user: User) -> Access:
    if user.is_admin:
        return read_only(ALL_ROWS)  # the log is never edited, not even by an admin
    if user.is_fleet_manager:
        return read_only(AuditEntry.member_id == user.member_id)
    return NOBODY


@rule(Member)
def _member(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    if user.is_fleet_manager:
        return read_only(Member.id == user.member_id)
    return NOBODY


@rule(User)
def _user(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    yourself = User.id == user.id
    return Access(see=yourself, change=yourself)


@rule(Vendor)
def _vendor(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    if user.is_vendor:
        return read_only(Vendor.id == user.vendor_id)
    return NOBODY


@rule(Product)
def _product(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    return read_only(ALL_ROWS)  # the catalog is open to every signed-in user


@rule(PriceTier)
def _price_tier(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    if user.is_fleet_manager:
        return read_only(ALL_ROWS)
    return NOBODY


@rule(Run)
def _run(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    if user.is_fleet_manager:  # only a round's approved plan, through the results pages
        return read_only(exists().where(Round.id == Run.round_id, Round.approved_run_id == Run.id))
    return NOBODY


@rule(BidPackage)
def _bid_package(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING  # changed only by publishing an addendum (a new version)
    if user.is_vendor:
        return read_only(exists().where(PackageVersion.package_id == BidPackage.id))
    return NOBODY


@rule(PackageVersion)
def _package_version(user: User) -> Access:
    if user.is_admin or user.is_vendor:
        return read_only(ALL_ROWS)  # versions exist only once published; frozen from then on
    return NOBODY


@rule(PackageFile)
def _package_file(user: User) -> Access:
    if user.is_admin or user.is_vendor:
        return read_only(ALL_ROWS)  # as their versions
    return NOBODY


@rule(Download)
def _download(user: User) -> Access:
    if user.is_admin:
        return read_only(ALL_ROWS)
    if user.is_vendor:
        return read_only(Download.vendor_id == user.vendor_id)
    return NOBODY


@rule(Notification)
def _notification(user: User) -> Access:
    mine = Notification.user_id == user.id  # personal, even for admins
    return Access(see=mine, change=mine)


@rule(OutboxMessage)
def _outbox_message(user: User) -> Access:
    if user.is_admin:
        return read_only(ALL_ROWS)
    return NOBODY


@rule(Question)
def _question(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING  # answered once, through services.questions
    if user.is_vendor:  # their company's own; anyone's once answered (published, asker withheld)
        return read_only(or_(Question.vendor_id == user.vendor_id,
                             Question.status != QuestionStatus.OPEN.value))
    return NOBODY


@rule(Answer)
def _answer(user: User) -> Access:
    if user.is_admin or user.is_vendor:
        return read_only(ALL_ROWS)  # published to every vendor; never edited once given
    return NOBODY


# Sealed bids. A bid's contents live only in its versions' Fernet tokens; decrypting them is the
# job of services.bid_opening (after the deadline) and of services.bids for the bid's own vendor.
_OPENED = (BidStatus.OPENED.value, BidStatus.INVALID.value)


@rule(Bid)
def _bid(user: User) -> Access:
    if user.is_vendor:  # its own company's bid, which it replaces, withdraws or re-confirms
        mine = Bid.vendor_id == user.vendor_id
        return Access(see=mine, change=mine)
    if user.is_admin:  # that a bid exists and its status; never changed by an admin
        return read_only(ALL_ROWS)
    return NOBODY


@rule(BidVersion)
def _bid_version(user: User) -> Access:
    # A sealed version (token and receipt): its own vendor's; not even an admin's until the
    # package's bids are opened.
    if user.is_vendor:
        return read_only(exists().where(Bid.id == BidVersion.bid_id,
                                        Bid.vendor_id == user.vendor_id))
    if user.is_admin:
        return read_only(exists().where(Bid.id == BidVersion.bid_id, Bid.status.in_(_OPENED)))
    return NOBODY


@rule(BidOpening)
def _bid_opening(user: User) -> Access:
    if user.is_admin or user.is_vendor:  # the tabulation: published to admins and vendors
        return read_only(ALL_ROWS)
    return NOBODY


# The admins' alone. A hint job holds every member's hints and a member-value job every member's
# figures: a fleet manager reads its own lines' hints and its own member's figures through the
# results and round pages (services.hints.member_hints, services.member_value.member_figures),
# never the row. Scenarios and their runs are what-ifs. Bid evaluations are the admins' working
# notes while the award is decided.
ADMINS_ALONE = admin_only(HintJob, MemberValueJob, Scenario, ScenarioRun, BidEvaluation)


# The award stage: an award run is the admins' while the award is decided.
@rule(AwardRun)
def _award_run(user: User) -> Access:
    if user.is_admin:
        return EVERYTHING
    # Nobody else sees an award run before it is published; once published, its notice is
    # public (lots, winners, prices), so every signed-in user may read it, never change it.
    return read_only(AwardRun.published_at.is_not(None))


@rule(AwardContract)
def _award_contract(user: User) -> Access:
    if user.is_admin:
        return read_only(ALL_ROWS)  # frozen once published, even for an admin
    if user.is_fleet_manager:  # its own city's contracts, never another's
        return read_only(AwardContract.member_id == user.member_id)
    if user.is_vendor:  # its own company's contracts
        return read_only(AwardContract.vendor_id == user.vendor_id)
    return NOBODY


@rule(AwardRelease)
def _award_release(_user: User) -> Access:
    return read_only(ALL_ROWS)  # the OCDS releases of a published award are public data
