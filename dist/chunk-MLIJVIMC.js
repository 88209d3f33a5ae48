import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/gateway/postgres/upstream-options.ts
import { readFileSync } from "node:fs";
var SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"];
function parseUpstreamUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new GuardrailError("upstream is not a valid postgres:// URL", { code: "ERR_UPSTREAM_CONFIG" });
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
    throw new GuardrailError(`upstream URL must start with postgres://, not ${u.protocol}//`, {
      code: "ERR_UPSTREAM_CONFIG"
    });
  const q = u.searchParams;
  const hostParam = q.get("host");
  const sslmode = q.get("sslmode") ?? void 0;
  const opts = {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || q.get("user") || "postgres",
    database: decodeURIComponent(u.pathname.slice(1)) || q.get("dbname") || "postgres"
  };
  if (hostParam?.startsWith("/")) opts.socketDir = hostParam;
  const password = u.password ? decodeURIComponent(u.password) : q.get("password");
  if (password) opts.password = password;
  if (sslmode) opts.sslmode = sslmode;
  const rootcert = q.get("sslrootcert");
  if (rootcert) opts.sslrootcert = rootcert;
  return opts;
}
function upstreamConfig(input) {
  const o = typeof input === "string" ? parseUpstreamUrl(input) : input;
  const sslmode = o.sslmode ?? "prefer";
  if (!SSL_MODES.includes(sslmode))
    throw new GuardrailError(`unknown sslmode ${sslmode}: use ${SSL_MODES.join(", ")}`, {
      code: "ERR_UPSTREAM_CONFIG"
    });
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
    throw new GuardrailError(`invalid upstream port ${o.port}`, { code: "ERR_UPSTREAM_CONFIG" });
  let ca;
  if (o.sslrootcert) {
    try {
      ca = readFileSync(o.sslrootcert, "utf8");
    } catch (err) {
      throw new GuardrailError(`cannot read sslrootcert ${o.sslrootcert}: ${err.message}`, {
        code: "ERR_UPSTREAM_CONFIG"
      });
    }
  }
  return {
    host: o.host,
    port: o.port,
    user: o.user,
    database: o.database,
    sslmode,
    ...o.socketDir ? { socketDir: o.socketDir } : {},
    ...o.password !== void 0 ? { password: o.password } : {},
    ...ca ? { ca } : {}
  };
}
function describeUpstream(c) {
  return `${c.socketDir ?? c.host}:${c.port}/${c.database}`;
}

export {
  parseUpstreamUrl,
  upstreamConfig,
  describeUpstream
};
