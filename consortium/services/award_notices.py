"""Reading a published award: the public notice, a vendor's results, the contracts a user may see.

Only published award runs are read here for anyone but admins; contracts are filtered by the
policy (a fleet manager sees its own member's, a vendor its own company's, admins all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, select

from consortium import policy
from consortium.models import (AwardContract, AwardRun, Bid, BidPackage, BidStatus, Member,
                               Product, Round, User, Vendor)
from consortium.publish.award_inputs import (BidderOutcome, LotOutcome, bidder_outcomes,
                                             lot_outcomes, money)
from consortium.services import awards


def published_run(session: Session, round_id: int) -> AwardRun | None:
    """The round's published award run, if there is one (at most one run is approved)."""
    return session.exec(select(AwardRun).where(AwardRun.round_id == round_id,
                                               AwardRun.published_at.is_not(None))
                        .order_by(AwardRun.published_at.desc())).first()


def published_rounds(session: Session) -> list[tuple[Round, AwardRun]]:
    """Every round with a published award, the latest publication first."""
    rows = session.exec(select(Round, AwardRun).join(AwardRun, AwardRun.round_id == Round.id)
                        .where(AwardRun.published_at.is_not(None))
                        .order_by(AwardRun.published_at.desc(), AwardRun.id.desc())).all()
    return [(r, a) for r, a in rows]


@dataclass
class PackageNotice:
    """One bid package's lots in the award notice."""

    package: BidPackage
    product: Product
    lots: list[tuple[str, LotOutcome]] = field(default_factory=list)  # (package lot id, outcome)

    @property
    def value(self) -> Decimal:
        """Awarded value of the package's lots, before set discounts."""
        return sum((o.value for _, o in self.lots), Decimal(0))


@dataclass
class Notice:
    """The public award notice of a round."""

    round: Round
    run: AwardRun
    packages: list[PackageNotice]
    discounts: list[dict]
    total_cost: Decimal
    awarded_units: int

    @property
    def unawarded(self) -> list[tuple[PackageNotice, str, LotOutcome]]:
        """The lots left unawarded, with their package."""
        return [(p, lot_id, o) for p in self.packages for lot_id, o in p.lots if not o.awarded]


def _packages(session: Session, round_id: int) -> dict[str, tuple[BidPackage, Product]]:
    rows = session.exec(select(BidPackage, Product).join(Product,
                                                         Product.id == BidPackage.product_id)
                        .where(BidPackage.round_id == round_id)).all()
    return {product.code: (package, product) for package, product in rows}


def notice(session: Session, run: AwardRun) -> Notice:
    """The award notice of a published run: lots per package, winners, prices, reasons."""
    packages = _packages(session, run.round_id)
    by_code: dict[str, PackageNotice] = {}
    for o in lot_outcomes(run.problem, run.result):
        code, lot_id = o.lot.split("/", 1)
        if code not in by_code:
            package, product = packages[code]
            by_code[code] = PackageNotice(package, product)
        by_code[code].lots.append((lot_id, o))
    return Notice(round=session.get(Round, run.round_id), run=run,
                  packages=sorted(by_code.values(), key=lambda p: p.package.reference),
                  discounts=list(run.result.get("discounts", [])),
                  total_cost=money(run.result.get("total_cost", 0)),
                  awarded_units=int(run.result.get("awarded_units", 0)))


def excluded_bids(session: Session, run: AwardRun, vendor_id: int | None = None
                  ) -> list[tuple[Bid, BidPackage, str]]:
    """The round's bids the award did not consider (invalid at the opening, or evaluated not
    responsive), with the reason: (bid, package, reason), by package then bid."""
    considered = {_bid_id(b["id"]) for b in run.problem.get("bids", [])}
    query = (select(Bid, BidPackage).join(BidPackage, BidPackage.id == Bid.package_id)
             .where(BidPackage.round_id == run.round_id,
                    Bid.status.in_((BidStatus.OPENED.value, BidStatus.INVALID.value)))
             .order_by(BidPackage.reference, Bid.id))
    if vendor_id is not None:
        query = query.where(Bid.vendor_id == vendor_id)
    not_responsive = awards.excluded_bids(session, session.get(Round, run.round_id))
    out = []
    for bid, package in session.exec(query).all():
        if bid.id in considered:
            continue
        if bid.status == BidStatus.INVALID.value:
            reason = f"invalid at the opening: {bid.invalid_reason}"
        elif bid.id in not_responsive:
            reason = f"evaluated not responsive: {not_responsive[bid.id]}"
        else:
            reason = "not part of the award"
        out.append((bid, package, reason))
    return out


@dataclass
class VendorRound:
    """A vendor's results in one published award: per bid (package), lots won and lost, and its
    bids the award did not consider, with the reason."""

    round: Round
    run: AwardRun
    bids: list[tuple[BidPackage, BidderOutcome]]
    contracts: list[AwardContract]
    excluded: list[tuple[BidPackage, str]] = field(default_factory=list)


def vendor_results(session: Session, user: User) -> list[VendorRound]:
    """The published awards the user's company bid in, latest first, with its contracts."""
    vendor = session.get(Vendor, user.vendor_id) if user.vendor_id else None
    if vendor is None:
        return []
    mine = {b.id: b for b in session.exec(select(Bid).where(Bid.vendor_id == vendor.id))}
    out = []
    for round_, run in published_rounds(session):
        bids = []
        for outcome in bidder_outcomes(run.problem, run.result):
            bid = mine.get(_bid_id(outcome.bid))
            if bid is not None:
                bids.append((session.get(BidPackage, bid.package_id), outcome))
        excluded = [(package, reason)
                    for _, package, reason in excluded_bids(session, run, vendor.id)]
        if bids or excluded:
            contracts = session.exec(contracts_query(user).where(
                AwardContract.award_run_id == run.id)).all()
            out.append(VendorRound(round_, run, bids, list(contracts), excluded))
    return out


def _bid_id(key: str) -> int | None:
    prefix, _, number = key.partition("-")
    return int(number) if prefix == "BID" and number.isdigit() else None


def contracts_query(user: User):
    """The contracts `user` may see, newest award first, then by member and vendor."""
    return (select(AwardContract).where(policy.visible(user, AwardContract))
            .order_by(AwardContract.award_run_id.desc(), AwardContract.member_name,
                      AwardContract.vendor_name))


def contract_rounds(session: Session, contracts: list[AwardContract]) -> dict[int, Round]:
    """The rounds of `contracts`, by id (for their list)."""
    ids = {c.round_id for c in contracts}
    return {r.id: r for r in session.exec(select(Round).where(Round.id.in_(ids)))} if ids else {}


def member_name(session: Session, user: User) -> str:
    """The name of the fleet manager's member (for the contracts page's heading)."""
    member = session.get(Member, user.member_id) if user.member_id else None
    return member.name if member else ""
