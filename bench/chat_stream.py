"""How soon a chat answer reaches the page: a scripted OpenAI-compatible model on loopback
(tests/model_stream.py) calls a tool, then writes its answer in pieces 50 ms apart; a real
`sop serve` streams it to Debian's Chromium (Playwright). Per question, the time from the model
sending its first piece of the answer to that text showing on the page, against the target of
1 s; and, for comparison in the same run, the time until the whole answer is on the page, which
is when a page that does not stream would first show anything.

    python -m bench.chat_stream                   # builds the demo company first (a minute or two)
    python -m bench.chat_stream --demo out/demo   # reuses a store `make demo` left there

Two kinds of answer: through the answer tool (its JSON arguments streamed) and as plain text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.web_pages import SOP, _env, _port, build
from tests.model_stream import ModelServer, sse_events

QUESTIONS, TARGET_MS, GAP_S = 20, 1000.0, 0.05
ANSWER = ("The widgets forecast holds steady over the coming months, in line with the sales input and with no "
          "market event in the window; the consensus follows it.")
WATCH = """() => {
  window.firstDraft = null;
  const transcript = document.getElementById('transcript');
  new MutationObserver(() => {
    const draft = transcript.querySelector('.part.draft');
    if (window.firstDraft === null && draft && draft.textContent.length > 0) window.firstDraft = Date.now();
  }).observe(transcript, {childList: true, subtree: true, characterData: true});
}"""


def _reply(kind: str):
    """Each turn: a tool call first, then, once the tool's result is in, the answer."""
    call = sse_events(calls=(("forecast-summary", {"family": "widgets", "months": 3}),))
    answer = (sse_events(calls=(("final-answer", {"text": ANSWER}),), pieces=12) if kind == "answer tool"
              else sse_events(content=ANSWER, pieces=12))
    return lambda body: answer if body["messages"][-1]["role"] == "tool" else call


def measure(root: Path, kind: str, browser) -> tuple[list[float], list[float]]:
    """(first text on the page, whole answer on the page) in ms after the model's first piece."""
    first, whole = [], []
    with ModelServer(_reply(kind), gap_s=GAP_S) as model:
        port = _port()
        env = {**_env(root), "OPENAI_API_KEY": "sk-bench-loopback", "OPENAI_BASE_URL": model.url,
               "NO_PROXY": "127.0.0.1,localhost"}
        server = subprocess.Popen([str(SOP), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(f"{url}/signin", timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            page = browser.new_context(base_url=url).new_page()
            page.goto("/signin")
            page.fill("#person", "sam")
            page.fill("#password", "sam-sop")
            page.click("#signin")
            page.wait_for_url(f"{url}/")
            page.goto("/chat")
            page.evaluate(WATCH)
            for n in range(1, QUESTIONS + 1):
                page.evaluate("() => { window.firstDraft = null; }")
                page.fill("#line-input", "how many widgets will we sell in the next 3 months?")
                page.click("#send")
                page.wait_for_selector(f"#transcript[data-answered='{n}']", timeout=120_000)
                done_ms = time.time() * 1000
                sent_ms = model.first_piece_at[2 * n - 1] * 1000  # each turn: the tool call, then the answer
                first.append(page.evaluate("() => window.firstDraft") - sent_ms)
                whole.append(done_ms - sent_ms)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return first, whole


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="a folder with sop.duckdb and checkpoints.sqlite (make demo's)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="sop-chat-bench-") as tmp, sync_playwright() as playwright:
        root = args.demo or Path(tmp)
        if args.demo is None:
            build(root)
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--no-proxy-server", "--disable-gpu"])
        rows = [(kind, *measure(root, kind, browser)) for kind in ("answer tool", "plain text")]
        browser.close()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {QUESTIONS} questions per kind; "
          f"the model writes a piece every {GAP_S * 1000:.0f} ms")
    print(f"| answer written as | first text on the page: median ms | p95 ms | max ms | under {TARGET_MS:.0f} ms "
          "| whole answer on the page (a page without streaming): median ms |")
    print("|---|---|---|---|---|---|")
    for kind, first, whole in rows:
        p95 = sorted(first)[int(0.95 * len(first)) - 1]
        print(f"| {kind} | {statistics.median(first):.0f} | {p95:.0f} | {max(first):.0f} | "
              f"{'yes' if p95 < TARGET_MS else 'no'} | {statistics.median(whole):.0f} |")


if __name__ == "__main__":
    main()
