"""The public, read-only JSON API: published packages and their OCDS release packages.

`ocds.json` serves a version's stored, frozen file; `releases.json` serves every release of the
package, those files' releases followed by the ones recorded since (the answered questions), so
nothing published is ever rewritten.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request, url_for
from sqlmodel import select

from consortium.models import BidPackage, PackageFile, PackageVersion, Product, Round
from consortium.publish.build import OCDS_NAME
from consortium.publish.inputs import iso
from consortium.services import public_record, questions
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
    answered = questions.published_counts(session)
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
            "answered_questions": answered.get(p.id, 0),
            "releases_url": url_for("api.package_releases", reference=p.reference,
                                    _external=True),
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


@bp.route("/packages/<reference>/releases.json")
def package_releases(reference: str):
    """Every release of the package: each version's stored release, then the answered questions
    (`tender.enquiries`, without who asked), as one validated OCDS release package."""
    session = db()
    package = session.exec(select(BidPackage).where(BidPackage.reference == reference)).first()
    if package is None:
        abort(404)
    uri = url_for("api.package_releases", reference=reference, _external=True)
    try:
        data = public_record.release_package(session, package, uri)
    except LookupError:
        abort(404)
    response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
