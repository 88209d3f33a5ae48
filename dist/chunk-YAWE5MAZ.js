import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  describeUpstream,
  upstreamConfig
} from "./chunk-MLIJVIMC.js";
import {
  ProtocolError,
  RecentDecodes,
  UpstreamError,
  clientTls,
  gatewayStarted,
  gatewayStopped,
  generateKeys,
  openSession,
  strictFindings
} from "./chunk-C4OC6SIN.js";
import {
  DEFAULT_MAX_CLIENTS,
  POSTGRES_REFUSALS,
  refusal,
  tooManyClients
} from "./chunk-XSTP326K.js";
import {
  SKIPPED_CODE,
  SKIPPED_TAG
} from "./chunk-LLFWNX4K.js";
import {
  MaskingError,
  PostgresSessionState,
  SettingTaint,
  copyFormat,
  highBytes,
  maskCopyCsv,
  maskCopyText,
  maskDataRow,
  pgTextLike,
  readingDependsOnState
} from "./chunk-R4QPFUJG.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/gateway/postgres/listener.ts
import { randomBytes as randomBytes4 } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join as join2 } from "node:path";

// src/gateway/postgres/cancel.ts
import { randomInt } from "node:crypto";
var CancelKeys = class {
  byPid = /* @__PURE__ */ new Map();
  register(upstreamPid, upstreamSecret) {
    const secret = randomInt(-2147483648, 2147483647);
    this.byPid.set(upstreamPid, { secret, upstreamSecret });
    return { pid: upstreamPid, secret };
  }
  /** Forgets a pair, unless a newer backend with the same pid has taken its place. */
  release(pid, secret) {
    if (this.byPid.get(pid)?.secret === secret) this.byPid.delete(pid);
  }
  /** The upstream backend's pid and secret for a gateway key pair, if it is one. */
  lookup(pid, secret) {
    const t = this.byPid.get(pid);
    return t && t.secret === secret ? { pid, secret: t.upstreamSecret } : void 0;
  }
};

// src/gateway/postgres/client-auth.ts
import { createHash as createHash2, randomBytes as randomBytes2, timingSafeEqual as timingSafeEqual2 } from "node:crypto";

// src/gateway/postgres/codec.ts
var PROTOCOL_3_0 = 196608;
var SSL_REQUEST = 80877103;
var GSSENC_REQUEST = 80877104;
var CANCEL_REQUEST = 80877102;
var T = {
  query: 81,
  // Q
  parse: 80,
  // P
  bind: 66,
  // B
  execute: 69,
  // E (frontend)
  describe: 68,
  // D (frontend)
  close: 67,
  // C (frontend)
  flush: 72,
  // H (frontend)
  sync: 83,
  // S (frontend)
  terminate: 88,
  // X
  functionCall: 70,
  // F
  functionCallResponse: 86,
  // V
  copyData: 100,
  // d
  copyDone: 99,
  // c
  copyOutResponse: 72,
  // H (backend)
  copyInResponse: 71,
  // G
  copyFail: 102,
  // f
  password: 112,
  // p
  auth: 82,
  // R
  parameterStatus: 83,
  // S (backend)
  backendKey: 75,
  // K
  ready: 90,
  // Z
  error: 69,
  // E (backend)
  notice: 78,
  // N
  commandComplete: 67,
  // C (backend)
  emptyQuery: 73,
  // I
  portalSuspended: 115,
  // s
  parseComplete: 49,
  // 1
  bindComplete: 50,
  // 2
  closeComplete: 51,
  // 3
  noData: 110,
  // n
  rowDescription: 84,
  // T
  dataRow: 68,
  // D (backend)
  negotiate: 118
  // v
};
function message(type, body2) {
  const out = Buffer.allocUnsafe(5 + body2.length);
  out[0] = type;
  out.writeInt32BE(body2.length + 4, 1);
  body2.copy(out, 5);
  return out;
}
function cstr(s) {
  return Buffer.from(`${s}\0`, "utf8");
}
function int32(n) {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}
function int16(n) {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n, 0);
  return b;
}
function errorResponse(code, text, severity = "ERROR", position) {
  return fieldsMessage(T.error, code, text, severity, position);
}
function noticeResponse(code, text, severity = "NOTICE") {
  return fieldsMessage(T.notice, code, text, severity);
}
function commandComplete(tag) {
  return message(T.commandComplete, cstr(tag));
}
function fieldsMessage(type, code, text, severity, position) {
  return message(
    type,
    Buffer.concat([
      cstr(`S${severity}`),
      cstr(`V${severity}`),
      cstr(`C${code}`),
      cstr(`M${text}`),
      ...position ? [cstr(`P${position}`)] : [],
      Buffer.from([0])
    ])
  );
}
function readyForQuery(status) {
  return message(T.ready, Buffer.from([status]));
}
function authRequest(code, extra = Buffer.alloc(0)) {
  return message(T.auth, Buffer.concat([int32(code), extra]));
}
function backendKeyData(pid, secret) {
  return message(T.backendKey, Buffer.concat([int32(pid), int32(secret)]));
}
function negotiateProtocolVersion(minor, unrecognized) {
  return message(
    T.negotiate,
    Buffer.concat([int32(PROTOCOL_3_0 + minor), int32(unrecognized.length), ...unrecognized.map(cstr)])
  );
}
var FAILING_SQL = "guardrail refused this statement";
function queryMessage(text) {
  return message(T.query, cstr(text));
}
function parseMessage(name, text) {
  return message(T.parse, Buffer.concat([cstr(name), cstr(text), int16(0)]));
}
function passwordMessage(data) {
  return message(T.password, typeof data === "string" ? cstr(data) : data);
}
function saslInitialResponse(mechanism, data) {
  return message(T.password, Buffer.concat([cstr(mechanism), int32(data.length), data]));
}
var terminateMessage = Buffer.from([T.terminate, 0, 0, 0, 4]);
function packet(body2) {
  return Buffer.concat([int32(body2.length + 4), body2]);
}
function sslRequest() {
  return packet(int32(SSL_REQUEST));
}
function cancelRequest(pid, secret) {
  return packet(Buffer.concat([int32(CANCEL_REQUEST), int32(pid), int32(secret)]));
}
function startupMessage(params) {
  const parts = [int32(PROTOCOL_3_0)];
  for (const [k, v] of Object.entries(params)) parts.push(cstr(k), cstr(v));
  parts.push(Buffer.from([0]));
  return packet(Buffer.concat(parts));
}
function readStartupCode(packet2) {
  return packet2.readInt32BE(4);
}
var STARTUP_PARAMS = 8;
function readCancelRequest(packet2) {
  if (packet2.length !== 16) return void 0;
  return { pid: packet2.readInt32BE(8), secret: packet2.readInt32BE(12) };
}
function readCString(buf, pos, end) {
  const nul = buf.indexOf(0, pos);
  if (nul < 0 || nul >= end) return { value: "", next: -1 };
  return { value: buf.toString("utf8", pos, nul), next: nul + 1 };
}
var BODY = 5;
function readErrorFields(buf, start, end) {
  const fields = { severity: "", code: "", message: "" };
  let pos = start;
  while (pos < end && buf[pos] !== 0) {
    const key = buf[pos];
    const { value: value2, next } = readCString(buf, pos + 1, end);
    if (next < 0) break;
    if (key === 86 || key === 83 && !fields.severity)
      fields.severity = value2;
    else if (key === 67)
      fields.code = value2;
    else if (key === 77)
      fields.message = value2;
    else if (key === 68) fields.detail = value2;
    pos = next;
  }
  return fields;
}
function rowsOfTag(tag) {
  const space = tag.lastIndexOf(" ");
  if (space < 0) return void 0;
  const n = Number(tag.slice(space + 1));
  return Number.isInteger(n) ? n : void 0;
}
function readFunctionCall(buf, start, end) {
  let p = start + 5;
  const need = (n) => p + n <= end;
  if (!need(6)) return void 0;
  const oid = buf.readUInt32BE(p);
  const nFormats = buf.readInt16BE(p + 4);
  p += 6;
  if (nFormats < 0 || !need(2 * nFormats + 2)) return void 0;
  const codes = [];
  for (let i = 0; i < nFormats; i++, p += 2) codes.push(buf.readInt16BE(p));
  const nArgs = buf.readInt16BE(p);
  p += 2;
  if (nArgs < 0 || nFormats > 1 && nFormats !== nArgs) return void 0;
  const formats = [];
  const args = [];
  for (let i = 0; i < nArgs; i++) {
    if (!need(4)) return void 0;
    const len = buf.readInt32BE(p);
    p += 4;
    formats.push(nFormats === 0 ? 0 : codes[nFormats === 1 ? 0 : i] ?? 0);
    if (len === -1) {
      args.push(null);
      continue;
    }
    if (len < 0 || !need(len)) return void 0;
    args.push(buf.subarray(p, p + len));
    p += len;
  }
  if (p + 2 !== end) return void 0;
  const resultFormat = buf.readInt16BE(p);
  if (formats.some((f) => f !== 0 && f !== 1) || resultFormat !== 0 && resultFormat !== 1) return void 0;
  return { oid, formats, args, resultFormat };
}
function readFunctionResult(buf, start, end) {
  if (start + 9 > end) return void 0;
  const len = buf.readInt32BE(start + 5);
  if (len === -1) return null;
  if (len < 0 || start + 9 + len !== end) return void 0;
  return buf.subarray(start + 9, end);
}
function readQuery(buf, start, end) {
  const from = start + BODY;
  const to = buf.indexOf(0, from);
  return to < 0 || to >= end ? void 0 : { from, to };
}
function readParse(buf, start, end) {
  const name = readCString(buf, start + BODY, end);
  if (name.next < 0) return void 0;
  const to = buf.indexOf(0, name.next);
  if (to < 0 || to >= end) return void 0;
  return { name: name.value, from: name.next, to, types: to + 1 };
}
function parseParamTypes(buf, pos, end) {
  if (pos + 2 > end) return void 0;
  const n = buf.readInt16BE(pos);
  if (n < 0 || pos + 2 + n * 4 > end) return void 0;
  const out = [];
  for (let i = 0; i < n; i++) out.push(buf.readUInt32BE(pos + 2 + i * 4));
  return out;
}
function readExecute(buf, start, end) {
  const portal = readCString(buf, start + BODY, end);
  return portal.next < 0 ? void 0 : portal.value;
}
function readTarget(buf, start, end) {
  const name = readCString(buf, start + BODY + 1, end);
  if (name.next < 0) return void 0;
  return { statement: buf[start + BODY] === 83, name: name.value };
}
function readBind(buf, start, end) {
  const portal = readCString(buf, start + BODY, end);
  const stmt = portal.next < 0 ? portal : readCString(buf, portal.next, end);
  if (stmt.next < 0) return void 0;
  let p = stmt.next;
  const codes = () => {
    if (p + 2 > end) return void 0;
    const n2 = buf.readInt16BE(p);
    if (p + 2 + Math.max(n2, 0) * 2 > end) return void 0;
    const out = [];
    for (let i = 0; i < n2; i++) out.push(buf.readInt16BE(p + 2 + i * 2));
    p += 2 + Math.max(n2, 0) * 2;
    return out;
  };
  const formats = codes();
  if (!formats || p + 2 > end) return void 0;
  const n = buf.readInt16BE(p);
  p += 2;
  const values = [];
  for (let i = 0; i < n; i++) {
    if (p + 4 > end) return void 0;
    const len = buf.readInt32BE(p);
    p += 4;
    if (len === -1) {
      values.push({ at: p, len });
      continue;
    }
    if (len < 0 || p + len > end) return void 0;
    values.push({ at: p, len });
    p += len;
  }
  const resultFormats = codes();
  if (!resultFormats) return void 0;
  return { portal: portal.value, statement: stmt.value, names: stmt.next, formats, values, resultFormats };
}
function refusedBind(buf, start, names) {
  const tail = Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  return message(T.bind, Buffer.concat([buf.subarray(start + BODY, names), tail]));
}
function readCommandTag(buf, start, end) {
  return readCString(buf, start + BODY, end).value;
}
function readReadyStatus(buf, start) {
  return buf[start + BODY];
}
function readParameterStatus(buf, start, end) {
  const name = readCString(buf, start + BODY, end);
  if (name.next < 0) return void 0;
  return { name: name.value, value: readCString(buf, name.next, end).value };
}
function readError(buf, start, end) {
  return readErrorFields(buf, start + BODY, end);
}
var SEVERITY_UNLOCALIZED = 86;
var SEVERITY = 83;
function readSeverity(buf, start, end) {
  let severity;
  let pos = start + BODY;
  while (pos < end && buf[pos] !== 0) {
    const field = buf[pos];
    const stop = buf.indexOf(0, pos + 1);
    if (stop < 0 || stop >= end) return void 0;
    if (field === SEVERITY_UNLOCALIZED) return buf.toString("utf8", pos + 1, stop);
    if (field === SEVERITY) severity = buf.toString("utf8", pos + 1, stop);
    pos = stop + 1;
  }
  return severity;
}
function readColumnCount(row) {
  return row.readInt16BE(BODY);
}
function onlyColumn(buf, start, end) {
  if (start + 11 > end || buf.readInt16BE(start + BODY) !== 1) return void 0;
  const len = buf.readInt32BE(start + 7);
  if (len < 0 || start + 11 + len !== end) return void 0;
  return buf.subarray(start + 11, end);
}
function readCopyResponse(buf, start) {
  return { binary: buf[start + BODY] === 1, columns: buf.readInt16BE(start + BODY + 1) };
}
function readCopyData(buf, start, end) {
  return buf.subarray(start + BODY, end);
}

// src/gateway/postgres/scram.ts
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
var MECHANISM = "SCRAM-SHA-256";
function hmac(key, text) {
  return createHmac("sha256", key).update(text).digest();
}
function sha256(data) {
  return createHash("sha256").update(data).digest();
}
function xor(a, b) {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ (b[i] ?? 0);
  return out;
}
function saltedPassword(password, salt, iterations) {
  return pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
}
function keysOf(salted) {
  const clientKey = hmac(salted, "Client Key");
  return { clientKey, storedKey: sha256(clientKey), serverKey: hmac(salted, "Server Key") };
}
function attributes(text) {
  const out = /* @__PURE__ */ new Map();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) out.set(part[0], part.slice(2));
  }
  return out;
}

