import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
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
  describeUpstream,
  mysqlSide,
  parseUpstreamUrl
} from "./chunk-46AX6HLE.js";
import {
  DEFAULT_MAX_CLIENTS,
  MYSQL_REFUSALS,
  refusal,
  tooManyClients
} from "./chunk-XSTP326K.js";
import {
  SKIPPED_CODE
} from "./chunk-LLFWNX4K.js";
import {
  MaskingError,
  compileMasking,
  maskMysqlBinaryRow,
  maskMysqlTextRow,
  maskedNames,
  mysqlMaskedUses,
  mysqlTextLike
} from "./chunk-R4QPFUJG.js";
import {
  require_lib
} from "./chunk-WLKLOQWD.js";
import {
  singleWriteTarget,
  temporaryTableNames
} from "./chunk-LKICGP52.js";
import {
  ALL_LEX_MODES,
  LexError,
  Lexer,
  RESERVED,
  isUnknownMode,
  lexFlags,
  nextStatement,
  parseServerVersion,
  sessionLexings,
  tokenize
} from "./chunk-AIHX2DPB.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/gateway/mysql/listener.ts
import { randomBytes as randomBytes2 } from "node:crypto";
import { createServer } from "node:net";

// src/gateway/mysql/constants.ts
var Cap = {
  LONG_PASSWORD: 1,
  FOUND_ROWS: 1 << 1,
  LONG_FLAG: 1 << 2,
  CONNECT_WITH_DB: 1 << 3,
  NO_SCHEMA: 1 << 4,
  COMPRESS: 1 << 5,
  ODBC: 1 << 6,
  LOCAL_FILES: 1 << 7,
  IGNORE_SPACE: 1 << 8,
  PROTOCOL_41: 1 << 9,
  INTERACTIVE: 1 << 10,
  SSL: 1 << 11,
  IGNORE_SIGPIPE: 1 << 12,
  TRANSACTIONS: 1 << 13,
  SECURE_CONNECTION: 1 << 15,
  MULTI_STATEMENTS: 1 << 16,
  MULTI_RESULTS: 1 << 17,
  PS_MULTI_RESULTS: 1 << 18,
  PLUGIN_AUTH: 1 << 19,
  CONNECT_ATTRS: 1 << 20,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  SESSION_TRACK: 1 << 23,
  DEPRECATE_EOF: 1 << 24
};
var PROXIED_CAPS = Cap.LONG_PASSWORD | Cap.FOUND_ROWS | Cap.LONG_FLAG | Cap.CONNECT_WITH_DB | Cap.NO_SCHEMA | Cap.ODBC | Cap.IGNORE_SPACE | Cap.PROTOCOL_41 | Cap.INTERACTIVE | Cap.IGNORE_SIGPIPE | Cap.TRANSACTIONS | Cap.SECURE_CONNECTION | Cap.MULTI_STATEMENTS | Cap.MULTI_RESULTS | Cap.PS_MULTI_RESULTS | Cap.PLUGIN_AUTH | Cap.CONNECT_ATTRS | Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA | Cap.SESSION_TRACK | Cap.DEPRECATE_EOF;
var Status = {
  IN_TRANS: 1,
  AUTOCOMMIT: 2,
  MORE_RESULTS_EXISTS: 8,
  CURSOR_EXISTS: 64,
  NO_BACKSLASH_ESCAPES: 512,
  SESSION_STATE_CHANGED: 16384,
  /** MariaDB only: ANSI_QUOTES is in the session's sql_mode. */
  ANSI_QUOTES: 32768
};
var Com = {
  QUIT: 1,
  INIT_DB: 2,
  QUERY: 3,
  FIELD_LIST: 4,
  STATISTICS: 9,
  PING: 14,
  CHANGE_USER: 17,
  STMT_PREPARE: 22,
  STMT_EXECUTE: 23,
  STMT_SEND_LONG_DATA: 24,
  STMT_CLOSE: 25,
  STMT_RESET: 26,
  SET_OPTION: 27,
  STMT_FETCH: 28,
  RESET_CONNECTION: 31
};
var MAX_PAYLOAD = 16777215;
var NATIVE = "mysql_native_password";
var CACHING_SHA2 = "caching_sha2_password";
var ED25519 = "client_ed25519";
var ER_UNKNOWN_COM = 1047;
var ER_NOT_SUPPORTED = 1235;
var ER_UNKNOWN_STMT = 1243;
var ER_MALFORMED = 1835;
var ER_NET_PACKET_TOO_LARGE = 1153;
var ER_NET_PACKETS_OUT_OF_ORDER = 1156;
var CR_SERVER_LOST = 2013;

// src/gateway/mysql/capabilities.ts
var MariaCap = {
  PROGRESS: 1,
  COM_MULTI: 1 << 1,
  STMT_BULK_OPERATIONS: 1 << 2,
  EXTENDED_METADATA: 1 << 3,
  CACHE_METADATA: 1 << 4,
  BULK_UNIT_RESULTS: 1 << 5
};
var PROXIED_MARIADB_CAPS = MariaCap.EXTENDED_METADATA;
function mariadbCapabilities(capabilities, raw) {
  return capabilities & Cap.LONG_PASSWORD ? 0 : raw >>> 0;
}
function extendedMetadata(mariadb) {
  return (mariadb & MariaCap.EXTENDED_METADATA) !== 0;
}

// src/gateway/mysql/client-auth.ts
import { constants as cryptoConstants2, privateDecrypt, timingSafeEqual } from "node:crypto";
import { TLSSocket } from "node:tls";

// src/gateway/mysql/codec.ts
var Reader = class {
  constructor(buf, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  buf;
  pos;
  end;
  need(n) {
    if (this.pos + n > this.end) throw new ProtocolError("packet is shorter than its fields");
  }
  get remaining() {
    return this.end - this.pos;
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u24() {
    this.need(3);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n) {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n) {
    this.need(n);
    this.pos += n;
  }
  rest() {
    return this.bytes(this.end - this.pos);
  }
  /** A NUL-terminated string; a missing terminator at the very end is tolerated (old servers). */
  cstring() {
    const at = this.buf.indexOf(0, this.pos);
    const stop = at < 0 || at >= this.end ? this.end : at;
    const s = this.buf.toString("utf8", this.pos, stop);
    this.pos = stop < this.end ? stop + 1 : stop;
    return s;
  }
  /**
   * Length-encoded integer as an exact unsigned 64-bit value; `null` for the 0xFB NULL marker of
   * text rows. Values such as insert ids and row counts use the whole range (BIGINT UNSIGNED keys
   * from 2^63, a negative AUTO_INCREMENT seen as its two's complement).
   */
  lenencBig() {
    const first = this.u8();
    if (first < 251) return BigInt(first);
    if (first === 251) return null;
    if (first === 252) return BigInt(this.u16());
    if (first === 253) return BigInt(this.u24());
    if (first === 254) return this.u64();
    throw new ProtocolError("invalid length-encoded integer");
  }
  /** A length-encoded length or count of fields: always far below 2^53, so a larger one is malformed. */
  lenenc() {
    const v = this.lenencBig();
    if (v === null) return null;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError("length-encoded length too large");
    return Number(v);
  }
  lenencBytes() {
    const n = this.lenenc();
    return n === null ? null : this.bytes(n);
  }
  lenencString() {
    const b = this.lenencBytes();
    return b === null ? null : b.toString("utf8");
  }
};
var Writer = class {
  parts = [];
  len = 0;
  push(b) {
    this.parts.push(b);
    this.len += b.length;
    return this;
  }
  u8(v) {
    return this.push(Buffer.from([v & 255]));
  }
  u16(v) {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.push(b);
  }
  u32(v) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.push(b);
  }
  bytes(b) {
    return this.push(Buffer.from(b));
  }
  zeros(n) {
    return this.push(Buffer.alloc(n));
  }
  cstring(s) {
    return this.push(Buffer.from(`${s}\0`, "utf8"));
  }
  lenenc(v) {
    if (v < 251) return this.u8(v);
    if (v < 65536) return this.u8(252).u16(v);
    if (v < 16777216) {
      const b2 = Buffer.alloc(4);
      b2[0] = 253;
      b2.writeUIntLE(v, 1, 3);
      return this.push(b2);
    }
    const b = Buffer.alloc(9);
    b[0] = 254;
    b.writeBigUInt64LE(BigInt(v), 1);
    return this.push(b);
  }
  lenencBytes(b) {
    return this.lenenc(b.length).push(b);
  }
  payload() {
    return Buffer.concat(this.parts, this.len);
  }
};
function frame(payload, seq) {
  if (payload.length < MAX_PAYLOAD) {
    const out = Buffer.allocUnsafe(4 + payload.length);
    out.writeUIntLE(payload.length, 0, 3);
    out[3] = seq & 255;
    payload.copy(out, 4);
    return { bytes: out, next: seq + 1 & 255 };
  }
  const parts = [];
  let off = 0;
  for (; ; ) {
    const n = Math.min(MAX_PAYLOAD, payload.length - off);
    const h = Buffer.allocUnsafe(4);
    h.writeUIntLE(n, 0, 3);
    h[3] = seq & 255;
    seq = seq + 1 & 255;
    parts.push(h, payload.subarray(off, off + n));
    off += n;
    if (n < MAX_PAYLOAD) break;
  }
  return { bytes: Buffer.concat(parts), next: seq };
}
function errPayload(e) {
  return new Writer().u8(255).u16(e.code).bytes(Buffer.from(`#${e.sqlState.padEnd(5, "0").slice(0, 5)}`, "latin1")).bytes(Buffer.from(e.message, "utf8")).payload();
}
function parseErr(payload, start = 0, end = payload.length) {
  const r = new Reader(payload, start, end);
  r.u8();
  const code = r.u16();
  let sqlState = "HY000";
  if (r.remaining > 0 && payload[r.pos] === 35) {
    r.u8();
    sqlState = r.bytes(Math.min(5, r.remaining)).toString("latin1");
  }
  return { code, sqlState, message: r.rest().toString("utf8") };
}
function okPayload(status, sessionTrack) {
  const w = new Writer().u8(0).lenenc(0).lenenc(0).u16(status).u16(0);
  if (sessionTrack) w.u8(0);
  return w.payload();
}
function parseOk(buf, start, end) {
  const r = new Reader(buf, start, end);
  r.u8();
  const affected = Number(r.lenencBig() ?? 0n);
  r.lenencBig();
  const status = r.u16();
  const warnings = r.remaining >= 2 ? r.u16() : 0;
  return { affected, status, warnings };
}
function readStatementId(payload) {
  return payload.length < 5 ? void 0 : payload.readUInt32LE(1);
}
function readLongData(payload) {
  return payload.length < 7 ? void 0 : { param: payload.readUInt16LE(5), bytes: payload.length - 7 };
}
var STMT_EXECUTE_PARAMS = 10;
function readEofStatus(buf, off, peek) {
  return peek >= 5 ? buf.readUInt16LE(off + 3) : 0;
}
var PacketTooLarge = class extends ProtocolError {
  constructor(size, limit) {
    super(`packet of ${size} bytes exceeds the gateway limit of ${limit} bytes (maxPacketBytes)`);
    this.size = size;
    this.limit = limit;
  }
  size;
  limit;
};
var PacketAssembler = class {
  constructor(maxPayload) {
    this.maxPayload = maxPayload;
  }
  maxPayload;
  buf = Buffer.alloc(0);
  push(chunk) {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }
  get buffered() {
    return this.buf.length;
  }
  /** Hands back unread bytes (e.g. a TLS ClientHello that arrived with the SSLRequest). */
  take() {
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }
  next() {
    const b = this.buf;
    let off = 0;
    let total = 0;
    let fragments = 0;
    let seq = -1;
    let lastSeq = 0;
    for (; ; ) {
      if (b.length - off < 4) return void 0;
      const len = b.readUIntLE(off, 3);
      if (seq < 0) seq = b[off + 3];
      lastSeq = b[off + 3];
      total += len;
      if (total > this.maxPayload) throw new PacketTooLarge(total, this.maxPayload);
      if (b.length - off - 4 < len) return void 0;
      off += 4 + len;
      fragments++;
      if (len < MAX_PAYLOAD) break;
    }
    const raw = b.subarray(0, off);
    this.buf = b.subarray(off);
    let payload;
    if (fragments === 1) payload = raw.subarray(4);
    else {
      payload = Buffer.allocUnsafe(total);
      let at = 0;
      let p = 0;
      while (at < total || p < raw.length) {
        const len = raw.readUIntLE(p, 3);
        raw.copy(payload, at, p + 4, p + 4 + len);
        at += len;
        p += 4 + len;
      }
    }
    return { payload, raw, seq, lastSeq };
  }
};
var PEEK = 1024;
var PacketScanner = class {
  constructor(sink) {
    this.sink = sink;
  }
  sink;
  head = Buffer.allocUnsafe(4 + PEEK);
  headLen = 0;
  remaining = 0;
  forwardRest = false;
  continuing = false;
  out = [];
  rangeStart = -1;
  chunk = Buffer.alloc(0);
  /** The packet being captured: its payload so far and its sequence id. */
  capture;
  /** Emits gateway-made bytes in stream order (after what was forwarded so far). */
  inject(bytes) {
    this.closeRange(this.pendingEnd);
    this.out.push(bytes);
  }
  pendingEnd = -1;
  closeRange(end) {
    if (this.rangeStart >= 0 && end > this.rangeStart)
      this.out.push(this.chunk.subarray(this.rangeStart, end));
    this.rangeStart = -1;
    this.pendingEnd = -1;
  }
  /** Scans a chunk; returns the byte slices to write, in order. */
  push(chunk) {
    this.chunk = chunk;
    this.out = [];
    this.rangeStart = -1;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.remaining > 0) {
        const k2 = Math.min(this.remaining, n - i);
        if (this.capture) {
          chunk.copy(this.capture.payload, this.capture.filled, i, i + k2);
          this.capture.filled += k2;
        } else if (this.forwardRest) this.extend(i, i + k2);
        this.remaining -= k2;
        i += k2;
        if (this.remaining === 0 && this.capture) this.deliverCapture();
        continue;
      }
      if (this.headLen === 0 && n - i >= 4) {
        const len2 = chunk.readUIntLE(i, 3);
        const need2 = Math.min(len2, PEEK);
        if (n - i - 4 >= need2) {
          const route2 = this.decide(chunk, i + 4, need2, len2, chunk[i + 3]);
          const take = Math.min(4 + len2, n - i);
          if (route2 === 0 /* Forward */) this.extend(i, i + take);
          else if (route2 === 2 /* Capture */) this.startCapture(chunk, i + 4, take - 4, len2, chunk[i + 3]);
          this.remaining = 4 + len2 - take;
          this.forwardRest = route2 === 0 /* Forward */;
          i += take;
          if (this.remaining === 0 && this.capture) this.deliverCapture();
          continue;
        }
      }
      const wantHeader = 4 - this.headLen;
      if (wantHeader > 0) {
        const k2 = Math.min(wantHeader, n - i);
        chunk.copy(this.head, this.headLen, i, i + k2);
        this.headLen += k2;
        i += k2;
        if (this.headLen < 4) continue;
      }
      const len = this.head.readUIntLE(0, 3);
      const need = Math.min(len, PEEK);
      const have = this.headLen - 4;
      const k = Math.min(need - have, n - i);
      chunk.copy(this.head, this.headLen, i, i + k);
      this.headLen += k;
      i += k;
      if (this.headLen - 4 < need) continue;
      const route = this.decide(this.head, 4, need, len, this.head[3]);
      if (route === 0 /* Forward */) {
        this.closeRange(this.pendingEnd);
        this.out.push(Buffer.from(this.head.subarray(0, this.headLen)));
      } else if (route === 2 /* Capture */) this.startCapture(this.head, 4, need, len, this.head[3]);
      this.remaining = len - need;
      this.forwardRest = route === 0 /* Forward */;
      this.headLen = 0;
      if (this.remaining === 0 && this.capture) this.deliverCapture();
    }
    this.closeRange(this.pendingEnd);
    return this.out;
  }
  startCapture(buf, off, have, len, seq) {
    const payload = Buffer.allocUnsafe(len);
    buf.copy(payload, 0, off, off + have);
    this.capture = { payload, filled: have, seq };
  }
  deliverCapture() {
    const c = this.capture;
    this.capture = void 0;
    const bytes = this.sink.captured?.(c.payload, c.seq);
    if (bytes && bytes.length > 0) this.inject(bytes);
  }
  decide(buf, off, peek, len, seq) {
    const continuation = this.continuing;
    this.continuing = len === MAX_PAYLOAD;
    return this.sink.packet(buf, off, peek, len, seq, continuation);
  }
  extend(from, to) {
    if (this.rangeStart >= 0 && this.pendingEnd === from) {
      this.pendingEnd = to;
      return;
    }
    this.closeRange(this.pendingEnd);
    this.rangeStart = from;
    this.pendingEnd = to;
  }
  /** True between packets: nothing partial is buffered or owed. */
  get idle() {
    return this.remaining === 0 && this.headLen === 0 && !this.capture;
  }
};

