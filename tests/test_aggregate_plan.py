"""The family plan of a large catalogue: grouped so every SKU keeps its routing and supplier,
solved with HiGHS, disaggregated by forecast share, and costed at SKU rates against the SKU
optimum."""

from __future__ import annotations

import pytest
from lp_instances import generate_instance

from sop.config import Settings
from sop.graph import plan_inputs
from sop.graph.plan_inputs import PARALLEL_FROM_CELLS, solve_plan, solve_plans, solve_processes
from sop.log import get_logger
from sop.tools.supply.aggregate_plan import (
    AGGREGATE_ABOVE_SKUS,
    LeveledPlanInput,
    family_instance,
    plan_level,
    planning_groups,
    sku_plan_cost,
    solve_at_level,
    solve_family_plan,
    supply_plan_at_level,
)
from sop.tools.supply.supply_plan_layout import layout_of
from sop.tools.supply.supply_plan_solve import solve_supply_plan

SKUS = 120
FAMILIES = 2


@pytest.fixture(scope="module")
def instance():
    return generate_instance(SKUS, seed=3, n_months=12)


@pytest.fixture(scope="module")
def family_of(instance):
    return {s.sku: f"family-{i % FAMILIES}" for i, s in enumerate(instance.skus)}


@pytest.fixture(scope="module")
def sku_optimum(instance):
    plan = solve_supply_plan(instance)
    assert plan.status == "optimal"
    return plan


def test_costing_the_sku_optimum_gives_its_objective(instance, sku_optimum):
    """The SKU-rate costing is the LP's own objective: the optimum costs what HiGHS says."""
    cost = sku_plan_cost(instance, sku_optimum.shipments)
    assert cost.objective == pytest.approx(sku_optimum.objective, rel=1e-6)
    assert cost.hours_over_capacity < 1e-6 and cost.material_over_capacity < 1e-6


def test_groups_keep_each_skus_routing_and_supplier(instance, family_of):
    groups = planning_groups(instance, family_of)
    assert sorted(s for g in groups for s in g.skus) == sorted(family_of)
    assert len(groups) <= FAMILIES * 5 * 3  # families × (4 suppliers or none) × plant sets, whatever the SKUs
    routed = {(r.sku, r.plant) for r in instance.routings}
    supplier = {s.sku: s.material.supplier if s.material else None for s in instance.skus}
    for g in groups:
        assert all((s, p) in routed for s in g.skus for p in g.plants)
        assert {supplier[s] for s in g.skus} == {g.supplier}
    small = family_instance(instance, family_of).instance
    assert sum(sum(d.qty) for d in small.demand) == pytest.approx(sum(sum(d.qty) for d in instance.demand))
    for rows in ("initial_inventory", "safety_stock"):
        assert sum(r.qty for r in getattr(small, rows)) == pytest.approx(sum(r.qty for r in getattr(instance, rows)))


def test_a_groups_pipeline_is_its_members_pipeline(instance, family_of):
    group = planning_groups(instance, family_of)[0]
    a, b = group.skus[:2]
    months = len(instance.periods)
    arriving = instance.model_validate({**instance.model_dump(), "in_transit": [
        {"sku": a, "dc": "D1", "qty": [10.0] + [0.0] * (months - 1)},
        {"sku": b, "dc": "D1", "qty": [2.5, 4.0] + [0.0] * (months - 2)}]})
    (row,) = family_instance(arriving, family_of).instance.in_transit
    assert (row.sku, row.dc, row.qty[:3]) == (group.name, "D1", [12.5, 4.0, 0.0])


def test_the_sku_arrays_are_built_once_per_family_plan(instance, family_of, monkeypatch):
    from sop.tools.supply import aggregate_plan

    built = []
    monkeypatch.setattr(aggregate_plan, "layout_of", lambda inst: built.append(inst) or layout_of(inst))
    solve_family_plan(instance, family_of)
    assert built == [instance]  # grouping, splitting and costing share one set of arrays


