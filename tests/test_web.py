"""The web workspace end to end: the real server (`sop serve` under uvicorn, on a free loopback
port) over a demo company whose cycle really ran (6 months of horizon, so it takes seconds),
driven in Debian's Chromium through Playwright (`executable_path`; no browser is downloaded).

The tests run in file order on one company: sam is refused first, dana then adds an override and
approves the consensus (a second approval at the same moment is told), erin approves the
executive gate with a capacity decision and the plan version appears, and the chat answers.
Each page's screenshot goes to docs/web-*.png for the README.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from model_stream import ModelServer, sse_events
from pagecheck import blank_problems, chart_problems
from processes import SOP
from test_cycle import Sop

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DOCS = Path(__file__).resolve().parent.parent / "docs"
PERIOD, HORIZON = "2026-11", ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
PASSWORDS = {"dana": "dana-sop", "erin": "erin-sop", "sam": "sam-sop"}
STEP_TIMEOUT_MS = 180_000  # a gate decision runs the next weeks of the cycle

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (make test installs it with apt-get where it may)",
                allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Sop:
    """The demo company with its 2026-11 cycle waiting at the consensus gate (about 20 s)."""
    root = tmp_path_factory.mktemp("web-company")
    sop = Sop(root)
    sop.env["SOP_HORIZON"] = "6"
    sop("data", "demo", "--out", str(root / "csv"))
    sop("cycle", "run")
    return sop


@contextmanager
def serving(company: Sop, name: str, **env: str) -> Iterator[str]:
    """`sop serve` on a free loopback port over the company, with `env` on top of its settings;
    its URL while the block runs."""
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SOP_", "OPENAI_"))}
    environ.update(company.env, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", **env)
    log = company.root / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(SOP), "serve", "--port", str(port)], env=environ, stdout=out,
                                stderr=subprocess.STDOUT, text=True, cwd=company.root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/signin", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
        assert f"The S&OP workspace: {url}/" in log.read_text()  # `sop serve` says where it serves
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(company) -> Iterator[str]:
    """The workspace over the company, offline; its URL."""
    with serving(company, "serve") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--no-proxy-server", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def signed_in(browser, server):
    """A fresh browser context signed in as a person (at `server`, unless another URL is given); its page."""
    contexts = []

    def sign_in(person: str, url: str = server):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/signin")
        page.fill("#person", person)
        page.fill("#password", PASSWORDS[person])
        page.click("#signin")
        page.wait_for_url(f"{url}/")
        assert page.text_content("#me") == person
        return page

    yield sign_in
    for context in contexts:
        context.close()


def shot(page, name: str, full: bool = True) -> None:
    """Save the page to docs/web-NAME.png and check it is not blank."""
    png = DOCS / f"web-{name}.png"
    page.screenshot(path=str(png), full_page=full)
    assert blank_problems(png) == []


def csrf(page) -> str:
    return page.get_attribute("input[name=csrf]", "value") or ""


def test_a_wrong_password_is_refused_and_pages_need_a_sign_in(browser, server):
    context = browser.new_context(base_url=server)
    page = context.new_page()
    page.goto("/consensus")
    assert page.url.endswith("/signin")
    page.fill("#person", "dana")
    page.fill("#password", "not-her-password")
    page.click("#signin")
    assert "do not match" in page.text_content("#error")
    shot(page, "signin", full=False)
    forged = httpx.post(f"{server}/signin", data={"person": "dana", "password": "dana-sop"})
    assert forged.status_code == 403 and "sop_session" not in forged.cookies  # no form token: a page elsewhere
    with httpx.Client(base_url=server) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text)
        assert token is not None
        signed_in = client.post("/signin", data={"person": "dana", "password": "dana-sop", "csrf": token[1]})
    assert signed_in.status_code == 303 and signed_in.cookies.get("sop_session")
    cookie = signed_in.headers["set-cookie"].lower()  # the session cookie is HttpOnly and SameSite=Strict
    assert "sop_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    context.close()


def test_sam_finds_no_approve_button_and_a_forged_post_is_refused(signed_in, server):
    page = signed_in("sam")
    page.goto("/consensus")
    assert page.locator("#approve").count() == 0
    assert "does not approve this gate" in page.text_content("#no-right")
    token = csrf(page)
    forged = page.request.post("/gate/consensus/decide", form={"csrf": token, "period": PERIOD,
                                                                "verdict": "approve", "notes": "forged"})
    assert forged.status == 403
    assert "'sam' may not decide at the consensus gate" in html.unescape(forged.text())
    no_token = page.request.post("/gate/consensus/decide", form={"period": PERIOD, "verdict": "approve"})
    assert no_token.status == 403 and "security token" in no_token.text()
    page.goto("/decisions")
    log = page.text_content("table")
    assert "refused" in log and "sam" in log  # logged in the decision log, as the CLI does


def say(page, line: str, answers: int) -> None:
    """Type `line` into the chat and wait for the page's `answers`-th answer."""
    page.fill("#line-input", line)
    page.click("#send")
    page.wait_for_selector(f"#transcript[data-answered='{answers}']", timeout=60_000)


