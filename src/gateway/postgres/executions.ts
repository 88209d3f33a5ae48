// Bind: one execution of a prepared statement, with its values. The values are read exactly as
// the server will read them, so that an estimate made with them (Session.execute) counts the
// rows this execution reaches; a value the gateway cannot read exactly is marked so, and an
// execution that needed an estimate is then judged as if its rows were unknown (fail closed).
import type { PostgresSessionState } from '../../sql/postgres/state.js';
import type { Analysis } from '../../sql/types.js';
import { message, readCString, T } from './codec.js';
import { formatOf } from './result-messages.js';

/** Text values longer than this are cut in the transcript (never in the estimate). */
const PARAM_PREVIEW = 1024;

/** Types whose binary form the gateway decodes exactly (pg_type OIDs). */
const BOOL = 16;
const BYTEA = 17;
const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const OID = 26;
const FLOAT8 = 701;
/** text, name, bpchar, varchar: their binary form is the text in the client encoding. */
const TEXTUAL = new Set([25, 19, 1042, 1043]);

export interface Bound {
  portal: string;
  statement: string;
  /** The values as the transcript records them: long text cut, undecodable binary described. */
  shown: unknown[];
  /** The values exactly as the server reads them, or undefined when one of them cannot be read so. */
  exact: unknown[] | undefined;
  /** Result format codes (see bindResultFormats). */
  resultFormats: number[];
  /** Offset of the end of the statement name: the Bind's names are bytes [start + 5, names). */
  names: number;
}

/** The parameter types a Parse declares (0: left to the server), or undefined when malformed. */
export function parseParamTypes(buf: Buffer, pos: number, end: number): number[] | undefined {
  if (pos + 2 > end) return undefined;
  const n = buf.readInt16BE(pos);
  if (n < 0 || pos + 2 + n * 4 > end) return undefined;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(buf.readUInt32BE(pos + 2 + i * 4));
  return out;
}

/**
 * Reads a Bind message; undefined when it is malformed. `statements` give the parameter types
 * their Parse declared, for values bound in binary format.
 */
export function readBind(
  buf: Buffer,
  start: number,
  end: number,
  state: PostgresSessionState,
  statements: ReadonlyMap<string, { paramTypes?: readonly number[] | undefined }>,
): Bound | undefined {
  const portal = readCString(buf, start + 5, end);
  const stmt = portal.next < 0 ? portal : readCString(buf, portal.next, end);
  if (stmt.next < 0) return undefined;
  let p = stmt.next;
  const int16 = () => {
    if (p + 2 > end) throw new RangeError();
    const v = buf.readInt16BE(p);
    p += 2;
    return v;
  };
  try {
    const formats: number[] = [];
    for (let i = int16(); i > 0; i--) formats.push(int16());
    const n = int16();
    const declared = statements.get(stmt.value)?.paramTypes;
    const shown: unknown[] = [];
    const exact: unknown[] = [];
    let isExact = true;
    for (let i = 0; i < n; i++) {
      if (p + 4 > end) return undefined;
      const len = buf.readInt32BE(p);
      p += 4;
      if (len === -1) {
        shown.push(null);
        exact.push(null);
        continue;
      }
      if (len < 0 || p + len > end) return undefined;
      const v = value(buf, p, p + len, formatOf(formats, i), declared?.[i] ?? 0, state);
      p += len;
      shown.push(v.shown);
      if (v.exact === undefined) isExact = false;
      else exact.push(v.exact);
    }
    const resultFormats: number[] = [];
    for (let i = int16(); i > 0; i--) resultFormats.push(int16());
    return {
      portal: portal.value,
      statement: stmt.value,
      shown,
      exact: isExact ? exact : undefined,
      resultFormats,
      names: stmt.next,
    };
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

function value(
  buf: Buffer,
  from: number,
  to: number,
  format: number,
  type: number,
  state: PostgresSessionState,
): { shown: unknown; exact?: unknown } {
  const len = to - from;
  const described = { shown: `[binary ${len} bytes]` };
  if (format === 0 || (format === 1 && TEXTUAL.has(type))) {
    // Text is in the client encoding, as the server converts it.
    const d = state.decode(buf, from, to);
    if (!('text' in d)) return described;
    const shown = d.text.length > PARAM_PREVIEW ? `${d.text.slice(0, PARAM_PREVIEW)}…` : d.text;
    return { shown, exact: d.text };
  }
  if (format !== 1) return described;
  const exact = binary(buf, from, len, type);
  if (exact === undefined) return described;
  return { shown: typeof exact === 'string' ? exact : described.shown, exact };
}

/** A binary value of a type decoded exactly: as its text form (bytea: its bytes). */
function binary(buf: Buffer, at: number, len: number, type: number): string | Buffer | undefined {
  switch (type) {
    case BOOL:
      return len === 1 ? (buf[at] ? 'true' : 'false') : undefined;
    case INT2:
      return len === 2 ? String(buf.readInt16BE(at)) : undefined;
    case INT4:
      return len === 4 ? String(buf.readInt32BE(at)) : undefined;
    case OID:
      return len === 4 ? String(buf.readUInt32BE(at)) : undefined;
    case INT8:
      return len === 8 ? buf.readBigInt64BE(at).toString() : undefined;
    case FLOAT8: {
      if (len !== 8) return undefined;
      const f = buf.readDoubleBE(at);
      // JavaScript's shortest round-trip form reads back as the same double.
      if (Number.isNaN(f)) return 'NaN';
      if (!Number.isFinite(f)) return f > 0 ? 'Infinity' : '-Infinity';
      return Object.is(f, -0) ? '-0' : String(f);
    }
    case BYTEA:
      // Bound in binary on the side connection too: the same bytes.
      return Buffer.from(buf.subarray(at, at + len));
    default:
      return undefined;
  }
}

/**
 * What is sent instead of a refused Bind: one the server rejects before it looks at the
 * statement or the portal (more parameter formats than parameters, an ERROR, not FATAL), so
 * neither changes; the server then skips to Sync, as after any failed Bind.
 */
export function refusedBind(buf: Buffer, start: number, names: number): Buffer {
  const tail = Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  return message(T.bind, Buffer.concat([buf.subarray(start + 5, names), tail]));
}

/** Stands for a SQL PREPARE whose name could not be read: every unknown name may be it. */
const ANY_NAME = '\0';
const PREPARE = /^prepare\s+(?:"((?:[^"]|"")*)"|([^\s("]+))/;

/**
 * Notes the names that SQL PREPARE statements of a forwarded statement create. A Bind of one
 * would run it with values no one judged (SQL EXECUTE of it is judged as opaque), so it is refused.
 */
export function notePrepares(analysis: Analysis, names: Set<string>): void {
  for (const s of analysis.statements) {
    if (!s.canonical.startsWith('prepare')) continue;
    // The canonical text has unquoted names folded to lower case, as the server folds them.
    const m = PREPARE.exec(s.canonical);
    names.add(m ? (m[1]?.replace(/""/g, '"') ?? m[2]!) : ANY_NAME);
  }
}

/** The refusal of a Bind of a statement SQL PREPARE may have made, if it may have. */
export function preparedBySql(names: ReadonlySet<string>, name: string): string | undefined {
  if (name === '' || !(names.has(name) || names.has(ANY_NAME))) return undefined;
  return `guardrail: prepared statement "${name}" was made by SQL PREPARE: run it with EXECUTE, which is judged`;
}
