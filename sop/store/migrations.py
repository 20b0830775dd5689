"""The schema's history: ordered migrations, each applied once in its own transaction.

Append a function to MIGRATIONS to change the schema; never edit or reorder an applied one, since
a database records each migration by its position. Every input table is declared once in
`sop.store.schema`; migration 1 turns those declarations into DDL. Referential integrity is
checked by the CSV import and not declared in the database, because DuckDB foreign keys would
block the delete-then-insert reload. The same migrations build a PostgreSQL store
(`sop.store.backends`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sop.store.connection import Backend, quote, transaction
from sop.store.plan_versions import record_checksum
from sop.store.schema import TABLES, Column, Table

# The SQL type of each declared column type; the PostgreSQL backend reads DOUBLE as DOUBLE PRECISION.
COLUMN_TYPES = {"text": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "month": "VARCHAR", "date": "DATE"}


def _column_ddl(column: Column) -> str:
    null = "" if column.nullable else " NOT NULL"
    return f"{quote(column.name)} {COLUMN_TYPES[column.type]}{null}"


def _create_table_sql(table: Table) -> str:
    columns = [_column_ddl(c) for c in table.columns]
    key = ", ".join(quote(k) for k in table.key)
    return f"CREATE TABLE {quote(table.name)} ({', '.join(columns)}, PRIMARY KEY ({key}))"


def _create_tables(con: Backend, tables: dict[str, str]) -> None:
    for name, columns in tables.items():
        con.execute(f"CREATE TABLE {quote(name)} ({columns})")


def create_input_tables(con: Backend) -> None:
    """One table per input file declared in `sop.store.schema.TABLES`."""
    for table in TABLES:
        con.execute(_create_table_sql(table))


# What each cycle writes. Every row carries its cycle_id, so a node that runs again after a
# resume replaces its own rows (`Store.replace`) instead of adding to them.
FORECAST_PLAN_AND_DECISION_TABLES = {
    "forecast_layers": "cycle_id VARCHAR, layer VARCHAR, sku VARCHAR, dc VARCHAR, month VARCHAR, qty DOUBLE, "
                       "yhat DOUBLE, lo_80 DOUBLE, hi_80 DOUBLE, lo_95 DOUBLE, hi_95 DOUBLE, model VARCHAR, "
                       "PRIMARY KEY (cycle_id, layer, sku, dc, month)",
    "backtests": "cycle_id VARCHAR, level VARCHAR, key VARCHAR, sku VARCHAR, dc VARCHAR, model VARCHAR, mae DOUBLE, "
                 "benchmark_mae DOUBLE, error_std DOUBLE, mean_actual DOUBLE, points BIGINT, coverage_80 DOUBLE, "
                 "coverage_95 DOUBLE, regime VARCHAR, demand_class VARCHAR, adi DOUBLE, cv2 DOUBLE, reason VARCHAR, "
                 "PRIMARY KEY (cycle_id, level, key)",
    "agent_reports": "cycle_id VARCHAR, agent VARCHAR, narrative VARCHAR, source VARCHAR, figures VARCHAR, "
                     "PRIMARY KEY (cycle_id, agent)",
    "inventory_policy": "cycle_id VARCHAR, sku VARCHAR, dc VARCHAR, abc VARCHAR, xyz VARCHAR, service_level DOUBLE, "
                        "mean_demand DOUBLE, demand_std DOUBLE, lead_time DOUBLE, unit_cost DOUBLE, eoq DOUBLE, "
                        "safety_stock DOUBLE, reorder_point DOUBLE, order_up_to DOUBLE, "
                        "PRIMARY KEY (cycle_id, sku, dc)",
    "plan_lines": "cycle_id VARCHAR, scenario VARCHAR, kind VARCHAR, sku VARCHAR, plant VARCHAR, dc VARCHAR, "
                  "month VARCHAR, qty DOUBLE, PRIMARY KEY (cycle_id, scenario, kind, sku, plant, dc, month)",
    "plant_hours": "cycle_id VARCHAR, scenario VARCHAR, plant VARCHAR, month VARCHAR, regular_hours DOUBLE, "
                   "max_overtime_hours DOUBLE, overtime_hours DOUBLE, used_hours DOUBLE, "
                   "PRIMARY KEY (cycle_id, scenario, plant, month)",
    "plan_summary": "cycle_id VARCHAR, scenario VARCHAR, status VARCHAR, objective DOUBLE, demand_units DOUBLE, "
                    "unmet_units DOUBLE, demand_revenue DOUBLE, unmet_revenue DOUBLE, PRIMARY KEY (cycle_id, scenario)",
    "gaps": "cycle_id VARCHAR, scenario VARCHAR, rank BIGINT, kind VARCHAR, subject VARCHAR, month VARCHAR, "
            "units DOUBLE, value DOUBLE, detail VARCHAR, PRIMARY KEY (cycle_id, scenario, rank)",
    "lane_use": "cycle_id VARCHAR, plant VARCHAR, dc VARCHAR, month VARCHAR, volume DOUBLE, capacity DOUBLE, "
                "utilisation DOUBLE, cost DOUBLE, PRIMARY KEY (cycle_id, plant, dc, month)",
    "supplier_scores": "cycle_id VARCHAR, supplier VARCHAR, score DOUBLE, tier VARCHAR, quality DOUBLE, "
                       "delivery DOUBLE, cost DOUBLE, responsiveness DOUBLE, on_time DOUBLE, ppm DOUBLE, "
                       "fill_rate DOUBLE, price_index DOUBLE, PRIMARY KEY (cycle_id, supplier)",
    "financials": "cycle_id VARCHAR, scenario VARCHAR, family VARCHAR, month VARCHAR, demand_units DOUBLE, "
                  "fulfilled_units DOUBLE, revenue DOUBLE, production_cost DOUBLE, overtime_cost DOUBLE, "
                  "freight_cost DOUBLE, holding_cost DOUBLE, cogs DOUBLE, gross_margin DOUBLE, "
                  "gross_margin_pct DOUBLE, inventory_units DOUBLE, inventory_value DOUBLE, budget_revenue DOUBLE, "
                  "budget_cogs DOUBLE, "
                  "revenue_variance DOUBLE, margin_variance DOUBLE, PRIMARY KEY (cycle_id, scenario, family, month)",
    "decisions": "seq BIGINT PRIMARY KEY, cycle_id VARCHAR, gate VARCHAR, attempt BIGINT, decision VARCHAR, "
                 "decided_by VARCHAR, decided_at VARCHAR, rationale VARCHAR, figures VARCHAR, prev_hash VARCHAR, "
                 "hash VARCHAR, UNIQUE (cycle_id, gate, attempt)",
    "plan_versions": "version BIGINT PRIMARY KEY, cycle_id VARCHAR UNIQUE, scenario VARCHAR, approved_by VARCHAR, "
                     "published_at VARCHAR",
    "published_plan": "version BIGINT, sku VARCHAR, dc VARCHAR, month VARCHAR, qty DOUBLE, "
                      "PRIMARY KEY (version, sku, dc, month)",
}


def create_forecast_plan_and_decision_tables(con: Backend) -> None:
    """Forecast layers, backtests, narratives, inventory policy, plans, lanes, supplier scores,
    financials, the decision log and the published plan versions."""
    _create_tables(con, FORECAST_PLAN_AND_DECISION_TABLES)


HIERARCHY_CLEANSING_AND_OVERRIDE_TABLES = {
    "forecast_nodes": "cycle_id VARCHAR, level VARCHAR, key VARCHAR, month VARCHAR, yhat DOUBLE, yhat_base DOUBLE, "
                      "lo_80 DOUBLE, hi_80 DOUBLE, lo_95 DOUBLE, hi_95 DOUBLE, model VARCHAR, "
                      "PRIMARY KEY (cycle_id, level, key, month)",
    "cleansing_adjustments": "cycle_id VARCHAR, sku VARCHAR, dc VARCHAR, month VARCHAR, kind VARCHAR, before DOUBLE, "
                             "after DOUBLE, uplift_pct DOUBLE, event_id VARCHAR, reason VARCHAR",
    "accuracy_history": "cycle_id VARCHAR, evaluated_cycle VARCHAR, level VARCHAR, key VARCHAR, layer VARCHAR, "
                        "metric VARCHAR, value DOUBLE",
    "overrides": "override_id BIGINT PRIMARY KEY, cycle_id VARCHAR, level VARCHAR, key VARCHAR, month_from VARCHAR, "
                 "month_to VARCHAR, change_pct DOUBLE, set_qty DOUBLE, author VARCHAR, reason VARCHAR, "
                 "created_at VARCHAR",
}


def create_hierarchy_cleansing_and_override_tables(con: Backend) -> None:
    """The reconciled forecast hierarchy, the cleansing log, accuracy across cycles and the
    planners' overrides."""
    _create_tables(con, HIERARCHY_CLEANSING_AND_OVERRIDE_TABLES)


