import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  require_promise
} from "./chunk-WTZSGNFV.js";
import {
  esm_default
} from "./chunk-GOMVZPAY.js";
import "./chunk-WLKLOQWD.js";
import {
  plural
} from "./chunk-D7GJ7SEI.js";
import {
  require_dist
} from "./chunk-FTAKKE6A.js";
import {
  UsageError,
  command,
  parse
} from "./chunk-7LIXXI5W.js";
import {
  BrokerSetupError,
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __export,
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/broker/audit.ts
import { appendFileSync } from "node:fs";
var AUDITED_CLAIMS = [
  "repository",
  "repository_id",
  "repository_owner_id",
  "ref",
  "environment",
  "event_name",
  "actor",
  "actor_id",
  "job_workflow_ref",
  "runner_environment",
  "run_id",
  "run_attempt",
  "sha",
  "jti"
];
function auditSink(dest) {
  if (dest === "-") return (line) => process.stdout.write(line);
  return (line) => appendFileSync(dest, line);
}
var AuditLog = class {
  constructor(sink) {
    this.sink = sink;
  }
  sink;
  write(e) {
    this.sink(`${JSON.stringify({ ts: (/* @__PURE__ */ new Date()).toISOString(), ...e })}
`);
  }
};
function auditedClaims(claims) {
  const out = {};
  for (const k of AUDITED_CLAIMS)
    if (claims[k] !== void 0 && claims[k] !== null) out[k] = String(claims[k]);
  return out;
}

// src/broker/broker.ts
import { randomBytes as randomBytes3 } from "node:crypto";

// src/broker/bindings.ts
var CLAIM_NAMES = [
  "repository_id",
  "repository_owner_id",
  "ref",
  "environment",
  "event_name",
  "job_workflow_ref",
  "runner_environment"
];
var EXPLICIT_ONLY_EVENTS = ["pull_request_target", "workflow_run", "issue_comment"];
var claimText = (v) => v === void 0 || v === null ? void 0 : String(v);
function matchBinding(claims, target, bindings) {
  const failures = [];
  const candidates = bindings.filter((b) => b.target === target);
  for (const b of candidates) {
    const failed = [];
    for (const name of CLAIM_NAMES) {
      const want = b.claims[name];
      if (!want) continue;
      const got = claimText(claims[name]);
      if (got === void 0 || !want.includes(got)) {
        failed.push({ claim: name, ...got === void 0 ? {} : { got }, want });
      }
    }
    const event = claimText(claims.event_name);
    if (event && EXPLICIT_ONLY_EVENTS.includes(event) && !b.claims.event_name?.includes(event)) {
      failed.push({
        claim: "event_name",
        got: event,
        note: "accepted only by a binding that names this event"
      });
    }
    if (!failed.length) return { ok: true, binding: b };
    failures.push({ binding: b.name, failed });
  }
  if (!candidates.length)
    failures.push({
      binding: "(none)",
      failed: [{ claim: "target", got: target, note: "no binding names this target" }]
    });
  return { ok: false, failures };
}
function describeFailures(failures) {
  return failures.map((f) => {
    const claims = f.failed.map((m) => `${m.claim} (${m.note ?? `got ${m.got ?? "nothing"}`})`);
    return `binding ${f.binding}: ${claims.join(", ")}`;
  }).join("; ");
}

// src/broker/mysql.ts
var import_promise = __toESM(require_promise(), 1);
import { readFileSync } from "node:fs";

// src/broker/role-name.ts
import { randomBytes } from "node:crypto";
var ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
function newRoleName(prefix, runId, runAttempt, expiresAt) {
  if (!/^\d{1,20}$/.test(runId) || !/^\d{1,4}$/.test(runAttempt)) {
    throw new BrokerSetupError("run_id and run_attempt must be decimal numbers");
  }
  const exp = Math.ceil(expiresAt.getTime() / 1e3).toString(36);
  const rand = Array.from(randomBytes(6), (b) => ALPHABET[b % 36]).join("");
  const name = `${prefix}${runId}_${runAttempt}_${exp}_${rand}`;
  if (name.length > 32)
    throw new BrokerSetupError(`role name ${name} would exceed 32 characters; shorten role-prefix`);
  return name;
}
function parseRoleName(prefix, name) {
  if (!name.startsWith(prefix)) return void 0;
  const m = /^(\d{1,20})_(\d{1,4})_([0-9a-z]{1,10})_([0-9a-z]{6})$/.exec(name.slice(prefix.length));
  if (!m) return void 0;
  return { name, runId: m[1], runAttempt: m[2], expiresAt: new Date(Number.parseInt(m[3], 36) * 1e3) };
}

// src/broker/secrets.ts
import { createHash, createHmac, pbkdf2Sync, randomBytes as randomBytes2, timingSafeEqual } from "node:crypto";
function newPassword() {
  return randomBytes2(32).toString("base64url");
}
function scramVerifier(password, iterations = 4096) {
  const salt = randomBytes2(16);
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
function mysqlNativeHash(password) {
  const inner = createHash("sha1").update(password).digest();
  return `*${createHash("sha1").update(inner).digest("hex").toUpperCase()}`;
}
function revocationToken(key, leaseId) {
  return createHmac("sha256", key).update(`guardrail-revoke:${leaseId}`).digest("base64url");
}
function checkRevocationToken(key, leaseId, presented) {
  const want = Buffer.from(revocationToken(key, leaseId));
  const got = Buffer.from(presented);
  return want.length === got.length && timingSafeEqual(want, got);
}

// src/broker/store.ts
function likePrefix(prefix) {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// src/broker/mysql.ts
var ident = (s) => `\`${s.replace(/`/g, "``")}\``;
var account = (name) => `${import_promise.default.escape(name)}@'%'`;
var ER_NO_SUCH_THREAD = 1094;
var MysqlRoleStore = class {
  constructor(target, prefix) {
    this.prefix = prefix;
    const u = new URL(target.adminDsn);
    this.pool = import_promise.default.createPool({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1)) || void 0,
      connectionLimit: 4,
      ...target.adminCaFile ? { ssl: { ca: readFileSync(target.adminCaFile, "utf8") } } : {}
    });
  }
  prefix;
  pool;
  mariadb;
  isMariaDb() {
    this.mariadb ??= this.pool.query("SELECT VERSION() AS v").then(([rows]) => /mariadb/i.test(String(rows[0]?.v)));
    return this.mariadb;
  }
  async create(spec2) {
    const identified = await this.isMariaDb() ? `IDENTIFIED BY PASSWORD ${import_promise.default.escape(mysqlNativeHash(spec2.password))}` : `IDENTIFIED BY ${import_promise.default.escape(spec2.password)}`;
    const c = await this.pool.getConnection();
    try {
      await c.query(`CREATE USER ${account(spec2.name)} ${identified}`);
      await c.query(`GRANT ${ident(spec2.role)} TO ${account(spec2.name)}`);
      await c.query(`SET DEFAULT ROLE ${ident(spec2.role)} FOR ${account(spec2.name)}`);
    } catch (err) {
      await c.query(`DROP USER IF EXISTS ${account(spec2.name)}`).catch(() => void 0);
      throw err;
    } finally {
      c.release();
    }
  }
  async drop(name) {
    const c = await this.pool.getConnection();
    const lock = `guardrail:${name}`;
    try {
      await c.query("SELECT GET_LOCK(?, 30)", [lock]);
      const [found] = await c.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [name]);
      if (!found.length) return { existed: false, sessions: 0, notes: [] };
      await c.query(`ALTER USER ${account(name)} ACCOUNT LOCK`);
      const [procs] = await c.query("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?", [
        name
      ]);
      let sessions = 0;
      for (const { id } of procs) {
        try {
          await c.query(`KILL ${Number(id)}`);
          sessions++;
        } catch (err) {
          if (err.errno !== ER_NO_SUCH_THREAD) throw err;
        }
      }
      await c.query(`DROP USER IF EXISTS ${account(name)}`);
      const definer = `${name}@%`;
      const [orphans] = await c.query(
        `SELECT CONCAT('view ', TABLE_SCHEMA, '.', TABLE_NAME) AS o FROM information_schema.VIEWS WHERE DEFINER = ?
         UNION ALL SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_SCHEMA, '.', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE DEFINER = ?
         UNION ALL SELECT CONCAT('trigger ', TRIGGER_SCHEMA, '.', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE DEFINER = ?
         UNION ALL SELECT CONCAT('event ', EVENT_SCHEMA, '.', EVENT_NAME) FROM information_schema.EVENTS WHERE DEFINER = ?`,
        [definer, definer, definer, definer]
      );
      const notes = orphans.map(
        (r) => `${r.o} has DEFINER ${definer}, which no longer exists`
      );
      return { existed: true, sessions, notes };
    } finally {
      await c.query("SELECT RELEASE_LOCK(?)", [lock]).catch(() => void 0);
      c.release();
    }
  }
  async expired(cutoff) {
    const [rows] = await this.pool.query(
      "SELECT User AS u FROM mysql.user WHERE User LIKE ? AND Host = '%' ORDER BY User",
      [likePrefix(this.prefix)]
    );
    return rows.map((r) => parseRoleName(this.prefix, String(r.u))).filter((r) => r !== void 0 && r.expiresAt < cutoff).map((r) => r.name);
  }
  async close() {
    await this.pool.end();
  }
};

