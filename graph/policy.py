"""Approval policies for unattended runs: a gate passes only when every one of its rules holds,
and then accepts the agents' proposals that its accept rules name (none unless it has some).

A gate the policy does not mention never passes on its own; the run pauses there for a person.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from sop.graph.state import Gate


class Rule(BaseModel):
    metric: str = Field(description="a key figure shown at the gate, e.g. backtest_wape")
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> Rule:
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


class AcceptRule(BaseModel):
    """Which of the agents' proposals a passing gate accepts on the policy's behalf."""

    agent: str = Field(description="the agent whose proposals it accepts, e.g. demand-forecaster")
    kind: str | None = Field(None, description="only proposals of this kind, e.g. consensus_adjustment")
    min_confidence: float = Field(0.0, ge=0, le=1)

    def holds(self, proposal: dict[str, Any]) -> bool:
        return (proposal["agent"] == self.agent and self.kind in (None, proposal["kind"])
                and proposal["confidence"] >= self.min_confidence)


class Policy(BaseModel):
    name: str
    gates: dict[Gate, list[Rule]]
    accept: list[AcceptRule] = Field(default_factory=list,
                                     description="proposals a gate the policy passes accepts; none by default")

    def accepts(self, proposals: list[dict[str, Any]]) -> list[str]:
        """The ids of the proposals some accept rule holds for, in order."""
        return [p["id"] for p in proposals if any(rule.holds(p) for rule in self.accept)]

    def failures(self, gate: Gate, figures: dict[str, float]) -> list[str]:
        """Every reason the gate may not pass; empty means the policy approves it."""
        rules = self.gates.get(gate)
        if not rules:
            return [f"policy {self.name!r} has no rules for the {gate} gate"]
        return [f for f in (r.failure(figures) for r in rules) if f]


def packaged_policies() -> list[str]:
    """The policies shipped with sop, by name: `data/NAME-policy.yaml` is policy NAME."""
    return sorted(f.name.removesuffix("-policy.yaml") for f in resources.files("sop.data").iterdir()
                  if f.name.endswith("-policy.yaml"))


def load_policy(spec: str | Path) -> Policy:
    """A policy file (YAML or JSON), or a packaged policy by name (`demo`); errors name the file
    and the field."""
    path = Path(spec)
    if not path.exists() and str(spec) in packaged_policies():
        return _parse_policy(path, (resources.files("sop.data") / f"{spec}-policy.yaml").read_text(encoding="utf-8"))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        known = ", ".join(packaged_policies())
        raise ValueError(f"{path}: cannot read the policy file ({exc.strerror}); give a policy file or the name "
                         f"of a packaged policy ({known})") from exc
    return _parse_policy(path, text)


def _parse_policy(path: Path, text: str) -> Policy:
    raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{path}: field {field}: {err['msg']}") from exc
