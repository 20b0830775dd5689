"""The two gates in the workspace: the consensus gate with its override form, the executive
gate with its decisions form, deciding at either through the CLI's path (`Cycles.decide`),
and the executive package and its downloads."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sop.chat.standing import way_on
from sop.log import get_logger
from sop.web import views
from sop.web.access import store_for
from sop.web.auth import Session
from sop.web.workspace import READ, Refused, Workspace, period_of, right_of

if TYPE_CHECKING:
    from sop.config import Settings
    from sop.store import Store


def add_gate_routes(app: FastAPI, ws: Workspace) -> None:
    """The gates' pages and forms, the package and its downloads."""
    # --- the consensus gate -------------------------------------------------------------------

    def consensus_context(store: Store, person: str, period: str) -> dict[str, Any]:
        from sop.store.cycles import cycle_record

        record = cycle_record(store, period)
        return {"period": period, "record": record, "right": right_of(store, person),
                "waiting": record is not None and record.state == "waiting" and record.gate == "consensus",
                **views.consensus_page(store, period)}

    @app.get("/consensus", response_class=HTMLResponse, response_model=None)
    def consensus(request: Request, period: str | None = None) -> HTMLResponse | RedirectResponse:
        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        with store_for(ws.db, READ) as (store, _):
            the_period = period_of(store, period)
            shown = consensus_context(store, who.person, the_period)
        return ws.page(request, "consensus.html", **shown, preview=None, form={}, message="", error="")

    @app.post("/consensus/override", response_class=HTMLResponse)
    def override(request: Request, csrf: str = Form(""), period: str = Form(""), level: str = Form(""),
                 key: str = Form("total"), month_from: str = Form(""), month_to: str = Form(""),
                 change: str = Form("change_pct"), amount: str = Form(""), reason: str = Form(""),
                 force: str = Form(""), action: str = Form("preview")) -> HTMLResponse:
        """Preview an override's effect (units, revenue, the supply gaps) or store it; both
        through the checks of `sop override add`."""
        from sop.graph.overrides import Override, OverrideError, add_override

        who = ws.writer(request, csrf)
        form = {"level": level, "key": key, "month_from": month_from, "month_to": month_to, "change": change,
                "amount": amount, "reason": reason}
        preview, message, error, status = None, "", "", 200
        with store_for(ws.db, READ, period=period) as (store, _):
            try:
                value = float(amount)
            except ValueError:
                value = None
            entered = Override(level=level, key=key.strip() or "total", month_from=month_from,
                               month_to=month_to or None, change_pct=value if change == "change_pct" else None,
                               set_qty=value if change == "set_qty" else None, reason=reason, author=who.person,
                               period=period or None, force=bool(force))
            try:
                if value is None:
                    raise OverrideError(f"the change must be a number, not {amount!r}", code=2)
                if action == "store":
                    override_id, added = add_override(store, ws.settings, entered)
                    message = f"Override {override_id} added to the {added.period} consensus by {who.person}."
                    form = {}
                else:
                    preview = _preview(store, ws.settings, entered)
            except OverrideError as exc:
                error, status = str(exc).replace("--force", "'I mean it'"), 422 if exc.code == 2 else 409
            shown = consensus_context(store, who.person, period_of(store, period or None))
        return ws.page(request, "consensus.html", status, **shown, preview=preview, form=form, message=message,
                       error=error)

    # --- deciding at a gate -------------------------------------------------------------------

    @app.post("/gate/{gate}/decide", response_model=None)
    async def decide(request: Request, gate: str) -> HTMLResponse | RedirectResponse:
        """Approve or reject the gate through `Cycles.decide`, as `sop cycle approve` does. The
        decision holds the store as a long command, so a second one is told the cycle is busy."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        who = ws.writer(request, form.get("csrf", ""))
        verdict, period, notes = form.get("verdict", ""), form.get("period", ""), form.get("notes", "")
        if gate not in ("consensus", "executive") or verdict not in ("approve", "reject"):
            raise Refused(400, "a decision is approve or reject, at the consensus or the executive gate")
        accept = [v for k, v in form.items() if k.startswith("accept_")]
        decisions = views.form_decisions(form) if gate == "executive" and verdict == "approve" else []
        errors = views.decision_errors(decisions)
        if errors:
            return await run_in_threadpool(_executive, request, period, who, errors, form, 422)
        return await run_in_threadpool(_decide, request, who, gate, period, verdict == "approve", notes, decisions,
                                       accept, form)

    def _decide(request: Request, who: Session, gate: str, period: str, approved: bool, notes: str,
                decisions: list[dict[str, Any]], accept: list[str],
                form: dict[str, str]) -> HTMLResponse | RedirectResponse:
        from sop.agents.models import UsageMeter, chat_model
        from sop.graph.context import CycleContext, record_usage
        from sop.graph.decisions import InvalidDecisions, parse_decisions
        from sop.graph.gates import AnswerRefused, NotAuthorized
        from sop.graph.runner import CycleError, Cycles

        command = f"sop cycle {'approve' if approved else 'reject'} (sop serve, as {who.person})"
        with store_for(ws.db, command, long=True, period=period) as (store, held):
            meter = UsageMeter()
            context = CycleContext(settings=ws.settings, store=store,
                                   model=chat_model(ws.settings, callbacks=[meter]), policy=None)
            try:
                with Cycles(context, on_progress=held.post) as cycles:
                    parsed = parse_decisions([{k: v for k, v in d.items() if k != "_row"} for d in decisions])
                    outcome = cycles.decide(period, gate, who.person, approved, notes, parsed, accept or None)  # type: ignore[arg-type]
            except (NotAuthorized, AnswerRefused) as exc:
                get_logger(cycle_id=period, node=f"{gate}_gate", agent=None).info(
                    "approval_refused", gate=gate, person=who.person)
                raise Refused(403, f"refused: {exc}") from exc
            except InvalidDecisions as exc:
                problems = views.problem_errors(decisions, exc.problems)
                outcome = None
            except CycleError as exc:
                raise Refused(409, str(exc)) from exc
            finally:
                record_usage(store, period, meter)
        if outcome is None:  # shown once the store is let go, as the page reads it again
            return _executive(request, period, who, problems, form, 422)
        if outcome.state == "waiting":
            return RedirectResponse(f"/{outcome.gate}?period={period}", status_code=303)
        if outcome.state == "failed":
            raise Refused(409, f"the {period} cycle failed: {outcome.error}; {way_on('failed', period)}")
        return RedirectResponse(f"/plans?cycle={period}" if outcome.state == "done" else "/", status_code=303)

    # --- the executive gate -------------------------------------------------------------------

    def _executive(request: Request, period: str | None, who: Session, errors: dict[str, str],
                   form: dict[str, str], status: int) -> HTMLResponse:
        from sop.store.cycles import cycle_record

        with store_for(ws.db, READ) as (store, _):
            the_period = period_of(store, period)
            record = cycle_record(store, the_period)
            shown = views.executive_page(store, the_period)
            right = right_of(store, who.person)
        return ws.page(request, "executive.html", status, period=the_period, record=record, right=right,
                       waiting=record is not None and record.state == "waiting" and record.gate == "executive",
                       errors=errors, form=form, kinds=views.DECISION_KINDS, kind_fields=views.KIND_FIELDS,
                       rows=range(1, views.DECISION_ROWS + 1), downloads=views.downloads(ws.settings.out_dir,
                                                                                        the_period), **shown)

    @app.get("/executive", response_class=HTMLResponse, response_model=None)
    def executive(request: Request, period: str | None = None) -> HTMLResponse | RedirectResponse:
        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        return _executive(request, period, who, {}, {}, 200)

    @app.get("/package/{period}", response_class=HTMLResponse)
    def package(request: Request, period: str) -> HTMLResponse:
        """The executive package as it stands: its plan part as weeks 3 and 4 left it (kept while
        the package file they wrote is the same), its decision log and follow-through read now."""
        from sop.report.package import plan_part, record_part

        ws.signed_in(request)
        written = _package_file(ws, period, "executive-package.html").stat().st_mtime_ns
        with store_for(ws.db, READ) as (store, _):
            kept = ws.package_plans.get(period)
            if kept is None or kept[0] != written:
                kept = ws.package_plans[period] = (written, plan_part(store, period, period))
            return HTMLResponse(kept[1] + record_part(store, period, period))

    @app.get("/download/{period}/{name}", response_model=None)
    def download(request: Request, period: str, name: str) -> FileResponse:
        ws.signed_in(request)
        return FileResponse(_package_file(ws, period, name), filename=name)


def _package_file(ws: Workspace, period: str, name: str) -> Path:
    if name not in views.DOWNLOADS or not period.replace("-", "").isdigit():
        raise Refused(404, f"there is no download named {name!r}; downloads: {', '.join(views.DOWNLOADS)}")
    path = ws.settings.out_dir / period / name
    if not path.is_file():
        raise Refused(404, f"{name} of the {period} cycle is not written yet; week 3 writes the package")
    return path


def _preview(store: Store, settings: Settings, entered: Any) -> dict[str, Any]:
    """An override's effect before it is stored: units and revenue by month and the units that
    land where the base plan is already short (the chat's `propose-override` effect), and
    whether it moves a node-month beyond SOP_OVERRIDE_MAX_PCT."""
    from dataclasses import replace

    from sop.agents.queries.overrides import Proposal, override_effect
    from sop.graph.overrides import check_override
    from sop.store.override_effects import beyond_bound, override_effects

    checked = check_override(store, settings, replace(entered, force=True))  # a negative month is refused here
    effect = override_effect(store, Proposal(**{k: v for k, v in asdict(checked).items()
                                                if k not in ("author", "force")}))
    beyond = beyond_bound(override_effects(store, checked.period or "", checked)[-1], settings.override_max_pct) or ""
    return {"effect": effect, "beyond": beyond,
            "by_month": views.frame_table([m.model_dump() for m in effect.by_month],
                                          {"delta_revenue": "money", "units_before": "units", "units_after": "units",
                                           "delta_units": "units", "gap_units": "units"})}
