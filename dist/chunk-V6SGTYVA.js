import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/gateway/side-connection.ts
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
async function openSideEarly(side, report) {
  await side.query("SELECT 1").catch((err) => {
    report(`the side connection could not be opened yet: ${err.message}`);
  });
}

export {
  tlsFor,
  Reconnecting,
  openSideEarly
};
