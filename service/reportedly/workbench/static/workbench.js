// The prompt workbench page. Everything it does goes through the JSON API under
// /v1/workbench (documented at /docs); this file only renders. Article text and model output
// are untrusted: text is only ever set with textContent, never parsed as HTML.
"use strict";

const API = "/v1/workbench";
const SCORE_NAMES = [
  "claim_precision", "claim_recall", "claim_f1", "attributed_f1", "attribution_accuracy",
  "who_overlap", "timeframe_agreement", "confidence_accuracy", "grounding_rate",
  "furniture_leaks",
];
const state = { backends: null, prompts: [], datasets: [], result: null, job: null, checked: null };

// --- small helpers ---------------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node, ...children) { node.replaceChildren(...children.flat().filter(Boolean)); }

class Problem extends Error {
  constructor(body, status) {
    super(body && body.detail ? body.detail : `HTTP ${status}`);
    this.body = body || {};
    this.status = status;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Problem(data, response.status);
  return data;
}

function say(id, message, isError) {
  const node = $(id);
  node.textContent = message || "";
  node.classList.toggle("error", Boolean(isError));
}

function fmt(value, digits = 3) {
  if (value === null || value === undefined) return "–";
  return Number(value).toFixed(digits);
}

// Counts and milliseconds read better with one decimal, as the CLI prints them.
function fmtMetric(name, value) {
  return fmt(value, /^(latency|tokens|attempts|furniture)/.test(name) ? 1 : 3);
}

function signed(value) {
  if (value === null || value === undefined) return "–";
  return (value >= 0 ? "+" : "") + Number(value).toFixed(3);
}

// --- configurations --------------------------------------------------------------------------

function configNode(side) { return $(side === "a" ? "config-a" : "config-b"); }

function readConfig(side) {
  const node = configNode(side);
  const backend = node.querySelector("[name=backend]").value || null;
  const prompt = node.querySelector("[name=prompt]").value || null;
  const model = node.querySelector("[name=model]").value.trim() || null;
  return { backend, prompt, model: backend === "llm" ? model : null };
}

function setConfig(side, config) {
  const node = configNode(side);
  const backend = node.querySelector("[name=backend]");
  if (config.backend) backend.value = config.backend;
  const prompt = node.querySelector("[name=prompt]");
  if (config.prompt && [...prompt.options].some((o) => o.value === config.prompt)) {
    prompt.value = config.prompt;
  }
  node.querySelector("[name=model]").value = config.model || "";
  syncModel(node);
}

function syncModel(node) {
  const isLlm = node.querySelector("[name=backend]").value === "llm";
  const model = node.querySelector("[name=model]");
  model.disabled = !isLlm;
  model.placeholder = isLlm ? state.backends.llm_model : "llm only";
}

function fillBackends() {
  for (const side of ["a", "b"]) {
    const node = configNode(side);
    const select = node.querySelector("[name=backend]");
    clear(select, state.backends.backends.map((b) =>
      el("option", { value: b.name, title: b.note }, b.available ? b.name : `${b.name} (not configured)`)));
    select.value = state.backends.default;
    select.addEventListener("change", () => syncModel(node));
    syncModel(node);
  }
}

function fillPrompts(keep) {
  const refs = state.prompts.map((p) => p.ref);
  for (const side of ["a", "b"]) {
    const select = configNode(side).querySelector("[name=prompt]");
    const before = keep ? select.value : null;
    clear(select, el("option", { value: "" }, "newest"),
      state.prompts.map((p) => el("option", { value: p.ref, title: p.description }, p.ref)));
    if (before && refs.includes(before)) select.value = before;
  }
  const editor = $("prompt-version");
  const before = editor.value;
  clear(editor, state.prompts.map((p) => el("option", { value: p.ref }, `${p.ref}${p.latest ? " (newest)" : ""}`)));
  if (before && refs.includes(before)) editor.value = before;
  else if (state.prompts.length) editor.value = state.prompts.find((p) => p.latest).ref;
}

async function loadPrompts(keep) {
  state.prompts = await api("GET", "/prompts");
  fillPrompts(keep);
}

// --- articles --------------------------------------------------------------------------------

function fillDatasets() {
  const usable = state.datasets.filter((d) => !d.error);
  for (const id of ["dataset", "eval-dataset"]) {
    clear($(id), usable.map((d) => el("option", { value: d.name }, `${d.name} (${d.articles.length})`)));
  }
  fillArticles();
}

function fillArticles() {
  const dataset = state.datasets.find((d) => d.name === $("dataset").value);
  clear($("article-id"), (dataset ? dataset.articles : []).map((a) =>
    el("option", { value: a.id }, `${a.id} · ${a.claims} gold claims`)));
}

function articleRequest() {
  if ($("paste-toggle").checked) {
    const text = $("paste-text").value;
    const body = $("paste-html").checked ? { html: text } : { text };
    if ($("paste-title").value.trim()) body.title = $("paste-title").value.trim();
    if ($("paste-published").value) body.published = $("paste-published").value;
    return body;
  }
  return { dataset: $("dataset").value, article: $("article-id").value };
}

// --- side by side ----------------------------------------------------------------------------

async function runSideBySide() {
  const body = { ...articleRequest(), left: readConfig("a"), right: readConfig("b") };
  $("run").disabled = true;
  say("run-status", "running A and B…");
  try {
    const started = performance.now();
    state.result = await api("POST", "/side-by-side", body);
    say("run-status", `done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    renderResult(state.result);
    if (!$("paste-toggle").checked) writeHash(body);
  } catch (err) {
    say("run-status", err.message, true);
  } finally {
    $("run").disabled = false;
  }
}

function claimsOf(side) {
  const s = state.result[side === "a" ? "left" : "right"];
  return s.summary ? s.summary.claims : [];
}

function renderResult(result) {
  renderArticle(result);
  renderDiff(result);
  renderGold(result);
}

function renderArticle(result) {
  const pieces = result.segments.map((seg) => {
    const text = result.text.slice(seg.start, seg.end);
    const classes = [];
    if (seg.left.length || seg.right.length || seg.gold.length) classes.push("hl");
    if (seg.left.length) classes.push("l");
    if (seg.right.length) classes.push("r");
    if (seg.gold.length) classes.push("g");
    if (seg.furniture) classes.push("furniture");
    if (!classes.length) return document.createTextNode(text);
    const span = el("span", {
      class: classes.join(" "),
      dataset: { a: seg.left.join(" "), b: seg.right.join(" "), g: seg.gold.join(" ") },
    }, text);
    if (classes.includes("hl")) {
      span.addEventListener("mouseenter", (ev) => showTooltip(ev, seg));
      span.addEventListener("mousemove", moveTooltip);
      span.addEventListener("mouseleave", hideTooltip);
    }
    return span;
  });
  clear($("article"), pieces);
}

function claimLine(claim) {
  return `${claim.claim} [${claim.source.name} (${claim.source.type}), ${claim.confidence}]`;
}

function showTooltip(event, seg) {
  const tip = $("tooltip");
  const rows = [];
  for (const i of seg.left) rows.push(el("p", {}, el("span", { class: "tag" }, `A${i + 1}`), claimLine(claimsOf("a")[i])));
  for (const i of seg.right) rows.push(el("p", {}, el("span", { class: "tag" }, `B${i + 1}`), claimLine(claimsOf("b")[i])));
  for (const i of seg.gold) rows.push(el("p", {}, el("span", { class: "tag" }, `G${i + 1}`), claimLine(state.result.gold[i])));
  clear(tip, rows);
  tip.hidden = false;
  moveTooltip(event);
}

function moveTooltip(event) {
  const tip = $("tooltip");
  const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = event.clientY + 16 + tip.offsetHeight > window.innerHeight
    ? event.clientY - tip.offsetHeight - 10 : event.clientY + 16;
  tip.style.left = `${Math.max(4, x)}px`;
  tip.style.top = `${Math.max(4, y)}px`;
}

function hideTooltip() { $("tooltip").hidden = true; }

function scrollToEvidence(kind, index) {
  const key = { a: "a", b: "b", g: "g" }[kind];
  const spans = [...$("article").querySelectorAll(".hl")]
    .filter((s) => s.dataset[key].split(" ").includes(String(index)));
  if (!spans.length) return;
  spans[0].scrollIntoView({ behavior: "smooth", block: "center" });
  for (const span of spans) {
    span.classList.remove("flash");
    void span.offsetWidth; // restart the animation
    span.classList.add("flash");
  }
}

function describeField(claim, name) {
  if (name === "source") return `${claim.source.name} (${claim.source.type})`;
  if (name === "confidence") return claim.confidence;
  if (name === "timeframe") {
    const t = claim.timeframe;
    const dates = t.start || t.end ? ` ${t.start || ""}..${t.end || ""}` : "";
    return (t.text || "no time") + dates;
  }
  return claim.who.length ? claim.who.join(", ") : "nobody";
}

function claimCell(kind, index, claim, changed) {
  const cls = { a: "side-a-text", b: "side-b-text", g: "gold-text" }[kind];
  const fields = ["source", "confidence", "timeframe", "who"].map((name) =>
    el("span", { class: changed && changed.includes(name) ? "changed" : "", title: name },
      `${name}: ${describeField(claim, name)}`));
  return el("div", {
    class: `claim ${cls}`, role: "button", tabindex: "0",
    title: "show its evidence in the article",
    onclick: () => scrollToEvidence(kind, index),
    onkeydown: (ev) => { if (ev.key === "Enter") scrollToEvidence(kind, index); },
  }, el("span", { class: "tag" }, `${kind.toUpperCase()}${index + 1}`),
  el("span", { class: "text" }, claim.claim), el("div", { class: "fields" }, fields));
}

function sideProblem(side, label) {
  return side.problem ? el("p", { class: "problem" }, `${label} failed: ${side.problem.title}: ${side.problem.detail}`) : null;
}

function renderDiff(result) {
  const a = claimsOf("a");
  const b = claimsOf("b");
  const rows = [];
  for (const pair of result.diff.matched) {
    const badges = pair.changed.length
      ? pair.changed.map((name) => el("span", { class: "badge changed" }, name))
      : [el("span", { class: "badge same" }, "same")];
    rows.push(el("tr", { class: "matched" },
      el("td", {}, claimCell("a", pair.left, a[pair.left], pair.changed)),
      el("td", {}, claimCell("b", pair.right, b[pair.right], pair.changed)),
      el("td", {}, badges)));
  }
  for (const i of result.diff.only_left) {
    rows.push(el("tr", { class: "only-a" }, el("td", {}, claimCell("a", i, a[i])), el("td", { class: "muted" }, "—"),
      el("td", {}, el("span", { class: "badge only" }, "only A"))));
  }
  for (const i of result.diff.only_right) {
    rows.push(el("tr", { class: "only-b" }, el("td", { class: "muted" }, "—"), el("td", {}, claimCell("b", i, b[i])),
      el("td", {}, el("span", { class: "badge only" }, "only B"))));
  }
  const summary = el("p", { class: "muted" },
    `${result.diff.matched.length} matched (${result.diff.matched.filter((p) => p.changed.length).length} changed), ` +
    `${result.diff.only_left.length} only in A, ${result.diff.only_right.length} only in B. ` +
    `A: ${sideLabel(result.left)} · B: ${sideLabel(result.right)}`);
  clear($("diff"), sideProblem(result.left, "A"), sideProblem(result.right, "B"), summary,
    el("table", { id: "diff-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "A"), el("th", {}, "B"), el("th", {}, "what changed"))),
      el("tbody", {}, rows)));
}

function configLabel(config) {
  return [config.backend, config.prompt, config.model].filter(Boolean).join(" · ");
}

function sideLabel(side) {
  if (!side.summary) return `${configLabel(side.config)} (failed)`;
  const meta = side.summary.meta;
  const how = meta.cached ? "from the cache" : `${Math.round(meta.latency_ms)} ms, ${meta.usage.total_tokens} tokens`;
  return `${configLabel(side.config)} (${how})`;
}

function renderGold(result) {
  if (!result.gold) {
    clear($("gold"), el("p", { class: "muted" }, "Pasted article: no gold claims to score against."));
    return;
  }
  const cards = [["a", result.left], ["b", result.right]].map(([kind, side]) => goldCard(kind, side, result.gold));
  clear($("gold"), cards);
}

function goldCard(kind, side, gold) {
  const label = kind.toUpperCase();
  const card = el("div", { class: `card side-${kind}`, id: `gold-${kind}` }, el("h3", {}, `${label}: ${configLabel(side.config)}`));
  if (!side.gold) {
    card.append(sideProblem(side, label) || el("p", { class: "muted" }, "no output"));
    return card;
  }
  const claims = side.summary.claims;
  const scores = el("table", { class: "scores" }, el("tbody", {}, SCORE_NAMES.map((name) =>
    el("tr", {}, el("td", {}, name), el("td", { class: "num", dataset: { metric: name } },
      fmtMetric(name, side.gold.scores[name]))))));
  const matched = side.gold.matched.map((m) => el("li", {},
    claimCell(kind, m.claim, claims[m.claim]), el("div", { class: "fields" },
      `↔ G${m.gold + 1} (similarity ${fmt(m.similarity, 2)})`,
      m.wrong.length ? el("span", { class: "changed" }, ` wrong: ${m.wrong.join(", ")}`) : " all right")));
  const missed = side.gold.missed.map((i) => el("li", {}, claimCell("g", i, gold[i])));
  const invented = side.gold.invented.map((i) => el("li", {}, claimCell(kind, i, claims[i])));
  card.append(
    el("h3", {}, "per-article scores"), scores,
    el("h3", {}, `matched (${matched.length})`), el("ul", { class: "matched" }, matched),
    el("h3", {}, `missed (${missed.length})`), el("ul", { class: "missed" }, missed),
    el("h3", {}, `invented (${invented.length})`), el("ul", { class: "invented" }, invented));
  return card;
}

// --- deep links: #dataset=..&article=..&a=backend|prompt|model&b=... -------------------------

function encodeConfig(c) { return [c.backend || "", c.prompt || "", c.model || ""].join("|"); }
function decodeConfig(s) { const [backend, prompt, model] = (s || "").split("|"); return { backend, prompt, model }; }

function writeHash(body) {
  const params = new URLSearchParams({ dataset: body.dataset, article: body.article,
    a: encodeConfig(body.left), b: encodeConfig(body.right) });
  history.replaceState(null, "", `#${params}`);
}

async function openLink(link) {
  $("paste-toggle").checked = false;
  $("paste").hidden = true;
  $("dataset").value = link.dataset;
  fillArticles();
  $("article-id").value = link.article;
  setConfig("a", link.left);
  setConfig("b", link.right);
  showTab("compare");
  await runSideBySide();
}

async function openHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.get("dataset") || !params.get("article")) return;
  await openLink({ dataset: params.get("dataset"), article: params.get("article"),
    left: decodeConfig(params.get("a")), right: decodeConfig(params.get("b")) });
}

// --- prompt editor ---------------------------------------------------------------------------

function renderGutter(badLines) {
  const count = $("prompt-text").value.split("\n").length;
  const lines = [];
  for (let n = 1; n <= count; n++) {
    lines.push(el("span", { class: badLines.includes(n) ? "bad" : "", dataset: { line: n } }, `${n}\n`));
  }
  clear($("gutter"), lines);
  $("gutter").scrollTop = $("prompt-text").scrollTop;
}

function taskOf(ref) { return ref.split("@")[0]; }

async function openPrompt() {
  const ref = $("prompt-version").value;
  const [task, version] = ref.split("@");
  const prompt = await api("GET", `/prompts/${encodeURIComponent(task)}/${encodeURIComponent(version)}`);
  $("prompt-text").value = prompt.text;
  state.checked = null;
  clear($("prompt-errors"));
  renderGutter([]);
  say("prompt-status", `${prompt.ref} opened (hash ${prompt.hash}); edit it, validate, save as the next version`);
}

function goToLine(line) {
  const area = $("prompt-text");
  const lines = area.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] || "").length);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 19;
  area.scrollTop = Math.max(0, (line - 4) * lineHeight);
}

