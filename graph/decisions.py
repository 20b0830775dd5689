"""Executive decisions taken at the executive gate: what a decisions file may say, how it is
checked against the company, and how each decision changes the supply-plan instance.

A decisions file (YAML or JSON) holds a list under `decisions:`; each entry has a `kind`:

    decisions:
      - kind: demand              # adjust the demand plan of a family over a month range
        family: kitchen
        from: 2027-05
        to: 2027-07
        change_pct: -5
        rationale: retailer destocking
      - kind: capacity            # extra hours per plant-month (overtime and/or regular)
        plant: DAYTON
        from: 2027-03
        to: 2027-06
        extra_overtime_hours: 120
        owner: sam                # who follows it up (default: the approver)
        due: 2026-11-20           # default: the last day of the cycle month

The other kinds are `approve` (the demand or supply plan as it stands), `inventory_target`
(safety stock of a family or SKU up or down by a percentage), `launch` (a SKU's demand curve
starts in another month) and `pricing` (a price change over a month range, with the volume
change it is expected to bring). Week 4 re-plans when any decision changes demand, capacity or
inventory targets.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from sop.store import Store, company
from sop.tools.periods import MONTH_PATTERN
from sop.tools.supply.supply_plan import SupplyPlanInstance

Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="YYYY-MM")]
Percent = Annotated[float, Field(gt=-100, description="percent, e.g. -5 for a 5 % cut")]
Hours = Annotated[float, Field(description="hours per month; negative takes hours away")]


@dataclass(frozen=True)
class CompanyFacts:
    """What decisions are checked against and applied with: names, hours and the horizon."""

    horizon: list[str]
    families: dict[str, str]  # sku -> family
    plant_hours: dict[str, tuple[float, float]]  # plant -> (regular, max overtime) hours per month
    people: frozenset[str]

    def skus(self, family: str | None = None, sku: str | None = None) -> set[str]:
        return {s for s, f in self.families.items() if s == sku or f == family}


def company_facts(store: Store, horizon: list[str]) -> CompanyFacts:
    """The facts of the company in the store, over the cycle's horizon."""
    return CompanyFacts(
        horizon=list(horizon), families=company.families(store).to_dict(),
        plant_hours={r.plant: (r.regular_hours_per_month, r.max_overtime_hours_per_month)
                     for r in company.plants(store).itertuples(index=False)},
        people=frozenset(company.team(store)["person"]))


Problem = tuple[str, str]  # (field, what is wrong and what to do)


class _Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rationale: str = ""
    owner: str | None = Field(None, description="who follows it up; default: the approver")
    due: date | None = Field(None, description="when it is due; default: the last day of the cycle month")

    def changes_plan(self) -> bool:
        """True when the supply plan must be re-solved to carry this decision."""
        return False

    def problems(self, facts: CompanyFacts) -> list[Problem]:
        if self.owner is not None and self.owner not in facts.people:
            return [("owner", f"{self.owner!r} is not in the team file; name one of {', '.join(sorted(facts.people))}")]
        return []

    def apply(self, instance: dict[str, Any], facts: CompanyFacts) -> None:
        """Change the instance (as a dict) the way the decision says; by default nothing changes."""


class _MonthRange(_Decision):
    month_from: Month = Field(alias="from")
    month_to: Month = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> _MonthRange:
        if self.month_from > self.month_to:
            raise ValueError(f"'from' {self.month_from} is after 'to' {self.month_to}")
        return self

    def months(self, facts: CompanyFacts) -> list[int]:
        return [t for t, m in enumerate(facts.horizon) if self.month_from <= m <= self.month_to]

    def problems(self, facts: CompanyFacts) -> list[Problem]:
        first, last = facts.horizon[0], facts.horizon[-1]
        outside = [(name, f"{month} is outside the plan horizon {first}..{last}")
                   for name, month in (("from", self.month_from), ("to", self.month_to))
                   if not first <= month <= last]
        return super().problems(facts) + outside

    @property
    def span(self) -> str:
        return self.month_from if self.month_from == self.month_to else f"{self.month_from}..{self.month_to}"


def _family_problems(family: str, facts: CompanyFacts) -> list[Problem]:
    known = sorted(set(facts.families.values()))
    if family in known:
        return []
    return [("family", f"{family!r} is not a family of this company; families: {', '.join(known)}")]


def _scale_demand(instance: dict[str, Any], skus: set[str], months: list[int], factor: float) -> None:
    for row in instance["demand"]:
        if row["sku"] in skus:
            for t in months:
                row["qty"][t] *= factor


