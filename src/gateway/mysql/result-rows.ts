// Decodes what the masking needs from a result set: the column definitions (origin, type,
// charset) and, for the transcript's sample only, the values of the first rows in the text and
// the binary protocol. Rows past the sample are never decoded here.
import { ProtocolError, Reader } from './codec.js';

export interface ColumnDef {
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  charset: number;
  type: number;
  flags: number;
  /** MariaDB extended metadata: the type's own name (uuid, inet4, inet6, point …). */
  typeName?: string;
  /** MariaDB extended metadata: the value's format (json). */
  format?: string;
}

const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;

/** The extended metadata field: entries of a key byte and a length-encoded value. */
function extendedFields(bytes: Buffer): Pick<ColumnDef, 'typeName' | 'format'> {
  const r = new Reader(bytes);
  const out: Pick<ColumnDef, 'typeName' | 'format'> = {};
  while (r.remaining > 0) {
    const key = r.u8();
    const value = r.lenencString() ?? '';
    if (key === 0) out.typeName = value;
    else if (key === 1) out.format = value;
  }
  return out;
}

/**
 * Protocol::ColumnDefinition41; with `extended` (MariaDB's extended metadata negotiated on the
 * connection) a length-encoded metadata field follows the names.
 */
export function parseColumnDef(payload: Buffer, extended: boolean): ColumnDef {
  const r = new Reader(payload);
  r.lenencString(); // catalog, always "def"
  const schema = r.lenencString() ?? '';
  const table = r.lenencString() ?? '';
  const orgTable = r.lenencString() ?? '';
  const name = r.lenencString() ?? '';
  const orgName = r.lenencString() ?? '';
  const metadata = extended ? extendedFields(r.lenencBytes() ?? Buffer.alloc(0)) : {};
  if (r.lenenc() !== 0x0c) throw new ProtocolError(`column ${name} has no fixed-length fields`);
  const charset = r.u16();
  r.u32(); // column length
  const type = r.u8();
  const flags = r.u16();
  return { schema, table, orgTable, name, orgName, charset, type, flags, ...metadata };
}

// VARCHAR, ENUM, SET, TINY/MEDIUM/LONG/BLOB, VAR_STRING, STRING, GEOMETRY: bytes in both protocols.
const STRING_TYPES = new Set([15, 247, 248, 249, 250, 251, 252, 253, 254, 255]);
// Also length-encoded in binary rows: DECIMAL, JSON, NEWDECIMAL (ASCII digits or JSON text).
const LENENC_TYPES = new Set([0, 245, 246, ...STRING_TYPES]);

/** A value for the sample: text as bytes (the detectors judge whether it is text), or a summary. */
function bytesValue(col: ColumnDef, bytes: Buffer): unknown {
  if (STRING_TYPES.has(col.type) && col.charset === BINARY_CHARSET) return `[binary ${bytes.length} bytes]`;
  return bytes;
}

export function sampleTextRow(payload: Buffer, cols: readonly ColumnDef[]): unknown[] {
  const r = new Reader(payload);
  const out = cols.map((c) => {
    const b = r.lenencBytes();
    return b === null ? null : bytesValue(c, b);
  });
  if (r.remaining !== 0) throw new ProtocolError('text row has more values than columns');
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function dateValue(r: Reader, type: number): string {
  const len = r.u8();
  const d = new Reader(r.bytes(len));
  if (type === 11) {
    // TIME: sign, days, hours, minutes, seconds, microseconds.
    if (len === 0) return '00:00:00';
    const neg = d.u8() === 1;
    const hours = d.u32() * 24 + d.u8();
    const t = `${neg ? '-' : ''}${pad(hours)}:${pad(d.u8())}:${pad(d.u8())}`;
    return len >= 12 ? `${t}.${pad(d.u32(), 6)}` : t;
  }
  if (len === 0) return '0000-00-00';
  const date = `${pad(d.u16(), 4)}-${pad(d.u8())}-${pad(d.u8())}`;
  if (len < 7) return date;
  const time = `${date} ${pad(d.u8())}:${pad(d.u8())}:${pad(d.u8())}`;
  return len >= 11 ? `${time}.${pad(d.u32(), 6)}` : time;
}

function binaryValue(r: Reader, col: ColumnDef): unknown {
  const unsigned = (col.flags & UNSIGNED_FLAG) !== 0;
  const t = col.type;
  if (LENENC_TYPES.has(t)) return bytesValue(col, r.lenencBytes() ?? Buffer.alloc(0));
  switch (t) {
    case 1: {
      const v = r.u8();
      return unsigned ? v : (v << 24) >> 24;
    }
    case 2:
    case 13: {
      const v = r.u16();
      return unsigned ? v : (v << 16) >> 16;
    }
    case 3:
    case 9: {
      const v = r.u32();
      return unsigned ? v : v | 0;
    }
    case 8: {
      const v = r.u64();
      return unsigned ? v : BigInt.asIntN(64, v);
    }
    case 4:
      return r.bytes(4).readFloatLE(0);
    case 5:
      return r.bytes(8).readDoubleLE(0);
    case 6:
      return null;
    case 7:
    case 10:
    case 11:
    case 12:
    case 14:
    case 17:
    case 18:
    case 19:
      return dateValue(r, t === 19 ? 11 : t);
    default:
      throw new ProtocolError(`column ${col.name} has unknown type ${t}`);
  }
}

/** Binary protocol row: 0x00, a NULL bitmap offset by two bits, then the non-NULL values. */
export function sampleBinaryRow(payload: Buffer, cols: readonly ColumnDef[]): unknown[] {
  const r = new Reader(payload);
  if (r.u8() !== 0x00) throw new ProtocolError('not a binary result row');
  const bitmap = r.bytes((cols.length + 9) >> 3);
  const out = cols.map((c, i) => {
    const bit = i + 2;
    return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0 ? null : binaryValue(r, c);
  });
  if (r.remaining !== 0) throw new ProtocolError('binary row has bytes after its last column');
  return out;
}