// src/gateway/postgres/scram-server.ts
import { randomBytes, timingSafeEqual } from "node:crypto";
function scramVerifier(password, iterations = 4096) {
  const salt = randomBytes(16);
  const { storedKey, serverKey } = keysOf(saltedPassword(password, salt, iterations));
  return { salt, iterations, storedKey, serverKey };
}
var ScramServer = class {
  constructor(verifier) {
    this.verifier = verifier;
  }
  verifier;
  clientFirstBare = "";
  serverFirst = "";
  nonce = "";
  gs2Header = "";
  /** Takes client-first-message, returns server-first-message. */
  first(clientFirst) {
    const gs2 = clientFirst.match(/^([nyp])(=[^,]*)?,[^,]*,/);
    if (!gs2) throw new ProtocolError("malformed SCRAM client-first-message", "28000");
    if (gs2[1] === "p")
      throw new ProtocolError("SCRAM channel binding is not supported by the gateway", "28000");
    this.gs2Header = gs2[0];
    this.clientFirstBare = clientFirst.slice(gs2[0].length);
    const clientNonce = attributes(this.clientFirstBare).get("r");
    if (!clientNonce || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce))
      throw new ProtocolError("malformed SCRAM nonce", "28000");
    this.nonce = clientNonce + randomBytes(18).toString("base64");
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString("base64")},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }
  /** Takes client-final-message; returns server-final-message, or undefined when the proof is wrong. */
  final(clientFinal) {
    const attrs = attributes(clientFinal);
    const proof = attrs.get("p");
    if (attrs.get("r") !== this.nonce || !proof)
      throw new ProtocolError("malformed SCRAM client-final-message", "28000");
    if (attrs.get("c") !== Buffer.from(this.gs2Header).toString("base64"))
      throw new ProtocolError(
        "SCRAM channel-binding attribute does not match the client-first-message",
        "28000"
      );
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(",p="));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const proofBytes = Buffer.from(proof, "base64");
    if (proofBytes.length !== signature.length) return void 0;
    const clientKey = xor(proofBytes, signature);
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return void 0;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString("base64")}`;
  }
};

// src/gateway/postgres/client-auth.ts
function failed(user) {
  return new ProtocolError(`password authentication failed for user "${user}"`, "28P01");
}
function same(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual2(x, y);
}
async function passwordReply(reader) {
  const { type, body: body2 } = await reader.message();
  if (type !== T.password) throw new ProtocolError(`expected a password message, got 0x${type.toString(16)}`);
  return body2;
}
async function authenticateClient(reader, socket, method, creds, user) {
  const userOk = same(user, creds.user);
  if (method === "password") {
    socket.write(authRequest(3));
    const given = readCString(await passwordReply(reader), 0, Number.MAX_SAFE_INTEGER).value;
    if (!same(given, creds.password) || !userOk) throw failed(user);
  } else if (method === "md5") {
    const salt = randomBytes2(4);
    socket.write(authRequest(5, salt));
    const given = readCString(await passwordReply(reader), 0, Number.MAX_SAFE_INTEGER).value;
    const inner = createHash2("md5").update(creds.password + user).digest("hex");
    const want = `md5${createHash2("md5").update(Buffer.concat([Buffer.from(inner), salt])).digest("hex")}`;
    if (!same(given, want) || !userOk) throw failed(user);
  } else {
    socket.write(authRequest(10, Buffer.from(`${MECHANISM}\0\0`)));
    const initial = await passwordReply(reader);
    const mech = readCString(initial, 0, initial.length);
    if (mech.next < 0 || mech.value !== MECHANISM || mech.next + 4 > initial.length)
      throw new ProtocolError("expected SASLInitialResponse for SCRAM-SHA-256", "28000");
    const server = new ScramServer(creds.verifier);
    let serverFirst;
    try {
      serverFirst = server.first(initial.toString("utf8", mech.next + 4));
    } catch (err) {
      throw new ProtocolError(err.message, "28000");
    }
    socket.write(authRequest(11, Buffer.from(serverFirst)));
    const final = (await passwordReply(reader)).toString("utf8");
    let serverFinal;
    try {
      serverFinal = server.final(final);
    } catch (err) {
      throw new ProtocolError(err.message, "28000");
    }
    if (!serverFinal || !userOk) throw failed(user);
    socket.write(authRequest(12, Buffer.from(serverFinal)));
  }
  socket.write(authRequest(0));
}

// src/gateway/postgres/dry-run.ts
var NO_OP = "DO $guardrail$BEGIN END$guardrail$";
var BEGIN = /^(?:begin|start\s+transaction)\b/i;
var COMMIT = /^(?:commit|end)\b(?!\s+prepared)/i;
var ROLLBACK = /^(?:rollback|abort)\b(?!\s+(?:to|prepared)\b)/i;
var OUTSIDE_TRANSACTION = [
  [/^create\s+(?:unique\s+)?index\s+concurrently\b/i, "CREATE INDEX"],
  [/^drop\s+index\s+concurrently\b/i, "DROP INDEX"],
  [
    /^reindex\b(?:\s*\([^)]*\bconcurrently\b|[\s\S]*\bconcurrently\b|\s+(?:\([^)]*\)\s*)?(?:schema|database|system)\b)/i,
    "REINDEX"
  ],
  [/^vacuum\b/i, "VACUUM"],
  [/^create\s+database\b/i, "CREATE DATABASE"],
  [/^drop\s+database\b/i, "DROP DATABASE"],
  [/^alter\s+database\b[\s\S]*\bset\s+tablespace\b/i, "ALTER DATABASE"],
  [/^create\s+tablespace\b/i, "CREATE TABLESPACE"],
  [/^drop\s+tablespace\b/i, "DROP TABLESPACE"],
  [/^alter\s+system\b/i, "ALTER SYSTEM"],
  [/^create\s+subscription\b/i, "CREATE SUBSCRIPTION"],
  [/^alter\s+subscription\b/i, "ALTER SUBSCRIPTION"],
  [/^drop\s+subscription\b/i, "DROP SUBSCRIPTION"],
  [/^cluster\s*(?:\(\s*verbose\s*\)\s*|verbose\s*)?;?\s*$/i, "CLUSTER"],
  [/^alter\s+table\b[\s\S]*\bdetach\s+partition\b[\s\S]*\bconcurrently\b/i, "ALTER TABLE"],
  [/^prepare\s+transaction\b/i, "PREPARE TRANSACTION"],
  [/^commit\s+prepared\b/i, "COMMIT PREPARED"],
  [/^rollback\s+prepared\b/i, "ROLLBACK PREPARED"],
  [/^discard\s+all\b/i, "DISCARD ALL"]
];
var RUNS_EXPRESSIONS = /^(?:select|with|values|table|insert|update|delete|merge|do|call|copy|explain|execute|prepare|declare|create\b[^;]*?\bas\s*\(?\s*(?:select|with|values|table|execute)\b)/i;
var SEQUENCE_CALL = /\b(?:nextval|setval)\s*\(/i;
var SEQUENCE_REFUSAL = `DO $guardrail$BEGIN RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'guardrail dry run: not executed: the statement calls nextval() or setval(), which change a sequence for good (the rollback of the dry run does not undo them)'; END$guardrail$`;
var SEQUENCE_USE_REFUSAL = `DO $guardrail$BEGIN RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'guardrail dry run: not executed: the statement moves a sequence through a column default, identity, trigger or function, which the rollback of the dry run does not undo'; END$guardrail$`;
var WRITE_TAGS = {
  insert: "INSERT 0 0",
  update: "UPDATE 0",
  delete: "DELETE 0",
  merge: "MERGE 0"
};
function body(text) {
  return text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "");
}
function firstLine(text) {
  const line = body(text).split("\n")[0].trim();
  return line.length > 120 ? `${line.slice(0, 120)}\u2026` : line;
}
var DryRun = class {
  /**
   * `movesSequence`: why a statement reaches a sequence without naming nextval() / setval()
   * (undefined: it does not); absent, only statements that name them are held back.
   */
  constructor(movesSequence) {
    this.movesSequence = movesSequence;
  }
  movesSequence;
  /** The client's transaction depth (it has one level: BEGIN … COMMIT). */
  depth = 0;
  /** Depth as planned so far in the current batch (statements are planned before they run). */
  planned = 0;
  /** The client's block has failed (it sees E until it rolls back). */
  failed = false;
  opened = false;
  /** How the previous batch outside a block ended: its savepoint is released or rolled back. */
  autoPending;
  batchOpen = false;
  /**
   * Called before each client message that starts or continues a batch: at the start of one,
   * the SQL the gateway must run first (its own, unseen by the client), or undefined.
   */
  batchPrefix() {
    if (this.batchOpen) return void 0;
    this.batchOpen = true;
    this.planned = this.depth;
    const sql = [];
    if (!this.opened) {
      sql.push("BEGIN");
      this.opened = true;
    }
    if (this.autoPending === "failed") sql.push("ROLLBACK TO SAVEPOINT guardrail_auto");
    if (this.autoPending) sql.push("RELEASE SAVEPOINT guardrail_auto");
    this.autoPending = void 0;
    if (this.depth === 0) sql.push("SAVEPOINT guardrail_auto");
    return sql.length ? queryMessage(sql.join("; ")) : void 0;
  }
  /** Plans one client statement of the current batch. */
  step(text) {
    const b = body(text);
    if (BEGIN.test(b)) {
      if (this.planned === 1)
        return {
          sql: NO_OP,
          tag: "BEGIN",
          notice: {
            severity: "WARNING",
            code: "25001",
            message: "there is already a transaction in progress"
          }
        };
      this.planned = 1;
      return { sql: "SAVEPOINT guardrail_tx", tag: "BEGIN", depth: 1 };
    }
    const commit = COMMIT.test(b);
    if (commit || ROLLBACK.test(b)) {
      const tag = commit ? "COMMIT" : "ROLLBACK";
      if (this.planned === 0)
        return {
          sql: NO_OP,
          tag,
          notice: { severity: "WARNING", code: "25P01", message: "there is no transaction in progress" }
        };
      this.planned = 0;
      if (commit && !this.failed) return { sql: "RELEASE SAVEPOINT guardrail_tx", tag, depth: 0 };
      return { sql: "ROLLBACK TO SAVEPOINT guardrail_tx", tag: "ROLLBACK", depth: 0 };
    }
    for (const [pattern, tag] of OUTSIDE_TRANSACTION) {
      if (pattern.test(b)) {
        return {
          sql: NO_OP,
          tag,
          skipped: true,
          notice: {
            severity: "NOTICE",
            code: "01000",
            message: `guardrail dry run: skipped ${firstLine(text)} (it cannot run inside the dry run's transaction)`
          }
        };
      }
    }
    if (RUNS_EXPRESSIONS.test(b) && SEQUENCE_CALL.test(b)) {
      return { sql: SEQUENCE_REFUSAL };
    }
    const why = RUNS_EXPRESSIONS.test(b) ? this.movesSequence?.(text) : void 0;
    return why ? sequenceUse(b, why) : {};
  }
  /** A step completed on the server. */
  completed(step) {
    if (step?.depth !== void 0) {
      this.depth = step.depth;
      if (step.depth === 0) this.failed = false;
    }
  }
  /**
   * The batch ended with the upstream's ReadyForQuery status (T or E): returns the status the
   * client sees, and notes what the next batch must do first.
   */
  batchEnded(upstream) {
    if (!this.batchOpen) return upstream;
    this.batchOpen = false;
    if (this.depth === 0) {
      this.autoPending = upstream === 69 ? "failed" : "ok";
      return 73;
    }
    this.failed = upstream === 69;
    return upstream;
  }
  /** The statements of a client Query, rewritten; undefined when all run as written. */
  rewrite(texts) {
    const steps = texts.map((t) => this.step(t));
    const changed = steps.some((s) => s.sql !== void 0);
    return {
      sql: changed ? texts.map((t, i) => steps[i].sql ?? t).join(";\n") : void 0,
      steps
    };
  }
};
function sequenceUse(b, why) {
  const tag = WRITE_TAGS[/^\w+/.exec(b)?.[0]?.toLowerCase() ?? ""];
  if (!tag) return { sql: SEQUENCE_USE_REFUSAL };
  const message2 = `guardrail dry run: not executed: ${why} (a sequence is not rolled back)`;
  return { sql: NO_OP, tag, skipped: true, notice: { severity: "NOTICE", code: "01000", message: message2 } };
}
var DRY_RUN_ROLLBACK = queryMessage("ROLLBACK");

// src/gateway/postgres/result-messages.ts
function readRowDescription(buf, start, end) {
  const n = buf.readInt16BE(start + 5);
  let pos = start + 7;
  const out = { names: [], fields: [], formats: [] };
  for (let i = 0; i < n; i++) {
    const name = readCString(buf, pos, end);
    if (name.next < 0 || name.next + 18 > end) throw new MaskingError("malformed RowDescription");
    pos = name.next;
    out.names.push(name.value);
    out.fields.push({
      tableOid: buf.readUInt32BE(pos),
      attnum: buf.readInt16BE(pos + 4),
      typeOid: buf.readUInt32BE(pos + 6)
    });
    out.formats.push(buf.readInt16BE(pos + 16));
    pos += 18;
  }
  return out;
}
function formatOf(formats, i) {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i] ?? 0;
}
var SAMPLE_CHARS = 256;
function sampleValues(row, fields, n) {
  const values = [];
  let pos = 7;
  for (let i = 0; i < n; i++) {
    const len = row.readInt32BE(pos);
    pos += 4;
    if (len < 0) {
      values.push(null);
      continue;
    }
    const binary2 = fields ? formatOf(fields.formats, i) === 1 : false;
    const type = fields?.fields[i]?.typeOid ?? 0;
    values.push(
      binary2 && !pgTextLike(type) ? binaryValue(row, pos, len, type) : row.toString("utf8", pos, pos + len)
    );
    pos += len;
  }
  return values;
}
function binaryValue(row, pos, len, type) {
  if (type === 16 && len === 1) return row[pos] === 1;
  if (type === 21 && len === 2) return row.readInt16BE(pos);
  if (type === 23 && len === 4) return row.readInt32BE(pos);
  if (type === 20 && len === 8) return row.readBigInt64BE(pos).toString();
  return `<binary ${len} bytes>`;
}
function cutSample(values) {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "string" && v.length > SAMPLE_CHARS) values[i] = `${v.slice(0, SAMPLE_CHARS)}\u2026`;
  }
  return values;
}
var VALUE_FIELDS = /* @__PURE__ */ new Set([77, 68, 72, 87]);
function redactFields(buf, start, end, masking) {
  const fields = [];
  let pos = start + 5;
  while (pos < end && buf[pos] !== 0) {
    const { value: value2, next } = readCString(buf, pos + 1, end);
    if (next < 0) throw new MaskingError("malformed error fields");
    fields.push([buf[pos], value2]);
    pos = next;
  }
  const schema = fields.find(([k]) => k === 115)?.[1];
  const table = fields.find(([k]) => k === 116)?.[1];
  const ctx = { ...schema ? { schema } : {}, ...table ? { table } : {} };
  const body2 = Buffer.concat([
    ...fields.map(
      ([k, v]) => Buffer.concat([
        Buffer.from([k]),
        Buffer.from(`${VALUE_FIELDS.has(k) ? masking.redactMessage(v, ctx) : v}\0`)
      ])
    ),
    Buffer.from([0])
  ]);
  return message(buf[start], body2);
}
function copyData(data) {
  return message(T.copyData, data);
}

// src/gateway/postgres/type-oids.ts
var BOOL = 16;
var BYTEA = 17;
var INT8 = 20;
var INT2 = 21;
var INT4 = 23;
var OID = 26;
var FLOAT8 = 701;
var TEXTUAL = /* @__PURE__ */ new Set([18, 19, 25, 1042, 1043]);

