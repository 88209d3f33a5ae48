import { describe, expect, it } from 'vitest';
import { StaticProvider } from '../../src/credentials/static.js';

const ctx = { repository: 'o/r', runId: '1', runAttempt: '1', job: 'j', audience: 'a', target: 't' };

describe('StaticProvider', () => {
  it('turns a secret DSN into a standing lease', async () => {
    const lease = await new StaticProvider('postgresql://mig%40rator:p%2Fw@db.internal:6432/app').acquire(
      ctx,
    );
    expect(lease).toEqual({
      id: 'static',
      kind: 'static',
      standing: true,
      dialect: 'postgres',
      host: 'db.internal',
      port: 6432,
      database: 'app',
      username: 'mig@rator',
      password: 'p/w',
    });
    await new StaticProvider('mysql://u:p@[::1]/shop').acquire(ctx).then((l) => {
      expect([l.dialect, l.host, l.port, l.database]).toEqual(['mysql', '::1', 3306, 'shop']);
    });
  });

  it('rejects bad DSNs without repeating them', async () => {
    for (const dsn of ['redis://u:hunter2@h/0', 'not a url hunter2', 'postgres://h/app']) {
      const err = await new StaticProvider(dsn).acquire(ctx).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});
