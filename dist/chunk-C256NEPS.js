import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));

// src/transcript/recorder.ts
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
var GENESIS = "0".repeat(64);
function lineHash(line) {
  return createHash("sha256").update(line).digest("hex");
}
var FileRecorder = class {
  constructor(path, now = () => /* @__PURE__ */ new Date()) {
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
  failed;
  record(conn, event) {
    if (this.failed) throw this.failed;
    const line = JSON.stringify({
      seq: ++this.seq,
      ts: this.now().toISOString(),
      conn,
      prev: this.prev,
      ...event
    });
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