function showErrors(errors) {
  renderGutter(errors.map((e) => e.line).filter(Boolean));
  clear($("prompt-errors"), errors.map((e) => el("li", {},
    e.line ? el("button", { type: "button", class: "small", onclick: () => goToLine(e.line) }, `line ${e.line}`) : null,
    e.message)));
}

async function checkPrompt() {
  const task = taskOf($("prompt-version").value);
  const check = await api("POST", `/prompts/${encodeURIComponent(task)}/check`, { text: $("prompt-text").value });
  state.checked = check;
  showErrors(check.errors);
  if (check.valid) say("prompt-status", `valid: would be saved as ${check.ref}`);
  else say("prompt-status", `${check.errors.length} error(s): not saved`, true);
  return check;
}

async function savePrompt() {
  const check = await checkPrompt();
  if (!check.valid) return;
  const task = taskOf(check.ref);
  const version = Number(check.ref.split("@")[1]);
  try {
    const saved = await api("POST", `/prompts/${encodeURIComponent(task)}`, { text: check.text, version });
    await loadPrompts(true);
    $("prompt-version").value = saved.ref;
    $("prompt-text").value = check.text;
    renderGutter([]);
    setConfig("b", { ...readConfig("b"), prompt: saved.ref });
    say("prompt-status", `saved ${saved.ref} (${saved.path}, hash ${saved.hash}); B now runs it`);
  } catch (err) {
    if (err.body && err.body.errors) showErrors(err.body.errors);
    say("prompt-status", err.message, true);
  }
}

