import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  require_promise
} from "./chunk-WTZSGNFV.js";
import {
  Reconnecting,
  tlsFor
} from "./chunk-V6SGTYVA.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/gateway/mysql/side-connection.ts
var import_promise = __toESM(require_promise(), 1);

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

// src/gateway/mysql/side-connection.ts
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

export {
  parseUpstreamUrl,
  describeUpstream,
  mysqlSide
};
