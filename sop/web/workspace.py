"""What the workspace's routes share: the settings, sessions, templates, who is signed in,
the refusals, and the progress of the running steps."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from sop.web import views
from sop.web.auth import COOKIE, Session, Sessions, csrf_ok, load_credentials

HERE = Path(__file__).parent
READ = "sop serve"  # how a page's hold of the store names itself to a second command

if TYPE_CHECKING:
    from sop.config import Settings
    from sop.store import Store


class Refused(Exception):
    """A request the server refuses: the status and the one line that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Workspace:
    """What the routes share: the settings, the store's path, sessions, credentials, templates and
    the plan part of each package shown."""

    def __init__(self, settings: Settings, credentials: Path, secret: str | None):
        self.settings = settings
        self.db = settings.db  # a DuckDB file, or a PostgreSQL URL (sop.store.location)
        self.sessions = Sessions(secret)
        self.credentials = load_credentials(credentials)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.package_plans: dict[str, tuple[int, str]] = {}  # period -> (package file's mtime, plan part)

    def session(self, request: Request) -> Session | None:
        return self.sessions.read(request.cookies.get(COOKIE))

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = self.session(request)
        return self.templates.TemplateResponse(request, name, {
            "me": session.person if session else None, "csrf": session.csrf if session else "",
            "nav": name.removesuffix(".html"), **context}, status_code=status)

    def signed_in(self, request: Request) -> Session:
        session = self.session(request)
        if session is None:
            raise Refused(401, "sign in first: /signin")
        return session

    def writer(self, request: Request, csrf: str) -> Session:
        """The person behind a form that writes; 403 without a session or with a wrong CSRF token."""
        session = self.session(request)
        if session is None:
            raise Refused(403, "refused: sign in before you change anything")
        if not csrf_ok(session, csrf):
            raise Refused(403, "refused: the form's security token is missing or out of date; reload the page and "
                               "send it again")
        return session

    def viewer(self, request: Request) -> Session | RedirectResponse:
        return self.session(request) or RedirectResponse("/signin", status_code=303)


def right_of(store: Store, person: str) -> str:
    from sop.store.company import approval_right

    return approval_right(store, person) or "none"


def period_of(store: Store, asked: str | None) -> str:
    from sop.store.cycles import NO_HISTORY

    period = views.current_period(store, asked)
    if period is None:
        raise Refused(409, NO_HISTORY)
    return period


def progress_snapshot(ws: Workspace) -> dict[str, dict[str, Any]]:
    """The running step of each cycle, whether the workspace or a command runs it: who runs it
    and its last events (`sop.store.progress_board`)."""
    from sop.store.progress_board import running_steps

    return running_steps(ws.db)