// src/gateway/mysql/handshake.ts
function parseGreeting(payload) {
  const r = new Reader(payload);
  const protocol = r.u8();
  if (protocol !== 10) throw new ProtocolError(`unsupported handshake protocol version ${protocol}`);
  const serverVersion = r.cstring();
  const connectionId = r.u32();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.u16();
  const charset = r.remaining > 0 ? r.u8() : 0;
  const status = r.remaining >= 2 ? r.u16() : 0;
  if (r.remaining >= 2) capabilities = (capabilities | r.u16() << 16) >>> 0;
  const authLen = r.remaining > 0 ? r.u8() : 0;
  let mariadb = 0;
  if (r.remaining >= 10) {
    r.skip(6);
    mariadb = mariadbCapabilities(capabilities, r.u32());
  }
  let part2 = Buffer.alloc(0);
  if (capabilities & Cap.SECURE_CONNECTION && r.remaining > 0) {
    const n = Math.min(r.remaining, Math.max(13, authLen - 8));
    part2 = r.bytes(n);
    if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
  }
  const plugin = capabilities & Cap.PLUGIN_AUTH && r.remaining > 0 ? r.cstring() : "mysql_native_password";
  return {
    serverVersion,
    connectionId,
    scramble: Buffer.concat([part1, part2]),
    capabilities,
    mariadbCapabilities: mariadb,
    charset,
    status,
    plugin
  };
}
function greetingPayload(g) {
  return new Writer().u8(10).cstring(g.serverVersion).u32(g.connectionId).bytes(g.scramble.subarray(0, 8)).u8(0).u16(g.capabilities & 65535).u8(g.charset).u16(g.status).u16(g.capabilities >>> 16 & 65535).u8(g.scramble.length + 1).zeros(6).u32(mariadbCapabilities(g.capabilities, g.mariadbCapabilities)).bytes(g.scramble.subarray(8)).u8(0).cstring(g.plugin).payload();
}
function isSslRequest(payload) {
  return payload.length === 32 && (payload.readUInt32LE(0) & Cap.SSL) !== 0;
}
function parseHandshakeResponse(payload) {
  const r = new Reader(payload);
  const capabilities = r.u32();
  if (!(capabilities & Cap.PROTOCOL_41))
    throw new ProtocolError("clients without CLIENT_PROTOCOL_41 are not supported");
  const maxPacket = r.u32();
  const charset = r.u8();
  r.skip(19);
  const mariadb = mariadbCapabilities(capabilities, r.u32());
  const user = r.cstring();
  let authResponse;
  if (capabilities & Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes() ?? Buffer.alloc(0);
  else if (capabilities & Cap.SECURE_CONNECTION) authResponse = r.bytes(r.u8());
  else authResponse = Buffer.from(r.cstring(), "latin1");
  const out = {
    capabilities,
    mariadbCapabilities: mariadb,
    maxPacket,
    charset,
    user,
    authResponse,
    attributes: {}
  };
  if (capabilities & Cap.CONNECT_WITH_DB && r.remaining > 0) out.database = r.cstring();
  if (capabilities & Cap.PLUGIN_AUTH && r.remaining > 0) out.plugin = r.cstring();
  if (capabilities & Cap.CONNECT_ATTRS && r.remaining > 0) {
    const total = r.lenenc() ?? 0;
    const attrs = new Reader(r.bytes(total));
    while (attrs.remaining > 0) {
      const k = attrs.lenencString() ?? "";
      const v = attrs.lenencString() ?? "";
      out.attributes[k] = v;
    }
  }
  return out;
}
function sslRequestPayload(capabilities, mariadb, maxPacket, charset) {
  return new Writer().u32(capabilities).u32(maxPacket).u8(charset).zeros(19).u32(mariadbCapabilities(capabilities, mariadb)).payload();
}
function loginCapabilities(capabilities, database) {
  let caps = capabilities | Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH | Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  caps &= ~Cap.CONNECT_ATTRS;
  if (database) caps |= Cap.CONNECT_WITH_DB;
  else caps &= ~Cap.CONNECT_WITH_DB;
  return caps >>> 0;
}
function handshakeResponsePayload(h) {
  const w = new Writer().u32(h.capabilities).u32(h.maxPacket).u8(h.charset).zeros(19).u32(mariadbCapabilities(h.capabilities, h.mariadbCapabilities)).cstring(h.user).lenencBytes(h.authResponse);
  if (h.database) w.cstring(h.database);
  w.cstring(h.plugin);
  return w.payload();
}
function authSwitchPayload(plugin, data) {
  return new Writer().u8(254).cstring(plugin).bytes(data).u8(0).payload();
}
function parseAuthSwitch(payload) {
  const r = new Reader(payload, 1);
  const plugin = r.cstring();
  return { plugin, data: r.rest() };
}
function authMoreDataPayload(data) {
  return Buffer.concat([Buffer.from([1]), data]);
}

// src/gateway/mysql/scramble.ts
import { createHash, constants as cryptoConstants, publicEncrypt, randomBytes } from "node:crypto";
var sha1 = (...parts) => {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest();
};
var sha256 = (...parts) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
function xor(a, b) {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i % b.length];
  return out;
}
function nativeToken(password, scramble) {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(password);
  return xor(stage1, sha1(scramble, sha1(stage1)));
}
function sha2Token(password, scramble) {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha256(password);
  return xor(stage1, sha256(sha256(stage1), scramble));
}
function rsaEncryptPassword(password, scramble, publicKeyPem) {
  const plain = xor(Buffer.concat([password, Buffer.from([0])]), scramble);
  return publicEncrypt({ key: publicKeyPem, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING }, plain);
}
function unxorPassword(decrypted, scramble) {
  const plain = xor(decrypted, scramble);
  const nul = plain.indexOf(0);
  return nul < 0 ? plain : plain.subarray(0, nul);
}
function newScramble() {
  const b = randomBytes(20);
  for (let i = 0; i < b.length; i++) b[i] = b[i] % 127 + 1;
  return b;
}

// src/gateway/mysql/client-auth.ts
var AccessDenied = class extends ProtocolError {
  constructor(message, seq) {
    super(message, "28000");
    this.seq = seq;
  }
  seq;
};
function same(a, b) {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
async function authenticateClient(ch, cfg, connectionId) {
  const scramble = newScramble();
  const offered = (cfg.capabilities | (cfg.tls ? Cap.SSL : 0)) >>> 0;
  let seq = ch.write(
    greetingPayload({
      serverVersion: cfg.serverVersion,
      connectionId,
      scramble,
      capabilities: offered,
      mariadbCapabilities: cfg.mariadbCapabilities,
      charset: cfg.charset,
      status: cfg.status,
      plugin: cfg.plugin
    }),
    0
  );
  let p = await ch.read();
  let tls = false;
  if (isSslRequest(p.payload)) {
    const context = cfg.tls;
    if (!context) throw new ProtocolError("client asked for TLS, which this gateway does not offer");
    await ch.upgrade(
      (raw) => new Promise((resolve, reject) => {
        const t = new TLSSocket(raw, { isServer: true, secureContext: context });
        t.once("secure", () => resolve(t));
        t.once("error", reject);
      })
    );
    tls = true;
    p = await ch.read();
  }
  seq = p.lastSeq + 1;
  const response = parseHandshakeResponse(p.payload);
  let authResponse = response.authResponse;
  const denied = () => new AccessDenied(
    `Access denied for user '${response.user}' (using password: ${authResponse.length > 0 ? "YES" : "NO"})`,
    seq
  );
  let plugin = response.capabilities & Cap.PLUGIN_AUTH ? response.plugin ?? NATIVE : NATIVE;
  if (plugin !== cfg.plugin) {
    seq = ch.write(authSwitchPayload(cfg.plugin, scramble), seq);
    const sw = await ch.read();
    seq = sw.lastSeq + 1;
    authResponse = sw.payload;
    plugin = cfg.plugin;
  }
  if (response.user !== cfg.user) throw denied();
  const password = Buffer.from(cfg.password, "utf8");
  if (plugin === NATIVE) {
    if (!same(authResponse, nativeToken(password, scramble))) throw denied();
  } else if (!cfg.sha2FullAuth) {
    if (!same(authResponse, sha2Token(password, scramble))) throw denied();
    seq = ch.write(authMoreDataPayload(Buffer.from([3])), seq);
  } else {
    seq = ch.write(authMoreDataPayload(Buffer.from([4])), seq);
    let q = await ch.read();
    seq = q.lastSeq + 1;
    let given;
    if (tls) {
      const nul = q.payload.indexOf(0);
      given = nul < 0 ? q.payload : q.payload.subarray(0, nul);
    } else {
      if (q.payload.length === 1 && q.payload[0] === 2) {
        seq = ch.write(authMoreDataPayload(Buffer.from(cfg.rsa.publicPem, "latin1")), seq);
        q = await ch.read();
        seq = q.lastSeq + 1;
      }
      let decrypted;
      try {
        decrypted = privateDecrypt(
          { key: cfg.rsa.privateKey, padding: cryptoConstants2.RSA_PKCS1_OAEP_PADDING },
          q.payload
        );
      } catch {
        throw denied();
      }
      given = unxorPassword(decrypted, scramble);
    }
    if (!same(given, password)) throw denied();
  }
  return {
    response,
    capabilities: (response.capabilities & offered) >>> 0,
    mariadbCapabilities: (response.mariadbCapabilities & cfg.mariadbCapabilities) >>> 0,
    seq,
    scramble
  };
}

// src/gateway/mysql/connection.ts
import { performance } from "node:perf_hooks";

// src/sql/mysql/state.ts
var KEEPS_STATE = /* @__PURE__ */ new Set([
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "REPLACE",
  "CREATE",
  "ALTER",
  "DROP",
  "TRUNCATE",
  "RENAME",
  "SHOW",
  "DESCRIBE",
  "DESC",
  "EXPLAIN",
  "COMMIT",
  "ROLLBACK",
  "START",
  "SAVEPOINT",
  "RELEASE",
  "LOCK",
  "UNLOCK",
  "LOAD",
  "GRANT",
  "REVOKE",
  "ANALYZE",
  "OPTIMIZE",
  "CHECK",
  "CHECKSUM",
  "REPAIR",
  "FLUSH",
  "DO",
  "HANDLER",
  "WITH",
  "VALUES",
  "TABLE",
  "XA",
  "HELP",
  "CALL",
  "PREPARE",
  "DEALLOCATE"
]);
function leadKeepsState(lead) {
  return KEEPS_STATE.has(lead.toUpperCase());
}
function mayChangeSessionState(statements) {
  return statements.some((s) => {
    const lead = /^[A-Za-z_]+/.exec(s.canonical.trimStart())?.[0];
    return lead === void 0 || !leadKeepsState(lead);
  });
}
function tokenLeadKeepsState(tokens) {
  const t = tokens[0];
  return t !== void 0 && t.kind === "word" && leadKeepsState(t.upper);
}
function mayChangeClientCharset(text2, sqlMode, server) {
  const modes = isUnknownMode(sqlMode) ? ALL_LEX_MODES : [sqlMode ?? ""];
  for (const mode of modes) {
    const lexer = new Lexer(text2, lexFlags(mode, server));
    try {
      let st = nextStatement(lexer);
      while (st) {
        const following = nextStatement(lexer);
        if (following && !tokenLeadKeepsState(st.tokens)) return true;
        st = following;
      }
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
      return true;
    }
  }
  return false;
}
function touchesSessionTracking(text2) {
  return /session_track/i.test(text2);
}
var KEEPS_CATALOG = /^(?:insert|update|delete|replace|set|begin|start|commit|rollback|savepoint|release|lock|unlock|load|xa|do|handler)\b/i;
function mayChangeCatalog(statements) {
  return statements.some((st) => !KEEPS_CATALOG.test(st.canonical.trimStart()));
}

// src/gateway/mysql/diagnostics-taint.ts
var READS_DIAGNOSTICS = /\b(?:warnings|errors|diagnostics)\b/i;
var DiagnosticsTaint = class {
  constructor(matcher) {
    this.matcher = matcher;
  }
  matcher;
  /** The diagnostics area may hold what a statement over masked data left. */
  tainted = false;
  /** `sources` with what masking withholds of this statement, in the order statements run. */
  judge(text2, sources) {
    const reads = readsMasked(sources, this.matcher, text2);
    if (READS_DIAGNOSTICS.test(text2)) {
      const maskAll = this.tainted;
      if (reads) this.tainted = true;
      return maskAll || reads ? { ...sources, taint: taint(sources, maskAll) } : sources;
    }
    if (reads) this.tainted = true;
    else if (sources.tables.length > 0) this.tainted = false;
    return reads ? { ...sources, taint: taint(sources, false) } : sources;
  }
};
function taint(sources, maskAll) {
  return { errors: true, syntaxErrors: sources.opaque !== void 0, maskAll };
}
var ONLY_WRITES = /^\s*(?:insert|replace)\b/i;
var READS_BACK = /\b(?:select|update|table)\b/i;
function readsMasked(s, matcher, text2) {
  if (s.opaque) return true;
  if (ONLY_WRITES.test(text2) && !READS_BACK.test(text2)) return false;
  if (s.views.some((v) => matcher.mayMatchTable(v.schema, v.table))) return true;
  return s.tables.some((t) => {
    const columns = s.columnsOf(t.schema, t.table);
    return columns === void 0 ? matcher.mayMatchTable(t.schema, t.table) : columns.some((c) => matcher.matches(t.schema, t.table, c));
  });
}

// src/gateway/mysql/dry-run.ts
var SET_READ_ONLY = "SET SESSION TRANSACTION READ ONLY";
var ER_READ_ONLY_TRANSACTION = 1792;
var DRY_RUN_WRITE = "guardrail dry run: not executed: it would write (through a stored function, a trigger or a sequence) and the dry run's session is read-only";
function standInPrepare(text2, sqlMode) {
  let params = 0;
  try {
    for (const t of tokenize(text2, lexFlags(sqlMode))) if (t.kind === "param") params++;
  } catch {
  }
  const sql = params === 0 ? "DO 0" : `DO ${Array.from({ length: params }, () => "?").join(", ")}`;
  return Buffer.concat([Buffer.from([Com.STMT_PREPARE]), Buffer.from(sql, "utf8")]);
}

// src/gateway/mysql/change-user.ts
import { timingSafeEqual as timingSafeEqual2 } from "node:crypto";

// src/sql/mysql/charset.ts
var import_iconv_lite = __toESM(require_lib(), 1);
import { isAscii } from "node:buffer";
var inRange = (c, lo, hi) => c !== void 0 && c >= lo && c <= hi;
function twoByte(lead, trail, single = () => false) {
  return (b, p) => {
    const c = b[p];
    if (lead(c)) return trail(b[p + 1]) ? 2 : 0;
    return single(c) ? 1 : 0;
  };
}
var gbkTrail = (c) => inRange(c, 64, 126) || inRange(c, 128, 254);
var sjisLead = (c) => inRange(c, 129, 159) || inRange(c, 224, 252);
var sjisTrail = (c) => inRange(c, 64, 126) || inRange(c, 128, 252);
var katakana = (c) => inRange(c, 161, 223);
var MULTIBYTE = {
  gbk: { iconv: "gbk", charLength: twoByte((c) => inRange(c, 129, 254), gbkTrail) },
  big5: {
    iconv: "big5",
    charLength: twoByte(
      (c) => inRange(c, 161, 249),
      (c) => inRange(c, 64, 126) || inRange(c, 161, 254)
    )
  },
  sjis: { iconv: "shift_jis", charLength: twoByte(sjisLead, sjisTrail, katakana) },
  cp932: { iconv: "cp932", charLength: twoByte(sjisLead, sjisTrail, katakana) },
  gb18030: {
    iconv: "gb18030",
    charLength: (b, p) => {
      if (!inRange(b[p], 129, 254)) return 0;
      if (gbkTrail(b[p + 1])) return 2;
      const four = inRange(b[p + 1], 48, 57) && inRange(b[p + 2], 129, 254) && inRange(b[p + 3], 48, 57);
      return four ? 4 : 0;
    }
  }
};
var latin1Table;
function latin1(b, from) {
  latin1Table ??= [...import_iconv_lite.default.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), "win1252")].map((ch, i) => ch === "\uFFFD" ? String.fromCharCode(i) : ch).join("");
  let out = "";
  for (let i = from; i < b.length; i++) out += latin1Table[b[i]];
  return out;
}
var UTF8 = /* @__PURE__ */ new Set(["utf8mb4", "utf8mb3", "utf8"]);
var SINGLE_BYTE = /* @__PURE__ */ new Set(["latin1", "ascii", "binary"]);
function decodesExactly(charset) {
  const cs = charset.toLowerCase();
  return UTF8.has(cs) || SINGLE_BYTE.has(cs) || Object.hasOwn(MULTIBYTE, cs);
}
function decodeClient(b, from, charset) {
  const cs = charset.toLowerCase();
  if (UTF8.has(cs)) {
    return { text: b.toString("utf8", from) };
  }
  if (cs === "swe7") return { error: "character_set_client swe7 is not one the gateway decodes" };
  if (isAscii(b.subarray(from))) return { text: b.toString("latin1", from) };
  if (SINGLE_BYTE.has(cs)) return { text: latin1(b, from) };
  const mb = Object.hasOwn(MULTIBYTE, cs) ? MULTIBYTE[cs] : void 0;
  if (!mb)
    return {
      error: `character_set_client ${charset} is not one the gateway decodes exactly (use utf8mb4)`
    };
  let out = "";
  let p = from;
  while (p < b.length) {
    if (b[p] < 128) {
      const start2 = p;
      while (p < b.length && b[p] < 128) p++;
      out += b.toString("latin1", start2, p);
      continue;
    }
    const start = p;
    while (p < b.length && b[p] >= 128) {
      const n = mb.charLength(b, p);
      if (n === 0)
        return { error: `invalid ${charset} byte sequence at byte ${p - from} (0x${b[p].toString(16)})` };
      p += n;
    }
    const run = import_iconv_lite.default.decode(b.subarray(start, p), mb.iconv);
    for (let i = 0; i < run.length; i++) {
      const c = run.charCodeAt(i);
      if (c < 128 || c === 65533)
        return { error: `${charset} bytes at byte ${start - from} that the gateway cannot decode exactly` };
    }
    out += run;
  }
  return { text: out };
}