// src/broker/postgres.ts
import { readFileSync as readFileSync2 } from "node:fs";
var ident2 = (s) => `"${s.replace(/"/g, '""')}"`;
var literal = (s) => `'${s.replace(/'/g, "''")}'`;
var PostgresRoleStore = class {
  constructor(target, prefix) {
    this.prefix = prefix;
    this.pool = new esm_default.Pool({
      connectionString: target.adminDsn,
      max: 4,
      idleTimeoutMillis: 3e4,
      ...target.adminCaFile ? { ssl: { ca: readFileSync2(target.adminCaFile, "utf8") } } : {}
    });
    this.pool.on("error", () => void 0);
  }
  prefix;
  pool;
  async create(spec2) {
    const owner = spec2.ownerRole ?? spec2.role;
    const c = await this.pool.connect();
    try {
      const { rows } = await c.query(
        "SELECT rolname, rolsuper FROM pg_roles WHERE rolname = ANY($1)",
        [[spec2.role, owner]]
      );
      for (const r of [spec2.role, owner]) {
        const row = rows.find((x) => x.rolname === r);
        if (!row) throw new BrokerSetupError(`role "${r}" does not exist in the target database`);
        if (row.rolsuper)
          throw new BrokerSetupError(`role "${r}" is a superuser; bindings must name least-privilege roles`);
      }
      const members = [.../* @__PURE__ */ new Set([spec2.role, owner])].map(ident2).join(", ");
      await c.query("BEGIN");
      await c.query(
        `CREATE ROLE ${ident2(spec2.name)} WITH LOGIN INHERIT PASSWORD ${literal(scramVerifier(spec2.password))} VALID UNTIL ${literal(spec2.expiresAt.toISOString())} IN ROLE ${members}`
      );
      await c.query(`ALTER ROLE ${ident2(spec2.name)} SET role = ${literal(owner)}`);
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK").catch(() => void 0);
      throw err;
    } finally {
      c.release();
    }
  }
  async drop(name) {
    const c = await this.pool.connect();
    const key = `guardrail-role:${name}`;
    try {
      await c.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
      const { rows } = await c.query(
        `SELECT (SELECT substr(cfg, 6) FROM pg_db_role_setting s, unnest(s.setconfig) cfg
                  WHERE s.setrole = r.oid AND s.setdatabase = 0 AND cfg LIKE 'role=%' LIMIT 1) AS owner,
                (SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                  WHERE m.member = r.oid ORDER BY g.rolname LIMIT 1) AS member_of
           FROM pg_roles r WHERE r.rolname = $1`,
        [name]
      );
      const row = rows[0];
      if (!row) return { existed: false, sessions: 0, notes: [] };
      const heir = row.owner ?? row.member_of;
      await c.query(`ALTER ROLE ${ident2(name)} NOLOGIN`);
      const killed = await c.query(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()",
        [name]
      );
      await c.query("BEGIN");
      if (heir) await c.query(`REASSIGN OWNED BY ${ident2(name)} TO ${ident2(heir)}`);
      await c.query(`DROP OWNED BY ${ident2(name)}`);
      await c.query(`DROP ROLE IF EXISTS ${ident2(name)}`);
      await c.query("COMMIT");
      return {
        existed: true,
        sessions: killed.rowCount ?? 0,
        notes: heir ? [`objects reassigned to ${heir}`] : ["no owner role found: owned objects dropped"]
      };
    } catch (err) {
      await c.query("ROLLBACK").catch(() => void 0);
      throw err;
    } finally {
      await c.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => void 0);
      c.release();
    }
  }
  async expired(cutoff) {
    const { rows } = await this.pool.query(
      "SELECT rolname FROM pg_roles WHERE rolname LIKE $1 AND rolvaliduntil < $2 ORDER BY rolname",
      [likePrefix(this.prefix), cutoff.toISOString()]
    );
    return rows.map((r) => r.rolname).filter((n) => parseRoleName(this.prefix, n));
  }
  async close() {
    await this.pool.end();
  }
};

// src/broker/rate-limit.ts
var RateLimiter = class {
  constructor(burst, perMinute, now = Date.now) {
    this.burst = burst;
    this.perMinute = perMinute;
    this.now = now;
  }
  burst;
  perMinute;
  now;
  buckets = /* @__PURE__ */ new Map();
  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key) {
    const t = this.now();
    const rate = this.perMinute / 6e4;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + (t - b.at) * rate);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 1e4) this.forgetFull();
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate / 1e3);
  }
  /** Full buckets carry no information; dropping them bounds memory. */
  forgetFull() {
    const t = this.now();
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * (this.perMinute / 6e4) >= this.burst) this.buckets.delete(k);
    }
  }
};

// node_modules/jose/dist/webapi/lib/buffer_utils.js
var encoder = new TextEncoder();
var decoder = new TextDecoder();
var strictDecoder = new TextDecoder("utf-8", { fatal: true });
var UINT32_RANGE = 2 ** 32;
function concat(...buffers) {
  const size = buffers.reduce((acc, { length }) => acc + length, 0), buf = new Uint8Array(size);
  let i = 0;
  for (const buffer of buffers)
    buf.set(buffer, i), i += buffer.length;
  return buf;
}
var NON_ASCII = /[^\x00-\x7f]/;
function encode(string) {
  if (typeof string == "string" && string.length >= 128) {
    if (NON_ASCII.test(string))
      throw new TypeError("non-ASCII string encountered in encode()");
    return encoder.encode(string);
  }
  const bytes = new Uint8Array(string.length);
  for (let i = 0; i < string.length; i++) {
    const code = string.charCodeAt(i);
    if (code > 127)
      throw new TypeError("non-ASCII string encountered in encode()");
    bytes[i] = code;
  }
  return bytes;
}
function decodeBase64(encoded, url = false) {
  if (Uint8Array.fromBase64)
    return Uint8Array.fromBase64(encoded, { alphabet: url ? "base64url" : "base64" });
  if (url) {
    if (encoded.includes("+") || encoded.includes("/"))
      throw new TypeError("Invalid base64url");
    encoded = encoded.replace(/-/g, "+").replace(/_/g, "/");
  }
  const binary = atob(encoded), bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++)
    bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// node_modules/jose/dist/webapi/util/errors.js
var errors_exports = {};
__export(errors_exports, {
  JOSEAlgNotAllowed: () => JOSEAlgNotAllowed,
  JOSEError: () => JOSEError,
  JOSENotSupported: () => JOSENotSupported,
  JWEDecryptionFailed: () => JWEDecryptionFailed,
  JWEInvalid: () => JWEInvalid,
  JWKInvalid: () => JWKInvalid,
  JWKSInvalid: () => JWKSInvalid,
  JWKSMultipleMatchingKeys: () => JWKSMultipleMatchingKeys,
  JWKSNoMatchingKey: () => JWKSNoMatchingKey,
  JWKSTimeout: () => JWKSTimeout,
  JWSInvalid: () => JWSInvalid,
  JWSSignatureVerificationFailed: () => JWSSignatureVerificationFailed,
  JWTClaimValidationFailed: () => JWTClaimValidationFailed,
  JWTExpired: () => JWTExpired,
  JWTInvalid: () => JWTInvalid
});
var JOSEError = class extends Error {
  static code = "ERR_JOSE_GENERIC";
  code = "ERR_JOSE_GENERIC";
  constructor(message2, options) {
    super(message2, options), this.name = this.constructor.name, Error.captureStackTrace?.(this, this.constructor);
  }
};
var JWTClaimValidationFailed = class extends JOSEError {
  static code = "ERR_JWT_CLAIM_VALIDATION_FAILED";
  code = "ERR_JWT_CLAIM_VALIDATION_FAILED";
  claim;
  reason;
  payload;
  constructor(message2, payload, claim = "unspecified", reason = "unspecified") {
    super(message2, { cause: { claim, reason, payload } }), this.claim = claim, this.reason = reason, this.payload = payload;
  }
};
var JWTExpired = class extends JOSEError {
  static code = "ERR_JWT_EXPIRED";
  code = "ERR_JWT_EXPIRED";
  claim;
  reason;
  payload;
  constructor(message2, payload, claim = "unspecified", reason = "unspecified") {
    super(message2, { cause: { claim, reason, payload } }), this.claim = claim, this.reason = reason, this.payload = payload;
  }
};
var JOSEAlgNotAllowed = class extends JOSEError {
  static code = "ERR_JOSE_ALG_NOT_ALLOWED";
  code = "ERR_JOSE_ALG_NOT_ALLOWED";
};
var JOSENotSupported = class extends JOSEError {
  static code = "ERR_JOSE_NOT_SUPPORTED";
  code = "ERR_JOSE_NOT_SUPPORTED";
};
var JWEDecryptionFailed = class extends JOSEError {
  static code = "ERR_JWE_DECRYPTION_FAILED";
  code = "ERR_JWE_DECRYPTION_FAILED";
  constructor(message2 = "decryption operation failed", options) {
    super(message2, options);
  }
};
var JWEInvalid = class extends JOSEError {
  static code = "ERR_JWE_INVALID";
  code = "ERR_JWE_INVALID";
};
var JWSInvalid = class extends JOSEError {
  static code = "ERR_JWS_INVALID";
  code = "ERR_JWS_INVALID";
};
var JWTInvalid = class extends JOSEError {
  static code = "ERR_JWT_INVALID";
  code = "ERR_JWT_INVALID";
};
var JWKInvalid = class extends JOSEError {
  static code = "ERR_JWK_INVALID";
  code = "ERR_JWK_INVALID";
};
var JWKSInvalid = class extends JOSEError {
  static code = "ERR_JWKS_INVALID";
  code = "ERR_JWKS_INVALID";
};
var JWKSNoMatchingKey = class extends JOSEError {
  static code = "ERR_JWKS_NO_MATCHING_KEY";
  code = "ERR_JWKS_NO_MATCHING_KEY";
  constructor(message2 = "no applicable key found in the JSON Web Key Set", options) {
    super(message2, options);
  }
};
var JWKSMultipleMatchingKeys = class extends JOSEError {
  [Symbol.asyncIterator] = async function* () {
  };
  static code = "ERR_JWKS_MULTIPLE_MATCHING_KEYS";
  code = "ERR_JWKS_MULTIPLE_MATCHING_KEYS";
  constructor(message2 = "multiple matching keys found in the JSON Web Key Set", options) {
    super(message2, options);
  }
};
var JWKSTimeout = class extends JOSEError {
  static code = "ERR_JWKS_TIMEOUT";
  code = "ERR_JWKS_TIMEOUT";
  constructor(message2 = "request timed out", options) {
    super(message2, options);
  }
};
var JWSSignatureVerificationFailed = class extends JOSEError {
  static code = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED";
  code = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED";
  constructor(message2 = "signature verification failed", options) {
    super(message2, options);
  }
};

