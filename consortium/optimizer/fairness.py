"""Members' costs and the no-member-worse-off guarantee.

Consortium cost of a member: for each allocation, units * the tranche's unit price plus the
tranche_cost in proportion to its units. Stand-alone cost: see `standalone`.

The guarantee, a sufficient linear method applied per subproblem: a member whose savings are
negative gets, in each subproblem where it pays more than alone, its lines fixed as placed or
unplaced as they are, and a constraint that its cost there (exact unit prices, plus a whole
tranche_cost for every tranche it uses, which is at least its proportional share) is at most its
stand-alone cost there; stand-alone costs add up over subproblems, so meeting it
in every such subproblem is enough. The subproblem is re-solved at the same placed-units level,
and rounds repeat until nobody is worse off. Placed units always come first: a member whose
constraint cannot be met at the most-units level is listed as waived, and keeps its shortfall.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from consortium.optimizer.answer import Allocation, tranche_quantities
from consortium.optimizer.instance import Instance
from consortium.optimizer.model import FairRow
from consortium.optimizer.solve import SolveSettings
from consortium.optimizer.stages import SubResult, resolve_fair
from consortium.optimizer.standalone import StandaloneCoster, standalone_costs

MAX_ROUNDS = 50
CENT = Fraction(1, 100)


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

    def excess(self, member: int, s: int) -> Fraction:
        """How much more the member pays in subproblem s than alone."""
        return (self.consortium.get((member, s), Fraction(0))
                - self.standalone.get((member, s), Fraction(0)))


@dataclass
class FairnessReport:
    """What enforcing the guarantee did."""

    rounds: int = 0
    resolves: int = 0
    waived: set[int] = field(default_factory=set)
    seconds: float = 0.0


def enforce(inst: Instance, results: list[SubResult], ledger: Ledger, coster: StandaloneCoster,
            settings: SolveSettings, progress=None) -> FairnessReport:
    """Re-solve subproblems with member cost limits until no member is worse off."""
    start = time.perf_counter()
    report = FairnessReport()
    rows: dict[int, dict[int, FairRow]] = {}
    fixed: dict[int, dict[int, bool]] = {}
    for report.rounds in range(1, MAX_ROUNDS + 1):
        worse = sorted(m for m, s in ledger.savings().items() if s < 0 and m not in report.waived)
        if not worse:
            report.rounds -= 1
            break
        todo = {}
        for s in range(len(inst.subproblems)):
            late = [m for m in worse if ledger.excess(m, s) > 0]
            if late:
                todo[s] = late
        for k, (s, late) in enumerate(sorted(todo.items()), 1):
            if progress:
                progress("fairness", k, len(todo))
            new_rows = []
            for m in late:
                limit = ledger.standalone.get((m, s), Fraction(0))
                if m in rows.get(s, {}):  # met in the model, missed by rounding: tighten
                    limit = Fraction(rows[s][m].limit) - ledger.excess(m, s) - CENT
                new_rows.append(FairRow(m, _member_lines(inst, results[s], m, s), float(limit)))
            _resolve(inst, s, results, rows, fixed, new_rows, settings, report)
            ledger.update(inst, s, results[s].alloc, coster)
    else:
        report.waived |= {m for m, s in ledger.savings().items() if s < 0}
    report.seconds = time.perf_counter() - start
    return report


def _member_lines(inst: Instance, result: SubResult, member: int, s: int) -> list[int]:
    return [pos for pos in inst.subproblems[s].lines
            if inst.lines[pos].member == member and pos in result.alloc]


def _resolve(inst: Instance, s: int, results: list[SubResult], rows: dict, fixed: dict,
             new_rows: list[FairRow], settings: SolveSettings, report: FairnessReport) -> None:
    """Re-solve subproblem s with its rows plus `new_rows`; rows that cannot be met together
    with the earlier ones are dropped one by one and their members waived."""
    sub = inst.subproblems[s]
    first = results[s]
    kept = dict(rows.get(s, {}))
    kept_fixed = dict(fixed.get(s, {}))

    def attempt(candidate_rows: dict[int, FairRow], candidate_fixed: dict[int, bool]):
        report.resolves += 1
        return resolve_fair(inst, sub, settings, first, candidate_fixed,
                            list(candidate_rows.values()))

    def with_row(base_rows, base_fixed, row):
        r, f = dict(base_rows), dict(base_fixed)
        r[row.member] = row
        for pos in sub.lines:
            if inst.lines[pos].member == row.member and pos not in f:
                f[pos] = pos in results[s].alloc
        return r, f

    trial_rows, trial_fixed = kept, kept_fixed
    for row in new_rows:
        trial_rows, trial_fixed = with_row(trial_rows, trial_fixed, row)
    answer = attempt(trial_rows, trial_fixed)
    if answer is None:
        for row in new_rows:
            r, f = with_row(kept, kept_fixed, row)
            one = attempt(r, f)
            if one is None:
                report.waived.add(row.member)
            else:
                kept, kept_fixed, answer = r, f, one
    else:
        kept, kept_fixed = trial_rows, trial_fixed
    if answer is not None:  # timings stay those of the first solve; fairness is timed apart
        answer.build_seconds, answer.solve_seconds = first.build_seconds, first.solve_seconds
        results[s] = answer
    rows[s], fixed[s] = kept, kept_fixed