// src/gateway/mysql/change-user.ts
function parseChangeUser(payload, capabilities) {
  const r = new Reader(payload, 1);
  const user = r.cstring();
  const authResponse = capabilities & Cap.SECURE_CONNECTION ? r.bytes(r.u8()) : Buffer.from(r.cstring(), "latin1");
  const database = r.remaining > 0 ? r.cstring() : "";
  const charset = r.remaining >= 2 ? r.u16() : void 0;
  const plugin = capabilities & Cap.PLUGIN_AUTH && r.remaining > 0 ? r.cstring() : NATIVE;
  return { user, authResponse, database, ...charset !== void 0 ? { charset } : {}, plugin };
}
function verifyChangeUser(c, creds, scramble) {
  const password = Buffer.from(creds.password, "utf8");
  let expected;
  if (c.plugin === NATIVE) expected = nativeToken(password, scramble);
  else if (c.plugin === CACHING_SHA2) expected = sha2Token(password, scramble);
  else return void 0;
  const proof = c.authResponse;
  return c.user === creds.user && proof.length === expected.length && timingSafeEqual2(proof, expected);
}
async function requestedCharset(id, query) {
  const [row] = await query(
    `SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID = ${id}`
  );
  const [collation, charset] = row ?? [];
  if (!collation || !charset || !NAME.test(collation) || !NAME.test(charset))
    return { error: `guardrail: COM_CHANGE_USER with unknown collation id ${id}` };
  if (!decodesExactly(charset))
    return {
      error: `guardrail: COM_CHANGE_USER to character set ${charset}, which the gateway does not decode exactly; use utf8mb4 or open a new connection`
    };
  return { charset, collation };
}
var NAME = /^[a-z0-9_]+$/i;
async function applyChangeUser(c, s) {
  const charset = c.charset === void 0 ? void 0 : await requestedCharset(c.charset, s.query);
  if (charset && "error" in charset) return charset.error;
  await s.command(Buffer.from([Com.RESET_CONNECTION]));
  s.forget();
  let failed;
  try {
    if (charset) await s.query(`SET NAMES ${charset.charset} COLLATE ${charset.collation}`);
    if (c.database)
      await s.command(Buffer.concat([Buffer.from([Com.INIT_DB]), Buffer.from(c.database, "utf8")]));
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    failed = err;
  }
  await s.resync();
  if (failed) throw failed;
  return void 0;
}

// src/gateway/mysql/client-text.ts
import { isAscii as isAscii2 } from "node:buffer";
function clientText(payload, ctx, sql) {
  const charset = ctx.characterSetClient ?? "utf8mb4";
  const decoded = decodeClient(payload, 1, charset);
  if ("error" in decoded) return { why: decoded.error };
  const { text: text2 } = decoded;
  if (!sql) return { text: text2 };
  if (touchesSessionTracking(text2))
    return {
      why: "statements that change session_track_* settings are refused: the gateway follows the session state through them"
    };
  if (!isAscii2(payload.subarray(1)) && mayChangeClientCharset(text2, ctx.sqlMode, ctx.server))
    return {
      why: `non-ASCII bytes after a statement that may change character_set_client (now ${charset}) in the same text cannot be read before the server runs it; send the statements separately`
    };
  return { text: text2 };
}

// src/gateway/mysql/prepared.ts
var PreparedStatements = class {
  byId = /* @__PURE__ */ new Map();
  /** Target of COM_STMT_EXECUTE with id 0xFFFFFFFF (MariaDB: "the last prepared"). */
  last;
  set(id, s) {
    this.byId.set(id, s);
  }
  delete(id) {
    this.byId.delete(id);
  }
  /** The server forgot them all (COM_RESET_CONNECTION, COM_CHANGE_USER). */
  clear() {
    this.byId.clear();
    this.last = void 0;
  }
  /** Resolves the statement id of a COM_STMT_* packet (0xFFFFFFFF: the last prepared). */
  of(p) {
    let id = readStatementId(p.payload);
    if (id === void 0) return void 0;
    if (id === 4294967295) id = this.last;
    const s = id === void 0 ? void 0 : this.byId.get(id);
    return s && id !== void 0 ? { id, s } : void 0;
  }
};

// src/gateway/mysql/refusals.ts
function refusalPayload(r) {
  const { errno, sqlState } = MYSQL_REFUSALS[r.kind];
  return errPayload({ code: errno, sqlState, message: r.message });
}

// src/sql/mysql/name-scan.ts
var keyOf = (schema, name) => `${schema.toLowerCase()}\0${name.toLowerCase()}`;
function isName(t) {
  return t !== void 0 && (t.kind === "qident" || t.kind === "word" && !RESERVED.has(t.upper));
}
var isDot = (t) => t?.kind === "punct" && t.text === ".";
function mysqlLexings(text2, sqlMode, server) {
  const lexings = [];
  for (const flags of sessionLexings(text2, sqlMode, server)) {
    try {
      lexings.push(tokenize(text2, flags));
    } catch {
    }
  }
  return lexings.length > 0 ? lexings : void 0;
}
function scanText(text2, schema, sqlMode, scan, server) {
  const lexings = mysqlLexings(text2, sqlMode, server);
  if (!lexings) {
    scan.opaque ??= "the statement could not be scanned";
    return;
  }
  const add2 = (s, name) => {
    if (s && name) scan.names.set(keyOf(s, name), { schema: s, name });
  };
  for (const tokens of lexings) {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind === "var") scan.opaque ??= "it reads user variables";
      if (t.kind === "word") {
        const start = i === 0 || tokens[i - 1]?.kind === "punct" && tokens[i - 1]?.text === ";";
        if (t.upper === "EXECUTE") scan.opaque ??= "it runs dynamic SQL (EXECUTE)";
        if (t.upper === "USE" && start) scan.opaque ??= "it changes the schema (USE) before reading";
      }
      if (!isName(t) || isDot(tokens[i - 1])) continue;
      add2(schema, t.value);
      if (isDot(tokens[i + 1]) && isName(tokens[i + 2])) add2(t.value, tokens[i + 2].value);
    }
  }
}

// src/gateway/mysql/strict.ts
function mysqlStrictFindings(text2, sources, masking, sqlMode, server) {
  if (!masking.config.strict || !sources) return [];
  const masked = maskedNames(sources.tables, sources.columnsOf, masking.matcher);
  if (sources.opaque && (masked.size > 0 || sources.views.length > 0))
    return strictFindings([
      { column: "(unknown: the statement cannot be followed)", position: "expression" }
    ]);
  const lexings = mysqlLexings(text2, sqlMode, server);
  const uses = lexings ? lexings.flatMap((tokens) => mysqlMaskedUses(tokens, masked)) : masked.size > 0 ? [{ column: "(unknown: the statement cannot be lexed)", position: "expression" }] : [];
  return strictFindings(uses);
}

// src/gateway/mysql/temp-tables.ts
var MAX_NAMES = 256;
var quote = (s) => `\`${s.replace(/`/g, "``")}\``;
var ascii = (s) => /^[\x20-\x7e]*$/.test(s);
var OWN_ROWS_ENGINES = /* @__PURE__ */ new Set(["innodb", "myisam", "aria", "memory"]);
function ownRows(create) {
  if (!/^CREATE TEMPORARY TABLE /i.test(create)) return false;
  const engine = /\n\) ENGINE=(\w+)/.exec(create)?.[1];
  return engine !== void 0 && OWN_ROWS_ENGINES.has(engine.toLowerCase());
}
var SessionTemporaryTables = class {
  names = /* @__PURE__ */ new Set();
  /** After an input ran, whatever its outcome: the names it may have given temporary tables. */
  ran(text2, sqlMode) {
    for (const name of temporaryTableNames(text2, sqlMode)) {
      this.names.delete(name);
      this.names.add(name);
      if (this.names.size > MAX_NAMES) this.names.delete(this.names.values().next().value);
    }
  }
  /** COM_RESET_CONNECTION, COM_CHANGE_USER: the server dropped them all. */
  clear() {
    this.names.clear();
  }
  /**
   * Before a text query is judged: sets `ctx.ownTemporary` when the text is one single-table
   * UPDATE / DELETE whose table the session's own connection (`ask`) shows to be a temporary
   * table now, and clears it otherwise. A promise only when the server must be asked.
   */
  before(text2, ctx, ask) {
    delete ctx.ownTemporary;
    if (this.names.size === 0) return void 0;
    const target = singleWriteTarget(text2, ctx.sqlMode);
    if (!target || !this.names.has(target.name.toLowerCase())) return void 0;
    if (!ascii(target.schema ?? "") || !ascii(target.name)) return void 0;
    const named = `${target.schema ? `${quote(target.schema)}.` : ""}${quote(target.name)}`;
    return ask(`SHOW CREATE TABLE ${named}`).then(
      (rows) => {
        if (ownRows(rows[0]?.[1] ?? ""))
          ctx.ownTemporary = { text: text2, table: `${target.schema ?? ctx.mysql?.schema ?? ""}.${target.name}` };
      },
      // No such table, or any other failure: not known to be the session's own.
      () => void 0
    );
  }
};

