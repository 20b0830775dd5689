"""Week 2, supply planning: inventory targets, supplier scorecards, the constrained plan per
scenario, its gaps and the lanes it uses."""

from __future__ import annotations

import pandas as pd
from langgraph.runtime import Runtime

from sop.agents.inventory_optimizer import INVENTORY_OPTIMIZER
from sop.agents.logistics_planner import LOGISTICS_PLANNER
from sop.agents.narrator import narrate
from sop.agents.supplier_relationship_manager import SUPPLIER_RELATIONSHIP_MANAGER
from sop.graph.context import CycleContext
from sop.graph.plan_inputs import SCENARIOS, abc_items, lead_times, plan_instance, scenario_demand
from sop.graph.state import CycleState
from sop.log import get_logger
from sop.tools.periods import add_months, to_timestamp
from sop.tools.supply.gaps import SupplyGapsInput, gap_frame
from sop.tools.supply.inventory import AbcXyzInput, ReorderCalcInput
from sop.tools.supply.logistics import LogisticsPlanInput
from sop.tools.supply.supplier import SupplierScorecardInput
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult, binding_frame


def _inventory_policy(ctx: CycleContext, state: CycleState, log) -> pd.DataFrame:
    """Safety stock and reorder points per SKU × DC, sized on the backtest forecast error."""
    s, cycle_id = ctx.settings, state["cycle_id"]
    segments = pd.DataFrame([r.model_dump() for r in INVENTORY_OPTIMIZER.use(
        "abc-xyz", AbcXyzInput(items=abc_items(ctx.store, state["period"])), log).items]).set_index("sku")
    demand = scenario_demand(ctx, cycle_id)
    mean = demand[demand["month"] < add_months(state["period"], 6)].groupby(["sku", "dc"])["qty"].mean()
    sigma = ctx.store.query("SELECT sku, dc, error_std FROM backtests WHERE cycle_id = ? AND level = 'sku_dc'",
                            [cycle_id]).set_index(["sku", "dc"])
    items = ctx.store.table("items").set_index("sku")
    lead = lead_times(ctx.store, state["period"])
    rows = pd.DataFrame({"mean_demand": mean}).join(sigma).reset_index()
    rows = rows[rows["mean_demand"] > 0].join(items, on="sku").join(lead, on="supplier")
    rows["service_level"] = rows["sku"].map(segments["service_level"]).fillna(segments["service_level"].min())
    result = INVENTORY_OPTIMIZER.use("reorder-calc", ReorderCalcInput(items=[
        {"sku": r.sku, "mean_demand": r.mean_demand, "demand_std": r.error_std, "lead_time": r.lead_time,
         "lead_time_std": r.lead_time_std, "unit_cost": r.unit_cost, "ordering_cost": s.ordering_cost,
         "holding_rate": s.holding_rate, "service_level": r.service_level, "moq": r.moq, "pack_size": r.pack_size}
        for r in rows.itertuples(index=False)]), log)
    policy = pd.DataFrame([r.model_dump() for r in result.items])
    policy["dc"] = rows["dc"].to_numpy()
    policy = policy.merge(rows[["sku", "dc", "mean_demand", "error_std", "lead_time", "service_level", "unit_cost"]],
                          on=["sku", "dc"])
    policy["abc"] = policy["sku"].map(segments["abc"]).fillna("C")
    policy["xyz"] = policy["sku"].map(segments["xyz"]).fillna("Z")
    ctx.store.replace("inventory_policy", policy.rename(columns={"error_std": "demand_std"}), cycle_id=cycle_id)
    return policy, segments


def _solve(ctx: CycleContext, state: CycleState, log) -> dict[str, tuple[SupplyPlanInstance, SupplyPlanResult]]:
    plans = {}
    for scenario in SCENARIOS:
        instance = plan_instance(ctx, state, scenario)
        plans[scenario] = (instance, LOGISTICS_PLANNER.use("supply-plan", instance, log))
    return plans