// node_modules/jose/dist/webapi/util/base64url.js
var invalid = "The input to be decoded is not correctly encoded.";
function decode(input) {
  try {
    return decodeBase64(typeof input == "string" ? input : decoder.decode(input), true);
  } catch (cause) {
    throw new TypeError(invalid, { cause });
  }
}

// node_modules/jose/dist/webapi/lib/validate.js
function isObject(input) {
  if (typeof input != "object" || input === null || Object.prototype.toString.call(input) !== "[object Object]")
    return false;
  const prototype = Object.getPrototypeOf(input);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
function isJwkSet(input) {
  return isObject(input) && Array.isArray(input.keys) && Array.from(input.keys).every(isObject);
}
function isDisjoint(...headers) {
  const parameters = /* @__PURE__ */ new Set();
  for (const header of headers)
    if (header)
      for (const parameter of Object.keys(header)) {
        if (parameters.has(parameter))
          return false;
        parameters.add(parameter);
      }
  return true;
}
function decodeBase64url(value, label, ErrorClass) {
  try {
    return decode(value);
  } catch (cause) {
    throw new ErrorClass(`Failed to base64url decode the ${label}`, { cause });
  }
}
function encodeAsciiMember(value, label, ErrorClass) {
  try {
    return encode(value);
  } catch (cause) {
    throw new ErrorClass(`The ${label} is not a valid base64url string`, { cause });
  }
}
function parseJoseHeader(encodedProtectedHeader, ErrorClass, message2) {
  let parsed;
  try {
    parsed = JSON.parse(strictDecoder.decode(decode(encodedProtectedHeader)));
  } catch (cause) {
    throw new ErrorClass(message2, { cause });
  }
  if (!isObject(parsed))
    throw new ErrorClass(message2);
  return parsed;
}
var JWS_RECOGNIZED = { __proto__: null, b64: true };
function validateAlgorithms(option, algorithms) {
  if (algorithms !== void 0 && (!Array.isArray(algorithms) || algorithms.some((s) => typeof s != "string")))
    throw new TypeError(`"${option}" option must be an array of strings`);
  return algorithms === void 0 ? void 0 : new Set(algorithms);
}
function validateCrit(Err, recognizedDefault, recognizedOption, protectedHeader, joseHeader) {
  if (joseHeader.crit !== void 0 && protectedHeader?.crit === void 0)
    throw new Err('"crit" (Critical) Header Parameter MUST be integrity protected');
  if (!protectedHeader || protectedHeader.crit === void 0)
    return [];
  if (!Array.isArray(protectedHeader.crit) || protectedHeader.crit.length === 0 || protectedHeader.crit.some((input) => typeof input != "string" || input.length === 0))
    throw new Err('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  const recognized = recognizedOption === void 0 ? recognizedDefault : { __proto__: null, ...recognizedOption, ...recognizedDefault };
  for (const parameter of protectedHeader.crit) {
    if (!(parameter in recognized))
      throw new JOSENotSupported(`Extension Header Parameter "${parameter}" is not recognized`);
    if (!Object.hasOwn(joseHeader, parameter) || joseHeader[parameter] === void 0)
      throw new Err(`Extension Header Parameter "${parameter}" is missing`);
    if (recognized[parameter] && (!Object.hasOwn(protectedHeader, parameter) || protectedHeader[parameter] === void 0))
      throw new Err(`Extension Header Parameter "${parameter}" MUST be integrity protected`);
  }
  return protectedHeader.crit;
}
function validateB64(protectedHeader, extensions) {
  if (extensions.includes("b64")) {
    const b64 = protectedHeader.b64;
    if (typeof b64 != "boolean")
      throw new JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean');
    return b64;
  }
  return true;
}

// node_modules/jose/dist/webapi/lib/key.js
var tag = (key) => key[Symbol.toStringTag];
var jwkMatchesOp = (entry, key, usage) => {
  const { alg } = entry;
  if (key.use !== void 0) {
    const expected = usage === "sign" || usage === "verify" ? "sig" : "enc";
    if (key.use !== expected)
      throw new TypeError(`Invalid key for this operation, its "use" must be "${expected}" when present`);
  }
  if (key.alg !== void 0 && key.alg !== alg)
    throw new TypeError(`Invalid key for this operation, its "alg" must be "${alg}" when present`);
  if (Array.isArray(key.key_ops)) {
    const expectedKeyOp = usage === "encrypt" || usage === "decrypt" ? entry.ops?.[usage === "encrypt" ? 0 : 1] : usage;
    if (expectedKeyOp && !key.key_ops.includes(expectedKeyOp))
      throw new TypeError(`Invalid key for this operation, its "key_ops" must include "${expectedKeyOp}" when present`);
  }
};
async function prepareKey(entry, key, usage) {
  const { alg, secret } = entry, requiresPrivateKey = usage === "decrypt" || usage === "sign";
  if (secret && key instanceof Uint8Array)
    return key;
  let normalized, keyObject;
  if (isObject(key)) {
    if (normalized = normalizeJwk(key), typeof normalized.kty != "string")
      throw invalidKeyType(alg, key, secret);
    if (!(secret ? normalized.kty === "oct" && typeof normalized.k == "string" : normalized.kty !== "oct" && (requiresPrivateKey ? normalized.kty === "AKP" && typeof normalized.priv == "string" || typeof normalized.d == "string" : normalized.d === void 0 && normalized.priv === void 0)))
      throw new TypeError(secret ? 'JSON Web Key for symmetric algorithms must have JWK "kty" (Key Type) equal to "oct" and the JWK "k" (Key Value) present' : `JSON Web Key for this operation must be a ${requiresPrivateKey ? "private" : "public"} JWK`);
    if (jwkMatchesOp(entry, normalized, usage), normalized.kty === "oct")
      return decode(normalized.k);
    if (!Object.isFrozen(key)) {
      const { key_ops } = key;
      Array.isArray(key_ops) && Object.freeze(key_ops), Object.freeze(key);
    }
  } else {
    if (!isKeyLike(key))
      throw invalidKeyType(alg, key, secret);
    const expectedType = secret ? "secret" : requiresPrivateKey ? "private" : "public";
    if (key.type !== expectedType && (secret || ["secret", "public", "private"].includes(key.type)))
      throw new TypeError(`${tag(key)} instances must be of type "${expectedType}" for the ${alg} algorithm`);
    if (isCryptoKey(key))
      return key;
    if (keyObject = key, keyObject.type === "secret")
      return keyObject.export();
  }
  cache ||= /* @__PURE__ */ new WeakMap();
  const cacheKey = key;
  let cached = cache.get(cacheKey);
  if (cached?.[alg])
    return cached[alg];
  if (cached || cache.set(cacheKey, cached = {}), keyObject && typeof keyObject.toCryptoKey == "function") {
    const isPublic = keyObject.type === "public", crv = nist[keyObject.asymmetricKeyDetails?.namedCurve], params = entry.resolve?.({ crv, asymmetricKeyType: keyObject.asymmetricKeyType }) ?? entry.subtle;
    return cached[alg] = keyObject.toCryptoKey(params, isPublic, entry.usages[isPublic ? 0 : 1]);
  }
  return normalized ??= keyObject.export({ format: "jwk" }), normalized.alg = alg, cached[alg] = await jwkToKey(entry, normalized);
}
var cache;
var nist = {
  __proto__: null,
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521"
};
var isCryptoKey = (key) => {
  if (key?.[Symbol.toStringTag] === "CryptoKey")
    return true;
  try {
    return key instanceof CryptoKey;
  } catch {
    return false;
  }
};
var isKeyObject = (key) => key?.[Symbol.toStringTag] === "KeyObject";
var isKeyLike = (key) => isCryptoKey(key) || isKeyObject(key);
function message(msg, actual, ...types) {
  if (types.length > 2) {
    const last = types.pop();
    msg += `one of type ${types.join(", ")}, or ${last}.`;
  } else types.length === 2 ? msg += `one of type ${types[0]} or ${types[1]}.` : msg += `of type ${types[0]}.`;
  return actual == null ? msg += ` Received ${actual}` : typeof actual == "function" && actual.name ? msg += ` Received function ${actual.name}` : typeof actual == "object" && actual != null && actual.constructor?.name && (msg += ` Received an instance of ${actual.constructor.name}`), msg;
}
function invalidKeyType(alg, actual, secret) {
  const types = ["CryptoKey", "KeyObject", "JSON Web Key"];
  return secret && types.push("Uint8Array"), new TypeError(message(`Key for the ${alg} algorithm must be `, actual, ...types));
}
var unusable = (name, prop = "algorithm.name") => new TypeError(`CryptoKey does not support this operation, its ${prop} must be ${name}`);
function checkUsage(key, usage) {
  if (usage && !key.usages.includes(usage))
    throw new TypeError(`CryptoKey does not support this operation, its usages must include ${usage}.`);
}
function checkModulusLength(alg, key) {
  const { modulusLength } = key.algorithm;
  if (typeof modulusLength != "number" || modulusLength < 2048)
    throw new TypeError(`${alg} requires key modulusLength to be 2048 bits or larger`);
}
function checkCryptoKey(key, expected, usage) {
  const algorithm = key.algorithm;
  if (algorithm.name !== expected.name)
    throw unusable(expected.name);
  if (expected.hash && algorithm.hash?.name !== expected.hash)
    throw unusable(expected.hash, "algorithm.hash");
  if (expected.namedCurve && algorithm.namedCurve !== expected.namedCurve)
    throw unusable(expected.namedCurve, "algorithm.namedCurve");
  if (expected.length !== void 0 && algorithm.length !== expected.length)
    throw unusable(expected.length, "algorithm.length");
  checkUsage(key, usage);
}
function snapshotJwk(jwk) {
  return { __proto__: null, ...jwk };
}
function normalizeJwk(jwk) {
  const normalized = snapshotJwk(jwk);
  if (normalized.ext !== void 0 && typeof normalized.ext != "boolean")
    throw new TypeError('"ext" (Extractable) Parameter must be a boolean');
  if (normalized.key_ops !== void 0) {
    const value = normalized.key_ops, keyOps = Array.isArray(value) ? [...value] : void 0;
    if (!keyOps || keyOps.some((operation) => typeof operation != "string") || new Set(keyOps).size !== keyOps.length)
      throw new TypeError('"key_ops" (Key Operations) Parameter must be an array of unique strings');
    normalized.key_ops = keyOps;
  }
  return normalized;
}
async function jwkToKey(entry, jwk, extractable) {
  if (!entry.kty.includes(jwk.kty))
    throw new JOSENotSupported('Invalid or unsupported JWK "alg" (Algorithm) Parameter value');
  const algorithm = entry.resolve?.({ kty: jwk.kty, crv: jwk.crv }) ?? entry.subtle, isPrivate = !!(jwk.d || jwk.priv), keyData = { ...jwk, ext: extractable ?? jwk.ext };
  return keyData.kty !== "AKP" && delete keyData.alg, delete keyData.use, crypto.subtle.importKey("jwk", keyData, algorithm, keyData.ext ?? !isPrivate, jwk.key_ops ?? entry.usages[isPrivate ? 1 : 0]);
}
async function rawKey(key, expected, usage, extractable = false) {
  return key instanceof Uint8Array && (key = await crypto.subtle.importKey("raw", key, expected, extractable, [usage])), checkCryptoKey(key, expected, usage), key;
}

// node_modules/jose/dist/webapi/lib/key_descriptor.js
function table(entries) {
  const out = { __proto__: null };
  for (const alg in entries)
    out[alg] = { ...entries[alg], alg };
  return out;
}

// node_modules/jose/dist/webapi/lib/jws_algorithms.js
var sig = [["verify"], ["sign"]];
function hmac(bits) {
  const subtle = { name: "HMAC", hash: `SHA-${bits}` };
  return { kty: ["oct"], secret: true, subtle, signing: subtle, usages: sig };
}
function rsa(bits, saltLength) {
  const subtle = { name: saltLength ? "RSA-PSS" : "RSASSA-PKCS1-v1_5", hash: `SHA-${bits}` };
  return {
    kty: ["RSA"],
    subtle,
    signing: saltLength ? { ...subtle, saltLength } : subtle,
    usages: sig,
    minRsaBits: 2048
  };
}
function ecdsa(crv, bits) {
  return {
    kty: ["EC"],
    crv,
    subtle: { name: "ECDSA", namedCurve: crv },
    signing: { name: "ECDSA", hash: `SHA-${bits}` },
    usages: sig
  };
}
function eddsa() {
  const subtle = { name: "Ed25519" };
  return {
    kty: ["OKP"],
    crv: "Ed25519",
    subtle,
    signing: subtle,
    usages: sig
  };
}
function mldsa(parameterSet) {
  const subtle = { name: `ML-DSA-${parameterSet}` };
  return {
    kty: ["AKP"],
    subtle,
    signing: subtle,
    usages: sig
  };
}
var JWS = table({
  HS256: hmac(256),
  HS384: hmac(384),
  HS512: hmac(512),
  RS256: rsa(256),
  RS384: rsa(384),
  RS512: rsa(512),
  PS256: rsa(256, 32),
  PS384: rsa(384, 48),
  PS512: rsa(512, 64),
  ES256: ecdsa("P-256", 256),
  ES384: ecdsa("P-384", 384),
  ES512: ecdsa("P-521", 512),
  EdDSA: eddsa(),
  Ed25519: eddsa(),
  "ML-DSA-44": mldsa(44),
  "ML-DSA-65": mldsa(65),
  "ML-DSA-87": mldsa(87)
});
function jwsAlgorithm(alg) {
  const entry = typeof alg == "string" ? JWS[alg] : void 0;
  if (!entry)
    throw new JOSENotSupported(`alg ${alg} is not supported either by JOSE or your javascript runtime`);
  return entry;
}

// node_modules/jose/dist/webapi/lib/jws_verify.js
function prepareVerify(options) {
  return [options && validateAlgorithms("algorithms", options.algorithms), options?.crit];
}
function parseProtectedHeader(encodedProtectedHeader) {
  return encodedProtectedHeader === void 0 ? {} : parseJoseHeader(encodedProtectedHeader, JWSInvalid, "JWS Protected Header is invalid");
}
function encodeCompactUnencodedPayload(payload) {
  try {
    return encode(payload);
  } catch (cause) {
    throw new JWSInvalid("JWS Compact Serialization payload must use only ASCII characters", {
      cause
    });
  }
}
async function verifySignature(jws, shared, key, encodeUnencodedPayload, parsedProtected) {
  const { protected: encodedProtectedHeader, header, payload: inputPayload } = jws, protectedHeader = parsedProtected ?? parseProtectedHeader(encodedProtectedHeader);
  if (!isDisjoint(protectedHeader, header))
    throw new JWSInvalid("JWS Protected and JWS Unprotected Header Parameter names must be disjoint");
  const joseHeader = { ...protectedHeader, ...header }, b64 = validateB64(protectedHeader, validateCrit(JWSInvalid, JWS_RECOGNIZED, shared[1], protectedHeader, joseHeader)), { alg } = joseHeader;
  if (typeof alg != "string" || !alg)
    throw new JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  if (shared[0] && !shared[0].has(alg))
    throw new JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  if (b64) {
    if (typeof inputPayload != "string")
      throw new JWSInvalid("JWS Payload must be a string");
  } else if (typeof inputPayload != "string" && !(inputPayload instanceof Uint8Array))
    throw new JWSInvalid("JWS Payload must be a string or an Uint8Array instance");
  const signingPayload = b64 || typeof inputPayload != "string" ? inputPayload : encodeUnencodedPayload(inputPayload);
  let resolvedKey = false;
  typeof key == "function" && (key = await key(protectedHeader, jws), resolvedKey = true);
  const entry = jwsAlgorithm(alg), signingInput = concat(encodedProtectedHeader !== void 0 ? encode(encodedProtectedHeader) : new Uint8Array(), encode("."), typeof signingPayload == "string" ? shared[2] ??= encodeAsciiMember(signingPayload, "payload", JWSInvalid) : signingPayload), signature = decodeBase64url(jws.signature, "signature", JWSInvalid), verificationKey = await prepareKey(entry, key, "verify"), cryptoKey = await rawKey(verificationKey, entry.subtle, "verify");
  entry.minRsaBits && checkModulusLength(entry.alg, cryptoKey);
  let verified = false;
  try {
    verified = await crypto.subtle.verify(entry.signing, cryptoKey, signature, signingInput);
  } catch (cause) {
    throw new JWSSignatureVerificationFailed(void 0, { cause });
  }
  if (!verified)
    throw new JWSSignatureVerificationFailed();
  const result = { payload: typeof signingPayload == "string" ? decodeBase64url(signingPayload, "payload", JWSInvalid) : signingPayload };
  return encodedProtectedHeader !== void 0 && (result.protectedHeader = protectedHeader), header !== void 0 && (result.unprotectedHeader = header), resolvedKey ? [{ ...result, key: verificationKey }, b64] : [result, b64];
}
async function verifyCompact(jws, shared, key) {
  if (jws instanceof Uint8Array && (jws = decoder.decode(jws)), typeof jws != "string")
    throw new JWSInvalid("Compact JWS must be a string or Uint8Array");
  const { 0: protectedHeader, 1: payload, 2: signature, length } = jws.split(".");
  if (length !== 3)
    throw new JWSInvalid("Invalid Compact JWS");
  return verifySignature({ payload, protected: protectedHeader, signature }, shared, key, encodeCompactUnencodedPayload);
}

// node_modules/jose/dist/webapi/lib/jwt_claims_set.js
var epoch = (date) => Math.floor(date.getTime() / 1e3);
var multipliers = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  y: 31557600
};
var REGEX = /^(\+|\-)? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)(?: (ago|from now))?$/i;
var checkFailed = "check_failed";
function invalidDuration() {
  throw new TypeError("Invalid time period format");
}
function secs(str) {
  typeof str != "string" && invalidDuration();
  const matched = REGEX.exec(str);
  (!matched || matched[4] && matched[1]) && invalidDuration();
  const value = parseFloat(matched[2]), durationSeconds = Math.round(value * multipliers[matched[3][0].toLowerCase()]);
  return Number.isFinite(durationSeconds) || invalidDuration(), matched[1] === "-" || matched[4] === "ago" ? -durationSeconds : durationSeconds;
}
function validateInput(label, input) {
  if (!Number.isFinite(input))
    throw new TypeError(`Invalid ${label} input`);
  return input;
}
var normalizeTyp = (value) => {
  const normalized = value.toLowerCase();
  return value.includes("/") ? normalized : `application/${normalized}`;
};
var checkAudiencePresence = (audPayload, audOption) => typeof audPayload == "string" ? audOption.includes(audPayload) : Array.isArray(audPayload) ? audOption.some((aud) => audPayload.includes(aud)) : false;
function validateNumericDate(claimsSet, claim, required = false) {
  const value = claimsSet[claim];
  if (!(value === void 0 && !required)) {
    if (typeof value != "number")
      throw new JWTClaimValidationFailed(`"${claim}" claim must be a number`, claimsSet, claim, "invalid");
    return value;
  }
}
function unexpectedClaim(claimsSet, claim) {
  throw new JWTClaimValidationFailed(`unexpected "${claim}" claim value`, claimsSet, claim, checkFailed);
}
function validateClaimsSet(protectedHeader, claimsSetBytes, options = {}) {
  let claimsSet;
  try {
    claimsSet = JSON.parse(strictDecoder.decode(claimsSetBytes));
  } catch (cause) {
    throw new JWTInvalid("JWT Claims Set must be a top-level JSON object", { cause });
  }
  if (!isObject(claimsSet))
    throw new JWTInvalid("JWT Claims Set must be a top-level JSON object");
  const { typ } = options;
  if (typ !== void 0 && (typeof protectedHeader.typ != "string" || normalizeTyp(protectedHeader.typ) !== normalizeTyp(typ)))
    throw new JWTClaimValidationFailed('unexpected "typ" JWT header value', claimsSet, "typ", checkFailed);
  const { requiredClaims = [], issuer, subject, audience, maxTokenAge } = options, presenceCheck = [...requiredClaims];
  maxTokenAge !== void 0 && presenceCheck.push("iat"), audience !== void 0 && presenceCheck.push("aud"), subject !== void 0 && presenceCheck.push("sub"), issuer !== void 0 && presenceCheck.push("iss");
  for (const claim of new Set(presenceCheck.reverse()))
    if (!Object.hasOwn(claimsSet, claim))
      throw new JWTClaimValidationFailed(`missing required "${claim}" claim`, claimsSet, claim, "missing");
  issuer !== void 0 && !(Array.isArray(issuer) ? issuer : [issuer]).includes(claimsSet.iss) && unexpectedClaim(claimsSet, "iss"), subject !== void 0 && claimsSet.sub !== subject && unexpectedClaim(claimsSet, "sub"), audience !== void 0 && !checkAudiencePresence(claimsSet.aud, typeof audience == "string" ? [audience] : audience) && unexpectedClaim(claimsSet, "aud");
  const { clockTolerance } = options;
  let tolerance = 0;
  if (typeof clockTolerance == "string")
    tolerance = secs(clockTolerance);
  else if (clockTolerance !== void 0) {
    if (typeof clockTolerance != "number")
      throw new TypeError("Invalid clockTolerance option type");
    tolerance = clockTolerance;
  }
  if (validateInput("clockTolerance option", tolerance), tolerance < 0)
    throw new TypeError("Invalid clockTolerance option input");
  const { currentDate } = options, now = validateInput("currentDate option", epoch(currentDate === void 0 ? /* @__PURE__ */ new Date() : currentDate)), iat = validateNumericDate(claimsSet, "iat", maxTokenAge !== void 0), nbf = validateNumericDate(claimsSet, "nbf");
  if (nbf !== void 0 && nbf > now + tolerance)
    throw new JWTClaimValidationFailed('"nbf" claim timestamp check failed', claimsSet, "nbf", checkFailed);
  const exp = validateNumericDate(claimsSet, "exp");
  if (exp !== void 0 && exp <= now - tolerance)
    throw new JWTExpired('"exp" claim timestamp check failed', claimsSet, "exp", checkFailed);
  if (maxTokenAge !== void 0) {
    const age = now - iat, max = validateInput("maxTokenAge option", typeof maxTokenAge == "number" ? maxTokenAge : secs(maxTokenAge));
    if (max < 0)
      throw new TypeError("Invalid maxTokenAge option input");
    if (age - tolerance > max)
      throw new JWTExpired('"iat" claim timestamp check failed (too far in the past)', claimsSet, "iat", checkFailed);
    if (age < -tolerance)
      throw new JWTClaimValidationFailed('"iat" claim timestamp check failed (it should be in the past)', claimsSet, "iat", checkFailed);
  }
  return claimsSet;
}