// --- evals -----------------------------------------------------------------------------------

async function startEval(side) {
  const config = readConfig(side);
  const body = { ...config, dataset: $("eval-dataset").value };
  try {
    state.job = await api("POST", "/evals", body);
    renderProgress(state.job);
    say("eval-status", `eval ${state.job.id} of ${side.toUpperCase()} (${configLabel(config)}) on ${body.dataset} started`);
    pollEval();
  } catch (err) {
    say("eval-status", err.message, true);
  }
}

function renderProgress(job) {
  const box = $("eval-progress");
  box.hidden = false;
  const share = job.total ? job.done / job.total : 0;
  box.querySelector(".bar").style.width = `${Math.round(share * 100)}%`;
  box.querySelector(".label").textContent =
    `${job.done} / ${job.total} cases · ${job.errors} errors · ${job.status}` + (job.runs.length ? ` · run ${job.runs.join(", ")}` : "");
  box.dataset.status = job.status;
}

async function pollEval() {
  const job = await api("GET", `/evals/${encodeURIComponent(state.job.id)}`);
  state.job = job;
  renderProgress(job);
  for (const button of [$("eval-a"), $("eval-b")]) button.disabled = job.status === "running";
  if (job.status === "running") {
    setTimeout(() => pollEval().catch((err) => say("eval-status", err.message, true)), 400);
    return;
  }
  say("eval-status", job.status === "finished" ? `eval ${job.id} finished: run ${job.runs.join(", ")}` : `eval ${job.id} failed: ${job.message}`, job.status !== "finished");
  await loadRuns(job.runs[0]);
}

