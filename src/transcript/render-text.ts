import type { TranscriptLine } from './events.js';
import { impactLines, impactOf, type StatementView, statementsOf } from './read.js';
import { plural } from './words.js';

const codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
type Style = keyof typeof codes;

/**
 * A terminal timeline of a transcript in the order it was recorded: session starts and ends,
 * and one block per statement where it started (the block gathers its verdict, approval and result).
 */
export function renderText(lines: TranscriptLine[], opts: { color: boolean }): string {
  const paint = (style: Style, s: string) => (opts.color ? `\x1b[${codes[style]}m${s}\x1b[0m` : s);
  const out: string[] = [];
  const start = lines[0] ? Date.parse(lines[0].ts) : 0;
  const at = (ts: string) => `+${((Date.parse(ts) - start) / 1000).toFixed(3)}s`;
  const block = (s: StatementView) => {
    const verdict =
      s.action === 'deny'
        ? paint('red', 'DENY')
        : s.action === 'review'
          ? paint('yellow', 'REVIEW')
          : paint('green', 'allow');
    const via = s.preparedAs ? `${s.via}, execution of ${s.preparedAs}` : s.via;
    out.push(
      `${at(s.startedAt)} [conn ${s.conn}] ${verdict} ${s.id} (${via}) ${paint('dim', s.hash.slice(0, 12))}`,
    );
    // An execution runs its prepare's text, shown there.
    if (!s.preparedAs) for (const line of s.text.split('\n')) out.push(`    ${line}`);
    if (s.params?.length) out.push(paint('dim', `    params: ${JSON.stringify(s.params)}`));
    for (const f of s.findings)
      out.push(
        `    ${paint(f.severity === 'critical' || f.severity === 'risk' ? 'red' : 'yellow', f.rule)}: ${f.message}`,
      );
    const impact = impactOf(s.impact);
    if (impact) for (const line of impactLines(impact)) out.push(`    impact ${line}`);
    if (s.approval) {
      const who = s.approval.by.length ? ` by ${s.approval.by.join(', ')}` : '';
      const link = s.approval.url ? ` ${s.approval.url}` : '';
      out.push(
        `    approval ${s.approval.requestId}: ${s.approval.outcome}${who} at ${s.approval.decidedAt}${link}`,
      );
    }
    if (s.result) {
      const r = s.result;
      const what = r.error
        ? paint('red', `error ${r.error.code}: ${r.error.message}`)
        : `${r.tag ?? 'ok'}${r.rows !== undefined ? ` (${plural(r.rows, 'row')})` : ''}`;
      out.push(`    → ${what} in ${r.durationMs.toFixed(1)} ms`);
    } else if (s.executions) {
      out.push(`    → prepared: ${plural(s.executions, 'execution')} below`);
    } else {
      out.push(paint('dim', '    → no result recorded (connection ended or job stopped)'));
    }
    if (s.sample) {
      const masked = s.sample.masked.length ? ` (masked: ${s.sample.masked.join(', ')})` : '';
      out.push(paint('dim', `    rows sample${masked}${s.sample.truncated ? ', truncated' : ''}:`));
      out.push(`      ${s.sample.columns.join(' | ')}`);
      for (const row of s.sample.rows)
        out.push(`      ${row.map((v) => (v === null ? 'NULL' : String(v))).join(' | ')}`);
    }
  };
  const statements = new Map(statementsOf(lines).map((s) => [`${s.conn}/${s.id}`, s]));
  for (const l of lines) {
    if (l.type === 'gateway.start')
      out.push(paint('bold', `gateway ${l.dialect} → ${l.upstream} (mode ${l.mode}, ${l.version})`));
    else if (l.type === 'session.start')
      out.push(
        paint('dim', `${at(l.ts)} [conn ${l.conn}] session: ${l.user}@${l.database} from ${l.client}`),
      );
    else if (l.type === 'statement') {
      const key = `${l.conn}/${l.id}`;
      const s = statements.get(key);
      statements.delete(key);
      if (s) block(s);
    } else if (l.type === 'session.end')
      out.push(
        paint(
          'dim',
          `${at(l.ts)} [conn ${l.conn}] session ended: ${l.reason} (${plural(l.statements, 'statement')})`,
        ),
      );
    else if (l.type === 'gateway.stop') out.push(paint('bold', `${at(l.ts)} gateway stopped: ${l.reason}`));
  }
  return `${out.join('\n')}\n`;
}
