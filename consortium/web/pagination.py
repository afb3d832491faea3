"""Pagination and sorting for list pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from flask import request
from sqlalchemy import func
from sqlmodel import Session, select

from consortium.db import plain_rows

DEFAULT_PER_PAGE = 50


@dataclass
class Page:
    """One page of a list: its items, position and the request's other arguments."""

    items: list
    number: int
    per_page: int
    total: int
    args: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def request_args(*drop: str) -> dict:
    """The request's query arguments except `page` (and `drop`), for links that keep filters."""
    return {k: v for k, v in request.args.items() if k not in ("page", *drop) and v != ""}


def sorted_query(query, columns: dict, default: str):
    """Order `query` by the request's `sort` argument (`name` or `-name`), one of `columns`."""
    key = request.args.get("sort", default)
    name = key.lstrip("-")
    column = columns.get(name) if name in columns else columns[default.lstrip("-")]
    descending = key.startswith("-") if name in columns else default.startswith("-")
    return query.order_by(column.desc() if descending else column.asc())


def paginate(session: Session, query, *, per_page: int = DEFAULT_PER_PAGE,
             total: int | None = None, plain: bool = False, params: dict | None = None) -> Page:
    """The request's page (`?page=N`) of `query`'s rows, with the total count (counted here
    unless the caller already knows it from the same request's totals). `plain`: `query`
    selects columns, and the rows are read without the ORM (db.plain_rows); `params`: values of
    its bound parameters (a statement built once), with `plain` and `total` only."""
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    if total is None:
        total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    pages = max(1, ceil(total / per_page))
    number = min(number, pages)
    query = query.offset((number - 1) * per_page).limit(per_page)
    items = plain_rows(session, query, params).all() if plain else session.exec(query).all()
    return Page(items=list(items), number=number, per_page=per_page, total=total,
                args=request_args())
