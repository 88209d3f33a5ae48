// A small, configurable stand-in for the MySQL analyzer in gateway tests that must not depend
// on it: splits on semicolons outside quotes and comments, flags destructive keywords, and
// returns a well-formed Analysis (sha256 hashes) so the session records real events.
import { createHash } from 'node:crypto';
import type { Decider } from '../../src/gateway/session.js';
import type { Analysis, Finding, StatementAnalysis } from '../../src/sql/types.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface TestAnalyzerOptions {
  /** Statements (canonical text) reported as critical: the test decider denies them. */
  deny?: RegExp;
  /** Statements reported as a risk: the test decider sends them for review. */
  review?: RegExp;
}

const DEFAULT_DENY = /^(DROP|TRUNCATE|DELETE(?![\s\S]*\bWHERE\b)|GRANT|REVOKE)\b/i;

function split(text: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '-' && text[i + 1] === '-')
      i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*' && text[i + 2] !== '!') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === ';') {
      out.push({ text: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  out.push({ text: text.slice(start), offset: start });
  return out.filter((s) => s.text.trim() !== '');
}

export function testMysqlAnalyzer(opts: TestAnalyzerOptions = {}): (text: string) => Analysis {
  const deny = opts.deny ?? DEFAULT_DENY;
  return (text) => {
    const statements: StatementAnalysis[] = split(text).map(({ text: t, offset }) => {
      const canonical = t
        .replace(/\/\*![0-9]*/g, '')
        .replace(/\*\//g, '')
        .replace(/\s+/g, ' ')
        .trim();
      const severity = deny.test(canonical) ? 'critical' : opts.review?.test(canonical) ? 'risk' : undefined;
      const findings: Finding[] = severity
        ? [
            {
              rule: 'destructive/drop-other',
              category: 'destructive',
              severity,
              objects: [],
              message: `test analyzer: ${canonical.split(' ')[0]!.toUpperCase()} is ${severity === 'critical' ? 'destructive' : 'risky'}`,
            },
          ]
        : [];
      return {
        text: t,
        offset,
        findings,
        readOnly: /^(SELECT|SHOW|DESCRIBE|EXPLAIN)\b/i.test(canonical),
        opaque: false,
        canonical,
        hash: sha256(canonical),
      };
    });
    const canonical = statements.map((s) => s.canonical).join('; ');
    return {
      findings: statements.flatMap((s) => s.findings),
      readOnly: statements.every((s) => s.readOnly),
      opaque: false,
      canonical,
      hash: sha256(canonical),
      statements,
    };
  };
}

/** Denies critical findings, reviews risk findings, allows the rest. */
export const testDecide: Decider = (analysis) => {
  const critical = analysis.findings.filter((f) => f.severity === 'critical');
  if (critical.length > 0) return { action: 'deny', reasons: critical };
  const risky = analysis.findings.filter((f) => f.severity === 'risk');
  if (risky.length > 0) return { action: 'review', reasons: risky };
  return { action: 'allow' };
};