// src/gateway/mysql/commands.ts
var MysqlCommands = class {
  prepared = new PreparedStatements();
  /** The session's own temporary tables (temp-tables.ts); the connection notes what ran. */
  temporary = new SessionTemporaryTables();
  get inTransaction() {
    return (this.status & Status.IN_TRANS) !== 0;
  }
  get context() {
    return this.session.analysisContext;
  }
  reply(p, code, sqlState, message) {
    this.client.write(frame(errPayload({ code, sqlState, message }), p.lastSeq + 1).bytes);
  }
  /** Masking strict mode: a statement that uses a masked column other than as is waits for review. */
  strict(p, j, text2, sources, go) {
    const held = mysqlStrictFindings(
      text2,
      sources,
      this.opts.masking,
      this.context.sqlMode ?? "",
      this.context.server
    );
    if (held.length === 0) {
      go(j);
      return;
    }
    const decided = (r2) => {
      if (this.closed) return;
      if (r2.forward) go(r2);
      else if (r2.skip) this.skipped(p, r2);
      else this.refuseJudged(p, r2);
    };
    const r = this.session.review(j, held, false);
    if (r instanceof Promise) r.then(decided);
    else decided(r);
  }
  /** A dry run prepares a stand-in for a write: its executions are answered without running. */
  dryRunPrepare(p, text2, j) {
    if (this.session.gateway.mode !== "dry-run" || j.analysis.readOnly) return p;
    return { ...p, raw: frame(standInPrepare(text2, this.context.sqlMode ?? ""), 0).bytes };
  }
  /**
   * Where the statement's result columns may come from, when the policy has column rules:
   * from the catalog cache, or after a lookup on the side connection (the command waits).
   */
  withSources(text2, go) {
    const { catalog } = this.opts;
    if (!catalog) {
      go(void 0);
      return;
    }
    const s = catalog.sources(
      text2,
      this.context.mysql?.schema ?? "",
      this.context.sqlMode ?? "",
      this.context.server
    );
    if (!(s instanceof Promise)) {
      go(this.diagnostics.judge(text2, s));
      return;
    }
    this.busy = true;
    s.then((r) => {
      if (!this.closed) go(this.diagnostics.judge(text2, r));
    });
  }
  /** Asks the server whether a text query writes the session's own temporary table (temp-tables.ts). */
  ownTemporary(text2, go) {
    const asked = this.temporary.before(text2, this.context, (sql) => this.query(sql));
    if (!asked) go();
    else {
      this.busy = true;
      asked.then(() => !this.closed && go());
    }
  }
  judge(p, text2, via, params, allow) {
    this.busy = true;
    if (via !== "simple") delete this.context.ownTemporary;
    const decide2 = (j2) => {
      if (this.closed) return;
      if (j2.forward) allow(j2);
      else if (j2.skip) this.skipped(p, j2);
      else this.refuseJudged(p, j2);
    };
    let j;
    try {
      j = this.session.inspect(text2, via, {
        inTransaction: this.inTransaction,
        ...params ? { params } : {}
      });
    } catch (err) {
      this.refuse(p, refusal("unjudgeable", `statement could not be judged: ${err.message}`));
      return;
    }
    if (j instanceof Promise)
      j.then(
        decide2,
        (err) => this.refuse(p, refusal("unjudgeable", `statement could not be judged: ${err.message}`))
      );
    else decide2(j);
  }
  /** A dry run answers a write it does not execute with OK, so the migration tool goes on. */
  skipped(p, j) {
    this.session.skipped(j.statement.id, j.skip ?? "skipped by the dry run");
    this.client.write(frame(okPayload(this.status, this.sessionTrack), p.lastSeq + 1).bytes);
    this.next();
  }
  /** A judged statement not run: the server's own syntax error when it cannot parse it either. */
  refuseJudged(p, j) {
    const server = j.serverError;
    if (!server?.errno) {
      this.refuse(p, j.refusal ?? refusal("unjudgeable", "refused"), j.statement.id);
      return;
    }
    this.reply(p, server.errno, server.code, server.message);
    this.session.ran(j.statement.id, {
      durationMs: 0,
      error: { code: server.code, message: `${server.errno}: ${server.message}` }
    });
    this.next();
  }
  /** The ERR packet a refusal of this kind gets (refusal.ts's table). */
  refusalReply(p, r) {
    this.client.write(frame(refusalPayload(r), p.lastSeq + 1).bytes);
    return MYSQL_REFUSALS[r.kind].sqlState;
  }
  refuse(p, r, statementId) {
    const code = this.refusalReply(p, r);
    if (statementId) this.session.ran(statementId, { durationMs: 0, error: { code, message: r.message } });
    this.next();
  }
  command(p) {
    const payload = p.payload;
    if (p.seq !== 0) {
      this.fatal(p.lastSeq + 1, "guardrail: packets out of order", ER_NET_PACKETS_OUT_OF_ORDER);
      return;
    }
    if (payload.length === 0) {
      this.refusalReply(p, refusal("malformed", "empty command packet"));
      return;
    }
    const cmd = payload[0];
    switch (cmd) {
      case Com.QUERY: {
        const text2 = this.textOf(p, true);
        if (text2 === void 0) return;
        this.ownTemporary(
          text2,
          () => this.judge(
            p,
            text2,
            "simple",
            void 0,
            (judged) => this.withSources(
              text2,
              (sources) => this.strict(
                p,
                judged,
                text2,
                sources,
                (j) => this.forward(p, "results", {
                  statementId: j.statement.id,
                  text: text2,
                  analysis: j.analysis,
                  masker: this.masker(false, j.statement.id, sources)
                })
              )
            )
          )
        );
        return;
      }
      case Com.STMT_PREPARE: {
        const text2 = this.textOf(p, true);
        if (text2 === void 0) return;
        this.prepared.last = void 0;
        this.judge(
          p,
          text2,
          "prepared",
          void 0,
          (j) => this.forward(this.dryRunPrepare(p, text2, j), "prepare", {
            statementId: j.statement.id,
            after: (t) => {
              this.prepared.last = t.prepared?.statementId;
              if (t.prepared)
                this.prepared.set(t.prepared.statementId, {
                  text: text2,
                  judgement: j,
                  params: { count: t.prepared.params, longData: /* @__PURE__ */ new Map() }
                });
            }
          })
        );
        return;
      }
      case Com.STMT_EXECUTE:
      case Com.STMT_SEND_LONG_DATA:
      case Com.STMT_CLOSE:
      case Com.STMT_RESET:
      case Com.STMT_FETCH:
        this.preparedCommand(p, cmd);
        return;
      case Com.INIT_DB: {
        const db = this.textOf(p, false);
        if (db === void 0) return;
        this.judge(
          p,
          `USE \`${db.replace(/`/g, "``")}\``,
          "simple",
          void 0,
          (j) => this.forward(p, "single", { statementId: j.statement.id, refresh: true })
        );
        return;
      }
      case Com.RESET_CONNECTION:
        this.forward(p, "single", {
          refresh: "reset",
          after: (t) => {
            if (t.error) return;
            this.prepared.clear();
            this.temporary.clear();
            if (this.context.mysql) this.context.mysql = { ...this.context.mysql, prepared: /* @__PURE__ */ new Map() };
          }
        });
        return;
      case Com.PING:
      case Com.STATISTICS:
      case Com.SET_OPTION:
        this.forward(p, "single");
        return;
      case Com.FIELD_LIST:
        this.forward(p, "field-list");
        return;
      case Com.QUIT:
        this.upstream.end(p.raw);
        this.close("client quit");
        return;
      case Com.CHANGE_USER:
        this.changeUser(p);
        return;
      default:
        this.reply(
          p,
          ER_UNKNOWN_COM,
          "08S01",
          `guardrail: command 0x${cmd.toString(16).padStart(2, "0")} is not supported`
        );
    }
  }
  /**
   * Re-authenticates against the gateway's credentials, then resets the database session as a
   * change of user would (change-user.ts).
   */
  changeUser(p) {
    let c;
    try {
      c = parseChangeUser(p.payload, this.opts.capabilities);
    } catch (err) {
      this.reply(p, ER_MALFORMED, "08S01", `guardrail: malformed COM_CHANGE_USER: ${err.message}`);
      return;
    }
    const ok = verifyChangeUser(c, this.opts.credentials, this.opts.scramble);
    if (ok === void 0) {
      this.reply(
        p,
        ER_NOT_SUPPORTED,
        "42000",
        `guardrail: COM_CHANGE_USER with ${c.plugin} is not supported; open a new connection instead`
      );
      return;
    }
    if (!ok) {
      this.reply(p, 1045, "28000", `Access denied for user '${c.user}' (using password: YES)`);
      return;
    }
    this.busy = true;
    applyChangeUser(c, {
      query: (sql) => this.query(sql),
      command: (payload) => this.internal(payload, "single"),
      forget: () => {
        this.prepared.clear();
        this.temporary.clear();
        this.context.mysql = { prepared: /* @__PURE__ */ new Map(), routines: this.context.mysql?.routines ?? /* @__PURE__ */ new Map() };
      },
      resync: () => this.state.resync(true)
    }).then(
      (refused) => {
        if (this.closed) return;
        if (refused !== void 0) {
          this.reply(p, ER_NOT_SUPPORTED, "42000", refused);
          this.next();
          return;
        }
        this.session.notice(
          "info",
          "00000",
          `COM_CHANGE_USER: session reset${c.database ? `, schema ${c.database}` : ""}`
        );
        let seq = p.lastSeq + 1;
        if (c.plugin === CACHING_SHA2) seq = this.writeClient(Buffer.from([1, 3]), seq);
        this.writeClient(okPayload(this.status, this.sessionTrack), seq);
        this.next();
      },
      (err) => {
        if (err instanceof UpstreamError) {
          this.reply(p, err.errno, err.sqlState, err.message);
          this.next();
        } else this.fatal(p.lastSeq + 1, `guardrail: COM_CHANGE_USER failed: ${err.message}`);
      }
    );
  }
  writeClient(payload, seq) {
    const { bytes, next } = frame(payload, seq);
    this.client.write(bytes);
    return next;
  }
  /**
   * The command's text as the server will read it, decoded under character_set_client; or
   * undefined once the client was told why it cannot be read that surely (`sql`: a statement
   * text rather than a name).
   */
  textOf(p, sql) {
    const read = clientText(p.payload, this.context, sql);
    if ("text" in read) return read.text;
    const r = refusal("unjudgeable", read.why);
    this.session.notice("error", MYSQL_REFUSALS[r.kind].sqlState, r.message);
    this.refusalReply(p, r);
    return void 0;
  }
};

// src/gateway/mysql/params.ts
var MAX_TEXT = 1024;
function text(b, x) {
  const s = b.toString("utf8");
  const printable = !s.includes("\uFFFD") && !/[\0-\x08\x0e-\x1f]/.test(s);
  const shown = printable ? s : `0x${b.toString("hex")}`;
  if (!printable || shown.length > MAX_TEXT) x.exact = false;
  return shown.length > MAX_TEXT ? `${shown.slice(0, MAX_TEXT)}\u2026(${b.length} bytes)` : shown;
}
var pad = (n, w = 2) => String(n).padStart(w, "0");
function temporal(r, type) {
  const len = r.u8();
  const v = new Reader(r.bytes(len));
  if (type === 11) {
    if (len === 0) return "00:00:00";
    const neg = v.u8();
    const days = v.u32();
    const h = v.u8() + days * 24;
    const m = v.u8();
    const s = v.u8();
    const us2 = len >= 12 ? v.u32() : 0;
    return `${neg ? "-" : ""}${pad(h)}:${pad(m)}:${pad(s)}${us2 ? `.${pad(us2, 6)}` : ""}`;
  }
  if (len === 0) return "0000-00-00";
  const date = `${pad(v.u16(), 4)}-${pad(v.u8())}-${pad(v.u8())}`;
  if (len < 7) return date;
  const time = `${pad(v.u8())}:${pad(v.u8())}:${pad(v.u8())}`;
  const us = len >= 11 ? v.u32() : 0;
  return `${date} ${time}${us ? `.${pad(us, 6)}` : ""}`;
}
function value(r, type, unsigned, x) {
  switch (type) {
    case 6:
      return null;
    case 1:
      return unsigned ? r.u8() : r.u8() << 24 >> 24;
    case 2:
    case 13: {
      const v = r.u16();
      return unsigned ? v : v << 16 >> 16;
    }
    case 3:
    case 9: {
      const v = r.u32();
      return unsigned ? v : v | 0;
    }
    case 8: {
      const v = r.u64();
      const n = unsigned ? v : BigInt.asIntN(64, v);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case 4:
      return r.bytes(4).readFloatLE(0);
    case 5:
      return r.bytes(8).readDoubleLE(0);
    case 7:
    case 10:
    case 11:
    case 12:
      return temporal(r, type);
    default: {
      const b = r.lenencBytes();
      return b === null ? null : text(b, x);
    }
  }
}
function decodeExecuteParams(payload, state) {
  if (payload.length < STMT_EXECUTE_PARAMS) throw new ProtocolError("packet too short");
  const r = new Reader(payload, STMT_EXECUTE_PARAMS);
  const n = state.count;
  const x = { exact: true };
  if (n === 0) return { values: [], exact: true };
  const bitmap = r.bytes(n + 7 >> 3);
  const bound = r.u8();
  if (bound === 1) state.types = Buffer.from(r.bytes(2 * n));
  else if (bound !== 0) throw new ProtocolError("invalid new-params-bound flag");
  const types = state.types;
  if (!types) throw new ProtocolError("COM_STMT_EXECUTE without parameter types");
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    if (bitmap[i >> 3] & 1 << (i & 7)) out[i] = null;
    else if (state.longData.has(i)) {
      out[i] = `[long data, ${state.longData.get(i)} bytes]`;
      x.exact = false;
    } else out[i] = value(r, types[2 * i], (types[2 * i + 1] & 128) !== 0, x);
  }
  return { values: out, exact: x.exact };
}

// src/gateway/mysql/prepared-commands.ts
var MysqlPreparedCommands = class extends MysqlCommands {
  preparedCommand(p, cmd) {
    switch (cmd) {
      case Com.STMT_EXECUTE:
        this.execute(p);
        return;
      case Com.STMT_SEND_LONG_DATA:
      case Com.STMT_CLOSE: {
        const stmt = this.prepared.of(p);
        if (!stmt) return;
        if (cmd === Com.STMT_CLOSE) this.prepared.delete(stmt.id);
        else {
          const chunk = readLongData(p.payload);
          if (chunk)
            stmt.s.params.longData.set(
              chunk.param,
              (stmt.s.params.longData.get(chunk.param) ?? 0) + chunk.bytes
            );
        }
        this.upstream.write(p.raw);
        this.flow();
        return;
      }
      case Com.STMT_RESET: {
        const stmt = this.prepared.of(p);
        if (!stmt) {
          this.reply(
            p,
            ER_UNKNOWN_STMT,
            "HY000",
            "Unknown prepared statement handler given to mysqld_stmt_reset"
          );
          return;
        }
        stmt.s.params.longData.clear();
        this.forward(p, "single");
        return;
      }
      case Com.STMT_FETCH:
        this.fetch(p);
        return;
    }
  }
  execute(p) {
    const stmt = this.prepared.of(p);
    if (!stmt) {
      this.reply(
        p,
        ER_UNKNOWN_STMT,
        "HY000",
        "guardrail: unknown prepared statement handler given to COM_STMT_EXECUTE"
      );
      return;
    }
    let params;
    try {
      params = decodeExecuteParams(p.payload, stmt.s.params);
    } catch (err) {
      this.refusalReply(p, refusal("malformed", `malformed COM_STMT_EXECUTE: ${err.message}`));
      return;
    } finally {
      stmt.s.params.longData.clear();
    }
    let j;
    try {
      j = this.session.execute(stmt.s.judgement, params.values, params.exact);
    } catch (err) {
      this.refuse(p, refusal("unjudgeable", `statement could not be judged: ${err.message}`));
      return;
    }
    if (!(j instanceof Promise)) {
      this.executeJudged(p, stmt.s, j);
      return;
    }
    this.busy = true;
    j.then(
      (judged) => {
        if (!this.closed) this.executeJudged(p, stmt.s, judged);
      },
      (err) => this.refuse(p, refusal("unjudgeable", `statement could not be judged: ${err.message}`))
    );
  }
  executeJudged(p, s, j) {
    if (j.skip) {
      this.skipped(p, j);
      return;
    }
    if (!j.forward) {
      this.refuseJudged(p, j);
      return;
    }
    this.withSources(
      s.text,
      (sources) => this.strict(p, j, s.text, sources, (j2) => this.executeForwarded(p, s, j2, sources))
    );
  }
  executeForwarded(p, s, j, sources) {
    const masker = this.masker(true, j.statement.id, sources);
    this.forward(p, "results", {
      statementId: j.statement.id,
      text: s.text,
      analysis: j.analysis,
      masker,
      after: (t) => {
        if (t.status >= 0 && t.status & Status.CURSOR_EXISTS && masker.lastPlan && !masker.withheld)
          s.cursor = { plan: masker.lastPlan, statementId: j.statement.id };
        else delete s.cursor;
      }
    });
  }
  /** Rows of an open cursor: masked with the plan of the execution that opened it. */
  fetch(p) {
    const cursor = this.prepared.of(p)?.s.cursor;
    if (!cursor && this.opts.catalog && this.opts.masking.config.onWire) {
      this.refusalReply(
        p,
        refusal("masking-refused", "COM_STMT_FETCH without a cursor the gateway has a masking plan for")
      );
      return;
    }
    this.forward(
      p,
      "fetch",
      cursor ? { masker: this.masker(true, cursor.statementId, void 0, cursor.plan) } : {}
    );
  }
};

