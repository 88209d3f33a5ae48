import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  upstreamConfig
} from "./chunk-MLIJVIMC.js";
import {
  Reconnecting,
  tlsFor
} from "./chunk-V6SGTYVA.js";
import {
  esm_default
} from "./chunk-GOMVZPAY.js";

// src/gateway/postgres/side-connection.ts
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

export {
  postgresSide
};
