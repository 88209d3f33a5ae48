import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  GENESIS,
  SEAL_END,
  impactLines,
  impactOf,
  lineHash,
  sealChain,
  statementsOf
} from "./chunk-BBBSTV4C.js";
import {
  plural
} from "./chunk-D7GJ7SEI.js";

// src/transcript/render-html.ts
var esc = (s) => String(s).replace(
  /[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]
);
var safeUrl = (u) => /^https?:\/\//i.test(u) ? u : void 0;
function waterfall(statements) {
  if (statements.length === 0) return "<p>No statements.</p>";
  const t0 = Date.parse(statements[0].startedAt);
  const ends = statements.map((s) => s.result ? Date.parse(s.result.endedAt) : Date.parse(s.startedAt));
  const span = Math.max(1, Math.max(...ends) - t0);
  const bars = statements.map((s, i) => {
    const left = (Date.parse(s.startedAt) - t0) / span * 100;
    const width = Math.max(0.3, (ends[i] - Date.parse(s.startedAt)) / span * 100);
    const label = `${s.id} ${s.result ? `${s.result.durationMs.toFixed(1)} ms` : "no result"}`;
    return `<div class="wf-row"><span class="wf-label">${esc(s.id)}</span><span class="wf-track"><span class="wf-bar ${esc(s.action ?? "allow")}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%" title="${esc(label)}"></span></span></div>`;
  });
  return `<div class="waterfall">${bars.join("")}</div>`;
}
function sample(s) {
  if (!s.sample) return "";
  const head = s.sample.columns.map(
    (c) => `<th>${esc(c)}${s.sample.masked.includes(c) ? ' <span class="masked-col">masked</span>' : ""}</th>`
  ).join("");
  const rows = s.sample.rows.map((r) => `<tr>${r.map((v) => `<td>${v === null ? "<i>NULL</i>" : esc(v)}</td>`).join("")}</tr>`).join("");
  const note = s.sample.truncated ? '<p class="dim">sample truncated</p>' : "";
  return `<details><summary>rows sample</summary><table class="sample"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${note}</details>`;
}
function impact(s) {
  const view = impactOf(s.impact);
  const lines = view ? impactLines(view) : [];
  if (lines.length === 0) return "";
  const items = lines.map((line) => `<li>${esc(line)}</li>`).join("");
  return `<div class="impact${view?.error ? " error" : ""}">impact estimate<ul>${items}</ul></div>`;
}
function statementCard(s) {
  const findings = s.findings.map(
    (f) => `<li><code>${esc(f.rule)}</code> <span class="sev ${esc(f.severity)}">${esc(f.severity)}</span> ${esc(f.message)}</li>`
  ).join("");
  let approval = "";
  if (s.approval) {
    const url = s.approval.url ? safeUrl(s.approval.url) : void 0;
    const link = url ? ` <a href="${esc(url)}">comment</a>` : "";
    const by = s.approval.by.length ? ` by ${esc(s.approval.by.join(", "))}` : "";
    approval = `<p class="approval ${esc(s.approval.outcome)}">approval <code>${esc(s.approval.requestId)}</code>: ${esc(s.approval.outcome)}${by} at ${esc(s.approval.decidedAt)}${link}${s.approval.reason ? ` \u2014 ${esc(s.approval.reason)}` : ""}</p>`;
  }
  const r = s.result;
  const result = r ? r.error ? `<p class="error">error ${esc(r.error.code)}: ${esc(r.error.message)} (${r.durationMs.toFixed(1)} ms)</p>` : `<p>${esc(r.tag ?? "ok")}${r.rows !== void 0 ? ` \u2014 ${r.rows} rows` : ""} (${r.durationMs.toFixed(1)} ms)</p>` : s.executions ? `<p>prepared: ${plural(s.executions, "execution")}</p>` : '<p class="dim">no result recorded</p>';
  const params = s.params?.length ? `<p class="params">params: <code>${esc(JSON.stringify(s.params))}</code></p>` : "";
  const via = s.preparedAs ? `${s.via} \xB7 execution of ${s.preparedAs}` : s.via;
  return `<article class="stmt" data-action="${esc(s.action ?? "allow")}" data-search="${esc(`${s.text} ${s.rules.join(" ")}`.toLowerCase())}">
<header><span class="badge ${esc(s.action ?? "allow")}">${esc(s.action ?? "allow")}</span> <b>${esc(s.id)}</b> conn ${s.conn} \xB7 ${esc(via)} \xB7 ${esc(s.startedAt)} \xB7 <code title="statement hash">${esc(s.hash.slice(0, 16))}</code></header>
<pre>${esc(s.text)}</pre>${params}${findings ? `<ul class="findings">${findings}</ul>` : ""}${impact(s)}${approval}${result}${sample(s)}</article>`;
}
var style = `body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.3rem}pre{background:#f6f8fa;padding:.6rem;overflow:auto;white-space:pre-wrap}
.badge{padding:.1rem .45rem;border-radius:.3rem;color:#fff;font-size:.8rem;text-transform:uppercase}
.badge.allow{background:#1a7f37}.badge.review{background:#9a6700}.badge.deny{background:#cf222e}
.stmt{border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem .8rem;margin:.6rem 0}
.error{color:#cf222e}.dim{color:#656d76}.sev.critical,.sev.risk{color:#cf222e}.sev.warn{color:#9a6700}
.waterfall{border:1px solid #d0d7de;padding:.4rem;max-height:22rem;overflow:auto}
.wf-row{display:flex;align-items:center;height:1.1rem}.wf-label{width:4rem;font-size:.75rem}
.wf-track{position:relative;flex:1;height:.6rem;background:#f6f8fa}
.wf-bar{position:absolute;top:0;height:100%;background:#1a7f37}.wf-bar.review{background:#9a6700}.wf-bar.deny{background:#cf222e}
.sample{border-collapse:collapse}.sample td,.sample th{border:1px solid #d0d7de;padding:.1rem .4rem}
.masked-col{font-size:.7rem;color:#9a6700}#search{width:100%;padding:.4rem;font-size:1rem}
.impact{font-size:.9rem}.impact ul{margin:.2rem 0}.summary span{margin-right:1rem}.verify.bad{color:#cf222e}.verify.ok{color:#1a7f37}`;
var script = `const q=document.getElementById('search'),f=document.getElementById('filter');
function apply(){const t=q.value.toLowerCase(),a=f.value;let n=0;for(const e of document.querySelectorAll('.stmt')){
const show=e.dataset.search.includes(t)&&(a===''||e.dataset.action===a);e.hidden=!show;if(show)n++}
document.getElementById('shown').textContent=n}q.addEventListener('input',apply);f.addEventListener('change',apply);apply();`;
function outcomeOf(s) {
  if (s.action === "deny") return "denied";
  if (s.approval) return s.approval.outcome === "approved" ? "approved" : "refused";
  return s.action === "review" ? "undecided" : "allowed";
}
var OUTCOMES = [
  { key: "allowed", label: "allowed", always: true },
  { key: "approved", label: "approved", always: true },
  { key: "refused", label: "refused after review", always: true },
  { key: "denied", label: "denied by policy", always: true },
  { key: "undecided", label: "held without a decision", always: false }
];
function countOutcomes(statements) {
  const counts = { allowed: 0, approved: 0, refused: 0, denied: 0, undecided: 0 };
  for (const s of statements) counts[outcomeOf(s)]++;
  return counts;
}
function renderHtml(lines, opts) {
  const statements = statementsOf(lines);
  const outcomes = countOutcomes(statements);
  const start = lines.find((l) => l.type === "gateway.start");
  const v = opts.verify;
  const verify = v.ok ? `<span class="verify ok">hash chain intact (${v.lines} lines)</span>` : `<span class="verify bad">hash chain BROKEN at line ${v.brokenAt}: ${esc(v.reason)}</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(opts.title)}</title><style>${style}</style></head>
<body><h1>${esc(opts.title)}</h1>
<p class="summary">${start && start.type === "gateway.start" ? `<span>${esc(start.dialect)} \u2192 ${esc(start.upstream)}</span><span>mode ${esc(start.mode)}</span>` : ""}<span>${plural(statements.length, "statement")}</span>${OUTCOMES.filter(
    (o) => o.always || outcomes[o.key] > 0
  ).map((o) => `<span>${outcomes[o.key]} ${o.label}</span>`).join("")}${verify}</p>
<h2>Timing</h2>${waterfall(statements)}
<h2>Statements (<span id="shown">${statements.length}</span>)</h2>
<p><input id="search" type="search" placeholder="Search statements and rule ids"> <select id="filter"><option value="">all verdicts</option><option value="allow">allow</option><option value="review">review</option><option value="deny">deny</option></select></p>
${statements.map(statementCard).join("\n")}
<script>${script}</script></body></html>
`;
}