// src/gateway/mysql/replies.ts
var ResponseTracker = class {
  constructor(kind, deprecateEof, keepRows = false, sessionTrack = false) {
    this.kind = kind;
    this.deprecateEof = deprecateEof;
    this.sessionTrack = sessionTrack;
    this.phase = kind === "fetch" ? "rows" : kind === "field-list" ? "columns" : "first";
    if (kind === "field-list") this.left = Number.POSITIVE_INFINITY;
    if (keepRows) this.kept = [];
  }
  kind;
  deprecateEof;
  sessionTrack;
  phase;
  left = 0;
  prepColumns = 0;
  rows = 0;
  affected = 0;
  /** Result sets seen (a multi-statement input or a procedure may return several). */
  resultSets = 0;
  results = 0;
  status = -1;
  error;
  prepared;
  /** Set when the server asked for a client file: the caller refuses it. */
  localInfile = false;
  /** Text rows kept for the gateway's own queries. */
  kept;
  /** What the OK packets' session-state data said changed, in order (later values win). */
  tracked;
  /**
   * The server flagged a session-state change the gateway could not read (an EOF packet, a
   * connection without CLIENT_SESSION_TRACK, an OK packet longer than the scanner's peek).
   */
  untracked = false;
  get done() {
    return this.phase === "done";
  }
  endOf(status) {
    this.status = status;
    this.phase = status & Status.MORE_RESULTS_EXISTS && this.kind === "results" ? "first" : "done";
  }
  isEnd(buf, off, peek, len) {
    return peek > 0 && buf[off] === 254 && len < (this.deprecateEof ? MAX_PAYLOAD : 9);
  }
  endStatus(buf, off, peek, len) {
    if (this.deprecateEof) return this.ok(buf, off, peek, len).status;
    const status = readEofStatus(buf, off, peek);
    if (status & Status.SESSION_STATE_CHANGED) this.untracked = true;
    return status;
  }
  /** Decodes an OK packet and takes in its session-state data. */
  ok(buf, off, peek, len) {
    const ok = parseOk(buf, off, off + peek);
    if (ok.status & Status.SESSION_STATE_CHANGED) {
      if (!this.sessionTrack || peek < len) this.untracked = true;
      else
        try {
          this.readState(buf, off, off + peek);
        } catch {
          this.untracked = true;
        }
    }
    return ok;
  }
  /**
   * The session-state block after the status, warnings and length-encoded info: entries of
   * type, length, data; type 0 holds system variable name/value pairs, type 1 the schema.
   */
  readState(buf, start, end) {
    const r = new Reader(buf, start + 1, end);
    r.lenenc();
    r.lenenc();
    r.u16();
    r.u16();
    r.lenencBytes();
    const block = new Reader(r.lenencBytes() ?? Buffer.alloc(0));
    this.tracked ??= { variables: /* @__PURE__ */ new Map() };
    const state = this.tracked;
    while (block.remaining > 0) {
      const type = block.u8();
      const data = new Reader(block.lenencBytes() ?? Buffer.alloc(0));
      if (type === 0)
        while (data.remaining > 0) {
          const name = data.lenencString() ?? "";
          state.variables.set(name.toLowerCase(), data.lenencString() ?? "");
        }
      else if (type === 1) state.schema = data.lenencString() ?? "";
    }
  }
  /** Feeds one physical packet (not a continuation). */
  packet(buf, off, peek, len) {
    const head = peek > 0 ? buf[off] : -1;
    if (head === 255 && this.phase !== "columns" && this.phase !== "prep-params" && this.phase !== "prep-columns") {
      this.error = parseErr(buf, off, off + peek);
      this.phase = "done";
      return;
    }
    switch (this.phase) {
      case "first":
        this.results++;
        if (this.kind === "single") {
          if (head === 0) this.status = this.ok(buf, off, peek, len).status;
          else if (head === 254 && peek >= 5) this.status = readEofStatus(buf, off, peek);
          this.phase = "done";
        } else if (this.kind === "prepare") {
          const r = new Reader(buf, off + 1, off + peek);
          this.prepared = { statementId: r.u32(), params: 0 };
          this.prepColumns = r.u16();
          this.prepared.params = r.u16();
          this.left = this.prepared.params;
          if (this.left > 0) this.phase = "prep-params";
          else this.afterParams();
        } else if (head === 0) {
          const ok = this.ok(buf, off, peek, len);
          this.affected += ok.affected;
          this.endOf(ok.status);
        } else if (head === 251) {
          this.localInfile = true;
        } else {
          this.resultSets++;
          this.left = new Reader(buf, off, off + peek).lenenc() ?? 0;
          this.phase = this.left > 0 ? "columns" : "rows";
        }
        return;
      case "columns":
        if (this.kind === "field-list") {
          if (head === 255) {
            this.error = parseErr(buf, off, off + peek);
            this.phase = "done";
          } else if (this.isEnd(buf, off, peek, len)) this.phase = "done";
          return;
        }
        if (--this.left === 0) this.phase = this.deprecateEof ? "rows" : "columns-eof";
        return;
      case "columns-eof": {
        const status = this.endStatus(buf, off, peek, len);
        if (status & Status.CURSOR_EXISTS) this.endOf(status & ~Status.MORE_RESULTS_EXISTS);
        else this.phase = "rows";
        return;
      }
      case "rows":
        if (this.isEnd(buf, off, peek, len)) this.endOf(this.endStatus(buf, off, peek, len));
        else {
          this.rows++;
          if (this.kept && peek === len) this.kept.push(Buffer.from(buf.subarray(off, off + peek)));
        }
        return;
      case "prep-params":
        if (--this.left === 0) {
          if (this.deprecateEof) this.afterParams();
          else this.phase = "prep-params-eof";
        }
        return;
      case "prep-params-eof":
        this.afterParams();
        return;
      case "prep-columns":
        if (--this.left === 0) this.phase = this.deprecateEof ? "done" : "prep-columns-eof";
        return;
      case "prep-columns-eof":
        this.phase = "done";
        return;
      case "done":
        return;
    }
  }
  afterParams() {
    this.left = this.prepColumns;
    this.phase = this.left > 0 ? "prep-columns" : "done";
  }
};
function textRow(row) {
  const r = new Reader(row);
  const out = [];
  while (r.remaining > 0) out.push(r.lenencString());
  return out;
}