# The limits each plan binds (with shadow prices), working capital and the bridge inputs on the
# financials, variances to budget and targets, the key metrics kept across cycles, the gaps
# ranked by margin at risk, the what-if re-plans behind each recommendation, and the decisions
# put to the executives.
FINANCIALS_WORKING_CAPITAL_COLUMNS = ("standard_cogs", "receivables", "payables", "working_capital", "budget_units")
BINDING_VARIANCE_AND_WHATIF_TABLES = {
    "plan_binding": "cycle_id VARCHAR, scenario VARCHAR, family VARCHAR, keys VARCHAR, period VARCHAR, "
                    "\"limit\" DOUBLE, used DOUBLE, shadow_price DOUBLE, "
                    "PRIMARY KEY (cycle_id, scenario, family, keys, period)",
    "variances": "cycle_id VARCHAR, scenario VARCHAR, metric VARCHAR, scope VARCHAR, month VARCHAR, basis VARCHAR, "
                 "actual DOUBLE, reference DOUBLE, variance DOUBLE, variance_pct DOUBLE, favourable BOOLEAN, "
                 "flagged BOOLEAN, PRIMARY KEY (cycle_id, scenario, metric, scope, month, basis)",
    "kpis": "cycle_id VARCHAR, metric VARCHAR, month VARCHAR, value DOUBLE, target DOUBLE, variance DOUBLE, "
            "variance_pct DOUBLE, favourable BOOLEAN, flagged BOOLEAN, source VARCHAR, PRIMARY KEY (cycle_id, metric)",
    "margin_gaps": "cycle_id VARCHAR, rank BIGINT, kind VARCHAR, subject VARCHAR, months VARCHAR, units DOUBLE, "
                   "margin_at_risk DOUBLE, detail VARCHAR, PRIMARY KEY (cycle_id, rank)",
    "whatifs": "cycle_id VARCHAR, recommendation_id VARCHAR, gap_ranks VARCHAR, lever VARCHAR, title VARCHAR, "
               "months VARCHAR, status VARCHAR, base_objective DOUBLE, objective DOUBLE, base_unmet_units DOUBLE, "
               "unmet_units DOUBLE, base_revenue DOUBLE, revenue DOUBLE, base_margin DOUBLE, margin DOUBLE, "
               "margin_recovered DOUBLE, cost DOUBLE, net_benefit DOUBLE, units DOUBLE, risks VARCHAR, "
               "PRIMARY KEY (cycle_id, recommendation_id)",
    "decision_requests": "cycle_id VARCHAR, seq BIGINT, decision VARCHAR, detail VARCHAR, recommendation_id VARCHAR, "
                         "PRIMARY KEY (cycle_id, seq)",
}


