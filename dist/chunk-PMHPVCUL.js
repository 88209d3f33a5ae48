import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  DEFAULT_POLICY_PATH,
  PolicyError,
  RULES,
  analyzeMysqlScript,
  analyzePostgres,
  decide,
  defaultPolicy,
  isRuleId,
  lex,
  loadAnalyzers,
  loadPolicy,
  locationOf,
  verdictLevel
} from "./chunk-E6F2STDG.js";
import {
  UsageError,
  parse
} from "./chunk-5YNDTKBO.js";

// src/cli/check.ts
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
var usage = "guardrail check [--dialect postgres|mysql] [--policy FILE] [--format text|json|sarif] [--fail-on deny|review|warn|never] PATH...";
var CheckReadError = class extends Error {
};
function isDownFile(name) {
  return /\.down\.sql$/i.test(name) || /^U\d/.test(name);
}
function orderKey(name) {
  const flyway = /^V(\d+(?:[._]\d+)*)__/i.exec(name);
  if (flyway) return { group: 0, version: flyway[1].split(/[._]/).map(Number), name };
  const numbered = /^(\d+)/.exec(name);
  if (numbered) return { group: 0, version: [Number(numbered[1])], name };
  if (/^R__/i.test(name)) return { group: 2, version: [], name };
  return { group: 1, version: [], name };
}
function compareKeys(a, b) {
  if (a.group !== b.group) return a.group - b.group;
  for (let i = 0; i < Math.max(a.version.length, b.version.length); i++) {
    const d = (a.version[i] ?? 0) - (b.version[i] ?? 0);
    if (d !== 0) return d;
  }
  if (a.version.length !== b.version.length) return a.version.length - b.version.length;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
function walkDir(dir) {
  const entries = readdirSync(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && /\.sql$/i.test(e.name) && !isDownFile(e.name)).map((e) => e.name).sort((a, b) => compareKeys(orderKey(a), orderKey(b))).map((n) => join(dir, n));
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules").map((e) => e.name).sort();
  return [...files, ...subdirs.flatMap((d) => walkDir(join(dir, d)))];
}
function migrationFiles(paths) {
  const out = [];
  for (const p of paths) {
    let isDir;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      throw new CheckReadError(`cannot read ${p}: ${err.message}`);
    }
    out.push(...isDir ? walkDir(p) : [p]);
  }
  return out;
}
function upPart(text) {
  const down = /^[ \t]*--[ \t]*Down Migration\b.*$/im.exec(text);
  return down ? text.slice(0, down.index) : text;
}
var SUPPRESSION = /--[ \t]*guardrail:allow\b(.*)$/gm;
function suppressionsOf(file, text, problems) {
  const out = [];
  for (const m of text.matchAll(SUPPRESSION)) {
    const line = locationOf(text, m.index).line;
    const [rule = "", ...rest] = (m[1] ?? "").trim().split(/\s+/);
    const reason = rest.join(" ").trim();
    if (!rule)
      problems.push({
        file,
        line,
        severity: "error",
        message: "guardrail:allow needs a rule id and a reason"
      });
    else if (!isRuleId(rule))
      problems.push({
        file,
        line,
        severity: "error",
        message: `guardrail:allow names an unknown rule id ${rule}`
      });
    else if (!reason)
      problems.push({ file, line, severity: "error", message: `guardrail:allow ${rule} needs a reason` });
    else out.push({ rule, reason, line });
  }
  return out;
}
function analyzePostgresFile(text, ctx) {
  const whole = analyzePostgres(text, ctx);
  const broken = whole.statements.length === 1 && whole.findings.some((f) => f.rule === "opaque/unparseable" || f.rule === "opaque/oversized");
  const lexed = broken ? lex(text, { dialect: "postgres", standardConformingStrings: ctx.standardConformingStrings !== false }) : void 0;
  if (!lexed || lexed.semicolons.length === 0) return whole.statements;
  const out = [];
  let from = 0;
  for (const end of [...lexed.semicolons.map((i) => lexed.ends[i]), text.length]) {
    const chunk = text.slice(from, end);
    if (chunk.trim() !== "") {
      const at = locationOf(text, from);
      const padded = `${"\n".repeat(at.line - 1)}${" ".repeat(at.column - 1)}${chunk}`;
      const part = analyzePostgres(padded, ctx);
      for (const s of part.statements)
        out.push({ ...s, offset: s.offset - padded.length + chunk.length + from });
    }
    from = end;
  }
  return out;
}
function locate(text, statements) {
  return statements.map((statement) => {
    const start = locationOf(text, statement.offset);
    return {
      statement,
      line: start.line,
      column: start.column,
      endLine: locationOf(text, statement.offset + statement.text.length).line
    };
  });
}
async function checkFiles(paths, opts = {}) {
  await loadAnalyzers();
  const policy = opts.policy ?? defaultPolicy();
  const dialect = opts.dialect ?? policy.dialect ?? "postgres";
  const files = migrationFiles(paths);
  const result = { dialect, files, statements: [], problems: [] };
  const pgCtx = { dialect: "postgres" };
  let myCtx = { dialect: "mysql" };
  for (const file of files) {
    let text;
    try {
      text = upPart(readFileSync(file, "utf8"));
    } catch (err) {
      throw new CheckReadError(`cannot read ${file}: ${err.message}`);
    }
    let statements;
    if (dialect === "postgres") statements = analyzePostgresFile(text, pgCtx);
    else {
      const a = analyzeMysqlScript(text, myCtx);
      statements = a.statements;
      myCtx = {
        ...myCtx,
        ...a.after.sqlMode !== void 0 ? { sqlMode: a.after.sqlMode } : {},
        mysql: a.after
      };
    }
    const located = locate(text, statements);
    const suppressions = suppressionsOf(file, text, result.problems);
    const used = /* @__PURE__ */ new Set();
    for (const l of located) {
      const mine = suppressions.filter((s) => targetOf(s, located) === l);
      const findings = [];
      const suppressed = [];
      for (const f of l.statement.findings) {
        const s = mine.find((x) => x.rule === f.rule);
        if (s) {
          used.add(s);
          suppressed.push({ ...f, reason: s.reason });
        } else findings.push(f);
      }
      result.statements.push({
        file,
        line: l.line,
        column: l.column,
        text: l.statement.text,
        hash: l.statement.hash,
        findings,
        suppressed,
        verdict: decide({ findings }, policy)
      });
    }
    for (const s of suppressions) {
      if (!used.has(s)) {
        result.problems.push({
          file,
          line: s.line,
          severity: "warning",
          message: `guardrail:allow ${s.rule} matches no finding`
        });
      }
    }
  }
  return result;
}
function targetOf(s, located) {
  return located.find((l) => l.line <= s.line && l.endLine >= s.line) ?? located.find((l) => l.line > s.line);
}
var LEVELS = { allow: 0, warn: 1, review: 2, deny: 3 };
function escapeData(s) {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s) {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
function findingAction(f, policy) {
  return verdictLevel(decide({ findings: [f] }, policy));
}
function position(f, s) {
  return f.location ?? { line: s.line, column: s.column };
}
function renderText(result, policy, cwd, github) {
  const lines = [];
  for (const s of result.statements) {
    const file = relative(cwd, s.file) || s.file;
    for (const f of s.findings) {
      const { line, column } = position(f, s);
      lines.push(`${file}:${line}:${column} ${f.rule} ${f.message}`);
      if (github) {
        const level = LEVELS[findingAction(f, policy)] >= LEVELS.review ? "error" : "warning";
        lines.push(
          `::${level} file=${escapeProperty(file)},line=${line},col=${column},title=${escapeProperty(f.rule)}::${escapeData(f.message)}`
        );
      }
    }
    for (const f of s.suppressed) {
      const { line, column } = position(f, s);
      lines.push(`${file}:${line}:${column} ${f.rule} suppressed: ${f.reason}`);
    }
  }
  for (const p of result.problems) {
    const file = relative(cwd, p.file) || p.file;
    lines.push(`${file}:${p.line}:1 guardrail:allow ${p.severity}: ${p.message}`);
    if (github)
      lines.push(`::${p.severity} file=${escapeProperty(file)},line=${p.line}::${escapeData(p.message)}`);
  }
  const counts = { deny: 0, review: 0, warn: 0 };
  for (const s of result.statements) {
    const level = verdictLevel(s.verdict);
    if (level !== "allow") counts[level]++;
  }
  const suppressed = result.statements.reduce((n, s) => n + s.suppressed.length, 0);
  lines.push(
    `${result.files.length} files, ${result.statements.length} statements: ${counts.deny} denied, ${counts.review} need review, ${counts.warn} with warnings, ${suppressed} findings suppressed`
  );
  return lines.join("\n");
}
var SARIF_LEVEL = {
  deny: "error",
  review: "error",
  warn: "warning",
  allow: "note"
};
function toSarif(result, policy, cwd) {
  const used = [
    ...new Set(result.statements.flatMap((s) => [...s.findings, ...s.suppressed].map((f) => f.rule)))
  ].sort();
  const ruleIndex = new Map(used.map((id, i) => [id, i]));
  const results = result.statements.flatMap(
    (s) => [
      ...s.findings.map((f) => ({ f, reason: void 0 })),
      ...s.suppressed.map((f) => ({ f, reason: f.reason }))
    ].map(({ f, reason }) => {
      const { line, column } = position(f, s);
      return {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule),
        level: SARIF_LEVEL[findingAction(f, policy)],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: (relative(cwd, s.file) || s.file).split("\\").join("/") },
              region: { startLine: line, startColumn: column }
            }
          }
        ],
        partialFingerprints: { statementHash: s.hash },
        ...reason !== void 0 ? { suppressions: [{ kind: "inSource", justification: reason }] } : {}
      };
    })
  );
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "guardrail",
            informationUri: "https://github.com/guardrail-action/guardrail-action",
            rules: used.map((id) => {
              const info = RULES[id];
              return {
                id,
                name: id,
                shortDescription: { text: info?.title ?? id },
                helpUri: `https://github.com/guardrail-action/guardrail-action/blob/main/docs/rules.md#${id.replace("/", "")}`,
                properties: { category: info?.category, severity: info?.severity }
              };
            })
          }
        },
        results
      }
    ]
  };
}
var FAIL_ON = ["deny", "review", "warn", "never"];
async function run(argv) {
  const { values, positionals } = parse(argv, {
    dialect: { type: "string" },
    policy: { type: "string" },
    format: { type: "string", default: "text" },
    "fail-on": { type: "string", default: "review" }
  });
  if (positionals.length === 0) throw new UsageError("name at least one migration file or directory");
  if (values.dialect !== void 0 && values.dialect !== "postgres" && values.dialect !== "mysql") {
    throw new UsageError(`--dialect must be postgres or mysql, not ${values.dialect}`);
  }
  const format = values.format ?? "text";
  if (!["text", "json", "sarif"].includes(format))
    throw new UsageError(`--format must be text, json or sarif, not ${format}`);
  const failOn = values["fail-on"] ?? "review";
  if (!FAIL_ON.includes(failOn)) {
    throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(", ")}, not ${failOn}`);
  }
  let policy;
  try {
    const path = values.policy ?? (existsSync(DEFAULT_POLICY_PATH) ? DEFAULT_POLICY_PATH : void 0);
    policy = path ? loadPolicy(path) : defaultPolicy();
  } catch (err) {
    if (err instanceof PolicyError) {
      console.error(`guardrail check: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let result;
  try {
    result = await checkFiles(positionals, {
      policy,
      ...values.dialect ? { dialect: values.dialect } : {}
    });
  } catch (err) {
    if (err instanceof CheckReadError) {
      console.error(`guardrail check: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const cwd = process.cwd();
  if (format === "json") console.log(JSON.stringify(result, null, 2));
  else if (format === "sarif") console.log(JSON.stringify(toSarif(result, policy, cwd), null, 2));
  else console.log(renderText(result, policy, cwd, process.env.GITHUB_ACTIONS === "true"));
  if (result.problems.some((p) => p.severity === "error")) return 1;
  if (failOn === "never") return 0;
  const threshold = LEVELS[failOn];
  return result.statements.some((s) => LEVELS[verdictLevel(s.verdict)] >= threshold) ? 1 : 0;
}

export {
  usage,
  CheckReadError,
  migrationFiles,
  checkFiles,
  toSarif,
  run
};
