// The broker's HTTP(S) interface: POST /v1/credentials, DELETE /v1/credentials/{lease},
// GET /healthz. Every error is JSON {error, message}; bodies are never logged.
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type Broker, BrokerError } from './broker.js';

const MAX_BODY = 64 * 1024;

export interface ServerOptions {
  tls?: { certFile: string; keyFile: string };
  /** Where unexpected errors are reported (the message only). */
  onError?: (message: string) => void;
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new BrokerError(413, 'too_large', `the request body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BrokerError(400, 'bad_request', 'the request body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new BrokerError(400, 'bad_request', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function createBrokerServer(broker: Broker, opts: ServerOptions = {}): Server {
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (path === '/healthz') {
        if (req.method !== 'GET') throw new BrokerError(405, 'method_not_allowed', 'use GET /healthz');
        return send(res, 200, { status: 'ok' });
      }
      if (path === '/v1/credentials') {
        if (req.method !== 'POST')
          throw new BrokerError(405, 'method_not_allowed', 'use POST /v1/credentials');
        const body = await readJson(req);
        return send(res, 201, await broker.issue(body.token, body.target));
      }
      if (path.startsWith('/v1/credentials/')) {
        if (req.method !== 'DELETE')
          throw new BrokerError(405, 'method_not_allowed', 'use DELETE /v1/credentials/{lease}');
        let lease: string;
        try {
          lease = decodeURIComponent(path.slice('/v1/credentials/'.length));
        } catch {
          throw new BrokerError(400, 'bad_request', 'the lease id is not valid URL encoding');
        }
        await broker.revoke(lease, req.headers.authorization);
        return send(res, 204);
      }
      throw new BrokerError(404, 'not_found', `no route ${req.method} ${path.slice(0, 100)}`);
    } catch (err) {
      if (err instanceof BrokerError) {
        return send(
          res,
          err.status,
          { error: err.reason, message: err.message },
          err.retryAfter ? { 'retry-after': String(err.retryAfter) } : {},
        );
      }
      opts.onError?.((err as Error).message);
      return send(res, 500, { error: 'internal', message: 'the broker failed; see its log' });
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch(() => res.destroy());
  };
  if (opts.tls) {
    return createHttpsServer(
      { cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) },
      listener,
    );
  }
  return createHttpServer(listener);
}
