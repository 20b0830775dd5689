"""Published plan versions: the approved supply per SKU × DC × month, numbered, never changed,
and checksummed so an edit made in the database is caught before anyone plans from it."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sop.store.connection import Backend, Connection, now_utc, one_row, transaction

if TYPE_CHECKING:
    import pandas as pd

PUBLISHED_TABLES = ("plan_versions", "published_plan", "plan_checksums")


class PublishedPlanImmutable(PermissionError):
    """A write that would change a published plan version."""


class PlanNotFound(LookupError):
    """No such published plan version."""


class PlanTampered(RuntimeError):
    """A published version's rows differ from what was published."""


def plan_checksum(con: Backend, version: int) -> tuple[int, str]:
    """Row count and SHA-256 of a published version's rows, in key order."""
    rows = con.execute("SELECT sku, dc, month, qty FROM published_plan WHERE version = ? ORDER BY sku, dc, month",
                       [version]).fetchall()
    digest = hashlib.sha256("\n".join(f"{s}|{d}|{m}|{q!r}" for s, d, m, q in rows).encode("utf-8"))
    return len(rows), digest.hexdigest()


def record_checksum(con: Backend, version: int) -> None:
    """Keep the checksum of a version as it stands now, at its publication."""
    con.execute("INSERT INTO plan_checksums VALUES (?, ?, ?)", [version, *plan_checksum(con, version)])


class PlanVersions(Connection):
    """Publishing a cycle's plan and reading the published versions back."""

    def publish_plan(self, cycle_id: str, scenario: str, approved_by: str) -> int:
        """Publish a cycle's planned supply per SKU × DC × month as the next plan version.

        A cycle publishes once: asked again (after a resume), it returns the version it has.
        """
        with transaction(self.con):
            self.con.serialise("plan_versions")
            found = self.con.execute("SELECT version FROM plan_versions WHERE cycle_id = ?", [cycle_id]).fetchone()
            if found:
                return found[0]
            (version,) = one_row(self.con, "SELECT COALESCE(MAX(version), 0) + 1 FROM plan_versions")
            self.con.execute("INSERT INTO plan_versions VALUES (?, ?, ?, ?, ?)",
                             [version, cycle_id, scenario, approved_by, now_utc()])
            self.con.execute(
                "INSERT INTO published_plan SELECT ?, sku, dc, month, SUM(qty) FROM plan_lines "
                "WHERE cycle_id = ? AND scenario = ? AND kind = 'shipment' GROUP BY sku, dc, month",
                [version, cycle_id, scenario])
            record_checksum(self.con, version)
            return version

    def plan_versions(self) -> pd.DataFrame:
        """Every published version: version, cycle_id, scenario, approved_by, published_at."""
        return self.query("SELECT version, cycle_id, scenario, approved_by, published_at FROM plan_versions "
                          "ORDER BY version")

    def published_plan(self, version: int | None = None) -> pd.DataFrame:
        """A published version's planned supply (the latest when `version` is None): version, sku,
        family, dc, month and qty in units per month. Raises PlanTampered when its rows no longer
        match the checksum taken at publication, so no one plans from an edited version."""
        if version is None:
            (version,) = one_row(self.con, "SELECT MAX(version) FROM plan_versions")
            if version is None:
                raise PlanNotFound("no plan version is published yet; a cycle publishes one when its executive "
                                   "gate is approved")
        recorded = self.con.execute("SELECT rows, checksum FROM plan_checksums WHERE version = ?", [version]).fetchone()
        if recorded is None:
            known = ", ".join(str(v) for v in self.plan_versions()["version"]) or "none"
            raise PlanNotFound(f"there is no plan version {version}; published versions: {known}")
        if plan_checksum(self.con, version) != recorded:
            raise PlanTampered(f"plan version {version} was changed after it was published: its rows no longer "
                               f"match the {recorded[0]} rows checksummed at publication; restore the database "
                               "from a backup")
        return self.query("SELECT p.version, p.sku, COALESCE(i.family, '') AS family, p.dc, p.month, p.qty "
                          "FROM published_plan p LEFT JOIN items i USING (sku) WHERE p.version = ? "
                          "ORDER BY p.sku, p.dc, p.month", [version])