def test_a_planners_chat_proposal_is_stored_with_a_button(signed_in):
    page = signed_in("sam")
    page.goto("/chat")
    say(page, "raise widgets 8 % in March and April for the spring promotion", 1)
    proposal = page.locator("#transcript .part.proposal")
    assert proposal.count() == 1 and "propose-override" in page.text_content("#transcript")
    with page.expect_navigation():
        proposal.locator("button").click()
    assert re.search(r"Override \d+ added to the 2026-11 consensus by sam", page.text_content("#message"))
    assert "spring promotion" in page.text_content("#override-list")


def test_a_chat_proposal_beyond_the_bound_needs_a_second_click(signed_in):
    page = signed_in("sam")
    page.goto("/chat")
    say(page, "raise outdoor 80 % in March and April for the garden fair", 1)
    proposal = page.locator("#transcript .part.proposal")
    assert "Beyond the bound: the override changes family outdoor" in proposal.text_content()
    proposal.locator("button").click()  # the first click only asks again
    assert proposal.locator("button").text_content() == "Yes, store it beyond ±50 %"
    assert "garden fair" not in page.request.get("/consensus").text()
    with page.expect_navigation():
        proposal.locator("button").click()
    assert re.search(r"Override \d+ added to the 2026-11 consensus by sam", page.text_content("#message"))
    assert "garden fair" in page.text_content("#override-list")


