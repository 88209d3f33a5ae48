// broker.yml: parsed with the yaml package and checked field by field, so a mistake is reported
// with its path and line instead of surfacing later as a refused job or, worse, an open binding.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import { CLAIM_NAMES, type ClaimName } from './bindings.js';

export type Dialect = 'postgres' | 'mysql';

export interface TargetConfig {
  name: string;
  dialect: Dialect;
  /** Admin connection URL, resolved from the environment or a file: never written in broker.yml. */
  adminDsn: string;
  /** CA that signed the database's certificate, for the admin connection. */
  adminCaFile?: string;
  /** Where jobs connect; defaults to the admin DSN's host, port and database. */
  host: string;
  port: number;
  database: string;
}

export interface BindingConfig {
  name: string;
  target: string;
  /** Least-privilege group role the login role is a member of. */
  role: string;
  /** Stable role that owns what the job creates (Postgres); objects are reassigned to it on revoke. */
  ownerRole?: string;
  ttlSeconds: number;
  claims: Partial<Record<ClaimName, string[]>>;
}

export interface BrokerConfig {
  listen: { host: string; port: number; tls?: { certFile: string; keyFile: string } };
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  rolePrefix: string;
  maxTtlSeconds: number;
  /** HMAC key for revocation tokens; shared by replicas. Random per process when absent. */
  revocationKey?: string;
  sweepIntervalSeconds: number;
  rateLimit: { burst: number; perMinute: number };
  /** Audit log file, or "-" for standard output. */
  audit: string;
  targets: Map<string, TargetConfig>;
  bindings: BindingConfig[];
}

export class ConfigError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BROKER_CONFIG';
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ROLE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  const m = typeof v === 'string' ? /^(\d+)\s*(s|m|h)$/.exec(v.trim()) : null;
  if (!m) return undefined;
  const n = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
  return n > 0 ? n : undefined;
}

