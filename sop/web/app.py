"""The web workspace as a FastAPI app: server-rendered pages (Jinja2 templates in
`sop/web/templates`, assets in `sop/web/static`, nothing from a CDN), sign-in against the team
file, and every write checked on the server with the same functions the CLI uses.

Rights: any member of the team file may add an override, close an action item and chat; a gate
is decided through `Cycles.decide`, the CLI's path, which refuses (and logs in the decision log)
anyone without the gate's approval right: the page answers 403 with the reason.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from sop.log import get_logger
from sop.store.busy import StoreBusy
from sop.web import views
from sop.web.access import StoreUnreadable, store_for
from sop.web.auth import COOKIE, DEMO_USERS, SESSION_MAX_AGE_S, SIGNIN_COOKIE, SIGNIN_MAX_AGE_S, password_matches
from sop.web.chat import add_chat_routes
from sop.web.gates import add_gate_routes
from sop.web.workspace import HERE, READ, Refused, Workspace, progress_snapshot, right_of

if TYPE_CHECKING:
    from sop.config import Settings


def create_app(settings: Settings, credentials: Path = DEMO_USERS, secret: str | None = None) -> FastAPI:
    """The workspace over the store `settings.db`; people sign in with `credentials` (salted
    scrypt hashes, by person of the team file); `secret` signs the session cookies (a fresh
    random one per process when not given, so a restart signs everyone out)."""
    ws = Workspace(settings, credentials, secret)
    threading.Thread(target=_warm_up, name="sop-web-imports", daemon=True).start()
    app = FastAPI(title="sop workspace", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workspace = ws
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(StoreBusy)
    def busy(request: Request, exc: StoreBusy) -> HTMLResponse:
        return ws.page(request, "line.html", 503, title="Busy", line=str(exc), kind="busy")

    @app.exception_handler(StoreUnreadable)
    def unreadable(request: Request, exc: StoreUnreadable) -> HTMLResponse:
        return ws.page(request, "line.html", 503, title="Store unavailable", line=str(exc), kind="busy")

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> HTMLResponse:
        return ws.page(request, "line.html", exc.status, title="Refused", line=exc.message, kind="refused")

    # --- signing in ---------------------------------------------------------------------------

    def signin_form(request: Request, status: int, error: str) -> HTMLResponse:
        """The sign-in page with a fresh form token (and its signed copy as a cookie)."""
        cookie, token = ws.sessions.signin_form()
        response = ws.page(request, "signin.html", status, error=error, signin_csrf=token)
        response.set_cookie(SIGNIN_COOKIE, cookie, max_age=SIGNIN_MAX_AGE_S, httponly=True, samesite="strict",
                            path="/signin")
        return response

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request) -> HTMLResponse:
        return signin_form(request, 200, "")

    @app.post("/signin", response_model=None)
    def signin(request: Request, person: str = Form(""), password: str = Form(""),
               csrf: str = Form("")) -> HTMLResponse | RedirectResponse:
        from sop.store.company import is_team_member

        if not ws.sessions.signin_ok(request.cookies.get(SIGNIN_COOKIE), csrf):
            get_logger(cycle_id=None, node="web", agent=None).info("signin_forged", person=person)
            return signin_form(request, 403, "The sign-in form was out of date or not this server's; sign in again.")
        entry = ws.credentials.get(person)
        with store_for(ws.db, READ) as (store, _):
            member = is_team_member(store, person)
        if entry is None or not member or not password_matches(entry, password):
            get_logger(cycle_id=None, node="web", agent=None).info("signin_refused", person=person)
            return signin_form(request, 401, "That name and password do not match a member of the team file.")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, ws.sessions.issue(person), max_age=SESSION_MAX_AGE_S, httponly=True,
                            samesite="strict", path="/")
        return response

    @app.post("/signout")
    def signout(request: Request, csrf: str = Form("")) -> RedirectResponse:
        ws.writer(request, csrf)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # --- the cycle ----------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, response_model=None)
    def cycle(request: Request) -> HTMLResponse | RedirectResponse:
        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        try:
            with store_for(ws.db, READ) as (store, _):
                rows, period = views.cycle_lines(ws.db, store, None), views.current_period(store, None)
                right = right_of(store, who.person)
            busy_line = ""
        except StoreBusy as exc:  # the status file still answers while a command holds the store
            rows, period, right, busy_line = views.cycle_lines(ws.db, None, exc.holder), None, "", str(exc)
        return ws.page(request, "cycle.html", cycles=rows, period=period, right=right, busy=busy_line,
                       progress=progress_snapshot(ws))

    @app.get("/api/progress")
    def progress(request: Request) -> JSONResponse:
        ws.signed_in(request)
        return JSONResponse(progress_snapshot(ws))

    # --- plans, decisions and actions ---------------------------------------------------------

    @app.get("/plans", response_class=HTMLResponse, response_model=None)
    def plans(request: Request, old: int | None = None, new: int | None = None,
              cycle: str | None = None) -> HTMLResponse | RedirectResponse:
        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        with store_for(ws.db, READ) as (store, _):
            shown = views.plans_page(store, old, new)
        return ws.page(request, "plans.html", **shown, published=cycle)

    @app.get("/decisions", response_class=HTMLResponse, response_model=None)
    def decisions(request: Request, period: str | None = None, verify: bool = False) -> HTMLResponse | RedirectResponse:
        from sop.store.ledger import verify_chain

        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        with store_for(ws.db, READ) as (store, _):
            log = store.decision_log()
        problems = verify_chain(log.to_dict("records")) if verify else None
        shown = log[log["cycle_id"] == period] if period else log
        columns = ["seq", "cycle_id", "gate", "attempt", "decision", "decided_by", "decided_at", "rationale"]
        return ws.page(request, "decisions.html", log=views.frame_table(shown[columns].iloc[::-1],
                                                                         {"seq": "text", "attempt": "text"}),
                       verified=problems, entries=len(log), last_hash=log["hash"].iloc[-1][:12] if len(log) else "")

    @app.get("/actions", response_class=HTMLResponse, response_model=None)
    def actions(request: Request, message: str = "") -> HTMLResponse | RedirectResponse:
        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        with store_for(ws.db, READ) as (store, _):
            items = store.action_items()
        return ws.page(request, "actions.html", items=items.astype(object).where(items.notna(), "").to_dict("records"),
                       message=message)

    @app.post("/actions/{action_id}/close")
    def close_action(request: Request, action_id: int, csrf: str = Form(""), notes: str = Form("")) -> RedirectResponse:
        from sop.store.company import is_team_member

        who = ws.writer(request, csrf)
        with store_for(ws.db, READ) as (store, _):
            if not is_team_member(store, who.person):
                raise Refused(403, f"refused: {who.person!r} is not in the team file; only team members close "
                                   "action items")
            try:
                store.close_action_item(action_id, who.person, notes)
            except (KeyError, ValueError) as exc:
                raise Refused(409, exc.args[0]) from exc
        return RedirectResponse(f"/actions?message=Action+item+{action_id}+closed+by+{who.person}.", status_code=303)

    add_gate_routes(app, ws)
    add_chat_routes(app, ws)
    return app


def _warm_up() -> None:
    """Import what the pages need (pandas, the report, the chat, the graph) while the server
    starts, so the first person to open a page does not wait for it."""
    import sop.chat.slash
    import sop.graph.runner
    import sop.report.package  # noqa: F401
