"""The public, read-only JSON API: published packages and their OCDS release packages."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from sqlmodel import select

from consortium.models import BidPackage, PackageFile, PackageVersion, Product, Round
from consortium.publish.build import OCDS_NAME
from consortium.publish.inputs import iso
from consortium.services.vendor_portal import published_packages
from consortium.policy import PUBLIC
from consortium.web.access import db, guard

bp = Blueprint("api", __name__, url_prefix="/api")
guard(bp, PUBLIC)


@bp.route("/packages")
def packages():
    """Every published package: reference, title, round, product, latest version, deadlines."""
    session = db()
    rounds = {r.id: r for r in session.exec(select(Round)).all()}
    products = {p.id: p for p in session.exec(select(Product)).all()}
    items = []
    for listing in published_packages(session):
        p, v = listing.package, listing.latest
        items.append({
            "reference": p.reference, "title": p.title,
            "round": {"name": rounds[p.round_id].name, "slug": rounds[p.round_id].slug},
            "product": {"code": products[p.product_id].code, "name": products[p.product_id].name},
            "latest_version": v.number, "published_date": iso(v.published_at),
            "first_published_date": iso(p.created_at),
            "bid_deadline": iso(v.bid_deadline), "questions_deadline": iso(v.questions_deadline),
            "open": listing.is_open,
            "ocds_url": url_for("api.package_ocds", reference=p.reference, _external=True),
        })
    return {"count": len(items), "packages": items}


@bp.route("/packages/<reference>/ocds.json")
def package_ocds(reference: str):
    """The stored OCDS release package of the latest version, or of `?version=N`."""
    session = db()
    package = session.exec(select(BidPackage).where(BidPackage.reference == reference)).first()
    if package is None:
        abort(404)
    query = select(PackageVersion).where(PackageVersion.package_id == package.id)
    if "version" in request.args:
        number = request.args.get("version", type=int)
        if number is None:
            abort(400)
        query = query.where(PackageVersion.number == number)
    version = session.exec(query.order_by(PackageVersion.number.desc())).first()
    if version is None:
        abort(404)
    file = session.exec(select(PackageFile).where(PackageFile.version_id == version.id,
                                                  PackageFile.name == OCDS_NAME)).one()
    return Response(file.content, mimetype="application/json",
                    headers={"X-Content-SHA256": file.sha256,
                             "Access-Control-Allow-Origin": "*"})
