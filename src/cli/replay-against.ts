// `guardrail replay FILE --against URL`: runs the statements a transcript says were forwarded,
// in the order they were released, one scratch connection per recorded connection, and reports
// where the scratch database answers differently (rows affected, errors). Statements whose text
// or parameters were masked or redacted are reported as not reproducible and never run: a
// replay with guessed values would prove nothing.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { GuardrailError } from '../errors/guardrail-error.js';
import type { TranscriptLine } from '../transcript/events.js';

/** What a statement did: rows affected or returned, the command tag, or the error. */
export interface Observed {
  tag?: string;
  rows?: number;
  error?: { code: string; message: string };
}

export type ReplayStatus = 'same' | 'diverged' | 'not-reproducible';

export interface ReplayOutcome {
  conn: number;
  id: string;
  text: string;
  status: ReplayStatus;
  recorded?: Observed;
  replayed?: Observed;
  /** Why it diverged or could not be reproduced. */
  detail?: string;
}

export interface ReplayReport {
  outcomes: ReplayOutcome[];
  /** Statements the gateway refused (denied, not approved): not run, as they never ran. */
  refused: number;
  divergences: number;
}

interface Planned {
  conn: number;
  id: string;
  text: string;
  via: string;
  params?: unknown[];
  recorded?: Observed;
  /** The sequence number of the event that let it through: its place in the replay. */
  releasedAt: number;
}

// What the masking and redaction code writes in place of a value (src/masking): the default
// masking replacement, secret/detector redaction, and the placeholders for unrecordable params.
const REDACTION = /\[masked\]|\[redacted(?::[^\]]*)?\]|\[param\]|\[binary \d+ bytes\]/;

/** The forwarded statements, in the order the gateway released them to the database. */
export function plan(lines: TranscriptLine[]): { planned: Planned[]; refused: number } {
  const byKey = new Map<string, Planned & { forwarded: boolean }>();
  const executed = new Set<Planned>();
  const key = (conn: number, id: string) => `${conn}/${id}`;
  for (const l of lines) {
    if (l.type === 'statement') {
      // An execution of a prepared statement was judged with its prepare: it runs when that ran.
      const parent = l.preparedAs ? byKey.get(key(l.conn, l.preparedAs)) : undefined;
      if (parent) executed.add(parent);
      byKey.set(key(l.conn, l.id), {
        conn: l.conn,
        id: l.id,
        text: l.text,
        via: l.via,
        ...(l.params ? { params: l.params } : {}),
        releasedAt: parent?.forwarded ? l.seq : Number.POSITIVE_INFINITY,
        forwarded: parent?.forwarded ?? false,
      });
      continue;
    }
    if (!('id' in l)) continue;
    const s = byKey.get(key(l.conn, l.id));
    if (!s) continue;
    if (l.type === 'verdict' && (l.action === 'allow' || !l.enforced)) {
      s.forwarded = true;
      s.releasedAt = l.seq;
    } else if (l.type === 'verdict') {
      // An execution held on its own values: its prepare's verdict no longer lets it through.
      s.forwarded = false;
      s.releasedAt = Number.POSITIVE_INFINITY;
    } else if (l.type === 'approval.decided' && l.outcome === 'approved') {
      s.forwarded = true;
      s.releasedAt = l.seq;
    } else if (l.type === 'result') {
      s.recorded = {
        ...(l.tag !== undefined ? { tag: l.tag } : {}),
        ...(l.rows !== undefined ? { rows: l.rows } : {}),
        ...(l.error ? { error: l.error } : {}),
      };
    }
  }
  // A prepare whose executions were recorded is replayed through them (they carry the parameters).
  const all = [...byKey.values()].filter((s) => !executed.has(s));
  const planned = all
    .filter((s) => s.forwarded)
    .sort((a, b) => a.releasedAt - b.releasedAt)
    .map(({ forwarded: _, ...s }) => s);
  return { planned, refused: all.length - planned.length };
}

