import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));

// src/transcript/recorder.ts
import * as crypto from "node:crypto";
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
var GENESIS = "0".repeat(64);
var oneShot = crypto.hash;
var lineHash = oneShot ? (line) => oneShot("sha256", line, "hex") : (line) => crypto.createHash("sha256").update(line).digest("hex");
function lineOf(seq, ts, conn, prev, event) {
  const body = JSON.stringify(event);
  const head = `{"seq":${seq},"ts":"${ts}","conn":${JSON.stringify(conn)},"prev":"${prev}"`;
  return body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`;
}
var FileRecorder = class {
  constructor(path, now) {
    this.path = path;
    this.now = now;
    this.fd = openSync(path, "a", 384);
  }
  path;
  now;
  fd;
  seq = 0;
  prev = GENESIS;
  pending = [];
  scheduled = false;
  /** The clock's last millisecond and its ISO form: most lines share it with the line before. */
  lastMs = Number.NaN;
  lastTs = "";
  failed;
  timestamp() {
    if (this.now) return this.now().toISOString();
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    return this.lastTs;
  }
  record(conn, event) {
    if (this.failed) throw this.failed;
    const line = lineOf(++this.seq, this.timestamp(), conn, this.prev, event);
    this.prev = lineHash(line);
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQuietly());
    }
  }
  flush() {
    this.scheduled = false;
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = `${this.pending.join("\n")}
`;
    this.pending = [];
    try {
      writeSync(this.fd, data);
    } catch (err) {
      this.failed = new Error(`transcript ${this.path} cannot be written: ${err.message}`);
      throw this.failed;
    }
  }
  flushQuietly() {
    try {
      this.flush();
    } catch {
    }
  }
  close() {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
};

export {
  GENESIS,
  lineHash,
  FileRecorder
};
