"""Publishing an approved award run: contracts, OCDS releases, notifications, once.

Publishing reads only what was frozen before it: the run's award problem and award file, and each
bid package's published files (its OCDS parties, with the member ids and delivery addresses the
vendors bid on). It stores, frozen from then on (models.award_contracts): one contract per member
and vendor with its PDF and CSV and their SHA-256, and each package's award and contract releases,
validated offline before anything is stored. Every bidder is told which lots it won and lost, every
member's fleet managers that their contracts are ready; an audit entry records the hashes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import (AwardContract, AwardRelease, AwardRun, Bid, BidPackage, Member,
                               PackageFile, Product, Round, User, Vendor)
from consortium.models.status import AwardRunStatus
from consortium.publish.award_inputs import (MemberContract, bidder_outcomes, lot_outcomes,
                                             member_contracts, money, restrict)
from consortium.publish.build import OCDS_NAME
from consortium.publish.contracts import ContractInput, contract_files
from consortium.publish.inputs import ConsortiumInfo
from consortium.publish.ocds_awards import PackageAward, Party, award_release_package
from consortium.publish.validate import InvalidPackage, validate_release_package
from consortium.services import audit, award_notices, notifications
from consortium.services import bids as bid_service
from consortium.services.errors import NotAllowed, ServiceError


class PublishRefused(NotAllowed):
    """The award run cannot be published (not approved, already published, no award)."""


@dataclass
class _Buyer:
    member_id: int
    party: Party
    address: str = ""


@dataclass
class _Round:
    """What publishing needs to know about the round, read from its frozen records."""

    round: Round
    packages: dict[str, BidPackage] = field(default_factory=dict)   # product code -> package
    units: dict[str, str] = field(default_factory=dict)              # product code -> unit
    names: dict[str, str] = field(default_factory=dict)              # product code -> name
    buyers: dict[str, _Buyer] = field(default_factory=dict)          # member name -> buyer
    bids: dict[str, Bid] = field(default_factory=dict)               # "BID-7" -> bid


def _package_buyers(session: Session, package: BidPackage) -> list[tuple[str, _Buyer]]:
    """The member parties of the package's latest published OCDS release (name -> buyer)."""
    version = bid_service.latest(session, package)
    file = session.exec(select(PackageFile).where(PackageFile.version_id == version.id,
                                                  PackageFile.name == OCDS_NAME)).one()
    out = []
    for party in json.loads(file.content)["releases"][0]["parties"]:
        if "buyer" not in party.get("roles", []):
            continue
        match = re.fullmatch(r"member-(\d+)", party["id"])
        member = (session.get(Member, int(match.group(1))) if match else
                  session.exec(select(Member).where(Member.name == party["name"])).first())
        if member is None:
            raise ServiceError(f"Member {party['name']} of {package.reference} is no longer in "
                               "the database, so its contract cannot be issued.")
        out.append((party["name"], _Buyer(member.id, Party(party["id"], party["name"]),
                                          party.get("address", {}).get("streetAddress", ""))))
    return out


def _read_round(session: Session, run: AwardRun) -> _Round:
    ctx = _Round(round=session.get(Round, run.round_id))
    for package in session.exec(select(BidPackage).where(BidPackage.round_id == run.round_id)):
        product = session.get(Product, package.product_id)
        ctx.packages[product.code] = package
        ctx.units[product.code], ctx.names[product.code] = product.unit, product.name
        ctx.buyers.update(_package_buyers(session, package))
    for entry in run.problem["bids"]:
        match = re.fullmatch(r"BID-(\d+)", entry["id"])
        bid = session.get(Bid, int(match.group(1))) if match else None
        if bid is None:
            raise ServiceError(f"Bid {entry['id']} of the award problem is not in the database.")
        ctx.bids[entry["id"]] = bid
    return ctx


def _code(lot: str) -> str:
    return lot.split("/", 1)[0]