export function loadBrokerConfig(file: string, env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read broker config ${file}: ${(err as Error).message}`);
  }
  return parseBrokerConfig(text, file, env);
}

export function parseBrokerConfig(
  text: string,
  file = 'broker.yml',
  env: NodeJS.ProcessEnv = process.env,
): BrokerConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const { line, col } = lines.linePos(e.pos[0]);
    throw new ConfigError(`${file}:${line}:${col}: ${e.message.split('\n')[0]}`);
  }
  const root = doc.toJS() as unknown;
  const fail = (path: (string | number)[], msg: string): never => {
    const node = doc.getIn(path, true) as { range?: [number, number] } | undefined;
    const at = node?.range ? `:${lines.linePos(node.range[0]).line}` : '';
    throw new ConfigError(`${file}${at}: ${path.join('.') || '(top level)'}: ${msg}`);
  };
  const obj = (v: unknown, path: (string | number)[], known: string[]): Record<string, unknown> => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be a mapping');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!known.includes(k)) fail([...path, k], `unknown key (expected one of ${known.join(', ')})`);
    return o;
  };
  const str = (v: unknown, path: (string | number)[], re?: RegExp): string => {
    if (typeof v !== 'string' || v === '') fail(path, 'must be a non-empty string');
    if (re && !re.test(v as string)) fail(path, `"${v}" does not match ${re}`);
    return v as string;
  };
  const int = (v: unknown, path: (string | number)[], min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      fail(path, `must be an integer from ${min} to ${max}`);
    return v as number;
  };
  const dur = (v: unknown, path: (string | number)[]): number =>
    parseDuration(v) ?? fail(path, 'must be a duration like 90s, 30m or 2h');
  const secret = (v: unknown, path: (string | number)[]): string => {
    const o = obj(v, path, ['env', 'file']);
    if ((o.env === undefined) === (o.file === undefined))
      fail(path, 'give exactly one of env (a variable name) or file (a path)');
    if (o.env !== undefined) {
      const name = str(o.env, [...path, 'env'], /^[A-Za-z_][A-Za-z0-9_]*$/);
      const value = env[name];
      if (!value) fail([...path, 'env'], `environment variable ${name} is not set`);
      return value as string;
    }
    const f = str(o.file, [...path, 'file']);
    try {
      return readFileSync(f, 'utf8').trim();
    } catch (err) {
      return fail([...path, 'file'], `cannot read: ${(err as Error).message}`);
    }
  };

  const top = obj(
    root ?? {},
    [],
    [
      'listen',
      'issuer',
      'audience',
      'clock-tolerance',
      'role-prefix',
      'max-ttl',
      'revocation-key',
      'sweep-interval',
      'rate-limit',
      'audit',
      'targets',
      'bindings',
    ],
  );
  const listen = obj(top.listen ?? {}, ['listen'], ['host', 'port', 'tls']);
  let tls: BrokerConfig['listen']['tls'];
  if (listen.tls !== undefined) {
    const t = obj(listen.tls, ['listen', 'tls'], ['cert', 'key']);
    tls = { certFile: str(t.cert, ['listen', 'tls', 'cert']), keyFile: str(t.key, ['listen', 'tls', 'key']) };
  }
  const issuer = str(top.issuer, ['issuer']);
  if (!/^https?:\/\/[^/]+/.test(issuer) || issuer.endsWith('/'))
    fail(['issuer'], "must be an http(s) URL without a trailing slash, exactly as the tokens' iss claim");
  const maxTtl = top['max-ttl'] === undefined ? 7200 : dur(top['max-ttl'], ['max-ttl']);
  const rl = obj(top['rate-limit'] ?? {}, ['rate-limit'], ['burst', 'per-minute']);

  const targets = new Map<string, TargetConfig>();
  const rawTargets = obj(top.targets, ['targets'], Object.keys((top.targets as object) ?? {}));
  if (!Object.keys(rawTargets).length) fail(['targets'], 'name at least one target');
  for (const [name, raw] of Object.entries(rawTargets)) {
    const p = ['targets', name];
    if (!NAME.test(name)) fail(p, `target names use a-z, 0-9, _ and - (got "${name}")`);
    const t = obj(raw, p, ['dialect', 'admin', 'admin-ca-file', 'host', 'port', 'database']);
    if (t.dialect !== 'postgres' && t.dialect !== 'mysql')
      fail([...p, 'dialect'], 'must be postgres or mysql');
    const dialect = t.dialect as Dialect;
    const adminDsn = secret(t.admin, [...p, 'admin']);
    let dsn: URL;
    try {
      dsn = new URL(adminDsn);
    } catch {
      return fail([...p, 'admin'], 'the admin connection is not a URL (postgres://… or mysql://…)');
    }
    targets.set(name, {
      name,
      dialect,
      adminDsn,
      ...(t['admin-ca-file'] !== undefined
        ? { adminCaFile: str(t['admin-ca-file'], [...p, 'admin-ca-file']) }
        : {}),
      host: t.host === undefined ? dsn.hostname : str(t.host, [...p, 'host']),
      port:
        t.port === undefined
          ? Number(dsn.port || (dialect === 'postgres' ? 5432 : 3306))
          : int(t.port, [...p, 'port'], 1, 65535),
      database:
        t.database === undefined
          ? decodeURIComponent(dsn.pathname.slice(1)) ||
            fail([...p, 'database'], 'give the database (the admin DSN names none)')
          : str(t.database, [...p, 'database']),
    });
  }

  if (!Array.isArray(top.bindings) || !top.bindings.length)
    fail(['bindings'], 'must be a list with at least one binding');
  const names = new Set<string>();
  const bindings = (top.bindings as unknown[]).map((raw, i): BindingConfig => {
    const p = ['bindings', i];
    const b = obj(raw, p, ['name', 'target', 'role', 'owner-role', 'ttl', 'claims']);
    const name = str(b.name, [...p, 'name'], NAME);
    if (names.has(name)) fail([...p, 'name'], `binding "${name}" is defined twice`);
    names.add(name);
    const target = str(b.target, [...p, 'target']);
    if (!targets.has(target)) fail([...p, 'target'], `no target named "${target}"`);
    const ttl = b.ttl === undefined ? Math.min(3600, maxTtl) : dur(b.ttl, [...p, 'ttl']);
    if (ttl > maxTtl) fail([...p, 'ttl'], `exceeds max-ttl (${maxTtl}s)`);
    const c = obj(b.claims, [...p, 'claims'], [...CLAIM_NAMES]);
    const claims: BindingConfig['claims'] = {};
    for (const [k, v] of Object.entries(c) as [ClaimName, unknown][]) {
      const values = Array.isArray(v) ? v : [v];
      if (!values.length) fail([...p, 'claims', k], 'give at least one value');
      claims[k] = values.map((x, j) => {
        const at = Array.isArray(v) ? [...p, 'claims', k, j] : [...p, 'claims', k];
        if (k === 'repository_id' || k === 'repository_owner_id') {
          // Numeric ids: names can be renamed and re-registered by someone else.
          if (
            !(typeof x === 'number' && Number.isSafeInteger(x) && x > 0) &&
            !(typeof x === 'string' && /^[1-9]\d*$/.test(x))
          )
            fail(at, 'must be the numeric id (see the repository_id claim or the REST API), not a name');
          return String(x);
        }
        return str(x, at);
      });
    }
    if (!claims.repository_id && !claims.repository_owner_id)
      fail(
        [...p, 'claims'],
        'must bind repository_id or repository_owner_id; a binding without either would match any repository',
      );
    const ownerRole =
      b['owner-role'] === undefined ? undefined : str(b['owner-role'], [...p, 'owner-role'], ROLE);
    return {
      name,
      target,
      role: str(b.role, [...p, 'role'], ROLE),
      ...(ownerRole ? { ownerRole } : {}),
      ttlSeconds: ttl,
      claims,
    };
  });

  return {
    listen: {
      host: listen.host === undefined ? '127.0.0.1' : str(listen.host, ['listen', 'host']),
      port: listen.port === undefined ? 8443 : int(listen.port, ['listen', 'port'], 0, 65535),
      ...(tls ? { tls } : {}),
    },
    issuer,
    audience: str(top.audience, ['audience']),
    clockToleranceSeconds:
      top['clock-tolerance'] === undefined ? 30 : dur(top['clock-tolerance'], ['clock-tolerance']),
    rolePrefix:
      top['role-prefix'] === undefined
        ? 'gr_'
        : str(top['role-prefix'], ['role-prefix'], /^[a-z][a-z0-9]{0,7}_$/),
    maxTtlSeconds: maxTtl,
    ...(top['revocation-key'] !== undefined
      ? { revocationKey: secret(top['revocation-key'], ['revocation-key']) }
      : {}),
    sweepIntervalSeconds:
      top['sweep-interval'] === undefined ? 300 : dur(top['sweep-interval'], ['sweep-interval']),
    rateLimit: {
      burst: rl.burst === undefined ? 10 : int(rl.burst, ['rate-limit', 'burst'], 1, 10_000),
      perMinute:
        rl['per-minute'] === undefined ? 30 : int(rl['per-minute'], ['rate-limit', 'per-minute'], 1, 100_000),
    },
    audit: top.audit === undefined ? '-' : str(top.audit, ['audit']),
    targets,
    bindings,
  };
}
