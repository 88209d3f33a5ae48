import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  upstreamConfig
} from "./chunk-GR5VPDHR.js";
import {
  esm_default,
  require_promise
} from "./chunk-IVUPHC63.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/gateway/mysql/upstream-options.ts
import { readFileSync } from "node:fs";
var MODES = {
  disable: "disable",
  disabled: "disable",
  prefer: "prefer",
  preferred: "prefer",
  require: "require",
  required: "require",
  "verify-ca": "verify-ca",
  verify_ca: "verify-ca",
  "verify-full": "verify-full",
  "verify-identity": "verify-full",
  verify_identity: "verify-full"
};
function parseUpstreamUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new GuardrailError("upstream is not a URL: expected mysql://user:password@host:port/database", {
      code: "ERR_UPSTREAM_CONFIG"
    });
  }
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:")
    throw new GuardrailError(`upstream URL scheme ${url.protocol} is not mysql: or mariadb:`, {
      code: "ERR_UPSTREAM_CONFIG"
    });
  if (!url.hostname) throw new GuardrailError("upstream URL has no host", { code: "ERR_UPSTREAM_CONFIG" });
  if (!url.username) throw new GuardrailError("upstream URL has no user", { code: "ERR_UPSTREAM_CONFIG" });
  const q = url.searchParams;
  const rawMode = (q.get("ssl-mode") ?? q.get("sslmode") ?? "prefer").toLowerCase();
  const sslMode = MODES[rawMode];
  if (!sslMode)
    throw new GuardrailError(
      `unknown ssl-mode ${rawMode}: use disable, prefer, require, verify-ca or verify-full`,
      { code: "ERR_UPSTREAM_CONFIG" }
    );
  const caPath = q.get("ssl-ca") ?? q.get("sslrootcert");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const config = {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    sslMode,
    ...database ? { database } : {}
  };
  if (caPath) config.ca = readFileSync(caPath, "utf8");
  if ((sslMode === "verify-ca" || sslMode === "verify-full") && !config.ca)
    throw new GuardrailError(`ssl-mode=${sslMode} needs ssl-ca=<file>`, { code: "ERR_UPSTREAM_CONFIG" });
  const keyPath = q.get("server-public-key-path");
  if (keyPath) config.serverPublicKey = readFileSync(keyPath, "utf8");
  return config;
}
function describeUpstream(c) {
  return `${c.host}:${c.port}/${c.database ?? ""}`;
}

