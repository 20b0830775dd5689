"""Each scenario's supply plan as it was solved: the LP instance and its result, kept whole (as
JSON) by week 2 and by week 4's re-plan, so the financial review, the what-ifs and the re-plan
read the very plan that was solved instead of rebuilding and re-reading it."""

from __future__ import annotations

import json

import pandas as pd

from sop.store.database import Store
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult


def _result_json(plan: SupplyPlanResult) -> str:
    """The result with each binding limit's keys in sorted order, as `plan_binding` keeps them, so
    a limit is named the same way (e.g. a lane as DC/plant) whichever way the solver listed it."""
    data = plan.model_dump()
    for limit in data["binding"]:
        limit["keys"] = dict(sorted(limit["keys"].items()))
    return json.dumps(data)


def keep_solved_plan(store: Store, cycle_id: str, scenario: str, instance: SupplyPlanInstance,
                     plan: SupplyPlanResult) -> None:
    """Keep a scenario's instance and result (one row per cycle and scenario; a re-run replaces it)."""
    row = pd.DataFrame([{"instance": json.dumps(instance.model_dump()), "result": _result_json(plan)}])
    store.replace("solved_plans", row, cycle_id=cycle_id, scenario=scenario)


def solved_plan(store: Store, cycle_id: str, scenario: str) -> tuple[SupplyPlanInstance, SupplyPlanResult]:
    """The instance and the result of a scenario's plan as week 2 (or week 4) solved it."""
    found = store.con.execute("SELECT instance, result FROM solved_plans WHERE cycle_id = ? AND scenario = ?",
                              [cycle_id, scenario]).fetchone()
    if found is None:
        raise LookupError(f"the {cycle_id} cycle has no solved {scenario} plan; week 2 (supply planning) "
                          "solves and keeps it")
    instance, result = found
    return SupplyPlanInstance.model_validate(json.loads(instance)), SupplyPlanResult.model_validate(json.loads(result))
