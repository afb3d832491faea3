"""Members' costs and the no-member-worse-off guarantee, at its least cost.

Consortium cost of a member: for each allocation, units * the tranche's unit price plus the
tranche_cost in proportion to its units. Stand-alone cost: see `standalone`.

The guarantee is enforced exactly, by constraint generation over the whole plan:

1. Members worse off in the unconstrained plan get a row: its cost, with exact prices and
   exact proportional tranche-cost shares (see `model.add_fairness`), is at most the
   stand-alone cost of the lines it has placed. Subproblems that a constrained member spans
   are merged and solved jointly, so the guarantee holds over the member's whole plan, not per
   subproblem; every other subproblem keeps its unconstrained answer.
2. A member's stand-alone cost depends on which of its lines are placed, so a row holds one
   cut per placement seen: exact for that placement, relaxed by a big-M for any other. Each
   cut is valid for every fair plan, so the model is a relaxation of "no member worse off".
3. Re-solve at the most-units level and check the answer exactly (Fractions). A member
   worse off gets a row (or a cut for its new placement) and the round repeats. When the
   answer is fair, it is the cheapest fair plan at the most units: a relaxation's optimum
   that is feasible is optimal.
4. If the relaxation is infeasible, no plan placing the most units leaves every member whole.
   Rows then become waivable: the fewest waivers are found exactly, then the least cost
   with that many; a waived member left worse off is listed with the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from consortium.optimizer.answer import Allocation, allocation_cost, tranche_quantities
from consortium.optimizer.instance import Instance, merge_subproblems
from consortium.optimizer.model import FairRow
from consortium.optimizer.money import dollars
from consortium.optimizer.progress import Stage
from consortium.optimizer.solve import SolveSettings
from consortium.optimizer.stages import SubResult, solve_fair
from consortium.optimizer.standalone import StandaloneCoster, standalone_costs

MAX_ROUNDS = 50


def consortium_costs(inst: Instance, alloc: Allocation) -> dict[tuple[int, int], Fraction]:
    """(member, group) -> what the member pays in the plan, exactly."""
    qty = tranche_quantities(inst, alloc)
    out: dict[tuple[int, int], Fraction] = {}
    for pos, parts in alloc.items():
        line = inst.lines[pos]
        info = inst.products[line.product]
        key = (line.member, line.group)
        for period, units in parts:
            q = qty[(line.group, period)]
            share = units * info.price[info.tier_for(q)] + info.tranche_cost * Fraction(units, q)
            out[key] = out.get(key, Fraction(0)) + share
    return out


@dataclass
class Ledger:
    """Stand-alone and consortium costs per (member, subproblem), updated per subproblem.

    Subproblems are cut so that a member's lines in two of them never share a period, so
    stand-alone costs add up over subproblems."""

    standalone: dict[tuple[int, int], Fraction] = field(default_factory=dict)
    consortium: dict[tuple[int, int], Fraction] = field(default_factory=dict)

    def update(self, inst: Instance, s: int, alloc: Allocation,
               coster: StandaloneCoster) -> None:
        """Replace subproblem s's entries with those of its allocation `alloc`."""
        for book in (self.standalone, self.consortium):
            for key in [k for k in book if k[1] == s]:
                del book[key]
        for (m, _g), value in standalone_costs(inst, alloc, coster).items():
            self.standalone[(m, s)] = self.standalone.get((m, s), Fraction(0)) + value
        for (m, _g), value in consortium_costs(inst, alloc).items():
            self.consortium[(m, s)] = self.consortium.get((m, s), Fraction(0)) + value

    def savings(self) -> dict[int, Fraction]:
        """member -> stand-alone minus consortium cost, over all subproblems."""
        out: dict[int, Fraction] = {}
        for (m, _s), value in self.standalone.items():
            out[m] = out.get(m, Fraction(0)) + value
        for (m, _s), value in self.consortium.items():
            out[m] = out.get(m, Fraction(0)) - value
        return out


@dataclass
class FairnessReport:
    """What enforcing the guarantee did."""

    rounds: int = 0
    resolves: int = 0
    waived: dict[int, str] = field(default_factory=dict)     # member -> reason
    seconds: float = 0.0


# Numerical slack: a row met by the solver within its tolerance, missed by the exact check, is
# tightened by the miss plus this much (relative to the member's stand-alone cost).
TIGHTEN = 1e-9


def enforce(inst: Instance, results: list[SubResult], ledger: Ledger, coster: StandaloneCoster,
            settings: SolveSettings, progress=None) -> FairnessReport:
    """Replace `results` with the cheapest plan at the most units that leaves no member worse
    off (or, where none exists, the fewest members waived), updating `ledger`."""
    return _Enforcer(inst, results, ledger, coster, settings, progress).run()