def create_binding_variance_and_whatif_tables(con: Backend) -> None:
    """Binding limits, variances, key metrics, margin gaps, what-ifs and decision requests, and
    the working-capital and bridge columns on `financials`."""
    for column in FINANCIALS_WORKING_CAPITAL_COLUMNS:
        con.execute(f"ALTER TABLE financials ADD COLUMN {quote(column)} DOUBLE")
    _create_tables(con, BINDING_VARIANCE_AND_WHATIF_TABLES)


# The decision log gains `ref`, which tells apart several entries of one gate attempt (each
# executive decision, each refused approval); DuckDB cannot drop the old unique key, so the
# table is rebuilt with every entry, hash and sequence number unchanged.
CHECKSUM_AND_ACTION_TABLES = {
    "plan_checksums": "version BIGINT PRIMARY KEY, rows BIGINT, checksum VARCHAR",
    "action_items": "action_id BIGINT PRIMARY KEY, cycle_id VARCHAR, source VARCHAR, ref VARCHAR, title VARCHAR, "
                    "owner VARCHAR, due DATE, status VARCHAR, created_at VARCHAR, closed_by VARCHAR, "
                    "closed_at VARCHAR, notes VARCHAR, UNIQUE (cycle_id, source, ref)",
}
DECISION_COLUMNS = ("seq", "cycle_id", "gate", "attempt", "decision", "decided_by", "decided_at", "rationale",
                    "figures", "prev_hash", "hash")


def add_decision_refs_plan_checksums_and_action_items(con: Backend) -> None:
    """Decision-log refs, a checksum per published plan version (taken now for the versions
    already published), and action items."""
    con.execute("CREATE TABLE decisions_with_ref (seq BIGINT PRIMARY KEY, cycle_id VARCHAR, gate VARCHAR, "
                "attempt BIGINT, ref VARCHAR NOT NULL DEFAULT '', decision VARCHAR, decided_by VARCHAR, "
                "decided_at VARCHAR, rationale VARCHAR, figures VARCHAR, prev_hash VARCHAR, hash VARCHAR, "
                "UNIQUE (cycle_id, gate, attempt, ref))")
    columns = ", ".join(DECISION_COLUMNS)
    con.execute(f"INSERT INTO decisions_with_ref ({columns}) SELECT {columns} FROM decisions")
    con.execute("DROP TABLE decisions")
    con.execute("ALTER TABLE decisions_with_ref RENAME TO decisions")
    _create_tables(con, CHECKSUM_AND_ACTION_TABLES)
    for (version,) in con.execute("SELECT version FROM plan_versions").fetchall():
        record_checksum(con, version)