// src/gateway/mysql/result-rows.ts
var BINARY_CHARSET = 63;
var UNSIGNED_FLAG = 32;
function extendedFields(bytes) {
  const r = new Reader(bytes);
  const out = {};
  while (r.remaining > 0) {
    const key2 = r.u8();
    const value2 = r.lenencString() ?? "";
    if (key2 === 0) out.typeName = value2;
    else if (key2 === 1) out.format = value2;
  }
  return out;
}
function parseColumnDef(payload, extended) {
  const r = new Reader(payload);
  r.lenencString();
  const schema = r.lenencString() ?? "";
  const table = r.lenencString() ?? "";
  const orgTable = r.lenencString() ?? "";
  const name = r.lenencString() ?? "";
  const orgName = r.lenencString() ?? "";
  const metadata = extended ? extendedFields(r.lenencBytes() ?? Buffer.alloc(0)) : {};
  if (r.lenenc() !== 12) throw new ProtocolError(`column ${name} has no fixed-length fields`);
  const charset = r.u16();
  r.u32();
  const type = r.u8();
  const flags = r.u16();
  return { schema, table, orgTable, name, orgName, charset, type, flags, ...metadata };
}
var STRING_TYPES = /* @__PURE__ */ new Set([15, 247, 248, 249, 250, 251, 252, 253, 254, 255]);
var LENENC_TYPES = /* @__PURE__ */ new Set([0, 245, 246, ...STRING_TYPES]);
function bytesValue(col, bytes) {
  if (STRING_TYPES.has(col.type) && col.charset === BINARY_CHARSET) return `[binary ${bytes.length} bytes]`;
  return bytes;
}
function sampleTextRow(payload, cols) {
  const r = new Reader(payload);
  const out = cols.map((c) => {
    const b = r.lenencBytes();
    return b === null ? null : bytesValue(c, b);
  });
  if (r.remaining !== 0) throw new ProtocolError("text row has more values than columns");
  return out;
}
var pad2 = (n, w = 2) => String(n).padStart(w, "0");
function dateValue(r, type) {
  const len = r.u8();
  const d = new Reader(r.bytes(len));
  if (type === 11) {
    if (len === 0) return "00:00:00";
    const neg = d.u8() === 1;
    const hours = d.u32() * 24 + d.u8();
    const t = `${neg ? "-" : ""}${pad2(hours)}:${pad2(d.u8())}:${pad2(d.u8())}`;
    return len >= 12 ? `${t}.${pad2(d.u32(), 6)}` : t;
  }
  if (len === 0) return "0000-00-00";
  const date = `${pad2(d.u16(), 4)}-${pad2(d.u8())}-${pad2(d.u8())}`;
  if (len < 7) return date;
  const time = `${date} ${pad2(d.u8())}:${pad2(d.u8())}:${pad2(d.u8())}`;
  return len >= 11 ? `${time}.${pad2(d.u32(), 6)}` : time;
}
function binaryValue(r, col) {
  const unsigned = (col.flags & UNSIGNED_FLAG) !== 0;
  const t = col.type;
  if (LENENC_TYPES.has(t)) return bytesValue(col, r.lenencBytes() ?? Buffer.alloc(0));
  switch (t) {
    case 1: {
      const v = r.u8();
      return unsigned ? v : v << 24 >> 24;
    }
    case 2:
    case 13: {
      const v = r.u16();
      return unsigned ? v : v << 16 >> 16;
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
function sampleBinaryRow(payload, cols) {
  const r = new Reader(payload);
  if (r.u8() !== 0) throw new ProtocolError("not a binary result row");
  const bitmap = r.bytes(cols.length + 9 >> 3);
  const out = cols.map((c, i) => {
    const bit = i + 2;
    return (bitmap[bit >> 3] & 1 << (bit & 7)) !== 0 ? null : binaryValue(r, c);
  });
  if (r.remaining !== 0) throw new ProtocolError("binary row has bytes after its last column");
  return out;
}

// src/gateway/mysql/result-masking.ts
var SAMPLE_ROWS = 5;
var SAMPLE_VALUE_CHARS = 200;
var ER_PARSE_ERROR = 1064;
var WITHHELD_TEXT = "guardrail: masking withheld the text of this message (the statement reads a masked column)";
var key = (schema, table) => `${schema.toLowerCase()}.${table.toLowerCase()}`;
function decide(masking, cols, sources) {
  const { matcher } = masking;
  const known = new Set(sources.tables.map((t) => key(t.schema, t.table)));
  const views = new Set(sources.views.map((t) => key(t.schema, t.table)));
  const names = new Set([...sources.tables, ...sources.views].map((t) => t.table.toLowerCase()));
  const seen = (c) => c.schema === "" ? names.has(c.orgTable.toLowerCase()) : views.has(key(c.schema, c.orgTable));
  const direct = (c) => c.orgTable !== "" && c.orgName !== "" && known.has(key(c.schema, c.orgTable));
  if (sources.opaque) {
    const unknown = cols.find((c) => !direct(c));
    if (unknown)
      return {
        refuse: `result column "${unknown.name}" cannot be traced to a table, and the statement cannot be followed: ${sources.opaque}`
      };
    return { masked: cols.map((c) => matcher.matches(c.schema, c.orgTable, c.orgName)) };
  }
  const unseen = cols.find(
    (c) => c.orgTable !== "" && !direct(c) && !seen(c) && matcher.mayMatchTable(c.schema, c.orgTable)
  );
  if (unseen)
    return {
      refuse: `result column "${unseen.name}" comes from ${unseen.schema}.${unseen.orgTable}, which is not a table or view the gateway could look up (a derived table, a CTE, a temporary table?) and a masking rule could match it`
    };
  const columns = cols.map((c) => ({
    schema: c.schema,
    orgTable: c.orgTable,
    orgName: c.orgName,
    name: c.name
  }));
  const plan = masking.mysqlColumnPlan(columns, sources.tables, sources.columnsOf);
  if (plan.refuse) return { refuse: plan.reason };
  return {
    masked: plan.masked.map(
      (m, i) => m || cols[i].orgName !== "" && matcher.matches(cols[i].schema, cols[i].orgTable, cols[i].orgName)
    )
  };
}
function planResult(masking, cols, sources) {
  const onWire = masking.config.onWire;
  if (sources.taint?.maskAll) return planOf(masking, cols, new Array(cols.length).fill(true), onWire);
  const d = decide(masking, cols, sources);
  if ("masked" in d) return planOf(masking, cols, d.masked, onWire);
  const each = cols.map((c) => {
    const one = decide(masking, [c], sources);
    return "refuse" in one || one.masked[0] === true;
  });
  return { refuse: d.refuse, sample: planOf(masking, cols, each, false) };
}
function planOf(masking, cols, masked, wire) {
  const types = cols.map((c) => c.type);
  const plan = masking.plan(cols.map((c, i) => ({ masked: masked[i], textLike: textLike(c) })));
  return {
    cols,
    types,
    sample: plan,
    ...wire && plan.masksAny ? { wire: plan } : {},
    masked: cols.filter((_, i) => masked[i]).map((c) => c.name)
  };
}
function textLike(c) {
  return mysqlTextLike(c.type) && c.typeName === void 0 && c.format === void 0;
}
function cut(v) {
  return typeof v === "string" && v.length > SAMPLE_VALUE_CHARS ? `${v.slice(0, SAMPLE_VALUE_CHARS)}\u2026` : v;
}
var MEMO_COLUMNS = 256;
var MEMO_PLANS = 8;
var ColumnMemo = class {
  constructor(extendedMetadata2) {
    this.extendedMetadata = extendedMetadata2;
  }
  extendedMetadata;
  positions = [];
  plans = [];
  column(i, payload) {
    if (i >= MEMO_COLUMNS) return parseColumnDef(payload, this.extendedMetadata);
    this.positions[i] ??= new RecentDecodes(
      (buf, start, end) => parseColumnDef(buf.subarray(start, end), this.extendedMetadata)
    );
    return this.positions[i].get(payload, 0, payload.length);
  }
  /** The plan of a result without column rules: an earlier one's, when its columns are these. */
  unsourced(masking, cols) {
    for (const p of this.plans)
      if (p.cols.length === cols.length && p.cols.every((c, i) => c === cols[i])) return p.plan;
    const plan = planOf(masking, cols, new Array(cols.length).fill(false), false);
    if (this.plans.length === MEMO_PLANS) this.plans.shift();
    this.plans.push({ cols, plan });
    return plan;
  }
};
var ResultMasker = class {
  constructor(o) {
    this.o = o;
    this.onWire = o.masking.config.onWire;
    this.hold = this.onWire && o.sources !== void 0;
    if (o.cursor) this.set = this.newSet(o.cursor.cols.length, o.cursor);
  }
  o;
  set;
  /** Set when the rest of the answer is withheld: the client got an ERR in its place. */
  withheld;
  /** The plan of the latest result set (for a cursor left open). */
  lastPlan;
  onWire;
  hold;
  before = { phase: void 0, rows: 0, resultSets: 0, failed: false };
  newSet(expected, plan) {
    return {
      expected,
      cols: plan ? [...plan.cols] : [],
      held: [],
      heldSeq: 0,
      awaitCount: false,
      ...plan ? { plan } : {},
      sample: [],
      rows: 0,
      unsampled: false
    };
  }
  /**
   * Routes one packet (not a continuation) after the tracker has seen it. The masker sees every
   * packet of the answer until it is withheld, so it remembers what the tracker knew before.
   */
  route(t, buf, off, peek, len, seq) {
    const before = this.before;
    const phase = before.phase ?? (t.kind === "fetch" ? "rows" : "first");
    const rowsBefore = before.rows;
    const setsBefore = before.resultSets;
    const failed = before.failed;
    before.phase = t.phase;
    before.rows = t.rows;
    before.resultSets = t.resultSets;
    before.failed = t.error !== void 0;
    if (!failed && t.error) {
      this.endSet();
      return this.onWire ? 2 /* Capture */ : 0 /* Forward */;
    }
    if (t.kind !== "results" && t.kind !== "fetch") return 0 /* Forward */;
    if (phase === "first" && t.resultSets > setsBefore) {
      const expected = new Reader(buf, off, off + peek).lenenc() ?? 0;
      this.set = this.newSet(expected);
      this.set.awaitCount = this.hold;
      return this.hold ? 2 /* Capture */ : 0 /* Forward */;
    }
    const set = this.set;
    if (!set) return 0 /* Forward */;
    if (phase === "columns") {
      if (!this.hold && peek === len) {
        this.column(set, buf.subarray(off, off + len));
        return 0 /* Forward */;
      }
      return 2 /* Capture */;
    }
    if (phase !== "rows") return 0 /* Forward */;
    if (t.rows === rowsBefore) {
      this.endSet();
      return 0 /* Forward */;
    }
    set.rows++;
    const wire = set.plan?.wire;
    const sampling = set.sample.length < SAMPLE_ROWS && !set.unsampled;
    if (len >= MAX_PAYLOAD) {
      if (wire) {
        this.withhold("a row of 16 MiB or more cannot be masked");
        this.o.inject(this.refusal(seq, this.withheld));
        return 1 /* Drop */;
      }
      if (sampling) set.unsampled = true;
      return 0 /* Forward */;
    }
    if (!wire && !sampling) return 0 /* Forward */;
    if (!wire && peek === len) {
      this.sampleRow(set, buf.subarray(off, off + len));
      return 0 /* Forward */;
    }
    return 2 /* Capture */;
  }
  /** A captured packet, whole: what the client gets in its place. */
  captured(payload, seq) {
    if (payload[0] === 255) return this.redactedErr(payload, seq);
    const set = this.set;
    if (!set) return frame(payload, seq).bytes;
    if (set.awaitCount) {
      set.awaitCount = false;
      set.heldSeq = seq;
      set.held.push(frame(payload, seq).bytes);
      return void 0;
    }
    if (!set.plan) {
      this.column(set, payload);
      const bytes = frame(payload, seq).bytes;
      if (!this.hold) return bytes;
      set.held.push(bytes);
      if (!set.plan) return void 0;
      if (this.withheld) return this.refusal(set.heldSeq, this.withheld);
      return Buffer.concat(set.held.splice(0));
    }
    if (set.sample.length < SAMPLE_ROWS && !set.unsampled) this.sampleRow(set, payload);
    const wire = set.plan.wire;
    if (!wire) return frame(payload, seq).bytes;
    try {
      const masked = this.o.binary ? maskMysqlBinaryRow(payload, wire, set.plan.types) : maskMysqlTextRow(payload, wire);
      return frame(masked, seq).bytes;
    } catch (err) {
      if (!(err instanceof MaskingError)) throw err;
      this.withhold(`a row could not be masked: ${err.message}`);
      return this.refusal(seq, this.withheld);
    }
  }
  /** Records the sample of a result set still open (the answer ended or was cut off). */
  close() {
    this.endSet();
  }
  column(set, payload) {
    set.cols.push(this.o.columns.column(set.cols.length, payload));
    if (set.cols.length < set.expected) return;
    const plan = this.o.sources ? planResult(this.o.masking, set.cols, this.o.sources) : this.o.columns.unsourced(this.o.masking, set.cols);
    if ("refuse" in plan) {
      set.plan = plan.sample;
      if (this.onWire) this.withhold(plan.refuse);
    } else set.plan = plan;
    this.lastPlan = set.plan;
  }
  sampleRow(set, payload) {
    const plan = set.plan;
    if (!plan) return;
    let values;
    try {
      values = this.o.binary ? sampleBinaryRow(payload, plan.cols) : sampleTextRow(payload, plan.cols);
    } catch {
      set.unsampled = true;
      return;
    }
    set.sample.push(this.o.masking.maskSampleRow(values, plan.sample).map(cut));
  }
  endSet() {
    const set = this.set;
    this.set = void 0;
    if (!set?.plan || !this.o.statementId) return;
    this.o.rows({
      id: this.o.statementId,
      columns: set.plan.cols.map((c) => c.name),
      sample: set.sample,
      truncated: set.rows > set.sample.length,
      masked: set.plan.masked
    });
  }
  withhold(reason) {
    this.withheld ??= reason;
  }
  refusal(seq, reason) {
    this.endSet();
    return frame(refusalPayload(refusal("masking-refused", `result withheld: ${reason}`)), seq).bytes;
  }
  /** The statement reads masked data: the text of this error is withheld whole. */
  withholds(errno) {
    const taint2 = this.o.sources?.taint;
    return taint2?.errors === true && (taint2.syntaxErrors || errno !== ER_PARSE_ERROR);
  }
  redactedErr(payload, seq) {
    const e = parseErr(payload);
    const message = this.withholds(e.code) ? WITHHELD_TEXT : this.o.masking.redactMessage(e.message);
    return frame(errPayload({ ...e, message }), seq).bytes;
  }
};

// src/gateway/mysql/session-state.ts
var TRACK_STATE = "SET SESSION session_track_system_variables = IF(@@session_track_system_variables = '*', '*', CONCAT_WS(',', NULLIF(@@session_track_system_variables, ''), 'sql_mode,character_set_client')), SESSION session_track_schema = ON";
var MysqlSessionState = class {
  constructor(session, sessionTrack, query) {
    this.session = session;
    this.sessionTrack = sessionTrack;
    this.query = query;
  }
  session;
  sessionTrack;
  query;
  get context() {
    return this.session.analysisContext;
  }
  /**
   * What only the analyzer can know carries forward: SQL-level prepared statements and the
   * routines created here. The parsing state (sql_mode, character set, schema) never comes
   * from the analysis: only from the server (confirm, refreshSessionState).
   */
  carryAnalyzerState(analysis) {
    const after = analysis.after;
    if (!after) return;
    const schema = this.context.mysql?.schema;
    this.context.mysql = {
      prepared: after.prepared,
      routines: after.routines,
      ...schema ? { schema } : {}
    };
  }
  /** Session-state changes the server reported in its OK packets. */
  confirm(tracked) {
    const mode = tracked.variables.get("sql_mode");
    if (mode !== void 0) this.context.sqlMode = mode;
    const charset = tracked.variables.get("character_set_client");
    if (charset !== void 0) this.context.characterSetClient = charset.toLowerCase();
    if (tracked.schema !== void 0) this.setSchema(tracked.schema);
  }
  /**
   * Must the state be read from the server before the next command? When the server flagged a
   * change it did not spell out, when its status flags disagree with the sql_mode the gateway
   * holds, and after anything that may set state: session tracking alone is not enough, as
   * MariaDB 10.11 does not report `SET @@character_set_client := 'big5'` (the differential
   * fuzzer found it), and clients without CLIENT_SESSION_TRACK get no reports at all.
   */
  unconfirmed(t, analysis) {
    if (t.untracked) return true;
    if (t.status >= 0 && !isUnknownMode(this.context.sqlMode)) {
      const flags = lexFlags(this.context.sqlMode);
      if ((t.status & Status.NO_BACKSLASH_ESCAPES) !== 0 !== flags.noBackslashEscapes) return true;
      const maria = this.context.server?.flavour === "mariadb";
      if (maria && (t.status & Status.ANSI_QUOTES) !== 0 !== flags.ansiQuotes) return true;
    }
    return analysis !== void 0 && mayChangeSessionState(analysis.statements);
  }
  setSchema(schema) {
    this.session.info.database = schema;
    const m = this.context.mysql;
    const { schema: _old, ...rest } = m ?? {};
    this.context.mysql = schema ? { ...rest, schema } : rest;
  }
  /**
   * Reads the session's parsing state from the server (start-up, and when it is unconfirmed).
   * `track`: first ask the server to report state changes in its OK packets (at start-up and
   * after a session reset), so that changes made where the gateway does not expect them are
   * seen too.
   */
  async resync(track) {
    if (track && this.sessionTrack) {
      try {
        await this.query(TRACK_STATE);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
      }
    }
    await this.refreshSessionState();
  }
  async refreshSessionState() {
    if (this.session.gateway.mode === "dry-run") await this.query(SET_READ_ONLY);
    const [row] = await this.query("SELECT @@SESSION.sql_mode, DATABASE(), @@SESSION.character_set_client");
    if (!row) throw new ProtocolError("no row for @@sql_mode");
    this.context.sqlMode = row[0] ?? "";
    this.context.characterSetClient = (row[2] ?? "").toLowerCase();
    this.setSchema(row[1] ?? "");
  }
};

// src/gateway/mysql/connection.ts
var HIGH_WATER = 4 * 1024 * 1024;
var MysqlConnection = class extends MysqlPreparedCommands {
  constructor(client, upstream, clientPackets, session, opts, onClose) {
    super();
    this.client = client;
    this.upstream = upstream;
    this.clientPackets = clientPackets;
    this.session = session;
    this.onClose = onClose;
    this.opts = opts;
    this.diagnostics = new DiagnosticsTaint(opts.masking.matcher);
    this.columns = new ColumnMemo(opts.extendedMetadata);
    this.status = opts.status;
    this.deprecateEof = (opts.capabilities & Cap.DEPRECATE_EOF) !== 0;
    this.sessionTrack = (opts.capabilities & Cap.SESSION_TRACK) !== 0;
    this.state = new MysqlSessionState(session, this.sessionTrack, (sql) => this.query(sql));
    const server = parseServerVersion(opts.serverVersion);
    if (server) this.context.server = server;
  }
  client;
  upstream;
  clientPackets;
  session;
  onClose;
  scanner = new PacketScanner(this);
  tracker;
  current;
  ended;
  busy = false;
  pumping = false;
  closed = false;
  status;
  deprecateEof;
  sessionTrack;
  opts;
  /** The masker of the packet the scanner is capturing (it may complete after its answer ended). */
  capturing;
  diagnostics;
  columns;
  /** The session's parsing state as the server confirms it. */
  state;
  /** Reads the session's sql_mode and schema, then completes the client's login with OK. */
  async start(okSeq) {
    this.upstream.on("data", (chunk) => this.afterWrites(() => this.fromUpstream(chunk)));
    this.upstream.on("drain", () => this.flow());
    this.upstream.on("error", () => {
    });
    this.upstream.on("close", () => this.upstreamClosed());
    this.client.on("error", () => {
    });
    this.client.on("close", () => this.close("client disconnected"));
    this.client.on("drain", () => {
      if (!this.closed) this.upstream.resume();
    });
    try {
      await this.state.resync(true);
    } catch (err) {
      this.fatal(okSeq, `guardrail: cannot read the session's sql_mode: ${err.message}`);
      return;
    }
    if (this.closed) return;
    this.busy = false;
    this.client.write(frame(okPayload(this.status, this.sessionTrack), okSeq).bytes);
    this.client.on("data", (chunk) => {
      this.clientPackets.push(chunk);
      this.afterWrites(() => this.pump());
    });
    this.client.resume();
    this.pump();
  }
  /**
   * Handles a chunk with the transcript lines it produces recorded after its writes (see
   * EngineSession.afterWrites); a transcript that fails then ends this connection only.
   */
  afterWrites(fn) {
    try {
      this.session.afterWrites(fn);
    } catch (err) {
      this.fatal(0, `guardrail: ${err.message}`);
    }
  }
  // ---- server → client ------------------------------------------------------------------------
  fromUpstream(chunk) {
    if (this.closed) return;
    let out;
    try {
      out = this.scanner.push(chunk);
    } catch (err) {
      this.fatal(
        this.current ? this.current.lastSeq + 1 : 1,
        `guardrail: bad answer from the database: ${err.message}`
      );
      return;
    }
    if (out.length > 0) {
      if (out.length === 1) this.client.write(out[0]);
      else {
        this.client.cork();
        for (const b of out) this.client.write(b);
        this.client.uncork();
      }
      if (this.client.writableNeedDrain) this.upstream.pause();
    }
    const ended = this.ended;
    if (ended) {
      this.ended = void 0;
      try {
        this.finish(ended.t, ended.cur);
      } catch (err) {
        this.fatal(0, `guardrail: ${err.message}`);
      }
    }
  }
  packet(buf, off, peek, len, seq, continuation) {
    const cur = this.current;
    const t = this.tracker;
    if (!t || !cur) return 0 /* Forward */;
    if (continuation) return dropping(cur) ? 1 /* Drop */ : 0 /* Forward */;
    cur.lastSeq = seq;
    t.packet(buf, off, peek, len);
    if (t.localInfile) {
      t.localInfile = false;
      this.upstream.write(frame(Buffer.alloc(0), seq + 1).bytes);
      if (!cur.internal && !cur.discard) {
        this.scanner.inject(
          frame(
            refusalPayload(
              refusal("policy-deny", "the database asked to read a client file (LOAD DATA LOCAL); refused")
            ),
            seq
          ).bytes
        );
      }
      cur.discard = true;
      return 1 /* Drop */;
    }
    if (t.done) {
      this.ended = { t, cur };
      this.tracker = void 0;
      this.current = void 0;
    }
    if (dropping(cur)) return 1 /* Drop */;
    if (!cur.masker) return 0 /* Forward */;
    const route = cur.masker.route(t, buf, off, peek, len, seq);
    if (route === 2 /* Capture */) this.capturing = cur.masker;
    return route;
  }
  captured(payload, seq) {
    const m = this.capturing;
    this.capturing = void 0;
    return m ? m.captured(payload, seq) : frame(payload, seq).bytes;
  }
  finish(t, cur) {
    if (t.status >= 0) this.status = t.status;
    if (cur.internal) {
      cur.internal(t);
      return;
    }
    cur.masker?.close();
    if (cur.statementId) {
      const e = t.error;
      if (e?.code === ER_READ_ONLY_TRANSACTION && this.session.gateway.mode === "dry-run")
        this.session.notice("note", SKIPPED_CODE, DRY_RUN_WRITE);
      const withheld = cur.masker?.withheld;
      this.session.ran(cur.statementId, {
        tag: t.kind === "prepare" ? "PREPARE" : t.resultSets > 0 ? "RESULTSET" : "OK",
        rows: t.resultSets > 0 ? t.rows : t.affected,
        durationMs: performance.now() - cur.started,
        ...withheld ? { error: { code: "42000", message: `guardrail: result withheld: ${withheld}` } } : e ? (
          // Session.ran redacts the message (values in `Duplicate entry '…'`) before recording.
          {
            error: {
              code: e.sqlState,
              message: `${e.code}: ${cur.masker?.withholds(e.code) ? WITHHELD_TEXT : e.message}`
            }
          }
        ) : {}
      });
    }
    if (this.opts.catalog && cur.analysis && !cur.analysis.readOnly && mayChangeCatalog(cur.analysis.statements))
      this.opts.catalog.invalidate();
    cur.after?.(t);
    if (cur.text) this.temporary.ran(cur.text, this.context.sqlMode);
    if (cur.analysis) this.state.carryAnalyzerState(cur.analysis);
    if (t.tracked) this.state.confirm(t.tracked);
    if (cur.refresh || this.state.unconfirmed(t, cur.analysis)) {
      this.state.resync(cur.refresh === "reset").then(
        () => this.next(),
        (err) => this.fatal(0, `guardrail: cannot read the session's state: ${err.message}`)
      );
    } else this.next();
  }
  /** Runs a query of the gateway's own on the client's connection, between its commands. */
  internal(payload, kind, keepRows = false) {
    return new Promise((resolve, reject) => {
      this.busy = true;
      this.tracker = new ResponseTracker(kind, this.deprecateEof, keepRows, this.sessionTrack);
      this.current = {
        started: performance.now(),
        lastSeq: 0,
        internal: (t) => {
          if (t.error) reject(new UpstreamError(t.error.message, t.error.sqlState, t.error.code));
          else resolve(t);
        }
      };
      this.upstream.write(frame(payload, 0).bytes);
    });
  }
  async query(sql) {
    const t = await this.internal(
      Buffer.concat([Buffer.from([Com.QUERY]), Buffer.from(sql, "utf8")]),
      "results",
      true
    );
    return (t.kept ?? []).map(textRow);
  }
  // ---- client → server ------------------------------------------------------------------------
  /** The command is done with (answered by the server or by the gateway): nothing is in flight. */
  next() {
    this.session.quiet(this.inTransaction);
    this.busy = false;
    this.pump();
  }
  pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.busy && !this.closed) {
        let p;
        try {
          p = this.clientPackets.next();
        } catch (err) {
          const code = err instanceof PacketTooLarge ? ER_NET_PACKET_TOO_LARGE : MYSQL_REFUSALS.malformed.errno;
          this.fatal(1, `guardrail: ${err.message}`, code);
          return;
        }
        if (!p) break;
        try {
          this.command(p);
        } catch (err) {
          this.fatal(p.lastSeq + 1, `guardrail: internal error: ${err.message}`);
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
    this.flow();
  }
  flow() {
    if (this.closed) return;
    const hold = this.upstream.writableNeedDrain || this.busy && this.clientPackets.buffered > HIGH_WATER;
    if (hold && !this.client.isPaused()) this.client.pause();
    else if (!hold && this.client.isPaused()) this.client.resume();
  }
  forward(p, kind, cur = {}) {
    this.busy = true;
    this.tracker = new ResponseTracker(kind, this.deprecateEof, false, this.sessionTrack);
    const masker = cur.masker ?? (this.opts.masking.config.onWire ? this.masker(false) : void 0);
    this.current = { started: performance.now(), lastSeq: p.lastSeq, ...cur, ...masker ? { masker } : {} };
    this.upstream.write(p.raw);
  }
  masker(binary, statementId, sources, cursor) {
    return new ResultMasker({
      masking: this.opts.masking,
      binary,
      columns: this.columns,
      ...sources ? { sources } : {},
      ...statementId ? { statementId } : {},
      ...cursor ? { cursor } : {},
      rows: (r) => this.session.rows(r),
      inject: (b) => this.scanner.inject(b)
    });
  }
  // ---- endings --------------------------------------------------------------------------------
  upstreamClosed() {
    if (this.closed) return;
    if (this.busy && this.current && !this.current.internal && !this.current.discard)
      this.client.end(
        frame(
          errPayload({
            code: CR_SERVER_LOST,
            sqlState: "HY000",
            message: "guardrail: lost the connection to the database"
          }),
          this.current.lastSeq + 1
        ).bytes
      );
    this.close("database closed the connection");
  }
  /** Tells the client why and closes: for states the connection cannot recover from. */
  fatal(seq, message, code = CR_SERVER_LOST) {
    if (this.closed) return;
    this.client.end(frame(errPayload({ code, sqlState: "08S01", message }), seq).bytes);
    this.close(message);
  }
  close(reason) {
    if (this.closed) return;
    this.closed = true;
    this.session.end(reason);
    if (!this.client.writableEnded) this.client.end();
    setTimeout(() => this.client.destroy(), 1e3).unref();
    this.upstream.destroy();
    this.onClose();
  }
};
function dropping(cur) {
  return cur.internal !== void 0 || cur.discard === true || cur.masker?.withheld !== void 0;
}

// src/gateway/mysql/handshake-io.ts
import { Duplex } from "node:stream";
var ConnectionClosed = class extends ProtocolError {
};
var PacketChannel = class {
  constructor(socket, maxPayload, peer, timeoutMs) {
    this.socket = socket;
    this.peer = peer;
    this.timeoutMs = timeoutMs;
    this.assembler = new PacketAssembler(maxPayload);
    this.attach();
  }
  socket;
  peer;
  timeoutMs;
  assembler;
  waiter;
  failure;
  onData = (chunk) => {
    this.assembler.push(chunk);
    this.deliver();
  };
  onEnd = () => this.fail(new ConnectionClosed(`${this.peer} closed the connection`));
  onError = (err) => this.fail(err);
  attach() {
    this.socket.on("data", this.onData);
    this.socket.on("end", this.onEnd);
    this.socket.on("close", this.onEnd);
    this.socket.on("error", this.onError);
  }
  /** Stops listening; bytes already received stay in `assembler`. */
  detach() {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onError);
  }
  /**
   * Swaps in the TLS socket built over the current one. Bytes that arrived with the packet
   * before the switch (a ClientHello sent right behind the SSLRequest) cannot be unshifted into
   * a TLSSocket that takes over the raw handle, so then the raw socket is wrapped in a stream
   * that replays them first.
   */
  async upgrade(make) {
    this.detach();
    const raw = this.socket;
    raw.on("error", () => {
    });
    const early = this.assembler.take();
    const transport = early.length > 0 ? replaying(raw, early) : raw;
    let timer;
    try {
      this.socket = await Promise.race([
        make(transport),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(
              new ProtocolError(`TLS handshake with ${this.peer} took longer than ${this.timeoutMs} ms`)
            ),
            this.timeoutMs
          );
        })
      ]);
    } catch (err) {
      raw.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.attach();
  }
  fail(err) {
    this.failure ??= err;
    this.deliver();
  }
  deliver() {
    const w = this.waiter;
    if (!w) return;
    let p;
    try {
      p = this.assembler.next();
    } catch (err) {
      this.waiter = void 0;
      w.reject(err);
      return;
    }
    if (p) {
      this.waiter = void 0;
      w.resolve(p);
    } else if (this.failure) {
      this.waiter = void 0;
      w.reject(this.failure);
    }
  }
  read() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = void 0;
        reject(new ProtocolError(`${this.peer} sent nothing for ${this.timeoutMs} ms during the handshake`));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        }
      };
      this.deliver();
    });
  }
  write(payload, seq) {
    const { bytes, next } = frame(payload, seq);
    this.socket.write(bytes);
    return next;
  }
  writeErr(seq, code, sqlState, message) {
    this.write(errPayload({ code, sqlState, message }), seq);
  }
};
function replaying(raw, early) {
  const d = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk, _enc, cb) {
      raw.write(chunk, cb);
    },
    final(cb) {
      raw.end(cb);
    },
    destroy(err, cb) {
      raw.destroy(err ?? void 0);
      cb(err);
    }
  });
  d.push(early);
  raw.on("data", (chunk) => {
    if (!d.push(chunk)) raw.pause();
  });
  raw.on("end", () => d.push(null));
  raw.on("close", () => d.destroy());
  return d;
}