/** Why a statement cannot be replayed faithfully, if it cannot. */
export function notReproducible(s: Pick<Planned, 'text' | 'params' | 'via'>): string | undefined {
  if (REDACTION.test(s.text)) return 'the recorded text contains a masked or redacted value';
  if (s.params?.some((p) => typeof p === 'string' && REDACTION.test(p)))
    return 'a recorded parameter is masked or redacted';
  if (s.via === 'copy') return 'COPY data is not recorded';
  if (s.via === 'fast-path' && s.params?.length)
    return "a fast-path call's binary or bytea arguments are recorded by their length only";
  return undefined;
}

/** A command tag's trailing count (`UPDATE 3`, `INSERT 0 5`), for transcripts that kept only the tag. */
function tagRows(tag: string | undefined): number | undefined {
  const m = tag?.match(/^(?:INSERT \d+|UPDATE|DELETE|SELECT|MERGE|COPY|FETCH|MOVE) (\d+)$/);
  return m ? Number(m[1]) : undefined;
}

/** Where `replayed` differs from `recorded`, in words; undefined when they agree. */
export function difference(recorded: Observed | undefined, replayed: Observed): string | undefined {
  if (!recorded) return undefined;
  const rec = recorded.error;
  const now = replayed.error;
  if (rec || now) {
    if (rec && now && rec.code === now.code) return undefined;
    const show = (e: Observed['error']) => (e ? `error ${e.code}` : 'no error');
    return `recorded ${show(rec)}, replayed ${show(now)}${now ? ` (${now.message})` : ''}`;
  }
  const a = recorded.rows ?? tagRows(recorded.tag);
  const b = replayed.rows ?? tagRows(replayed.tag);
  if (a !== undefined && b !== undefined && a !== b) return `rows: recorded ${a}, replayed ${b}`;
  return undefined;
}

interface ScratchConnection {
  run(s: Planned): Promise<Observed>;
  close(): Promise<void>;
}

const LOCK_WAIT_S = 5;

async function postgresConnection(url: string): Promise<ScratchConnection> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Sequential replay cannot wait for another recorded connection to release a lock.
  await client.query(`SET lock_timeout = '${LOCK_WAIT_S}s'`);
  client.on('error', () => {}); // reported through the failing query
  return {
    async run(s) {
      try {
        const r = (await client.query(s.text, s.params?.length ? s.params : undefined)) as
          | pg.QueryResult
          | pg.QueryResult[];
        // Several statements in one string give one result each: the last one is compared.
        const last = Array.isArray(r) ? r.at(-1) : r;
        if (!last) return {};
        const rows = last.rowCount ?? undefined;
        const tag = last.command
          ? [
              last.command,
              ...(last.command === 'INSERT' ? ['0'] : []),
              ...(rows !== undefined ? [rows] : []),
            ].join(' ')
          : undefined;
        return { ...(tag ? { tag } : {}), ...(rows !== undefined ? { rows } : {}) };
      } catch (err) {
        const e = err as { code?: string; message: string };
        return { error: { code: String(e.code ?? 'unknown'), message: e.message } };
      }
    },
    close: () => client.end(),
  };
}

async function mysqlConnection(url: string): Promise<ScratchConnection> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true });
  await conn.query(
    `SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_S}, lock_wait_timeout = ${LOCK_WAIT_S}`,
  );
  conn.on('error', () => {}); // reported through the failing query
  return {
    async run(s) {
      try {
        const [r] =
          s.via === 'prepared' || s.params?.length
            ? await conn.execute(s.text, (s.params ?? []) as never[])
            : await conn.query(s.text);
        // Several statements in one string give one result each: the last one is compared.
        const multi =
          Array.isArray(r) && r.some((x) => Array.isArray(x) || x?.constructor?.name === 'ResultSetHeader');
        const last: unknown = multi ? (r as unknown[]).at(-1) : r;
        // The gateway records rows returned when there are any, else rows affected.
        if (Array.isArray(last) && last.length > 0) return { rows: last.length };
        return { rows: Number((last as { affectedRows?: number }).affectedRows ?? 0) };
      } catch (err) {
        const e = err as { sqlState?: string; code?: string; message: string };
        return { error: { code: String(e.sqlState ?? e.code ?? 'unknown'), message: e.message } };
      }
    },
    close: () => conn.end(),
  };
}

