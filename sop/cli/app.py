"""The `sop` console script: builds Settings once and hands it to the commands."""

from __future__ import annotations

from importlib.metadata import version

import typer

from sop.cli import actions, chat, cycle, data, decisions, forecast, override, plan, report, tools
from sop.config import Settings
from sop.log import configure_logging

app = typer.Typer(help="Run the monthly S&OP cycle: data, cycle, tools and reports.", no_args_is_help=True)
app.add_typer(data.app, name="data")
app.add_typer(cycle.app, name="cycle")
app.add_typer(tools.app, name="tools")
app.add_typer(override.app, name="override")
app.add_typer(plan.app, name="plan")
app.add_typer(decisions.app, name="decisions")
app.add_typer(actions.app, name="actions")
app.command("forecast")(forecast.forecast)
app.command("report")(report.report)
app.command("chat")(chat.chat)
app.command("ask")(chat.ask)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"sop {version('sop')}")
        raise typer.Exit()


@app.callback()
def main(ctx: typer.Context, log_level: str = typer.Option("WARNING", help="DEBUG, INFO, WARNING or ERROR"),
         show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                           help="print the installed version and exit")) -> None:
    configure_logging(log_level)
    ctx.obj = Settings()


if __name__ == "__main__":
    app()
