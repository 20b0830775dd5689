"""`sop chat` and `sop ask`: slash commands and questions to the agents, in a REPL with history
and completion, or one at a time for scripts (`--json` prints the figures behind the answer).

Free text goes to the agents (`sop.chat.conversation`): with a language model when one is configured,
with the offline model otherwise, so chat works either way. The agents and the planning tools
load when a command runs, not when `sop` starts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import typer
from rich.console import RenderableType
from rich.text import Text

from sop.cli.common import console, fail, open_store, settings

if TYPE_CHECKING:
    from sop.chat.conversation import ChatSession
    from sop.config import Settings
    from sop.store import Store

readline: ModuleType | None
try:
    import readline
except ImportError:  # Windows has no readline; the REPL then runs without history and completion
    readline = None

PROMPT = "sop> "
QUIT = ("/quit", "/exit")

FreeTextHandler = Callable[[str], list[RenderableType]]


def completions(text: str) -> list[str]:
    """Slash commands and agent mentions that start with what was typed."""
    from sop.agents.roster import AGENTS
    from sop.chat.slash import COMMANDS

    mentions = (f"@{name}" for name in AGENTS)
    return [w for w in (*(f"/{name}" for name in COMMANDS), *QUIT, *mentions) if w.startswith(text)]


def respond(store: Store, cfg: Settings, line: str, free_text: FreeTextHandler) -> list[RenderableType]:
    """What the REPL shows for one line: a slash command's answer, or the free-text handler's."""
    from sop.chat.slash import dispatch

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
    readline.set_completer(lambda text, state: next(iter(completions(text)[state:]), None))
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
    author: str | None = typer.Option(None, "--as", help="who is chatting (team file); confirms overrides"),
) -> None:
    """Ask the planning tools and the agents in a REPL: /help lists the slash commands, @name
    addresses an agent, y/n answers an override proposal, /quit or Ctrl-D leaves."""
    from sop.chat.conversation import ChatSession

    cfg = settings(ctx)
    with open_store(ctx) as store, line_editing(history):
        session = ChatSession(store, cfg, author=author)
        console.print("sop chat: slash commands answer from the planning tools. /help lists them, /quit leaves.",
                      highlight=False)
        console.print(session.banner(), highlight=False)
        try:
            _loop(store, cfg, session)
        finally:
            session.close()


def _as_it_goes(session: ChatSession) -> FreeTextHandler:
    """The free-text handler; on a terminal it also shows the turn as it goes, each tool call and
    the answer as the model writes it, and clears that once the checked answer is printed."""
    if not console.is_terminal:
        return session.reply

    def reply(line: str) -> list[RenderableType]:
        from rich.live import Live

        calls: list[str] = []
        draft = ""
        with Live(console=console, transient=True, refresh_per_second=20) as live:
            def listen(kind: str, text: str) -> None:
                nonlocal draft
                if kind == "tool":
                    calls.append(f"tool call: {text}")
                elif kind == "draft":
                    draft += text
                elif kind == "drop":
                    draft = ""
                live.update(Text("\n".join([*calls, draft]), style="dim"))

            return session.reply(line, listen)

    return reply


def _loop(store: Store, cfg: Settings, session: ChatSession) -> None:
    from sop.chat.slash import SlashError

    free_text = _as_it_goes(session)

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
            for renderable in respond(store, cfg, line, free_text):
                console.print(renderable)
        except SlashError as exc:
            console.print(Text(str(exc), style="red"))


def ask(
    ctx: typer.Context,
    text: str = typer.Argument(..., help='a slash command, e.g. "/reorder-calc fasteners 98", or a question'),
    as_json: bool = typer.Option(False, "--json", help="print the figures (or the agent's answer) as JSON"),
) -> None:
    """Run one slash command or ask the agents one question, for scripts. Exit code 2 for an
    unknown command, agent or bad argument. An override proposal is shown, not stored."""
    if not text.strip():
        raise fail('give a slash command or a question, e.g. sop ask "/gaps"; "/help" lists the commands', code=2)
    from sop.chat.slash import SlashError, SlashUsageError, dispatch

    with open_store(ctx) as store:
        if not text.strip().startswith("/"):
            _ask_agents(store, settings(ctx), text, as_json)
            return
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


def _ask_agents(store: Store, cfg: Settings, text: str, as_json: bool) -> None:
    from sop.agents.coordinator import UnknownAgent
    from sop.chat.conversation import ChatSession, override_command, render

    session = ChatSession(store, cfg, scope="ask")
    try:
        turn = session.ask(text)
    except UnknownAgent as exc:
        raise fail(str(exc), code=2) from exc
    finally:
        usage = session.close()
    pending = session.pending
    if as_json:
        typer.echo(json.dumps({**turn.model_dump(mode="json"), "proposal": pending and pending["proposal"],
                               "beyond_bound": pending and pending["beyond_bound"], "usage": usage,
                               "store_with": override_command(pending) if pending else None}, indent=2, default=str))
        return
    for renderable in render(turn, author=None, confirm=False):
        console.print(renderable)
    if pending:
        console.print(f"Not stored: confirm it in 'sop chat', or store it with\n  {override_command(pending)}",
                      highlight=False)
