"""What the command modules share: the console, the settings and opening the store, held for
the command (`sop.store.busy`) so a second command gets one line instead of DuckDB's lock error.
DuckDB loads when a command opens the store, not with the script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from sop.store.busy import Hold, StoreBusy, hold_store

if TYPE_CHECKING:
    import duckdb
    from pydantic import ValidationError

    from sop.config import Settings
    from sop.store import Store

EXIT_BUSY = 4
# Commands that hold the store for more than a moment: a second command does not wait for them.
LONG_COMMANDS = {"cycle run", "cycle approve", "cycle reject", "cycle resume", "cycle recover", "data load",
                 "data demo", "chat", "report"}

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def settings(ctx: typer.Context) -> Settings:
    """The settings, read once per command, when it first needs them (not for a help page); a
    value that does not fit is one line naming the variable, exit 2."""
    root = ctx.find_root()
    if root.obj is None:
        from pydantic import ValidationError

        from sop.config import Settings

        try:
            root.obj = Settings()
        except ValidationError as exc:
            raise fail(_setting_line(exc), code=2) from exc
    return root.obj


def _setting_line(exc: ValidationError) -> str:
    """The first value of the environment (or .env) that does not fit, named by its variable."""
    first = exc.errors()[0]
    name = ".".join(str(part) for part in first["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"setting {name}: {first['msg']}, got {first.get('input')!r}{more}; fix it in the environment or in .env"


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line on stderr and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _month(value: str | None) -> str | None:
    """A `--period` that is not a month is a usage error (exit 2), not an empty cycle."""
    if value is None:
        return None
    from sop.tools.periods import MONTH_PATTERN

    if not re.fullmatch(MONTH_PATTERN, value):
        raise typer.BadParameter(f"expected a month as YYYY-MM (e.g. 2026-11), not {value!r}")
    return value


def period_option(help_text: str) -> Any:
    """A `--period` option, the month of a cycle, checked as typed."""
    return typer.Option(None, "--period", callback=_month, help=help_text)


def command_name(ctx: typer.Context) -> str:
    """The command as typed, without the program name: 'cycle approve'."""
    return ctx.command_path.partition(" ")[2]


@contextmanager
def hold(ctx: typer.Context) -> Iterator[Hold]:
    """Hold the store for this command; StoreBusy when another holds it."""
    name, cfg, meta = command_name(ctx), settings(ctx), ctx.find_root().meta
    with hold_store(cfg.db, f"sop {name}", long=name in LONG_COMMANDS, wait_s=cfg.busy_wait_s) as held:
        meta["hold"] = held
        try:
            yield held
        finally:
            del meta["hold"]


def announce(ctx: typer.Context, period: str) -> None:
    """Tell a second command which cycle this one works on."""
    held = ctx.find_root().meta.get("hold")
    if held is not None:
        held.announce(period)


def cycle_of(ctx: typer.Context, store: Store, period: str | None) -> str:
    """The cycle a command works on (the one asked, else the month after the history), announced
    to a second command; one line when there is no history yet."""
    from sop.store.cycles import NO_HISTORY, next_period

    the_period = period or next_period(store)
    if the_period is None:
        raise fail(NO_HISTORY)
    announce(ctx, the_period)
    return the_period


def post_progress(ctx: typer.Context, event: Any) -> None:
    """Show a step's progress event on the workspace's cycle page, through this command's hold."""
    held = ctx.find_root().meta.get("hold")
    if held is not None:
        held.post(event)


def store_file(db: Path | str) -> Path:
    """The store's DuckDB file, for the commands that copy files; a PostgreSQL store is refused
    with one line, since its server's own tools back it up."""
    from sop.store.location import is_server_url, shown

    if is_server_url(db):
        raise fail(f"the planning store is the PostgreSQL database {shown(db)}; back it up and restore it with "
                   "the server's own tools (pg_dump and pg_restore)", code=2)
    return Path(db)


def damaged(path: Path, exc: duckdb.Error) -> typer.Exit:
    """The one line for a store file that cannot be read: which file, and the way back."""
    return fail(f"the planning store {path} is damaged and cannot be read ({str(exc).splitlines()[0]}); "
                f"restore it from a backup with 'sop data restore FILE' (FILE as 'sop data backup' wrote it, "
                f"in {path.parent / 'backups'} by default), or move it aside and load the data again with "
                "'sop data load DIR'")


# What DuckDB says when a file is not, or no longer, a whole database.
DAMAGE_SIGNS = ("not a valid DuckDB database", "Could not read enough bytes", "corrupt", "checksum")


def _open(path: Path | str) -> Store:
    import duckdb

    from sop.store import Store
    from sop.store.backends import StoreUnavailable
    from sop.store.location import is_server_url

    if is_server_url(path):
        try:
            return Store(path)
        except StoreUnavailable as exc:
            raise fail(str(exc)) from exc
    path = Path(path)
    try:
        return Store(path)
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        if "lock" in first:  # held by a process that does not take our lock
            raise fail(f"the planning store {path} is in use by another process; try again when it ends ({first})",
                       code=EXIT_BUSY) from exc
        raise damaged(path, exc) from exc
    except duckdb.Error as exc:  # a file that opens but whose catalog or tables cannot be read
        raise damaged(path, exc) from exc


@contextmanager
def open_store(ctx: typer.Context) -> Iterator[Store]:
    """The store, held for this command unless it holds it already; one line and exit 4 when
    another command holds it."""
    import duckdb

    with ExitStack() as stack:
        if "hold" not in ctx.find_root().meta:
            try:
                stack.enter_context(hold(ctx))
            except StoreBusy as exc:
                raise fail(str(exc), code=EXIT_BUSY) from exc
        path = settings(ctx).db
        store = _open(path)
        try:
            yield store
        except duckdb.Error as exc:
            if isinstance(path, Path) and any(sign.lower() in str(exc).lower() for sign in DAMAGE_SIGNS):
                raise damaged(path, exc) from exc
            raise
        finally:
            store.close()