def test_the_family_plan_is_close_to_the_sku_optimum_and_ships_only_on_routings(instance, family_of, sku_optimum):
    family = solve_family_plan(instance, family_of)
    assert family.plan.status == "optimal" and family.cost is not None
    routed = {(r.sku, r.plant) for r in instance.routings}
    assert all((row.sku, row.plant) in routed for row in family.plan.production)
    demand = sum(sum(d.qty) for d in instance.demand)
    served = demand - sum(u.qty for u in family.plan.unmet)
    assert served > 0.9 * demand
    # The family LP pools stock within a group but cannot choose which SKU of it to short, so its
    # objective lands within a couple of percent of the SKU optimum either way; the SKU plan it
    # disaggregates to, costed at SKU rates, can only cost more than the optimum, and not much.
    assert family.aggregate_objective == pytest.approx(sku_optimum.objective, rel=0.02)
    assert sku_optimum.objective <= family.cost.objective <= sku_optimum.objective * 1.10
    assert family.cost.hours_over_capacity <= 0.02 * sum(sum(p.regular_hours) for p in instance.plants)


def test_the_level_is_chosen_by_size_unless_asked(instance, family_of):
    assert plan_level("auto", AGGREGATE_ABOVE_SKUS) == "sku"
    assert plan_level("auto", AGGREGATE_ABOVE_SKUS + 1) == "family"
    assert plan_level("family", 10) == "family" and plan_level("sku", 10**6) == "sku"
    assert "family groups" in solve_at_level(instance, family_of, "family").message
    at_sku = supply_plan_at_level(LeveledPlanInput(instance=instance, family_of=family_of, level="auto"))
    assert at_sku.message == "" and at_sku.status == "optimal"
    with pytest.raises(ValueError, match="has no family"):
        planning_groups(instance, {})


@pytest.mark.parametrize("level", ["family", "sku"])
def test_the_cycle_solves_at_the_level_its_settings_name(instance, family_of, sku_optimum, level):
    plan = solve_plan(Settings(_env_file=None, plan_level=level), instance, family_of, get_logger(node="test"))
    expected = solve_family_plan(instance, family_of).plan if level == "family" else sku_optimum
    assert plan.objective == pytest.approx(expected.objective, rel=1e-9)
    assert ("family groups" in plan.message) == (level == "family")


def test_scenarios_get_a_process_each_only_when_their_lp_is_large():
    # 370 SKUs × 3 DCs × 18 months is 19,980 demand cells, 371 make 20,034.
    settings = Settings(_env_file=None, solve_processes=2, plan_level="auto")
    assert PARALLEL_FROM_CELLS == 20_000
    assert solve_processes(settings, generate_instance(370)) == 1
    assert solve_processes(settings, generate_instance(371)) == 2
    assert solve_processes(settings.model_copy(update={"solve_processes": 1}), generate_instance(371)) == 1
    # A family-level plan is a small LP whatever the catalogue: solved here.
    assert solve_processes(settings.model_copy(update={"plan_level": "family"}), generate_instance(371)) == 1


def test_scenarios_solved_on_two_processes_are_the_plans_solved_here(monkeypatch):
    instances = {name: generate_instance(30, seed=seed, n_months=6) for seed, name in enumerate(("a", "b", "c"))}
    family_of = {s.sku: "f" for s in instances["a"].skus}
    monkeypatch.setattr(plan_inputs, "PARALLEL_FROM_CELLS", 0)
    settings = Settings(_env_file=None, solve_processes=2, plan_level="sku")
    log = _Recorder()
    solved = dict(solve_plans(settings, instances, family_of, log, solve_processes(settings, instances["a"])))
    assert sorted(solved) == ["a", "b", "c"]
    for name, instance in instances.items():
        here = solve_supply_plan(instance)
        assert solved[name].status == here.status == "optimal"
        assert solved[name].objective == pytest.approx(here.objective, rel=1e-9)
        assert solved[name].production == here.production
    assert log.events == [("tool_call", {"agent": "logistics-planner", "tool": "supply-plan-at-level"})] * 3


class _Recorder:
    """A log that keeps each event and its fields (whatever level the process logs at)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def info(self, event: str, **fields) -> None:
        self.events.append((event, fields))

    warning = info
