// The compat suites run the same driver scenario twice, straight against the server and through
// a gateway in `mode: audit`, and compare. The gateway is built as the action builds it (the
// real analyzer, the default policy, a side connection for estimates), so what differs between
// the two runs is the gateway's own doing.

import { createGatewayContext } from '../../src/gateway/context.js';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/gateway.js';
import { startPostgresGateway } from '../../src/gateway/postgres/server.js';
import { mysqlSide, postgresSide } from '../../src/gateway/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { Mode } from '../../src/policy/types.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import type { MariaDbServer } from '../support/mariadb-server.js';
import type { PgServer } from '../support/pg-server.js';

/** Where a driver connects: host, port and credentials, either the server's or the gateway's. */
export interface Target {
  name: 'direct' | 'gateway';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface AuditGateway {
  gateway: GatewayHandle;
  recorder: MemoryRecorder;
  targets: Target[];
  close(): Promise<void>;
}

/** `mode`: audit unless a scenario is about what enforcement answers (syntax errors). */
export async function auditPostgres(db: PgServer, mode: Mode = 'audit'): Promise<AuditGateway> {
  const recorder = new MemoryRecorder();
  const side = postgresSide(db.url());
  const context = await createGatewayContext({
    dialect: 'postgres',
    policy: defaultPolicy(),
    mode,
    recorder,
    database: { name: db.database, host: `${db.host}:${db.port}`, role: db.user },
    side: { dialect: 'postgres', connection: side },
  });
  const gateway = await startPostgresGateway({
    upstream: db.url(),
    context,
    masking: context.masking,
    catalog: side,
  });
  return withTargets(gateway, recorder, side, db);
}

export async function auditMysql(
  db: MariaDbServer,
  mode: Mode = 'audit',
): Promise<AuditGateway & { gateway: MysqlGateway }> {
  const recorder = new MemoryRecorder();
  const upstream = `${db.url()}?ssl-mode=disable`;
  const side = mysqlSide(upstream);
  const context = await createGatewayContext({
    dialect: 'mysql',
    policy: defaultPolicy(),
    mode,
    recorder,
    database: { name: db.database, host: `${db.host}:${db.port}`, role: db.user },
    side: { dialect: 'mysql', connection: side },
  });
  const gateway = await startMysqlGateway({
    upstream,
    context,
    catalog: side,
    authPlugin: 'mysql_native_password',
    tls: false,
  });
  return withTargets(gateway, recorder, side, db);
}

function withTargets<G extends GatewayHandle>(
  gateway: G,
  recorder: MemoryRecorder,
  side: { close(): Promise<void> },
  db: { host: string; port: number; user: string; password: string; database: string },
): AuditGateway & { gateway: G } {
  const direct: Target = {
    name: 'direct',
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
  };
  const through: Target = {
    name: 'gateway',
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    database: db.database,
  };
  return {
    gateway,
    recorder,
    targets: [direct, through],
    async close() {
      await gateway.close();
      await side.close();
    },
  };
}

/** Runs one scenario against every target and returns the results by target name. */
export async function onBoth<T>(
  targets: Target[],
  scenario: (t: Target) => Promise<T>,
): Promise<Record<Target['name'], T>> {
  const out = {} as Record<Target['name'], T>;
  // One after the other: scenarios create and drop their own objects.
  for (const t of targets) out[t.name] = await scenario(t);
  return out;
}
