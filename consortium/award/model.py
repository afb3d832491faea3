"""The award MILP, built in small named functions.

x[p] = 1 when pair p (a bid and a lot it may win) is awarded; y[d] = 1 may only be set when every
lot of set discount d is awarded to its bid (y[d] <= x[p] for each of them). Stage 1 maximises
awarded units; stage 2 keeps them and minimises sum value[p] x[p] - sum amount[d] y[d], so an
optimal y[d] is 1 exactly when its set is won (the amounts are > 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from consortium.award.instance import AwardInstance


@dataclass
class AwardModel:
    """A built model and the handles needed to read its answer."""

    prob: pulp.LpProblem
    x: list[pulp.LpVariable | None] = field(default_factory=list)
    y: dict[int, pulp.LpVariable] = field(default_factory=dict)
    units: pulp.LpAffineExpression | None = None
    cost: pulp.LpAffineExpression | None = None
    floor_row: pulp.LpConstraint | None = None

    def set_units_objective(self) -> None:
        """Stage 1: award as many units as possible."""
        self.prob.sense = pulp.LpMaximize
        self.prob.setObjective(self.units)

    def set_cost_objective(self, min_units: int | None) -> None:
        """Stage 2: least cost, keeping at least `min_units` awarded (the stage-1 optimum)."""
        if min_units is not None:
            if self.floor_row is None:
                self.floor_row = pulp.LpConstraint(self.units, pulp.LpConstraintGE,
                                                   "units_floor", min_units - 0.5)
                self.prob.addConstraint(self.floor_row)
            else:
                self.floor_row.changeRHS(min_units - 0.5)
        self.prob.sense = pulp.LpMinimize
        self.prob.setObjective(self.cost)


def build_award_model(inst: AwardInstance, lots: list[int] | None = None, *,
                      vendors: bool = True, discounts: bool = True) -> AwardModel:
    """Build the award MILP (objective set later by the stage).

    `lots` restricts it to those lots' pairs (a group no capacity row crosses); `vendors` and
    `discounts` False leave out the lots-per-vendor rows and the discount variables (stage 1
    on a group is then a relaxation of the whole)."""
    model = AwardModel(pulp.LpProblem("award", pulp.LpMinimize))
    add_awards(model, inst, lots)
    add_one_bid_per_lot(model, inst)
    add_capacity(model, inst)
    if vendors:
        add_lots_per_vendor(model, inst)
    if discounts:
        add_discounts(model, inst)
    add_expressions(model, inst)
    return model


def add_awards(model: AwardModel, inst: AwardInstance, lots: list[int] | None) -> None:
    """One binary per pair (None for pairs outside `lots`); indexed by position, not names."""
    keep = None if lots is None else set(lots)
    for p, pair in enumerate(inst.pairs):
        if keep is None or pair.lot in keep:
            model.x.append(model.prob.add_variable(f"x_{p}", 0, 1, pulp.LpBinary))
        else:
            model.x.append(None)


def add_group_floors(model: AwardModel, inst: AwardInstance,
                     groups: list[tuple[list[int], int]]) -> None:
    """Stage 2 with every group at its own most units: group (lots, most) awards >= most.

    Valid when the whole's stage-1 optimum is the sum of the groups' (each group can do no
    better, so each must reach its own). What that implies is spelt out for the LP: with
    slack = (the group's units) - most, a lot of more than slack units must be awarded."""
    for g, (lots, most) in enumerate(groups):
        terms = [(model.x[p], inst.quantity(lot)) for lot in lots for p in inst.lot_pairs[lot]]
        slack = sum(inst.quantity(lot) for lot in lots) - most
        model.prob.addConstraint(pulp.LpConstraint(
            pulp.LpAffineExpression(terms), pulp.LpConstraintGE, f"group_floor_{g}", most))
        for lot in lots:
            if inst.quantity(lot) > slack:
                model.prob.addConstraint(pulp.LpConstraint(
                    pulp.LpAffineExpression([(model.x[p], 1) for p in inst.lot_pairs[lot]]),
                    pulp.LpConstraintGE, f"must_award_{lot}", 1))


def add_one_bid_per_lot(model: AwardModel, inst: AwardInstance) -> None:
    """Each lot goes to at most one bid, whole."""
    for lot, pairs in enumerate(inst.lot_pairs):
        if len(pairs) > 1 and model.x[pairs[0]] is not None:
            model.prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression([(model.x[p], 1) for p in pairs]),
                pulp.LpConstraintLE, f"one_bid_{lot}", 1))


def add_capacity(model: AwardModel, inst: AwardInstance) -> None:
    """Each capacity entry of a bid bounds the units of its product and period awarded to it."""
    for r, row in enumerate(inst.capacity):
        terms = [(model.x[p], inst.quantity(inst.pairs[p].lot)) for p in row.pairs
                 if model.x[p] is not None]
        if sum(q for _x, q in terms) > row.max_units:
            model.prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression(terms), pulp.LpConstraintLE, f"capacity_{r}",
                row.max_units))


def add_lots_per_vendor(model: AwardModel, inst: AwardInstance) -> None:
    """Each vendor wins at most max_lots_per_vendor lots over all its bids."""
    limit = inst.problem.max_lots_per_vendor
    if limit is None:
        return
    for v, bids in enumerate(inst.vendors.values()):
        pairs = [p for p, pair in enumerate(inst.pairs)
                 if pair.bid in bids and model.x[p] is not None]
        if len(pairs) > limit:
            model.prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression([(model.x[p], 1) for p in pairs]),
                pulp.LpConstraintLE, f"vendor_lots_{v}", limit))


def add_discounts(model: AwardModel, inst: AwardInstance) -> None:
    """y[d] <= x[p] for every lot of discount d; discounts that can never apply get no y."""
    for d, disc in enumerate(inst.discounts):
        if disc.pairs is None or any(model.x[p] is None for p in disc.pairs):
            continue
        y = model.y[d] = model.prob.add_variable(f"y_{d}", 0, 1, pulp.LpBinary)
        for p in disc.pairs:
            model.prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression([(y, 1), (model.x[p], -1)]),
                pulp.LpConstraintLE, f"discount_{d}_{p}", 0))


def add_expressions(model: AwardModel, inst: AwardInstance) -> None:
    """Awarded units and total cost (value less discounts) for the two stages' objectives."""
    model.units = pulp.LpAffineExpression(
        [(model.x[p], inst.quantity(pair.lot)) for p, pair in enumerate(inst.pairs)
         if model.x[p] is not None])
    terms = [(model.x[p], float(pair.value)) for p, pair in enumerate(inst.pairs)
             if model.x[p] is not None]
    terms += [(y, -float(inst.discounts[d].amount)) for d, y in model.y.items()]
    model.cost = pulp.LpAffineExpression(terms)