// src/gateway/postgres/executions.ts
var PARAM_PREVIEW = 1024;
function readBind2(buf, start, end, state, statements) {
  const m = readBind(buf, start, end);
  if (!m) return void 0;
  const declared = statements.get(m.statement)?.paramTypes;
  const shown = [];
  const exact = [];
  let isExact = true;
  for (let i = 0; i < m.values.length; i++) {
    const { at, len } = m.values[i];
    if (len === -1) {
      shown.push(null);
      exact.push(null);
      continue;
    }
    const v = value(buf, at, at + len, formatOf(m.formats, i), declared?.[i] ?? 0, state);
    shown.push(v.shown);
    if (v.exact === void 0) isExact = false;
    else exact.push(v.exact);
  }
  return {
    portal: m.portal,
    statement: m.statement,
    shown,
    exact: isExact ? exact : void 0,
    resultFormats: m.resultFormats,
    names: m.names
  };
}
function value(buf, from, to, format, type, state) {
  const len = to - from;
  const described2 = { shown: `[binary ${len} bytes]` };
  if (format === 0 || format === 1 && TEXTUAL.has(type)) {
    const d = state.decode(buf, from, to);
    if (!("text" in d)) return described2;
    const shown = d.text.length > PARAM_PREVIEW ? `${d.text.slice(0, PARAM_PREVIEW)}\u2026` : d.text;
    return { shown, exact: d.text };
  }
  if (format !== 1) return described2;
  const exact = binary(buf, from, len, type);
  if (exact === void 0) return described2;
  return { shown: typeof exact === "string" ? exact : described2.shown, exact };
}
function binary(buf, at, len, type) {
  switch (type) {
    case BOOL:
      return len === 1 ? buf[at] ? "true" : "false" : void 0;
    case INT2:
      return len === 2 ? String(buf.readInt16BE(at)) : void 0;
    case INT4:
      return len === 4 ? String(buf.readInt32BE(at)) : void 0;
    case OID:
      return len === 4 ? String(buf.readUInt32BE(at)) : void 0;
    case INT8:
      return len === 8 ? buf.readBigInt64BE(at).toString() : void 0;
    case FLOAT8: {
      if (len !== 8) return void 0;
      const f = buf.readDoubleBE(at);
      if (Number.isNaN(f)) return "NaN";
      if (!Number.isFinite(f)) return f > 0 ? "Infinity" : "-Infinity";
      return Object.is(f, -0) ? "-0" : String(f);
    }
    case BYTEA:
      return Buffer.from(buf.subarray(at, at + len));
    default:
      return void 0;
  }
}
var ANY_NAME = "\0";
var PREPARE = /^prepare\s+(?:"((?:[^"]|"")*)"|([^\s("]+))/;
function notePrepares(analysis, names) {
  for (const s of analysis.statements) {
    if (!s.canonical.startsWith("prepare")) continue;
    const m = PREPARE.exec(s.canonical);
    names.add(m ? m[1]?.replace(/""/g, '"') ?? m[2] : ANY_NAME);
  }
}
function preparedBySql(names, name) {
  if (name === "" || !(names.has(name) || names.has(ANY_NAME))) return void 0;
  return `guardrail: prepared statement "${name}" was made by SQL PREPARE: run it with EXECUTE, which is judged`;
}

