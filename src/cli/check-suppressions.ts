// `-- guardrail:allow <rule> <reason>` comments in migration files: where they are, which rule
// they name (unknown rules and missing reasons are problems of the check), and which statement
// each applies to (the one on the same line, else the next).
import { locationOf } from '../sql/canonical.js';
import { isRuleId } from '../sql/rules.js';
import type { CheckResult, Located, Suppression } from './check.js';

const SUPPRESSION = /--[ \t]*guardrail:allow\b(.*)$/gm;

export function suppressionsOf(file: string, text: string, problems: CheckResult['problems']): Suppression[] {
  const out: Suppression[] = [];
  for (const m of text.matchAll(SUPPRESSION)) {
    const line = locationOf(text, m.index).line;
    const [rule = '', ...rest] = (m[1] ?? '').trim().split(/\s+/);
    const reason = rest.join(' ').trim();
    if (!rule)
      problems.push({
        file,
        line,
        severity: 'error',
        message: 'guardrail:allow needs a rule id and a reason',
      });
    else if (!isRuleId(rule))
      problems.push({
        file,
        line,
        severity: 'error',
        message: `guardrail:allow names an unknown rule id ${rule}`,
      });
    else if (!reason)
      problems.push({ file, line, severity: 'error', message: `guardrail:allow ${rule} needs a reason` });
    else out.push({ rule, reason, line });
  }
  return out;
}

/** The statement a suppression comment on `s.line` applies to: same line, else the next one. */
export function targetOf(s: Suppression, located: Located[]): Located | undefined {
  return located.find((l) => l.line <= s.line && l.endLine >= s.line) ?? located.find((l) => l.line > s.line);
}