class _Enforcer:
    def __init__(self, inst, results, ledger, coster, settings, progress):
        self.inst, self.results, self.ledger = inst, results, ledger
        self.coster, self.settings, self.progress = coster, settings, progress
        self.first = list(results)
        self.report = FairnessReport()
        self.sub_of = {pos: sub.index for sub in inst.subproblems for pos in sub.lines}
        self.lines: dict[int, list[int]] = {}
        for sub in inst.subproblems:
            for pos in sub.lines:
                self.lines.setdefault(inst.lines[pos].member, []).append(pos)
        self.parent = list(range(len(inst.subproblems)))
        self.cuts: dict[int, list[tuple[frozenset[int], Fraction]]] = {}
        self.waiving: set[int] = set()       # subproblems whose component needs waivers

    def find(self, s: int) -> int:
        while self.parent[s] != s:
            self.parent[s] = self.parent[self.parent[s]]
            s = self.parent[s]
        return s

    def placed(self, m: int) -> frozenset[int]:
        return frozenset(pos for pos in self.lines.get(m, [])
                         if pos in self.results[self.sub_of[pos]].alloc)

    def run(self) -> FairnessReport:
        start = time.perf_counter()
        report = self.report
        for report.rounds in range(1, MAX_ROUNDS + 1):
            dirty = self._new_cuts()
            if not dirty:
                report.rounds -= 1
                break
            roots = sorted({self.find(s) for s in dirty})
            for k, root in enumerate(roots, 1):
                if self.progress:
                    self.progress(Stage.FAIRNESS, k, len(roots))
                self._solve(root)
        else:
            for m, value in self.ledger.savings().items():
                if value < 0 and m not in report.waived:
                    report.waived[m] = (f"the guarantee was not settled in {MAX_ROUNDS} rounds; "
                                        f"it pays {dollars(-value)} more than alone")
        report.seconds = time.perf_counter() - start
        return report

    def _new_cuts(self) -> set[int]:
        """Rows or cuts for every member now worse off; the subproblems to re-solve."""
        dirty: set[int] = set()
        alone = self._per_member(self.ledger.standalone)
        for m, value in sorted(self.ledger.savings().items()):
            if value >= 0 or m in self.report.waived:
                continue
            placed = self.placed(m)
            cuts = self.cuts.setdefault(m, [])
            seen = next((j for j, (chosen, _l) in enumerate(cuts) if chosen == placed), None)
            if seen is None:
                cuts.append((placed, alone.get(m, Fraction(0))))
            else:  # met in the model within tolerance, missed exactly: tighten
                chosen, limit = cuts[seen]
                cuts[seen] = (chosen, limit + value - TIGHTEN * max(1, limit))
            subs = sorted({self.sub_of[pos] for pos in self.lines[m]})
            for s in subs[1:]:
                self._union(subs[0], s)
            dirty.update(subs)
        return dirty

    def _union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    @staticmethod
    def _per_member(book: dict[tuple[int, int], Fraction]) -> dict[int, Fraction]:
        out: dict[int, Fraction] = {}
        for (m, _s), value in book.items():
            out[m] = out.get(m, Fraction(0)) + value
        return out

    def _solve(self, root: int) -> None:
        inst = self.inst
        comp = [s for s in range(len(inst.subproblems)) if self.find(s) == root]
        sub = merge_subproblems([inst.subproblems[s] for s in comp])
        must = frozenset(pos for s in comp if self.first[s].all_placed
                         for pos in inst.subproblems[s].lines)
        floor = sum(units for s in comp for parts in self.first[s].alloc.values()
                    for _p, units in parts)
        members = [m for m in sorted(self.cuts) if self.find(self.sub_of[self.lines[m][0]]) == root]
        waivable = any(s in self.waiving for s in comp)
        # the unconstrained bounds hold at the most units only when those were proven
        lower = (sum((self.first[s].bound for s in comp), Fraction(0))
                 if all(self.first[s].status == "optimal" for s in comp) else Fraction(0))
        while True:
            rows = [FairRow(m, self.lines[m], self.cuts[m], self._big(m), waivable)
                    for m in members]
            self.report.resolves += 1
            answer, waived, status = solve_fair(inst, sub, self.settings, floor=floor,
                                                must=must, rows=rows, lower=lower)
            if answer is None and status == "infeasible" and not waivable:
                waivable = True
                self.waiving.update(comp)
                continue
            break
        for m in members:
            self.report.waived.pop(m, None)
        if answer is None:  # no plan in time: the current one stands, and says so
            for m in members:
                self._waive(m, "no plan placing the most units and keeping it whole was found "
                               "within the time limit")
            return
        self._store(comp, answer)
        for m in sorted(waived):
            self._waive(m, f"no plan placing the most units ({floor} in its part of the plan) "
                           f"leaves every member no worse off than buying alone (at least "
                           f"{len(waived)} must be worse off)")

    def _waive(self, m: int, why: str) -> None:
        value = self.ledger.savings().get(m, Fraction(0))
        if value < 0:
            self.report.waived[m] = f"{why}; it pays {dollars(-value)} more than alone"

    def _store(self, comp: list[int], answer: SubResult) -> None:
        """Split the joint answer back into its subproblems and update the ledger."""
        inst = self.inst
        parts = {s: {} for s in comp}
        for pos, line_parts in answer.alloc.items():
            parts[self.sub_of[pos]][pos] = line_parts
        costs = {s: allocation_cost(inst, parts[s]) for s in comp}
        rest = sum((costs[s] for s in comp[1:]), Fraction(0))
        for j, s in enumerate(comp):
            bound = answer.bound - rest if j == 0 else costs[s]
            first = self.first[s]
            self.results[s] = SubResult(parts[s], answer.status, bound, costs[s],
                                        first.all_placed, first.units_floor,
                                        first.build_seconds, first.solve_seconds, first.milp)
            self.ledger.update(inst, s, parts[s], self.coster)

    def _big(self, m: int) -> float:
        """More than the member could pay in any plan: every unit at the top price plus a
        whole tranche cost."""
        total = Fraction(0)
        for pos in self.lines[m]:
            line = self.inst.lines[pos]
            info = self.inst.products[line.product]
            total += line.qty * (max(info.price) + info.tranche_cost)
        return float(total) + 1.0
