"""The progress display of a running cycle step: the steps' custom stream events (agent, tool,
what it does, how far) drawn as one live line per step, on a terminal only, so that output to a
file or a pipe stays clean."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from sop.graph.progress import ProgressEvent


class StepProgress:
    """`update` takes each event; the display shows while the command runs and leaves no trace."""

    def __init__(self, console: Console):
        self.display = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console, transient=True) if console.is_terminal else None
        self.node: str | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> StepProgress:
        if self.display:
            self.display.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.display:
            self.display.stop()

    def update(self, event: ProgressEvent) -> None:
        if self.display is None:
            return
        who = event.get("agent") or event["node"].replace("_", " ")
        description = f"[bold]{who}[/]: {event['message']}"
        if self.task is None or event["node"] != self.node:  # a new step replaces the line of the last one
            if self.task is not None:
                self.display.remove_task(self.task)
            self.node, self.task = event["node"], self.display.add_task(description, total=None)
        self.display.update(self.task, description=description, total=event.get("total"),
                            completed=event.get("done") or 0)