async function loadRuns(newest) {
  const runs = await api("GET", "/runs");
  const checked = { a: document.querySelector("input[name=run-a]:checked"), b: document.querySelector("input[name=run-b]:checked") };
  const keep = { a: checked.a && checked.a.value, b: checked.b && checked.b.value };
  if (newest) { keep.a = keep.b && keep.b !== newest ? keep.b : keep.a; keep.b = newest; }
  const rows = runs.map((r) => el("tr", { dataset: { run: r.id } },
    el("td", {}, el("input", { type: "radio", name: "run-a", value: r.id, "aria-label": `A: ${r.id}`, checked: r.id === keep.a })),
    el("td", {}, el("input", { type: "radio", name: "run-b", value: r.id, "aria-label": `B: ${r.id}`, checked: r.id === keep.b })),
    el("td", {}, el("code", {}, r.id)), el("td", {}, r.created_at.replace("T", " ").replace("+00:00", "")),
    el("td", {}, r.dataset), el("td", {}, r.backend), el("td", {}, r.prompt || "–"), el("td", {}, r.model || "–"),
    el("td", {}, r.status), el("td", { class: "num" }, fmt(r.claim_f1))));
  clear($("runs"), runs.length ? el("table", { id: "runs-table" },
    el("thead", {}, el("tr", {}, ["A", "B", "run", "created (UTC)", "dataset", "backend", "prompt", "model", "status", "claim F1"].map((h) => el("th", {}, h)))),
    el("tbody", {}, rows)) : el("p", { class: "muted" }, "No runs recorded yet."));
}

