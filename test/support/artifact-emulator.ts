// The GitHub Actions artifact service as @actions/artifact 6.x talks to it, over real HTTP:
// - Twirp JSON calls to the results service (`ACTIONS_RESULTS_URL`):
//   POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact and …/FinalizeArtifact,
//   `Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>`, bodies with proto field names
//   (lib/generated/results/api/v1/artifact.twirp-client.js, lib/internal/upload/upload-artifact.js);
// - the Azure block-blob upload to the signed URL CreateArtifact returns, as @azure/storage-blob's
//   BlockBlobClient.uploadStream makes it: one `PUT ?comp=block&blockid=…` per 8 MiB block (201),
//   then `PUT ?comp=blocklist` with an XML <BlockList> (201, ETag, Last-Modified).
// Errors use the services' own shapes (Twirp `{code,msg}`, Azure `<Error><Code>`), so a client
// bug shows up as the error the real service would give.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, inflateRawSync } from 'node:zlib';

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';

export interface StoredArtifact {
  id: number;
  name: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  mimeType?: string;
  expiresAt?: string;
  /** Set by FinalizeArtifact. */
  finalized: boolean;
  size?: number;
  /** `sha256:<hex>` as the client reported it (and the emulator checked). */
  hash?: string;
  /** The committed blob: the zip the client uploaded. */
  blob?: Buffer;
}

export interface ArtifactEmulator {
  /** Origin of the results service, for ACTIONS_RESULTS_URL. */
  url: string;
  runtimeToken: string;
  /** ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, ready to merge into a step's environment. */
  env: Record<string, string>;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  artifacts(): StoredArtifact[];
  /** The files of a finalized artifact, unzipped: path inside the zip → bytes. */
  files(name: string): Map<string, Buffer>;
  /** Requests seen, as `METHOD path` (query dropped), in order. */
  requests: string[];
  close(): Promise<void>;
}

interface PendingBlob {
  blocks: Map<string, Buffer>;
  committed?: Buffer;
  etag?: string;
  lastModified?: Date;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A runtime token shaped like the runner's: a JWT whose `scp` claim carries
 * `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`, which the client decodes
 * (without verifying) to address the run and job. The emulator accepts only this exact token.
 */
function runtimeTokenFor(runId: string, jobId: string): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const now = Math.floor(Date.now() / 1000);
  const payload = base64url(
    JSON.stringify({
      scp: `Actions.ExampleScope Actions.Results:${runId}:${jobId}`,
      iss: 'vstoken.actions.githubusercontent.com',
      nbf: now - 60,
      exp: now + 6 * 3600,
    }),
  );
  const sig = createHmac('sha256', randomBytes(32)).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function twirpError(res: ServerResponse, status: number, code: string, msg: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, msg }));
}

function twirpOk(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function azureHeaders(): Record<string, string> {
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-11-05',
    date: new Date().toUTCString(),
  };
}

