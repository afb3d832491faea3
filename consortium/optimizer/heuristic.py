"""A greedy plan that places every placeable line, when it can find one.

Lines go to the period of their window shared by the most units; tranches then left below the
vendor minimum or above a member's cap are repaired by moving whole lines: pulling compatible
lines in, or pushing the tranche's lines out to other open tranches. When the result obeys every
rule, stage 1 (most units) is proven without a solve, and stage 2 places every line.
"""

from __future__ import annotations

from consortium.optimizer.answer import Allocation, check_allocation
from consortium.optimizer.instance import Instance, Subproblem

REPAIR_ROUNDS = 20


class _Plan:
    """Line -> period, with tranche quantities, lines per tranche and loads per product."""

    def __init__(self, inst: Instance, sub: Subproblem):
        self.inst = inst
        self.at: dict[int, int] = {}
        self.qty: dict[tuple[int, int], int] = {}
        self.lines: dict[tuple[int, int], set[int]] = {}
        self.by_group: dict[int, list[int]] = {}
        for pos in sub.lines:
            self.by_group.setdefault(inst.lines[pos].group, []).append(pos)

    def put(self, pos: int, period: int) -> None:
        line = self.inst.lines[pos]
        key = (line.group, period)
        self.at[pos] = period
        self.qty[key] = self.qty.get(key, 0) + line.qty
        self.lines.setdefault(key, set()).add(pos)

    def take(self, pos: int) -> None:
        line = self.inst.lines[pos]
        key = (line.group, self.at.pop(pos))
        self.qty[key] -= line.qty
        self.lines[key].discard(pos)

    def fits(self, key: tuple[int, int], extra: int = 0, removed: int | None = None,
             added: int | None = None) -> bool:
        """Would tranche `key` obey the minimum and its lines' caps with these changes?"""
        g, _p = key
        q = self.qty.get(key, 0) + extra
        if q == 0:
            return True
        info = self.inst.products[self.inst.groups[g].product]
        if q < info.min_tranche:
            return False
        tier = info.tier_for(q)
        members = [p for p in self.lines.get(key, ()) if p != removed]
        if added is not None:
            members.append(added)
        return all(self.inst.lines[p].k0 <= tier for p in members)

    def bad(self) -> list[tuple[int, int]]:
        return [key for key in sorted(self.qty) if not self.fits(key)]


def _concentrate(plan: _Plan) -> None:
    inst = plan.inst
    for lines in plan.by_group.values():
        remaining = lines
        while remaining:
            units: dict[int, int] = {}
            for pos in remaining:
                for p in inst.lines[pos].allowed:
                    units[p] = units.get(p, 0) + inst.lines[pos].qty
            best = min(units, key=lambda p: (-units[p], p))
            rest = []
            for pos in remaining:
                if best in inst.lines[pos].allowed:
                    plan.put(pos, best)
                else:
                    rest.append(pos)
            remaining = rest


def _pull(plan: _Plan, key: tuple[int, int]) -> bool:
    """Move lines of other tranches into `key` until it fits; undone if it never does."""
    g, period = key
    inst = plan.inst
    moved = []
    candidates = sorted((pos for pos in plan.by_group[g]
                         if plan.at[pos] != period and period in inst.lines[pos].allowed),
                        key=lambda pos: -inst.lines[pos].qty)
    for pos in candidates:
        if plan.fits(key):
            break
        line = inst.lines[pos]
        source = (g, plan.at[pos])
        if plan.fits(source, -line.qty, removed=pos):
            moved.append((pos, plan.at[pos]))
            plan.take(pos)
            plan.put(pos, period)
    if plan.fits(key):
        return True
    for pos, back in reversed(moved):
        plan.take(pos)
        plan.put(pos, back)
    return False


def _push(plan: _Plan, key: tuple[int, int]) -> bool:
    """Move every line of `key` to another open tranche that stays within the rules."""
    g, period = key
    inst = plan.inst
    moved = []
    for pos in sorted(plan.lines.get(key, ()), key=lambda pos: -inst.lines[pos].qty):
        line = inst.lines[pos]
        target = next((p for p in line.allowed if p != period and plan.qty.get((g, p), 0) > 0
                       and plan.fits((g, p), line.qty, added=pos)), None)
        if target is None:
            break
        moved.append(pos)
        plan.take(pos)
        plan.put(pos, target)
    if not plan.qty.get(key, 0):
        return True
    for pos in reversed(moved):
        plan.take(pos)
        plan.put(pos, period)
    return False


def greedy_allocation(inst: Instance, sub: Subproblem) -> Allocation | None:
    """Every placeable line placed, obeying every rule; None when the heuristic fails."""
    plan = _Plan(inst, sub)
    _concentrate(plan)
    for _ in range(REPAIR_ROUNDS):
        bad = plan.bad()
        if not bad:
            break
        progress = False
        for key in bad:  # every bad tranche gets its try, even after one is repaired
            if not plan.fits(key):
                progress = _pull(plan, key) or _push(plan, key) or progress
        if not progress:
            break
    alloc = {pos: [(period, inst.lines[pos].qty)] for pos, period in plan.at.items()}
    return None if check_allocation(inst, alloc) else alloc
