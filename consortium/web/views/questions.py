"""Admin pages for vendors' questions: every unanswered question, and a page per package where
each is answered in writing or marked as answered by one of the package's addenda."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from consortium.models import BidPackage, PackageVersion, Question, Round, User, Vendor
from consortium.services import publishing, questions
from consortium.services.errors import ServiceError
from consortium.policy import ADMIN
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.questions import AddendumAnswerForm, AnswerForm
from consortium.web.pagination import paginate

bp = Blueprint("questions", __name__, url_prefix="/admin/questions")
guard(bp, ADMIN)

PER_PAGE = 20


def _names(session, rows: list[Question]) -> dict:
    """The vendors, askers and packages of `rows`, by id (the asker is shown to admins only)."""
    def by_id(model, ids):
        ids = {i for i in ids if i}
        return {r.id: r for r in session.exec(select(model).where(model.id.in_(ids))).all()} \
            if ids else {}
    return {"vendors": by_id(Vendor, (q.vendor_id for q in rows)),
            "users": by_id(User, (q.user_id for q in rows)),
            "packages": by_id(BidPackage, (q.package_id for q in rows))}


@bp.route("/")
def unanswered():
    """Every question waiting for an answer, oldest first."""
    session = db()
    page = paginate(session, questions.unanswered_query(), per_page=PER_PAGE)
    return render_template("questions/unanswered.html", page=page, **_names(session, page.items))


def _addendum_choices(session, package: BidPackage) -> list[tuple[int, str]]:
    return [(v.id, f"Addendum {v.number}: {v.change_note[:80]}")
            for v in reversed(publishing.versions(session, package)) if v.number > 0]


def _package_page(package: BidPackage, *, failed: int | None = None, answer_form=None,
                  addendum_form=None, status: int = 200):
    """The package's questions, open ones first; `failed` is the question whose form had errors."""
    session = db()
    page = paginate(session, questions.package_questions_query(package), per_page=PER_PAGE)
    page.args = {**page.args, "package_id": package.id}  # for the pager's links
    choices = _addendum_choices(session, package)
    forms = {}
    for q in page.items:
        if q.status != "open":
            continue
        mine = q.id == failed
        answer = answer_form if mine and answer_form else AnswerForm(formdata=None,
                                                                     prefix=f"q{q.id}")
        by_addendum = (addendum_form if mine and addendum_form
                       else AddendumAnswerForm(formdata=None, prefix=f"q{q.id}"))
        by_addendum.version_id.choices = choices
        forms[q.id] = (answer, by_addendum)
    versions = {v.id: v for v in publishing.versions(session, package)}
    return render_template(
        "questions/package.html", package=package, page=page, forms=forms, versions=versions,
        answers=questions.answers_of(session, page.items), has_addenda=bool(choices),
        round=session.get(Round, package.round_id), **_names(session, page.items)), status


@bp.route("/package/<int:package_id>")
def package_questions(package_id: int):
    """A package's questions with an answer form under each open one (paginated)."""
    return _package_page(load_or_404(BidPackage, package_id))


def _back(question: Question):
    return redirect(url_for("questions.package_questions", package_id=question.package_id,
                            **({"page": request.args["page"]}
                               if request.args.get("page", "").isdigit() else {})))


@bp.route("/<int:question_id>/answer", methods=["POST"])
def answer(question_id: int):
    """Publish a written answer to one question (to every approved vendor, asker withheld)."""
    question = load_or_404(Question, question_id, change=True)
    package = load_or_404(BidPackage, question.package_id)
    form = AnswerForm(prefix=f"q{question.id}")
    if form.validate_on_submit():
        try:
            questions.answer(db(), current_user, question, form.text.data)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Answer published to every approved vendor of {package.reference}.", "success")
            return _back(question)
    else:
        flash("The answer was not published: " + "; ".join(
            e for errors in form.errors.values() for e in errors), "error")
    return _package_page(package, failed=question.id, answer_form=form, status=422)


@bp.route("/<int:question_id>/addendum", methods=["POST"])
def answer_by_addendum(question_id: int):
    """Mark one question as answered by an addendum of its package."""
    question = load_or_404(Question, question_id, change=True)
    package = load_or_404(BidPackage, question.package_id)
    session = db()
    form = AddendumAnswerForm(prefix=f"q{question.id}")
    form.version_id.choices = _addendum_choices(session, package)
    if form.validate_on_submit():
        version = session.get(PackageVersion, form.version_id.data)
        try:
            questions.answer_by_addendum(session, current_user, question, version,
                                         form.note.data or "")
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Marked as answered by addendum {version.number}; every approved vendor "
                  "was told.", "success")
            return _back(question)
    else:
        flash("Nothing was changed: " + "; ".join(
            e for errors in form.errors.values() for e in errors), "error")
    return _package_page(package, failed=question.id, addendum_form=form, status=422)