// node_modules/jose/dist/webapi/jwt/verify.js
async function jwtVerify(jwt, key, options) {
  const [verified, b64] = await verifyCompact(jwt, prepareVerify(options), key);
  if (!b64)
    throw new JWTInvalid("JWTs MUST NOT use unencoded payload");
  const payload = validateClaimsSet(verified.protectedHeader, verified.payload, options);
  return { ...verified, payload };
}

// node_modules/jose/dist/webapi/jwks/local.js
function isUsableJWK(jwk, entry, alg, kid) {
  const { kty, key_ops: keyOps, ext, kid: jwkKid, alg: jwkAlg, use, crv } = jwk;
  return (ext === void 0 || typeof ext == "boolean") && (keyOps === void 0 || Array.isArray(keyOps) && keyOps.every((operation, index) => typeof operation == "string" && keyOps.indexOf(operation) === index) && keyOps.includes("verify")) && entry.kty.includes(kty) && (kid === void 0 || typeof kid == "string" && kid === jwkKid) && (jwkAlg === void 0 ? kty !== "AKP" : alg === jwkAlg) && (use === void 0 || use === "sig") && (!entry.crv || crv === entry.crv);
}
async function importWithAlgCache(cache2, jwk, entry) {
  const cached = cache2.get(jwk) || cache2.set(jwk, {}).get(jwk), { alg } = entry;
  if (cached[alg] === void 0) {
    const pending = jwkToKey(entry, jwk, true).then((key) => {
      if (key.type !== "public")
        throw new JWKSInvalid("JSON Web Key Set members must be public keys");
      return cached[alg] = key, key;
    }).catch((error) => {
      throw cached[alg] === pending && delete cached[alg], error;
    });
    cached[alg] = pending;
  }
  return cached[alg];
}
function createLocalJWKSet(jwks) {
  let snapshot;
  try {
    snapshot = structuredClone(jwks);
  } catch (cause) {
    throw new JWKSInvalid("JSON Web Key Set malformed", { cause });
  }
  if (!isJwkSet(snapshot))
    throw new JWKSInvalid("JSON Web Key Set malformed");
  const metadata = snapshot.keys.map((jwk) => {
    const normalized = snapshotJwk(jwk);
    return Array.isArray(normalized.key_ops) && (normalized.key_ops = [...normalized.key_ops]), normalized;
  }), cached = /* @__PURE__ */ new WeakMap();
  return Object.defineProperty(async (protectedHeader, token) => {
    const { alg, kid } = { ...protectedHeader, ...token?.header }, entry = typeof alg == "string" ? JWS[alg] : void 0;
    if (!entry || entry.secret)
      throw new JOSENotSupported('Unsupported "alg" value for a JSON Web Key Set');
    const candidates = snapshot.keys.filter((_, index) => isUsableJWK(metadata[index], entry, alg, kid)), { 0: jwk, length } = candidates;
    if (!length)
      throw new JWKSNoMatchingKey();
    if (length !== 1) {
      const error = new JWKSMultipleMatchingKeys();
      throw error[Symbol.asyncIterator] = async function* () {
        for (const jwk2 of candidates)
          try {
            yield await importWithAlgCache(cached, jwk2, entry);
          } catch {
          }
      }, error;
    }
    return importWithAlgCache(cached, jwk, entry);
  }, "jwks", {
    value: () => structuredClone(snapshot)
  });
}

