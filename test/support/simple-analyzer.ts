// A small rule set for gateway tests until the real analyzer is wired in: it splits a string
// on top-level semicolons (respecting quotes, dollar quotes and nested comments) and flags
// statements whose first word matches a configured rule. It produces a complete Analysis.
import { createHash } from 'node:crypto';
import type { ApprovalChannel } from '../../src/approvals/types.js';
import type { Analyzer, Decider, GatewayContext } from '../../src/gateway/session.js';
import type { Verdict } from '../../src/policy/types.js';
import type { Analysis, Category, Finding, StatementAnalysis } from '../../src/sql/types.js';
import type { Recorder } from '../../src/transcript/recorder.js';

export interface TestRule {
  /** Tested against the statement text with comments and leading blanks removed. */
  pattern: RegExp;
  rule: string;
  action: 'deny' | 'review';
}

export const DEFAULT_RULES: TestRule[] = [
  { pattern: /^drop\b/i, rule: 'destructive/drop-table', action: 'deny' },
  { pattern: /^truncate\b/i, rule: 'destructive/truncate', action: 'deny' },
  { pattern: /^delete\b(?![\s\S]*\bwhere\b)/i, rule: 'destructive/delete-without-where', action: 'deny' },
];

/** Splits SQL into statements at semicolons outside quotes, dollar quotes and comments. */
export function splitStatements(sql: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const raw = sql.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    if (raw.trim()) out.push({ text: raw.trim(), offset: start + lead });
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      i = close < 0 ? sql.length : close + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        const step = sql.startsWith('/*', i) ? 1 : sql.startsWith('*/', i) ? -1 : 0;
        depth += step;
        i += step === 0 ? 1 : 2;
      }
    } else if (c === '$') {
      const tag = sql.slice(i).match(/^\$[A-Za-z_]*\$/)?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? sql.length : close + tag.length;
      } else i++;
    } else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(sql.length);
  return out;
}

function stripComments(text: string): string {
  return text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .trim();
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function simpleAnalyzer(rules: TestRule[] = DEFAULT_RULES): Analyzer {
  return (text) => {
    const statements: StatementAnalysis[] = splitStatements(text).map(({ text: t, offset }) => {
      const bare = stripComments(t);
      const canonical = bare.replace(/\s+/g, ' ');
      const findings: Finding[] = rules
        .filter((r) => r.pattern.test(bare))
        .map((r) => ({
          rule: r.rule,
          category: r.rule.split('/')[0] as Category,
          severity: r.action === 'deny' ? 'critical' : 'risk',
          objects: [],
          message: `${r.rule} matched`,
        }));
      const readOnly = /^(select|show|values|explain|table)\b/i.test(bare) && findings.length === 0;
      return { text: t, offset, findings, readOnly, opaque: false, canonical, hash: sha256(canonical) };
    });
    const canonical = statements.map((s) => s.canonical).join('; ');
    return {
      findings: statements.flatMap((s) => s.findings),
      readOnly: statements.every((s) => s.readOnly),
      opaque: false,
      canonical,
      hash: sha256(canonical),
      statements,
    } satisfies Analysis;
  };
}

export function simpleDecider(rules: TestRule[] = DEFAULT_RULES): Decider {
  const actionOf = new Map(rules.map((r) => [r.rule, r.action]));
  return (analysis): Verdict => {
    const deny = analysis.findings.filter((f) => actionOf.get(f.rule) === 'deny');
    if (deny.length > 0) return { action: 'deny', reasons: deny };
    const review = analysis.findings.filter((f) => actionOf.get(f.rule) === 'review');
    if (review.length > 0) return { action: 'review', reasons: review };
    return { action: 'allow' };
  };
}

export function testGatewayContext(opts: {
  recorder: Recorder;
  rules?: TestRule[];
  approvals?: ApprovalChannel;
  approvalTimeoutMs?: number;
}): GatewayContext {
  return {
    dialect: 'postgres',
    mode: 'enforce',
    analyze: simpleAnalyzer(opts.rules),
    decide: simpleDecider(opts.rules),
    recorder: opts.recorder,
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    preapproved: new Set(),
    approvalTimeoutMs: opts.approvalTimeoutMs ?? 60_000,
    database: { name: 'postgres', host: '127.0.0.1', role: 'postgres' },
    redact: (t) => t,
  };
}
