import type { TranscriptLine } from './events.js';

/**
 * Parses transcript text into lines. A partial last line (a job killed mid-write) is dropped
 * and reported rather than failing the whole read: the rest is still evidence.
 */
export function readTranscript(text: string): { lines: TranscriptLine[]; partialTail: boolean } {
  const raw = text.split('\n');
  if (raw.at(-1) === '') raw.pop();
  const lines: TranscriptLine[] = [];
  for (const [i, line] of raw.entries()) {
    try {
      lines.push(JSON.parse(line) as TranscriptLine);
    } catch (err) {
      if (i === raw.length - 1) return { lines, partialTail: true };
      throw new Error(`line ${i + 1} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return { lines, partialTail: false };
}

export interface StatementView {
  conn: number;
  id: string;
  text: string;
  via: string;
  hash: string;
  startedAt: string;
  action?: 'allow' | 'review' | 'deny';
  rules: string[];
  findings: { rule: string; severity: string; message: string }[];
  approval?: {
    requestId: string;
    outcome: string;
    by: string[];
    url?: string;
    reason?: string;
    decidedAt: string;
  };
  result?: {
    tag?: string;
    rows?: number;
    durationMs: number;
    error?: { code: string; message: string };
    endedAt: string;
  };
  sample?: { columns: string[]; rows: unknown[][]; masked: string[]; truncated: boolean };
  impact?: Record<string, unknown>;
  params?: unknown[];
}

/** Folds the event stream into one record per statement, in the order statements started. */
export function statementsOf(lines: TranscriptLine[]): StatementView[] {
  const byKey = new Map<string, StatementView>();
  const key = (conn: number, id: string) => `${conn}/${id}`;
  for (const l of lines) {
    if (l.type === 'statement') {
      byKey.set(key(l.conn, l.id), {
        conn: l.conn,
        id: l.id,
        text: l.text,
        via: l.via,
        hash: l.hash,
        startedAt: l.ts,
        rules: [],
        findings: [],
        ...(l.params ? { params: l.params } : {}),
      });
      continue;
    }
    if (!('id' in l)) continue;
    const s = byKey.get(key(l.conn, l.id));
    if (!s) continue;
    switch (l.type) {
      case 'verdict':
        s.action = l.action;
        s.rules = l.rules;
        s.findings = l.findings;
        break;
      case 'approval.decided':
        s.approval = {
          requestId: l.requestId,
          outcome: l.outcome,
          by: l.by,
          decidedAt: l.ts,
          ...(l.url ? { url: l.url } : {}),
          ...(l.reason ? { reason: l.reason } : {}),
        };
        break;
      case 'result':
        s.result = {
          durationMs: l.durationMs,
          endedAt: l.ts,
          ...(l.tag !== undefined ? { tag: l.tag } : {}),
          ...(l.rows !== undefined ? { rows: l.rows } : {}),
          ...(l.error ? { error: l.error } : {}),
        };
        break;
      case 'rows':
        s.sample = { columns: l.columns, rows: l.sample, masked: l.masked, truncated: l.truncated };
        break;
      case 'impact':
        s.impact = l.estimate;
        break;
    }
  }
  return [...byKey.values()];
}
