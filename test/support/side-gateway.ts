// A gateway with a side connection (function catalog, impact estimates) in front of a throwaway
// server, under the default policy and with no approval channel: what needs review is refused.
import { type ContextOptions, createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import type { MysqlSide, PgSide } from '../../src/gateway/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { Recorder } from '../../src/transcript/recorder.js';
import type { MariaDbServer } from './mariadb-server.js';
import type { PgServer } from './pg-server.js';

export interface WithSide<G, S = PgSide | MysqlSide> {
  gateway: G;
  side: S;
  /** Closes the gateway, then the side connection. */
  close(): Promise<void>;
}

async function closeBoth(gateway: { close(): Promise<void> }, side: { close(): Promise<void> }) {
  await gateway.close();
  await side.close();
}

export async function postgresWithSide(
  server: PgServer,
  recorder: Recorder,
  extra: Partial<ContextOptions> = {},
): Promise<WithSide<PostgresGateway, PgSide>> {
  const side = postgresSide(server.url());
  const context = await createGatewayContext({
    dialect: 'postgres',
    policy: defaultPolicy(),
    recorder,
    database: { name: 'postgres', host: server.host, role: server.user },
    side: { dialect: 'postgres', connection: side },
    ...extra,
  });
  const gateway = await startPostgresGateway({ upstream: server.url(), context });
  return { gateway, side, close: () => closeBoth(gateway, side) };
}

export async function mysqlWithSide(
  db: MariaDbServer,
  recorder: Recorder,
  extra: Partial<ContextOptions> = {},
): Promise<WithSide<MysqlGateway, MysqlSide>> {
  const side = mysqlSide(db.url());
  const context = await createGatewayContext({
    dialect: 'mysql',
    policy: defaultPolicy(),
    recorder,
    database: { name: 'app', host: db.host, role: db.user },
    side: { dialect: 'mysql', connection: side },
    ...extra,
  });
  const gateway = await startMysqlGateway({ upstream: db.url(), context });
  return { gateway, side, close: () => closeBoth(gateway, side) };
}
