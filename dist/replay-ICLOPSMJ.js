import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  renderHtml,
  verifyTranscript
} from "./chunk-GNXYIVKR.js";
import {
  impactLines,
  impactOf,
  readTranscript,
  statementsOf
} from "./chunk-BBBSTV4C.js";
import {
  plural
} from "./chunk-D7GJ7SEI.js";
import {
  UsageError,
  command,
  parse
} from "./chunk-7LIXXI5W.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

// src/cli/replay.ts
import { readFileSync, writeFileSync } from "node:fs";

// src/transcript/render-text.ts
var codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 };
function renderText(lines, opts) {
  const paint = (style, s) => opts.color ? `\x1B[${codes[style]}m${s}\x1B[0m` : s;
  const out = [];
  const start = lines[0] ? Date.parse(lines[0].ts) : 0;
  const at = (ts) => `+${((Date.parse(ts) - start) / 1e3).toFixed(3)}s`;
  const block = (s) => {
    const verdict = s.action === "deny" ? paint("red", "DENY") : s.action === "review" ? paint("yellow", "REVIEW") : paint("green", "allow");
    const via = s.preparedAs ? `${s.via}, execution of ${s.preparedAs}` : s.via;
    out.push(
      `${at(s.startedAt)} [conn ${s.conn}] ${verdict} ${s.id} (${via}) ${paint("dim", s.hash.slice(0, 12))}`
    );
    if (!s.preparedAs) for (const line of s.text.split("\n")) out.push(`    ${line}`);
    if (s.params?.length) out.push(paint("dim", `    params: ${JSON.stringify(s.params)}`));
    for (const f of s.findings)
      out.push(
        `    ${paint(f.severity === "critical" || f.severity === "risk" ? "red" : "yellow", f.rule)}: ${f.message}`
      );
    const impact = impactOf(s.impact);
    if (impact) for (const line of impactLines(impact)) out.push(`    impact ${line}`);
    if (s.approval) {
      const who = s.approval.by.length ? ` by ${s.approval.by.join(", ")}` : "";
      const link = s.approval.url ? ` ${s.approval.url}` : "";
      out.push(
        `    approval ${s.approval.requestId}: ${s.approval.outcome}${who} at ${s.approval.decidedAt}${link}`
      );
    }
    if (s.result) {
      const r = s.result;
      const what = r.error ? paint("red", `error ${r.error.code}: ${r.error.message}`) : `${r.tag ?? "ok"}${r.rows !== void 0 ? ` (${plural(r.rows, "row")})` : ""}`;
      out.push(`    \u2192 ${what} in ${r.durationMs.toFixed(1)} ms`);
    } else if (s.executions) {
      out.push(`    \u2192 prepared: ${plural(s.executions, "execution")} below`);
    } else {
      out.push(paint("dim", "    \u2192 no result recorded (connection ended or job stopped)"));
    }
    if (s.sample) {
      const masked = s.sample.masked.length ? ` (masked: ${s.sample.masked.join(", ")})` : "";
      out.push(paint("dim", `    rows sample${masked}${s.sample.truncated ? ", truncated" : ""}:`));
      out.push(`      ${s.sample.columns.join(" | ")}`);
      for (const row of s.sample.rows)
        out.push(`      ${row.map((v) => v === null ? "NULL" : String(v)).join(" | ")}`);
    }
  };
  const statements = new Map(statementsOf(lines).map((s) => [`${s.conn}/${s.id}`, s]));
  for (const l of lines) {
    if (l.type === "gateway.start")
      out.push(paint("bold", `gateway ${l.dialect} \u2192 ${l.upstream} (mode ${l.mode}, ${l.version})`));
    else if (l.type === "session.start")
      out.push(
        paint("dim", `${at(l.ts)} [conn ${l.conn}] session: ${l.user}@${l.database} from ${l.client}`)
      );
    else if (l.type === "statement") {
      const key = `${l.conn}/${l.id}`;
      const s = statements.get(key);
      statements.delete(key);
      if (s) block(s);
    } else if (l.type === "session.end")
      out.push(
        paint(
          "dim",
          `${at(l.ts)} [conn ${l.conn}] session ended: ${l.reason} (${plural(l.statements, "statement")})`
        )
      );
    else if (l.type === "gateway.stop") out.push(paint("bold", `${at(l.ts)} gateway stopped: ${l.reason}`));
  }
  return `${out.join("\n")}
`;
}

