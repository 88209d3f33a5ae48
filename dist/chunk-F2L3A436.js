import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  plural
} from "./chunk-D7GJ7SEI.js";
import {
  loadPolicy
} from "./chunk-CREFJWGC.js";
import {
  DEFAULT_POLICY_PATH,
  PolicyError,
  actionFor,
  analyzeMysql,
  analyzePostgres,
  assemble,
  decide,
  defaultPolicy,
  loadAnalyzers,
  location,
  overrideFor,
  verdictLevel
} from "./chunk-NSA7BN2R.js";
import {
  LexError,
  Lexer,
  MigrationJudge,
  RULES,
  isRuleId,
  isUnknownMode,
  isWord,
  lex,
  lexFlags,
  locationOf
} from "./chunk-AIHX2DPB.js";
import {
  UsageError,
  command,
  parse
} from "./chunk-7LIXXI5W.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/cli/check.ts
import { existsSync as existsSync2, readdirSync, readFileSync as readFileSync2, statSync as statSync2 } from "node:fs";
import { join as join2 } from "node:path";

// src/sql/mysql/script.ts
function analyzeMysqlScript(text, ctx) {
  const statements = [];
  let current = ctx;
  let literalSensitive = false;
  let sessionSensitive = false;
  let changesSession = false;
  let after;
  let pos = 0;
  let delimiter = ";";
  while (pos < text.length) {
    const chunk = nextChunk(text, pos, delimiter, current.sqlMode);
    const part = analyzeMysql(text.slice(pos, chunk.end), current);
    for (const s of part.statements) {
      const offset = s.offset + pos;
      statements.push({
        ...s,
        offset,
        findings: s.findings.map((f) => f.location ? { ...f, location: location(text, offset) } : f)
      });
    }
    literalSensitive ||= part.literalSensitive;
    sessionSensitive ||= part.sessionSensitive;
    changesSession ||= part.changesSession;
    after = part.after;
    current = {
      ...ctx,
      ...part.after.sqlMode !== void 0 ? { sqlMode: part.after.sqlMode } : {},
      mysql: part.after
    };
    if (chunk.delimiter !== void 0) delimiter = chunk.delimiter;
    pos = chunk.next;
  }
  const base = assemble(statements);
  return {
    ...base,
    after: after ?? {
      ...ctx.sqlMode !== void 0 ? { sqlMode: ctx.sqlMode } : {},
      prepared: new Map(ctx.mysql?.prepared ?? []),
      routines: new Map(ctx.mysql?.routines ?? [])
    },
    literalSensitive,
    sessionSensitive,
    changesSession
  };
}
function nextChunk(text, pos, delimiter, sqlMode) {
  const flags = lexFlags(isUnknownMode(sqlMode) ? "" : sqlMode);
  const lexer = new Lexer(
    text,
    flags,
    { pos, inExecutable: false },
    delimiter === ";" ? void 0 : delimiter
  );
  try {
    for (let t = lexer.next(); t; t = lexer.next()) {
      if (t.kind === "punct" && t.value === ";" && t.text !== ";") return { end: t.start, next: t.end };
      if (t.kind === "op" && t.text === "\\") {
        const g = lexer.next();
        if (g && !g.spaced && g.kind === "word" && g.upper === "G") return { end: t.start, next: g.end };
      }
      if (isWord(t, "DELIMITER") && atLineStart(text, t.start)) {
        let eol = text.indexOf("\n", t.end);
        if (eol < 0) eol = text.length;
        const next = text.slice(t.end, eol).trim().split(/\s+/)[0] ?? "";
        return { end: t.start, next: eol, ...next ? { delimiter: next } : {} };
      }
    }
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
  }
  return { end: text.length, next: text.length };
}
function atLineStart(text, at) {
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i];
    if (c === "\n") return true;
    if (c !== " " && c !== "	" && c !== "\r") return false;
  }
  return true;
}