// src/gateway/postgres/framer.ts
var FORWARD = 0;
var DROP = 1;
var STOP = 2;
var STREAM = 0;
var MUST_WHOLE = 1;
var PREFER_WHOLE = 2;
var Framer = class {
  constructor(hooks) {
    this.hooks = hooks;
  }
  hooks;
  head = Buffer.alloc(5);
  headLen = 0;
  body = null;
  bodyLen = 0;
  passLeft = 0;
  backlog = [];
  stopped = false;
  dead = false;
  get held() {
    return this.stopped;
  }
  push(chunk) {
    if (this.dead) return;
    if (this.stopped) this.backlog.push(chunk);
    else this.scan(chunk);
  }
  /** Stops after the message being handled (its disposition still applies) until `resume()`. */
  pause() {
    this.stopped = true;
  }
  resume() {
    this.stopped = false;
    while (!this.stopped && !this.dead && this.backlog.length > 0) this.scan(this.backlog.shift());
  }
  /** Bytes waiting behind a held message, for bounding what a paused client may queue. */
  get backlogBytes() {
    let n = 0;
    for (const b of this.backlog) n += b.length;
    return n;
  }
  die(message2, code = "08P01") {
    this.dead = true;
    this.backlog = [];
    this.hooks.fail(message2, code);
  }
  emit(chunk, from, to) {
    if (to > from) this.hooks.out(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
  }
  /** Applies a disposition; returns false when the framer must stop. */
  apply(d) {
    if (typeof d !== "number") this.hooks.out(d);
    else if (d === STOP) this.stopped = true;
    return !this.stopped && !this.dead;
  }
  scan(chunk) {
    const { hooks } = this;
    const len = chunk.length;
    let pos = 0;
    let from = 0;
    while (pos < len) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, len - pos);
        this.passLeft -= n;
        pos += n;
        continue;
      }
      if (this.body) {
        const n = Math.min(this.body.length - this.bodyLen, len - pos);
        chunk.copy(this.body, this.bodyLen, pos, pos + n);
        this.bodyLen += n;
        pos += n;
        from = pos;
        if (this.bodyLen < this.body.length) return;
        if (!this.finishBody()) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      if (this.headLen > 0 || len - pos < 5) {
        this.emit(chunk, from, pos);
        const n = Math.min(5 - this.headLen, len - pos);
        chunk.copy(this.head, this.headLen, pos, pos + n);
        this.headLen += n;
        pos += n;
        from = pos;
        if (this.headLen < 5) return;
        this.headLen = 0;
        if (!this.begin()) return;
        const assembling = this.body;
        if (assembling && this.bodyLen === assembling.length && !this.finishBody()) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      const type = chunk[pos];
      const length = chunk.readInt32BE(pos + 1);
      if (length < 4) {
        this.die(`invalid message length ${length} for message type 0x${type.toString(16)}`);
        return;
      }
      const total = length + 1;
      if (hooks.whole[type] === 0) {
        const n = Math.min(total, len - pos);
        pos += n;
        this.passLeft = total - n;
        continue;
      }
      if (total > hooks.maxMessageBytes) {
        if (hooks.whole[type] !== PREFER_WHOLE) {
          this.tooBig(total);
          return;
        }
        const n = Math.min(total, len - pos);
        pos += n;
        this.passLeft = total - n;
        continue;
      }
      if (len - pos >= total) {
        const d = hooks.message(type, chunk, pos, pos + total);
        if (d === FORWARD) {
          pos += total;
          continue;
        }
        this.emit(chunk, from, pos);
        pos += total;
        from = pos;
        if (!this.apply(d)) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      this.emit(chunk, from, pos);
      this.body = Buffer.allocUnsafe(total);
      chunk.copy(this.body, 0, pos, len);
      this.bodyLen = len - pos;
      return;
    }
    this.emit(chunk, from, pos);
  }
  /** Interprets the header assembled in `head`: streams the message or starts assembling it. */
  begin() {
    const { head } = this;
    const type = head[0];
    const length = head.readInt32BE(1);
    if (length < 4) {
      this.die(`invalid message length ${length} for message type 0x${type.toString(16)}`);
      return false;
    }
    const total = length + 1;
    if (this.hooks.whole[type] === 0) {
      this.hooks.out(Buffer.from(head));
      this.passLeft = total - 5;
      return true;
    }
    if (total > this.hooks.maxMessageBytes) {
      if (this.hooks.whole[type] !== PREFER_WHOLE) {
        this.tooBig(total);
        return false;
      }
      this.hooks.out(Buffer.from(head));
      this.passLeft = total - 5;
      return true;
    }
    this.body = Buffer.allocUnsafe(total);
    head.copy(this.body, 0);
    this.bodyLen = 5;
    return true;
  }
  /** Hands over the assembled message; returns false when the framer must stop. */
  finishBody() {
    const msg = this.body;
    this.body = null;
    const d = this.hooks.message(msg[0], msg, 0, msg.length);
    return this.apply(d === FORWARD ? msg : d);
  }
  tooBig(total) {
    this.die(
      `message of ${total} bytes exceeds the gateway's limit of ${this.hooks.maxMessageBytes} bytes`,
      "54000"
    );
  }
  park(chunk, pos) {
    if (this.dead) return;
    if (pos < chunk.length) this.backlog.unshift(chunk.subarray(pos));
  }
};

// src/gateway/postgres/large-objects.ts
var CREATORS = /* @__PURE__ */ new Set(["lo_creat", "lo_create", "lo_import", "lo_from_bytea"]);
var ARG = String.raw`(?:[^()'"$\\/*-]|-(?!-)|\$[0-9]+|'[^'()$\\]*')`;
var SQL_CREATOR = new RegExp(
  String.raw`^\s*select\s+(?:pg_catalog\s*\.\s*)?(?:lo_creat|lo_create|lo_import|lo_from_bytea)\s*\((?:${ARG}|\(${ARG}*\))*\)\s*(?:as\s+[a-z_][a-z0-9_]*\s*)?;?\s*$`,
  "i"
);
function createsLargeObject(schema, name) {
  return schema === "pg_catalog" && CREATORS.has(name);
}
function sqlCreatesLargeObject(texts) {
  if (texts?.length !== 1) return false;
  const text = texts[0];
  return (text.includes("lo_") || text.includes("LO_")) && SQL_CREATOR.test(text);
}
function oidOf(value2, binary2) {
  if (binary2) return value2.length === 4 ? value2.readUInt32BE(0) : void 0;
  const text = value2.toString("latin1");
  return /^[0-9]{1,10}$/.test(text) && Number(text) <= 4294967295 ? Number(text) : void 0;
}
var OwnLargeObjects = class {
  constructor(ctx) {
    this.ctx = ctx;
  }
  ctx;
  /** Created since the session was last idle outside a transaction block. */
  pending = [];
  undone = false;
  /** A creating call returned `value` (a FunctionCallResponse's, or a one-column DataRow's). */
  created(value2, binary2) {
    if (!value2) return;
    const oid = oidOf(value2, binary2);
    if (oid === void 0 || oid === 0) return;
    (this.ctx.largeObjects ??= /* @__PURE__ */ new Set()).add(oid);
    this.pending.push(oid);
  }
  /**
   * An error, a ROLLBACK (to a savepoint too) or a PREPARE TRANSACTION: what was created since may
   * be gone (a prepared transaction is settled later, by any session's ROLLBACK PREPARED).
   */
  undo() {
    if (this.pending.length > 0) this.undone = true;
  }
  /** A ReadyForQuery: `idle` outside a transaction block, where what is pending is settled. */
  ready(idle) {
    if (!idle || this.pending.length === 0) return;
    if (this.undone) for (const oid of this.pending) this.ctx.largeObjects?.delete(oid);
    this.pending = [];
    this.undone = false;
  }
};

// src/gateway/postgres/refusals.ts
function refusalResponse(r) {
  return errorResponse(POSTGRES_REFUSALS[r.kind].sqlState, r.message);
}

// src/gateway/postgres/replies.ts
import { performance } from "node:perf_hooks";

// src/gateway/postgres/result-masking.ts
var SAMPLE_ROWS = 5;
var WITHHELD_TEXT = "guardrail: masking withheld the text of this message (the statement reads a masked column)";
function taintedNow(e) {
  return e?.lineage?.[e.index ?? 0]?.tainted === true;
}
var ResultMasker = class {
  constructor(session, m) {
    this.session = session;
    this.m = m;
    this.rowMode = m.catalog && m.masking.config.onWire ? MUST_WHOLE : PREFER_WHOLE;
    this.rowsArrive(this.rowMode);
  }
  session;
  m;
  current;
  /** How DataRow and CopyData arrive between results. */
  rowMode;
  /** Plans that mask no column, by width: most results of a session without column rules share one. */
  unmasked = [];
  /** RowDescriptions of the session's recent results, each decoded once. */
  descriptions = new RecentDecodes(readRowDescription);
  rowsArrive(mode) {
    this.m.hooks.setWhole(T.dataRow, mode);
    this.m.hooks.setWhole(T.copyData, mode);
  }
  /** The current result was withheld: the rest of it is dropped. */
  get withheld() {
    return this.current?.withheld === true;
  }
  /**
   * An ErrorResponse or NoticeResponse of `e`'s statement, its values redacted when masking is on
   * the wire; when the statement reads masked data, every text field is withheld (SQLSTATE kept).
   */
  serverMessage(buf, start, end, e) {
    if (!this.onWire) return FORWARD;
    if (!taintedNow(e)) return redactFields(buf, start, end, this.m.masking);
    const f = readError(buf, start, end);
    return buf[start] === T.error ? errorResponse(f.code, WITHHELD_TEXT, f.severity) : noticeResponse(f.code, WITHHELD_TEXT, f.severity);
  }
  get onWire() {
    return this.m.masking.config.onWire;
  }
  /** A RowDescription of `e`'s result. */
  rowDescription(e, buf, start, end) {
    return this.begin(e, buf.subarray(start, end), this.descriptions.get(buf, start, end));
  }
  /**
   * A result set starts: works out its mask plan (reading the catalog first if it must). `row`
   * is the first DataRow when the result had no RowDescription of its own (an Execute).
   */
  begin(e, description, fields, row) {
    const planned = this.plan(e, fields, row ? readColumnCount(row) : void 0);
    if (!(planned instanceof Promise)) {
      const d = this.started(e, description, fields, planned);
      return row && d === DROP ? this.row(e, row) : d;
    }
    const original = description ? Buffer.from(description) : void 0;
    const first = row ? Buffer.from(row) : void 0;
    const hooks = this.m.hooks;
    planned.catch((err) => `the masking catalog could not be read: ${err.message}`).then((p) => {
      const d = this.started(e, original, fields, p);
      if (typeof d !== "number") hooks.toClient(d);
      else if (d === FORWARD && original) hooks.toClient(original);
      if (first && !this.current?.withheld) {
        const out = this.row(e, first);
        if (out === FORWARD) hooks.toClient(first);
        else if (typeof out !== "number") hooks.toClient(out);
      }
      hooks.resumeServer();
    }).catch((err) => hooks.fatal(`gateway error: ${err.message}`));
    return STOP;
  }
  /** Returns the disposition of the RowDescription (DROP when there is none: an Execute's rows). */
  started(e, description, fields, planned) {
    if (typeof planned === "string") return this.withhold(e, fields?.names ?? [], planned);
    const wire = this.onWire && planned.masksAny;
    this.current = {
      names: fields?.names ?? [],
      fields,
      plan: planned,
      wire,
      sample: [],
      truncated: false,
      withheld: false
    };
    this.rowsArrive(wire ? MUST_WHOLE : PREFER_WHOLE);
    return description ? FORWARD : DROP;
  }
  withhold(e, names, reason) {
    const why = refusal("masking-refused", `masking withheld this result: ${reason}`);
    e.error = { code: POSTGRES_REFUSALS[why.kind].sqlState, message: why.message };
    this.current = {
      names,
      fields: void 0,
      plan: this.m.masking.plan([]),
      wire: false,
      sample: [],
      truncated: false,
      withheld: true
    };
    this.rowsArrive(MUST_WHOLE);
    return refusalResponse(why);
  }
  /** The mask plan of a result: from its fields and the statement's lineage. */
  plan(e, fields, width, round = 0) {
    const { masking, catalog } = this.m;
    const lineage = e.lineage?.[e.index ?? 0];
    const n = fields?.fields.length ?? width ?? 0;
    if (!catalog) return this.unmaskedPlan(n);
    if (!lineage) return "the statement has no lineage";
    if (!fields) {
      if (lineage.anyMasked || lineage.maskAll || lineage.exact && lineage.columns.length !== n)
        return "the result was not described, so its masked columns cannot be typed";
      return this.unmaskedPlan(n);
    }
    const p = masking.pgRowPlan(fields.fields, lineage, catalog.origins);
    if (p.kind === "plan") return p.plan;
    if (p.kind === "refuse") return p.reason;
    if (round >= 3) return "the origins of its columns could not be read from the catalog";
    return catalog.resolve(p.missing).then(() => this.plan(e, fields, width, round + 1));
  }
  unmaskedPlan(n) {
    let plan = this.unmasked[n];
    if (!plan) {
      plan = this.m.masking.plan(Array.from({ length: n }, () => ({ masked: false, textLike: true })));
      if (n >= 0 && n <= 1664) this.unmasked[n] = plan;
    }
    return plan;
  }
  /** A DataRow of `e`'s result (the first one starts the result when there was no RowDescription). */
  dataRow(e, buf, start, end) {
    const row = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    if (!this.current) return this.begin(e, void 0, described(e.portal), row);
    return this.row(e, row);
  }
  row(e, row) {
    const r = this.current;
    if (r.withheld) return DROP;
    try {
      if (r.sample.length < SAMPLE_ROWS) {
        const values = sampleValues(row, r.fields, readColumnCount(row));
        r.sample.push(cutSample(this.m.masking.maskSampleRow(values, r.plan)));
      } else {
        r.truncated = true;
        if (!r.wire) this.rowsArrive(STREAM);
      }
      if (!r.wire) return FORWARD;
      const out = maskDataRow(row, r.plan);
      return out === row ? FORWARD : out;
    } catch (err) {
      if (!(err instanceof MaskingError || err instanceof RangeError)) throw err;
      return this.withhold(e, r.names, err.message);
    }
  }
  /** A CopyOutResponse: a COPY … TO STDOUT result starts. */
  copyOut(e, buf, start) {
    const { binary: binary2, columns: n } = readCopyResponse(buf, start);
    const masked = this.copyMasked(e, n);
    if (typeof masked === "string") return this.withhold(e, [], masked);
    const plan = this.m.masking.plan(masked.map((m) => ({ masked: m, textLike: true })));
    if (binary2 && plan.masksAny) return this.withhold(e, [], "COPY in binary format cannot be masked");
    let copy;
    try {
      copy = binary2 ? { kind: "binary" } : copyFormat(e.texts?.[e.index ?? 0] ?? "");
    } catch (err) {
      if (plan.masksAny) return this.withhold(e, [], err.message);
    }
    const sampled = copy !== void 0 && copy.kind !== "binary";
    const wire = this.onWire && plan.masksAny;
    const lineage = e.lineage?.[e.index ?? 0];
    this.current = {
      names: lineage?.exact ? lineage.columns.map((c) => c.name) : [],
      fields: void 0,
      plan,
      wire,
      sample: [],
      truncated: !sampled,
      withheld: false,
      ...copy ? { copy, copyHeader: copy.kind !== "binary" && copy.header } : {}
    };
    this.rowsArrive(wire ? MUST_WHOLE : sampled ? PREFER_WHOLE : STREAM);
    return FORWARD;
  }
  /** Which COPY columns are masked: from lineage alone, since COPY sends no RowDescription. */
  copyMasked(e, n) {
    const none = Array.from({ length: n }, () => false);
    if (!this.m.catalog) return none;
    const lineage = e.lineage?.[e.index ?? 0];
    if (!lineage) return "the statement has no lineage";
    if (!lineage.exact) return none;
    if (lineage.columns.length !== n)
      return `COPY sends ${n} columns but the statement's lineage has ${lineage.columns.length}`;
    return lineage.columns.map((c) => c.masked);
  }
  /** A CopyData of a COPY … TO STDOUT result. */
  copyData(e, buf, start, end) {
    const r = this.current;
    if (!r) return FORWARD;
    if (r.withheld) return DROP;
    const copy = r.copy;
    if (!copy || copy.kind === "binary") return FORWARD;
    if (r.copyHeader) {
      r.copyHeader = false;
      return FORWARD;
    }
    const data = readCopyData(buf, start, end);
    try {
      const needSample = r.sample.length < SAMPLE_ROWS;
      if (!needSample) {
        r.truncated = true;
        if (!r.wire) this.rowsArrive(STREAM);
      }
      if (!needSample && !r.wire) return FORWARD;
      const masked = copy.kind === "text" ? maskCopyText(data, r.plan, copy.text) : maskCopyCsv(data, r.plan, copy.csv);
      if (needSample) {
        const line = this.m.masking.redactValue(masked.toString("utf8").replace(/\r?\n$/, ""));
        r.sample.push(cutSample([line]));
      }
      return r.wire && masked !== data ? copyData(masked) : FORWARD;
    } catch (err) {
      if (!(err instanceof MaskingError)) throw err;
      return this.withhold(e ?? {}, r.names, err.message);
    }
  }
  /** The result set ended: its sample goes to the transcript. Returns whether it was withheld. */
  end(e) {
    const r = this.current;
    if (!r) return false;
    this.current = void 0;
    this.rowsArrive(this.rowMode);
    if (!r.withheld && e?.stmt && !e.refusal) {
      this.session.rows({
        id: e.stmt,
        columns: r.copy ? ["COPY row"] : r.names,
        sample: r.sample,
        truncated: r.truncated,
        masked: r.names.filter((_, i) => r.plan.actions[i] !== 0)
      });
    }
    return r.withheld;
  }
};
function described(portal) {
  if (!portal) return void 0;
  const d = portal.described ?? portal.statement?.described;
  if (!d) return void 0;
  return portal.described ? d : { ...d, formats: portal.formats };
}

// src/gateway/postgres/replies.ts
var QUERY = 0;
var PARSE = 1;
var BIND = 2;
var DESCRIBE = 3;
var EXECUTE = 4;
var CLOSE = 5;
var SYNC = 6;
var INTERNAL = 7;
var FUNCTION = 8;
var NOTHING = {};
var Entry = class {
  constructor(kind, { stmt, refusal: refusal2, facts, portal, describes }) {
    this.kind = kind;
    this.stmt = stmt;
    this.refusal = refusal2;
    this.started = stmt === void 0 ? 0 : performance.now();
    this.lineage = facts?.lineage;
    this.texts = facts?.texts;
    this.changesCatalog = facts?.changesCatalog;
    this.steps = facts?.steps;
    this.newLargeObject = facts?.createsLargeObject ?? (sqlCreatesLargeObject(facts?.texts) ? "row" : void 0);
    this.portal = portal;
    this.describes = describes;
  }
  kind;
  /** Session statement id whose result this reply completes. */
  stmt;
  /** For a refused statement: the ErrorResponse the client gets instead of the server's. */
  refusal;
  /** When a statement's reply was expected (0 for replies that complete no statement). */
  started;
  tag = void 0;
  rows = void 0;
  error = void 0;
  /** QUERY: which statement of the string is answering now. */
  index = 0;
  lineage;
  texts;
  changesCatalog;
  steps;
  /** Its result is the OID of a large object it creates (see large-objects.ts). */
  newLargeObject;
  portal;
  /** DESCRIBE: what the RowDescription describes. */
  describes;
};
var Replies = class {
  constructor(session, prepared, masking, dry) {
    this.session = session;
    this.prepared = prepared;
    this.dry = dry;
    this.results = masking ? new ResultMasker(session, masking) : void 0;
    this.catalog = masking?.catalog;
    session.analysisContext.postgres = this.state;
    this.largeObjects = new OwnLargeObjects(session.analysisContext);
  }
  session;
  prepared;
  dry;
  /**
   * Entries from `head` to `tail`. Slots are reused once the queue empties (nearly every round
   * trip): a queue that only grew until it was compacted got a new backing store every 256
   * replies, one that lived long enough to be promoted to the old generation and collected there.
   */
  queue = [];
  head = 0;
  tail = 0;
  /** Transaction status of the last ReadyForQuery: I, T or E. */
  txStatus = 73;
  /** DDL ran in this session that the side connection may not see yet (not committed). */
  unseenDdl = false;
  /**
   * What the server confirmed about the session's settings: written here, from ParameterStatus
   * and ReadyForQuery only; the analyzer and the commands' decoder read it.
   */
  state = new PostgresSessionState();
  /** Called once when every reply expected so far has arrived (see `whenIdle`). */
  idle;
  /** The server is reading COPY data from the client. */
  copyIn = false;
  results;
  catalog;
  largeObjects;
  /** The session's search_path, when the server reports it (PostgreSQL 18 and later). */
  get searchPath() {
    return this.state.searchPath;
  }
  /**
   * Whether the server will answer everything expected so far on its own: the last message sent
   * ends a batch (Query or Sync), so a ReadyForQuery is on its way and waiting for it is safe.
   */
  get batchClosed() {
    const last = this.queue[this.tail - 1];
    if (this.copyIn) return false;
    return this.pending === 0 || last?.kind === QUERY || last?.kind === SYNC || last?.kind === FUNCTION;
  }
  /** Runs `fn` once every reply expected so far has arrived (after the ReadyForQuery that ends them). */
  whenIdle(fn) {
    if (this.pending === 0) fn();
    else this.idle = fn;
  }
  get inTransaction() {
    return this.txStatus !== 73;
  }
  get pending() {
    return this.tail - this.head;
  }
  /** Queues the reply to one client message. */
  expect(kind, reply = NOTHING) {
    this.queue[this.tail++] = new Entry(kind, reply);
    if (reply.facts?.changesCatalog) this.unseenDdl = true;
  }
  peek() {
    return this.queue[this.head];
  }
  shift() {
    const e = this.queue[this.head];
    if (!e) return void 0;
    this.queue[this.head++] = void 0;
    if (this.head === this.tail) this.head = this.tail = 0;
    else if (this.head > 256 && this.head * 2 > this.tail) {
      this.queue = this.queue.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return e;
  }
  finish(e) {
    if (e.refusal) return;
    if (e.changesCatalog) this.catalog?.invalidate();
    if (!e.stmt) return;
    const result = {
      durationMs: performance.now() - e.started
    };
    if (e.tag !== void 0) result.tag = e.tag;
    if (e.rows !== void 0) result.rows = e.rows;
    if (e.error) result.error = e.error;
    this.session.ran(e.stmt, result);
  }
  /** Handles one server message; returns what to send the client. */
  message(type, buf, start, end) {
    if (this.dry && this.peek()?.kind === INTERNAL) return this.internal(type, buf, start, end);
    switch (type) {
      case T.dataRow:
        return this.results ? this.rows(buf, start, end) : FORWARD;
      case T.copyData:
        return this.results ? this.results.copyData(this.peek(), buf, start, end) : FORWARD;
      case T.copyDone:
        return this.results?.withheld ? DROP : FORWARD;
      case T.commandComplete:
      case T.emptyQuery:
      case T.portalSuspended: {
        const tag = type === T.commandComplete ? readCommandTag(buf, start, end) : void 0;
        const e = this.peek();
        const withheld = this.results?.end(e) === true;
        if (e && (e.kind === EXECUTE || e.kind === QUERY)) {
          e.index++;
          if (withheld) {
            if (e.kind === EXECUTE) this.finish(this.shift());
            return DROP;
          }
          const step = e.steps?.[e.kind === QUERY ? e.index - 1 : 0];
          if (step && tag !== void 0) {
            this.dry?.run.completed(step);
            if (step.tag !== void 0) return this.answered(e, step);
          }
          if (tag !== void 0) {
            e.tag = tag;
            const rows = rowsOfTag(tag);
            if (rows !== void 0) e.rows = (e.kind === QUERY ? e.rows ?? 0 : 0) + rows;
          } else if (type === T.portalSuspended) e.tag = "SUSPENDED";
          if (e.kind === EXECUTE) this.finish(this.shift());
        }
        if (tag === "DISCARD ALL" || tag === "DEALLOCATE ALL") this.prepared.clear();
        else if (tag === "ROLLBACK" || tag === "PREPARE TRANSACTION") this.largeObjects.undo();
        return FORWARD;
      }
      case T.parseComplete:
      case T.bindComplete:
      case T.closeComplete:
        this.shift();
        return FORWARD;
      case T.rowDescription: {
        const e = this.peek();
        if (e?.kind === DESCRIBE) {
          this.shift();
          if (this.results && e.describes) e.describes.described = readRowDescription(buf, start, end);
          return FORWARD;
        }
        if (this.results && e && (e.kind === QUERY || e.kind === EXECUTE))
          return this.results.rowDescription(e, buf, start, end);
        return FORWARD;
      }
      case T.noData:
        if (this.peek()?.kind === DESCRIBE) this.shift();
        return FORWARD;
      case T.copyOutResponse: {
        const e = this.peek();
        if (this.results && e && (e.kind === QUERY || e.kind === EXECUTE))
          return this.results.copyOut(e, buf, start);
        return FORWARD;
      }
      case T.error: {
        this.largeObjects.undo();
        const withheld = this.results?.end(this.peek()) === true;
        const d = this.error(buf, start, end);
        return withheld ? DROP : d;
      }
      case T.ready:
        this.results?.end(void 0);
        this.copyIn = false;
        return this.ready(readReadyStatus(buf, start));
      case T.copyInResponse:
        this.copyIn = true;
        this.dry?.resumeClient();
        return FORWARD;
      case T.functionCallResponse: {
        const e = this.peek();
        if (e?.kind === FUNCTION) {
          e.tag = "FUNCTION CALL";
          if (e.newLargeObject)
            this.largeObjects.created(readFunctionResult(buf, start, end), e.newLargeObject === "binary");
        }
        return FORWARD;
      }
      case T.parameterStatus: {
        const p = readParameterStatus(buf, start, end);
        if (p) this.state.parameter(p.name, p.value);
        return FORWARD;
      }
      case T.notice: {
        const f = readError(buf, start, end);
        this.session.notice(f.severity, f.code, recordedText(this.peek(), f));
        return this.results ? this.results.serverMessage(buf, start, end, this.peek()) : FORWARD;
      }
      default:
        return FORWARD;
    }
  }
  /** A dry-run step the gateway answers itself: its tag (and notice) instead of the server's. */
  answered(e, step) {
    e.tag = step.skipped ? SKIPPED_TAG : step.tag;
    let out = commandComplete(step.tag);
    if (step.notice) {
      const { severity, code, message: message2 } = step.notice;
      this.session.notice(severity, step.skipped ? SKIPPED_CODE : code, message2);
      out = Buffer.concat([noticeResponse(code, message2, severity), out]);
    }
    if (e.kind === EXECUTE) this.finish(this.shift());
    return out;
  }
  /** Replies to the gateway's own SQL are dropped; a failure is recorded (it should not happen). */
  internal(type, buf, start, end) {
    if (type === T.error) {
      const f = readError(buf, start, end);
      this.session.notice(
        f.severity,
        f.code,
        `guardrail dry run: the gateway's own statement failed: ${f.message}`
      );
    } else if (type === T.ready) this.shift();
    return DROP;
  }
  rows(buf, start, end) {
    const e = this.peek();
    if (!e || e.kind !== QUERY && e.kind !== EXECUTE) return FORWARD;
    if (e.newLargeObject === "row")
      this.largeObjects.created(
        onlyColumn(buf, start, end),
        e.kind === EXECUTE && formatOf(e.portal?.formats ?? [], 0) === 1
      );
    return this.results.dataRow(e, buf, start, end);
  }
  error(buf, start, end) {
    const e = this.peek();
    const pass = this.results ? this.results.serverMessage(buf, start, end, e) : FORWARD;
    if (!e) return pass;
    if (e.kind === QUERY || e.kind === FUNCTION) {
      if (e.refusal) return this.replace(e);
      const f2 = readError(buf, start, end);
      e.error = { code: f2.code, message: recordedText(e, f2) };
      return pass;
    }
    if (e.kind === SYNC) return pass;
    const first = this.shift();
    const f = readError(buf, start, end);
    let out = pass;
    if (first.refusal) out = this.replace(first);
    else {
      first.error = { code: f.code, message: recordedText(first, f) };
      this.finish(first);
    }
    const skipped = { code: f.code, message: "not run: an earlier message of the same pipeline failed" };
    for (let next = this.peek(); next && next.kind !== SYNC && next.kind !== QUERY; next = this.peek()) {
      const e2 = this.shift();
      if (e2.kind === EXECUTE || e2.kind === PARSE) {
        e2.error = skipped;
        this.finish(e2);
      }
    }
    return out;
  }
  replace(e) {
    const refusal2 = e.refusal;
    e.refusal = void 0;
    e.stmt = void 0;
    return refusal2.length > 0 ? refusal2 : DROP;
  }
  ready(upstream) {
    if (upstream === 73 && this.pending <= 1) this.unseenDdl = false;
    const status = this.dry ? this.dry.run.batchEnded(upstream) : upstream;
    this.txStatus = status;
    this.largeObjects.ready(status === 73);
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY || e.kind === FUNCTION) {
        this.finish(e);
        break;
      }
      if (e.kind === SYNC) break;
    }
    if (this.pending === 0) {
      this.state.unsettled = false;
      this.session.quiet(upstream !== 73);
    }
    if (this.idle && this.pending === 0) {
      const idle = this.idle;
      this.idle = void 0;
      idle();
    }
    if (!this.dry) return FORWARD;
    this.dry.resumeClient();
    return status === upstream ? FORWARD : readyForQuery(status);
  }
  /** At disconnect: statements still waiting for a reply end with an error in the transcript. */
  abandon(reason) {
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY || e.kind === EXECUTE || e.kind === FUNCTION) {
        e.error = { code: "08006", message: reason };
        this.finish(e);
      }
    }
  }
};
function recordedText(e, f) {
  return taintedNow(e) ? WITHHELD_TEXT : withDetail(f);
}
function withDetail(f) {
  return f.detail ? `${f.message}
DETAIL: ${f.detail}` : f.message;
}

