// Decodes the parameters of COM_STMT_EXECUTE for the transcript. The layout: command, statement
// id, flags, iteration count, then for n > 0 parameters a NULL bitmap, the new-params-bound
// flag, the types (2 bytes each, only when the flag is set; otherwise the previous execute's
// types apply) and the values in binary protocol encoding.
import { ProtocolError, Reader, STMT_EXECUTE_PARAMS } from './codec.js';

const MAX_TEXT = 1024;

export interface ParamState {
  count: number;
  /** Types from the last execute that bound them (2 bytes per parameter). */
  types?: Buffer;
  /** Parameters whose value arrived through COM_STMT_SEND_LONG_DATA since the last execute. */
  longData: Map<number, number>;
}

/** Cleared when a value is shown other than as bound (hex, cut, long data). */
interface Exactness {
  exact: boolean;
}

function text(b: Buffer, x: Exactness): string {
  const s = b.toString('utf8');
  // Binary values are recorded as hex so that the transcript stays valid, readable JSON.
  const printable = !s.includes('\uFFFD') && !/[\0-\x08\x0e-\x1f]/.test(s);
  const shown = printable ? s : `0x${b.toString('hex')}`;
  if (!printable || shown.length > MAX_TEXT) x.exact = false;
  return shown.length > MAX_TEXT ? `${shown.slice(0, MAX_TEXT)}…(${b.length} bytes)` : shown;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function temporal(r: Reader, type: number): string {
  const len = r.u8();
  const v = new Reader(r.bytes(len));
  if (type === 0x0b) {
    if (len === 0) return '00:00:00';
    const neg = v.u8();
    const days = v.u32();
    const h = v.u8() + days * 24;
    const m = v.u8();
    const s = v.u8();
    const us = len >= 12 ? v.u32() : 0;
    return `${neg ? '-' : ''}${pad(h)}:${pad(m)}:${pad(s)}${us ? `.${pad(us, 6)}` : ''}`;
  }
  if (len === 0) return '0000-00-00';
  const date = `${pad(v.u16(), 4)}-${pad(v.u8())}-${pad(v.u8())}`;
  if (len < 7) return date;
  const time = `${pad(v.u8())}:${pad(v.u8())}:${pad(v.u8())}`;
  const us = len >= 11 ? v.u32() : 0;
  return `${date} ${time}${us ? `.${pad(us, 6)}` : ''}`;
}

function value(r: Reader, type: number, unsigned: boolean, x: Exactness): unknown {
  switch (type) {
    case 0x06:
      return null;
    case 0x01:
      return unsigned ? r.u8() : (r.u8() << 24) >> 24;
    case 0x02:
    case 0x0d: {
      const v = r.u16();
      return unsigned ? v : (v << 16) >> 16;
    }
    case 0x03:
    case 0x09: {
      const v = r.u32();
      return unsigned ? v : v | 0;
    }
    case 0x08: {
      const v = r.u64();
      const n = unsigned ? v : BigInt.asIntN(64, v);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : n.toString();
    }
    case 0x04:
      return r.bytes(4).readFloatLE(0);
    case 0x05:
      return r.bytes(8).readDoubleLE(0);
    case 0x07:
    case 0x0a:
    case 0x0b:
    case 0x0c:
      return temporal(r, type);
    default: {
      const b = r.lenencBytes();
      return b === null ? null : text(b, x);
    }
  }
}

/**
 * Returns the parameter values and updates `state.types`; `exact` is false when a value is
 * shown otherwise than as bound (binary as hex, cut at 1,024 characters, sent as long data).
 * Throws ProtocolError on a packet that does not match the statement's parameter count: such
 * an execute is refused, not forwarded.
 */
export function decodeExecuteParams(
  payload: Buffer,
  state: ParamState,
): { values: unknown[]; exact: boolean } {
  if (payload.length < STMT_EXECUTE_PARAMS) throw new ProtocolError('packet too short');
  const r = new Reader(payload, STMT_EXECUTE_PARAMS);
  const n = state.count;
  const x: Exactness = { exact: true };
  if (n === 0) return { values: [], exact: true };
  const bitmap = r.bytes((n + 7) >> 3);
  const bound = r.u8();
  if (bound === 1) state.types = Buffer.from(r.bytes(2 * n));
  else if (bound !== 0) throw new ProtocolError('invalid new-params-bound flag');
  const types = state.types;
  if (!types) throw new ProtocolError('COM_STMT_EXECUTE without parameter types');
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (bitmap[i >> 3]! & (1 << (i & 7))) out[i] = null;
    else if (state.longData.has(i)) {
      out[i] = `[long data, ${state.longData.get(i)} bytes]`;
      x.exact = false;
    } else out[i] = value(r, types[2 * i]!, (types[2 * i + 1]! & 0x80) !== 0, x);
  }
  return { values: out, exact: x.exact };
}
