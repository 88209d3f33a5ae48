// Postgres v3 message encoding: builders for the few messages the gateway writes itself, and
// readers for the messages it must look inside. Everything else is forwarded as the original
// bytes. This is the one place that knows message layouts: a reader takes a whole message
// [start, end) (type byte and length included), decodes only the fields it names, and returns
// undefined when the message is malformed; it never throws.

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

/** A start-up phase packet (length, then code): its request code or protocol version. */
export function readStartupCode(packet: Buffer): number {
  return packet.readInt32BE(4);
}

/** Offset of a StartupMessage's parameters: after the length and the protocol version. */
export const STARTUP_PARAMS = 8;

/** CancelRequest: the key of the session to cancel, or undefined when the packet is not 16 bytes. */
export function readCancelRequest(packet: Buffer): { pid: number; secret: number } | undefined {
  if (packet.length !== 16) return undefined;
  return { pid: packet.readInt32BE(8), secret: packet.readInt32BE(12) };
}

/** Reads a NUL-terminated string; `next` is the offset after the NUL, or -1 if there is none before `end`. */
export function readCString(buf: Buffer, pos: number, end: number): { value: string; next: number } {
  const nul = buf.indexOf(0, pos);
  if (nul < 0 || nul >= end) return { value: '', next: -1 };
  return { value: buf.toString('utf8', pos, nul), next: nul + 1 };
}

/** Offset of a typed message's body: after the type byte and the Int32 length. */
const BODY = 5;

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

/** Bytes [from, to) of a statement's text, left undecoded: the session's client encoding reads them. */
export interface TextRange {
  from: number;
  to: number;
}

/** Query: the statement text. */
export function readQuery(buf: Buffer, start: number, end: number): TextRange | undefined {
  const from = start + BODY;
  const to = buf.indexOf(0, from);
  return to < 0 || to >= end ? undefined : { from, to };
}

export interface ParseMessage extends TextRange {
  name: string;
  /** Offset of the parameter types (read them with parseParamTypes). */
  types: number;
}

