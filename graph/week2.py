"""Week 2, supply planning: inventory targets, supplier scorecards, the constrained plan per
scenario, its gaps and the lanes it uses.

The scenario demand is read once and each scenario's plan is built and solved once; the solved
plan is kept whole (`sop.store.solved_plans`) beside the tables the report reads, and weeks 3
and 4 read it back from there."""

from __future__ import annotations

import pandas as pd
from langgraph.runtime import Runtime

from sop.agents.inventory_optimizer import INVENTORY_OPTIMIZER
from sop.agents.logistics_planner import LOGISTICS_PLANNER
from sop.agents.narrator import narrate
from sop.agents.supplier_relationship_manager import SUPPLIER_RELATIONSHIP_MANAGER
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.outputs import expect
from sop.graph.plan_inputs import SCENARIOS, plan_instance, solve_plans, solve_processes
from sop.graph.progress import Progress
from sop.graph.state import CycleState
from sop.log import get_logger
from sop.store import Store, company
from sop.store.forecasts import forecast_errors, scenario_demand
from sop.store.plan_inputs import abc_items, lead_times, plan_inputs
from sop.store.solved_plans import keep_solved_plan
from sop.store.supplier_reads import deliveries_by
from sop.tools.periods import add_months, to_timestamp
from sop.tools.supply.gaps import SupplyGaps, SupplyGapsInput, gap_frame
from sop.tools.supply.inventory import AbcXyzInput, AbcXyzOutput, ReorderCalcInput, ReorderCalcOutput
from sop.tools.supply.logistics import LogisticsPlanInput, LogisticsPlanOutput
from sop.tools.supply.supplier import SupplierScorecardInput, SupplierScorecardOutput
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult, binding_frame


def _inventory_policy(ctx: CycleContext, state: CycleState, demand: pd.DataFrame,
                      log, progress: Progress) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stock and reorder points per SKU × DC, sized on the backtest forecast error, and
    the ABC-XYZ segments they came from."""
    s, cycle_id = ctx.settings, state["cycle_id"]
    progress.tool(INVENTORY_OPTIMIZER.name, "abc-xyz")
    abc = expect(AbcXyzOutput, INVENTORY_OPTIMIZER.use(
        "abc-xyz", AbcXyzInput(items=abc_items(ctx.store, state["period"])), log))
    segments = pd.DataFrame([r.model_dump() for r in abc.items]).set_index("sku")
    mean = demand[demand["month"] < add_months(state["period"], 6)].groupby(["sku", "dc"])["qty"].mean()
    sigma = forecast_errors(ctx.store, cycle_id)
    items = company.items(ctx.store).set_index("sku")
    lead = lead_times(ctx.store, state["period"])
    rows = pd.DataFrame({"mean_demand": mean}).join(sigma).reset_index()
    rows = rows[rows["mean_demand"] > 0].join(items, on="sku").join(lead, on="supplier")
    rows["service_level"] = rows["sku"].map(segments["service_level"]).fillna(segments["service_level"].min())
    progress.tool(INVENTORY_OPTIMIZER.name, "reorder-calc")
    result = expect(ReorderCalcOutput, INVENTORY_OPTIMIZER.use("reorder-calc", ReorderCalcInput(items=[
        {"sku": r.sku, "mean_demand": r.mean_demand, "demand_std": r.error_std, "lead_time": r.lead_time,
         "lead_time_std": r.lead_time_std, "unit_cost": r.unit_cost, "ordering_cost": s.ordering_cost,
         "holding_rate": s.holding_rate, "service_level": r.service_level, "moq": r.moq, "pack_size": r.pack_size}
        for r in rows.itertuples(index=False)]), log))
    policy = pd.DataFrame([r.model_dump() for r in result.items])
    policy["dc"] = rows["dc"].to_numpy()
    policy = policy.merge(rows[["sku", "dc", "mean_demand", "error_std", "lead_time", "service_level", "unit_cost"]],
                          on=["sku", "dc"])
    policy["abc"] = policy["sku"].map(segments["abc"]).fillna("C")
    policy["xyz"] = policy["sku"].map(segments["xyz"]).fillna("Z")
    ctx.store.replace("inventory_policy", policy.rename(columns={"error_std": "demand_std"}), cycle_id=cycle_id)
    return policy, segments


def _solve(ctx: CycleContext, state: CycleState, demand: pd.DataFrame,
           log, progress: Progress) -> dict[str, tuple[SupplyPlanInstance, SupplyPlanResult]]:
    """Each scenario's instance, built once from the same plan inputs, and its solved plan."""
    inputs = plan_inputs(ctx.store, state["cycle_id"])
    families = dict(zip(inputs.items["sku"], inputs.items["family"], strict=True))
    instances = {scenario: plan_instance(ctx.settings, state["horizon"], inputs, demand, scenario)
                 for scenario in SCENARIOS}
    processes = solve_processes(ctx.settings, instances["base"])
    progress.say(f"solving the supply plans of {len(SCENARIOS)} scenarios"
                 + (f" on {min(processes, len(SCENARIOS))} processes" if processes > 1 else ""),
                 agent=LOGISTICS_PLANNER.name, tool="supply-plan", done=0, total=len(SCENARIOS))
    plans = {}
    for number, (scenario, plan) in enumerate(solve_plans(ctx.settings, instances, families, log, processes), start=1):
        plans[scenario] = (instances[scenario], plan)
        progress.say(f"supply plan of scenario {scenario} solved, {number}/{len(SCENARIOS)}",
                     agent=LOGISTICS_PLANNER.name, tool="supply-plan", done=number, total=len(SCENARIOS))
    return {scenario: plans[scenario] for scenario in SCENARIOS}


