"""What every named agent is: a prompt, a tool belt of registry names and an output schema.

The belt is enforced here, not in the prompt: an agent that asks for a tool it does not carry
is refused and the refusal is logged (ARCHITECTURE.md rule 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from tools import registry


class ToolNotAllowed(PermissionError):
    """Raised when an agent asks for a tool outside its belt."""


class AgentReport(BaseModel):
    """An agent's account of its week: a narrative that quotes only tool figures."""

    agent: str
    narrative: str
    figures: dict[str, float] = Field(description="the tool figures the narrative quotes")
    source: Literal["model", "template"] = Field(
        description="'template' when no model is configured or the model failed"
    )


@dataclass(frozen=True)
class AgentSpec:
    """A named agent. Its system prompt is `prompts/NAME.md`, its offline narrative
    `prompts/NAME.template.txt` (a str.format template over its figures)."""

    name: str
    tools: tuple[str, ...]

    def use(self, tool: str, payload, log) -> object:
        """Run a registry tool on this agent's behalf, refusing anything off the belt."""
        if tool not in self.tools:
            log.warning("tool_refused", agent=self.name, tool=tool)
            raise ToolNotAllowed(f"{self.name} may not use {tool!r}; its tools are {', '.join(self.tools)}")
        log.info("tool_call", agent=self.name, tool=tool)
        return registry.run(tool, payload)
