// Decoding what result masking needs from server messages: RowDescription fields, DataRow
// values for the transcript's sample, and ErrorResponse/NoticeResponse fields rewritten with
// their values redacted. (The COPY statement's format is read by masking/pg-copy-format.ts.)
import { type Masking, MaskingError, type PgField, pgTextLike } from '../../masking/index.js';
import { message, readCString, T } from './codec.js';

/** Never changed once read: a connection hands the same one to every result it describes. */
export interface ResultFields {
  readonly names: readonly string[];
  readonly fields: readonly PgField[];
  /** Per column: 0 text, 1 binary. */
  readonly formats: readonly number[];
}

/** RowDescription body: Int16 count, then per field name, table OID, attnum, type OID, typlen, typmod, format. */
export function readRowDescription(buf: Buffer, start: number, end: number): ResultFields {
  const n = buf.readInt16BE(start + 5);
  let pos = start + 7;
  const out = { names: [] as string[], fields: [] as PgField[], formats: [] as number[] };
  for (let i = 0; i < n; i++) {
    const name = readCString(buf, pos, end);
    if (name.next < 0 || name.next + 18 > end) throw new MaskingError('malformed RowDescription');
    pos = name.next;
    out.names.push(name.value);
    out.fields.push({
      tableOid: buf.readUInt32BE(pos),
      attnum: buf.readInt16BE(pos + 4),
      typeOid: buf.readUInt32BE(pos + 6),
    });
    out.formats.push(buf.readInt16BE(pos + 16));
    pos += 18;
  }
  return out;
}

export function formatOf(formats: readonly number[], i: number): number {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0);
}

const SAMPLE_CHARS = 256;

/** One DataRow as readable values for the transcript (before masking and detectors). */
export function sampleValues(row: Buffer, fields: ResultFields | undefined, n: number): unknown[] {
  const values: unknown[] = [];
  let pos = 7;
  for (let i = 0; i < n; i++) {
    const len = row.readInt32BE(pos);
    pos += 4;
    if (len < 0) {
      values.push(null);
      continue;
    }
    const binary = fields ? formatOf(fields.formats, i) === 1 : false;
    const type = fields?.fields[i]?.typeOid ?? 0;
    values.push(
      binary && !pgTextLike(type) ? binaryValue(row, pos, len, type) : row.toString('utf8', pos, pos + len),
    );
    pos += len;
  }
  return values;
}

function binaryValue(row: Buffer, pos: number, len: number, type: number): unknown {
  if (type === 16 && len === 1) return row[pos] === 1;
  if (type === 21 && len === 2) return row.readInt16BE(pos);
  if (type === 23 && len === 4) return row.readInt32BE(pos);
  if (type === 20 && len === 8) return row.readBigInt64BE(pos).toString();
  return `<binary ${len} bytes>`;
}

/** Cuts sample strings after the detectors have seen them whole. */
export function cutSample(values: unknown[]): unknown[] {
  // In place: every caller passes a row of its own, made for the sample.
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string' && v.length > SAMPLE_CHARS) values[i] = `${v.slice(0, SAMPLE_CHARS)}…`;
  }
  return values;
}

// ErrorResponse/NoticeResponse fields that can quote row values: message, detail, hint, context.
const VALUE_FIELDS = new Set([0x4d, 0x44, 0x48, 0x57]);

/** Rewrites an ErrorResponse or NoticeResponse with its value-bearing fields redacted. */
export function redactFields(buf: Buffer, start: number, end: number, masking: Masking): Buffer {
  const fields: [number, string][] = [];
  let pos = start + 5;
  while (pos < end && buf[pos] !== 0) {
    const { value, next } = readCString(buf, pos + 1, end);
    if (next < 0) throw new MaskingError('malformed error fields');
    fields.push([buf[pos]!, value]);
    pos = next;
  }
  const schema = fields.find(([k]) => k === 0x73)?.[1];
  const table = fields.find(([k]) => k === 0x74)?.[1];
  const ctx = { ...(schema ? { schema } : {}), ...(table ? { table } : {}) };
  const body = Buffer.concat([
    ...fields.map(([k, v]) =>
      Buffer.concat([
        Buffer.from([k]),
        Buffer.from(`${VALUE_FIELDS.has(k) ? masking.redactMessage(v, ctx) : v}\0`),
      ]),
    ),
    Buffer.from([0]),
  ]);
  return message(buf[start]!, body);
}

/** A CopyData message around `data`. */
export function copyData(data: Buffer): Buffer {
  return message(T.copyData, data);
}