async function compareRuns() {
  const a = document.querySelector("input[name=run-a]:checked");
  const b = document.querySelector("input[name=run-b]:checked");
  if (!a || !b) { clear($("comparison"), el("p", { class: "error" }, "Pick run A and run B in the table.")); return; }
  clear($("comparison"), el("p", { class: "muted" }, "bootstrapping…"));
  try {
    renderComparison(await api("GET", `/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`));
  } catch (err) {
    clear($("comparison"), el("p", { class: "error" }, err.message));
  }
}

function renderComparison(c) {
  const head = el("p", {}, `B (${c.b.id}: ${configLabel({ backend: c.b.backend, prompt: c.b.prompt, model: c.b.model })}) minus ` +
    `A (${c.a.id}: ${configLabel({ backend: c.a.backend, prompt: c.a.prompt, model: c.a.model })}) on ${c.articles} articles; ` +
    `paired bootstrap over articles, ${c.resamples} resamples, 95% interval.` + (c.same_dataset ? "" : " Different datasets: only the articles both scored."));
  const rows = c.metrics.map((d) => el("tr", {
    class: d.worse_by > 0 ? "worse" : d.worse_by < 0 ? "better" : "", dataset: { metric: d.metric },
  }, el("td", {}, d.metric), el("td", { class: "num" }, fmtMetric(d.metric, d.a)),
  el("td", { class: "num" }, fmtMetric(d.metric, d.b)),
  el("td", { class: "num" }, signed(d.diff)),
  el("td", { class: "num" }, d.low === null ? "–" : `[${signed(d.low)}, ${signed(d.high)}]`)));
  const changes = c.changes.map((ch) => el("li", {},
    el("strong", {}, ch.article), ` claim F1 ${fmt(ch.f1_a)} → ${fmt(ch.f1_b)} `,
    ch.link ? el("button", { type: "button", class: "link", onclick: () => openLink(ch.link) }, "open side by side") : el("span", { class: "muted" }, "(dataset not offered here)"),
    el("pre", {}, [...ch.removed, ...ch.added, ...ch.changed].join("\n"))));
  clear($("comparison"), head,
    el("table", { id: "compare-table" }, el("thead", {}, el("tr", {}, ["metric", "A", "B", "B − A", "95% interval"].map((h) => el("th", { class: h === "metric" ? "" : "num" }, h)))),
      el("tbody", {}, rows)),
    el("h2", {}, `Articles that changed most (${c.changes.length})`),
    c.changes.length ? el("ul", { class: "changes" }, changes) : el("p", { class: "muted" }, "No article's claims changed."));
}

