"""The coordinator: which named agent answers a free-text line.

`@demand-forecaster why …` goes to that agent. Otherwise the agent whose query tools' keywords
the line hits most answers, and the demand-forecaster when none hit. Routing is deterministic
and needs no model, so the same question reaches the same agent online and offline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sop.agents.base import AgentSpec
from sop.agents.offline import keyword_score

_MENTION = re.compile(r"^\s*@([\w-]+)[\s,:]*(.*)$", re.DOTALL)


class UnknownAgent(ValueError):
    """The line names an agent that does not exist; the message lists the ones that do."""


def route(line: str, agents: Mapping[str, AgentSpec], keywords: Mapping[str, Sequence[str]]) -> tuple[AgentSpec, str]:
    """(the agent to answer, the question without its @mention)."""
    mention = _MENTION.match(line)
    if mention:
        name, question = mention.group(1).lower(), mention.group(2).strip()
        if name not in agents:
            raise UnknownAgent(f"no agent called @{name}; ask one of: {', '.join('@' + a for a in agents)}")
        return agents[name], question
    names = list(agents)
    scores = {n: sum(keyword_score(line, keywords.get(q, ())) for q in agents[n].queries) for n in names}
    best = max(names, key=lambda n: (scores[n], -names.index(n)))
    return agents[best], line.strip()
