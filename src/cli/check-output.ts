// What `guardrail check` prints: text (with GitHub workflow commands when run in Actions, so
// findings show on the pull request's lines) or SARIF for code scanning.
import { relative } from 'node:path';

import { actionFor, decide, overrideFor, verdictLevel } from '../policy/decide.js';
import type { Action, Override, Policy } from '../policy/types.js';
import { RULES } from '../sql/rules.js';
import type { Finding } from '../sql/types.js';
import { plural } from '../transcript/words.js';
import type { CheckedStatement, CheckResult } from './check.js';

export const LEVELS: Record<Action, number> = { allow: 0, warn: 1, review: 2, deny: 3 };

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function findingAction(f: Finding, policy: Policy): Action {
  return verdictLevel(decide({ findings: [f] }, policy));
}

function describeOverride(o: Override, policy: Policy): string {
  const where = o.line !== undefined && policy.source ? `${policy.source}:${o.line}` : 'the policy';
  const match = [
    o.rule !== undefined ? `rule ${o.rule}` : '',
    o.category !== undefined ? `category ${o.category}` : '',
    o.objects !== undefined ? `objects ${o.objects.join(', ')}` : '',
  ].filter(Boolean);
  return `override at ${where}${match.length ? ` (${match.join(', ')})` : ''}`;
}

/** For a finding the policy lets through without a word: what let it through. */
function allowedBy(f: Finding, policy: Policy): string | undefined {
  if (actionFor(f, policy) !== 'allow') return undefined;
  const o = overrideFor(f, policy);
  if (o) return describeOverride(o, policy);
  return Object.hasOwn(policy.rules, f.rule) ? `rules.${f.rule}: allow` : `categories.${f.category}: allow`;
}

function position(f: Finding, s: CheckedStatement): { line: number; column: number } {
  return f.location ?? { line: s.line, column: s.column };
}

export function renderText(result: CheckResult, policy: Policy, cwd: string, github: boolean): string {
  const lines: string[] = [];
  for (const s of result.statements) {
    const file = relative(cwd, s.file) || s.file;
    for (const f of s.findings) {
      const { line, column } = position(f, s);
      const allowed = allowedBy(f, policy);
      lines.push(
        `${file}:${line}:${column} ${f.rule}${allowed ? ` allowed by ${allowed}:` : ''} ${f.message}`,
      );
      if (github) {
        const action = findingAction(f, policy);
        const level = allowed ? 'notice' : LEVELS[action] >= LEVELS.review ? 'error' : 'warning';
        lines.push(
          `::${level} file=${escapeProperty(file)},line=${line},col=${column},title=${escapeProperty(f.rule)}::${escapeData(f.message)}`,
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
    if (level !== 'allow') counts[level]++;
  }
  const suppressed = result.statements.reduce((n, s) => n + s.suppressed.length, 0);
  const allowed = result.statements.reduce(
    (n, s) => n + s.findings.filter((f) => allowedBy(f, policy) !== undefined).length,
    0,
  );
  lines.push(
    `${plural(result.files.length, 'file')}, ${plural(result.statements.length, 'statement')}: ${counts.deny} denied, ${counts.review} need review, ${counts.warn} with warnings, ${plural(allowed, 'finding')} allowed by the policy, ${plural(suppressed, 'finding')} suppressed`,
  );
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Action, 'error' | 'warning' | 'note'> = {
  deny: 'error',
  review: 'error',
  warn: 'warning',
  allow: 'note',
};

export function toSarif(result: CheckResult, policy: Policy, cwd: string): unknown {
  const used = [
    ...new Set(result.statements.flatMap((s) => [...s.findings, ...s.suppressed].map((f) => f.rule))),
  ].sort();
  const ruleIndex = new Map(used.map((id, i) => [id, i]));
  const results = result.statements.flatMap((s) =>
    [
      ...s.findings.map((f) => ({ f, reason: undefined as string | undefined })),
      ...s.suppressed.map((f) => ({ f, reason: f.reason })),
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
              artifactLocation: { uri: (relative(cwd, s.file) || s.file).split('\\').join('/') },
              region: { startLine: line, startColumn: column },
            },
          },
        ],
        partialFingerprints: { statementHash: s.hash },
        ...(reason !== undefined ? { suppressions: [{ kind: 'inSource', justification: reason }] } : {}),
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'guardrail',
            informationUri: 'https://github.com/guardrail-action/guardrail-action',
            rules: used.map((id) => {
              const info = RULES[id as keyof typeof RULES];
              return {
                id,
                name: id,
                shortDescription: { text: info?.title ?? id },
                helpUri: `https://github.com/guardrail-action/guardrail-action/blob/main/docs/rules.md#${id.replace('/', '')}`,
                properties: { category: info?.category, severity: info?.severity },
              };
            }),
          },
        },
        results,
      },
    ],
  };
}
