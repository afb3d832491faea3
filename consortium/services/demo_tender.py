"""The demo's finished tender: the closed round gets an approved plan, published bid packages
whose deadline has passed, sealed bids from the three demo vendors, and the opening, so the demo
shows a bid tabulation. Every price here is INVENTED demo data (a vendor's factor times the
package's estimated unit price); nothing is a real offer.

Idempotent: a round that already has packages is left alone. The caller commits.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from consortium import optimizer
from consortium.db import utcnow
from consortium.models import Round, Run, User, Vendor
from consortium.models.status import RunStatus
from consortium.publish.inputs import ConsortiumInfo
from consortium.services import bid_opening, bids, publishing, sealing
from consortium.services.problem import build_problem
from consortium.services.publishing_inputs import package_inputs

DEMO_ROUND = "2026-pilot"
# (vendor, price factor, lots skipped: every n-th lot, 0 = none), all invented.
OFFERS = (("Pacific Coach Works", Decimal("0.96"), 0),
          ("Cascade EV Fleet Sales", Decimal("0.98"), 3),
          ("Summit Electric Trucks", Decimal("1.01"), 2))


def _plan(session: Session, round_: Round) -> Run:
    problem = build_problem(session, round_)
    plan = optimizer.optimize(optimizer.parse_problem(problem), time_limit=30).to_dict()
    now = utcnow()
    run = Run(round_id=round_.id, status=RunStatus.SUCCEEDED, stage="done", problem=problem,
              plan=plan, note="demo: the pilot round's plan", started_at=now, finished_at=now,
              approved_at=now)
    session.add(run)
    session.flush()
    round_.approved_run_id = run.id
    session.add(round_)
    session.flush()
    return run


def _contents(package_input, factor: Decimal, skip: int, n: int, deadline) -> sealing.BidContents:
    prices = []
    for k, lot in enumerate(package_input.lots, start=1):
        if skip and k % skip == 0:
            continue
        wiggle = Decimal(1) + Decimal((k * 7 + n * 3) % 5 - 2) / 100  # -2 % .. +2 %
        prices.append((lot.id, (Decimal(str(lot.estimated_unit_price)) * factor * wiggle)
                       .quantize(Decimal(1))))
    discounts = ()
    if n == 0 and len(prices) >= 2:  # the first vendor offers 1 % off for its first two lots
        value = sum(p * next(lot.quantity for lot in package_input.lots if lot.id == lot_id)
                    for lot_id, p in prices[:2])
        discounts = ((tuple(lot for lot, _ in prices[:2]), (value / 100).quantize(Decimal(1))),)
    capacity = ()
    if n == 2:  # the third vendor can deliver at most 20 units per period
        capacity = tuple((period, 20) for period in sorted({lot.period
                                                            for lot in package_input.lots}))
    return sealing.BidContents(prices=tuple(prices), capacity=capacity, discounts=discounts,
                               valid_until=(deadline + timedelta(days=180)).date())


def seed_demo_tender(session: Session, *, sealer: sealing.Sealer,
                     consortium: ConsortiumInfo | None = None) -> dict[str, int]:
    """Publish the demo's closed round in the past, bid on it as the demo vendors, open it.

    Returns counts of what was added (all zero when the round is missing or already published).
    """
    counts = {"bid_packages": 0, "sealed_bids": 0, "openings": 0}
    round_ = session.exec(select(Round).where(Round.slug == DEMO_ROUND)).first()
    if round_ is None or round_.status != "closed" or publishing.is_published(session, round_.id):
        return counts
    run = _plan(session, round_)
    now = utcnow().replace(microsecond=0)
    published_at, deadline = now - timedelta(days=30), now - timedelta(days=2)
    inputs = package_inputs(session, round_, run, bid_deadline=deadline,
                            questions_deadline=deadline - timedelta(days=7),
                            published_at=published_at, consortium=consortium)
    # publish_round refuses deadlines in the past, as it should; the demo's tender is history.
    packages = [publishing._store_package(session, round_, run, built, None, published_at)
                for built in publishing._build_all(inputs)]
    counts["bid_packages"] = len(packages)
    session.flush()
    for n, (name, factor, skip) in enumerate(OFFERS):
        user = session.exec(select(User).join(Vendor, Vendor.id == User.vendor_id)
                            .where(Vendor.name == name, Vendor.status == "approved")
                            .order_by(User.id)).first()
        if user is None:
            continue
        for k, (package, pkg_input) in enumerate(zip(packages, inputs)):
            contents = _contents(pkg_input, factor, skip, n, deadline)
            if not contents.prices:
                continue
            bids.submit_bid(session, package, user, contents, sealer=sealer,
                            now=published_at + timedelta(days=10 + n, hours=k))
            counts["sealed_bids"] += 1
    for package in packages:
        bid_opening.open_package(session, package, None, sealer=sealer, consortium=consortium,
                                 now=deadline + timedelta(minutes=1))
        counts["openings"] += 1
    return counts