// --- tabs and start-up -----------------------------------------------------------------------

function showTab(name) {
  for (const button of document.querySelectorAll("nav [data-tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll("main > section")) panel.hidden = panel.id !== `tab-${name}`;
  if (name === "evals") loadRuns().catch((err) => say("eval-status", err.message, true));
}

function guard(fn, statusId) {
  return (event) => {
    if (event) event.preventDefault();
    fn().catch((err) => say(statusId, err.message, true));
  };
}

async function start() {
  for (const button of document.querySelectorAll("nav [data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  $("article-form").addEventListener("submit", guard(runSideBySide, "run-status"));
  $("dataset").addEventListener("change", fillArticles);
  $("paste-toggle").addEventListener("change", () => { $("paste").hidden = !$("paste-toggle").checked; });
  $("prompt-open").addEventListener("click", guard(openPrompt, "prompt-status"));
  $("prompt-check").addEventListener("click", guard(checkPrompt, "prompt-status"));
  $("prompt-form").addEventListener("submit", guard(savePrompt, "prompt-status"));
  $("prompt-text").addEventListener("input", () => renderGutter([]));
  $("prompt-text").addEventListener("scroll", () => { $("gutter").scrollTop = $("prompt-text").scrollTop; });
  $("eval-a").addEventListener("click", guard(() => startEval("a"), "eval-status"));
  $("eval-b").addEventListener("click", guard(() => startEval("b"), "eval-status"));
  $("runs-reload").addEventListener("click", guard(() => loadRuns(), "eval-status"));
  $("compare-runs").addEventListener("click", guard(compareRuns, "eval-status"));

  const [backends, prompts, datasets] = await Promise.all([
    api("GET", "/backends"), api("GET", "/prompts"), api("GET", "/datasets")]);
  state.backends = backends;
  state.prompts = prompts;
  state.datasets = datasets;
  fillBackends();
  fillPrompts(false);
  fillDatasets();
  const broken = datasets.filter((d) => d.error);
  if (broken.length) say("run-status", broken.map((d) => `${d.name}: ${d.error}`).join("; "), true);
  document.body.dataset.ready = "true";
  await openHash();
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((err) => say("run-status", `could not load the workbench: ${err.message}`, true));
});