class PlanApproval(_Decision):
    kind: Literal["approve"]
    plan: Literal["demand", "supply"]

    def summary(self) -> str:
        return f"approve the {self.plan} plan"

    def action(self) -> str:
        if self.plan == "demand":
            return "Share the approved demand plan with sales and finance"
        return "Release the approved supply plan to the plants, DCs and suppliers"


class _FamilyDemandChange(_MonthRange):
    """A decision that scales one family's demand over its months by `demand_pct`."""

    family: str

    @property
    @abstractmethod
    def demand_pct(self) -> float:
        """The % change of demand the decision brings."""

    def changes_plan(self) -> bool:
        return self.demand_pct != 0

    def problems(self, facts: CompanyFacts) -> list[Problem]:
        return super().problems(facts) + _family_problems(self.family, facts)

    def apply(self, instance: dict[str, Any], facts: CompanyFacts) -> None:
        _scale_demand(instance, facts.skus(family=self.family), self.months(facts), 1 + self.demand_pct / 100)


class DemandAdjustment(_FamilyDemandChange):
    kind: Literal["demand"]
    change_pct: Percent

    @property
    def demand_pct(self) -> float:
        return self.change_pct

    def summary(self) -> str:
        return f"demand plan: {self.family} {self.span} {self.change_pct:+g} %"

    def action(self) -> str:
        return f"Align sales targets and budgets with the demand plan change ({self.summary()})"


class CapacityChange(_MonthRange):
    kind: Literal["capacity"]
    plant: str
    extra_overtime_hours: Hours = 0.0
    extra_regular_hours: Hours = 0.0

    @model_validator(mode="after")
    def _changes_something(self) -> CapacityChange:
        if self.extra_overtime_hours == 0 and self.extra_regular_hours == 0:
            raise ValueError("give extra_overtime_hours or extra_regular_hours (hours per month)")
        return self

    def changes_plan(self) -> bool:
        return True

    def problems(self, facts: CompanyFacts) -> list[Problem]:
        if self.plant not in facts.plant_hours:
            known = ", ".join(sorted(facts.plant_hours))
            return [("plant", f"{self.plant!r} is not a plant of this company; plants: {known}")]
        regular, overtime = facts.plant_hours[self.plant]
        changes = (("extra_regular_hours", "regular", regular, self.extra_regular_hours),
                   ("extra_overtime_hours", "overtime", overtime, self.extra_overtime_hours))
        below = [(name, f"{extra:+g} would leave {self.plant} with {base + extra:g} {what} hours a month; "
                        f"it has {base:g}")
                 for name, what, base, extra in changes if base + extra < 0]
        return super().problems(facts) + below

    def apply(self, instance: dict[str, Any], facts: CompanyFacts) -> None:
        plant = next(p for p in instance["plants"] if p["plant"] == self.plant)
        for t in self.months(facts):
            plant["regular_hours"][t] += self.extra_regular_hours
            plant["max_overtime_hours"][t] += self.extra_overtime_hours

    def summary(self) -> str:
        parts = [f"{hours:+g} {what} hours a month" for what, hours in
                 (("overtime", self.extra_overtime_hours), ("regular", self.extra_regular_hours)) if hours]
        return f"capacity: {self.plant} {self.span} {', '.join(parts)}"

    def action(self) -> str:
        return f"Schedule the crews and shifts for the capacity change ({self.summary()})"


class InventoryTarget(_Decision):
    kind: Literal["inventory_target"]
    family: str | None = None
    sku: str | None = None
    safety_stock_change_pct: Percent

    @model_validator(mode="after")
    def _one_scope(self) -> InventoryTarget:
        if (self.family is None) == (self.sku is None):
            raise ValueError("name exactly one of family and sku")
        return self

    def changes_plan(self) -> bool:
        return self.safety_stock_change_pct != 0

    def problems(self, facts: CompanyFacts) -> list[Problem]:
        if self.family is not None:
            return super().problems(facts) + _family_problems(self.family, facts)
        unknown = [] if self.sku in facts.families else [("sku", f"{self.sku!r} is not in the item master")]
        return super().problems(facts) + unknown

    def apply(self, instance: dict[str, Any], facts: CompanyFacts) -> None:
        skus = facts.skus(family=self.family, sku=self.sku)
        for row in instance["safety_stock"]:
            if row["sku"] in skus:
                row["qty"] *= 1 + self.safety_stock_change_pct / 100

    def summary(self) -> str:
        return f"inventory target: safety stock of {self.family or self.sku} {self.safety_stock_change_pct:+g} %"

    def action(self) -> str:
        return f"Set the new safety-stock targets in the ERP ({self.summary()})"


def shift_curve(qty: list[float], months: int) -> list[float]:
    """A monthly demand curve moved `months` later (earlier when negative): months before it
    starts are 0; moved earlier, the horizon's last months repeat the curve's last value."""
    last = len(qty) - 1
    return [0.0 if t - months < 0 else qty[min(t - months, last)] for t in range(len(qty))]


