"""Approval policies for unattended runs: a gate passes only when every one of its rules holds.

A gate the policy does not mention never passes on its own; the run pauses there for a person.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from graph.state import Gate


class Rule(BaseModel):
    metric: str = Field(description="a key figure shown at the gate, e.g. backtest_wape")
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> "Rule":
        if self.min is None and self.max is None:
            raise ValueError(f"rule on {self.metric!r} needs a min or a max")
        return self

    def failure(self, figures: dict[str, float]) -> str | None:
        """Why this rule does not hold, or None when it does."""
        if self.metric not in figures:
            return f"{self.metric} is not reported at this gate"
        value = figures[self.metric]
        if self.min is not None and value < self.min:
            return f"{self.metric} = {value:.4g} is below the minimum {self.min:.4g}"
        if self.max is not None and value > self.max:
            return f"{self.metric} = {value:.4g} is above the maximum {self.max:.4g}"
        return None


class Policy(BaseModel):
    name: str
    gates: dict[Gate, list[Rule]]

    def failures(self, gate: Gate, figures: dict[str, float]) -> list[str]:
        """Every reason the gate may not pass; empty means the policy approves it."""
        rules = self.gates.get(gate)
        if not rules:
            return [f"policy {self.name!r} has no rules for the {gate} gate"]
        return [f for f in (r.failure(figures) for r in rules) if f]


def load_policy(path: Path) -> Policy:
    """Read a YAML or JSON policy file; errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the policy file ({exc.strerror})") from exc
    raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{path}: field {field}: {err['msg']}") from exc
