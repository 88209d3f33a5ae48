// JSON over HTTP(S) for the providers: undici with an optional private CA, bounded bodies, and
// errors that name the endpoint and status but never echo request bodies (they carry tokens).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { CredentialsError, type GuardrailErrorCode } from '../errors/guardrail-error.js';

export interface HttpOptions {
  /** PEM file of the CA that signed the service's certificate (private PKI). */
  caFile?: string;
  timeoutMs?: number;
}

/** A service answered, but not as hoped; `status` lets callers tell refusal from outage. */
export class HttpError extends CredentialsError {
  static override readonly code: GuardrailErrorCode = 'ERR_CREDENTIALS_HTTP';

  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

const agents = new Map<string, Agent>();

function agentFor(opts: HttpOptions): Agent | undefined {
  if (!opts.caFile) return undefined;
  let agent = agents.get(opts.caFile);
  if (!agent) {
    agent = new Agent({ connect: { ca: readFileSync(opts.caFile, 'utf8') } });
    agents.set(opts.caFile, agent);
  }
  return agent;
}

const MAX_BODY = 1 << 20;

/** Sends one request and returns the status with the parsed JSON body (undefined when empty). */
export async function sendJson(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  opts: HttpOptions & { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const dispatcher = agentFor(opts);
  const res = await request(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    ...(dispatcher ? { dispatcher } : {}),
    headersTimeout: opts.timeoutMs ?? 30_000,
    bodyTimeout: opts.timeoutMs ?? 30_000,
  });
  let text = '';
  for await (const chunk of res.body) {
    text += chunk.toString();
    if (text.length > MAX_BODY) {
      res.body.destroy();
      throw new HttpError(
        `${method} ${endpoint(url)}: response larger than ${MAX_BODY} bytes`,
        res.statusCode,
      );
    }
  }
  let body: unknown;
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(
        `${method} ${endpoint(url)}: answered ${res.statusCode} with a body that is not JSON`,
        res.statusCode,
      );
    }
  }
  return { status: res.statusCode, body };
}

/** The URL without query string or credentials, safe to put in a message. */
export function endpoint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** The service's own explanation from a JSON error body (broker {error,message}, Vault {errors:[…]}). */
export function serviceMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; message?: unknown; errors?: unknown };
    if (typeof b.message === 'string')
      return typeof b.error === 'string' ? `${b.error}: ${b.message}` : b.message;
    if (Array.isArray(b.errors) && b.errors.length) return b.errors.map(String).join('; ');
  }
  return 'no explanation in the response';
}
