"""`sop tools`: list the planning tools and the queries, and run any planning tool on JSON input."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table

from sop.cli.common import console, fail

app = typer.Typer(help="The planning tools and the queries every agent and slash command uses.",
                  no_args_is_help=True)


@app.command("list")
def list_tools() -> None:
    """Every planning tool (pure, runs on JSON) and every query (reads the store; the slash
    commands and the agents' chat tools), each once, with what it does."""
    from sop.agents.queries import QUERIES
    from sop.tools import registry

    table = Table("name", "kind", "what it does")
    for tool in registry.TOOLS.values():
        table.add_row(tool.name, "planning tool", tool.description)
    for query in QUERIES.values():
        table.add_row(query.name, "query", query.description)
    console.print(table)


def _read_input(text: str) -> dict:
    source = "--input"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"{source}: cannot read the input file ({exc.strerror})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Stdout carries only the JSON result: send anything a solver library prints at the C level
    (HiGHS prints a banner on creation) to stderr while the tool runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@app.command("run")
def run(
    name: str = typer.Argument(..., help="tool name, see 'sop tools list'"),
    input: str = typer.Option(..., "--input", help="JSON text, or @FILE to read it from a file"),
) -> None:
    """Run one tool and write its JSON result to stdout."""
    from pydantic import ValidationError

    from sop.tools import registry

    if name not in registry.TOOLS:
        raise fail(f"unknown tool {name!r}; known tools: {', '.join(registry.TOOLS)}", code=2)
    payload = _read_input(input)
    try:
        with _stdout_to_stderr():
            result = registry.run(name, payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise fail(f"{name}: input field {where}: {err['msg']}") from exc
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")