def test_dana_adds_an_override_sees_its_effect_and_approves_while_a_second_approval_is_told(signed_in, server):
    page = signed_in("dana")
    shot(page, "cycle", full=False)
    assert "waiting" in page.text_content("#cycles") and "Dana Okafor" in page.text_content("#cycles")
    page.goto("/consensus")
    layers = page.text_content("#layers")
    for column in ("statistical", "sales_input", "consensus", "lighting"):
        assert column in layers
    assert chart_problems(page.content()) == []
    assert page.locator("#fans svg.chart").count() == 5
    page.select_option("#level", "family")
    page.fill("#key", "lighting")
    page.fill("#month_from", HORIZON[2])
    page.fill("#month_to", HORIZON[3])
    page.fill("#amount", "5")
    page.fill("#reason", "a retailer adds our lanterns")
    stored = page.locator("#override-list tbody tr").count()
    page.click("#preview-button")
    preview = page.text_content("#preview")
    assert "Effect before it is stored" in preview and "revenue" in preview and "+5 %" not in preview
    assert page.locator("#override-list tbody tr").count() == stored  # the preview stores nothing
    form = DOCS / "web-override-preview.png"
    page.locator("#override-form").screenshot(path=str(form))
    assert blank_problems(form) == []
    page.click("#store-button")
    assert re.search(r"Override \d+ added to the 2026-11 consensus by dana", page.text_content("#message"))
    assert page.locator("#override-list tbody tr").count() == stored + 1
    assert "+5 %" in page.text_content("#override-list") and "lighting" in page.text_content("#override-list")
    shot(page, "consensus")

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    token = csrf(page)
    second: dict[str, httpx.Response] = {}

    def approve_again() -> None:
        """Once the browser's approval holds the cycle (its first progress event is out), approve again;
        then follow the step's progress events, as the cycle page does."""
        deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
        while PERIOD not in httpx.get(f"{server}/api/progress", cookies=cookies).json():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second["response"] = httpx.post(f"{server}/gate/consensus/decide", cookies=cookies, timeout=120,
                                        data={"csrf": token, "period": PERIOD, "verdict": "approve"})
        while time.monotonic() < deadline:
            step = httpx.get(f"{server}/api/progress", cookies=cookies).json().get(PERIOD)
            if step and step["events"]:
                assert step["command"] == "sop cycle approve (sop serve, as dana)"
                progress.extend(step["events"])
                return
            time.sleep(0.2)

    progress: list[dict] = []
    other = threading.Thread(target=approve_again)
    other.start()
    with page.expect_navigation(timeout=STEP_TIMEOUT_MS):
        page.fill("#notes", "agreed with sales")
        page.click("#approve")  # returns once the step is done and the next page starts loading
    other.join()
    assert page.url.endswith(f"/executive?period={PERIOD}")
    assert "waits at the executive gate" in page.text_content("#where")
    told = second["response"]  # exactly one approval ran; the other was told, at once
    assert told.status_code == 503
    assert f"cycle {PERIOD} is busy: `sop cycle approve (sop serve, as dana)`" in html.unescape(told.text)
    assert progress and {"node", "agent", "tool", "message"} <= set(progress[0]), progress


def test_erin_approves_with_a_capacity_decision_and_the_plan_version_appears(signed_in, server):
    page = signed_in("erin")
    page.goto("/executive")
    assert "margin at risk" in page.text_content("#gaps")
    package = page.frame_locator("#package")
    package.locator("h2").last.wait_for()  # the whole package is in
    assert chart_problems(package.locator("body").inner_html()) == []  # and each of its charts drew
    page.select_option("#d1_kind", "capacity")
    page.fill("#d1_plant", "NOWHERE")
    page.fill("#d1_from", HORIZON[1])
    page.fill("#d1_to", HORIZON[2])
    page.fill("#d1_extra_overtime_hours", "lots")
    page.click("#approve")  # checked as a decisions file is: first the fields' types...
    assert "valid number" in page.text_content("#d1_extra_overtime_hours-error")
    page.fill("#d1_extra_overtime_hours", "40")
    page.click("#approve")  # ...then against the company
    assert "'NOWHERE' is not a plant of this company" in page.text_content("#d1_plant-error")
    shot(page, "executive")
    page.fill("#d1_plant", "DAYTON")
    page.select_option("#d2_kind", "approve")
    page.fill("#d2_plan", "supply")
    with page.expect_navigation(timeout=STEP_TIMEOUT_MS):
        page.click("#approve")
    assert "is complete" in page.text_content("#published")
    versions = page.text_content("#versions")
    assert PERIOD in versions and "approved" in versions and "erin" in versions
    shot(page, "plans")
    page.goto("/decisions?verify=true")
    assert "The decision log is intact" in page.text_content("#verified")
    assert "capacity: DAYTON" in page.text_content("table")
    shot(page, "decisions", full=False)
    page.goto("/actions")
    first = page.locator("#actions tbody tr").first
    action_id = first.get_attribute("data-action")
    first.locator("button").click()
    assert f"Action item {action_id} closed by erin." in page.text_content("#message")
    shot(page, "actions", full=False)
    download = page.request.get(f"/download/{PERIOD}/sop-plan.xlsx")
    assert download.status == 200 and download.body()[:2] == b"PK"