function azureError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { ...azureHeaders(), 'content-type': 'application/xml', 'x-ms-error-code': code });
  res.end(
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

/** Reads a zip: the central directory names every entry with its real sizes (streamed zips put
 *  zeros in the local headers), deflate (8) and stored (0) entries, CRC-32 checked. No zip64. */
export function unzip(zip: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end-of-central-directory record');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  if (p === 0xffffffff || entries === 0xffff) throw new Error('zip64 archives are not supported');
  const out = new Map<string, Buffer>();
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new Error(`${name}: compression method ${method} is not supported`);
    if (data.length !== size) throw new Error(`${name}: size ${data.length}, directory says ${size}`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC-32 mismatch`);
    out.set(name, data);
  }
  return out;
}

export async function startArtifactEmulator(): Promise<ArtifactEmulator> {
  const workflowRunBackendId = randomUUID();
  const workflowJobRunBackendId = randomUUID();
  const runtimeToken = runtimeTokenFor(workflowRunBackendId, workflowJobRunBackendId);
  const artifacts = new Map<string, StoredArtifact>();
  const blobs = new Map<string, PendingBlob>();
  /** Blob path → the `sig` it was issued with (a SAS stand-in). */
  const signatures = new Map<string, string>();
  /** Artifact name → its blob's path. */
  const blobPaths = new Map<string, string>();
  const requests: string[] = [];
  let nextId = 1000;
  let origin = '';

  async function twirp(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${runtimeToken}`) {
      return twirpError(res, 401, 'unauthenticated', 'invalid runtime token');
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      return twirpError(res, 415, 'malformed', 'expected application/json');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      return twirpError(res, 400, 'malformed', 'body is not JSON');
    }
    if (
      body.workflow_run_backend_id !== workflowRunBackendId ||
      body.workflow_job_run_backend_id !== workflowJobRunBackendId
    ) {
      return twirpError(res, 403, 'permission_denied', 'backend ids do not match the runtime token');
    }
    const name = body.name;
    if (typeof name !== 'string' || name === '') return twirpError(res, 400, 'invalid_argument', 'name');
    if (method === 'CreateArtifact') {
      if (body.version !== 7) return twirpError(res, 400, 'invalid_argument', 'unsupported version');
      if (artifacts.has(name)) {
        return twirpError(res, 409, 'already_exists', `an artifact with this name already exists: ${name}`);
      }
      const path = `/devstoreaccount1/actions-results/${workflowRunBackendId}/${randomUUID()}.zip`;
      const sig = randomBytes(16).toString('base64url');
      blobPaths.set(name, path);
      signatures.set(path, sig);
      blobs.set(path, { blocks: new Map() });
      artifacts.set(name, {
        id: 0,
        name,
        workflowRunBackendId,
        workflowJobRunBackendId,
        finalized: false,
        ...(typeof body.mime_type === 'string' ? { mimeType: body.mime_type } : {}),
        ...(typeof body.expires_at === 'string' ? { expiresAt: body.expires_at } : {}),
      });
      return twirpOk(res, {
        ok: true,
        signed_upload_url: `${origin}${path}?sv=2025-11-05&sr=b&sp=cw&sig=${sig}`,
      });
    }
    if (method === 'FinalizeArtifact') {
      const artifact = artifacts.get(name);
      if (!artifact) return twirpError(res, 404, 'not_found', `no artifact named ${name}`);
      const blob = blobs.get(blobPaths.get(name) ?? '')?.committed;
      if (!blob) return twirpError(res, 400, 'failed_precondition', 'the blob was never committed');
      if (String(body.size) !== String(blob.length)) {
        return twirpError(
          res,
          400,
          'invalid_argument',
          `size ${String(body.size)} != uploaded ${blob.length}`,
        );
      }
      const hash = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
      if (body.hash !== undefined && body.hash !== hash) {
        return twirpError(res, 400, 'invalid_argument', 'hash does not match the uploaded blob');
      }
      Object.assign(artifact, { id: ++nextId, finalized: true, size: blob.length, hash, blob });
      return twirpOk(res, { ok: true, artifact_id: String(artifact.id) });
    }
    return twirpError(res, 404, 'bad_route', `no method ${method}`);
  }

  async function blob(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    const sig = signatures.get(path);
    const state = blobs.get(path);
    if (!sig || !state || url.searchParams.get('sig') !== sig) {
      return azureError(res, 403, 'AuthenticationFailed', 'Signature did not match.');
    }
    if (req.method !== 'PUT') return azureError(res, 405, 'UnsupportedHttpVerb', String(req.method));
    const body = await readBody(req);
    const md5 = createHash('md5').update(body).digest('base64');
    const sentMd5 = req.headers['content-md5'];
    if (sentMd5 !== undefined && sentMd5 !== md5) {
      return azureError(res, 400, 'Md5Mismatch', 'The MD5 value specified in the request did not match.');
    }
    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) return azureError(res, 400, 'InvalidQueryParameterValue', 'blockid');
      state.blocks.set(blockId, body);
      res.writeHead(201, { ...azureHeaders(), 'content-md5': md5, 'x-ms-request-server-encrypted': 'true' });
      return void res.end();
    }
    if (comp === 'blocklist') {
      const parts: Buffer[] = [];
      for (const m of body.toString('utf8').matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)) {
        const block = state.blocks.get(m[2]!);
        if (!block) return azureError(res, 400, 'InvalidBlockList', `unknown block ${m[2]}`);
        parts.push(block);
      }
      state.committed = Buffer.concat(parts);
      state.blocks.clear();
      state.lastModified = new Date();
      state.etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
      res.writeHead(201, {
        ...azureHeaders(),
        etag: state.etag,
        'last-modified': state.lastModified.toUTCString(),
        'x-ms-request-server-encrypted': 'true',
      });
      return void res.end();
    }
    return azureError(res, 400, 'UnsupportedQueryParameter', `comp=${comp ?? ''} is not emulated`);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    requests.push(`${req.method} ${url.pathname}`);
    const handled =
      req.method === 'POST' && url.pathname.startsWith(SERVICE)
        ? twirp(url.pathname.slice(SERVICE.length), req, res)
        : blob(url, req, res);
    handled.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    runtimeToken,
    env: { ACTIONS_RUNTIME_TOKEN: runtimeToken, ACTIONS_RESULTS_URL: `${origin}/` },
    workflowRunBackendId,
    workflowJobRunBackendId,
    requests,
    artifacts: () => [...artifacts.values()],
    files(name) {
      const artifact = artifacts.get(name);
      if (!artifact?.finalized || !artifact.blob) throw new Error(`artifact ${name} was not finalized`);
      return unzip(artifact.blob);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
