"""Reading an award run: per lot the award, the runner-up and the plan's estimate; per member
the award against its stand-alone estimate; several runs side by side.

Money is exact (Decimal from the stored JSON numbers); the award file's own figures are shown as
written. The plan's estimates come from the plan each bid package was built from (its lots are
that plan's tranches, `publishing_inputs.lot_caps`), the members' stand-alone estimates from
the round's approved tranche run (`run_results.plan_of`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlmodel import Session, select

from consortium.models import AwardRun, BidPackage, Member, Product, Round, Run
from consortium.services import bids as bid_service
from consortium.services.publishing_inputs import lot_caps
from consortium.services.run_results import StoredDocumentError, plan_of


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def lot_estimates(session: Session, round_: Round) -> dict[str, dict]:
    """Award lot id (CODE/LOT-n) -> the plan's estimate: unit price and value of its tranche."""
    out = {}
    packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)).all()
    for package in packages:
        version = bid_service.latest(session, package)
        run = session.get(Run, version.run_id)
        code = session.get(Product, package.product_id).code
        try:
            lots = lot_caps(round_, run, code) if run else {}
        except StoredDocumentError:
            continue
        for lot, _cap in lots.values():
            out[f"{code}/{lot.id}"] = {"unit_price": _dec(lot.estimated_unit_price),
                                       "value": _dec(lot.estimated_value)}
    return out


def lot_rows(problem: dict, result: dict, estimates: dict[str, dict]) -> list[dict]:
    """One row per lot of the problem: the award (or the reason it has none), the runner-up
    (the next-cheapest bid pricing the lot, other than the winner) and the plan's estimate."""
    offers: dict[str, list[tuple[Decimal, str, str]]] = defaultdict(list)
    for bid in problem["bids"]:
        for price in bid["prices"]:
            offers[price["lot"]].append((_dec(price["unit_price"]), bid["id"], bid["vendor"]))
    awards = {a["lot"]: a for a in result.get("awards", [])}
    reasons = {u["lot"]: u["reason"] for u in result.get("unawarded", [])}
    rows = []
    for lot in problem["lots"]:
        award = awards.get(lot["id"])
        ranked = sorted(offers[lot["id"]])
        others = [o for o in ranked if award is None or o[1] != award["bid"]]
        runner = others[0] if others else None
        estimate = estimates.get(lot["id"])
        value = _dec(award["value"]) if award else None
        rows.append({
            "lot": lot["id"], "product": lot["product"], "period": lot["period"],
            "quantity": lot["quantity"], "cap": lot.get("max_unit_price"), "offers": len(ranked),
            "award": award, "reason": reasons.get(lot["id"], ""),
            "runner_up": ({"bid": runner[1], "vendor": runner[2], "unit_price": runner[0],
                           "over": (runner[0] - _dec(award["unit_price"])) if award else None}
                          if runner else None),
            "estimate": estimate["value"] if estimate else None,
            "versus_estimate": (value - estimate["value"]) if award and estimate else None,
        })
    return rows


def member_rows(session: Session, round_: Round, result: dict) -> list[dict]:
    """Per member: its contracts added up (units, gross, discount share, net), against its
    consortium and stand-alone estimates in the round's approved plan."""
    totals: dict[str, dict] = {}
    for c in result.get("contracts", []):
        row = totals.setdefault(c["member"], {"member": c["member"], "units": 0,
                                              "gross": Decimal(0), "discount": Decimal(0),
                                              "net": Decimal(0), "vendors": []})
        row["units"] += c["units"]
        for key in ("gross", "discount", "net"):
            row[key] += _dec(c[key])
        row["vendors"].append(c["vendor"])
    estimates = member_estimates(session, round_)
    rows = []
    for name in sorted(totals):
        row = totals[name]
        plan = estimates.get(name)
        row["consortium_estimate"] = plan["consortium_cost"] if plan else None
        row["standalone"] = plan["standalone_cost"] if plan else None
        row["saving"] = (plan["standalone_cost"] - row["net"]) if plan else None
        rows.append(row)
    return rows