def _plan_frames(scenario: str, instance: SupplyPlanInstance, plan: SupplyPlanResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long plan lines (demand, production, shipments, stock, lost and short) and plant hours."""
    def frame(kind: str, rows) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for r in rows], columns=["sku", "plant", "dc", "period", "qty"]).assign(kind=kind)

    demand = pd.DataFrame([(d.sku, None, d.dc, p, q) for d in instance.demand for p, q in zip(instance.periods, d.qty)],
                          columns=["sku", "plant", "dc", "period", "qty"]).assign(kind="demand")
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
        {"plant": p.plant, "month": month, "regular_hours": p.regular_hours[t], "max_overtime_hours": p.max_overtime_hours[t],
         "overtime_hours": overtime.get((p.plant, month), 0.0), "used_hours": float(used.get((p.plant, month), 0.0))}
        for p in instance.plants for t, month in enumerate(instance.periods)])
    return lines.rename(columns={"period": "month"}).assign(scenario=scenario), hours.assign(scenario=scenario)


def scenario_outputs(scenario: str, instance: SupplyPlanInstance, plan: SupplyPlanResult, prices: pd.DataFrame,
                     log) -> tuple[pd.DataFrame, pd.DataFrame, dict, pd.DataFrame]:
    """A solved scenario as the store keeps it: plan lines, plant hours, its summary row and its
    ranked gaps. Week 4 keeps the re-plan with the executive decisions the same way."""
    if plan.status != "optimal":
        raise RuntimeError(f"the {scenario} supply plan is {plan.status}: {plan.message}")
    lines, hours = _plan_frames(scenario, instance, plan)
    gaps = LOGISTICS_PLANNER.use("supply-gaps", SupplyGapsInput(
        instance=instance, plan=plan, prices=prices["price"].to_dict(), families=prices["family"].to_dict()), log)
    unmet = lines[lines["kind"] == "unmet"]
    demand = lines[lines["kind"] == "demand"]
    summary = {"scenario": scenario, "status": plan.status, "objective": plan.objective,
               "demand_units": demand["qty"].sum(), "unmet_units": unmet["qty"].sum(),
               "demand_revenue": (demand["qty"] * demand["sku"].map(prices["price"])).sum(),
               "unmet_revenue": (unmet["qty"] * unmet["sku"].map(prices["price"])).sum()}
    return lines, hours, summary, gap_frame(gaps).assign(scenario=scenario)


def _scorecards(ctx: CycleContext, state: CycleState, instance: SupplyPlanInstance, plan: SupplyPlanResult, log):
    period = state["period"]
    records = ctx.store.query("SELECT * FROM supplier_deliveries WHERE order_date < ?", [to_timestamp(period).date()])
    records = records.astype(object).where(records.notna(), None)
    material = {s.sku: s.material for s in instance.skus if s.material}
    load = pd.DataFrame([(material[p.sku].supplier, p.period, p.qty * material[p.sku].qty_per_unit)
                         for p in plan.production if p.sku in material], columns=["supplier", "period", "qty"])
    load = load.groupby(["supplier", "period"])["qty"].sum()
    capacity = {(s.supplier, m): c for s in instance.suppliers for m, c in zip(instance.periods, s.capacity)}
    out = SUPPLIER_RELATIONSHIP_MANAGER.use("supplier-scorecard", SupplierScorecardInput(
        records=records.to_dict("records"), period_start=to_timestamp(add_months(period, -12)).date(),
        period_end=(to_timestamp(period) - pd.Timedelta(days=1)).date(),
        item_sources=ctx.store.query("SELECT sku, supplier FROM items").to_dict("records"),
        capacity_plan=[{"supplier": k[0], "period": k[1], "planned_qty": v, "capacity": capacity[k]}
                       for k, v in load.items() if capacity.get(k, 0) > 0]), log)
    return out


def _lanes(ctx: CycleContext, state: CycleState, instance: SupplyPlanInstance, plan: SupplyPlanResult, log):
    shipped = pd.DataFrame([s.model_dump() for s in plan.shipments]).groupby(["plant", "dc", "period"])["qty"].sum()
    out = LOGISTICS_PLANNER.use("logistics-plan", LogisticsPlanInput(
        periods=instance.periods, lanes=[l.model_dump() for l in instance.lanes],
        shipments=[{"plant": p, "dc": d, "period": m, "qty": q} for (p, d, m), q in shipped.items()]), log)
    use = pd.DataFrame([{"plant": lane.plant, "dc": lane.dc, "month": m.period, "volume": m.volume,
                         "capacity": m.capacity, "utilisation": m.utilisation, "cost": m.cost}
                        for lane in out.lanes for m in lane.months])
    ctx.store.replace("lane_use", use, cycle_id=state["cycle_id"])
    return use


def supply_planning(state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    ctx, cycle_id = runtime.context, state["cycle_id"]
    log = get_logger(cycle_id=cycle_id, node="supply_planning", agent=None)
    policy, segments = _inventory_policy(ctx, state, log.bind(agent=INVENTORY_OPTIMIZER.name))
    plan_log = log.bind(agent=LOGISTICS_PLANNER.name)
    plans = _solve(ctx, state, plan_log)
    prices = ctx.store.table("items").set_index("sku")
    lines, hours, summaries, gap_rows, binding = [], [], [], [], []
    for scenario, (instance, plan) in plans.items():
        l, h, summary, g = scenario_outputs(scenario, instance, plan, prices, plan_log)
        lines.append(l)
        hours.append(h)
        binding.append(binding_frame(plan).assign(scenario=scenario))
        summaries.append(summary)
        gap_rows.append(g)
    ctx.store.replace("plan_lines", pd.concat(lines, ignore_index=True), cycle_id=cycle_id)
    ctx.store.replace("plant_hours", pd.concat(hours, ignore_index=True), cycle_id=cycle_id)
    ctx.store.replace("plan_summary", pd.DataFrame(summaries), cycle_id=cycle_id)
    ctx.store.replace("gaps", pd.concat(gap_rows, ignore_index=True), cycle_id=cycle_id)
    ctx.store.replace("plan_binding", pd.concat(binding, ignore_index=True), cycle_id=cycle_id)

    base_instance, base_plan = plans["base"]
    lane_use = _lanes(ctx, state, base_instance, base_plan, plan_log)
    cards = _scorecards(ctx, state, base_instance, base_plan, log.bind(agent=SUPPLIER_RELATIONSHIP_MANAGER.name))
    scores = pd.DataFrame([{"supplier": c.supplier, "score": c.weighted_score, "tier": c.tier,
                            "quality": c.scores.quality, "delivery": c.scores.delivery, "cost": c.scores.cost,
                            "responsiveness": c.scores.responsiveness, "on_time": c.metrics.on_time_delivery,
                            "ppm": c.metrics.ppm, "fill_rate": c.metrics.fill_rate,
                            "price_index": c.metrics.price_index} for c in cards.scorecards])
    ctx.store.replace("supplier_scores", scores, cycle_id=cycle_id)

    base = summaries[0]
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
                 "prebuild_units": float(gap_rows[0].loc[gap_rows[0]["kind"] == "prebuild", "units"].sum()),
                 "binding_constraints": float(len(base_plan.binding)),
                 "peak_lane_utilisation": float(lane_use["utilisation"].max())},
    }
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
