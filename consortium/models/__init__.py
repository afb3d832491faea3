"""SQLModel tables. Import from here: `from consortium.models import Member, ...`."""

from consortium.models.accounts import (
    ROLES,
    VENDOR_STATUSES,
    LoginAttempt,
    Member,
    MemberBase,
    Throttle,
    User,
    UserBase,
    Vendor,
    VendorBase,
)
from consortium.models.award_contracts import AwardContract, AwardRelease, PublishedAwardIsFrozen
from consortium.models.awards import AWARD_RUN_STATUSES, AwardRun, BidEvaluation
from consortium.models.bids import BID_TRANSITIONS, Bid, BidOpening, BidStatus, BidVersion
from consortium.models.catalog import CATEGORIES, CLASSIFICATION_SCHEMES, PriceTier, Product, ProductBase
from consortium.models.hints import HINT_STATUSES, HintJob
from consortium.models.notifications import (
    OUTBOX_STATUSES,
    DeadlineReminder,
    Notification,
    NotificationOptOut,
    OutboxMessage,
    PasswordResetRequest,
    PasswordResetToken,
)
from consortium.models.packages import (
    BidPackage,
    Download,
    PackageFile,
    PackageVersion,
    PublishedPackageIsFrozen,
)
from consortium.models.questions import QUESTION_TRANSITIONS, Answer, Question, QuestionStatus
from consortium.models.rounds import (
    ROUND_STATUSES,
    AuditChain,
    AuditEntry,
    DemandLine,
    DemandLineBase,
    DemandRefCounter,
    Round,
    RoundBase,
)
from consortium.models.runs import RUN_STATUSES, Run
from consortium.models.status import (
    TRANSITIONS,
    AwardRunStatus,
    ForbiddenTransition,
    JobStatus,
    OutboxStatus,
    RoundStatus,
    RunStatus,
    VendorStatus,
    transition,
)
from consortium.models.types import Money, UTCDateTime, UTCMoment, as_utc, money_json, to_money
from consortium.models.whatif import (
    VALUE_JOB_STATUSES,
    MemberValueJob,
    Scenario,
    ScenarioRun,
)

__all__ = [
    "HINT_STATUSES", "HintJob",
    "AuditChain", "AuditEntry", "BID_TRANSITIONS", "Bid", "BidOpening", "BidPackage", "BidStatus",
    "BidVersion", "CATEGORIES", "CLASSIFICATION_SCHEMES", "DemandLine",
    "DemandLineBase", "DemandRefCounter", "Download", "LoginAttempt", "Member", "MemberBase", "Money",
    "PackageFile",
    "PackageVersion", "PriceTier", "Product", "ProductBase", "PublishedPackageIsFrozen", "ROLES", "ROUND_STATUSES",
    "RUN_STATUSES", "Round", "RoundBase", "Run", "Throttle", "User", "UserBase", "VENDOR_STATUSES", "Vendor",
    "VendorBase", "money_json", "to_money", "UTCDateTime", "UTCMoment", "as_utc",
    "DeadlineReminder", "Notification", "NotificationOptOut", "OUTBOX_STATUSES", "OutboxMessage",
    "PasswordResetRequest", "PasswordResetToken",
    "Answer", "Question", "QuestionStatus", "QUESTION_TRANSITIONS",
    "ForbiddenTransition", "JobStatus", "OutboxStatus", "RoundStatus", "RunStatus", "TRANSITIONS", "VendorStatus",
    "transition",
    "MemberValueJob", "Scenario", "ScenarioRun", "VALUE_JOB_STATUSES",
    "AWARD_RUN_STATUSES", "AwardRun", "AwardRunStatus", "BidEvaluation",
    "AwardContract", "AwardRelease", "PublishedAwardIsFrozen",
]