def test_the_package_is_rendered_from_the_store_not_from_its_file(signed_in, company):
    from sop.store import Store
    from sop.store.busy import hold_store

    written = Path(company.env["SOP_OUT"]) / PERIOD / "executive-package.html"
    kept = written.read_text()
    page = signed_in("erin")
    page.goto(f"/package/{PERIOD}")
    late = "a refusal logged after the package was written"
    assert late not in page.text_content("body")
    with hold_store(company.env["SOP_DB"], "the test", long=False, wait_s=30), Store(company.env["SOP_DB"]) as store:
        store.log_refusal(cycle_id=PERIOD, gate="executive", attempt=99, by="sam", reason=late, figures={})
    page.goto(f"/package/{PERIOD}")
    assert late in page.text_content("body") and written.read_text() == kept  # the log is read now
    written.write_text("<html><body><h1>a stale package</h1></body></html>")
    try:
        page.goto(f"/package/{PERIOD}")
        assert page.text_content("h1") == f"S&OP executive package: {PERIOD}"
        assert "erin" in page.text_content("body") and late in page.text_content("body")
        assert chart_problems(page.content()) == []
    finally:
        written.write_text(kept)


def test_the_chat_answers_gaps_and_a_question(signed_in):
    page = signed_in("sam")
    page.goto("/chat")
    say(page, "/gaps", 1)
    assert "gaps, cycle 2026-11, base scenario" in page.text_content("#transcript")
    say(page, "What is the demand forecast for lighting?", 2)
    assert page.locator("#transcript .part.tool").count() >= 1
    assert "demand-forecaster" in page.text_content("#transcript")
    shot(page, "chat", full=False)


def test_a_models_answer_streams_into_the_page_as_it_is_written(signed_in, company):
    """A workspace whose model is a scripted OpenAI-compatible server on loopback: it calls a tool,
    then writes its answer slowly; the page shows the tool call and the answer growing before the
    model has finished writing it, and then the checked answer in its place."""
    answer = ("The widgets forecast holds steady over the coming months, in line with the sales input and "
              "with no market event in the window.")
    model = ModelServer(lambda body: sse_events(calls=(("forecast-summary", {"family": "widgets", "months": 3}),)),
                        lambda body: sse_events(calls=(("final-answer", {"text": answer}),), pieces=24), gap_s=0.15)
    with model, serving(company, "serve-model", OPENAI_API_KEY="sk-test-loopback", OPENAI_BASE_URL=model.url) as url:
        page = signed_in("sam", url)
        page.goto("/chat")
        page.fill("#line-input", "how many widgets will we sell in the next 3 months?")
        page.click("#send")
        draft = page.locator("#transcript .part.draft")
        page.wait_for_function("() => document.querySelector('#transcript .part.draft')?.textContent.length > 8",
                               timeout=60_000)
        written, replies_done = draft.text_content() or "", model.finished
        assert answer.startswith(written) and len(written) < len(answer)  # a part of it...
        assert replies_done == 1  # ...while the model is still writing its answer
        assert "tool call: forecast-summary(family=widgets, months=3)" in page.text_content("#transcript")
        shot(page, "chat-streaming", full=False)
        page.wait_for_selector("#transcript[data-answered='1']", timeout=60_000)
        assert draft.count() == 0 and answer in page.text_content("#transcript")
        assert "demand-forecaster (language model):" in page.text_content("#transcript")
    assert [body["stream"] for body in model.requests] == [True, True]


def test_a_page_while_a_command_holds_the_store_is_one_line(signed_in, company):
    from sop.store.busy import hold_store

    page = signed_in("dana")
    with hold_store(company.env["SOP_DB"], "sop cycle resume", long=True, wait_s=0) as held:
        held.announce(PERIOD)
        page.goto("/consensus")
        line = page.text_content("#line")
        shot(page, "busy", full=False)
    assert line.startswith(f"cycle {PERIOD} is busy: `sop cycle resume` by PID {os.getpid()}")
    assert "Traceback" not in page.content()


def test_the_cli_works_on_the_same_store_while_the_server_runs(server, company):
    """The server holds the store only while it answers, so a command beside it runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOP_", "OPENAI_"))}
    done = subprocess.run([str(SOP), "plan", "list"], env={**env, **company.env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert PERIOD in done.stdout
    assert httpx.get(f"{server}/signin").status_code == 200
