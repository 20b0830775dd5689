"""What each page of the workspace shows, read from the store with the functions the CLI, the
gates and the executive package already use; HTML pieces come from `sop.report` so the page
and the package draw tables and charts the same way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sop.chat.standing import proposal_rows, running_status, status_line
from sop.report.html import table
from sop.store.busy import Holder, read_statuses
from sop.store.cycles import CycleRecord, cycle_record, latest_cycle_record, next_period

if TYPE_CHECKING:
    from sop.store import Store

DOWNLOADS = ("executive-package.html", "sop-plan.xlsx", "decision-log.csv", "approved-plan.csv")
DECISION_KINDS = ("approve", "demand", "capacity", "inventory_target", "launch", "pricing")
# The form's fields per kind, as the decisions file names them (sop.graph.decisions).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "approve": ("plan",),
    "demand": ("family", "from", "to", "change_pct"),
    "capacity": ("plant", "from", "to", "extra_overtime_hours", "extra_regular_hours"),
    "inventory_target": ("family", "sku", "safety_stock_change_pct"),
    "launch": ("sku", "launch_month"),
    "pricing": ("family", "from", "to", "price_change_pct", "volume_change_pct"),
}
COMMON_FIELDS = ("rationale", "owner", "due")
DECISION_ROWS = 3  # decision rows the form offers


def current_period(store: Store, asked: str | None) -> str | None:
    """The cycle a page is about: the one asked for, else the newest that has run, else the
    month after the history (the one `sop cycle run` would start)."""
    if asked:
        return asked
    latest = latest_cycle_record(store)
    return latest.cycle_id if latest else next_period(store)


def cycle_lines(db: Path | str, store: Store | None, holder: Holder | None) -> list[dict[str, Any]]:
    """Every cycle the runner has recorded, newest first, each with its status line as `sop cycle
    status` prints it; the cycle a command is running shows as running, by whom and since when."""
    shown = read_statuses(db)
    latest = latest_cycle_record(store) if store is not None else None
    if latest is not None and latest.cycle_id not in shown:  # a store copied without its status file
        shown[latest.cycle_id] = {"period": latest.cycle_id, "state": latest.state, "gate": latest.gate,
                                  "error": latest.error}
    if holder is not None and holder.period and holder.command.startswith("sop cycle"):
        shown[holder.period] = running_status(holder)
    rows = []
    for period in sorted(shown, reverse=True):
        record = cycle_record(store, period) if store is not None else None
        rows.append({"period": period, "state": shown[period]["state"], "gate": shown[period].get("gate"),
                     "line": status_line(shown[period]), "waiting_on": waiting_on(store, record)})
    return rows


def waiting_on(store: Store | None, record: CycleRecord | None) -> str:
    """Who the cycle waits for: the approvers of the gate it waits at, by the team file."""
    if store is None or record is None or record.state != "waiting" or record.gate is None:
        return ""
    from sop.store.company import team

    people = team(store)
    names = people.loc[people["approves"] == record.gate, "name"].tolist()
    return ", ".join(names) or "nobody in the team file may approve it"


def frame_table(rows: list[dict] | pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    return table(frame, formats) if not frame.empty else '<p class="note">None.</p>'


def proposal_table(proposals: list[dict[str, Any]]) -> str:
    """The agents' proposals at a gate, as `sop cycle proposals` lists them."""

    return frame_table(proposal_rows(proposals), {"confidence": "percent"})


def consensus_page(store: Store, period: str) -> dict[str, Any]:
    """The consensus gate: the layers by family, fan charts, accuracy and FVA, scenarios, the
    backtests against their benchmark, the overrides with their effect, and the proposals."""
    from sop.report.package import fan_charts
    from sop.store.forecasts import consensus_view
    from sop.store.override_effects import override_effects
    from sop.store.proposals import cycle_proposals

    view = consensus_view(store, period)
    layers = pd.DataFrame(view["layers"])
    effects = {e.override_id: e for e in override_effects(store, period)}
    overrides = pd.DataFrame(view["overrides"])
    if not overrides.empty:  # the store's rows as text (consensus_view); the change as entered
        change = [f"{float(pct):+g} %" if pct not in ("None", "nan") else f"set to {float(qty):,.0f} a month"
                  for pct, qty in zip(overrides["change_pct"], overrides["set_qty"])]
        overrides = overrides[["override_id", "level", "key", "month_from", "month_to"]].assign(
            change=change, author=overrides["author"], reason=overrides["reason"],
            delta_units=[effects[int(i)].delta_units if int(i) in effects else 0.0 for i in overrides["override_id"]])
    proposals = cycle_proposals(store, period, "consensus")
    return {
        "layers": frame_table(layers, {c: "units" for c in layers.columns if c != "family"}),
        "fan_charts": fan_charts(store, period, period),
        "accuracy": frame_table(view["accuracy"], {"wape": "percent", "fva": "percent"}),
        "scenarios": frame_table([{"scenario": k, "units": v} for k, v in view["scenarios"].items()]),
        "backtests": frame_table(view["backtests"], {"backtest_wape": "percent", "benchmark_wape": "percent"}),
        "overrides": frame_table(overrides, {"delta_units": "units", "override_id": "text"}),
        "proposals": proposal_table(proposals),
        "proposal_ids": [p["id"] for p in proposals],
        "families": sorted(layers["family"]) if not layers.empty else [],
    }