// node_modules/jose/dist/webapi/jwks/remote.js
function isCloudflareWorkers() {
  return typeof WebSocketPair < "u" || typeof navigator < "u" && navigator.userAgent === "Cloudflare-Workers" || typeof EdgeRuntime < "u" && EdgeRuntime === "vercel";
}
var USER_AGENT;
(typeof navigator > "u" || !navigator.userAgent?.startsWith?.("Mozilla/5.0 ")) && (USER_AGENT = "jose/v6.2.17");
var customFetch = /* @__PURE__ */ Symbol();
async function fetchJwks(url, headers, signal, fetchImpl = fetch) {
  const response = await fetchImpl(url, {
    method: "GET",
    signal,
    redirect: "manual",
    headers
  }).catch((err) => {
    throw err.name === "TimeoutError" ? new JWKSTimeout(void 0, { cause: err }) : err;
  });
  if (response.status !== 200)
    throw new JOSEError("Expected 200 OK from the JSON Web Key Set HTTP response");
  try {
    return await response.json();
  } catch (cause) {
    throw new JOSEError("Failed to parse the JSON Web Key Set HTTP response as JSON", { cause });
  }
}
var jwksCache = /* @__PURE__ */ Symbol();
function isFreshFor(timestamp, duration) {
  return Number.isFinite(timestamp) && Date.now() < timestamp + duration;
}
function validateDuration(value, fallback, option) {
  if (Number.isNaN(value))
    throw new TypeError(`"${option}" option must not be NaN`);
  if (typeof value == "number" && value < 0)
    throw new TypeError(`"${option}" option must not be negative`);
  return typeof value == "number" ? value : fallback;
}
function createRemoteJWKSet(url, options) {
  if (!(url instanceof URL))
    throw new TypeError("url must be an instance of URL");
  const href = new URL(url.href).href, opts = options ?? {}, timeoutOption = opts.timeoutDuration;
  if (typeof timeoutOption == "number" && (!Number.isInteger(timeoutOption) || timeoutOption < 0))
    throw new TypeError('"timeoutDuration" option must be a non-negative integer');
  const timeoutDuration = typeof timeoutOption == "number" ? timeoutOption : 5e3, cooldownDuration = validateDuration(opts.cooldownDuration, 3e4, "cooldownDuration"), cacheMaxAge = validateDuration(opts.cacheMaxAge, 6e5, "cacheMaxAge"), headers = new Headers(opts.headers);
  USER_AGENT && !headers.has("User-Agent") && headers.set("User-Agent", USER_AGENT), headers.has("accept") || headers.set("accept", "application/json, application/jwk-set+json");
  const fetchImpl = opts[customFetch], cache2 = opts[jwksCache];
  let jwksTimestamp, pendingFetch, reloadSequence = 0, appliedSequence = 0, local;
  if (cache2 && typeof cache2 == "object") {
    const { uat, jwks } = cache2;
    isFreshFor(uat, cacheMaxAge) && isJwkSet(jwks) && (jwksTimestamp = uat, local = createLocalJWKSet(jwks));
  }
  const reload = async () => {
    if (pendingFetch && isCloudflareWorkers() && (pendingFetch = void 0), !pendingFetch) {
      const sequence = ++reloadSequence, current = pendingFetch = fetchJwks(href, headers, AbortSignal.timeout(timeoutDuration), fetchImpl).then((json) => {
        const next = createLocalJWKSet(json);
        if (sequence <= appliedSequence)
          return;
        local = next;
        const updatedAt = Date.now();
        cache2 && (cache2.uat = updatedAt, cache2.jwks = json), jwksTimestamp = updatedAt, appliedSequence = sequence;
      }).finally(() => {
        pendingFetch === current && (pendingFetch = void 0);
      });
    }
    await pendingFetch;
  };
  return Object.defineProperties(async (protectedHeader, token) => {
    (!local || !isFreshFor(jwksTimestamp, cacheMaxAge)) && await reload();
    try {
      return await local(protectedHeader, token);
    } catch (err) {
      if (err instanceof JWKSNoMatchingKey && !isFreshFor(jwksTimestamp, cooldownDuration))
        return await reload(), local(protectedHeader, token);
      throw err;
    }
  }, {
    coolingDown: {
      get: () => isFreshFor(jwksTimestamp, cooldownDuration),
      enumerable: true
    },
    fresh: {
      get: () => isFreshFor(jwksTimestamp, cacheMaxAge),
      enumerable: true
    },
    reload: {
      value: reload,
      enumerable: true
    },
    reloading: {
      get: () => !!pendingFetch,
      enumerable: true
    },
    jwks: {
      value: () => local?.jwks(),
      enumerable: true
    }
  });
}

