// A gateway with the real context (analyzer, policy, masking) and a side connection to the same
// server, in front of a throwaway PostgreSQL or MariaDB: what the action's daemon runs.

import type { ApprovalChannel, JobInfo } from '../../src/approvals/types.js';
import { createGatewayContext } from '../../src/gateway/context.js';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import type { Mode, Policy } from '../../src/policy/types.js';
import type { Recorder } from '../../src/transcript/recorder.js';
import type { MariaDbServer } from './mariadb-server.js';
import type { PgServer } from './pg-server.js';

export interface SideGateway {
  gateway: GatewayHandle;
  /** Closes the gateway, then its side connection. */
  close(): Promise<void>;
}

export interface SideGatewayOptions {
  policy: Policy;
  recorder: Recorder;
  mode?: Mode;
  approvals?: ApprovalChannel;
  approvalTimeoutMs?: number;
  job?: JobInfo;
}

export async function pgGatewayWithSide(server: PgServer, o: SideGatewayOptions): Promise<SideGateway> {
  const side = postgresSide(server.url());
  const context = await createGatewayContext({
    ...o,
    dialect: 'postgres',
    side: { dialect: 'postgres', connection: side },
    database: { name: server.database, host: `${server.host}:${server.port}`, role: server.user },
  });
  const gateway = await startPostgresGateway({
    upstream: server.url(),
    context,
    masking: context.masking,
    catalog: side,
  });
  return { gateway, close: () => gateway.close('test done').finally(() => side.close()) };
}

export async function mysqlGatewayWithSide(db: MariaDbServer, o: SideGatewayOptions): Promise<SideGateway> {
  const url = `${db.url()}?ssl-mode=disable`;
  const side = mysqlSide(url);
  const context = await createGatewayContext({
    ...o,
    dialect: 'mysql',
    side: { dialect: 'mysql', connection: side },
    database: { name: db.database, host: db.host, role: db.user },
  });
  const gateway = await startMysqlGateway({ upstream: url, context, catalog: side, tls: false });
  return { gateway, close: () => gateway.close('test done').finally(() => side.close()) };
}

/** A mysql2 connection to the gateway with its own credentials (no TLS). */
export function connectThrough(db: MariaDbServer, gateway: GatewayHandle, database?: string) {
  return db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ...(database ? { database } : {}),
    ssl: undefined,
  });
}
