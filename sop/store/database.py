"""The planning store: one DuckDB file or PostgreSQL database, migrated on open.

`Store` gathers the store's parts (the CSV import, the decision ledger, published plan versions,
action items and model usage) over one connection, and adds the writes every cycle node uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sop.store import migrations
from sop.store.action_items import ActionItems
from sop.store.connection import one_row, quote, transaction
from sop.store.csv_import import CsvImport
from sop.store.ledger import DecisionLedger
from sop.store.model_usage import ModelUsage
from sop.store.plan_versions import PUBLISHED_TABLES, PlanVersions, PublishedPlanImmutable

if TYPE_CHECKING:
    import pandas as pd


class Store(CsvImport, DecisionLedger, PlanVersions, ActionItems, ModelUsage):
    """The planning database. Opening it applies any pending migrations."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        self.migrate()

    def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in its own transaction; return their names."""
        return migrations.migrate(self.con)

    def replace(self, name: str, rows: pd.DataFrame, **keys: str) -> None:
        """Upsert a node's output: delete the rows matching `keys`, insert `rows` with those keys.

        Columns are matched by name and extra columns are ignored, so a node can pass the frame
        it computed; one transaction, so a crash never leaves half a write. Published plan
        versions are never replaced: a changed plan is published as a new version.
        """
        if name in PUBLISHED_TABLES:
            raise PublishedPlanImmutable(
                f"{name} holds published plan versions, which never change; publish the changed plan as a "
                "new version by approving the next cycle's executive gate")
        frame = rows.assign(**keys).reindex(columns=self.con.columns(name))
        where = " AND ".join(f"{quote(k)} = ?" for k in keys)
        with transaction(self.con):
            self.con.execute(f"DELETE FROM {quote(name)} WHERE {where}", list(keys.values()))
            self.con.insert_frame(name, frame)

    def save_reports(self, cycle_id: str, reports: list) -> None:
        """Keep each agent's narrative of this cycle (one row per agent, the latest wins)."""
        import pandas as pd

        for r in reports:
            self.replace("agent_reports", pd.DataFrame([{"narrative": r.narrative, "source": r.source,
                                                         "figures": json.dumps(r.figures),
                                                         "note": getattr(r, "note", None)}]),
                         cycle_id=cycle_id, agent=r.agent)

    def last_history_month(self) -> str | None:
        """The latest month of demand history ('YYYY-MM'), or None before any data is loaded."""
        (month,) = one_row(self.con, "SELECT max(month) FROM demand_history")
        return month
