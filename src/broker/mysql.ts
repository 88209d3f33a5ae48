// Ephemeral MariaDB/MySQL users. MariaDB has no VALID UNTIL, so the expiry lives in the user name
// (see role-name.ts) and the sweeper reads it back. Tables survive DROP USER; views, routines,
// triggers and events whose DEFINER was the user do not work afterwards, so revocation reports
// them in the audit log.
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { TargetConfig } from './config.js';
import { parseRoleName } from './role-name.js';
import { mysqlNativeHash } from './secrets.js';
import { type DropResult, type LoginSpec, likePrefix, type RoleStore } from './store.js';

const ident = (s: string) => `\`${s.replace(/`/g, '``')}\``;
const account = (name: string) => `${mysql.escape(name)}@'%'`;
const ER_NO_SUCH_THREAD = 1094;

export class MysqlRoleStore implements RoleStore {
  private readonly pool: mysql.Pool;
  private mariadb: Promise<boolean> | undefined;

  constructor(
    target: TargetConfig,
    private readonly prefix: string,
  ) {
    const u = new URL(target.adminDsn);
    this.pool = mysql.createPool({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1)) || undefined,
      connectionLimit: 4,
      ...(target.adminCaFile ? { ssl: { ca: readFileSync(target.adminCaFile, 'utf8') } } : {}),
    });
  }

  private isMariaDb(): Promise<boolean> {
    this.mariadb ??= this.pool
      .query('SELECT VERSION() AS v')
      .then(([rows]) => /mariadb/i.test(String((rows as { v: string }[])[0]?.v)));
    return this.mariadb;
  }

  async create(spec: LoginSpec): Promise<void> {
    // MariaDB accepts the hash, keeping the password out of its general log; MySQL 8 does not.
    const identified = (await this.isMariaDb())
      ? `IDENTIFIED BY PASSWORD ${mysql.escape(mysqlNativeHash(spec.password))}`
      : `IDENTIFIED BY ${mysql.escape(spec.password)}`;
    const c = await this.pool.getConnection();
    try {
      await c.query(`CREATE USER ${account(spec.name)} ${identified}`);
      await c.query(`GRANT ${ident(spec.role)} TO ${account(spec.name)}`);
      await c.query(`SET DEFAULT ROLE ${ident(spec.role)} FOR ${account(spec.name)}`);
    } catch (err) {
      await c.query(`DROP USER IF EXISTS ${account(spec.name)}`).catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async drop(name: string): Promise<DropResult> {
    const c = await this.pool.getConnection();
    const lock = `guardrail:${name}`;
    try {
      // Serialises replicas on this user: the second one finds it gone.
      await c.query('SELECT GET_LOCK(?, 30)', [lock]);
      const [found] = await c.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [name]);
      if (!(found as unknown[]).length) return { existed: false, sessions: 0, notes: [] };
      await c.query(`ALTER USER ${account(name)} ACCOUNT LOCK`);
      const [procs] = await c.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [
        name,
      ]);
      let sessions = 0;
      for (const { id } of procs as { id: number }[]) {
        try {
          await c.query(`KILL ${Number(id)}`);
          sessions++;
        } catch (err) {
          if ((err as { errno?: number }).errno !== ER_NO_SUCH_THREAD) throw err;
        }
      }
      await c.query(`DROP USER IF EXISTS ${account(name)}`);
      const definer = `${name}@%`;
      const [orphans] = await c.query(
        `SELECT CONCAT('view ', TABLE_SCHEMA, '.', TABLE_NAME) AS o FROM information_schema.VIEWS WHERE DEFINER = ?
         UNION ALL SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_SCHEMA, '.', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE DEFINER = ?
         UNION ALL SELECT CONCAT('trigger ', TRIGGER_SCHEMA, '.', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE DEFINER = ?
         UNION ALL SELECT CONCAT('event ', EVENT_SCHEMA, '.', EVENT_NAME) FROM information_schema.EVENTS WHERE DEFINER = ?`,
        [definer, definer, definer, definer],
      );
      const notes = (orphans as { o: string }[]).map(
        (r) => `${r.o} has DEFINER ${definer}, which no longer exists`,
      );
      return { existed: true, sessions, notes };
    } finally {
      await c.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
      c.release();
    }
  }

  async expired(cutoff: Date): Promise<string[]> {
    const [rows] = await this.pool.query(
      "SELECT User AS u FROM mysql.user WHERE User LIKE ? AND Host = '%' ORDER BY User",
      [likePrefix(this.prefix)],
    );
    return (rows as { u: string | Buffer }[])
      .map((r) => parseRoleName(this.prefix, String(r.u)))
      .filter((r) => r !== undefined && r.expiresAt < cutoff)
      .map((r) => r!.name);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