class LaunchTiming(_Decision):
    kind: Literal["launch"]
    sku: str
    launch_month: Month

    def changes_plan(self) -> bool:
        return True

    def problems(self, facts: CompanyFacts) -> list[Problem]:
        found = [] if self.sku in facts.families else [("sku", f"{self.sku!r} is not in the item master")]
        first, last = facts.horizon[0], facts.horizon[-1]
        outside = [] if self.launch_month in facts.horizon else [
            ("launch_month", f"{self.launch_month} is outside the plan horizon {first}..{last}")]
        return super().problems(facts) + found + outside

    def apply(self, instance: dict[str, Any], facts: CompanyFacts) -> None:
        """Every DC's curve of the SKU moves by the same months, so that the first month with
        demand at any DC becomes the launch month."""
        rows = [r for r in instance["demand"] if r["sku"] == self.sku]
        starts = [next(t for t, q in enumerate(r["qty"]) if q > 0) for r in rows if any(q > 0 for q in r["qty"])]
        if not starts:
            return
        months = facts.horizon.index(self.launch_month) - min(starts)
        for row in rows:
            row["qty"] = shift_curve(row["qty"], months)

    def summary(self) -> str:
        return f"launch: {self.sku} sells from {self.launch_month}"

    def action(self) -> str:
        return f"Move the launch plan with marketing, plants and suppliers ({self.summary()})"


class PriceChange(_FamilyDemandChange):
    kind: Literal["pricing"]
    price_change_pct: Percent
    volume_change_pct: Percent = Field(0.0, description="the demand change the price or promotion is expected to bring")

    @property
    def demand_pct(self) -> float:
        return self.volume_change_pct

    def summary(self) -> str:
        return (f"pricing: {self.family} {self.span} price {self.price_change_pct:+g} %, "
                f"volume {self.volume_change_pct:+g} %")

    def action(self) -> str:
        return f"Update the price list and promotion calendar ({self.summary()})"


Decision = Annotated[PlanApproval | DemandAdjustment | CapacityChange | InventoryTarget | LaunchTiming | PriceChange,
                     Field(discriminator="kind")]
KINDS = ("approve", "demand", "capacity", "inventory_target", "launch", "pricing")
_DECISION_LIST = TypeAdapter(list[Decision])


class DecisionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decisions: list[Decision] = Field(min_length=1)


class InvalidDecisions(ValueError):
    """Decisions that name things the company does not have; `problems` says which field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def field_path(loc: tuple) -> str:
    """('decisions', 1, 'demand', 'change_pct') → 'decisions[2].change_pct' (entries count from 1)."""
    path, previous = "", None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        elif not (isinstance(previous, int) and part in KINDS):  # the union's tag: not a field
            path += f".{part}" if path else str(part)
        previous = part
    return path


def load_decisions(path: Path) -> list[Decision]:
    """Read and validate a YAML or JSON decisions file; errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the decisions file ({exc.strerror})") from exc
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: is not valid {'JSON' if path.suffix == '.json' else 'YAML'} ({exc})") from exc
    try:
        return DecisionsFile.model_validate(raw).decisions
    except ValidationError as exc:
        lines = [f"{path}: {field_path(e['loc']) or 'the file'}: {e['msg']}" for e in exc.errors()]
        hint = f"Fix {path.name} and run the command again; kinds: {', '.join(KINDS)}"
        raise ValueError("\n".join([*lines, hint])) from exc


def parse_decisions(raw: list[dict[str, Any]]) -> list[Decision]:
    """Decisions as they travel in the gate's resume value and the checkpoint (plain dicts)."""
    return _DECISION_LIST.validate_python(raw)


def dump_decisions(decisions: list[Decision]) -> list[dict[str, Any]]:
    return [d.model_dump(mode="json", by_alias=True, exclude_none=True) for d in decisions]


def check_decisions(decisions: list[Decision], facts: CompanyFacts) -> None:
    """Raise InvalidDecisions naming every field that does not fit the company or the horizon."""
    problems = [f"decisions[{n}].{field}: {message}"
                for n, decision in enumerate(decisions, start=1) for field, message in decision.problems(facts)]
    if problems:
        raise InvalidDecisions(problems)


def apply_decisions(instance: SupplyPlanInstance, decisions: list[Decision], facts: CompanyFacts) -> SupplyPlanInstance:
    """The instance with every decision applied, in the order the executives listed them."""
    data = instance.model_dump()
    for decision in decisions:
        decision.apply(data, facts)
    return SupplyPlanInstance.model_validate(data)
