// Ephemeral Postgres login roles. Sessions start as the stable owner role (ALTER ROLE … SET role),
// so every object a migration creates belongs to that role from the start; on revocation what is
// left (owned by the login role itself after SET ROLE NONE) is reassigned to it before DROP OWNED,
// so revocation never destroys migration results.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { BrokerSetupError } from '../errors/guardrail-error.js';
import type { TargetConfig } from './config.js';
import { parseRoleName } from './role-name.js';
import { scramVerifier } from './secrets.js';
import { type DropResult, type LoginSpec, likePrefix, type RoleStore } from './store.js';

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

export class PostgresRoleStore implements RoleStore {
  private readonly pool: pg.Pool;

  constructor(
    target: TargetConfig,
    private readonly prefix: string,
  ) {
    this.pool = new pg.Pool({
      connectionString: target.adminDsn,
      max: 4,
      idleTimeoutMillis: 30_000,
      ...(target.adminCaFile ? { ssl: { ca: readFileSync(target.adminCaFile, 'utf8') } } : {}),
    });
    // An idle pooled connection that dies (server restart) must not crash the broker.
    this.pool.on('error', () => undefined);
  }

  async create(spec: LoginSpec): Promise<void> {
    const owner = spec.ownerRole ?? spec.role;
    const c = await this.pool.connect();
    try {
      const { rows } = await c.query<{ rolname: string; rolsuper: boolean }>(
        'SELECT rolname, rolsuper FROM pg_roles WHERE rolname = ANY($1)',
        [[spec.role, owner]],
      );
      for (const r of [spec.role, owner]) {
        const row = rows.find((x) => x.rolname === r);
        if (!row) throw new BrokerSetupError(`role "${r}" does not exist in the target database`);
        if (row.rolsuper)
          throw new BrokerSetupError(`role "${r}" is a superuser; bindings must name least-privilege roles`);
      }
      const members = [...new Set([spec.role, owner])].map(ident).join(', ');
      await c.query('BEGIN');
      await c.query(
        `CREATE ROLE ${ident(spec.name)} WITH LOGIN INHERIT PASSWORD ${literal(scramVerifier(spec.password))} ` +
          `VALID UNTIL ${literal(spec.expiresAt.toISOString())} IN ROLE ${members}`,
      );
      await c.query(`ALTER ROLE ${ident(spec.name)} SET role = ${literal(owner)}`);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async drop(name: string): Promise<DropResult> {
    const c = await this.pool.connect();
    // Serialises replicas on this role: the second one finds it gone and reports existed: false.
    const key = `guardrail-role:${name}`;
    try {
      await c.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      const { rows } = await c.query<{ owner: string | null; member_of: string | null }>(
        `SELECT (SELECT substr(cfg, 6) FROM pg_db_role_setting s, unnest(s.setconfig) cfg
                  WHERE s.setrole = r.oid AND s.setdatabase = 0 AND cfg LIKE 'role=%' LIMIT 1) AS owner,
                (SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                  WHERE m.member = r.oid ORDER BY g.rolname LIMIT 1) AS member_of
           FROM pg_roles r WHERE r.rolname = $1`,
        [name],
      );
      const row = rows[0];
      if (!row) return { existed: false, sessions: 0, notes: [] };
      const heir = row.owner ?? row.member_of;
      await c.query(`ALTER ROLE ${ident(name)} NOLOGIN`);
      const killed = await c.query(
        'SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await c.query('BEGIN');
      if (heir) await c.query(`REASSIGN OWNED BY ${ident(name)} TO ${ident(heir)}`);
      await c.query(`DROP OWNED BY ${ident(name)}`);
      await c.query(`DROP ROLE IF EXISTS ${ident(name)}`);
      await c.query('COMMIT');
      return {
        existed: true,
        sessions: killed.rowCount ?? 0,
        notes: heir ? [`objects reassigned to ${heir}`] : ['no owner role found: owned objects dropped'],
      };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => undefined);
      c.release();
    }
  }

  async expired(cutoff: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname LIKE $1 AND rolvaliduntil < $2 ORDER BY rolname',
      [likePrefix(this.prefix), cutoff.toISOString()],
    );
    return rows.map((r) => r.rolname).filter((n) => parseRoleName(this.prefix, n));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
