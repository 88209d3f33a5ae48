// Reads and validates every input of action.yml before anything starts. All problems are
// reported together, each naming the input and what is accepted. Secret inputs are masked as
// soon as they are read and never appear in a message.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as core from '@actions/core';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import { UPSTREAM_SSL_MODES, type UpstreamSslMode } from '../gateway/daemon-contract.js';
import { DEFAULT_MAX_CLIENTS } from '../gateway/handle.js';
import { DEFAULT_POLICY_PATH } from '../policy/defaults.js';
import { parseDuration } from '../policy/parse.js';
import type { Mode } from '../policy/types.js';
import type { Dialect } from '../sql/types.js';

/** setTimeout cannot wait longer than 2^31-1 ms; a day is far beyond any job anyway. */
const MAX_APPROVAL_TIMEOUT_MS = 24 * 3600_000;

export type CredentialsInput =
  | { kind: 'broker'; url: string /** Absolute path of a PEM CA bundle. */; caFile?: string }
  | { kind: 'vault'; url: string; role: string; authPath: string; mount: string; credsRole: string }
  | { kind: 'static'; dsn: string };

export interface Upstream {
  host: string;
  port: number;
  database: string;
}

export interface ActionInputs {
  database: Dialect;
  upstream: Upstream;
  upstreamSslMode: UpstreamSslMode;
  credentials: CredentialsInput;
  /** What the broker binding or Vault role is looked up by; default the upstream database. */
  target: string;
  /** OIDC audience; empty for static credentials. */
  audience: string;
  /** `explicit`: named by the `policy` input, so a missing file is an error, not the default policy. */
  policy: { path: string; exists: boolean; explicit: boolean };
  /** Absent: the policy file's `mode` decides (enforce when the file names none). */
  mode?: Mode;
  githubToken?: string;
  migrations: string[];
  approvalTimeoutMs?: number;
  /** 0: any free port. */
  listenPort: number;
  /** Client connections the gateway serves at once. */
  maxConnections: number;
  transcriptName?: string;
  exportEnv: boolean;
}

export interface InputSource {
  /** The input's value, trimmed; '' when unset. */
  get(name: string): string;
  /** Registers a secret so the runner masks it in the log. */
  mask(secret: string): void;
  /** GITHUB_WORKSPACE: relative paths are resolved against it. */
  workspace: string;
}

