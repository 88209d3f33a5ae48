// Rewrites Postgres result data according to a mask plan: DataRow messages and COPY TO STDOUT
// rows in text and CSV format. Each function validates its input completely before writing and
// throws MaskingError on anything malformed, so the original bytes are never passed on by mistake.
import { KEEP, type MaskPlan, REPLACE } from './plan.js';
import { MaskingError } from './types.js';

const DATA_ROW = 0x44; // 'D'

/** Column boundaries of the row being rewritten, reused across calls (the gateway is single-threaded). */
let bounds = new Int32Array(64);

function reserve(columns: number): Int32Array {
  if (bounds.length < columns * 2) bounds = new Int32Array(Math.max(columns * 2, bounds.length * 2));
  return bounds;
}

/**
 * `msg` is one whole DataRow message: 'D', Int32 length, Int16 column count, then per column an
 * Int32 length (-1 = NULL) and the value bytes. Returns a whole DataRow message; the input itself
 * when the plan masks nothing.
 */
export function maskDataRow(msg: Buffer, plan: MaskPlan): Buffer {
  if (msg.length < 7 || msg[0] !== DATA_ROW) throw new MaskingError('not a DataRow message');
  if (msg.readInt32BE(1) !== msg.length - 1)
    throw new MaskingError('DataRow length does not match its bytes');
  const n = msg.readInt16BE(5);
  if (n !== plan.actions.length) {
    throw new MaskingError(`DataRow has ${n} columns but the mask plan has ${plan.actions.length}`);
  }
  const b = reserve(n);
  const marker = plan.replacementBytes;
  let pos = 7;
  let size = 7;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > msg.length) throw new MaskingError(`DataRow ends inside column ${i + 1}`);
    const len = msg.readInt32BE(pos);
    if (len < -1 || pos + 4 + Math.max(len, 0) > msg.length) {
      throw new MaskingError(`DataRow column ${i + 1} has an invalid length ${len}`);
    }
    b[i * 2] = pos;
    pos += 4 + Math.max(len, 0);
    b[i * 2 + 1] = pos;
    const action = plan.actions[i];
    size += action === KEEP ? pos - b[i * 2]! : action === REPLACE ? 4 + marker.length : 4;
  }
  if (pos !== msg.length) throw new MaskingError('DataRow has bytes after its last column');
  if (!plan.masksAny) return msg;
  const out = Buffer.allocUnsafe(size);
  out[0] = DATA_ROW;
  out.writeInt32BE(size - 1, 1);
  out.writeInt16BE(n, 5);
  let w = 7;
  for (let i = 0; i < n; i++) {
    const action = plan.actions[i];
    if (action === KEEP) {
      w += msg.copy(out, w, b[i * 2]!, b[i * 2 + 1]!);
    } else if (action === REPLACE) {
      w = out.writeInt32BE(marker.length, w);
      w += marker.copy(out, w);
    } else {
      w = out.writeInt32BE(-1, w);
    }
  }
  return out;
}

export interface CopyTextFormat {
  /** One byte; default tab. */
  delimiter?: string;
  /** Default \N. */
  null?: string;
}

function singleByte(what: string, c: string): number {
  const code = Buffer.from(c, 'utf8');
  if (code.length !== 1) throw new MaskingError(`COPY ${what} must be a single one-byte character`);
  return code[0]!;
}

const BACKSLASH = 0x5c;
const NL = 0x0a;
const CR = 0x0d;

/** Escapes the marker the way COPY text format requires. */
function copyTextEscape(marker: string, delimiter: string): Buffer {
  let s = '';
  for (const ch of marker) {
    if (ch === '\\' || ch === delimiter) s += `\\${ch}`;
    else if (ch === '\n') s += '\\n';
    else if (ch === '\r') s += '\\r';
    else s += ch;
  }
  return Buffer.from(s, 'utf8');
}

/**
 * `data` holds one or more whole rows of COPY … TO STDOUT in text format (what CopyData carries;
 * the server sends one row per message). A row that is not complete is an error, not a pass-through.
 */
