// Rewrites MySQL result rows according to a mask plan: text-protocol rows (COM_QUERY) and
// binary-protocol rows (COM_STMT_EXECUTE). Input and output are packet payloads without the
// 4-byte header; the gateway re-frames them (and splits payloads of 16 MiB or more). Everything
// is validated before anything is written; malformed input throws MaskingError.
import { KEEP, type MaskPlan, REPLACE } from './plan.js';
import { MaskingError } from './types.js';

const NULL_VALUE = 0xfb;

/** Reads a length-encoded integer; returns [value, bytes used]. */
function lenenc(buf: Buffer, pos: number): [number, number] {
  const first = buf[pos];
  if (first === undefined) throw new MaskingError('row ends inside a length');
  if (first < 0xfb) return [first, 1];
  const width = first === 0xfc ? 2 : first === 0xfd ? 3 : first === 0xfe ? 8 : 0;
  if (width === 0) throw new MaskingError(`invalid length prefix 0x${first.toString(16)}`);
  if (pos + 1 + width > buf.length) throw new MaskingError('row ends inside a length');
  const value = width === 8 ? Number(buf.readBigUInt64LE(pos + 1)) : buf.readUIntLE(pos + 1, width);
  if (!Number.isSafeInteger(value)) throw new MaskingError('length out of range');
  return [value, 1 + width];
}

function lenencString(bytes: Buffer): Buffer {
  const n = bytes.length;
  let head: Buffer;
  if (n < 0xfb) head = Buffer.from([n]);
  else if (n < 0x10000) head = Buffer.from([0xfc, n & 0xff, n >> 8]);
  else if (n < 0x1000000) head = Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  else throw new MaskingError('replacement too long');
  return Buffer.concat([head, bytes]);
}

const NULL_BYTE = Buffer.from([NULL_VALUE]);

/** Text protocol: each column is a length-encoded string, or 0xFB for NULL. */
export function maskMysqlTextRow(payload: Buffer, plan: MaskPlan): Buffer {
  const n = plan.actions.length;
  const marker = lenencString(plan.replacementBytes);
  const parts: Buffer[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const start = pos;
    if (payload[pos] === NULL_VALUE) pos++;
    else {
      const [len, used] = lenenc(payload, pos);
      pos += used + len;
      if (pos > payload.length) throw new MaskingError(`row ends inside column ${i + 1}`);
    }
    const action = plan.actions[i];
    parts.push(action === KEEP ? payload.subarray(start, pos) : action === REPLACE ? marker : NULL_BYTE);
  }
  if (pos !== payload.length) throw new MaskingError(`row has more than ${n} columns`);
  return plan.masksAny ? Buffer.concat(parts) : payload;
}

/** MySQL column types (protocol constants). */
const LENENC_TYPES = new Set([0, 15, 16, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255]);
const FIXED_WIDTH: Record<number, number> = { 1: 1, 2: 2, 13: 2, 3: 4, 9: 4, 4: 4, 5: 8, 8: 8, 6: 0 };
// DATE, DATETIME, TIMESTAMP, TIME and their variants: one length byte, then that many bytes.
const LENGTH_BYTE_TYPES = new Set([7, 10, 11, 12, 14, 17, 18, 19]);

function binaryValueEnd(payload: Buffer, pos: number, type: number, column: number): number {
  let end: number;
  if (LENENC_TYPES.has(type)) {
    const [len, used] = lenenc(payload, pos);
    end = pos + used + len;
  } else if (LENGTH_BYTE_TYPES.has(type)) {
    const len = payload[pos];
    if (len === undefined) throw new MaskingError(`row ends inside column ${column}`);
    end = pos + 1 + len;
  } else {
    const width = FIXED_WIDTH[type];
    if (width === undefined) throw new MaskingError(`column ${column} has unknown type ${type}`);
    end = pos + width;
  }
  if (end > payload.length) throw new MaskingError(`row ends inside column ${column}`);
  return end;
}

/**
 * Binary protocol: 0x00, a NULL bitmap with a 2-bit offset, then the non-NULL values encoded by
 * column type. A masked column becomes NULL (its bit set, its value dropped), or the marker as a
 * length-encoded string when its type is a string type (REPLACE in the plan).
 */
export function maskMysqlBinaryRow(payload: Buffer, plan: MaskPlan, columnTypes: ArrayLike<number>): Buffer {
  const n = plan.actions.length;
  if (columnTypes.length !== n) throw new MaskingError('column types do not match the mask plan');
  const bitmapLen = (n + 7 + 2) >> 3;
  if (payload.length < 1 + bitmapLen || payload[0] !== 0x00)
    throw new MaskingError('not a binary result row');
  const bitmap = Buffer.from(payload.subarray(1, 1 + bitmapLen));
  const marker = lenencString(plan.replacementBytes);
  const values: Buffer[] = [];
  let pos = 1 + bitmapLen;
  for (let i = 0; i < n; i++) {
    const byte = (i + 2) >> 3;
    const bit = 1 << ((i + 2) & 7);
    const isNull = (bitmap[byte]! & bit) !== 0;
    const start = pos;
    if (!isNull) pos = binaryValueEnd(payload, pos, columnTypes[i]!, i + 1);
    const action = plan.actions[i];
    if (action === KEEP) {
      if (!isNull) values.push(payload.subarray(start, pos));
    } else if (action === REPLACE && LENENC_TYPES.has(columnTypes[i]!)) {
      bitmap[byte] = bitmap[byte]! & ~bit;
      values.push(marker);
    } else {
      bitmap[byte] = bitmap[byte]! | bit;
    }
  }
  if (pos !== payload.length) throw new MaskingError('binary row has bytes after its last column');
  if (!plan.masksAny) return payload;
  return Buffer.concat([payload.subarray(0, 1), bitmap, ...values]);
}
