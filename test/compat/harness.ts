// The compat suites run the same driver scenario twice, straight against the server and through
// a gateway in `mode: audit`, and compare. The gateway is built as the action builds it (the
// real analyzer, the default policy, a side connection for estimates), so what differs between
// the two runs is the gateway's own doing.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayContext } from '../../src/gateway/context.js';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { Mode, Policy } from '../../src/policy/types.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import type { MariaDbServer } from '../support/mariadb-server.js';
import type { PgServer } from '../support/pg-server.js';
import type { TestCa } from '../support/tls.js';

/** Where a driver connects: host, port and credentials, either the server's or the gateway's. */
export interface Target {
  name: 'direct' | 'gateway';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The CA file a client verifies this target's TLS certificate with, when it offers TLS. */
  ca?: string;
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

/** `policy`: the default unless a scenario is about what a policy does (column masking). */
export async function auditMysql(
  db: MariaDbServer,
  mode: Mode = 'audit',
  policy: Policy = defaultPolicy(),
): Promise<AuditGateway & { gateway: MysqlGateway }> {
  const recorder = new MemoryRecorder();
  // TLS all the way when the server has it (the gateway verifies the server, clients the gateway).
  const upstream = db.ca
    ? `${db.url()}?ssl-mode=verify-full&ssl-ca=${encodeURIComponent(db.ca.caFile)}`
    : `${db.url()}?ssl-mode=disable`;
  const side = mysqlSide(upstream);
  const context = await createGatewayContext({
    dialect: 'mysql',
    policy,
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
    ...(db.ca ? {} : { tls: false }),
  });
  return withTargets(gateway, recorder, side, db);
}

function withTargets<G extends GatewayHandle>(
  gateway: G,
  recorder: MemoryRecorder,
  side: { close(): Promise<void> },
  db: { host: string; port: number; user: string; password: string; database: string; ca?: TestCa },
): AuditGateway & { gateway: G } {
  const direct: Target = {
    name: 'direct',
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    ...(db.ca ? { ca: db.ca.caFile } : {}),
  };
  const through: Target = {
    name: 'gateway',
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    database: db.database,
    ...(db.ca && gateway.certificate ? { ca: certificateFile(gateway.certificate) } : {}),
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

/** The gateway's certificate in a file, for clients that take a CA file. */
function certificateFile(pem: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'guardrail-compat-ca-')), 'gateway-ca.pem');
  writeFileSync(file, pem);
  return file;
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
