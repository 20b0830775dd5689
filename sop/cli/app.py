"""The `sop` console script: sets up logging, then runs the command, which reads the settings
once, when it first needs them (`sop.cli.common.settings`).

Every module of `sop.cli` loads with the script, so each imports at its top only typer, rich and
light parts of sop; what a command needs beyond that (pandas, DuckDB, the graph, the report) it
imports when it runs, so that `sop --help` and `sop --version` start fast
(tests/test_cli_startup.py keeps it so; bench/cli_startup.py times it).
"""

from __future__ import annotations

import typer

from sop.cli import actions, chat, cycle, data, decisions, forecast, override, plan, report, serve, tools

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
app.command("serve")(serve.serve)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise typer.BadParameter(f"expected DEBUG, INFO, WARNING or ERROR, not {value!r}")
    return value


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"sop {version('sop')}")
        raise typer.Exit()


@app.callback()
def main(log_level: str = typer.Option("WARNING", callback=_log_level, help="DEBUG, INFO, WARNING or ERROR"),
         show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                           help="print the installed version and exit")) -> None:
    from sop.log import configure_logging

    configure_logging(log_level)


if __name__ == "__main__":
    app()