// src/cli/check-history.ts
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
var BaseRefError = class extends GuardrailError {
  static code = "ERR_BASE_REF";
};
function git(cwd, args, input) {
  const r = spawnSync("git", args, { cwd, maxBuffer: 1 << 30, ...input ? { input } : {} });
  if (r.error) throw new BaseRefError(`git ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new BaseRefError(`git ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout;
}
function readBase(paths, ref) {
  const tmp = mkdtempSync(join(tmpdir(), "guardrail-base-"));
  try {
    const mapped = /* @__PURE__ */ new Map();
    const out = [];
    for (const p of paths) {
      const abs = resolve(p);
      const dir = existsSync(abs) && statSync(abs).isDirectory() ? abs : dirname(abs);
      const root = git(dir, ["rev-parse", "--show-toplevel"]).toString().trim();
      const found = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: root });
      if (found.status !== 0) throw new BaseRefError(`--base ${ref}: no such commit in ${root}`);
      const commit = found.stdout.toString().trim();
      const rel = relative(root, abs) || ".";
      const dest = join(tmp, String(out.length));
      const listed = git(root, ["ls-tree", "-r", "--name-only", commit, "--", rel]).toString().trim();
      if (listed !== "") {
        const tar = git(root, ["archive", "--format=tar", commit, "--", rel]);
        mkdirSync(dest, { recursive: true });
        const x = spawnSync("tar", ["-x", "-C", dest], { input: tar });
        if (x.status !== 0)
          throw new BaseRefError(`cannot unpack ${ref}:${rel}: ${x.stderr.toString().trim()}`);
      }
      const base = join(dest, rel);
      mapped.set(abs, base);
      if (existsSync(base)) out.push(base);
    }
    return {
      paths: out,
      isChanged(file) {
        const abs = resolve(file);
        for (const [orig, base] of mapped) {
          const r = relative(orig, abs);
          if (r.startsWith("..")) continue;
          const copy = r === "" ? base : join(base, r);
          return !existsSync(copy) || !readFileSync(copy).equals(readFileSync(abs));
        }
        return true;
      },
      dispose: () => rmSync(tmp, { recursive: true, force: true })
    };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

// src/cli/check-output.ts
import { relative as relative2 } from "node:path";
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
function describeOverride(o, policy) {
  const where = o.line !== void 0 && policy.source ? `${policy.source}:${o.line}` : "the policy";
  const match = [
    o.rule !== void 0 ? `rule ${o.rule}` : "",
    o.category !== void 0 ? `category ${o.category}` : "",
    o.objects !== void 0 ? `objects ${o.objects.join(", ")}` : ""
  ].filter(Boolean);
  return `override at ${where}${match.length ? ` (${match.join(", ")})` : ""}`;
}
function allowedBy(f, policy) {
  if (actionFor(f, policy) !== "allow") return void 0;
  const o = overrideFor(f, policy);
  if (o) return describeOverride(o, policy);
  return Object.hasOwn(policy.rules, f.rule) ? `rules.${f.rule}: allow` : `categories.${f.category}: allow`;
}
function position(f, s) {
  return f.location ?? { line: s.line, column: s.column };
}
function renderText(result, policy, cwd, github) {
  const lines = [];
  for (const s of result.statements) {
    const file = relative2(cwd, s.file) || s.file;
    for (const f of s.findings) {
      const { line, column } = position(f, s);
      const allowed2 = allowedBy(f, policy);
      lines.push(
        `${file}:${line}:${column} ${f.rule}${allowed2 ? ` allowed by ${allowed2}:` : ""} ${f.message}`
      );
      if (github) {
        const action = findingAction(f, policy);
        const level = allowed2 ? "notice" : LEVELS[action] >= LEVELS.review ? "error" : "warning";
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
    const file = relative2(cwd, p.file) || p.file;
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
  const allowed = result.statements.reduce(
    (n, s) => n + s.findings.filter((f) => allowedBy(f, policy) !== void 0).length,
    0
  );
  lines.push(
    `${plural(result.files.length, "file")}, ${plural(result.statements.length, "statement")}: ${counts.deny} denied, ${counts.review} need review, ${counts.warn} with warnings, ${plural(allowed, "finding")} allowed by the policy, ${plural(suppressed, "finding")} suppressed`
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
              artifactLocation: { uri: (relative2(cwd, s.file) || s.file).split("\\").join("/") },
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

// src/cli/check-suppressions.ts
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
function targetOf(s, located) {
  return located.find((l) => l.line <= s.line && l.endLine >= s.line) ?? located.find((l) => l.line > s.line);
}

// src/cli/check.ts
var spec = command({
  name: "check",
  summary: "judge migration files with the gateway's parser and policy, before anything connects",
  positionals: "PATH...",
  description: [
    "Reads .sql files (directories are walked in migration order: Flyway V1__, numbered, then R__)",
    "and judges every statement with the policy. With --base REF the files present at REF (read",
    "from git) are applied history and only the files added or changed since are judged, as one",
    "session; without it each file is its own session, earlier files its history. A comment",
    "`-- guardrail:allow <rule> <reason>` suppresses that rule for the next statement.",
    "Exit code: 1 when a statement is at or above --fail-on or a suppression is invalid;",
    "2 when a file or the policy cannot be read."
  ],
  options: {
    dialect: {
      type: "string",
      value: "postgres|mysql",
      description: "SQL dialect of the files; without it, the policy's `dialect`, else postgres"
    },
    policy: {
      type: "string",
      value: "FILE",
      description: "policy file; without it, .github/guardrail.yml if it exists, else the built-in policy"
    },
    format: { type: "string", value: "text|json|sarif", default: "text", description: "output format" },
    "fail-on": {
      type: "string",
      value: "deny|review|warn|never",
      default: "review",
      description: "exit 1 when a statement gets this action or a stronger one"
    },
    base: {
      type: "string",
      value: "REF",
      description: "a git ref whose migration files are already applied: they define the schema"
    }
  },
  examples: [
    { args: "examples/migrations" },
    { args: "--base origin/main migrations/", note: "judge only what this branch adds" },
    {
      args: "--format sarif --fail-on never migrations/ > guardrail.sarif",
      note: "a report for code scanning"
    }
  ]
});
var CheckReadError = class extends GuardrailError {
  static code = "ERR_CHECK_READ";
};
var CheckBaseError = class extends CheckReadError {
  static code = "ERR_BASE_REF";
};
function isDownFile(name) {
  return /(^|\.)down\.sql$/i.test(name) || /^U\d/.test(name);
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
  const files = entries.filter((e) => e.isFile() && /\.sql$/i.test(e.name) && !isDownFile(e.name)).map((e) => e.name).sort((a, b) => compareKeys(orderKey(a), orderKey(b))).map((n) => join2(dir, n));
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules").map((e) => e.name).sort();
  return [...files, ...subdirs.flatMap((d) => walkDir(join2(dir, d)))];
}
function migrationFiles(paths) {
  const out = [];
  for (const p of paths) {
    let isDir;
    try {
      isDir = statSync2(p).isDirectory();
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
function analyzePostgresFile(text, ctx) {
  const whole = analyzePostgres(text, ctx);
  const broken = whole.statements.length === 1 && whole.findings.some((f) => f.rule === "opaque/unparseable" || f.rule === "opaque/oversized");
  const lexed = broken ? lex(text, {
    dialect: "postgres",
    standardConformingStrings: ctx.postgres?.standardConformingStrings !== false
  }) : void 0;
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
function readMigration(file) {
  try {
    return upPart(readFileSync2(file, "utf8"));
  } catch (err) {
    throw new CheckReadError(`cannot read ${file}: ${err.message}`);
  }
}
function judgedFiles(paths, base, learn) {
  const files = migrationFiles(paths);
  if (base === void 0) return files;
  let history;
  try {
    history = readBase(paths, base);
  } catch (err) {
    if (err instanceof BaseRefError) throw new CheckBaseError(err.message, { cause: err });
    throw err;
  }
  try {
    for (const file of migrationFiles(history.paths)) learn(readMigration(file));
    return files.filter((f) => history.isChanged(f));
  } finally {
    history.dispose();
  }
}
function nextSession(pg, my) {
  const m = pg.memory;
  const memory = m && {
    functions: m.functions,
    prepared: /* @__PURE__ */ new Map(),
    tables: /* @__PURE__ */ new Set(),
    temporaryTables: /* @__PURE__ */ new Set(),
    ...m.triggers ? { triggers: m.triggers } : {}
  };
  const routines = my.mysql?.routines;
  return [
    { dialect: "postgres", ...memory ? { memory } : {} },
    { dialect: "mysql", ...routines ? { mysql: { routines } } : {} }
  ];
}
async function checkFiles(paths, opts = {}) {
  await loadAnalyzers();
  const policy = opts.policy ?? defaultPolicy();
  const dialect = opts.dialect ?? policy.dialect ?? "postgres";
  const judge = new MigrationJudge({ dialect, dataChanges: true });
  let pgCtx = { dialect: "postgres" };
  let myCtx = { dialect: "mysql" };
  const files = judgedFiles(paths, opts.base, (text) => {
    judge.history(text, myCtx.sqlMode);
    if (dialect === "postgres") analyzePostgres(text, pgCtx);
    else myCtx = { ...myCtx, mysql: analyzeMysqlScript(text, myCtx).after };
  });
  if (opts.base !== void 0) [pgCtx, myCtx] = nextSession(pgCtx, myCtx);
  const result = { dialect, files, statements: [], problems: [] };
  for (const file of files) {
    const text = readMigration(file);
    if (opts.base === void 0) {
      [pgCtx, myCtx] = nextSession(pgCtx, myCtx);
      judge.newChange();
    }
    const sqlMode = myCtx.sqlMode;
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
    const analyzed = statements;
    statements = judge.judge({ text, statements, ...sqlMode !== void 0 ? { sqlMode } : {} });
    const located = locate(text, statements);
    const suppressions = suppressionsOf(file, text, result.problems);
    const used = /* @__PURE__ */ new Set();
    for (const [i, l] of located.entries()) {
      const mine = suppressions.filter((s) => targetOf(s, located) === l);
      const atRunTime = analyzed[i].findings;
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
        verdict: decide({ findings }, policy),
        ...atRunTime !== l.statement.findings ? { gateway: atRunTime } : {}
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
var FAIL_ON = ["deny", "review", "warn", "never"];
async function run(argv) {
  const { values, positionals } = parse(argv, spec);
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
    const path = values.policy ?? (existsSync2(DEFAULT_POLICY_PATH) ? DEFAULT_POLICY_PATH : void 0);
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
      ...values.dialect ? { dialect: values.dialect } : {},
      ...values.base ? { base: values.base } : {}
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
  spec,
  CheckReadError,
  CheckBaseError,
  migrationFiles,
  checkFiles,
  run
};