// src/broker/verify.ts
var TokenError = class extends GuardrailError {
  constructor(message2, status) {
    super(message2);
    this.status = status;
  }
  status;
  static code = "ERR_BROKER_TOKEN";
};
var REQUIRED = [
  "repository_id",
  "repository_owner_id",
  "ref",
  "event_name",
  "run_id",
  "run_attempt",
  "sub",
  "jti"
];
function createVerifier(opts) {
  let jwks;
  const discover = async () => {
    const url = `${opts.issuer}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(1e4) });
    if (!res.ok) throw new BrokerSetupError(`${url} answered ${res.status}`);
    const doc = await res.json();
    if (doc.issuer !== opts.issuer)
      throw new BrokerSetupError(`${url} names issuer ${String(doc.issuer)}, not ${opts.issuer}`);
    if (typeof doc.jwks_uri !== "string") throw new BrokerSetupError(`${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(doc.jwks_uri));
  };
  return {
    async verify(token) {
      if (typeof token !== "string" || token.split(".").length !== 3)
        throw new TokenError("the token is not a JWS compact JWT", 401);
      jwks ??= discover();
      let keys;
      try {
        keys = await jwks;
      } catch (err) {
        jwks = void 0;
        throw new TokenError(
          `the OIDC issuer's discovery document could not be read: ${err.message}`,
          503
        );
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: ["RS256"],
          clockTolerance: opts.clockToleranceSeconds,
          requiredClaims: ["exp", "iat", ...REQUIRED]
        });
        return payload;
      } catch (err) {
        throw explain(err);
      }
    }
  };
}
function explain(err) {
  if (err instanceof errors_exports.JWTExpired) return new TokenError("the token has expired", 401);
  if (err instanceof errors_exports.JWTClaimValidationFailed) {
    const what = err.claim === "nbf" ? "the token is not valid yet (nbf is in the future)" : err.reason === "missing" ? `the token lacks the required claim "${err.claim}"` : `the token's "${err.claim}" claim is not the expected value`;
    return new TokenError(what, 401);
  }
  if (err instanceof errors_exports.JOSEAlgNotAllowed)
    return new TokenError("the token is not signed with RS256 (the only accepted algorithm)", 401);
  if (err instanceof errors_exports.JWKSNoMatchingKey)
    return new TokenError("the token's signing key (kid) is not in the issuer's JWKS", 401);
  if (err instanceof errors_exports.JWSSignatureVerificationFailed)
    return new TokenError("the token's signature does not verify", 401);
  if (err instanceof errors_exports.JWKSTimeout || err instanceof errors_exports.JWKSInvalid)
    return new TokenError(`the issuer's JWKS could not be fetched: ${err.message}`, 503);
  if (err instanceof errors_exports.JOSEError) return new TokenError(`the token is malformed: ${err.message}`, 401);
  return new TokenError(`the token could not be verified: ${err.message}`, 503);
}

