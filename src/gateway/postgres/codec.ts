// Postgres v3 message encoding: builders for the few messages the gateway writes itself, and
// readers for the few it must look inside. Everything else is forwarded as the original bytes.

export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** Message type bytes, named for readability where they are acted on. */
export const T = {
  query: 0x51, // Q
  parse: 0x50, // P
  bind: 0x42, // B
  execute: 0x45, // E (frontend)
  describe: 0x44, // D (frontend)
  close: 0x43, // C (frontend)
  flush: 0x48, // H (frontend)
  sync: 0x53, // S (frontend)
  terminate: 0x58, // X
  functionCall: 0x46, // F
  functionCallResponse: 0x56, // V
  copyData: 0x64, // d
  copyDone: 0x63, // c
  copyOutResponse: 0x48, // H (backend)
  copyInResponse: 0x47, // G
  copyFail: 0x66, // f
  password: 0x70, // p
  auth: 0x52, // R
  parameterStatus: 0x53, // S (backend)
  backendKey: 0x4b, // K
  ready: 0x5a, // Z
  error: 0x45, // E (backend)
  notice: 0x4e, // N
  commandComplete: 0x43, // C (backend)
  emptyQuery: 0x49, // I
  portalSuspended: 0x73, // s
  parseComplete: 0x31, // 1
  bindComplete: 0x32, // 2
  closeComplete: 0x33, // 3
  noData: 0x6e, // n
  rowDescription: 0x54, // T
  dataRow: 0x44, // D (backend)
  negotiate: 0x76, // v
} as const;

/** A typed message around `body`. */
export function message(type: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type;
  out.writeInt32BE(body.length + 4, 1);
  body.copy(out, 5);
  return out;
}

function cstr(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n, 0);
  return b;
}

export interface ErrorFields {
  severity: string;
  code: string;
  message: string;
  detail?: string;
}

/** `position`: 1-based character position of the error in the statement (the server's P field). */
export function errorResponse(code: string, text: string, severity = 'ERROR', position?: string): Buffer {
  return fieldsMessage(T.error, code, text, severity, position);
}

export function noticeResponse(code: string, text: string, severity = 'NOTICE'): Buffer {
  return fieldsMessage(T.notice, code, text, severity);
}

export function commandComplete(tag: string): Buffer {
  return message(T.commandComplete, cstr(tag));
}

function fieldsMessage(
  type: number,
  code: string,
  text: string,
  severity: string,
  position?: string,
): Buffer {
  return message(
    type,
    Buffer.concat([
      cstr(`S${severity}`),
      cstr(`V${severity}`),
      cstr(`C${code}`),
      cstr(`M${text}`),
      ...(position ? [cstr(`P${position}`)] : []),
      Buffer.from([0]),
    ]),
  );
}

export function readyForQuery(status: number): Buffer {
  return message(T.ready, Buffer.from([status]));
}

export function authRequest(code: number, extra: Buffer = Buffer.alloc(0)): Buffer {
  return message(T.auth, Buffer.concat([int32(code), extra]));
}

export function backendKeyData(pid: number, secret: number): Buffer {
  return message(T.backendKey, Buffer.concat([int32(pid), int32(secret)]));
}

export function negotiateProtocolVersion(minor: number, unrecognized: string[]): Buffer {
  return message(
    T.negotiate,
    Buffer.concat([int32(PROTOCOL_3_0 + minor), int32(unrecognized.length), ...unrecognized.map(cstr)]),
  );
}

/** Sent in a refused statement's place: the server fails to parse it and so runs nothing. */
export const FAILING_SQL = 'guardrail refused this statement';

export function queryMessage(text: string): Buffer {
  return message(T.query, cstr(text));
}

export function parseMessage(name: string, text: string): Buffer {
  return message(T.parse, Buffer.concat([cstr(name), cstr(text), int16(0)]));
}

export function passwordMessage(data: Buffer | string): Buffer {
  return message(T.password, typeof data === 'string' ? cstr(data) : data);
}

export function saslInitialResponse(mechanism: string, data: Buffer): Buffer {
  return message(T.password, Buffer.concat([cstr(mechanism), int32(data.length), data]));
}

export const terminateMessage = Buffer.from([T.terminate, 0, 0, 0, 4]);

/** Startup-phase packets have no type byte. */
function packet(body: Buffer): Buffer {
  return Buffer.concat([int32(body.length + 4), body]);
}