// src/gateway/mysql/masking-catalog.ts
var MAX_NAMES2 = 2e3;
var MAX_CACHE = 2e4;
var MAX_ROUNDS = 16;
var MysqlMaskingCatalog = class {
  constructor(side) {
    this.side = side;
  }
  side;
  /** By lower-cased `schema\0name`: what the catalog holds under that name (empty: nothing). */
  cache = /* @__PURE__ */ new Map();
  generation = 0;
  /** Forgets everything; called after statements that may change tables, views or routines. */
  invalidate() {
    this.cache.clear();
    this.generation++;
  }
  /**
   * The sources of a statement, synchronously when the cache knows every name it reaches,
   * else after lookups on the side connection. Never rejects: a failed lookup is opaque.
   */
  sources(text2, schema, sqlMode, server) {
    const scan = { names: /* @__PURE__ */ new Map() };
    scanText(text2, schema, sqlMode, scan, server);
    const done = this.expand(scan, server);
    if (done) return done;
    return this.fetchAndExpand(scan, server).catch(
      (err) => this.result(scan, `the catalog could not be followed: ${err.message}`)
    );
  }
  async fetchAndExpand(scan, server) {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const missing = [...scan.names.entries()].filter(([k]) => !this.cache.has(k));
      try {
        await this.lookup(missing.map(([, v]) => v));
      } catch (err) {
        return this.result(scan, `the catalog could not be read: ${err.message}`);
      }
      const done = this.expand(scan, server);
      if (done) return done;
    }
    return this.result(scan, "its tables, views and routines kept changing while they were looked up");
  }
  /** Follows views and routines through the cache; undefined when some name is not cached yet. */
  expand(scan, server) {
    const seen = /* @__PURE__ */ new Set();
    let grew = true;
    while (grew) {
      grew = false;
      if (scan.names.size > MAX_NAMES2) return this.result(scan, "it names too many objects to follow");
      for (const [k] of scan.names) {
        if (seen.has(k)) continue;
        const objects = this.cache.get(k);
        if (!objects) return void 0;
        seen.add(k);
        for (const o of objects) {
          if (o.kind === "table") continue;
          if (!o.definition) {
            scan.opaque ??= `the definition of ${o.kind} ${o.schema}.${o.name} cannot be read`;
            continue;
          }
          if (!o.scan) {
            o.scan = { names: /* @__PURE__ */ new Map() };
            scanText(o.definition, o.schema, o.sqlMode, o.scan, server);
          }
          const before = scan.names.size;
          for (const [nk, v] of o.scan.names) scan.names.set(nk, v);
          if (o.scan.opaque) scan.opaque ??= o.scan.opaque;
          if (scan.names.size !== before) grew = true;
        }
      }
    }
    return this.result(scan, scan.opaque);
  }
  result(scan, opaque) {
    const tables = [];
    const views = [];
    const columns = /* @__PURE__ */ new Map();
    for (const k of scan.names.keys()) {
      for (const o of this.cache.get(k) ?? []) {
        if (o.kind === "view") views.push({ schema: o.schema, table: o.name });
        if (o.kind !== "table") continue;
        tables.push({ schema: o.schema, table: o.name });
        columns.set(keyOf(o.schema, o.name), o.columns);
      }
    }
    return {
      tables,
      views,
      columnsOf: (schema, table) => columns.get(keyOf(schema, table)),
      ...opaque ? { opaque } : {}
    };
  }
  async lookup(names) {
    if (names.length === 0) return;
    const generation = this.generation;
    const pairs = names.map(() => "(?,?)").join(",");
    const values = names.flatMap((n) => [n.schema, n.name]);
    const where = (s, n) => `(${s}, ${n}) IN (${pairs})`;
    const sql = [
      `SELECT 'T' AS k, TABLE_SCHEMA AS s, TABLE_NAME AS n, TABLE_TYPE AS x, '' AS m FROM information_schema.TABLES WHERE ${where("TABLE_SCHEMA", "TABLE_NAME")}`,
      `SELECT 'C', TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, '' FROM information_schema.COLUMNS WHERE ${where("TABLE_SCHEMA", "TABLE_NAME")}`,
      `SELECT 'V', TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, '' FROM information_schema.VIEWS WHERE ${where("TABLE_SCHEMA", "TABLE_NAME")}`,
      `SELECT 'R', ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_DEFINITION, SQL_MODE FROM information_schema.ROUTINES WHERE ${where("ROUTINE_SCHEMA", "ROUTINE_NAME")}`
    ].join(" UNION ALL ");
    const [rows] = await this.side.query(sql, [...values, ...values, ...values, ...values]);
    if (generation !== this.generation) return;
    if (this.cache.size + names.length > MAX_CACHE) this.cache.clear();
    const found = new Map(names.map((n) => [keyOf(n.schema, n.name), []]));
    const exact = (r) => `${r.s}\0${r.n}`;
    const tables = /* @__PURE__ */ new Map();
    const views = /* @__PURE__ */ new Map();
    for (const r of rows) {
      if (r.k === "T" && r.x !== "VIEW") {
        const t = { kind: "table", schema: r.s, name: r.n, columns: [] };
        tables.set(exact(r), t);
        found.get(keyOf(r.s, r.n))?.push(t);
      } else if (r.k === "V") views.set(exact(r), r.x ?? "");
      else if (r.k === "R")
        found.get(keyOf(r.s, r.n))?.push({ kind: "routine", schema: r.s, name: r.n, definition: r.x ?? "", sqlMode: r.m ?? "" });
    }
    for (const r of rows) {
      if (r.k === "C") tables.get(exact(r))?.columns.push(r.x ?? "");
      else if (r.k === "T" && r.x === "VIEW")
        found.get(keyOf(r.s, r.n))?.push({
          kind: "view",
          schema: r.s,
          name: r.n,
          definition: views.get(exact(r)) ?? "",
          sqlMode: ""
        });
    }
    for (const [k, v] of found) this.cache.set(k, v);
  }
};