def member_estimates(session: Session, round_: Round) -> dict[str, dict]:
    """Member name -> its stand-alone and consortium cost in the round's approved plan."""
    run = session.get(Run, round_.approved_run_id) if round_.approved_run_id else None
    try:
        plan = plan_of(run) if run else None
    except StoredDocumentError:
        plan = None
    if plan is None:
        return {}
    ids = [m.member_id for m in plan.members if m.member_id is not None]
    names = {m.id: m.name for m in session.exec(select(Member).where(Member.id.in_(ids)))} \
        if ids else {}
    return {names.get(m.member_id, m.member): {"standalone_cost": _dec(m.standalone_cost),
                                               "consortium_cost": _dec(m.consortium_cost)}
            for m in plan.members}


def summary(result: dict, rows: list[dict]) -> dict:
    """The run's figures at a glance: units, value, discounts, cost, estimate of the awarded
    lots and the difference."""
    awarded = [r for r in rows if r["award"]]
    estimate = sum((r["estimate"] for r in awarded if r["estimate"] is not None), Decimal(0))
    discounts = sum((_dec(d["amount"]) for d in result.get("discounts", [])), Decimal(0))
    cost = _dec(result.get("total_cost"))
    return {"status": result.get("status"), "awarded_units": result.get("awarded_units", 0),
            "lots": len(rows), "awarded_lots": len(awarded),
            "units": sum(r["quantity"] for r in rows),
            "value": sum((_dec(r["award"]["value"]) for r in awarded), Decimal(0)),
            "discounts": discounts, "total_cost": cost,
            "estimate": estimate if all(r["estimate"] is not None for r in awarded) else None,
            "versus_estimate": (cost - estimate) if awarded else None}


def chart_data(members: list[dict]) -> dict:
    """The members chart's data: each member's net award against its plan estimates."""
    def figure(value):
        return float(value) if value is not None else None

    return {"members": [m["member"] for m in members],
            "net": [figure(m["net"]) for m in members],
            "consortium": [figure(m["consortium_estimate"]) for m in members],
            "standalone": [figure(m["standalone"]) for m in members]}


def result_page(session: Session, round_: Round, run: AwardRun) -> dict | None:
    """Everything the award run page shows once the run succeeded (None before)."""
    if not run.result or not run.problem:
        return None
    rows = lot_rows(run.problem, run.result, lot_estimates(session, round_))
    members = member_rows(session, round_, run.result)
    return {"lots": rows, "summary": summary(run.result, rows), "members": members,
            "chart": chart_data(members),
            "discounts": run.result.get("discounts", []),
            "vendors": run.result.get("vendors", []),
            "unawarded": [r for r in rows if not r["award"]]}


def compare(session: Session, round_: Round, runs: list[AwardRun]) -> dict:
    """Several succeeded award runs side by side: their figures, and per lot each run's winner
    (`changed` when the runs do not all agree)."""
    estimates = lot_estimates(session, round_)
    columns, winners = [], defaultdict(dict)
    lots: dict[str, dict] = {}
    for run in runs:
        rows = lot_rows(run.problem, run.result, estimates)
        columns.append({"run": run, "summary": summary(run.result, rows),
                        "bids": len(run.problem["bids"])})
        for r in rows:
            lots.setdefault(r["lot"], {"lot": r["lot"], "quantity": r["quantity"]})
            winners[r["lot"]][run.id] = r["award"]
    table = []
    for lot_id, lot in lots.items():
        picks = [winners[lot_id].get(run.id) for run in runs]
        keys = {(p["bid"] if p else None) for p in picks}
        table.append({**lot, "winners": picks, "changed": len(keys) > 1})
    return {"columns": columns, "lots": table}