export function maskCopyText(data: Buffer, plan: MaskPlan, format: CopyTextFormat = {}): Buffer {
  const delimiter = format.delimiter ?? '\t';
  const delim = singleByte('DELIMITER', delimiter);
  const nullBytes = Buffer.from(format.null ?? '\\N', 'utf8');
  const marker = copyTextEscape(plan.replacement, delimiter);
  const parts: Buffer[] = [];
  const n = plan.actions.length;
  let pos = 0;
  while (pos < data.length) {
    let col = 0;
    let start = pos;
    for (;;) {
      if (pos >= data.length) throw new MaskingError('COPY row is not terminated by a newline');
      const c = data[pos]!;
      if (c === BACKSLASH) {
        if (pos + 1 >= data.length) throw new MaskingError('COPY row ends inside an escape');
        pos += 2;
        continue;
      }
      if (c !== delim && c !== NL) {
        pos++;
        continue;
      }
      if (col >= n) throw new MaskingError(`COPY row has more than ${n} columns`);
      const action = plan.actions[col++];
      parts.push(action === KEEP ? data.subarray(start, pos) : action === REPLACE ? marker : nullBytes);
      parts.push(data.subarray(pos, pos + 1));
      pos++;
      start = pos;
      if (c === NL) break;
    }
    if (col !== n) throw new MaskingError(`COPY row has ${col} columns but the mask plan has ${n}`);
  }
  return plan.masksAny ? Buffer.concat(parts) : data;
}

export interface CopyCsvFormat {
  delimiter?: string;
  quote?: string;
  /** Default: the quote character. */
  escape?: string;
  /** Default: the empty unquoted string. */
  null?: string;
}

/** Same contract as maskCopyText, for FORMAT csv; quoted values may span lines. */
export function maskCopyCsv(data: Buffer, plan: MaskPlan, format: CopyCsvFormat = {}): Buffer {
  const delim = singleByte('DELIMITER', format.delimiter ?? ',');
  const quoteChar = format.quote ?? '"';
  const quote = singleByte('QUOTE', quoteChar);
  const escapeChar = format.escape ?? quoteChar;
  const esc = singleByte('ESCAPE', escapeChar);
  const nullBytes = Buffer.from(format.null ?? '', 'utf8');
  const inner = [...plan.replacement].map((ch) =>
    ch === quoteChar || ch === escapeChar ? escapeChar + ch : ch,
  );
  const marker = Buffer.from(`${quoteChar}${inner.join('')}${quoteChar}`, 'utf8');
  const parts: Buffer[] = [];
  const n = plan.actions.length;
  let pos = 0;
  while (pos < data.length) {
    let col = 0;
    let start = pos;
    let quoted = false;
    for (;;) {
      if (pos >= data.length) {
        throw new MaskingError(
          quoted ? 'COPY CSV value is not closed' : 'COPY row is not terminated by a newline',
        );
      }
      const c = data[pos]!;
      if (quoted) {
        if (c === esc && (data[pos + 1] === quote || (esc !== quote && data[pos + 1] === esc))) pos += 2;
        else if (c === quote) {
          quoted = false;
          pos++;
        } else pos++;
        continue;
      }
      if (c === quote) {
        quoted = true;
        pos++;
        continue;
      }
      const lineEnd = c === NL || (c === CR && data[pos + 1] === NL);
      if (c !== delim && !lineEnd) {
        pos++;
        continue;
      }
      if (col >= n) throw new MaskingError(`COPY row has more than ${n} columns`);
      const action = plan.actions[col++];
      parts.push(action === KEEP ? data.subarray(start, pos) : action === REPLACE ? marker : nullBytes);
      const sepLen = c === CR ? 2 : 1;
      parts.push(data.subarray(pos, pos + sepLen));
      pos += sepLen;
      start = pos;
      if (lineEnd) break;
    }
    if (col !== n) throw new MaskingError(`COPY row has ${col} columns but the mask plan has ${n}`);
  }
  return plan.masksAny ? Buffer.concat(parts) : data;
}