/** Parse: statement name, text, and where its parameter types start. */
export function readParse(buf: Buffer, start: number, end: number): ParseMessage | undefined {
  const name = readCString(buf, start + BODY, end);
  if (name.next < 0) return undefined;
  const to = buf.indexOf(0, name.next);
  if (to < 0 || to >= end) return undefined;
  return { name: name.value, from: name.next, to, types: to + 1 };
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

/** Execute: the portal's name. */
export function readExecute(buf: Buffer, start: number, end: number): string | undefined {
  const portal = readCString(buf, start + BODY, end);
  return portal.next < 0 ? undefined : portal.value;
}

/** What a Describe or a Close names (they share a layout): a prepared statement or a portal. */
export interface Target {
  statement: boolean;
  name: string;
}

/** Describe or Close: its target. */
export function readTarget(buf: Buffer, start: number, end: number): Target | undefined {
  const name = readCString(buf, start + BODY + 1, end);
  if (name.next < 0) return undefined;
  return { statement: buf[start + BODY] === 0x53, name: name.value };
}

/** One bound value: bytes [at, at + len), or SQL NULL when `len` is -1. */
export interface BindValue {
  at: number;
  len: number;
}

export interface BindMessage {
  portal: string;
  statement: string;
  /** Offset of the end of the statement name: the Bind's names are bytes [start + 5, names). */
  names: number;
  /** Parameter format codes as sent (see formatOf). */
  formats: number[];
  values: BindValue[];
  /** Result format codes: none (all text), one (for all) or one per column. */
  resultFormats: number[];
}

/** Bind: names, parameter formats, where each value lies, result formats. */
export function readBind(buf: Buffer, start: number, end: number): BindMessage | undefined {
  const portal = readCString(buf, start + BODY, end);
  const stmt = portal.next < 0 ? portal : readCString(buf, portal.next, end);
  if (stmt.next < 0) return undefined;
  let p = stmt.next;
  const codes = (): number[] | undefined => {
    if (p + 2 > end) return undefined;
    const n = buf.readInt16BE(p);
    if (p + 2 + Math.max(n, 0) * 2 > end) return undefined;
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(buf.readInt16BE(p + 2 + i * 2));
    p += 2 + Math.max(n, 0) * 2;
    return out;
  };
  const formats = codes();
  if (!formats || p + 2 > end) return undefined;
  const n = buf.readInt16BE(p);
  p += 2;
  const values: BindValue[] = [];
  for (let i = 0; i < n; i++) {
    if (p + 4 > end) return undefined;
    const len = buf.readInt32BE(p);
    p += 4;
    if (len === -1) {
      values.push({ at: p, len });
      continue;
    }
    if (len < 0 || p + len > end) return undefined;
    values.push({ at: p, len });
    p += len;
  }
  const resultFormats = codes();
  if (!resultFormats) return undefined;
  return { portal: portal.value, statement: stmt.value, names: stmt.next, formats, values, resultFormats };
}

/**
 * What is sent instead of a refused Bind: one the server rejects before it looks at the
 * statement or the portal (more parameter formats than parameters, an ERROR, not FATAL), so
 * neither changes; the server then skips to Sync, as after any failed Bind.
 */
export function refusedBind(buf: Buffer, start: number, names: number): Buffer {
  const tail = Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  return message(T.bind, Buffer.concat([buf.subarray(start + BODY, names), tail]));
}

/** CommandComplete: its tag ('' when unterminated). */
export function readCommandTag(buf: Buffer, start: number, end: number): string {
  return readCString(buf, start + BODY, end).value;
}

/** ReadyForQuery: the transaction status byte (I, T or E). */
export function readReadyStatus(buf: Buffer, start: number): number {
  return buf[start + BODY]!;
}

/** ParameterStatus: a setting the server reports. */
export function readParameterStatus(
  buf: Buffer,
  start: number,
  end: number,
): { name: string; value: string } | undefined {
  const name = readCString(buf, start + BODY, end);
  if (name.next < 0) return undefined;
  return { name: name.value, value: readCString(buf, name.next, end).value };
}

/** ErrorResponse / NoticeResponse fields of a whole message. */
export function readError(buf: Buffer, start: number, end: number): ErrorFields {
  return readErrorFields(buf, start + BODY, end);
}

const SEVERITY_UNLOCALIZED = 0x56; // V (PostgreSQL 9.6+), always English
const SEVERITY = 0x53; // S, possibly translated; the fallback for older servers

/** ErrorResponse: its severity, without decoding the other fields; undefined when malformed or absent. */
export function readSeverity(buf: Buffer, start: number, end: number): string | undefined {
  let severity: string | undefined;
  let pos = start + BODY;
  while (pos < end && buf[pos] !== 0) {
    const field = buf[pos]!;
    const stop = buf.indexOf(0, pos + 1);
    if (stop < 0 || stop >= end) return undefined;
    if (field === SEVERITY_UNLOCALIZED) return buf.toString('utf8', pos + 1, stop);
    if (field === SEVERITY) severity = buf.toString('utf8', pos + 1, stop);
    pos = stop + 1;
  }
  return severity;
}

/** DataRow (whole message from offset 0): its column count. */
export function readColumnCount(row: Buffer): number {
  return row.readInt16BE(BODY);
}

/** The only column of a DataRow [start, end), or undefined when the row has another shape. */
export function onlyColumn(buf: Buffer, start: number, end: number): Buffer | undefined {
  if (start + 11 > end || buf.readInt16BE(start + BODY) !== 1) return undefined;
  const len = buf.readInt32BE(start + 7);
  if (len < 0 || start + 11 + len !== end) return undefined;
  return buf.subarray(start + 11, end);
}

/** CopyOutResponse: whether the data is binary, and the column count. */
export function readCopyResponse(buf: Buffer, start: number): { binary: boolean; columns: number } {
  return { binary: buf[start + BODY] === 1, columns: buf.readInt16BE(start + BODY + 1) };
}

/** CopyData: the data it carries. */
export function readCopyData(buf: Buffer, start: number, end: number): Buffer {
  return buf.subarray(start + BODY, end);
}
