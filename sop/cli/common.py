"""What the command modules share: the console, the settings and opening the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from sop.config import Settings
from sop.store import Store

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line on stderr and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


@contextmanager
def open_store(ctx: typer.Context) -> Iterator[Store]:
    store = Store(settings(ctx).db)
    try:
        yield store
    finally:
        store.close()
