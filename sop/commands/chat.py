"""`sop chat` and `sop ask`: the slash commands in a REPL with history and completion, or one at
a time for scripts (`--json` prints the figures behind the answer)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import typer
from rich.console import RenderableType
from rich.text import Text

from agents.roster import AGENTS
from sop.commands.common import console, fail, open_store, settings
from sop.config import Settings
from sop.slash import COMMANDS, SlashError, SlashUsageError, dispatch
from sop.store import Store

try:
    import readline
except ImportError:  # Windows has no readline; the REPL then runs without history and completion
    readline = None

PROMPT = "sop> "
QUIT = ("/quit", "/exit")
NEEDS_MODEL = "Free-text questions need a language model; try /help for the slash commands."
MENTIONS = tuple(f"@{name}" for name in AGENTS)

FreeTextHandler = Callable[[str], list[RenderableType]]


def no_model(text: str) -> list[RenderableType]:
    """The reply to free text when no conversation handler is plugged in."""
    return [Text(NEEDS_MODEL)]


def completions(text: str) -> list[str]:
    """Slash commands and agent mentions that start with what was typed."""
    return [w for w in (*(f"/{name}" for name in COMMANDS), *QUIT, *MENTIONS) if w.startswith(text)]


def respond(store: Store, cfg: Settings, line: str, free_text: FreeTextHandler) -> list[RenderableType]:
    """What the REPL shows for one line: a slash command's answer, or the free-text handler's."""
    if line.startswith("/"):
        return dispatch(store, line, cfg).renderables
    return free_text(line)


@contextmanager
def line_editing(history: Path) -> Iterator[None]:
    """Tab completion and a history file that outlives the session, where readline exists."""
    if readline is None:
        yield
        return
    readline.set_completer_delims(" \t\n")
    readline.set_completer(lambda text, state: (completions(text)[state:] or [None])[0])
    libedit = "libedit" in (readline.__doc__ or "")
    readline.parse_and_bind("bind ^I rl_complete" if libedit else "tab: complete")
    if history.is_file():
        readline.read_history_file(history)
    try:
        yield
    finally:
        readline.write_history_file(history)


def chat(
    ctx: typer.Context,
    history: Path = typer.Option(Path(".sop_history"), "--history", help="file that keeps the typed lines"),
) -> None:
    """Ask the planning tools in a REPL: /help lists the slash commands, /quit or Ctrl-D leaves."""
    cfg = settings(ctx)
    console.print("sop chat: slash commands answer from the planning tools. /help lists them, /quit leaves.",
                  highlight=False)
    with open_store(ctx) as store, line_editing(history):
        while True:
            try:
                line = input(PROMPT).strip()
            except EOFError:
                console.print()
                return
            except KeyboardInterrupt:
                console.print()
                continue
            if line.lower() in QUIT:
                return
            if not line:
                continue
            try:
                for renderable in respond(store, cfg, line, no_model):
                    console.print(renderable)
            except SlashError as exc:
                console.print(Text(str(exc), style="red"))


def ask(
    ctx: typer.Context,
    text: str = typer.Argument(..., help='one slash command, e.g. "/reorder-calc fasteners 98"'),
    as_json: bool = typer.Option(False, "--json", help='print {"command": ..., "figures": {...}} as JSON'),
) -> None:
    """Run one slash command, for scripts. Exit code 2 for an unknown command or a bad argument."""
    if not text.strip().startswith("/"):
        raise fail(NEEDS_MODEL, code=2)
    with open_store(ctx) as store:
        try:
            result = dispatch(store, text, settings(ctx))
        except SlashUsageError as exc:
            raise fail(str(exc), code=2) from exc
        except SlashError as exc:
            raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps({"command": result.command, "figures": result.figures}, indent=2))
        return
    for renderable in result.renderables:
        console.print(renderable)
