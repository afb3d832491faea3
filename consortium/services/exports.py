"""CSV downloads: every CSV the app writes for people goes through `csv_text`, which writes
every cell through `csv_safety.csv_cell` (no cell may start a spreadsheet formula; the app's own
import undoes the guard, so an exported file imports back unchanged) with a BOM for spreadsheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from consortium.csv_safety import write_rows
from consortium.optimizer import Plan


def cell(value):
    """One cell: None is empty; numbers stay numbers (so a negative amount is data, not text
    that `csv_cell` would guard); everything else as str()."""
    if value is None:
        return ""
    return value if isinstance(value, (int, float, Decimal)) else str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """`header` and `rows` as CSV text with a BOM, so spreadsheets read it as UTF-8; every cell
    neutralised by `csv_safety.csv_cell`."""
    return write_rows([cell(c) for c in header], ([cell(c) for c in row] for row in rows),
                      bom=True)


def amount(value):
    """A money amount for a CSV cell, as a number: whole, or with two decimals; no $ or commas."""
    if value is None or value == "":
        return ""
    exact = Decimal(str(value)).quantize(Decimal("0.01"))
    return int(exact) if exact == exact.to_integral_value() else exact


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _options(options: dict | None) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted((options or {}).items()))


def demand_overview_csv(session, round_, filters) -> str:
    """The round's demand lines matching the overview's filters, with a totals row."""
    from consortium.models import DemandLine
    from consortium.services.rounds import filtered_lines_query

    rows, units = [], 0
    for line, member, product in session.exec(
            filtered_lines_query(round_, filters).order_by(DemandLine.ref)).all():
        units += line.quantity
        rows.append([line.ref, member.name, product.code, line.quantity, line.earliest,
                     line.latest, _options(line.options), "yes" if line.splittable else "no",
                     amount(line.max_unit_price), line.notes, line.version,
                     line.updated_at.strftime("%Y-%m-%d %H:%M")])
    rows.append(["Total", _count(len(rows), "line"), "", units, "", "", "", "", "", "", "", ""])
    return csv_text(("ref", "member", "product", "quantity", "earliest", "latest", "options",
                     "splittable", "max_unit_price", "notes", "version", "updated_utc"), rows)


def tranche_matches(row: dict, text: str) -> bool:
    """Whether a tranche row (from `run_results.tranche_rows`) contains `text` in its id,
    product, options, period or a member's name (case-insensitive)."""
    needle = (text or "").strip().casefold()
    if not needle:
        return True
    haystack = [row["id"], row["product"], row.get("product_name", ""), row["options_label"],
                row["period"], *(m for m, _q in row["members"])]
    return any(needle in str(h).casefold() for h in haystack)


def tranche_totals(rows: list[dict]) -> dict:
    """Units, cost and tranche costs of the given tranche rows (the table's totals row)."""
    return {"tranches": len(rows), "quantity": sum(r["quantity"] for r in rows),
            "total_cost": round(sum(r["total_cost"] for r in rows), 2),
            "tranche_cost": round(sum(r.get("tranche_cost") or 0 for r in rows), 2)}


def tranches_csv(rows: list[dict]) -> str:
    """A run's tranches (one row per member allocation's member) with a totals row."""
    out = []
    for r in rows:
        tier = f"{r['tier']['number']} of {r['tier']['of']}" if r.get("tier") else ""
        members = "; ".join(f"{m}: {q}" for m, q in r["members"])
        out.append([r["id"], r["product"], _options(r.get("options")), r["period"], r["quantity"],
                    tier, amount(r["unit_price"]), amount(r.get("tranche_cost") or 0),
                    amount(r["total_cost"]), members])
    t = tranche_totals(rows)
    out.append(["Total", _count(t["tranches"], "tranche"), "", "", t["quantity"], "", "",
                amount(t["tranche_cost"]), amount(t["total_cost"]), ""])
    return csv_text(("tranche", "product", "options", "period", "quantity", "tier",
                     "unit_price", "tranche_cost", "total_cost", "members"), out)


def member_savings_csv(plan: Plan) -> str:
    """Each member's stand-alone cost, consortium cost and savings in a plan, with totals."""
    out, totals = [], [0, 0, 0]
    for m in plan.members:
        pct = f"{100 * m.savings / m.standalone_cost:.2f}" if m.standalone_cost else ""
        out.append([m.member, amount(m.standalone_cost), amount(m.consortium_cost),
                    amount(m.savings), pct])
        for i, value in enumerate((m.standalone_cost, m.consortium_cost, m.savings)):
            totals[i] += value
    pct = f"{100 * totals[2] / totals[0]:.2f}" if totals[0] else ""
    out.append(["Total", *(amount(round(v, 2)) for v in totals), pct])
    return csv_text(("member", "standalone_cost", "consortium_cost", "savings", "savings_pct"),
                    out)


def member_results_csv(result: dict) -> str:
    """One member's allocations in an approved plan (from `run_results.member_results`), with
    a totals row, its unplaced lines and its savings."""
    out = [[a["demand"], a["product"], a["options_label"], a["window"], a["period"],
            a["quantity"], amount(a["unit_price"]), a["tranche"],
            amount(a["tranche_cost_share"]), amount(a["cost"]), ""]
           for a in result["allocations"]]
    out.append(["Total", "", "", "", "", result["placed_units"], "", "", "",
                amount(round(sum(a["cost"] for a in result["allocations"]), 2)), ""])
    out += [[u["demand"], "", "", "", "", u["quantity"], "", "", "", "",
             f"not placed: {u['reason']}"] for u in result["unplaced"]]
    out.append(["Savings", "", "", "", "", "", "", "", "", amount(result["savings"]),
                f"stand-alone {amount(result['standalone_cost'])}, consortium "
                f"{amount(result['consortium_cost'])} ({result['savings_pct']} %)"])
    return csv_text(("line", "product", "options", "window", "period", "quantity", "unit_price",
                     "tranche", "tranche_cost_share", "cost", "note"), out)
