"""sop: the monthly Sales & Operations Planning cycle, as one package.

Rooms, lowest first: `sop.tools` (pure planning functions), `sop.store` (all SQL), `sop.agents`,
`sop.report`, `sop.graph` (the LangGraph cycle), and the shell: `sop.chat` and `sop.cli`.
docs/ARCHITECTURE.md says what each may import.
"""