def _reference(ctx: _Round, run: AwardRun, buyer: _Buyer, vendor_id: int) -> str:
    return f"{ctx.round.slug}-A{run.id}-M{buyer.member_id}-V{vendor_id}"


def _contract_row(ctx: _Round, run: AwardRun, c: MemberContract, consortium: ConsortiumInfo,
                  session: Session) -> AwardContract:
    buyer = ctx.buyers.get(c.member)
    if buyer is None:
        raise ServiceError(f"Member {c.member} of the award is not a buyer in the round's "
                           "packages.")
    winner = {o.lot: o.bid for o in lot_outcomes(run.problem, run.result)}
    bid = ctx.bids[winner[c.lines[0].lot]]  # every line of the contract is the same vendor's
    vendor = session.get(Vendor, bid.vendor_id)
    inp = ContractInput(
        consortium=consortium, reference=_reference(ctx, run, buyer, bid.vendor_id),
        round_name=ctx.round.name, award_reference=f"award run {run.id} of {ctx.round.name}",
        published_at=run.published_at, contract=c, delivery_address=buyer.address,
        vendor_address=vendor.address, product_names=tuple(sorted(ctx.names.items())))
    files = contract_files(inp)
    return AwardContract(
        award_run_id=run.id, round_id=run.round_id, member_id=buyer.member_id,
        vendor_id=bid.vendor_id, reference=inp.reference, member_name=c.member[:120],
        vendor_name=c.vendor[:160], lots=len(c.lines), units=c.units, gross=c.gross,
        discount=c.discount, net=c.net, pdf=files.pdf, pdf_sha256=files.pdf_sha256,
        csv=files.csv, csv_sha256=files.csv_sha256, created_at=run.published_at)


def _package_award(ctx: _Round, run: AwardRun, code: str, consortium: ConsortiumInfo,
                   session: Session) -> PackageAward:
    package = ctx.packages[code]
    lots = tuple((o.lot.split("/", 1)[1], o) for o in lot_outcomes(run.problem, run.result)
                 if _code(o.lot) == code)
    keys = {o.lot for _, o in lots}
    bids = []
    for key, bid in ctx.bids.items():
        if bid.package_id == package.id:
            vendor = session.get(Vendor, bid.vendor_id)
            bids.append((key, f"bid-{bid.id}", Party(f"vendor-{vendor.id}", vendor.name)))
    contracts = tuple(r for r in (restrict(c, keys)
                                  for c in member_contracts(run.problem, run.result)) if r)
    return PackageAward(
        consortium=consortium, ocid=package.reference, key=str(run.id), date=run.published_at,
        unit=ctx.units[code], lots=lots, bids=tuple(bids),
        members=tuple((name, b.party) for name, b in sorted(ctx.buyers.items())),
        discounts=tuple((d["bid"], money(d["amount"])) for d in run.result.get("discounts", [])
                        if ctx.bids[d["bid"]].package_id == package.id),
        contracts=contracts)


def _figures_agree(run: AwardRun, contracts: list[MemberContract]) -> None:
    """The contracts recomputed from the awards are the award file's, figure for figure (a file
    edited by hand, or written by another version of the optimizer, is refused)."""
    ours = [(c.member, c.vendor, c.units, c.gross, c.discount, c.net) for c in contracts]
    theirs = [(c["member"], c["vendor"], int(c["units"]), money(c["gross"]), money(c["discount"]),
               money(c["net"])) for c in run.result.get("contracts", [])]
    if ours != theirs:
        raise ServiceError(f"The contracts of award run {run.id} do not match its awards; "
                           "solve the award again.")


def _check(session: Session, run: AwardRun) -> None:
    if run.approved_at is None:
        raise PublishRefused("Only an approved award run can be published; approve it first.")
    if run.published_at is not None:
        raise PublishRefused(f"Award run {run.id} is already published.")
    if run.status != AwardRunStatus.SUCCEEDED or not run.result or not run.problem:
        raise PublishRefused(f"Award run {run.id} has no award to publish.")