def executive_page(store: Store, period: str) -> dict[str, Any]:
    """The executive gate: key figures, the gaps ranked by margin at risk with the quantified
    recommendations, the decisions requested, and the facts the decisions form offers."""
    from sop.report import sections
    from sop.store import company
    from sop.store.executive_view import executive_view
    from sop.store.proposals import cycle_proposals

    view = executive_view(store, period)
    proposals = cycle_proposals(store, period, "executive")
    return {
        "performance": sections.performance(store, period),
        "gaps": sections.gaps_and_recommendations(store, period),
        "asks": sections.decisions_requested(store, period),
        "scenarios": frame_table(view["scenarios"]),
        "proposals": proposal_table(proposals),
        "proposal_ids": [p["id"] for p in proposals],
        "families": sorted(company.items(store)["family"].unique()),
        "plants": company.plants(store)["plant"].tolist(),
        "people": company.team(store)["person"].tolist(),
    }


def form_decisions(form: dict[str, str]) -> list[dict[str, Any]]:
    """The decisions of the form's rows (`d1_kind`, `d1_family`, ...) as the decisions file
    writes them; a row without a kind is left out, and so is an empty field."""
    decisions = []
    for n in range(1, DECISION_ROWS + 1):
        kind = form.get(f"d{n}_kind", "").strip()
        if not kind:
            continue
        entry: dict[str, Any] = {"kind": kind}
        for field in (*KIND_FIELDS.get(kind, ()), *COMMON_FIELDS):
            value = form.get(f"d{n}_{field}", "").strip()
            if value:
                entry[field] = value
        entry["_row"] = n
        decisions.append(entry)
    return decisions


_FIELD = re.compile(r"^decisions\[(\d+)\]\.?([a-z_]*)")


def decision_errors(decisions: list[dict[str, Any]]) -> dict[str, str]:
    """Field-level errors of the form's decisions, keyed by the form field (`d2_plant`), from the
    same checks as a decisions file (`parse_decisions`, then `check_decisions` against the
    company); empty when they fit."""
    from pydantic import ValidationError

    from sop.graph.decisions import field_path, parse_decisions

    rows = [d["_row"] for d in decisions]
    try:
        parse_decisions([{k: v for k, v in d.items() if k != "_row"} for d in decisions])
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for e in exc.errors():
            path = field_path(("decisions", *e["loc"]))
            found = _FIELD.match(path)
            if found:
                errors.setdefault(f"d{rows[int(found.group(1)) - 1]}_{found.group(2) or 'kind'}", e["msg"])
        return errors or {"form": str(exc.errors()[0]["msg"])}
    return {}


def problem_errors(decisions: list[dict[str, Any]], problems: list[str]) -> dict[str, str]:
    """`check_decisions`' problems ('decisions[2].plant: ...') keyed by the form field."""
    rows = [d["_row"] for d in decisions]
    errors: dict[str, str] = {}
    for problem in problems:
        path, _, message = problem.partition(": ")
        found = _FIELD.match(path)
        key = f"d{rows[int(found.group(1)) - 1]}_{found.group(2) or 'kind'}" if found else "form"
        errors.setdefault(key, message or problem)
    return errors


def downloads(out_dir: Path, period: str) -> list[str]:
    """The package files week 3 and week 4 wrote for the cycle."""
    folder = out_dir / period
    return [name for name in DOWNLOADS if (folder / name).is_file()]


def plans_page(store: Store, old: int | None, new: int | None) -> dict[str, Any]:
    """Published versions, and the diff of two of them by family (the latest two by default)."""
    from sop.report.plans import overlap_totals, plan_diff
    from sop.store import PlanNotFound, PlanTampered

    versions = store.plan_versions()
    shown: dict[str, Any] = {"versions": frame_table(versions, {"version": "text"}),
                             "numbers": versions["version"].astype(int).tolist(), "diff": "", "diff_title": "",
                             "error": ""}
    numbers = shown["numbers"]
    if not numbers:
        return shown
    new = new or numbers[-1]
    if len(numbers) == 1:  # nothing to compare it with yet: the one version's units by family
        from sop.report.plans import plan_totals

        try:
            plan = store.published_plan(new)
        except (PlanNotFound, PlanTampered) as exc:
            shown["error"] = str(exc)
            return shown
        shown["diff_title"] = f"Plan v{new}: {plan['qty'].sum():,.0f} units, per month by family"
        shown["diff"] = frame_table(plan_totals(plan, "family").head(60))
        return shown
    old = old or numbers[-2]
    try:
        old_plan, new_plan = store.published_plan(old), store.published_plan(new)
    except (PlanNotFound, PlanTampered) as exc:
        shown["error"] = str(exc)
        return shown
    before, after = overlap_totals(old_plan, new_plan)
    changes = plan_diff(old_plan, new_plan, "family").rename(columns={"units_old": f"v{old}", "units_new": f"v{new}"})
    shown["diff_title"] = (f"Plan v{old} against v{new}: {before:,.0f} → {after:,.0f} units over the months both "
                           "plan")
    shown["diff"] = frame_table(changes.head(30), {"change_pct": "percent"})
    shown["old"], shown["new"] = old, new
    return shown
