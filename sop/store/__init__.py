"""The planning store: every table, every migration and every line of SQL in sop.

Callers open a `Store` and use its named reads and writes; nothing outside this package writes
SQL.
"""

from sop.store.csv_import import DataError
from sop.store.database import Store
from sop.store.plan_versions import PlanNotFound, PlanTampered, PublishedPlanImmutable

__all__ = ["DataError", "PlanNotFound", "PlanTampered", "PublishedPlanImmutable", "Store"]