def _claim(session: Session, run: AwardRun, user: User | None, now: datetime) -> None:
    """Mark the run published, once: of two simultaneous publishers, one goes on."""
    done = session.execute(update(AwardRun).where(AwardRun.id == run.id,
                                                  AwardRun.published_at.is_(None),
                                                  AwardRun.approved_at.is_not(None))
                           .values(published_at=now, published_by_id=user.id if user else None)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise PublishRefused(f"Award run {run.id} is already published.")
    session.refresh(run)


def _notify(session: Session, ctx: _Round, run: AwardRun, rows: list[AwardContract]) -> int:
    by_vendor: dict[int, tuple[list[str], list[str], list[str]]] = {}
    for b in bidder_outcomes(run.problem, run.result):
        won, lost, _ = by_vendor.setdefault(ctx.bids[b.bid].vendor_id, ([], [], []))
        won += [f"{o.lot} at ${o.unit_price:,.2f} per unit" for o in b.won]
        lost += list(b.lost)
    for bid, package, reason in award_notices.excluded_bids(session, run):
        by_vendor.setdefault(bid.vendor_id, ([], [], []))[2].append(
            f"your bid on {package.reference} was not considered ({reason})")
    sent = 0
    for vendor_id, (won, lost, excluded) in sorted(by_vendor.items()):
        sent += notifications.award_result(session, vendor_id, round_name=ctx.round.name, won=won,
                                           lost=lost, excluded=excluded, link="/awards/results")
    members: dict[int, int] = {}
    for row in rows:
        members[row.member_id] = members.get(row.member_id, 0) + 1
    for member_id, count in sorted(members.items()):
        sent += notifications.contracts_ready(session, member_id, round_name=ctx.round.name,
                                              contracts=count, link="/awards/contracts")
    return sent


def publish_award(session: Session, run: AwardRun, user: User | None, *,
                  consortium: ConsortiumInfo | None = None,
                  now: datetime | None = None) -> list[AwardContract]:
    """Publish an approved award run, once: store its contracts and OCDS releases, tell every
    bidder and member, record it in the audit log. Refused unless approved and unpublished."""
    consortium = consortium or ConsortiumInfo()
    _check(session, run)
    ctx = _read_round(session, run)
    contracts = member_contracts(run.problem, run.result)
    _figures_agree(run, contracts)
    _claim(session, run, user, (now or utcnow()).replace(microsecond=0))
    rows = [_contract_row(ctx, run, c, consortium, session) for c in contracts]
    releases = []
    for code in sorted({_code(lot["id"]) for lot in run.problem["lots"]}):
        if code not in ctx.packages:
            raise ServiceError(f"No bid package of {ctx.round.name} sells {code}.")
        data = award_release_package(_package_award(ctx, run, code, consortium, session))
        try:
            validate_release_package(data)
        except InvalidPackage as exc:
            raise ServiceError(f"The award release of {ctx.packages[code].reference} does not "
                               f"validate: {exc}") from exc
        releases.append(AwardRelease(award_run_id=run.id, package_id=ctx.packages[code].id,
                                     releases=data["releases"], created_at=run.published_at))
    session.add_all(rows + releases)
    session.flush()
    sent = _notify(session, ctx, run, rows)
    audit.record(session, user=user, action="award_publish", entity="awardrun", entity_id=run.id,
                 round_id=run.round_id,
                 summary=f"published award run {run.id} of {ctx.round.name}: {len(rows)} "
                         f"contract(s), {len(releases)} package release(s), {sent} message(s)",
                 after={"contracts": [{"reference": r.reference, "pdf_sha256": r.pdf_sha256,
                                       "csv_sha256": r.csv_sha256} for r in rows]})
    session.flush()
    return rows