// src/broker/broker.ts
var BrokerError = class extends GuardrailError {
  constructor(status, reason, message2, retryAfter) {
    super(message2);
    this.status = status;
    this.reason = reason;
    this.retryAfter = retryAfter;
  }
  status;
  reason;
  retryAfter;
  static code = "ERR_BROKER_REQUEST";
};
var Broker = class {
  constructor(config, opts) {
    this.config = config;
    this.audit = opts.audit;
    this.now = opts.now ?? Date.now;
    this.verifier = opts.verifier ?? createVerifier({
      issuer: config.issuer,
      audience: config.audience,
      clockToleranceSeconds: config.clockToleranceSeconds
    });
    this.limiter = new RateLimiter(config.rateLimit.burst, config.rateLimit.perMinute, this.now);
    this.ephemeralRevocationKey = !config.revocationKey;
    this.revocationKey = config.revocationKey ?? randomBytes3(32).toString("base64url");
    for (const t of config.targets.values()) {
      this.stores.set(
        t.name,
        t.dialect === "postgres" ? new PostgresRoleStore(t, config.rolePrefix) : new MysqlRoleStore(t, config.rolePrefix)
      );
    }
  }
  config;
  stores = /* @__PURE__ */ new Map();
  verifier;
  limiter;
  revocationKey;
  audit;
  now;
  /** True when no revocation-key is configured: tokens die with this process. */
  ephemeralRevocationKey;
  refuse(status, reason, message2, extra = {}, retryAfter) {
    this.audit.write({ event: "refuse", status, reason: message2, ...extra });
    throw new BrokerError(status, reason, message2, retryAfter);
  }
  async verified(token, target) {
    try {
      return await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenError) {
        this.refuse(
          err.status,
          err.status === 401 ? "invalid_token" : "issuer_unavailable",
          err.message,
          target ? { target } : {}
        );
      }
      throw err;
    }
  }
  async issue(token, target) {
    if (typeof token !== "string" || !token)
      this.refuse(400, "bad_request", `the body needs "token": the job's OIDC token`);
    if (typeof target !== "string" || !target || target.length > 63)
      this.refuse(
        400,
        "bad_request",
        'the body needs "target": the name of a target (at most 63 characters)'
      );
    const claims = await this.verified(token, target);
    const who = auditedClaims(claims);
    const wait = this.limiter.take(String(claims.repository_id));
    if (wait > 0) {
      this.refuse(
        429,
        "rate_limited",
        `too many requests for repository ${who.repository_id}; retry in ${wait}s`,
        { target, claims: who },
        wait
      );
    }
    const match = matchBinding(claims, target, this.config.bindings);
    if (!match.ok) {
      this.refuse(403, "no_binding", `no binding accepts this job: ${describeFailures(match.failures)}`, {
        target,
        claims: who,
        detail: match.failures
      });
    }
    const { binding } = match;
    const t = this.config.targets.get(binding.target);
    const ttl = Math.min(binding.ttlSeconds, this.config.maxTtlSeconds);
    const expiresAt = new Date(this.now() + ttl * 1e3);
    let name = "";
    try {
      name = newRoleName(
        this.config.rolePrefix,
        String(claims.run_id),
        String(claims.run_attempt),
        expiresAt
      );
    } catch (err) {
      this.refuse(401, "invalid_token", `the token's run claims are unusable: ${err.message}`, {
        target,
        claims: who
      });
    }
    const password = newPassword();
    const leaseId = `${t.name}.${name}`;
    try {
      await this.stores.get(t.name).create({
        name,
        password,
        expiresAt,
        role: binding.role,
        ...binding.ownerRole ? { ownerRole: binding.ownerRole } : {}
      });
    } catch (err) {
      const message2 = `could not create the login role in target ${t.name}: ${err.message}`;
      this.audit.write({ event: "error", operation: "issue", target: t.name, lease: leaseId, message: message2 });
      throw new BrokerError(502, "database_error", message2);
    }
    this.audit.write({
      event: "issue",
      target: t.name,
      binding: binding.name,
      role: binding.role,
      login: name,
      lease: leaseId,
      ttl,
      expires_at: expiresAt.toISOString(),
      claims: who
    });
    return {
      lease_id: leaseId,
      dialect: t.dialect,
      username: name,
      password,
      host: t.host,
      port: t.port,
      database: t.database,
      expires_at: expiresAt.toISOString(),
      revocation_token: revocationToken(this.revocationKey, leaseId)
    };
  }
  /**
   * Who may revoke: the holder of the revocation token returned at issuance, or a job of the same
   * run attempt presenting a valid OIDC token that a binding for the target still accepts.
   */
  async revoke(leaseId, authorization) {
    const dot = leaseId.indexOf(".");
    const target = leaseId.slice(0, dot);
    const role = parseRoleName(this.config.rolePrefix, leaseId.slice(dot + 1));
    const store = dot > 0 ? this.stores.get(target) : void 0;
    if (!store || !role)
      this.refuse(404, "not_found", `there is no lease ${JSON.stringify(leaseId.slice(0, 100))}`);
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!bearer)
      this.refuse(
        401,
        "unauthorized",
        "revocation needs Authorization: Bearer <revocation token or the job's OIDC token>",
        { target }
      );
    let by = "revocation-token";
    let claims;
    if (bearer.split(".").length === 3) {
      const verified = await this.verified(bearer, target);
      claims = auditedClaims(verified);
      const sameRun = String(verified.run_id) === role.runId && String(verified.run_attempt) === role.runAttempt;
      if (!sameRun || !matchBinding(verified, target, this.config.bindings).ok) {
        this.refuse(403, "forbidden", `this token is not from the run attempt that holds lease ${leaseId}`, {
          target,
          claims
        });
      }
      by = "oidc-token";
    } else if (!checkRevocationToken(this.revocationKey, leaseId, bearer)) {
      this.refuse(403, "forbidden", `the revocation token does not belong to lease ${leaseId}`, { target });
    }
    let result;
    try {
      result = await store.drop(role.name);
    } catch (err) {
      const message2 = `could not revoke lease ${leaseId}: ${err.message}`;
      this.audit.write({ event: "error", operation: "revoke", target, lease: leaseId, message: message2 });
      throw new BrokerError(502, "database_error", message2);
    }
    this.audit.write({ event: "revoke", lease: leaseId, by, ...result, ...claims ? { claims } : {} });
    if (!result.existed)
      throw new BrokerError(404, "not_found", `lease ${leaseId} was already revoked or swept`);
  }
  /** Drops our login roles that expired before `cutoff` in every target; never throws per role. */
  async sweep(cutoff = new Date(this.now())) {
    const swept = [];
    for (const [target, store] of this.stores) {
      let names;
      try {
        names = await store.expired(cutoff);
      } catch (err) {
        this.audit.write({ event: "error", operation: "sweep", target, message: err.message });
        continue;
      }
      for (const name of names) {
        const lease = `${target}.${name}`;
        try {
          const r = await store.drop(name);
          if (!r.existed) continue;
          this.audit.write({ event: "sweep", target, lease, ...r });
          swept.push(lease);
        } catch (err) {
          this.audit.write({
            event: "error",
            operation: "sweep",
            target,
            lease,
            message: err.message
          });
        }
      }
    }
    return swept;
  }
  async close() {
    await Promise.all([...this.stores.values()].map((s) => s.close()));
  }
};