def _plan_frames(scenario: str, instance: SupplyPlanInstance,
                 plan: SupplyPlanResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long plan lines (demand, production, shipments, stock, lost and short; units) and plant
    hours (regular, overtime allowed and used, hours per month)."""
    columns = ["sku", "plant", "dc", "period", "qty"]

    def frame(kind: str, rows) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for r in rows], columns=columns).assign(kind=kind)

    demand = pd.DataFrame([(d.sku, None, d.dc, p, q) for d in instance.demand for p, q in zip(instance.periods, d.qty)],
                          columns=columns).assign(kind="demand")
    parts = [demand, frame("production", plan.production), frame("shipment", plan.shipments),
             frame("inventory", plan.inventory), frame("unmet", plan.unmet), frame("ss_shortfall", plan.ss_shortfall)]
    lines = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    lines[["plant", "dc"]] = lines[["plant", "dc"]].fillna("")
    hours_per_unit = {(r.sku, r.plant): r.hours_per_unit for r in instance.routings}
    used = lines[lines["kind"] == "production"]
    used = (used["qty"] * [hours_per_unit[k] for k in zip(used["sku"], used["plant"])]).groupby(
        [used["plant"], used["period"]]).sum()
    overtime = {(o.plant, o.period): o.hours for o in plan.overtime}
    hours = pd.DataFrame([
        {"plant": p.plant, "month": month, "regular_hours": p.regular_hours[t],
         "max_overtime_hours": p.max_overtime_hours[t], "overtime_hours": overtime.get((p.plant, month), 0.0),
         "used_hours": float(used.get((p.plant, month), 0.0))}
        for p in instance.plants for t, month in enumerate(instance.periods)])
    return lines.rename(columns={"period": "month"}).assign(scenario=scenario), hours.assign(scenario=scenario)


def _scenario_outputs(scenario: str, instance: SupplyPlanInstance, plan: SupplyPlanResult, prices: pd.DataFrame,
                      log) -> tuple[pd.DataFrame, pd.DataFrame, dict, pd.DataFrame]:
    """A solved scenario's plan lines, plant hours, summary row and ranked gaps."""
    if plan.status != "optimal":
        raise RuntimeError(f"the {scenario} supply plan is {plan.status}: {plan.message}")
    lines, hours = _plan_frames(scenario, instance, plan)
    gaps = expect(SupplyGaps, LOGISTICS_PLANNER.use("supply-gaps", SupplyGapsInput(
        instance=instance, plan=plan, prices=prices["price"].to_dict(), families=prices["family"].to_dict(),
        unit_costs=prices["unit_cost"].to_dict()), log))
    unmet = lines[lines["kind"] == "unmet"]
    demand = lines[lines["kind"] == "demand"]
    summary = {"scenario": scenario, "status": plan.status, "objective": plan.objective,
               "demand_units": demand["qty"].sum(), "unmet_units": unmet["qty"].sum(),
               "demand_revenue": (demand["qty"] * demand["sku"].map(prices["price"])).sum(),
               "unmet_revenue": (unmet["qty"] * unmet["sku"].map(prices["price"])).sum()}
    return lines, hours, summary, gap_frame(gaps).assign(scenario=scenario)


def keep_scenario_plan(store: Store, cycle_id: str, scenario: str, instance: SupplyPlanInstance,
                       plan: SupplyPlanResult, log) -> tuple[dict, pd.DataFrame]:
    """Keep a solved scenario: its plan lines, plant hours, summary, ranked gaps and binding
    limits (what the report, the chat and the published plan read) and the solved plan itself
    (what weeks 3 and 4 read). Week 4 keeps the re-plan with the executive decisions the same
    way. Returns the summary row and the gaps."""
    prices = company.items(store).set_index("sku")
    lines, hours, summary, gaps = _scenario_outputs(scenario, instance, plan, prices, log)
    keys = {"cycle_id": cycle_id, "scenario": scenario}
    store.replace("plan_lines", lines, **keys)
    store.replace("plant_hours", hours, **keys)
    store.replace("plan_summary", pd.DataFrame([summary]), **keys)
    store.replace("gaps", gaps, **keys)
    store.replace("plan_binding", binding_frame(plan), **keys)
    keep_solved_plan(store, cycle_id, scenario, instance, plan)
    return summary, gaps


def _scorecards(ctx: CycleContext, state: CycleState, instance: SupplyPlanInstance, plan: SupplyPlanResult,
                log, progress: Progress) -> SupplierScorecardOutput:
    """Each supplier scored on the last 12 months' deliveries, with the base plan's material load
    against its capacity."""
    period = state["period"]
    period_end = (to_timestamp(period) - pd.Timedelta(days=1)).date()
    records = deliveries_by(ctx.store, period_end)
    records = records.astype(object).where(records.notna(), None)
    material = {s.sku: s.material for s in instance.skus if s.material}
    load = pd.DataFrame([(material[p.sku].supplier, p.period, p.qty * material[p.sku].qty_per_unit)
                         for p in plan.production if p.sku in material], columns=["supplier", "period", "qty"])
    load = load.groupby(["supplier", "period"])["qty"].sum()
    capacity = {(s.supplier, m): c for s in instance.suppliers for m, c in zip(instance.periods, s.capacity)}
    payload = SupplierScorecardInput(
        records=records.to_dict("records"), period_start=to_timestamp(add_months(period, -12)).date(),
        period_end=period_end,
        item_sources=company.items(ctx.store)[["sku", "supplier"]].to_dict("records"),
        capacity_plan=[{"supplier": k[0], "period": k[1], "planned_qty": v, "capacity": capacity[k]}
                       for k, v in load.items() if capacity.get(k, 0) > 0])
    progress.tool(SUPPLIER_RELATIONSHIP_MANAGER.name, "supplier-scorecard")
    return expect(SupplierScorecardOutput, SUPPLIER_RELATIONSHIP_MANAGER.use("supplier-scorecard", payload, log))


def _lanes(ctx: CycleContext, state: CycleState, instance: SupplyPlanInstance, plan: SupplyPlanResult, log,
           progress: Progress):
    progress.tool(LOGISTICS_PLANNER.name, "logistics-plan")
    shipped = pd.DataFrame([s.model_dump() for s in plan.shipments]).groupby(
        ["plant", "dc", "mode", "period"], dropna=False)["qty"].sum()
    out = expect(LogisticsPlanOutput, LOGISTICS_PLANNER.use("logistics-plan", LogisticsPlanInput(
        periods=instance.periods, lanes=[lane.model_dump() for lane in instance.lanes],
        shipments=[{"plant": p, "dc": d, "mode": None if pd.isna(mode) else mode, "period": m, "qty": q}
                   for (p, d, mode, m), q in shipped.items()]), log))
    use = pd.DataFrame([{"plant": lane.plant, "dc": lane.dc, "mode": lane.mode, "month": m.period,
                         "volume": m.volume, "capacity": m.capacity, "utilisation": m.utilisation, "cost": m.cost}
                        for lane in out.lanes for m in lane.months])
    ctx.store.replace("lane_use", use, cycle_id=state["cycle_id"])
    return use


def supply_planning(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    with open_context(runtime.context, state["cycle_id"]) as ctx:
        return plan_supply(ctx, state, Progress(runtime.stream_writer, "supply_planning"))


def plan_supply(ctx: CycleContext, state: CycleState, progress: Progress) -> dict:
    cycle_id = state["cycle_id"]
    log = get_logger(cycle_id=cycle_id, node="supply_planning", agent=None)
    demand = scenario_demand(ctx.store, cycle_id)
    policy, segments = _inventory_policy(ctx, state, demand, log.bind(agent=INVENTORY_OPTIMIZER.name), progress)
    plan_log = log.bind(agent=LOGISTICS_PLANNER.name)
    plans = _solve(ctx, state, demand, plan_log, progress)
    kept = {scenario: keep_scenario_plan(ctx.store, cycle_id, scenario, instance, plan, plan_log)
            for scenario, (instance, plan) in plans.items()}

    base_instance, base_plan = plans["base"]
    lane_use = _lanes(ctx, state, base_instance, base_plan, plan_log, progress)
    cards = _scorecards(ctx, state, base_instance, base_plan, log.bind(agent=SUPPLIER_RELATIONSHIP_MANAGER.name),
                        progress)
    scores = pd.DataFrame([{"supplier": c.supplier, "score": c.weighted_score, "tier": c.tier,
                            "quality": c.scores.quality, "delivery": c.scores.delivery, "cost": c.scores.cost,
                            "responsiveness": c.scores.responsiveness, "on_time": c.metrics.on_time_delivery,
                            "ppm": c.metrics.ppm, "fill_rate": c.metrics.fill_rate,
                            "price_index": c.metrics.price_index} for c in cards.scorecards])
    ctx.store.replace("supplier_scores", scores, cycle_id=cycle_id)

    base, base_gaps = kept["base"]
    figures = {
        "inventory": {"positions": float(len(policy)), "safety_stock_units": float(policy["safety_stock"].sum()),
                      "safety_stock_value": float((policy["safety_stock"] * policy["unit_cost"]).sum()),
                      "mean_service_level": float(policy["service_level"].mean()),
                      "a_share": float(segments.loc[segments["abc"] == "A", "revenue_share"].sum()),
                      "z_items": float(policy.loc[policy["xyz"] == "Z", "sku"].nunique())},
        "suppliers": {"suppliers": float(len(scores)), "lowest_score": float(scores["score"].min()),
                      "highest_score": float(scores["score"].max()), "mean_score": float(scores["score"].mean()),
                      "at_risk": float(scores["tier"].isin(["at risk", "development"]).sum())},
        "plan": {"plan_cost": float(base["objective"]), "unmet_units": float(base["unmet_units"]),
                 "unmet_revenue": float(base["unmet_revenue"]),
                 "prebuild_units": float(base_gaps.loc[base_gaps["kind"] == "prebuild", "units"].sum()),
                 "binding_constraints": float(len(base_plan.binding)),
                 "peak_lane_utilisation": float(lane_use["utilisation"].max())},
    }
    progress.say("writing the narratives")
    reports = [narrate(INVENTORY_OPTIMIZER, figures["inventory"], ctx.model, log),
               narrate(SUPPLIER_RELATIONSHIP_MANAGER, figures["suppliers"], ctx.model, log),
               narrate(LOGISTICS_PLANNER, figures["plan"], ctx.model, log)]
    ctx.store.save_reports(cycle_id, reports)
    gate_figures = {
        "plan_optimal": 1.0,
        "unmet_revenue_pct": float(base["unmet_revenue"] / base["demand_revenue"]) if base["demand_revenue"] else 0.0,
        "unmet_units": float(base["unmet_units"]),
        "safety_stock_value": figures["inventory"]["safety_stock_value"],
        "suppliers_at_risk": figures["suppliers"]["at_risk"],
    }
    log.info("week2_done", **gate_figures)
    return {"supply": {"scenarios": list(plans), "figures": gate_figures},
            "reports": [r.model_dump() for r in reports]}
