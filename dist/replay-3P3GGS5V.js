import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  renderHtml,
  verifyTranscript
} from "./chunk-5DUNQABF.js";
import {
  impactLines,
  impactOf,
  readTranscript,
  statementsOf
} from "./chunk-UFPKOEU3.js";
import {
  UsageError,
  parse
} from "./chunk-5YNDTKBO.js";
import "./chunk-JYUWKEP5.js";

// src/cli/replay.ts
import { readFileSync, writeFileSync } from "node:fs";

// src/transcript/render-text.ts
var codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 };
function renderText(lines, opts) {
  const paint = (style, s) => opts.color ? `\x1B[${codes[style]}m${s}\x1B[0m` : s;
  const out = [];
  const start = lines[0] ? Date.parse(lines[0].ts) : 0;
  const at = (ts) => `+${((Date.parse(ts) - start) / 1e3).toFixed(3)}s`;
  for (const l of lines) {
    if (l.type === "gateway.start")
      out.push(paint("bold", `gateway ${l.dialect} \u2192 ${l.upstream} (mode ${l.mode}, ${l.version})`));
    if (l.type === "session.start")
      out.push(
        paint("dim", `${at(l.ts)} [conn ${l.conn}] session: ${l.user}@${l.database} from ${l.client}`)
      );
  }
  for (const s of statementsOf(lines)) {
    const verdict = s.action === "deny" ? paint("red", "DENY") : s.action === "review" ? paint("yellow", "REVIEW") : paint("green", "allow");
    out.push(
      `${at(s.startedAt)} [conn ${s.conn}] ${verdict} ${s.id} (${s.via}) ${paint("dim", s.hash.slice(0, 12))}`
    );
    for (const line of s.text.split("\n")) out.push(`    ${line}`);
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
      const what = r.error ? paint("red", `error ${r.error.code}: ${r.error.message}`) : `${r.tag ?? "ok"}${r.rows !== void 0 ? ` (${r.rows} rows)` : ""}`;
      out.push(`    \u2192 ${what} in ${r.durationMs.toFixed(1)} ms`);
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
  }
  for (const l of lines) {
    if (l.type === "session.end")
      out.push(
        paint("dim", `${at(l.ts)} [conn ${l.conn}] session ended: ${l.reason} (${l.statements} statements)`)
      );
    if (l.type === "gateway.stop") out.push(paint("bold", `${at(l.ts)} gateway stopped: ${l.reason}`));
  }
  return `${out.join("\n")}
`;
}

// src/cli/replay.ts
var usage = "guardrail replay FILE [--verify] [--html OUT] [--against URL] [--color|--no-color]";
async function run(argv) {
  const { values, positionals } = parse(argv, {
    verify: { type: "boolean" },
    html: { type: "string" },
    against: { type: "string" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" }
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError("replay takes exactly one transcript file");
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    console.error(`guardrail replay: cannot read ${file}: ${err.message}`);
    return 2;
  }
  const verified = verifyTranscript(text);
  if (values.verify) {
    if (verified.ok) {
      const tail = verified.complete ? "ends with gateway.stop" : "no gateway.stop at the end (the run was cut short)";
      console.log(`${file}: ${verified.lines} lines, hash chain intact, ${tail}`);
      return 0;
    }
    console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
    return 1;
  }
  const { lines, partialTail } = readTranscript(text);
  if (values.against) {
    if (!verified.ok)
      console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
    const { replayCommand } = await import("./replay-against-A7P4QBFO.js");
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
export {
  run,
  usage
};