// src/gateway/postgres/fast-path.ts
var INTEGERS = /* @__PURE__ */ new Set([INT8, INT2, INT4, OID]);
var KINDS = { p: "procedure", a: "aggregate", w: "window function" };
var FastPath = class {
  constructor(session, replies, oids, link, hooks) {
    this.session = session;
    this.replies = replies;
    this.oids = oids;
    this.link = link;
    this.hooks = hooks;
  }
  session;
  replies;
  oids;
  link;
  hooks;
  /** One FunctionCall message [start, end). */
  call(buf, start, end) {
    const call = readFunctionCall(buf, start, end);
    if (!call) {
      this.link.fatal("malformed FunctionCall message", "08P01");
      return DROP;
    }
    if (!this.oids) return this.refuse("fast-path function calls need the side connection to be judged");
    const known = this.oids.cached(call.oid);
    if (known) return this.judge(known, call, buf, start, end);
    const original = Buffer.from(buf.subarray(start, end));
    const copy = readFunctionCall(original, 0, original.length);
    this.hooks.hold();
    this.oids.resolve(call.oid).then(
      (identity) => this.later(
        original,
        () => identity ? this.judge(identity, copy, original, 0, original.length) : this.refuse(
          `fast-path call of function OID ${call.oid} refused: no committed function has that OID (a function created in the open transaction cannot be called by OID through the gateway)`
        )
      ),
      (err) => this.later(
        original,
        () => this.refuse(
          `fast-path call of function OID ${call.oid} refused: the catalog could not be read: ${err.message}`
        )
      )
    );
    return STOP;
  }
  /** Acts on a decision reached after the client was held, then reads the client again. */
  later(original, decide) {
    try {
      const d = decide();
      if (d === FORWARD) this.link.send(original);
      else if (typeof d !== "number") this.link.send(d);
    } catch (err) {
      this.link.fatal(`gateway error: ${err.message}`, "XX000");
      return;
    }
    this.hooks.release();
  }
  /** A call refused before it could be judged: the client gets an error, the server runs nothing. */
  refuse(message2) {
    const why = refusal("unjudgeable", message2);
    this.session.notice("ERROR", POSTGRES_REFUSALS[why.kind].sqlState, message2);
    this.replies.expect(QUERY, { refusal: refusalResponse(why) });
    return queryMessage(FAILING_SQL);
  }
  judge(f, call, buf, start, end) {
    const name = `${f.schema}.${f.name}`;
    if (f.kind !== "f")
      return this.refuse(
        `fast-path call of ${name} refused: a ${KINDS[f.kind] ?? f.kind} is not a plain function`
      );
    const equivalent = this.equivalent(f, call);
    if (typeof equivalent === "string")
      return this.refuse(`fast-path call of ${name} refused: ${equivalent}`);
    const params = equivalent.params.length > 0 ? equivalent.params : void 0;
    return this.hooks.judge(equivalent.text, params, buf, start, end, (j, facts) => {
      if (j.forward && facts.lineage?.some((l) => l?.tainted || l?.anyMasked || l?.maskAll))
        j = {
          ...j,
          forward: false,
          refusal: refusal(
            "masking-refused",
            `${name} reads masked data, and a fast-path call's result cannot be masked: call it with SELECT`
          )
        };
      if (!j.forward) {
        this.replies.expect(QUERY, { stmt: j.statement.id, refusal: this.hooks.refusal(j) });
        return queryMessage(FAILING_SQL);
      }
      const creates = createsLargeObject(f.schema, f.name);
      this.replies.expect(FUNCTION, {
        stmt: j.statement.id,
        facts: creates ? { ...facts, createsLargeObject: call.resultFormat === 1 ? "binary" : "text" } : facts
      });
      return FORWARD;
    });
  }
  /** The call as SQL, or why it cannot be read as the server will read it. */
  equivalent(f, call) {
    const args = [];
    const params = [];
    for (let i = 0; i < call.args.length; i++) {
      const value2 = call.args[i];
      const type = f.argTypes[i];
      const typeName = f.argTypeNames[i];
      const cast = typeName === void 0 ? "" : `::${typeName}`;
      if (value2 === null) {
        args.push(`NULL${cast}`);
        continue;
      }
      const binary2 = call.formats[i] === 1;
      const inline = type === BYTEA ? void 0 : this.literal(value2, type, binary2);
      if (inline === void 0) {
        params.push(`<${type === BYTEA ? "bytea" : "binary"} ${value2.length} bytes>`);
        args.push(`$${params.length}${cast}`);
      } else if (typeof inline === "object") return inline.error;
      else args.push(INTEGERS.has(type) && /^-?[0-9]+$/.test(inline) ? inline : `${quote(inline)}${cast}`);
    }
    return { text: `SELECT ${identifier(f.schema)}.${identifier(f.name)}(${args.join(", ")})`, params };
  }
  /**
   * The value as the server will read it (its text), undefined when it is data to keep out of
   * the SQL (an unknown binary form), or an error when its bytes cannot be read.
   */
  literal(value2, type, binary2) {
    if (binary2) {
      if (type === INT2 && value2.length === 2) return String(value2.readInt16BE(0));
      if (type === INT4 && value2.length === 4) return String(value2.readInt32BE(0));
      if (type === INT8 && value2.length === 8) return String(value2.readBigInt64BE(0));
      if (type === OID && value2.length === 4) return String(value2.readUInt32BE(0));
      if (type === BOOL && value2.length === 1) return value2[0] ? "true" : "false";
      if (type === void 0 || !TEXTUAL.has(type)) return void 0;
    }
    if (this.replies.pending > 0 && highBytes(value2, 0, value2.length))
      return {
        error: "an earlier message may have changed client_encoding, so non-ASCII text cannot be read until the server confirms it"
      };
    const d = this.replies.state.decode(value2, 0, value2.length);
    if (!("text" in d)) return { error: d.error };
    if (d.text.includes("\0")) return { error: "a text argument holds a NUL character" };
    return d.text;
  }
};
function quote(s) {
  const q = s.replaceAll("'", "''");
  return s.includes("\\") ? `E'${q.replaceAll("\\", "\\\\")}'` : `'${q}'`;
}
function identifier(name) {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

// src/gateway/postgres/masking-catalog.ts
var RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.oid::int8 AS oid,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def,
       array(SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS cols,
       array(SELECT a.attnum::int FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS nums
  FROM jsonb_to_recordset($1) AS q(s text, r text)
  JOIN pg_namespace n ON n.nspname = q.s
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = q.r
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')`;
var FUNCTIONS_SQL = `
SELECT q.s AS schema, q.f AS name,
       EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE p.proname = q.f AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND (q.s = '' OR n.nspname = q.s)) AS user_defined
  FROM jsonb_to_recordset($1) AS q(s text, f text)`;
var ATTRIBUTES_SQL = `
SELECT q.o::int8 AS oid, q.a::int AS attnum, n.nspname AS schema, c.relname AS table, a.attname AS column
  FROM jsonb_to_recordset($1) AS q(o int8, a int)
  LEFT JOIN pg_attribute a ON a.attrelid = q.o::oid AND a.attnum = q.a AND NOT a.attisdropped
  LEFT JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;
var DEFAULTS_SQL = 'SELECT current_schemas(true)::text[] AS path, current_user::text AS "user"';
var LIMITS = "SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '10s'; ";
var QUOTE = "$guardrail_catalog$";
var MAX_ROUNDS = 8;
var LINEAGE_CACHE = 512;
var UNSEEN = { kind: "view", columns: [] };
function schemasOf(setting, user) {
  const schemas = [];
  for (const m of setting.matchAll(/\s*("(?:[^"]|"")*"|[^,]+?)\s*(?:,|$)/g)) {
    const raw = m[1];
    if (!raw) continue;
    const name = raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
    schemas.push(name === "$user" ? user : name);
  }
  return schemas.includes("pg_catalog") ? schemas : ["pg_catalog", ...schemas];
}
var MaskingCatalog = class {
  constructor(masking, db) {
    this.masking = masking;
    this.db = db;
    this.origins = masking.resolverCache();
  }
  masking;
  db;
  origins;
  relations = /* @__PURE__ */ new Map();
  functions = /* @__PURE__ */ new Map();
  lineages = /* @__PURE__ */ new Map();
  /** The role's default search path (current_schemas(true) on the side connection) and name. */
  defaults;
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  generation = 0;
  invalidate() {
    this.generation++;
    this.relations.clear();
    this.functions.clear();
    this.lineages.clear();
    this.defaults = void 0;
    this.origins.invalidate();
  }
  /**
   * Lineage of every statement of `sql` in `session`'s state; a promise only when the catalog
   * must be read first.
   */
  lineage(sql, session = {}) {
    const cacheable = !session.strict && !session.pathUnknown;
    const key = `${session.searchPath ?? ""}\0${sql}`;
    const known = cacheable ? this.lineages.get(key) : void 0;
    if (known) return known;
    const first = this.attempt(sql, session);
    if ("result" in first) return this.remember(cacheable, key, first.result);
    return this.fetchAndRetry(sql, session, first.misses, 1).then((r) => this.remember(cacheable, key, r));
  }
  remember(cacheable, key, result) {
    if (!cacheable) return result;
    if (this.lineages.size >= LINEAGE_CACHE) this.lineages.clear();
    this.lineages.set(key, result);
    return result;
  }
  async fetchAndRetry(sql, session, misses, round) {
    await this.fetch(misses);
    const next = this.attempt(sql, session);
    if ("result" in next) return next.result;
    if (round >= MAX_ROUNDS)
      return { refuse: true, reason: "the masking catalog kept changing while the statement was judged" };
    return this.fetchAndRetry(sql, session, next.misses, round + 1);
  }
  /** The schemas unqualified names resolve in: the session's reported search_path, else the role's default. */
  pathOf(session) {
    if (!this.defaults) return void 0;
    return session.searchPath === void 0 ? this.defaults.path : schemasOf(session.searchPath, this.defaults.user);
  }
  attempt(sql, session) {
    const misses = { relations: /* @__PURE__ */ new Set(), functions: /* @__PURE__ */ new Set(), path: false };
    const path = this.pathOf(session);
    const strict = session.strict === true;
    let pathUsed = false;
    const self = this;
    const catalog = {
      get searchPath() {
        pathUsed = true;
        if (path) return path;
        misses.path = true;
        return [];
      },
      relation(schema, name) {
        const key = `${schema}.${name}`;
        const r = self.relations.get(key);
        if (r === void 0) misses.relations.add(JSON.stringify([schema, name]));
        if (r === null && strict) {
          const later = path?.includes(schema) ? path.slice(path.indexOf(schema) + 1) : [];
          if (later.some((s) => self.relations.get(`${s}.${name}`) !== null)) {
            for (const s of later)
              if (!self.relations.has(`${s}.${name}`)) misses.relations.add(JSON.stringify([s, name]));
            return void 0;
          }
          return UNSEEN;
        }
        return r ?? void 0;
      },
      isUserFunction(name, schema) {
        const key = `${schema ?? ""}.${name}`;
        const f = self.functions.get(key);
        if (f === void 0) misses.functions.add(JSON.stringify([schema ?? "", name]));
        return f ?? false;
      }
    };
    const result = this.masking.maskedOutputs(sql, catalog);
    if (misses.path || misses.relations.size > 0 || misses.functions.size > 0) return { misses };
    if (pathUsed && session.pathUnknown && !result.refuse) {
      return {
        result: {
          refuse: true,
          reason: "the session changed its search_path (or role) and the server does not report it: qualify relation names with their schema"
        }
      };
    }
    return { result };
  }
  async fetch(misses) {
    const generation = this.generation;
    const pairs = (set) => [...set].map((s) => JSON.parse(s));
    const [path, relations, functions] = await Promise.all([
      misses.path ? this.read(DEFAULTS_SQL) : void 0,
      misses.relations.size ? this.read(
        RELATIONS_SQL,
        pairs(misses.relations).map(([s, r]) => ({ s, r }))
      ) : void 0,
      misses.functions.size ? this.read(
        FUNCTIONS_SQL,
        pairs(misses.functions).map(([s, f]) => ({ s, f }))
      ) : void 0
    ]);
    if (generation !== this.generation) return;
    if (path?.[0]) this.defaults = { path: path[0].path, user: path[0].user };
    for (const key of misses.relations) {
      const [schema, name] = JSON.parse(key);
      this.relations.set(`${schema}.${name}`, null);
    }
    for (const r of relations ?? []) {
      const schema = r.schema;
      const table = r.name;
      const cols = r.cols;
      const kind = r.kind === "v" || r.kind === "m" ? "view" : "table";
      this.relations.set(`${schema}.${table}`, {
        kind,
        columns: cols,
        ...typeof r.def === "string" ? { definition: r.def } : {}
      });
      const oid = Number(r.oid);
      r.nums.forEach((attnum, i) => {
        this.origins.set(oid, attnum, { schema, table, column: cols[i] });
      });
    }
    for (const r of functions ?? []) {
      this.functions.set(`${r.schema}.${r.name}`, r.user_defined === true);
    }
  }
  /**
   * Runs one catalog query under LIMITS, its input ($1) inlined as a dollar-quoted jsonb literal:
   * parameters would need the extended protocol, which takes one statement only.
   */
  async read(sql, input) {
    const json = JSON.stringify(input ?? null);
    if (json.includes(QUOTE))
      throw new GuardrailError("a name in the statement cannot be looked up in the catalog", {
        code: "ERR_CATALOG_READ"
      });
    const text = LIMITS + sql.replace("$1", `${QUOTE}${json}${QUOTE}::jsonb`);
    const results = await this.db.query(text);
    return (Array.isArray(results) ? results.at(-1) : results).rows;
  }
  /** Fills the origin cache for the (table OID, attnum) pairs a RowDescription named. */
  async resolve(missing) {
    const generation = this.generation;
    const rows = await this.read(
      ATTRIBUTES_SQL,
      missing.map((m) => ({ o: m.tableOid, a: m.attnum }))
    );
    if (generation !== this.generation) return;
    for (const r of rows) {
      this.origins.set(
        Number(r.oid),
        Number(r.attnum),
        r.column == null ? null : { schema: r.schema, table: r.table, column: r.column }
      );
    }
  }
};
var CATALOG_NEUTRAL = /^(?:select|insert|update|delete|merge|copy|values|table|with|explain|show|fetch|move|close|begin|start|commit|end|rollback|abort|savepoint|release|prepare|execute|deallocate|listen|unlisten|notify|lock|declare|discard|checkpoint|analyze|vacuum|reset|set\s+(?!search_path|schema|role|session))\b/i;
function changesCatalog(text) {
  const body2 = text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "").replace(/^\(+\s*/, "");
  return !CATALOG_NEUTRAL.test(body2);
}
var SESSION_PATH = /search_path|\brole\b|session_authorization|session\s+authorization|\bdiscard\b|\breset\s+all\b/i;
function changesSessionPath(text) {
  return SESSION_PATH.test(text);
}

// src/gateway/postgres/statement-facts.ts
var NO_FACTS = Object.freeze({});
var FactFinder = class {
  constructor(session, replies, masking) {
    this.session = session;
    this.replies = replies;
    this.masking = masking;
    this.pathChanged = masking?.pathChanged === true;
  }
  session;
  replies;
  masking;
  /** The session may have changed its search path or role (see changesSessionPath). */
  pathChanged;
  /** Settings written by statements that read masked data: reading them back is masked. */
  settings = new SettingTaint();
  of(text, j) {
    if (!j.forward || !this.masking) return [j, NO_FACTS];
    const texts = j.analysis.statements.map((s) => s.text);
    const { catalog } = this.masking;
    if (!catalog) return [j, { texts }];
    const ddl = texts.length === 0 || texts.some(changesCatalog);
    const facts = { texts, ...ddl ? { changesCatalog: true } : {} };
    const withLineage = (l2) => {
      if (l2.refuse)
        return [
          {
            ...j,
            forward: false,
            refusal: refusal("masking-refused", `masking cannot judge this statement: ${l2.reason}`)
          },
          facts
        ];
      const known = { ...facts, lineage: this.settings.apply(l2.statements) };
      const held = catalog.masking.config.strict ? strictFindings(l2.statements.flatMap((s) => s.uses ?? [])) : [];
      if (held.length === 0) return [j, known];
      const r = this.session.review(j, held, j.statement.via === "prepared");
      return r instanceof Promise ? r.then((x) => [x, known]) : [r, known];
    };
    if (texts.some(changesSessionPath) || texts.length === 0) this.pathChanged = true;
    const { searchPath } = this.replies;
    const l = catalog.lineage(text, {
      strict: this.replies.unseenDdl || ddl,
      ...searchPath !== void 0 ? { searchPath } : {},
      pathUnknown: this.pathChanged && (searchPath === void 0 || searchPath.includes("$user"))
    });
    return l instanceof Promise ? l.then(
      withLineage,
      (err) => withLineage({ refuse: true, reason: `the masking catalog could not be read: ${err.message}` })
    ) : withLineage(l);
  }
};

// src/gateway/postgres/commands.ts
var COPY = /^\s*copy\b/i;
var PostgresCommands = class {
  constructor(session, replies, prepared, hooks, masking, dryRun, functions) {
    this.session = session;
    this.replies = replies;
    this.prepared = prepared;
    this.hooks = hooks;
    this.masking = masking;
    this.dryRun = dryRun;
    this.facts = new FactFinder(session, replies, masking);
    this.fastPath = new FastPath(session, replies, functions, hooks, {
      judge: (text, params, buf, start, end, decided) => this.judge(text, "fast-path", buf, start, end, decided, params),
      refusal: (j) => this.refuse(j),
      hold: () => this.block(),
      release: () => this.unblock()
    });
  }
  session;
  replies;
  prepared;
  hooks;
  masking;
  dryRun;
  /** After a refused Parse: drop client messages until Sync, as the server does after an error. */
  discarding = false;
  facts;
  fastPath;
  /** Reasons the client is not read: a statement being judged, a dry-run batch not yet ended. */
  holds = 0;
  awaitingReady = false;
  block() {
    if (this.holds++ === 0) this.hooks.hold();
  }
  unblock() {
    if (--this.holds === 0) this.hooks.release();
  }
  /** Dry run: the batch's ReadyForQuery, or a CopyInResponse, went to the client. */
  batchDone() {
    if (!this.awaitingReady) return;
    this.awaitingReady = false;
    this.unblock();
  }
  /**
   * Dry run: the gateway's own SQL goes before the first message of a batch (see dry-run.ts);
   * its replies are expected before the message's own.
   */
  openBatch() {
    const prefix = this.dryRun?.batchPrefix();
    if (prefix) this.replies.expect(INTERNAL);
    return prefix;
  }
  /** Dry run: the message that ends a batch is the last read until the batch's ReadyForQuery is out. */
  endBatch() {
    this.awaitingReady = true;
    this.block();
  }
  message(type, buf, start, end) {
    if (!this.dryRun) return this.relay(type, buf, start, end);
    switch (type) {
      case T.query:
      case T.parse:
      case T.copyData:
      case T.flush:
        return this.relay(type, buf, start, end);
      case T.terminate:
        this.hooks.terminate();
        return Buffer.concat([DRY_RUN_ROLLBACK, buf.subarray(start, end)]);
      case T.copyDone:
      case T.copyFail:
        if (!this.replies.copyIn) return FORWARD;
        this.endBatch();
        return buf.subarray(start, end);
      default: {
        const prefix = this.openBatch();
        const d = this.relay(type, buf, start, end);
        if (type === T.sync || type === T.functionCall) this.endBatch();
        const body2 = d === FORWARD ? buf.subarray(start, end) : d;
        if (typeof body2 === "number") return prefix ?? body2;
        return prefix ? Buffer.concat([prefix, body2]) : body2;
      }
    }
  }
  relay(type, buf, start, end) {
    if (type === T.sync) {
      this.discarding = false;
      this.replies.expect(SYNC);
      return FORWARD;
    }
    if (type === T.flush) return FORWARD;
    if (type === T.terminate) {
      this.hooks.terminate();
      return FORWARD;
    }
    if (this.discarding) return DROP;
    switch (type) {
      case T.query:
        return this.query(buf, start, end);
      case T.parse:
        return this.parse(buf, start, end);
      case T.bind:
        return this.bind(buf, start, end);
      case T.execute: {
        const portal = readExecute(buf, start, end);
        if (portal === void 0) return this.malformed("Execute");
        const p = this.prepared.portals.get(portal);
        const s = p?.statement;
        this.replies.expect(EXECUTE, { stmt: p?.execution ?? s?.id, facts: s, portal: p });
        return FORWARD;
      }
      case T.describe: {
        const d = readTarget(buf, start, end);
        if (!d) return this.malformed("Describe");
        const target = d.statement ? this.prepared.statements.get(d.name) : this.prepared.portals.get(d.name);
        this.replies.expect(DESCRIBE, { describes: target });
        return FORWARD;
      }
      case T.close: {
        const c = readTarget(buf, start, end);
        if (!c) return this.malformed("Close");
        if (c.statement) this.prepared.statements.delete(c.name);
        else this.prepared.portals.delete(c.name);
        this.replies.expect(CLOSE);
        return FORWARD;
      }
      case T.copyData:
      case T.copyDone:
      case T.copyFail:
        return FORWARD;
      case T.functionCall:
        return this.fastPath.call(buf, start, end);
      default:
        this.hooks.fatal(`unexpected message type 0x${type.toString(16)} from the client`, "08P01");
        return DROP;
    }
  }
  malformed(what) {
    this.hooks.fatal(`malformed ${what} message`, "08P01");
    return DROP;
  }
  /**
   * A Query or Parse whose reading depends on settings (a high byte: the client encoding; a
   * backslash: standard_conforming_strings) behind messages not yet answered, which may have
   * changed them. When those messages end their batch, the server answers them unprompted: this
   * one is held, and what the client sent after it, until the ReadyForQuery (and the
   * ParameterStatus before it) arrives, then judged under the confirmed state. Inside an open
   * extended-protocol batch nothing is answered before the client's Sync, so waiting would
   * deadlock: it is judged under every state instead (see `judgeUnsettled`). Returns undefined to
   * judge now.
   */
  awaitState(type, buf, start, end, from, to) {
    if (this.replies.pending === 0 || !readingDependsOnState(buf, from, to)) return void 0;
    if (!this.replies.batchClosed)
      return this.judgeUnsettled(type === T.parse ? PARSE : QUERY, buf, from, to);
    const held = Buffer.from(buf.subarray(start, end));
    this.block();
    this.replies.whenIdle(() => {
      let d;
      try {
        d = this.message(type, held, 0, held.length);
      } catch (err) {
        this.hooks.fatal(`gateway error: ${err.message}`, "XX000");
        return;
      }
      if (d === FORWARD) this.hooks.send(held);
      else if (typeof d !== "number") this.hooks.send(d);
      this.unblock();
    });
    return STOP;
  }
  /**
   * Judged under every state the unanswered messages could have left: standard_conforming_strings
   * off (the analyzer then treats a backslash in a plain string or in nested code as unreadable).
   * The client encoding cannot be tried the same way (every encoding reads high bytes as other
   * characters), so text with a high byte is refused until the state is confirmed.
   */
  judgeUnsettled(kind, buf, from, to) {
    this.replies.state.unsettled = true;
    if (!highBytes(buf, from, to)) return void 0;
    return this.unreadable(
      kind,
      "0A000",
      "guardrail: an earlier message of this batch may have changed client_encoding, so text with non-ASCII bytes cannot be read until the server confirms it; send it after a Sync"
    );
  }
  /** A Query or Parse whose bytes cannot be read as the server will read them: refused, not forwarded. */
  unreadable(kind, code, message2) {
    this.session.notice("ERROR", code, message2);
    if (kind === PARSE) {
      this.prepared.statements.delete("");
      this.discarding = true;
      this.replies.expect(PARSE, { refusal: errorResponse(code, message2) });
      return parseMessage("", FAILING_SQL);
    }
    this.replies.expect(QUERY, { refusal: errorResponse(code, message2) });
    return queryMessage(FAILING_SQL);
  }
  /** The statement text of bytes [from, to), as the server will read it, or a refusal. */
  text(kind, buf, from, to) {
    const d = this.replies.state.decode(buf, from, to);
    return "text" in d ? d.text : this.unreadable(kind, d.code, `guardrail: ${d.error}`);
  }
  query(buf, start, end) {
    const q = readQuery(buf, start, end);
    if (!q) return this.malformed("Query");
    const held = this.awaitState(T.query, buf, start, end, q.from, q.to);
    if (held !== void 0) return held;
    const value2 = this.text(QUERY, buf, q.from, q.to);
    if (typeof value2 !== "string") return value2;
    const via = COPY.test(value2) ? "copy" : "simple";
    return this.judge(value2, via, buf, start, end, (j, facts) => {
      if (!this.dryRun) {
        if (j.forward) {
          this.replies.expect(QUERY, { stmt: j.statement.id, facts });
          return FORWARD;
        }
        this.replies.expect(QUERY, { stmt: j.statement.id, refusal: this.refuse(j) });
        return queryMessage(FAILING_SQL);
      }
      const prefix = this.openBatch();
      let out;
      const plan = j.forward ? this.dryRun.rewrite(j.analysis.statements.map((st) => st.text)) : void 0;
      if (plan && (plan.sql === void 0 || this.readsBack(plan.sql))) {
        this.replies.expect(QUERY, { stmt: j.statement.id, facts: { ...facts, steps: plan.steps } });
        out = plan.sql === void 0 ? buf.subarray(start, end) : queryMessage(plan.sql);
      } else {
        this.replies.expect(QUERY, {
          stmt: j.statement.id,
          refusal: this.refuse(plan ? this.unencodable(j) : j)
        });
        out = queryMessage(FAILING_SQL);
      }
      this.endBatch();
      return prefix ? Buffer.concat([prefix, out]) : out;
    });
  }
  parse(buf, start, end) {
    const m = readParse(buf, start, end);
    if (!m) return this.malformed("Parse");
    const held = this.awaitState(T.parse, buf, start, end, m.from, m.to);
    if (held !== void 0) return held;
    const value2 = this.text(PARSE, buf, m.from, m.to);
    if (typeof value2 !== "string") return value2;
    const via = COPY.test(value2) ? "copy" : m.name === "" ? "extended" : "prepared";
    return this.judge(value2, via, buf, start, end, (j, facts) => {
      const prefix = this.openBatch();
      let out;
      const step = j.forward ? this.dryRun?.step(value2) : void 0;
      if (j.forward && (step?.sql === void 0 || this.readsBack(step.sql))) {
        this.prepared.statements.set(m.name, {
          id: j.statement.id,
          ...facts,
          ...step ? { steps: [step] } : {},
          judgement: j,
          paramTypes: parseParamTypes(buf, m.types, end)
        });
        this.replies.expect(PARSE, { stmt: j.statement.id });
        out = step?.sql === void 0 ? FORWARD : parseMessage(m.name, step.sql);
      } else {
        if (m.name === "") this.prepared.statements.delete("");
        this.discarding = true;
        this.replies.expect(PARSE, {
          stmt: j.statement.id,
          refusal: this.refuse(j.forward ? this.unencodable(j) : j)
        });
        out = parseMessage("", FAILING_SQL);
      }
      if (!prefix) return out;
      return Buffer.concat([prefix, out === FORWARD ? buf.subarray(start, end) : out]);
    });
  }
  /**
   * Whether SQL the gateway writes itself (a dry run's rewrite, sent as UTF-8) reads back as the
   * same text under the session's client encoding: otherwise the server would run something else.
   */
  readsBack(sql) {
    const bytes = Buffer.from(sql, "utf8");
    const d = this.replies.state.decode(bytes, 0, bytes.length);
    return "text" in d && d.text === sql;
  }
  unencodable(j) {
    const encoding = this.replies.state.clientEncoding;
    return {
      ...j,
      forward: false,
      refusal: refusal(
        "unjudgeable",
        `the dry run cannot rewrite this statement in client_encoding ${encoding}; use UTF8`
      )
    };
  }
  refuse(j) {
    const server = j.serverError;
    const why = j.refusal ?? refusal("unjudgeable", "statement refused");
    const code = server?.code ?? POSTGRES_REFUSALS[why.kind].sqlState;
    const message2 = server?.message ?? why.message;
    try {
      this.session.ran(j.statement.id, { durationMs: 0, error: { code, message: message2 } });
    } catch {
    }
    return errorResponse(code, message2, "ERROR", server?.position);
  }
  /**
   * Judges a statement, then (when it may run and masking is on) works out its lineage; a
   * statement whose lineage cannot be established is refused. A pending approval or catalog read
   * holds it and everything the client sent after it.
   */
  judge(text, via, buf, start, end, decided, params) {
    const inspected = this.session.inspect(text, via, { inTransaction: this.replies.inTransaction, params });
    const j = inspected instanceof Promise ? inspected.then((x) => this.facts.of(text, x)) : this.facts.of(text, inspected);
    const noted = ([judgement, facts]) => {
      if (judgement.forward) notePrepares(judgement.analysis, this.prepared.bySql);
      return decided(judgement, facts);
    };
    return j instanceof Promise ? this.settle(j, buf.subarray(start, end), noted) : noted(j);
  }
  /** A pending verdict (catalog read, estimate, approval) holds the message and all behind it. */
  settle(pending, original, decided) {
    this.block();
    pending.then(
      (j) => {
        try {
          const d = decided(j);
          if (d === FORWARD) this.hooks.send(original);
          else if (typeof d !== "number") this.hooks.send(d);
        } catch (err) {
          this.hooks.fatal(`gateway error: ${err.message}`, "XX000");
          return;
        }
        this.unblock();
      },
      (err) => this.hooks.fatal(`statement could not be judged: ${err.message}`, "XX000")
    );
    return STOP;
  }
  /**
   * One execution of a prepared statement: recorded with its values, and estimated with them
   * when its estimate needs them. A refused one is replaced by a Bind the server rejects.
   */
  bind(buf, start, end) {
    const b = readBind2(buf, start, end, this.replies.state, this.prepared.statements);
    if (!b) return this.malformed("Bind");
    const statement = this.prepared.statements.get(b.statement);
    const formats = this.masking ? b.resultFormats : [];
    const refused = (id, error) => {
      this.prepared.portals.delete(b.portal);
      this.discarding = true;
      this.replies.expect(BIND, { stmt: id, refusal: error });
      return refusedBind(buf, start, b.names);
    };
    const decided = (j) => {
      if (j && !j.forward) return refused(j.statement.id, this.refuse(j));
      const execution = j ? { execution: j.statement.id } : {};
      this.prepared.portals.set(b.portal, { statement, formats, ...execution });
      this.replies.expect(BIND);
      return FORWARD;
    };
    const judged = statement?.judgement;
    if (judged) {
      const j = this.session.execute(judged, b.shown, b.exact !== void 0, b.exact);
      return j instanceof Promise ? this.settle(j, buf.subarray(start, end), decided) : decided(j);
    }
    const bySql = preparedBySql(this.prepared.bySql, b.statement);
    if (!bySql) return decided();
    const why = { kind: "unjudgeable", message: bySql };
    this.session.notice("ERROR", POSTGRES_REFUSALS[why.kind].sqlState, why.message);
    return refused(void 0, refusalResponse(why));
  }
};

// src/gateway/postgres/error-severity.ts
function endsSession(buf, start, end) {
  const severity = readSeverity(buf, start, end);
  return severity === "FATAL" || severity === "PANIC";
}

// src/gateway/postgres/function-oids.ts
var LOOKUP = `
SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind,
       ARRAY(SELECT t::int8 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY i) AS types,
       ARRAY(SELECT pg_catalog.format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY i) AS type_names
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.oid = $1::oid`;
var FunctionOids = class {
  constructor(catalog) {
    this.catalog = catalog;
  }
  catalog;
  known = /* @__PURE__ */ new Map();
  /** The cached identity, when this connection has resolved the OID before. */
  cached(oid) {
    return this.known.get(oid);
  }
  /**
   * Reads the function from the catalog: undefined when no committed function has this OID (the
   * side connection does not see functions created in the session's open transaction).
   */
  async resolve(oid) {
    const hit = this.known.get(oid);
    if (hit) return hit;
    const { rows } = await this.catalog.query(LOOKUP, [String(oid)]);
    const row = rows[0];
    if (!row) return void 0;
    const identity = {
      schema: row.schema,
      name: row.name,
      kind: row.kind,
      argTypes: row.types.map(Number),
      argTypeNames: row.type_names
    };
    this.known.set(oid, identity);
    return identity;
  }
};

// src/gateway/postgres/handshake-io.ts
var StartupRefused = class extends ProtocolError {
  constructor(message2, reply = null) {
    super(message2);
    this.reply = reply;
  }
  reply;
};
var MessageReader = class {
  constructor(socket, maxBytes) {
    this.socket = socket;
    this.maxBytes = maxBytes;
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }
  socket;
  maxBytes;
  buf = Buffer.alloc(0);
  wake = null;
  closed = null;
  onData = (d) => {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    this.notify();
  };
  onEnd = () => {
    this.closed ??= new ProtocolError("connection closed during start-up", "08006");
    this.notify();
  };
  onError = (err) => {
    this.closed ??= new ProtocolError(`connection failed during start-up: ${err.message}`, "08006");
    this.notify();
  };
  notify() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  async need(n) {
    while (this.buf.length < n) {
      if (this.closed) throw this.closed;
      await new Promise((resolve) => {
        this.wake = resolve;
      });
    }
  }
  take(n) {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  async byte() {
    await this.need(1);
    return this.take(1)[0];
  }
  /** The first byte without consuming it (to spot a TLS ClientHello). */
  async peek() {
    await this.need(1);
    return this.buf[0];
  }
  /** A start-up packet (no type byte): the whole packet including its length word. */
  async packet() {
    await this.need(4);
    const length = this.buf.readInt32BE(0);
    if (length < 8 || length > 1e4) throw new StartupRefused(`invalid start-up packet length ${length}`);
    await this.need(length);
    return this.take(length);
  }
  /** A typed message: its type and body (without the 5-byte header). */
  async message() {
    await this.need(5);
    const type = this.buf[0];
    const length = this.buf.readInt32BE(1);
    if (length < 4) throw new ProtocolError(`invalid message length ${length}`);
    if (length + 1 > this.maxBytes)
      throw new ProtocolError(
        `message of ${length + 1} bytes exceeds the limit of ${this.maxBytes}`,
        "54000"
      );
    await this.need(length + 1);
    const msg = this.take(length + 1);
    return { type, body: msg.subarray(5) };
  }
  /** Stops listening and returns bytes that arrived beyond what was read. */
  detach() {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onError);
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
};

// src/gateway/postgres/prepared.ts
var NamedStatements = class {
  statements = /* @__PURE__ */ new Map();
  portals = /* @__PURE__ */ new Map();
  /** Names created by SQL PREPARE statements (see notePrepares). */
  bySql = /* @__PURE__ */ new Set();
  clear() {
    this.statements.clear();
    this.portals.clear();
  }
};

// src/gateway/postgres/startup.ts
import { TLSSocket } from "node:tls";
var BAD_LAYOUT = "invalid startup packet layout: expected terminator as last byte";
async function upgrade(conn, context, maxBytes) {
  if (conn.reader.detach().length > 0) throw new ProtocolError("received unencrypted data after SSL request");
  const raw = conn.socket;
  raw.write("S");
  const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
  await new Promise((resolve, reject) => {
    secure.once("secure", resolve);
    secure.once("error", reject);
    secure.once(
      "close",
      () => reject(new ProtocolError("connection closed during the TLS handshake", "08006"))
    );
  });
  secure.setNoDelay(true);
  secure.on("error", () => secure.destroy());
  conn.socket = secure;
  conn.reader = new MessageReader(secure, maxBytes);
}
async function readStartup(conn, tls, maxBytes) {
  let encrypted = false;
  for (; ; ) {
    const { reader, socket } = conn;
    if (await reader.peek() === 22)
      throw new ProtocolError("direct TLS is not supported by the gateway: use sslnegotiation=postgres");
    const packet2 = await reader.packet();
    const code = readStartupCode(packet2);
    if (code === SSL_REQUEST && tls && !encrypted) {
      await upgrade(conn, tls, maxBytes);
      encrypted = true;
      continue;
    }
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      socket.write("N");
      continue;
    }
    if (code === CANCEL_REQUEST) {
      const key = readCancelRequest(packet2);
      if (!key) throw new StartupRefused("malformed CancelRequest");
      return { kind: "cancel", ...key };
    }
    const major = code >>> 16;
    const minor = code & 65535;
    if (major < 3) {
      const text = `unsupported frontend protocol ${major}.${minor}: the gateway speaks 3.0`;
      throw new StartupRefused(text, Buffer.from(`EFATAL:  ${text}
\0`));
    }
    if (major !== 3)
      throw new ProtocolError(
        `unsupported frontend protocol ${major}.${minor}: the gateway speaks 3.0`,
        "0A000"
      );
    const params = {};
    const unrecognized = [];
    let pos = STARTUP_PARAMS;
    while (pos < packet2.length && packet2[pos] !== 0) {
      const key = readCString(packet2, pos, packet2.length);
      if (key.next < 0) throw new ProtocolError(BAD_LAYOUT);
      const value2 = readCString(packet2, key.next, packet2.length);
      if (value2.next < 0) throw new ProtocolError(BAD_LAYOUT);
      if (key.value.startsWith("_pq_.")) unrecognized.push(key.value);
      else params[key.value] = value2.value;
      pos = value2.next;
    }
    if (pos !== packet2.length - 1) throw new ProtocolError(BAD_LAYOUT);
    if (!params.user) throw new ProtocolError("no PostgreSQL user name specified in startup packet", "28000");
    if (minor > 0 || unrecognized.length > 0) socket.write(negotiateProtocolVersion(0, unrecognized));
    return { kind: "startup", params };
  }
}

// src/gateway/postgres/startup-settings.ts
var PLAIN = /* @__PURE__ */ new Set([
  "application_name",
  "client_encoding",
  "datestyle",
  "timezone",
  "intervalstyle",
  "extra_float_digits",
  "standard_conforming_strings",
  "bytea_output",
  "lc_messages"
]);
var OWN = /* @__PURE__ */ new Set(["user", "database", "replication"]);
function splitOptions(options) {
  const words = [];
  let word = "";
  for (let i = 0; i < options.length; i++) {
    const c = options[i];
    if (c === "\\" && i + 1 < options.length) word += options[++i];
    else if (/\s/.test(c)) {
      if (word) words.push(word);
      word = "";
    } else word += c;
  }
  if (word) words.push(word);
  return words;
}
function optionSettings(options) {
  const words = splitOptions(options);
  const out = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const pair = w === "-c" ? words[++i] : w.startsWith("--") ? w.slice(2) : w.startsWith("-c") ? w.slice(2) : void 0;
    const eq = pair?.indexOf("=") ?? -1;
    if (!pair || eq <= 0)
      throw new ProtocolError(`start-up option "${w}" is not allowed through the gateway`, "42501");
    out.push({ name: pair.slice(0, eq).replaceAll("-", "_"), value: pair.slice(eq + 1) });
  }
  return out;
}
function startupSettings(params) {
  const plain = {};
  const judged = [];
  for (const [name, value2] of Object.entries(params)) {
    if (OWN.has(name)) continue;
    if (name === "options") judged.push(...optionSettings(value2));
    else if (PLAIN.has(name.toLowerCase())) plain[name] = value2;
    else judged.push({ name, value: value2 });
  }
  return { plain, judged };
}
function asSetStatement({ name, value: value2 }) {
  const literal = `'${value2.replaceAll("'", "''")}'`;
  if (name.toLowerCase() === "search_path") return `SELECT set_config('search_path', ${literal}, false)`;
  const ident = /^[a-z_][a-z0-9_.]*$/i.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
  return `SET ${ident} = ${literal}`;
}

// src/gateway/postgres/upstream.ts
import { createHash as createHash3 } from "node:crypto";
import { isIP, connect as netConnect } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";

// src/gateway/postgres/scram-client.ts
import { randomBytes as randomBytes3, timingSafeEqual as timingSafeEqual3 } from "node:crypto";
var saltedCache = /* @__PURE__ */ new Map();
var ScramClient = class {
  constructor(password) {
    this.password = password;
  }
  password;
  clientNonce = randomBytes3(18).toString("base64");
  clientFirstBare = `n=*,r=${this.clientNonce}`;
  expectedServerSignature;
  first() {
    return `n,,${this.clientFirstBare}`;
  }
  /** Takes server-first-message, returns client-final-message. */
  final(serverFirst) {
    const attrs = attributes(serverFirst);
    const nonce = attrs.get("r");
    const salt = attrs.get("s");
    const iterations = Number(attrs.get("i"));
    if (!nonce?.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length)
      throw new GuardrailError("upstream SCRAM server nonce is invalid", { code: "ERR_UPSTREAM_FAILED" });
    if (!salt || !Number.isInteger(iterations) || iterations < 1)
      throw new GuardrailError("upstream SCRAM server-first-message is malformed", {
        code: "ERR_UPSTREAM_FAILED"
      });
    const key = `${salt}:${iterations}:${this.password}`;
    let salted = saltedCache.get(key);
    if (!salted) {
      salted = saltedPassword(this.password, Buffer.from(salt, "base64"), iterations);
      if (saltedCache.size > 64) saltedCache.clear();
      saltedCache.set(key, salted);
    }
    const { clientKey, storedKey, serverKey } = keysOf(salted);
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(storedKey, authMessage));
    this.expectedServerSignature = hmac(serverKey, authMessage);
    return `${withoutProof},p=${proof.toString("base64")}`;
  }
  /** Checks server-final-message: the server proves it knows the password too. */
  verify(serverFinal) {
    const v = attributes(serverFinal).get("v");
    const got = v ? Buffer.from(v, "base64") : Buffer.alloc(0);
    const want = this.expectedServerSignature;
    if (!want || got.length !== want.length || !timingSafeEqual3(got, want))
      throw new GuardrailError("upstream SCRAM server signature does not match", {
        code: "ERR_UPSTREAM_FAILED"
      });
  }
};

// src/gateway/postgres/upstream.ts
function rawConnect(cfg) {
  return new Promise((resolve, reject) => {
    const socket = cfg.socketDir ? netConnect(join(cfg.socketDir, `.s.PGSQL.${cfg.port}`)) : netConnect({ host: cfg.host, port: cfg.port });
    socket.setNoDelay(true);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}
async function negotiateTls(cfg, socket) {
  if (cfg.sslmode === "disable" || cfg.socketDir) return socket;
  socket.write(sslRequest());
  const reader = new MessageReader(socket, 1);
  const answer = await reader.byte();
  const extra = reader.detach();
  if (answer === 78) {
    if (cfg.sslmode === "prefer") return socket;
    throw new ProtocolError(`upstream does not support TLS but sslmode is ${cfg.sslmode}`, "08004");
  }
  if (answer !== 83 || extra.length > 0)
    throw new ProtocolError("upstream answered SSLRequest incorrectly");
  const verify = cfg.sslmode === "verify-ca" || cfg.sslmode === "verify-full";
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      // The name checked against the certificate; SNI takes host names only.
      host: cfg.host,
      ...isIP(cfg.host) ? {} : { servername: cfg.host },
      rejectUnauthorized: verify,
      ...cfg.ca ? { ca: cfg.ca } : {},
      ...cfg.sslmode === "verify-ca" ? { checkServerIdentity: () => void 0 } : {}
    });
    tls.once("secureConnect", () => {
      tls.off("error", reject);
      resolve(tls);
    });
    tls.once("error", (err) => reject(new ProtocolError(`upstream TLS failed: ${err.message}`, "08006")));
  });
}
function md5Hex(data) {
  return createHash3("md5").update(data).digest("hex");
}
function requirePassword(cfg) {
  if (cfg.password === void 0)
    throw new ProtocolError("upstream asks for a password but none is configured", "28P01");
  return cfg.password;
}
async function connectUpstream(cfg, params, maxMessageBytes) {
  const socket = await negotiateTls(cfg, await rawConnect(cfg));
  try {
    return await startUp(cfg, socket, params, maxMessageBytes);
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
async function startUp(cfg, socket, params, maxMessageBytes) {
  const reader = new MessageReader(socket, maxMessageBytes);
  socket.write(startupMessage({ ...params, user: cfg.user, database: cfg.database }));
  let scram;
  let pid = 0;
  let secret = 0;
  const greeting = [];
  for (; ; ) {
    const { type, body: body2 } = await reader.message();
    if (type === T.error) {
      const f = readErrorFields(body2, 0, body2.length);
      throw new UpstreamError(f.message, f.code);
    }
    if (type === T.auth) {
      const code = body2.readInt32BE(0);
      if (code === 0) continue;
      if (code === 3) socket.write(passwordMessage(requirePassword(cfg)));
      else if (code === 5) {
        const inner = md5Hex(requirePassword(cfg) + cfg.user);
        socket.write(
          passwordMessage(`md5${md5Hex(Buffer.concat([Buffer.from(inner), body2.subarray(4, 8)]))}`)
        );
      } else if (code === 10) {
        const mechanisms = body2.toString("utf8", 4).split("\0");
        if (!mechanisms.includes(MECHANISM))
          throw new ProtocolError(`upstream offers no supported SASL mechanism (${mechanisms.join(" ")})`);
        scram = new ScramClient(requirePassword(cfg));
        socket.write(saslInitialResponse(MECHANISM, Buffer.from(scram.first())));
      } else if (code === 11 && scram) {
        socket.write(passwordMessage(Buffer.from(scram.final(body2.toString("utf8", 4)))));
      } else if (code === 12 && scram) {
        scram.verify(body2.toString("utf8", 4));
      } else
        throw new ProtocolError(`upstream asks for an unsupported authentication method (${code})`, "28000");
      continue;
    }
    if (type === T.backendKey) {
      pid = body2.readInt32BE(0);
      secret = body2.readInt32BE(4);
    } else if (type === T.parameterStatus || type === T.notice) {
      greeting.push(withHeader(type, body2));
    } else if (type === T.ready) {
      const rest = reader.detach();
      if (rest.length > 0) throw new ProtocolError("upstream sent data after ReadyForQuery during start-up");
      return { socket, pid, secret, greeting, ready: withHeader(type, body2) };
    } else if (type === T.negotiate) {
    } else {
      throw new ProtocolError(`unexpected message 0x${type.toString(16)} from upstream during start-up`);
    }
  }
}
function withHeader(type, body2) {
  const out = Buffer.allocUnsafe(body2.length + 5);
  out[0] = type;
  out.writeInt32BE(body2.length + 4, 1);
  body2.copy(out, 5);
  return out;
}
async function sendCancel(cfg, pid, secret) {
  const socket = await rawConnect(cfg);
  await new Promise((resolve) => {
    socket.end(cancelRequest(pid, secret));
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
    socket.resume();
  });
}

// src/gateway/postgres/connection.ts
var CLIENT_WHOLE = new Uint8Array(256).fill(1);
CLIENT_WHOLE[T.copyData] = 0;
var SERVER_WHOLE = new Uint8Array(256).fill(1);
SERVER_WHOLE[T.dataRow] = 0;
SERVER_WHOLE[T.copyData] = 0;
function fatal(socket, code, message2) {
  if (!socket.destroyed) socket.end(errorResponse(code, message2, "FATAL"));
}
async function serveClient(socket, conn, s) {
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  const peer = { socket, reader: new MessageReader(socket, s.maxMessageBytes) };
  const timer = setTimeout(() => {
    fatal(peer.socket, "08006", "start-up and authentication took too long");
    peer.socket.destroy();
  }, s.startupTimeoutMs);
  let session;
  try {
    const startup = await readStartup(peer, s.tls, s.maxMessageBytes);
    const { socket: client, reader } = peer;
    if (startup.kind === "cancel") {
      const target = s.cancels.lookup(startup.pid, startup.secret);
      client.end();
      if (target) await sendCancel(s.upstream, target.pid, target.secret).catch(() => void 0);
      return;
    }
    if (s.refuse) throw new ProtocolError(s.refuse, "53300");
    const { params } = startup;
    const user = params.user ?? "";
    const database = params.database || user;
    if (params.replication && params.replication !== "false")
      throw new ProtocolError("replication connections are not allowed through the gateway", "28000");
    await authenticateClient(reader, client, s.clientAuth, s.credentials, user);
    if (database !== s.upstream.database)
      throw new ProtocolError(`the gateway serves database "${s.upstream.database}" only`, "3D000");
    session = openSession(s.context, {
      conn,
      user,
      database,
      client: client.remoteAddress ? `${client.remoteAddress}:${client.remotePort}` : "unix",
      ...params.application_name ? { application: params.application_name } : {}
    });
    const settings = startupSettings(params);
    const forwarded = { ...settings.plain };
    for (const setting of settings.judged) {
      const j = await session.inspect(asSetStatement(setting), "simple");
      if (!j.forward) {
        const why = j.refusal ?? { kind: "unjudgeable", message: "start-up setting refused" };
        throw new ProtocolError(why.message, POSTGRES_REFUSALS[why.kind].sqlState);
      }
      session.ran(j.statement.id, { tag: "SET", durationMs: 0 });
      forwarded[setting.name] = setting.value;
    }
    let upstream;
    try {
      upstream = await connectUpstream(s.upstream, forwarded, Math.max(s.maxMessageBytes, 1 << 20));
    } catch (err) {
      const code = err instanceof UpstreamError || err instanceof ProtocolError ? err.sqlState : "08001";
      throw new ProtocolError(`upstream: ${err.message}`, code);
    }
    clearTimeout(timer);
    if (client.destroyed) {
      upstream.socket.destroy();
      session.end("client left during start-up");
      return;
    }
    const leftover = reader.detach();
    const keys = s.cancels.register(upstream.pid, upstream.secret);
    session.analysisContext.backendId = upstream.pid;
    const pathChanged = settings.judged.some((x) => changesSessionPath(x.name));
    const link = new Link(
      client,
      upstream.socket,
      session,
      s,
      pathChanged,
      () => s.cancels.release(keys.pid, keys.secret)
    );
    link.start([...upstream.greeting, backendKeyData(keys.pid, keys.secret), upstream.ready], leftover);
  } catch (err) {
    clearTimeout(timer);
    peer.reader.detach();
    if (err instanceof StartupRefused) {
      if (err.reply) peer.socket.end(err.reply);
      else peer.socket.end();
      return;
    }
    const e = err instanceof ProtocolError ? err : new ProtocolError(err.message, "XX000");
    fatal(peer.socket, e.sqlState, e.message);
    try {
      session?.end(`start-up failed: ${e.message}`);
    } catch {
    }
  }
}
var Outbox = class {
  constructor(socket, full) {
    this.socket = socket;
    this.full = full;
  }
  socket;
  full;
  pieces = [];
  open = false;
  begin() {
    this.open = true;
  }
  send(buf) {
    if (this.open) this.pieces.push(buf);
    else if (!this.socket.write(buf)) this.full();
  }
  end() {
    this.open = false;
    const { pieces, socket } = this;
    if (pieces.length === 0) return;
    let room = true;
    if (pieces.length === 1) room = socket.write(pieces[0]);
    else {
      socket.cork();
      for (const piece of pieces) room = socket.write(piece) && room;
      socket.uncork();
    }
    pieces.length = 0;
    if (!room) this.full();
  }
};
var Link = class {
  constructor(client, server, session, s, pathChanged, onClose) {
    this.client = client;
    this.server = server;
    this.session = session;
    this.onClose = onClose;
    this.serverOut = new Outbox(server, () => {
      this.pressed = true;
      this.client.pause();
    });
    this.clientOut = new Outbox(client, () => this.server.pause());
    const prepared = new NamedStatements();
    const { sequences } = session.gateway;
    const dryRun = session.gateway.mode === "dry-run" ? new DryRun(sequences && ((text) => sequences.reason(text, session.analysisContext))) : void 0;
    this.replies = new Replies(
      session,
      prepared,
      s.masking ? { ...s.masking, hooks: this.resultHooks() } : void 0,
      // A dry-run batch ended: the client is read again.
      dryRun ? { run: dryRun, resumeClient: () => this.commands.batchDone() } : void 0
    );
    this.commands = new PostgresCommands(
      session,
      this.replies,
      prepared,
      this.commandHooks(),
      s.masking ? { ...s.masking.catalog ? { catalog: s.masking.catalog } : {}, pathChanged } : void 0,
      dryRun,
      s.catalog ? new FunctionOids(s.catalog) : void 0
    );
    this.fromClient = new Framer({
      whole: CLIENT_WHOLE,
      maxMessageBytes: s.maxMessageBytes,
      message: (type, buf, start, end) => this.commands.message(type, buf, start, end),
      out: (buf) => this.toServer(buf),
      fail: (message2, code) => this.fail(code, message2, "protocol error")
    });
    this.fromServer = new Framer({
      whole: this.serverWhole,
      maxMessageBytes: Math.max(s.maxMessageBytes, 1 << 20),
      message: (type, buf, start, end) => this.serverMessage(type, buf, start, end),
      out: (buf) => this.toClient(buf),
      fail: (message2, code) => this.fail(code, `upstream sent ${message2}`, "upstream protocol error")
    });
  }
  client;
  server;
  session;
  onClose;
  replies;
  commands;
  fromClient;
  fromServer;
  held = false;
  pressed = false;
  /** The server stream waits for a catalog read (result masking). */
  serverHeld = false;
  serverWhole = SERVER_WHOLE.slice();
  terminating = false;
  /** The server's last ErrorResponse was FATAL or PANIC: its closing the link is expected. */
  serverEnded = false;
  closed = false;
  serverOut;
  clientOut;
  /** How the client's commands reach the server, and hold or release the client stream. */
  commandHooks() {
    return {
      send: (buf) => this.toServer(buf),
      hold: () => {
        this.held = true;
        this.fromClient.pause();
        this.flow();
      },
      release: () => {
        if (this.closed) return;
        this.held = false;
        this.guard(() => this.fromClient.resume());
        this.flow();
      },
      fatal: (message2, code) => this.fail(code, message2, "protocol error"),
      terminate: () => {
        this.terminating = true;
      }
    };
  }
  /** How result masking writes to the client and holds the server stream for a catalog read. */
  resultHooks() {
    return {
      toClient: (buf) => this.toClient(buf),
      resumeServer: () => {
        if (this.closed) return;
        this.serverHeld = false;
        this.guard(() => this.fromServer.resume());
        if (!this.fromServer.held && !this.closed) this.server.resume();
      },
      setWhole: (type, mode) => {
        this.serverWhole[type] = mode;
      },
      fatal: (message2) => this.fail("XX000", message2, "gateway error")
    };
  }
  /** One server message, through the reply queue; a STOP holds the server stream. */
  serverMessage(type, buf, start, end) {
    if (type === T.error) this.serverEnded = endsSession(buf, start, end);
    const d = this.replies.message(type, buf, start, end);
    if (d === STOP) {
      this.serverHeld = true;
      this.server.pause();
    }
    return d;
  }
  /** Sends the greeting (seen by Replies, so settings such as standard_conforming_strings count) and starts relaying. */
  start(greeting, leftover) {
    const { client, server } = this;
    for (const m of greeting) this.replies.message(m[0], m, 0, m.length);
    client.write(Buffer.concat(greeting));
    client.on("data", (chunk) => {
      this.relay(this.fromClient, this.serverOut, chunk);
      if (this.terminating) this.close("client terminated");
    });
    server.on("data", (chunk) => this.relay(this.fromServer, this.clientOut, chunk));
    server.on("drain", () => {
      this.pressed = false;
      this.flow();
    });
    client.on("drain", () => {
      if (!this.serverHeld) server.resume();
    });
    client.on("end", () => this.close("client closed the connection"));
    client.on("close", () => this.close("client closed the connection"));
    server.on(
      "error",
      (err) => this.fail("08006", `upstream connection failed: ${err.message}`, "upstream lost")
    );
    server.on("end", () => this.upstreamClosed());
    server.on("close", () => this.upstreamClosed());
    if (leftover.length > 0) this.relay(this.fromClient, this.serverOut, leftover);
  }
  /**
   * Frames a chunk and writes what it forwards in one go; the transcript lines it produced are
   * recorded after the write. Anything thrown (the transcript failing) ends this connection only.
   */
  relay(framer, out, chunk) {
    try {
      this.session.afterWrites(() => {
        out.begin();
        framer.push(chunk);
        out.end();
      });
    } catch (err) {
      this.fail("XX000", `gateway error: ${err.message}`, "gateway error");
    }
  }
  /** Anything thrown on the data path (e.g. the transcript failing) ends this connection only. */
  guard(fn) {
    try {
      fn();
    } catch (err) {
      this.fail("XX000", `gateway error: ${err.message}`, "gateway error");
    }
  }
  flow() {
    if (this.closed) return;
    if (this.held || this.pressed) this.client.pause();
    else this.client.resume();
  }
  toServer(buf) {
    if (!this.closed) this.serverOut.send(buf);
  }
  toClient(buf) {
    if (!this.closed) this.clientOut.send(buf);
  }
  /** After the server's own FATAL (e.g. 57P01, terminated) the client has its last error already. */
  upstreamClosed() {
    if (this.serverEnded) this.close("upstream ended the session with a FATAL error");
    else this.fail("08006", "upstream closed the connection", "upstream closed");
  }
  fail(code, message2, reason) {
    if (this.closed) return;
    this.serverOut.end();
    this.clientOut.end();
    fatal(this.client, code, message2);
    this.close(`${reason}: ${message2}`);
  }
  close(reason) {
    if (this.closed) return;
    this.serverOut.end();
    this.clientOut.end();
    this.closed = true;
    this.onClose();
    try {
      this.replies.abandon(reason);
      this.session.end(reason);
    } catch {
    }
    if (!this.server.destroyed) this.server.end(terminateMessage);
    if (!this.client.destroyed) this.client.end();
    setTimeout(() => {
      this.server.destroy();
      this.client.destroy();
    }, 1e3).unref();
  }
};

// src/gateway/postgres/listener.ts
function listen(server, target) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (typeof target === "string") server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}
async function startPostgresGateway(options) {
  const upstream = upstreamConfig(options.upstream);
  const user = options.user ?? "guardrail";
  const password = options.password ?? randomBytes4(18).toString("base64url");
  const host = options.host ?? "127.0.0.1";
  const { context, masking } = options;
  const rules = masking && !masking.matcher.empty;
  if (rules && !options.catalog)
    throw new GuardrailError("masking.columns needs a side connection to the upstream for catalog lookups", {
      code: "ERR_MASKING_CONFIG"
    });
  const tls = await clientTls(options.tls, async () => (await generateKeys()).privatePem);
  const settings = {
    context,
    upstream,
    clientAuth: options.clientAuth ?? "scram-sha-256",
    credentials: { user, password, verifier: scramVerifier(password) },
    maxMessageBytes: options.maxMessageBytes ?? 32 * 1024 * 1024,
    startupTimeoutMs: options.startupTimeoutMs ?? 3e4,
    cancels: new CancelKeys(),
    ...tls.context ? { tls: tls.context } : {},
    ...options.catalog ? { catalog: options.catalog } : {},
    ...masking ? {
      masking: {
        masking,
        ...rules && options.catalog ? { catalog: new MaskingCatalog(masking, options.catalog) } : {}
      }
    } : {}
  };
  const sockets = /* @__PURE__ */ new Set();
  let nextConn = 0;
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  const refusing = { ...settings, refuse: tooManyClients(maxClients) };
  let clients = 0;
  const accept = (socket) => {
    sockets.add(socket);
    const admitted = clients < maxClients;
    if (admitted) clients++;
    socket.once("close", () => {
      sockets.delete(socket);
      if (admitted) clients--;
    });
    serveClient(socket, ++nextConn, admitted ? settings : refusing).catch(() => socket.destroy());
  };
  const servers = [];
  const tcp = createServer({ noDelay: true }, accept);
  await listen(tcp, { host, port: options.port ?? 0 });
  servers.push(tcp);
  const address = tcp.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let unixSocket;
  if (options.unixSocketDir) {
    unixSocket = join2(options.unixSocketDir, `.s.PGSQL.${port}`);
    rmSync(unixSocket, { force: true });
    const local = createServer(accept);
    await listen(local, unixSocket);
    servers.push(local);
  }
  gatewayStarted(context, {
    dialect: "postgres",
    upstream: describeUpstream(upstream),
    version: options.version ?? "dev"
  });
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed;
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlHost}:${port}/${encodeURIComponent(upstream.database)}?sslmode=disable`,
    host,
    port,
    user,
    password,
    database: upstream.database,
    ...unixSocket ? { unixSocket } : {},
    ...tls.certificate ? { certificate: tls.certificate } : {},
    ...tls.unavailable ? { tlsUnavailable: tls.unavailable } : {},
    connections: () => sockets.size,
    close(reason = "gateway stopped") {
      closed ??= (async () => {
        const stopped = servers.map((s) => new Promise((r) => s.close(() => r())));
        for (const s of sockets) s.destroy();
        await Promise.all(stopped);
        await new Promise((r) => setImmediate(r));
        gatewayStopped(context, reason);
      })();
      return closed;
    }
  };
}

export {
  startPostgresGateway
};