// src/gateway/mysql/upstream.ts
import { isIP, connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

// src/gateway/mysql/ed25519.ts
import { createHash as createHash2 } from "node:crypto";
var P = 2n ** 255n - 19n;
var L = 2n ** 252n + 27742317777372353535851937790883648493n;
var mod = (a, m = P) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};
function inv(a) {
  let result = 1n;
  let base = mod(a);
  let e = P - 2n;
  while (e > 0n) {
    if (e & 1n) result = result * base % P;
    base = base * base % P;
    e >>= 1n;
  }
  return result;
}
var D = mod(-121665n * inv(121666n));
var D2 = mod(2n * D);
var BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
var BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;
function add(p, q) {
  const [x1, y1, z1, t1] = p;
  const [x2, y2, z2, t2] = q;
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(t1 * D2 * t2);
  const d = mod(z1 * 2n * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}
function multiply(scalar) {
  let result = [0n, 1n, 1n, 0n];
  let addend = [BX, BY, 1n, mod(BX * BY)];
  while (scalar > 0n) {
    if (scalar & 1n) result = add(result, addend);
    addend = add(addend, addend);
    scalar >>= 1n;
  }
  return result;
}
function encode(p) {
  const zi = inv(p[2]);
  const x = mod(p[0] * zi);
  let y = mod(p[1] * zi);
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(y & 0xffn);
    y >>= 8n;
  }
  if (x & 1n) out[31] |= 128;
  return out;
}
function littleEndian(b) {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = v << 8n | BigInt(b[i]);
  return v;
}
var sha512 = (...parts) => {
  const h = createHash2("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
};
function ed25519Sign(password, scramble) {
  const az = sha512(password);
  az[0] &= 248;
  az[31] &= 63;
  az[31] |= 64;
  const a = littleEndian(az.subarray(0, 32));
  const publicKey = encode(multiply(a));
  const r = mod(littleEndian(sha512(az.subarray(32), scramble)), L);
  const R = encode(multiply(r));
  const k = mod(littleEndian(sha512(R, publicKey, scramble)), L);
  let s = mod(r + k * a, L);
  const S = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    S[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return Buffer.concat([R, S]);
}

// src/gateway/mysql/upstream.ts
function authData(plugin, password, scramble) {
  if (plugin === NATIVE) return nativeToken(password, scramble.subarray(0, 20));
  if (plugin === CACHING_SHA2) return sha2Token(password, scramble.subarray(0, 20));
  if (plugin === ED25519) return ed25519Sign(password, scramble.subarray(0, 32));
  throw new ProtocolError(
    `the database asked for authentication plugin ${plugin}, which the gateway does not support`
  );
}
function openSocket(host, port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new GuardrailError(`connecting to ${host}:${port} timed out`, { code: "ERR_UPSTREAM_FAILED" }));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once("error", (err) => {
      clearTimeout(timer);
      reject(
        new GuardrailError(`cannot connect to ${host}:${port}: ${err.message}`, {
          code: "ERR_UPSTREAM_FAILED"
        })
      );
    });
  });
}
async function greetUpstream(cfg, limits) {
  const raw = await openSocket(cfg.host, cfg.port, limits.timeoutMs);
  const ch = new PacketChannel(raw, limits.maxPayload, "the database", limits.timeoutMs);
  const abandon = () => {
    ch.detach();
    ch.socket.destroy();
  };
  try {
    const first = await ch.read();
    if (first.payload[0] === 255) {
      const e = parseErr(first.payload);
      throw new UpstreamError(e.message, e.sqlState, e.code);
    }
    const greeting = parseGreeting(first.payload);
    return {
      greeting,
      abandon,
      async login(req) {
        try {
          return await authenticate(ch, cfg, { ...req, ...limits }, greeting, first.lastSeq + 1);
        } catch (err) {
          abandon();
          throw err;
        }
      }
    };
  } catch (err) {
    abandon();
    throw err;
  }
}
async function loginUpstream(cfg, req) {
  return (await greetUpstream(cfg, req)).login(req);
}
async function authenticate(ch, cfg, req, greeting, firstSeq) {
  const serverTls = (greeting.capabilities & Cap.SSL) !== 0;
  const useTls = cfg.sslMode !== "disable" && (serverTls || cfg.sslMode !== "prefer");
  if (useTls && !serverTls)
    throw new ProtocolError(
      `ssl-mode=${cfg.sslMode} but the database at ${cfg.host}:${cfg.port} does not offer TLS`
    );
  const capabilities = (req.capabilities & greeting.capabilities & ~Cap.SSL) >>> 0;
  const announced = loginCapabilities(capabilities | (useTls ? Cap.SSL : 0), req.database);
  const mariadb = mariadbCapabilities(
    announced,
    (req.mariadbCapabilities ?? 0) & greeting.mariadbCapabilities
  );
  const charset = req.charset ?? greeting.charset;
  const maxPacket = req.maxPacket ?? 16777216;
  let seq = firstSeq;
  if (useTls) {
    seq = ch.write(sslRequestPayload(announced, mariadb, maxPacket, charset), seq);
    await ch.upgrade(
      (socket) => new Promise((resolve, reject) => {
        const verify = cfg.sslMode === "verify-ca" || cfg.sslMode === "verify-full";
        const t = tlsConnect({
          socket,
          // The identity check uses `host` (else "localhost"); SNI must not carry an IP.
          host: cfg.host,
          ...isIP(cfg.host) ? {} : { servername: cfg.host },
          ...cfg.ca ? { ca: cfg.ca } : {},
          rejectUnauthorized: verify,
          ...cfg.sslMode === "verify-ca" ? { checkServerIdentity: () => void 0 } : {}
        });
        t.once("secureConnect", () => resolve(t));
        t.once(
          "error",
          (err) => reject(
            new GuardrailError(`TLS to the database failed: ${err.message}`, {
              code: "ERR_UPSTREAM_FAILED"
            })
          )
        );
      })
    );
  }
  const password = Buffer.from(cfg.password, "utf8");
  let plugin = greeting.plugin;
  let scramble = greeting.scramble;
  seq = ch.write(
    handshakeResponsePayload({
      capabilities: announced,
      mariadbCapabilities: mariadb,
      maxPacket,
      charset,
      user: cfg.user,
      authResponse: plugin === ED25519 ? Buffer.alloc(0) : authData(plugin, password, scramble),
      ...req.database ? { database: req.database } : {},
      plugin
    }),
    seq
  );
  let awaitingKey = false;
  for (; ; ) {
    const p = await ch.read();
    seq = p.lastSeq + 1;
    const head = p.payload[0];
    if (head === 0) {
      ch.detach();
      const ok = parseOk(p.payload, 0, p.payload.length);
      return { socket: ch.socket, greeting, capabilities, mariadbCapabilities: mariadb, status: ok.status };
    }
    if (head === 255) {
      const e = parseErr(p.payload);
      throw new UpstreamError(e.message, e.sqlState, e.code);
    }
    if (head === 254) {
      const sw = parseAuthSwitch(p.payload);
      plugin = sw.plugin;
      scramble = sw.data;
      seq = ch.write(authData(plugin, password, scramble), seq);
      continue;
    }
    if (head === 1 && plugin === CACHING_SHA2) {
      if (awaitingKey) {
        awaitingKey = false;
        const pem = p.payload.subarray(1).toString("latin1");
        seq = ch.write(rsaEncryptPassword(password, scramble.subarray(0, 20), pem), seq);
      } else if (p.payload[1] === 3) {
      } else if (p.payload[1] === 4) {
        if (useTls) seq = ch.write(Buffer.concat([password, Buffer.from([0])]), seq);
        else if (cfg.serverPublicKey)
          seq = ch.write(rsaEncryptPassword(password, scramble.subarray(0, 20), cfg.serverPublicKey), seq);
        else {
          awaitingKey = true;
          seq = ch.write(Buffer.from([2]), seq);
        }
      } else throw new ProtocolError("unexpected caching_sha2_password message from the database");
      continue;
    }
    throw new ProtocolError(
      `unexpected packet 0x${(head ?? 0).toString(16)} during authentication with the database`
    );
  }
}

// src/gateway/mysql/listener.ts
var FORMAT_CAPS = Cap.DEPRECATE_EOF | Cap.SESSION_TRACK | Cap.MULTI_RESULTS | Cap.PS_MULTI_RESULTS;
var CR_CONNECTION_ERROR = 2002;
var ER_CON_COUNT_ERROR = 1040;
function asUpstreamError(err) {
  return err instanceof UpstreamError ? err : new UpstreamError(
    `guardrail: cannot log in to the database: ${err.message}`,
    "HY000",
    CR_CONNECTION_ERROR
  );
}
async function startMysqlGateway(opts) {
  const upstream = parseUpstreamUrl(opts.upstream);
  const timeoutMs = opts.connectTimeoutMs ?? 1e4;
  const maxPacketBytes = opts.maxPacketBytes ?? 64 * 1024 * 1024;
  const user = opts.user ?? "guardrail";
  const password = opts.password ?? randomBytes2(18).toString("base64url");
  const keys = await generateKeys();
  const {
    context: tls,
    certificate,
    unavailable: tlsUnavailable
  } = await clientTls(opts.tls, async () => keys.privatePem);
  const probe = await loginUpstream(upstream, {
    capabilities: PROXIED_CAPS,
    timeoutMs,
    maxPayload: maxPacketBytes,
    ...upstream.database ? { database: upstream.database } : {}
  });
  probe.socket.end(frame(Buffer.from([Com.QUIT]), 0).bytes);
  const { greeting } = probe;
  const authConfig = {
    user,
    password,
    plugin: opts.authPlugin ?? CACHING_SHA2,
    sha2FullAuth: opts.sha2FullAuth ?? false,
    ...tls ? { tls } : {},
    rsa: { publicPem: keys.publicPem, privateKey: keys.privateKey },
    serverVersion: greeting.serverVersion,
    capabilities: (PROXIED_CAPS & greeting.capabilities) >>> 0,
    mariadbCapabilities: (PROXIED_MARIADB_CAPS & greeting.mariadbCapabilities) >>> 0,
    charset: greeting.charset,
    status: greeting.status
  };
  let nextConn = 0;
  const sockets = /* @__PURE__ */ new Set();
  const connections = /* @__PURE__ */ new Set();
  const ctx = opts.context;
  const masking = ctx.masking ?? compileMasking();
  const rules = !masking.matcher.empty;
  const ownSide = rules && !opts.catalog ? mysqlSide(opts.upstream) : void 0;
  const catalogSide = opts.catalog ?? ownSide;
  const catalog = rules && catalogSide ? new MysqlMaskingCatalog(catalogSide) : void 0;
  async function serve(socket) {
    const conn = ++nextConn;
    socket.setNoDelay(true);
    const ch = new PacketChannel(socket, maxPacketBytes, "the client", timeoutMs);
    let greeted;
    try {
      greeted = await greetUpstream(upstream, { timeoutMs, maxPayload: maxPacketBytes });
    } catch (err) {
      const e = asUpstreamError(err);
      ch.writeErr(0, e.errno, e.sqlState, e.message);
      ch.detach();
      ch.socket.end();
      return;
    }
    let login;
    try {
      login = await authenticateClient(ch, authConfig, greeted.greeting.connectionId);
    } catch (err) {
      greeted.abandon();
      if (err instanceof AccessDenied) ch.writeErr(err.seq, 1045, err.sqlState, err.message);
      else if (err instanceof ProtocolError && !(err instanceof ConnectionClosed) && !ch.socket.destroyed)
        ch.writeErr(2, 1043, "08S01", `guardrail: bad handshake: ${err.message}`);
      ch.detach();
      ch.socket.end();
      setTimeout(() => ch.socket.destroy(), 1e3).unref();
      return;
    }
    const r = login.response;
    const application = r.attributes.program_name ?? r.attributes._client_name;
    const session = openSession(ctx, {
      conn,
      user: r.user,
      database: r.database ?? upstream.database ?? "",
      ...application ? { application } : {},
      client: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`
    });
    session.analysisContext.backendId = greeted.greeting.connectionId;
    let up;
    try {
      up = await greeted.login({
        capabilities: login.capabilities,
        mariadbCapabilities: login.mariadbCapabilities,
        charset: r.charset,
        maxPacket: r.maxPacket,
        ...r.database ?? upstream.database ? { database: r.database ?? upstream.database } : {}
      });
      if ((up.capabilities ^ login.capabilities) & FORMAT_CAPS || up.mariadbCapabilities !== login.mariadbCapabilities)
        throw new GuardrailError("the database no longer offers the capabilities announced to the client", {
          code: "ERR_UPSTREAM_FAILED"
        });
    } catch (err) {
      const e = asUpstreamError(err);
      ch.writeErr(login.seq, e.errno, e.sqlState, e.message);
      ch.detach();
      ch.socket.end();
      session.end(`database login failed: ${e.message}`);
      return;
    }
    ch.detach();
    ch.socket.pause();
    if (!sockets.has(socket)) {
      up.socket.destroy();
      session.end("gateway closed");
      return;
    }
    const c = new MysqlConnection(
      ch.socket,
      up.socket,
      ch.assembler,
      session,
      {
        capabilities: login.capabilities,
        extendedMetadata: extendedMetadata(login.mariadbCapabilities),
        status: up.status,
        serverVersion: up.greeting.serverVersion,
        credentials: { user, password },
        scramble: login.scramble,
        masking,
        ...catalog ? { catalog } : {}
      },
      () => connections.delete(c)
    );
    connections.add(c);
    await c.start(login.seq);
  }
  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  const refusal2 = frame(
    errPayload({ code: ER_CON_COUNT_ERROR, sqlState: "08004", message: tooManyClients(maxClients) }),
    0
  ).bytes;
  const server = createServer((socket) => {
    socket.on("error", () => {
    });
    if (sockets.size >= maxClients) {
      socket.end(refusal2);
      setTimeout(() => socket.destroy(), 1e3).unref();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serve(socket).catch(() => socket.destroy());
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  gatewayStarted(ctx, {
    dialect: "mysql",
    upstream: describeUpstream(upstream),
    version: opts.version ?? "dev"
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const db = upstream.database ? `/${encodeURIComponent(upstream.database)}` : "";
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing;
  return {
    url: `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlHost}:${port}${db}`,
    host,
    port,
    user,
    password,
    database: upstream.database ?? "",
    ...certificate ? { certificate } : {},
    ...tlsUnavailable ? { tlsUnavailable } : {},
    connections: () => sockets.size,
    close(reason = "gateway stopped") {
      closing ??= (async () => {
        const stopped = new Promise((resolve) => server.close(() => resolve()));
        for (const c of connections) c.close(reason);
        for (const s of sockets) s.destroy();
        await stopped;
        await new Promise((r) => setImmediate(r));
        await ownSide?.close();
        gatewayStopped(ctx, reason);
      })();
      return closing;
    }
  };
}

export {
  startMysqlGateway
};