def create_model_usage_table_and_report_notes(con: Backend) -> None:
    """Language-model cost per cycle and per chat session (calls and tokens in and out), and why
    an agent's narrative came from its template."""
    con.execute("CREATE TABLE model_usage (scope VARCHAR, scope_id VARCHAR, cycle_id VARCHAR, calls BIGINT, "
                "failed_calls BIGINT, input_tokens BIGINT, output_tokens BIGINT, updated_at VARCHAR, "
                "PRIMARY KEY (scope, scope_id))")
    con.execute("ALTER TABLE agent_reports ADD COLUMN note VARCHAR")


def create_cycle_status_table(con: Backend) -> None:
    """Where each cycle stands (running, waiting at a gate, done, failed), beside its data."""
    con.execute("CREATE TABLE cycle_status (cycle_id VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, gate VARCHAR, "
                "horizon VARCHAR, error VARCHAR, updated_at VARCHAR)")


def create_solved_plans_table(con: Backend) -> None:
    """Each scenario's supply-plan instance and solved result as JSON, kept once by week 2 (and
    week 4's re-plan) so later weeks read the plan back whole instead of rebuilding it."""
    con.execute("CREATE TABLE solved_plans (cycle_id VARCHAR, scenario VARCHAR, instance VARCHAR NOT NULL, "
                "result VARCHAR NOT NULL, PRIMARY KEY (cycle_id, scenario))")


def add_cycle_answers(con: Backend) -> None:
    """The answers given at a cycle's gates, in order, so `sop cycle recover` can replay them
    when the checkpoint is lost."""
    con.execute("ALTER TABLE cycle_status ADD COLUMN answers VARCHAR")


def add_benchmark_to_backtests(con: Backend) -> None:
    """Each node's benchmark of record (SeasonalNaive, or Naive for sparse or short demand) beside
    its backtest error, which the consensus gate shows."""
    con.execute("ALTER TABLE backtests ADD COLUMN benchmark VARCHAR")


def create_agent_proposals_table(con: Backend) -> None:
    """What the agents propose in their cycle steps, for people to accept at the gates; one row
    per proposal, its evidence and effect as JSON."""
    con.execute("CREATE TABLE agent_proposals (cycle_id VARCHAR, id VARCHAR, agent VARCHAR, gate VARCHAR, "
                "kind VARCHAR, title VARCHAR, evidence VARCHAR, effect VARCHAR, confidence DOUBLE, "
                "PRIMARY KEY (cycle_id, id))")


def add_spend_to_financials(con: Backend) -> None:
    """The month's spend (production, overtime, freight, holding; cash) beside COGS, which now
    counts the units sold at standard cost."""
    con.execute("ALTER TABLE financials ADD COLUMN spend DOUBLE")


def add_option_sets_to_whatifs(con: Backend) -> None:
    """A recommendation that is a set of options the plan chose (week 3's option set) keeps the
    options taken and the shadow prices that justify them, as text, so the package can show why."""
    con.execute("ALTER TABLE whatifs ADD COLUMN options VARCHAR")
    con.execute("ALTER TABLE whatifs ADD COLUMN justification VARCHAR")


def add_mode_to_lane_use(con: Backend) -> None:
    """A plant–DC pair may have a lane per transport mode, so a lane's use names its mode."""
    con.execute("ALTER TABLE lane_use ADD COLUMN mode VARCHAR")


MIGRATIONS: list[Callable[[Backend], None]] = [
    create_input_tables,
    create_forecast_plan_and_decision_tables,
    create_hierarchy_cleansing_and_override_tables,
    create_binding_variance_and_whatif_tables,
    add_decision_refs_plan_checksums_and_action_items,
    create_model_usage_table_and_report_notes,
    create_cycle_status_table,
    create_solved_plans_table,
    add_cycle_answers,
    add_benchmark_to_backtests,
    create_agent_proposals_table,
    add_spend_to_financials,
    add_option_sets_to_whatifs,
    add_mode_to_lane_use,
]


def migrate(con: Backend) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; return their names."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, "
                "applied_at TIMESTAMP)")
    applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    names = []
    for version, migration in enumerate(MIGRATIONS, start=1):
        if version in applied:
            continue
        with transaction(con):
            con.serialise("migrations")  # two commands opening a new server store migrate it once
            if con.execute("SELECT 1 FROM schema_migrations WHERE version = ?", [version]).fetchone():
                continue
            migration(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, migration.__name__, datetime.now()])
        names.append(migration.__name__)
    return names
