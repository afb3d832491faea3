"""Why a line is unplaced, in words a fleet manager can act on.

Two moments: the pre-solve proves some lines unplaceable in any plan (cap below every reachable
price, vendor minimum out of reach, line larger than the vendor's capacity); after the solve, the
remaining unplaced lines are explained against the plan (capacity taken, minimum not met by an
open tranche, price at the plan's volumes above the cap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consortium.optimizer.money import dollars

if TYPE_CHECKING:  # imported for type names only; instance imports this module
    from consortium.optimizer.instance import Instance, Line, ProductInfo


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def capacity_too_small(inst: Instance, line: Line, info: ProductInfo) -> str | None:
    """The line can never fit the vendor's per-period capacity, or None."""
    cap = info.capacity
    if cap is None:
        return None
    if cap < info.min_tranche:
        return (f"the vendor minimum of {info.min_tranche} {info.code} per tranche is above its "
                f"limit of {cap} per period, so no tranche of {info.code} can be formed")
    width = line.hi - line.lo + 1
    if not line.split and line.qty > cap:
        return (f"{_units(line.qty)} exceed the vendor's limit of {cap} {info.code} per period "
                f"and the line is not splittable; split it or mark it splittable")
    if line.split and line.qty > cap * width:
        return (f"{_units(line.qty)} exceed the vendor's limit of {cap} {info.code} per period "
                f"over its {width}-period window {inst.window_text(line)}; widen the window")
    return None


def out_of_reach(inst: Instance, line: Line, info: ProductInfo,
                 qmax: dict[tuple[int, int], int]) -> str:
    """Why no period of the window can take the line (vendor minimum or price cap)."""
    window = inst.window_text(line)
    reach = {p: min(qmax.get((line.group, p), 0), info.capacity or 10**18)
             for p in range(line.lo, line.hi + 1)}
    formed = [p for p, r in reach.items() if r >= info.min_tranche]
    if not formed:
        most = max(reach.values())
        others = [inst.lines[pos] for pos in inst.groups[line.group].lines if pos != line.pos]
        if not any(o.lo <= line.hi and line.lo <= o.hi for o in others):
            tail = f"no compatible demand shares its window {window}"
        elif most <= line.qty:
            tail = (f"the compatible demand that shares its window {window} cannot be placed "
                    f"either")
        else:
            tail = (f"compatible demand in its window {window} adds up to at most "
                    f"{_units(most)} in any one period")
        return f"{_units(line.qty)} is below the vendor minimum of {info.min_tranche} and {tail}"
    best = min(info.price[info.tier_for(reach[p])] for p in formed)
    return (f"the lowest price reachable in its window {window} is {dollars(best)}, "
            f"above its cap of {dollars(line.cap)}")


def explain_unplaced(inst: Instance, line: Line, tranche_qty: dict[tuple[int, int], int],
                     used: dict[tuple[int, int], int]) -> str:
    """Why the plan leaves a placeable line out, judged against the plan's tranches and loads."""
    info = inst.products[line.product]
    window = inst.window_text(line)
    need = 1 if line.split else line.qty
    free = {p: (info.capacity - used.get((line.product, p), 0)) if info.capacity else None
            for p in line.allowed}
    open_room = [p for p in line.allowed if free[p] is None or free[p] >= need]
    if not open_room:
        most = max(free.values())
        return (f"the vendor's limit of {info.capacity} {info.code} per period is taken by "
                f"other placed lines in its window {window} (at most {most} free in a period)")
    if line.split and info.capacity is not None and sum(free[p] for p in open_room) < line.qty:
        return (f"the vendor's limit of {info.capacity} {info.code} per period leaves only "
                f"{sum(free[p] for p in open_room)} free in its window {window}")
    too_small, prices = False, []
    for p in open_room:
        if free[p] is not None and free[p] < line.qty:
            continue  # a split line could use part of this room; judged as a whole below
        have = tranche_qty.get((line.group, p), 0)
        if have == 0 and line.qty < info.min_tranche:
            too_small = True
            continue
        price = info.price[info.tier_for(have + line.qty)]
        if line.cap is not None and price > line.cap:
            prices.append(price)
            continue
        return ("the search stopped at its time limit before placing it; "
                "rerun with a longer time limit")
    parts = []
    if too_small:
        parts.append(f"{_units(line.qty)} is below the vendor minimum of {info.min_tranche} "
                     f"and no compatible tranche is open in its window {window}")
    if prices:
        parts.append(f"the lowest price reachable in its window {window} at the plan's volumes "
                     f"is {dollars(min(prices))}, above its cap of {dollars(line.cap)}")
    if not parts:
        parts.append(f"no split across its window {window} fits the vendor minimum, capacity "
                     f"and price cap without pushing out more units of other lines")
    return "; ".join(parts)