// src/broker/config.ts
var import_yaml = __toESM(require_dist(), 1);
import { readFileSync as readFileSync3 } from "node:fs";
var ConfigError = class extends GuardrailError {
  static code = "ERR_BROKER_CONFIG";
};
var NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
var ROLE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
function parseDuration(v) {
  if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
  const m = typeof v === "string" ? /^(\d+)\s*(s|m|h)$/.exec(v.trim()) : null;
  if (!m) return void 0;
  const n = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2]];
  return n > 0 ? n : void 0;
}
function loadBrokerConfig(file, env = process.env) {
  let text;
  try {
    text = readFileSync3(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read broker config ${file}: ${err.message}`);
  }
  return parseBrokerConfig(text, file, env);
}
function parseBrokerConfig(text, file = "broker.yml", env = process.env) {
  const lines = new import_yaml.LineCounter();
  const doc = (0, import_yaml.parseDocument)(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const { line, col } = lines.linePos(e.pos[0]);
    throw new ConfigError(`${file}:${line}:${col}: ${e.message.split("\n")[0]}`);
  }
  const root = doc.toJS();
  const fail = (path, msg) => {
    const node = doc.getIn(path, true);
    const at = node?.range ? `:${lines.linePos(node.range[0]).line}` : "";
    throw new ConfigError(`${file}${at}: ${path.join(".") || "(top level)"}: ${msg}`);
  };
  const obj = (v, path, known) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) fail(path, "must be a mapping");
    const o = v;
    for (const k of Object.keys(o))
      if (!known.includes(k)) fail([...path, k], `unknown key (expected one of ${known.join(", ")})`);
    return o;
  };
  const str = (v, path, re) => {
    if (typeof v !== "string" || v === "") fail(path, "must be a non-empty string");
    if (re && !re.test(v)) fail(path, `"${v}" does not match ${re}`);
    return v;
  };
  const int = (v, path, min, max) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      fail(path, `must be an integer from ${min} to ${max}`);
    return v;
  };
  const dur = (v, path) => parseDuration(v) ?? fail(path, "must be a duration like 90s, 30m or 2h");
  const secret = (v, path) => {
    const o = obj(v, path, ["env", "file"]);
    if (o.env === void 0 === (o.file === void 0))
      fail(path, "give exactly one of env (a variable name) or file (a path)");
    if (o.env !== void 0) {
      const name = str(o.env, [...path, "env"], /^[A-Za-z_][A-Za-z0-9_]*$/);
      const value = env[name];
      if (!value) fail([...path, "env"], `environment variable ${name} is not set`);
      return value;
    }
    const f = str(o.file, [...path, "file"]);
    try {
      return readFileSync3(f, "utf8").trim();
    } catch (err) {
      return fail([...path, "file"], `cannot read: ${err.message}`);
    }
  };
  const top = obj(
    root ?? {},
    [],
    [
      "listen",
      "issuer",
      "audience",
      "clock-tolerance",
      "role-prefix",
      "max-ttl",
      "revocation-key",
      "sweep-interval",
      "rate-limit",
      "audit",
      "targets",
      "bindings"
    ]
  );
  const listen = obj(top.listen ?? {}, ["listen"], ["host", "port", "tls"]);
  let tls;
  if (listen.tls !== void 0) {
    const t = obj(listen.tls, ["listen", "tls"], ["cert", "key"]);
    tls = { certFile: str(t.cert, ["listen", "tls", "cert"]), keyFile: str(t.key, ["listen", "tls", "key"]) };
  }
  const issuer = str(top.issuer, ["issuer"]);
  if (!/^https?:\/\/[^/]+/.test(issuer) || issuer.endsWith("/"))
    fail(["issuer"], "must be an http(s) URL without a trailing slash, exactly as the tokens' iss claim");
  const maxTtl = top["max-ttl"] === void 0 ? 7200 : dur(top["max-ttl"], ["max-ttl"]);
  const rl = obj(top["rate-limit"] ?? {}, ["rate-limit"], ["burst", "per-minute"]);
  const targets = /* @__PURE__ */ new Map();
  const rawTargets = obj(top.targets, ["targets"], Object.keys(top.targets ?? {}));
  if (!Object.keys(rawTargets).length) fail(["targets"], "name at least one target");
  for (const [name, raw] of Object.entries(rawTargets)) {
    const p = ["targets", name];
    if (!NAME.test(name)) fail(p, `target names use a-z, 0-9, _ and - (got "${name}")`);
    const t = obj(raw, p, ["dialect", "admin", "admin-ca-file", "host", "port", "database"]);
    if (t.dialect !== "postgres" && t.dialect !== "mysql")
      fail([...p, "dialect"], "must be postgres or mysql");
    const dialect = t.dialect;
    const adminDsn = secret(t.admin, [...p, "admin"]);
    let dsn;
    try {
      dsn = new URL(adminDsn);
    } catch {
      return fail([...p, "admin"], "the admin connection is not a URL (postgres://\u2026 or mysql://\u2026)");
    }
    targets.set(name, {
      name,
      dialect,
      adminDsn,
      ...t["admin-ca-file"] !== void 0 ? { adminCaFile: str(t["admin-ca-file"], [...p, "admin-ca-file"]) } : {},
      host: t.host === void 0 ? dsn.hostname : str(t.host, [...p, "host"]),
      port: t.port === void 0 ? Number(dsn.port || (dialect === "postgres" ? 5432 : 3306)) : int(t.port, [...p, "port"], 1, 65535),
      database: t.database === void 0 ? decodeURIComponent(dsn.pathname.slice(1)) || fail([...p, "database"], "give the database (the admin DSN names none)") : str(t.database, [...p, "database"])
    });
  }
  if (!Array.isArray(top.bindings) || !top.bindings.length)
    fail(["bindings"], "must be a list with at least one binding");
  const names = /* @__PURE__ */ new Set();
  const bindings = top.bindings.map((raw, i) => {
    const p = ["bindings", i];
    const b = obj(raw, p, ["name", "target", "role", "owner-role", "ttl", "claims"]);
    const name = str(b.name, [...p, "name"], NAME);
    if (names.has(name)) fail([...p, "name"], `binding "${name}" is defined twice`);
    names.add(name);
    const target = str(b.target, [...p, "target"]);
    if (!targets.has(target)) fail([...p, "target"], `no target named "${target}"`);
    const ttl = b.ttl === void 0 ? Math.min(3600, maxTtl) : dur(b.ttl, [...p, "ttl"]);
    if (ttl > maxTtl) fail([...p, "ttl"], `exceeds max-ttl (${maxTtl}s)`);
    const c = obj(b.claims, [...p, "claims"], [...CLAIM_NAMES]);
    const claims = {};
    for (const [k, v] of Object.entries(c)) {
      const values = Array.isArray(v) ? v : [v];
      if (!values.length) fail([...p, "claims", k], "give at least one value");
      claims[k] = values.map((x, j) => {
        const at = Array.isArray(v) ? [...p, "claims", k, j] : [...p, "claims", k];
        if (k === "repository_id" || k === "repository_owner_id") {
          if (!(typeof x === "number" && Number.isSafeInteger(x) && x > 0) && !(typeof x === "string" && /^[1-9]\d*$/.test(x)))
            fail(at, "must be the numeric id (see the repository_id claim or the REST API), not a name");
          return String(x);
        }
        return str(x, at);
      });
    }
    if (!claims.repository_id && !claims.repository_owner_id)
      fail(
        [...p, "claims"],
        "must bind repository_id or repository_owner_id; a binding without either would match any repository"
      );
    const ownerRole = b["owner-role"] === void 0 ? void 0 : str(b["owner-role"], [...p, "owner-role"], ROLE);
    return {
      name,
      target,
      role: str(b.role, [...p, "role"], ROLE),
      ...ownerRole ? { ownerRole } : {},
      ttlSeconds: ttl,
      claims
    };
  });
  return {
    listen: {
      host: listen.host === void 0 ? "127.0.0.1" : str(listen.host, ["listen", "host"]),
      port: listen.port === void 0 ? 8443 : int(listen.port, ["listen", "port"], 0, 65535),
      ...tls ? { tls } : {}
    },
    issuer,
    audience: str(top.audience, ["audience"]),
    clockToleranceSeconds: top["clock-tolerance"] === void 0 ? 30 : dur(top["clock-tolerance"], ["clock-tolerance"]),
    rolePrefix: top["role-prefix"] === void 0 ? "gr_" : str(top["role-prefix"], ["role-prefix"], /^[a-z][a-z0-9]{0,7}_$/),
    maxTtlSeconds: maxTtl,
    ...top["revocation-key"] !== void 0 ? { revocationKey: secret(top["revocation-key"], ["revocation-key"]) } : {},
    sweepIntervalSeconds: top["sweep-interval"] === void 0 ? 300 : dur(top["sweep-interval"], ["sweep-interval"]),
    rateLimit: {
      burst: rl.burst === void 0 ? 10 : int(rl.burst, ["rate-limit", "burst"], 1, 1e4),
      perMinute: rl["per-minute"] === void 0 ? 30 : int(rl["per-minute"], ["rate-limit", "per-minute"], 1, 1e5)
    },
    audit: top.audit === void 0 ? "-" : str(top.audit, ["audit"]),
    targets,
    bindings
  };
}

// src/broker/server.ts
import { readFileSync as readFileSync4 } from "node:fs";
import {
  createServer as createHttpServer
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
var MAX_BODY = 64 * 1024;
function send(res, status, body, headers = {}) {
  if (body === void 0) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(text);
}
async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new BrokerError(413, "too_large", `the request body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BrokerError(400, "bad_request", "the request body is not JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new BrokerError(400, "bad_request", "the request body must be a JSON object");
  return body;
}
function createBrokerServer(broker, opts = {}) {
  const handler = async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (path === "/healthz") {
        if (req.method !== "GET") throw new BrokerError(405, "method_not_allowed", "use GET /healthz");
        return send(res, 200, { status: "ok" });
      }
      if (path === "/v1/credentials") {
        if (req.method !== "POST")
          throw new BrokerError(405, "method_not_allowed", "use POST /v1/credentials");
        const body = await readJson(req);
        return send(res, 201, await broker.issue(body.token, body.target));
      }
      if (path.startsWith("/v1/credentials/")) {
        if (req.method !== "DELETE")
          throw new BrokerError(405, "method_not_allowed", "use DELETE /v1/credentials/{lease}");
        let lease;
        try {
          lease = decodeURIComponent(path.slice("/v1/credentials/".length));
        } catch {
          throw new BrokerError(400, "bad_request", "the lease id is not valid URL encoding");
        }
        await broker.revoke(lease, req.headers.authorization);
        return send(res, 204);
      }
      throw new BrokerError(404, "not_found", `no route ${req.method} ${path.slice(0, 100)}`);
    } catch (err) {
      if (err instanceof BrokerError) {
        return send(
          res,
          err.status,
          { error: err.reason, message: err.message },
          err.retryAfter ? { "retry-after": String(err.retryAfter) } : {}
        );
      }
      opts.onError?.(err.message);
      return send(res, 500, { error: "internal", message: "the broker failed; see its log" });
    }
  };
  const listener = (req, res) => {
    handler(req, res).catch(() => res.destroy());
  };
  if (opts.tls) {
    return createHttpsServer(
      { cert: readFileSync4(opts.tls.certFile), key: readFileSync4(opts.tls.keyFile) },
      listener
    );
  }
  return createHttpServer(listener);
}

// src/cli/broker.ts
var spec = command({
  name: "broker",
  summary: "run the credential broker: job OIDC tokens in, short-lived database logins out",
  description: [
    "Serves the broker API next to your databases, sweeping expired login roles as it goes,",
    "until SIGINT or SIGTERM. The configuration names the listener, the OIDC issuer, the",
    "databases with their admin connections and the bindings from repositories to targets",
    "(docs/broker.md). Exit code 2: the configuration is invalid (file, line and key are named)."
  ],
  options: {
    config: { type: "string", value: "FILE", description: "broker configuration (YAML); required" },
    "sweep-once": { type: "boolean", description: "drop expired login roles once and exit, without serving" }
  },
  examples: [
    { args: "--config broker.yml" },
    { args: "--config broker.yml --sweep-once", note: "from cron, when the broker is not running" }
  ]
});
async function run(argv) {
  const { values } = parse(argv, spec);
  if (!values.config) throw new UsageError("--config FILE is required");
  let config;
  try {
    config = loadBrokerConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`guardrail broker: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const broker = new Broker(config, { audit: new AuditLog(auditSink(config.audit)) });
  if (values["sweep-once"]) {
    const swept = await broker.sweep();
    console.error(`guardrail broker: swept ${plural(swept.length, "expired login role")}`);
    await broker.close();
    return 0;
  }
  if (broker.ephemeralRevocationKey) {
    console.error(
      "guardrail broker: no revocation-key configured; revocation tokens stop working when this process exits (jobs can still revoke with their OIDC token, and the sweeper removes expired roles)"
    );
  }
  const server = createBrokerServer(broker, {
    ...config.listen.tls ? { tls: config.listen.tls } : {},
    onError: (m) => console.error(`guardrail broker: ${m}`)
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, resolve);
  });
  const { address, port } = server.address();
  console.error(
    `guardrail broker: listening on ${config.listen.tls ? "https" : "http"}://${address}:${port}`
  );
  const sweep = () => {
    broker.sweep().catch((err) => console.error(`guardrail broker: sweep failed: ${err.message}`));
  };
  sweep();
  const timer = setInterval(sweep, config.sweepIntervalSeconds * 1e3);
  await new Promise((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  clearInterval(timer);
  await new Promise((resolve) => server.close(() => resolve()));
  await broker.close();
  return 0;
}
export {
  run,
  spec
};
