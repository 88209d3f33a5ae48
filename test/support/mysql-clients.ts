// Shared pieces of the MySQL gateway tests: a gateway context around a recorder, and the real
// command-line clients (mariadb CLI, python3 with PyMySQL) driven as child processes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { GatewayContext } from '../../src/gateway/session-types.js';
import type { Recorder } from '../../src/transcript/recorder.js';
import { testContext } from './gateway-context.js';

/** A MySQL gateway context on the real analyzer and a real policy (STRICT_POLICY by default). */
export async function mysqlContext(
  recorder: Recorder,
  opts: { policy?: string } & Partial<Pick<GatewayContext, 'analyze' | 'decide' | 'approvals'>> = {},
): Promise<GatewayContext> {
  const { policy, ...overrides } = opts;
  return {
    ...(await testContext({ dialect: 'mysql', recorder, ...(policy !== undefined ? { policy } : {}) })),
    ...overrides,
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  input = '',
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The mariadb CLI in batch mode; the password goes through MYSQL_PWD, not the command line. */
export function mariadbCli(
  target: { host: string; port: number; user: string; password: string; database?: string },
  script: string,
  extra: string[] = [],
): Promise<RunResult> {
  return run(
    'mariadb',
    [
      '--no-defaults',
      '-h',
      target.host,
      '-P',
      String(target.port),
      '-u',
      target.user,
      '--batch',
      ...extra,
      ...(target.database ? [target.database] : []),
    ],
    script,
    { MYSQL_PWD: target.password },
  );
}

/** Debian's python3 (with python3-pymysql), not a pyenv shim that lacks the module. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** One physical packet: 3-byte length, sequence id, payload. */
export function packet(payload: Uint8Array, seq: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

/**
 * A minimal client login written independently of the gateway's codec (mysql_native_password
 * only), for tests that then speak raw packets. Returns the socket with no data listener and
 * any bytes that arrived after the OK.
 */
export function rawMysqlLogin(
  target: {
    host: string;
    port: number;
    user: string;
    password: string;
  },
  /** Capability bits added to the default ones, and the login's collation id (default 45, utf8mb4). */
  opts: { capabilities?: number; collation?: number } = {},
): Promise<{ socket: Socket; early: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(target.port, target.host);
    let buf = Buffer.alloc(0);
    let greeted = false;
    socket.on('error', reject);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readUIntLE(0, 3)) return;
      const payload = buf.subarray(4, 4 + buf.readUIntLE(0, 3));
      buf = buf.subarray(4 + payload.length);
      if (!greeted) {
        greeted = true;
        const v = payload.indexOf(0, 1);
        const scramble = Buffer.concat([payload.subarray(v + 5, v + 13), payload.subarray(v + 32, v + 44)]);
        const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
        const s1 = sha1(Buffer.from(target.password));
        const k = sha1(Buffer.concat([scramble, sha1(s1)]));
        const token = Buffer.from(s1.map((b, i) => b ^ k[i]!));
        const caps = Buffer.alloc(4);
        // PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, MULTI_STATEMENTS, MULTI_RESULTS, PS_MULTI_RESULTS
        caps.writeUInt32LE(
          (0x0200 | 0x8000 | 0x80000 | 0x10000 | 0x20000 | 0x40000 | (opts.capabilities ?? 0)) >>> 0,
        );
        const resp = Buffer.concat([
          caps,
          Buffer.from([0, 0, 0, 1, opts.collation ?? 45]),
          Buffer.alloc(23),
          Buffer.from(`${target.user}\0`),
          Buffer.from([token.length]),
          token,
          Buffer.from('mysql_native_password\0'),
        ]);
        socket.write(packet(resp, 1));
      } else if (payload[0] === 0x00) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve({ socket, early: buf });
      } else reject(new Error(`login failed: ${payload.toString('latin1')}`));
    };
    socket.on('data', onData);
  });
}