function connector(url: string): (url: string) => Promise<ScratchConnection> {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return postgresConnection;
  if (scheme === 'mysql' || scheme === 'mariadb') return mysqlConnection;
  throw new GuardrailError(`--against needs a postgres:// or mysql:// URL, not ${scheme || 'this'}`, {
    code: 'ERR_REPLAY_TARGET',
  });
}

/** Replays the forwarded statements of `lines` on the database at `url`. */
export async function replayAgainst(lines: TranscriptLine[], url: string): Promise<ReplayReport> {
  const open = connector(url);
  const dialect = lines.find((l) => l.type === 'gateway.start');
  const wanted = open === postgresConnection ? 'postgres' : 'mysql';
  if (dialect?.type === 'gateway.start' && dialect.dialect !== wanted)
    throw new GuardrailError(
      `the transcript is of a ${dialect.dialect} session; --against is a ${wanted} URL`,
      { code: 'ERR_REPLAY_TARGET' },
    );
  const { planned, refused } = plan(lines);
  const conns = new Map<number, ScratchConnection>();
  const outcomes: ReplayOutcome[] = [];
  try {
    for (const s of planned) {
      const base = { conn: s.conn, id: s.id, text: s.text, ...(s.recorded ? { recorded: s.recorded } : {}) };
      const why = notReproducible(s);
      if (why) {
        outcomes.push({ ...base, status: 'not-reproducible', detail: why });
        continue;
      }
      let c = conns.get(s.conn);
      if (!c) {
        c = await open(url);
        conns.set(s.conn, c);
      }
      const replayed = await c.run(s);
      const diff = difference(s.recorded, replayed);
      outcomes.push({
        ...base,
        replayed,
        status: diff ? 'diverged' : 'same',
        ...(diff ? { detail: diff } : s.recorded ? {} : { detail: 'no result was recorded' }),
      });
    }
  } finally {
    await Promise.allSettled([...conns.values()].map((c) => c.close()));
  }
  return { outcomes, refused, divergences: outcomes.filter((o) => o.status === 'diverged').length };
}

/** The database URL without its password, for output. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function formatReport(r: ReplayReport): string {
  const out: string[] = [];
  const oneLine = (t: string) =>
    t.length > 100 ? `${t.slice(0, 97).replace(/\s+/g, ' ')}...` : t.replace(/\s+/g, ' ');
  for (const o of r.outcomes) {
    if (o.status === 'diverged')
      out.push(`DIVERGED conn ${o.conn} ${o.id}: ${o.detail}\n    ${oneLine(o.text)}`);
    if (o.status === 'not-reproducible')
      out.push(`NOT REPRODUCIBLE conn ${o.conn} ${o.id}: ${o.detail}\n    ${oneLine(o.text)}`);
  }
  const count = (s: ReplayStatus) => r.outcomes.filter((o) => o.status === s).length;
  out.push(
    `${r.outcomes.length - count('not-reproducible')} replayed, ${count('same')} as recorded, ${r.divergences} diverged, ${count('not-reproducible')} not reproducible, ${r.refused} refused by the gateway (not run)`,
  );
  return `${out.join('\n')}\n`;
}

/** The CLI entry: 0 when nothing diverged, 1 otherwise. */
export async function replayCommand(lines: TranscriptLine[], url: string, file: string): Promise<number> {
  console.log(`replaying ${file} against ${displayUrl(url)}`);
  const report = await replayAgainst(lines, url);
  process.stdout.write(formatReport(report));
  return report.divergences === 0 ? 0 : 1;
}