export function sslRequest(): Buffer {
  return packet(int32(SSL_REQUEST));
}

export function cancelRequest(pid: number, secret: number): Buffer {
  return packet(Buffer.concat([int32(CANCEL_REQUEST), int32(pid), int32(secret)]));
}

export function startupMessage(params: Record<string, string>): Buffer {
  const parts = [int32(PROTOCOL_3_0)];
  for (const [k, v] of Object.entries(params)) parts.push(cstr(k), cstr(v));
  parts.push(Buffer.from([0]));
  return packet(Buffer.concat(parts));
}

/** Reads a NUL-terminated string; `next` is the offset after the NUL, or -1 if there is none before `end`. */
export function readCString(buf: Buffer, pos: number, end: number): { value: string; next: number } {
  const nul = buf.indexOf(0, pos);
  if (nul < 0 || nul >= end) return { value: '', next: -1 };
  return { value: buf.toString('utf8', pos, nul), next: nul + 1 };
}

/** Decodes ErrorResponse / NoticeResponse fields (body from `start` to `end`). */
export function readErrorFields(buf: Buffer, start: number, end: number): ErrorFields {
  const fields: ErrorFields = { severity: '', code: '', message: '' };
  let pos = start;
  while (pos < end && buf[pos] !== 0) {
    const key = buf[pos]!;
    const { value, next } = readCString(buf, pos + 1, end);
    if (next < 0) break;
    if (key === 0x56 || (key === 0x53 && !fields.severity))
      fields.severity = value; // V, S
    else if (key === 0x43)
      fields.code = value; // C
    else if (key === 0x4d)
      fields.message = value; // M
    else if (key === 0x44) fields.detail = value; // D
    pos = next;
  }
  return fields;
}

/** Row count of a CommandComplete tag such as `INSERT 0 5`, `SELECT 3`, `COPY 10`. */
export function rowsOfTag(tag: string): number | undefined {
  const space = tag.lastIndexOf(' ');
  if (space < 0) return undefined;
  const n = Number(tag.slice(space + 1));
  return Number.isInteger(n) ? n : undefined;
}

/** A fast-path FunctionCall: `args` are slices of the message (null for SQL NULL), not copies. */
export interface FunctionCall {
  oid: number;
  /** Format of each argument: 0 text, 1 binary. */
  formats: number[];
  args: (Buffer | null)[];
  resultFormat: number;
}

/** Decodes a FunctionCall message [start, end); undefined when it is malformed. */
export function readFunctionCall(buf: Buffer, start: number, end: number): FunctionCall | undefined {
  let p = start + 5;
  const need = (n: number) => p + n <= end;
  if (!need(6)) return undefined;
  const oid = buf.readUInt32BE(p);
  const nFormats = buf.readInt16BE(p + 4);
  p += 6;
  if (nFormats < 0 || !need(2 * nFormats + 2)) return undefined;
  const codes: number[] = [];
  for (let i = 0; i < nFormats; i++, p += 2) codes.push(buf.readInt16BE(p));
  const nArgs = buf.readInt16BE(p);
  p += 2;
  // No codes: all text; one code: it applies to every argument; else one per argument.
  if (nArgs < 0 || (nFormats > 1 && nFormats !== nArgs)) return undefined;
  const formats: number[] = [];
  const args: (Buffer | null)[] = [];
  for (let i = 0; i < nArgs; i++) {
    if (!need(4)) return undefined;
    const len = buf.readInt32BE(p);
    p += 4;
    formats.push(nFormats === 0 ? 0 : (codes[nFormats === 1 ? 0 : i] ?? 0));
    if (len === -1) {
      args.push(null);
      continue;
    }
    if (len < 0 || !need(len)) return undefined;
    args.push(buf.subarray(p, p + len));
    p += len;
  }
  if (p + 2 !== end) return undefined;
  const resultFormat = buf.readInt16BE(p);
  if (formats.some((f) => f !== 0 && f !== 1) || (resultFormat !== 0 && resultFormat !== 1)) return undefined;
  return { oid, formats, args, resultFormat };
}

/** The value of a FunctionCallResponse [start, end): null for SQL NULL, undefined when malformed. */
export function readFunctionResult(buf: Buffer, start: number, end: number): Buffer | null | undefined {
  if (start + 9 > end) return undefined;
  const len = buf.readInt32BE(start + 5);
  if (len === -1) return null;
  if (len < 0 || start + 9 + len !== end) return undefined;
  return buf.subarray(start + 9, end);
}
