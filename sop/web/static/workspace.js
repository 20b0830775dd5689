// The workspace's little JavaScript: the decisions form shows the fields of each row's kind, the
// chat streams its answers in as they are written, and the cycle page follows a running step.
"use strict";

function decisionRows() {
  const spec = document.getElementById("kind-fields");
  if (!spec) return;
  const fields = JSON.parse(spec.textContent);
  const common = ["owner", "due", "rationale"];
  for (const row of document.querySelectorAll("fieldset.decision")) {
    const select = row.querySelector("select.kind");
    const show = () => {
      const wanted = new Set([...(fields[select.value] || []), ...(select.value ? common : [])]);
      for (const label of row.querySelectorAll("label.field")) {
        const errored = label.querySelector(".field-error");
        label.hidden = !(wanted.has(label.dataset.field) || errored);
      }
    };
    select.addEventListener("change", show);
    show();
  }
}

function appendPart(transcript, part) {
  const draft = transcript.querySelector(".part.draft");
  if (part.kind === "draft") {  // the answer as the model writes it
    if (draft) draft.textContent += part.text;
    else appendPart(transcript, {kind: "draft-start", text: part.text});
    transcript.scrollTop = transcript.scrollHeight;
    return;
  }
  if (draft && part.kind !== "tool") draft.remove();  // dropped, or replaced by the checked answer
  if (part.kind === "drop") return;
  const kind = part.kind === "draft-start" ? "draft" : part.kind;
  const block = document.createElement(kind === "text" || kind === "draft" ? "pre" : "p");
  block.className = "part " + kind;
  block.textContent = part.kind === "tool" ? "tool call: " + part.text : part.text;
  transcript.appendChild(block);
  if (part.kind === "proposal") proposalButtons(block, part);
  transcript.scrollTop = transcript.scrollHeight;
}

function proposalButtons(block, part) {
  const p = part.proposal;
  const beyond = part.beyond;  // the server's words when the override goes beyond the bound, else null
  const store = document.createElement("button");
  store.type = "button";
  store.className = "primary";
  store.textContent = "Store this override";
  const note = document.createElement("span");
  if (beyond) {
    note.className = "warn";
    note.textContent = ` Beyond the bound: ${beyond}; it needs a second confirmation.`;
  }
  let confirmed = false;
  store.addEventListener("click", () => {
    if (beyond && !confirmed) {
      confirmed = true;
      store.textContent = `Yes, store it beyond ±${part.max_pct} %`;
      return;
    }
    const form = document.getElementById("confirm-form");
    const values = {period: p.period, level: p.level, key: p.key, month_from: p.month_from, month_to: p.month_to,
                    change: p.change_pct !== null ? "change_pct" : "set_qty",
                    amount: String(p.change_pct !== null ? p.change_pct : p.set_qty), reason: p.reason,
                    force: beyond ? "1" : ""};
    for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
    form.submit();
  });
  block.appendChild(document.createElement("br"));
  block.appendChild(store);
  block.appendChild(note);
}

async function ask(form, transcript) {
  const input = form.elements.line;
  const line = input.value;
  const asked = document.createElement("p");
  asked.className = "part asked";
  asked.textContent = line;
  transcript.appendChild(asked);
  input.value = "";
  const body = new URLSearchParams({csrf: form.dataset.csrf, line});
  const response = await fetch("/chat/ask", {method: "POST", body, credentials: "same-origin"});
  if (!response.ok || !response.body) {
    appendPart(transcript, {kind: "error", text: `the server answered ${response.status}`});
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, {stream: true});
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const part = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (part.kind === "status") continue;
      appendPart(transcript, part);
    }
  }
  transcript.dataset.answered = String(Number(transcript.dataset.answered || 0) + 1);
}

function chat() {
  const form = document.getElementById("chat-form");
  if (!form) return;
  const transcript = document.getElementById("transcript");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(form, transcript);
  });
}

function progress() {
  const shown = document.getElementById("progress");
  if (!shown) return;
  setInterval(async () => {
    const response = await fetch("/api/progress", {credentials: "same-origin"});
    if (!response.ok) return;
    const cycles = await response.json();
    const lines = [];
    for (const [period, step] of Object.entries(cycles)) {
      lines.push(`${period}: ${step.command} (PID ${step.pid})`);
      for (const e of step.events) lines.push(`  ${e.node}${e.agent ? " " + e.agent : ""}: ${e.message}`);
    }
    shown.textContent = lines.length ? lines.join("\n") : "No step is running.";
  }, 1500);
}

document.addEventListener("DOMContentLoaded", () => {
  decisionRows();
  chat();
  progress();
});
