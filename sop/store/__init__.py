"""The planning store: every table, every migration and every line of SQL in sop.

Callers open a `Store` and use its named reads and writes; nothing outside this package writes
SQL.

The names below are imported from their modules when first used (PEP 562), not with the package:
every `sop.store.*` import runs this file, and the light parts (the store's lock, the status file
beside it, the cycle records) must not load DuckDB, so that `sop --help` and `sop cycle status`
start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sop.store.csv_import import DataError
    from sop.store.database import Store
    from sop.store.plan_versions import PlanNotFound, PlanTampered, PublishedPlanImmutable

__all__ = ["DataError", "PlanNotFound", "PlanTampered", "PublishedPlanImmutable", "Store"]

_MODULE_OF = {"DataError": "csv_import", "PlanNotFound": "plan_versions", "PlanTampered": "plan_versions",
              "PublishedPlanImmutable": "plan_versions", "Store": "database"}


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"sop.store.{_MODULE_OF[name]}"), name)
