// Bind: one execution of a prepared statement, with its values. The values are read exactly as
// the server will read them, so that an estimate made with them (Session.execute) counts the
// rows this execution reaches; a value the gateway cannot read exactly is marked so, and an
// execution that needed an estimate is then judged as if its rows were unknown (fail closed).
import type { PostgresSessionState } from '../../sql/postgres/state.js';
import type { Analysis } from '../../sql/types.js';
import { readBind as readBindMessage } from './codec.js';
import { formatOf } from './result-messages.js';
import { BOOL, BYTEA, FLOAT8, INT2, INT4, INT8, OID, TEXTUAL } from './type-oids.js';

/** Text values longer than this are cut in the transcript (never in the estimate). */
const PARAM_PREVIEW = 1024;

/** text, name, bpchar, varchar: their binary form is the text in the client encoding. */

export interface Bound {
  portal: string;
  statement: string;
  /** The values as the transcript records them: long text cut, undecodable binary described. */
  shown: unknown[];
  /** The values exactly as the server reads them, or undefined when one of them cannot be read so. */
  exact: unknown[] | undefined;
  /** Result format codes: none (all text), one (for all) or one per column. */
  resultFormats: number[];
  /** Offset of the end of the statement name: the Bind's names are bytes [start + 5, names). */
  names: number;
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
  const m = readBindMessage(buf, start, end);
  if (!m) return undefined;
  const declared = statements.get(m.statement)?.paramTypes;
  const shown: unknown[] = [];
  const exact: unknown[] = [];
  let isExact = true;
  for (let i = 0; i < m.values.length; i++) {
    const { at, len } = m.values[i]!;
    if (len === -1) {
      shown.push(null);
      exact.push(null);
      continue;
    }
    const v = value(buf, at, at + len, formatOf(m.formats, i), declared?.[i] ?? 0, state);
    shown.push(v.shown);
    if (v.exact === undefined) isExact = false;
    else exact.push(v.exact);
  }
  return {
    portal: m.portal,
    statement: m.statement,
    shown,
    exact: isExact ? exact : undefined,
    resultFormats: m.resultFormats,
    names: m.names,
  };
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