// src/cli/replay.ts
var spec = command({
  name: "replay",
  summary: "show a transcript as a timeline, check its hash chain, render it as HTML, or re-run it",
  positionals: "FILE",
  description: [
    "FILE is a transcript (JSON Lines) written by the action, `guardrail proxy` or the demo.",
    "Without options it prints the timeline. Exit code: 1 when the hash chain is broken or",
    "--against found a divergence; 2 when the file cannot be read."
  ],
  options: {
    verify: {
      type: "boolean",
      description: "only check the hash chain, and that the run ended with gateway.stop"
    },
    head: {
      type: "string",
      value: "HASH",
      description: "with --verify: the head hash the post step published; proves the copy was not cut short or extended"
    },
    lines: {
      type: "string",
      value: "N",
      description: "with --verify: the line count the post step published"
    },
    html: { type: "string", value: "OUT", description: "write a self-contained HTML replay to OUT" },
    against: {
      type: "string",
      value: "URL",
      description: "run the forwarded statements against a scratch database (postgres:// or mysql://) and report differences"
    },
    color: { type: "boolean", description: "colour the timeline (default: when stdout is a terminal)" },
    "no-color": { type: "boolean", description: "never colour the timeline" }
  },
  examples: [
    { args: "transcript.jsonl --verify" },
    { args: "transcript.jsonl --verify --head 3f1c\u2026e9 --lines 42" },
    { args: "transcript.jsonl --html replay.html" },
    { args: "transcript.jsonl --against postgres://postgres@127.0.0.1:5432/scratch" }
  ]
});
async function run(argv) {
  const { values, positionals } = parse(argv, spec);
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError("replay takes exactly one transcript file");
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    console.error(`guardrail replay: cannot read ${file}: ${err.message}`);
    return 2;
  }
  const published = publishedHead(values.head, values.lines);
  if ((published.head || published.lines !== void 0) && !values.verify)
    throw new UsageError("--head and --lines go with --verify");
  const verified = verifyTranscript(text, published);
  if (values.verify) {
    if (verified.ok) {
      const tail = verified.complete ? "ends with gateway.stop" : "no gateway.stop at the end (the run was cut short)";
      const end = published.head ? ", ends at the published head" : " (its end is unproven: pass --head from the job summary to check it)";
      console.log(`${file}: ${verified.lines} lines, hash chain intact, ${tail}${end}`);
      return 0;
    }
    console.error(
      verified.endMismatch ? `${file}: does not end where the job published: ${verified.reason}` : `${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`
    );
    return 1;
  }
  const { lines, partialTail } = readTranscript(text);
  if (values.against) {
    if (!verified.ok)
      console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
    const { replayCommand } = await import("./replay-against-LTX3BMUB.js");
    return replayCommand(lines, values.against, file);
  }
  if (values.html) {
    writeFileSync(
      values.html,
      renderHtml(lines, { title: `guardrail transcript ${file}`, verify: verified })
    );
    console.log(`wrote ${values.html}`);
    return verified.ok ? 0 : 1;
  }
  const color = values["no-color"] ? false : values.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  process.stdout.write(renderText(lines, { color }));
  if (partialTail) console.error(`${file}: the last line is incomplete (the writer stopped mid-line)`);
  if (!verified.ok)
    console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
  return verified.ok ? 0 : 1;
}
function publishedHead(head, lines) {
  if (head !== void 0 && !/^[0-9a-fA-F]{64}$/.test(head))
    throw new UsageError("--head takes the 64 hex digits of the transcript head from the job summary");
  if (lines !== void 0 && !/^\d+$/.test(lines))
    throw new UsageError("--lines takes the line count from the job summary");
  return { ...head ? { head } : {}, ...lines !== void 0 ? { lines: Number(lines) } : {} };
}
export {
  run,
  spec
};
