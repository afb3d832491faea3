"""Public notices: anyone, signed in or not, sees the published bid packages (what /api/packages
serves) with the one file that is public, the OCDS release package. The documents themselves
(PDF, price forms, ZIP) stay with approved vendors, who download them from the vendor portal."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlmodel import select

from consortium.models import BidPackage, Product, Round
from consortium.services import award_notices, publishing, questions
from consortium.services.vendor_portal import published_packages
from consortium.policy import PUBLIC
from consortium.web.access import db, guard
from consortium.web.pagination import Page, request_args

bp = Blueprint("notices", __name__, url_prefix="/notices")
guard(bp, PUBLIC)

PER_PAGE = 20


@bp.route("/")
def index():
    """Published packages, open ones first (soonest bid deadline first), paginated."""
    session = db()
    listings = published_packages(session)
    listings.sort(key=lambda x: not x.is_open)  # stable: keeps the deadline order within each
    number = max(1, request.args.get("page", 1, type=int) or 1)
    page = Page(items=[], number=number, per_page=PER_PAGE, total=len(listings),
                args=request_args())
    page.number = min(number, page.pages)
    start = (page.number - 1) * PER_PAGE
    page.items = listings[start:start + PER_PAGE]
    ids = {x.package.round_id for x in page.items}, {x.package.product_id for x in page.items}
    rounds = {r.id: r for r in session.exec(select(Round).where(Round.id.in_(ids[0]))).all()}
    products = {p.id: p for p in session.exec(select(Product).where(Product.id.in_(ids[1]))).all()}
    return render_template("notices/index.html", page=page, rounds=rounds, products=products,
                           answered=questions.published_counts(session))


@bp.route("/<reference>")
def notice(reference: str):
    """One published package's public notice: deadlines, versions and its answered questions."""
    session = db()
    package = session.exec(select(BidPackage).where(BidPackage.reference == reference)).first()
    versions = publishing.versions(session, package) if package else []
    if not versions:
        abort(404)
    return render_template("notices/notice.html", package=package, versions=versions,
                           latest=versions[-1], round=session.get(Round, package.round_id),
                           product=session.get(Product, package.product_id),
                           answered=questions.published(session, package),
                           award=award_notices.published_run(session, package.round_id))
