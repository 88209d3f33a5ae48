// HAProxy as a benchmark target beside the gateway (bench/pgbench.ts, bench/sysbench.ts).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';

/**
 * HAProxy in TCP mode (layer 4: it parses nothing): what a mature proxy written in C costs on
 * this machine, against which the bare Node relay and the gateway can be read.
 */
export async function startHaproxy(
  dir: string,
  upstream: { host: string; port: number },
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global\n  maxconn 1000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 120s\n  timeout server 120s\nlisten db\n  bind 127.0.0.1:${port}\n  server db ${upstream.host}:${upstream.port}\n`,
  );
  // -db: stay in the foreground (the benchmark stops it); it prints nothing once it listens.
  const check = spawnSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c failed:\n${check.stdout}${check.stderr}`);
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, child };
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 10 s`);
}
