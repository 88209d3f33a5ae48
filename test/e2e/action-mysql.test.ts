// The committed action with database: mysql, in front of a real MariaDB, with a standing static
// DSN and no GitHub token: nobody can approve, so the gateway refuses the DROP TABLE (fail
// closed) while the rest of the script runs, and the summary warns about the standing credential.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from '../../src/action/daemon-launcher.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type ArtifactEmulator, startArtifactEmulator } from '../support/artifact-emulator.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli } from '../support/mysql-clients.js';
import { newJob, reapTracked, runAction } from '../support/runner.js';
import { DIST, daemonLog, maskedValues, rawLog } from './action-support.js';

let db: MariaDbServer;
let artifacts: ArtifactEmulator;

beforeAll(async () => {
  [db, artifacts] = await Promise.all([startMariaDb(), startArtifactEmulator()]);
  await db.admin('CREATE TABLE app.customers (id INT PRIMARY KEY, name TEXT)');
  await db.admin("INSERT INTO app.customers VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger')");
}, 120_000);

afterAll(async () => {
  await Promise.all([db?.stop(), artifacts?.close()]);
});

const count = async () =>
  Number((await db.admin<{ n: number }[]>('SELECT COUNT(*) AS n FROM app.customers'))[0]!.n);

describe('the action with MySQL (MariaDB) and a static DSN', () => {
  it('refuses what needs approval when there is no token to ask with, and warns about the standing credential', async () => {
    const job = newJob();
    const inputs = {
      database: 'mysql',
      upstream: `127.0.0.1:${db.port}/app`,
      credentials: 'static',
      'static-dsn': db.url(),
      'export-env': 'true',
    };
    try {
      const main = await runAction(join(DIST, 'main.js'), { job, inputs, env: artifacts.env });
      expect(main.code, rawLog(main)).toBe(0);
      expect(main.outputs.url).toMatch(/^mysql:\/\/guardrail:.+@127\.0\.0\.1:\d+\/app$/);
      expect(main.env).toMatchObject({ MYSQL_HOST: '127.0.0.1', MYSQL_TCP_PORT: main.outputs.port });
      expect(main.masks).toEqual(expect.arrayContaining([db.password, main.outputs.password]));

      const out = await mariadbCli(
        {
          host: main.env.MYSQL_HOST!,
          port: Number(main.env.MYSQL_TCP_PORT),
          user: main.env.MYSQL_USER!,
          password: main.env.MYSQL_PWD!,
          database: main.env.MYSQL_DATABASE!,
        },
        "SELECT COUNT(*) AS n FROM customers;\nDROP TABLE customers;\nSELECT 'after';\n",
        ['--force'],
      );
      expect(out.stdout).toContain('n\n3\n');
      expect(out.stderr).toMatch(
        /ERROR 1142 \(42000\) at line 2: guardrail: needs approval \(destructive\/drop-table\) but no approval channel is configured/,
      );
      expect(out.stdout).toContain('after');
      expect(await count()).toBe(3);

      const pid = Number(main.state['daemon-pid']);
      const post = await runAction(join(DIST, 'post.js'), {
        job,
        inputs,
        state: main.state,
        env: { ...artifacts.env, ...main.env },
      });
      expect(post.code, rawLog(post)).toBe(0);
      expect(isRunning(pid)).toBe(false);
      expect(post.summary).toContain('A standing credential (static DSN) reached the database');
      expect(post.summary).toContain('### Blocked statements');

      const files = artifacts.files(`guardrail-transcript-${job.job}-${job.runId}-${job.runAttempt}`);
      const jsonl = files.get('transcript.jsonl')!.toString('utf8');
      expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, complete: true });
      expect(jsonl).toContain('"dialect":"mysql"');
      expect(jsonl).toContain('DROP TABLE customers');

      const places = [
        rawLog(main),
        rawLog(post),
        daemonLog(main),
        post.summary,
        jsonl,
        out.stdout,
        out.stderr,
      ];
      for (const secret of [...maskedValues(main), db.password]) {
        for (const text of places) expect(text.includes(secret)).toBe(false);
      }
    } finally {
      reapTracked(job.trackingId);
    }
  }, 120_000);
});