// src/gateway/side-connection.ts
var import_promise = __toESM(require_promise(), 1);
function tlsFor(mode, ca) {
  switch (mode) {
    case "disable":
    case "prefer":
      return void 0;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      return { ...ca ? { ca } : {}, checkServerIdentity: () => void 0 };
    case "verify-full":
      return ca ? { ca } : {};
  }
}
var SIDE_RETRY_MS = { first: 100, max: 5e3 };
var Reconnecting = class {
  constructor(link) {
    this.link = link;
  }
  link;
  conn;
  failures = 0;
  retryAt = 0;
  lastError;
  /** Settles when the last use queued so far has. */
  tail = Promise.resolve();
  /**
   * Runs `fn` once every use before it has settled: one question at a time on the connection.
   * node-postgres queues a query issued while another runs, but warns that pg@9 will refuse it,
   * and sessions ask concurrently (masking catalogs of connections opening together).
   */
  use(fn) {
    const run = this.tail.then(() => this.now(fn));
    this.tail = run.then(
      () => void 0,
      () => void 0
    );
    return run;
  }
  async now(fn) {
    const pending = this.connection();
    const conn = await pending;
    try {
      return await fn(conn);
    } catch (err) {
      if (this.link.broken(err)) this.drop(pending);
      throw err;
    }
  }
  async close() {
    const pending = this.conn;
    this.conn = void 0;
    const conn = await pending?.catch(() => void 0);
    if (conn) await this.link.end(conn).catch(() => {
    });
  }
  connection() {
    if (this.conn) return this.conn;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      return Promise.reject(
        new GuardrailError(
          `the side connection to the upstream is down (${this.lastError?.message}); the next attempt is in ${wait} ms`,
          { code: "ERR_SIDE_CONNECTION" }
        )
      );
    }
    const attempt = this.link.open(() => this.drop(attempt)).then(
      (conn) => {
        this.failures = 0;
        return conn;
      },
      (err) => {
        this.failures++;
        this.lastError = err instanceof Error ? err : new GuardrailError(String(err), { code: "ERR_SIDE_CONNECTION" });
        this.retryAt = Date.now() + Math.min(SIDE_RETRY_MS.first * 2 ** (this.failures - 1), SIDE_RETRY_MS.max);
        this.drop(attempt);
        throw err;
      }
    );
    this.conn = attempt;
    return attempt;
  }
  /** Forgets `which` if it is still the current connection (a newer one is left alone). */
  drop(which) {
    if (this.conn !== which) return;
    this.conn = void 0;
    which.then((c) => this.link.end(c)).catch(() => {
    });
  }
};
var ParseOnly = class {
  constructor(text, done) {
    this.text = text;
    this.done = done;
  }
  text;
  done;
  submit(connection) {
    connection.parse({ text: this.text, name: "", types: [] });
    connection.sync();
  }
  /** pg ends the query at the error (the ReadyForQuery after it goes to no query). */
  handleError(err) {
    this.done(err);
  }
  handleReadyForQuery() {
    this.done(void 0);
  }
};
function postgresSide(upstream) {
  const c = upstreamConfig(upstream);
  const side = new Reconnecting({
    async open(lost) {
      const ssl = tlsFor(c.sslmode, c.ca);
      const next = new esm_default.Client({
        host: c.socketDir ?? c.host,
        port: c.port,
        user: c.user,
        database: c.database,
        application_name: "guardrail side connection",
        ...c.password !== void 0 ? { password: c.password } : {},
        ...ssl ? { ssl } : {}
      });
      next.on("error", lost);
      next.on("end", lost);
      await next.connect();
      return next;
    },
    // A statement's own error leaves the connection usable; anything else, or a FATAL (the
    // backend was terminated), does not.
    broken: (err) => !(err instanceof esm_default.DatabaseError) || err.severity === "FATAL",
    end: (conn) => conn.end()
  });
  return {
    query: (text, values) => side.use((conn) => conn.query(text, values)),
    parse: (text) => side.use(
      (conn) => new Promise((resolve, reject) => {
        conn.query(new ParseOnly(text, (err) => err ? reject(err) : resolve()));
      })
    ),
    close: () => side.close()
  };
}
function mysqlSide(upstream) {
  const c = parseUpstreamUrl(upstream);
  const side = new Reconnecting({
    async open(lost) {
      const ssl = tlsFor(c.sslMode, c.ca);
      const next = await import_promise.default.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        ...c.database ? { database: c.database } : {},
        ...ssl ? { ssl } : {}
      });
      next.on("error", lost);
      next.on("end", lost);
      return next;
    },
    // mysql2 marks errors that end the connection (lost, killed) as fatal.
    broken: (err) => !("sqlState" in err) || err.fatal === true,
    end: (conn) => conn.end()
  });
  return {
    query: (sql, values) => side.use((conn) => conn.query(sql, values)),
    prepare: (sql, sqlMode) => side.use((conn) => prepareUnder(conn, sql, sqlMode)),
    close: () => side.close()
  };
}
async function prepareUnder(conn, sql, sqlMode) {
  if (sqlMode === void 0) return (await conn.prepare(sql)).close();
  const [set, prepared, reset] = await Promise.allSettled([
    conn.query("SET SESSION sql_mode = ?", [sqlMode]),
    conn.prepare(sql),
    conn.query("SET SESSION sql_mode = DEFAULT")
  ]);
  if (prepared.status === "fulfilled") prepared.value.close();
  if (reset.status === "rejected") throw reset.reason;
  if (set.status === "rejected") throw set.reason;
  if (prepared.status === "rejected") throw prepared.reason;
}
async function openSideEarly(side, report) {
  await side.query("SELECT 1").catch((err) => {
    report(`the side connection could not be opened yet: ${err.message}`);
  });
}

export {
  parseUpstreamUrl,
  describeUpstream,
  postgresSide,
  mysqlSide,
  openSideEarly
};