// src/transcript/verify.ts
function verifyTranscript(text, expected = {}) {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const at = expected.head ? /* @__PURE__ */ new Map() : void 0;
  let chained;
  try {
    const end = linked(lines[0]) ? walkLinked(lines, at) : walkSealed(lines, at);
    chained = { ok: true, lines: lines.length, ...end };
  } catch (err) {
    if (!(err instanceof Broken)) throw err;
    return { ok: false, lines: lines.length, brokenAt: err.at, reason: err.reason };
  }
  const mismatch = endMismatch(chained, expected, at);
  return mismatch ? { ...chained, ok: false, ...mismatch, endMismatch: true } : chained;
}
var Broken = class {
  constructor(at, reason) {
    this.at = at;
    this.reason = reason;
  }
  at;
  reason;
};
function numbered(line, n) {
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Broken(n, "not valid JSON");
  }
  if (parsed?.seq !== n) throw new Broken(n, `expected seq ${n}, found ${String(parsed?.seq)}`);
  return parsed;
}
function linked(first) {
  try {
    return first !== void 0 && JSON.parse(first)?.prev !== void 0;
  } catch {
    return false;
  }
}
function walkLinked(lines, at) {
  let prev = GENESIS;
  let last = {};
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const parsed = numbered(line, n);
    if (parsed.prev !== prev)
      throw new Broken(
        n,
        "prev does not match the hash of the line before (a line was changed, removed or moved)"
      );
    prev = lineHash(line);
    at?.set(prev, n);
    last = parsed;
  }
  return { head: prev, complete: last.type === "gateway.stop" };
}
function walkSealed(lines, at) {
  let chain = GENESIS;
  let first = 1;
  let lastType;
  let complete = false;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const parsed = numbered(line, n);
    if (parsed.type !== "seal") {
      lastType = parsed.type;
      continue;
    }
    const k = n - first;
    if (k === 0) throw new Broken(n, `the seal at line ${n} covers no lines`);
    if (parsed.lines !== k) {
      throw new Broken(
        first,
        `the seal at line ${n} covers ${String(parsed.lines)} lines but ${k} precede it (a line was removed or inserted, or the seal was edited)`
      );
    }
    const head = line.slice(0, Math.max(0, line.length - GENESIS.length - SEAL_END.length));
    const sealed = sealChain(chain, `${lines.slice(first - 1, n - 1).join("\n")}
`, head);
    if (line !== `${head}${sealed}${SEAL_END}`) {
      throw new Broken(
        first,
        `the seal at line ${n} does not match lines ${first}-${n - 1} (a line was changed, removed or moved, the seal was edited, or a batch before it was removed)`
      );
    }
    chain = sealed;
    at?.set(chain, n);
    complete = lastType === "gateway.stop";
    first = n + 1;
  }
  if (first <= lines.length) {
    throw new Broken(
      first,
      `lines ${first}-${lines.length} are not sealed, so nothing proves them (the gateway stopped mid-write, or they were added by hand)`
    );
  }
  return { head: chain, complete };
}
function endMismatch(found, expected, at) {
  const n = found.lines;
  if (expected.lines !== void 0 && expected.lines !== n) {
    return expected.lines > n ? {
      brokenAt: n + 1,
      reason: `the transcript has ${n} lines but the published end is at line ${expected.lines}: lines were cut off the end`
    } : {
      brokenAt: expected.lines + 1,
      reason: `the transcript has ${n} lines but the published end is at line ${expected.lines}: lines were added after it`
    };
  }
  if (expected.head === void 0 || expected.head.toLowerCase() === found.head) return void 0;
  const published = at?.get(expected.head.toLowerCase());
  if (published !== void 0) {
    return {
      brokenAt: published + 1,
      reason: `the published head is line ${published} of ${n}: lines were added after the end the gateway published`
    };
  }
  return {
    brokenAt: Math.max(n, 1),
    reason: "the end does not hash to the published head: the end was cut off, edited or replaced (a forged gateway.stop, say)"
  };
}

export {
  renderHtml,
  verifyTranscript
};
