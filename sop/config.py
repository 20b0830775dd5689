"""Settings, read once from the environment (and `.env`) by the CLI and passed down.

No node or tool reads `os.environ`; they receive a `Settings` (ARCHITECTURE.md rule 5).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    db: Path | str = Field(
        Path("sop.duckdb"), alias="SOP_DB",
        description="the planning data: a DuckDB file, or a postgresql://USER@HOST:PORT/DATABASE URL to keep every "
                    "table in PostgreSQL",
    )
    checkpoint_url: str = Field(
        "sop-checkpoints.sqlite", alias="SOP_CHECKPOINT_URL",
        description="SQLite file for cycle checkpoints, or a postgresql:// URL to keep them in PostgreSQL",
    )
    out_dir: Path = Field(Path("out"), alias="SOP_OUT", description="where executive packages are written")
    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    model: str = Field("gpt-4o-mini", alias="SOP_MODEL")
    model_timeout_s: float = Field(30.0, alias="SOP_MODEL_TIMEOUT", gt=0)
    model_max_retries: int = Field(
        3, alias="SOP_MODEL_MAX_RETRIES", ge=0, le=10,
        description="retries of a model call after a 429, a 5xx, a timeout or a lost connection",
    )
    horizon_months: int = Field(18, alias="SOP_HORIZON", ge=3, le=36)
    reconciliation: Literal["mint_shrink", "ols", "bottom_up"] = Field(
        "mint_shrink", alias="SOP_RECONCILIATION",
        description="how week 1 makes the hierarchy add up; the default won bench/forecast_hierarchy.py",
    )
    holding_rate: float = Field(0.25, alias="SOP_HOLDING_RATE", gt=0, description="per year, of unit cost")
    ordering_cost: float = Field(150.0, alias="SOP_ORDERING_COST", ge=0, description="per order")
    unmet_penalty_factor: float = Field(
        1.5, alias="SOP_UNMET_PENALTY_FACTOR", gt=0,
        description="lost-sale penalty per unit as a multiple of the SKU's price",
    )
    ss_penalty_rate: float = Field(
        1.5, alias="SOP_SS_PENALTY_RATE", ge=0,
        description="penalty per unit-month below safety stock, as a multiple of unit cost; above the "
                    "cost of making a unit, so the plan keeps safety stock unless capacity runs out",
    )
    dso_days: float = Field(45.0, alias="SOP_DSO_DAYS", ge=0, description="days sales outstanding")
    dpo_days: float = Field(40.0, alias="SOP_DPO_DAYS", ge=0, description="days payables outstanding")
    variance_tolerance: float = Field(
        0.05, alias="SOP_VARIANCE_TOLERANCE", ge=0,
        description="a variance to budget or target beyond this fraction of the reference is flagged",
    )
    max_whatifs: int = Field(
        4, alias="SOP_MAX_WHATIFS", ge=0,
        description="what-if re-plans (one LP solve each) that week 3 runs on the top gaps",
    )

    override_max_pct: float = Field(
        50.0, alias="SOP_OVERRIDE_MAX_PCT", gt=0,
        description="a planner override that moves a node-month by more than this percentage needs --force",
    )
    busy_wait_s: float = Field(
        10.0, alias="SOP_BUSY_WAIT", ge=0,
        description="seconds a command waits for a short command that holds the store before it says busy",
    )

    dask_scheduler: str | None = Field(
        None, alias="SOP_DASK_SCHEDULER",
        description="forecast on dask.distributed: 'local' for a LocalCluster on this machine, or a scheduler "
                    "address (tcp://HOST:8786); unset, the forecast runs on the local cores",
    )
    solve_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1, alias="SOP_SOLVE_PROCESSES", ge=1,
        description="processes week 2 solves its scenarios' supply LPs on, when they are large enough to pay "
                    "for a process each (docs/SUPPLY_PLAN.md); default: one per core",
    )
    plan_level: Literal["auto", "sku", "family"] = Field(
        "auto", alias="SOP_PLAN_LEVEL",
        description="the supply LP's level: 'sku' (SKU × plant × DC × month), 'family' (families, then "
                    "disaggregated to SKUs by forecast share), or 'auto' (family above the size in docs/SCALE.md)",
    )

    @field_validator("db", mode="after")
    @classmethod
    def _file_or_server(cls, value: Path | str) -> Path | str:
        """A URL (postgresql://…) stays as written, since a Path would fold its '//'; anything else
        is a file. The store says which URLs it takes (`sop.store.location`)."""
        return value if isinstance(value, str) and "://" in value else Path(value)

    @field_validator("dask_scheduler", mode="before")
    @classmethod
    def _empty_scheduler_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("openai_api_key", "openai_base_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`OPENAI_API_KEY=` in a shell or .env means no key, not an empty one."""
        return None if value == "" else value

    @property
    def offline(self) -> bool:
        """True when no language model is configured: the offline model writes narratives."""
        return self.openai_api_key is None