export function actionInputSource(): InputSource {
  return {
    get: (name) => core.getInput(name),
    mask: (secret) => core.setSecret(secret),
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}

export class InputError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_ACTION_INPUT';

  constructor(readonly problems: string[]) {
    super(`invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SCHEMES: Record<Dialect, string[]> = {
  postgres: ['postgres', 'postgresql'],
  mysql: ['mysql', 'mariadb'],
};
const DEFAULT_PORTS: Record<Dialect, number> = { postgres: 5432, mysql: 3306 };
const CREDENTIAL_SETTINGS: Record<CredentialsInput['kind'], string[]> = {
  broker: ['broker-url', 'broker-ca'],
  vault: ['vault-url', 'vault-role', 'vault-auth-path', 'vault-mount', 'vault-creds-role'],
  static: ['static-dsn'],
};
const ARTIFACT_NAME_FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];
const HOSTNAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function oneOf<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
  problems: string[],
): T | undefined {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${name}: '${value}' is not one of ${allowed.join(', ')}`);
  return undefined;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function validHost(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return /^[0-9A-Fa-f:.]+$/.test(host.slice(1, -1));
  return HOSTNAME.test(host);
}

/** `host[:port]/database` or `<scheme>://host[:port]/database`, without credentials or options. */
export function parseUpstream(text: string, dialect: Dialect): Upstream | string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  let rest = text;
  if (scheme) {
    if (!SCHEMES[dialect].includes(scheme)) {
      return `the scheme ${scheme}:// does not match database ${dialect} (use ${SCHEMES[dialect].join(':// or ')}://)`;
    }
    rest = text.slice(scheme.length + 3);
  }
  if (rest.includes('@')) {
    return 'must not contain a user or password: credentials come from the credentials input';
  }
  if (/[?#]/.test(rest)) return 'query parameters and fragments are not supported';
  const slash = rest.indexOf('/');
  if (slash < 0 || slash === rest.length - 1) return 'names no database: expected host:port/database';
  const hostPort = rest.slice(0, slash);
  const database = safeDecode(rest.slice(slash + 1));
  if (database === undefined) return 'the database name has a malformed %-escape';
  if (database.includes('/')) return 'database name must not contain /';
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(hostPort);
  const host = m?.[1] ?? '';
  if (!validHost(host)) return `'${host}' is not a host name or IP address`;
  const port = m?.[2] === undefined ? DEFAULT_PORTS[dialect] : parsePort(m[2]);
  if (port === undefined) return `port '${m?.[2]}' is not a number between 1 and 65535`;
  return { host: host.toLowerCase(), port, database };
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A service URL: https, or http on loopback (a local emulator or sidecar); no credentials. */
function serviceUrl(name: string, text: string, problems: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${name}: '${text}' is not a URL`);
    return undefined;
  }
  if (url.username || url.password) {
    problems.push(`${name}: must not contain a user or password`);
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    problems.push(`${name}: must use https:// (http:// only for localhost)`);
    return undefined;
  }
  return url.href.replace(/\/$/, '');
}

function parseBoolean(name: string, text: string, problems: string[]): boolean | undefined {
  // The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  problems.push(`${name}: '${text}' is not true or false`);
  return undefined;
}

/** The broker's CA bundle: a PEM file in the workspace, as the credential providers take it. */
function readCaFile(text: string, workspace: string, problems: string[]): string | undefined {
  const path = resolve(workspace, text);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`broker-ca: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return undefined;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push(`broker-ca: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  return path;
}

function readStaticDsn(dsn: string, dialect: Dialect, upstream: Upstream | undefined, problems: string[]) {
  // The message never quotes the DSN: it holds a password.
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    problems.push('static-dsn: is not a URL like postgres://user:password@host:port/database');
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1);
  if (!SCHEMES[dialect].includes(scheme)) {
    problems.push(`static-dsn: the scheme ${scheme}:// does not match database ${dialect}`);
    return undefined;
  }
  if (!url.username || !url.password) {
    problems.push('static-dsn: must contain both a user and a password');
    return undefined;
  }
  const named = parseUpstream(`${url.host}${url.pathname}`, dialect);
  if (typeof named === 'string') {
    problems.push(`static-dsn: host and database: ${named}`);
    return undefined;
  }
  if (
    upstream &&
    (named.host !== upstream.host || named.port !== upstream.port || named.database !== upstream.database)
  ) {
    problems.push('static-dsn: names a different host, port or database than upstream');
    return undefined;
  }
  return dsn;
}

function readCredentials(
  src: InputSource,
  dialect: Dialect | undefined,
  upstream: Upstream | undefined,
  problems: string[],
): CredentialsInput | undefined {
  const kind = oneOf('credentials', src.get('credentials'), ['broker', 'vault', 'static'] as const, problems);
  if (!kind) return undefined;
  for (const [other, settings] of Object.entries(CREDENTIAL_SETTINGS)) {
    if (other === kind) continue;
    for (const setting of settings) {
      if (src.get(setting) !== '')
        problems.push(`${setting}: is set, but credentials is ${kind}, not ${other}`);
    }
  }
  const required = (name: string): string | undefined => {
    const v = src.get(name);
    if (v === '') problems.push(`${name}: required when credentials is ${kind}`);
    return v || undefined;
  };
  if (kind === 'broker') {
    const raw = required('broker-url');
    const url = raw && serviceUrl('broker-url', raw, problems);
    const caText = src.get('broker-ca');
    const caFile = caText ? readCaFile(caText, src.workspace, problems) : undefined;
    return url ? { kind, url, ...(caFile ? { caFile } : {}) } : undefined;
  }
  if (kind === 'vault') {
    const raw = required('vault-url');
    const url = raw && serviceUrl('vault-url', raw, problems);
    const role = required('vault-role');
    const path = (name: string, fallback: string): string | undefined => {
      const v = (src.get(name) || fallback).replace(/^\/+|\/+$/g, '');
      if (/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/.test(v)) return v;
      problems.push(`${name}: '${v}' is not a Vault path (letters, digits, _ . - separated by /)`);
      return undefined;
    };
    const authPath = path('vault-auth-path', 'jwt');
    const mount = path('vault-mount', 'database');
    const credsRole = role ? path('vault-creds-role', role) : undefined;
    return url && role && authPath && mount && credsRole
      ? { kind, url, role, authPath, mount, credsRole }
      : undefined;
  }
  const dsn = required('static-dsn');
  if (!dsn) return undefined;
  src.mask(dsn);
  const password = URL.canParse(dsn) ? new URL(dsn).password : '';
  if (password) {
    src.mask(password);
    const decoded = safeDecode(password);
    if (decoded && decoded !== password) src.mask(decoded);
  }
  if (!dialect) return undefined;
  const checked = readStaticDsn(dsn, dialect, upstream, problems);
  return checked ? { kind, dsn: checked } : undefined;
}

export function readInputs(src: InputSource = actionInputSource()): ActionInputs {
  const problems: string[] = [];
  const token = src.get('github-token');
  if (token) src.mask(token);

  const database = oneOf('database', src.get('database'), ['postgres', 'mysql'] as const, problems);
  let upstream: Upstream | undefined;
  const upstreamText = src.get('upstream');
  if (upstreamText === '') problems.push('upstream: required, e.g. db.internal:5432/app');
  else if (database) {
    const parsed = parseUpstream(upstreamText, database);
    if (typeof parsed === 'string') problems.push(`upstream: ${parsed}`);
    else upstream = parsed;
  }
  const upstreamSslMode = oneOf(
    'upstream-sslmode',
    src.get('upstream-sslmode') || 'prefer',
    UPSTREAM_SSL_MODES,
    problems,
  );
  const credentials = readCredentials(src, database, upstream, problems);
  const target = src.get('target');
  if (target && credentials?.kind === 'static') {
    problems.push('target: only used with credentials broker or vault');
  }

  let audience = src.get('audience');
  if (credentials?.kind === 'static' && audience) {
    problems.push('audience: only used with credentials broker or vault');
  } else if (!audience && credentials && credentials.kind !== 'static') {
    // A token minted for this service's origin cannot be replayed against another service.
    audience = new URL(credentials.url).origin;
  }

  const policyText = src.get('policy');
  const policyPath = resolve(src.workspace, policyText || DEFAULT_POLICY_PATH);
  const policy = { path: policyPath, exists: existsSync(policyPath), explicit: policyText !== '' };
  if (policy.explicit && !policy.exists) {
    problems.push(
      `policy: ${policyText} does not exist (leave the input empty to use ${DEFAULT_POLICY_PATH})`,
    );
  }

  const modeText = src.get('mode');
  const mode = modeText
    ? oneOf('mode', modeText, ['enforce', 'audit', 'dry-run'] as const, problems)
    : undefined;

  const migrations = src
    .get('migrations')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const glob of migrations) {
    if (isAbsolute(glob) || glob.split('/').includes('..')) {
      problems.push(`migrations: '${glob}' must be a path inside the workspace`);
    }
  }

  let approvalTimeoutMs: number | undefined;
  const timeoutText = src.get('approval-timeout');
  if (timeoutText) {
    approvalTimeoutMs = parseDuration(timeoutText);
    if (
      approvalTimeoutMs === undefined ||
      approvalTimeoutMs < 1000 ||
      approvalTimeoutMs > MAX_APPROVAL_TIMEOUT_MS
    ) {
      problems.push(
        `approval-timeout: '${timeoutText}' is not a duration between 1s and 24h, like 90s, 30m, 2h, 1h30m`,
      );
    }
  }

  const portText = src.get('listen-port') || '0';
  const listenPort = portText === '0' ? 0 : parsePort(portText);
  if (listenPort === undefined)
    problems.push(`listen-port: '${portText}' is not 0 or a port between 1 and 65535`);

  const capText = src.get('max-connections') || String(DEFAULT_MAX_CLIENTS);
  const maxConnections = /^\d{1,5}$/.test(capText) ? Number(capText) : 0;
  if (maxConnections < 1 || maxConnections > 10_000)
    problems.push(`max-connections: '${capText}' is not a number of connections between 1 and 10000`);

  const transcriptName = src.get('transcript-name') || undefined;
  const badChar = ARTIFACT_NAME_FORBIDDEN.find((c) => transcriptName?.includes(c));
  if (badChar) {
    problems.push(
      `transcript-name: must not contain ${JSON.stringify(badChar)} (artifact names exclude " : < > | * ? \\ / and line breaks)`,
    );
  }

  const exportEnv = parseBoolean('export-env', src.get('export-env') || 'false', problems);
  // Read by the post step; checked here so a typo fails the job before anything starts.
  const attest = src.get('attest') || 'auto';
  if (!['auto', 'true', 'false'].includes(attest))
    problems.push(`attest: '${attest}' is not auto, true or false`);

  if (problems.length > 0) throw new InputError(problems);
  return {
    database: database!,
    upstream: upstream!,
    upstreamSslMode: upstreamSslMode!,
    credentials: credentials!,
    target: target || upstream!.database,
    audience,
    policy,
    ...(mode ? { mode } : {}),
    ...(token ? { githubToken: token } : {}),
    migrations,
    ...(approvalTimeoutMs ? { approvalTimeoutMs } : {}),
    listenPort: listenPort!,
    maxConnections,
    ...(transcriptName ? { transcriptName } : {}),
    exportEnv: exportEnv!,
  };
}
