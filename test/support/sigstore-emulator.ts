// Sigstore's public-good services as real HTTPS servers, for @actions/attest run unchanged: a
// Fulcio that checks the job's OIDC token and the proof of possession and issues a short-lived
// code-signing certificate for the workflow's identity from a local CA, and a Rekor that checks
// the DSSE signature, appends the entry to a Merkle tree and answers with a signed entry
// timestamp, an inclusion proof and a signed checkpoint. The library calls the fixed hosts
// fulcio.sigstore.dev and rekor.sigstore.dev; the step reaches them through the documented
// HTTPS_PROXY (a CONNECT proxy that tunnels only those hosts here) and trusts the local TLS CA
// through NODE_EXTRA_CA_CERTS. Certificates are made with the openssl CLI, as in tls.ts.
import { execFileSync } from 'node:child_process';
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export const FULCIO_HOST = 'fulcio.sigstore.dev';
export const REKOR_HOST = 'rekor.sigstore.dev';
/** Fulcio's OID for the token's issuer (v2: a DER UTF8String). */
export const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const CHECKPOINT_ORIGIN = 'rekor.emulator - 1';

export interface RekorEntry {
  uuid: string;
  body: string;
  integratedTime: number;
  logIndex: number;
}

export interface SigstoreEmulator {
  /** For the step: HTTPS_PROXY (and NO_PROXY for loopback), NODE_EXTRA_CA_CERTS. */
  env: Record<string, string>;
  /** PEM of the emulated Fulcio root: a signing certificate must chain to it. */
  fulcioRoot: string;
  /** Rekor's public key: the signed entry timestamps and checkpoints verify with it. */
  rekorKey: KeyObject;
  /** sha256 of Rekor's public key (DER SPKI), hex: the log id in its entries. */
  rekorLogId: string;
  /** Entries in log order. */
  entries(): RekorEntry[];
  /** Hosts the proxy was asked to reach, in order (refused ones too). */
  connects(): string[];
  /** Certificates issued, by the SAN URI they name. */
  issued(): string[];
  close(): Promise<void>;
}

const sha256 = (...parts: (Buffer | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** JSON with object keys sorted, as Rekor canonicalises bodies and entry timestamps. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** DSSE's pre-authentication encoding: what the envelope's signature covers. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

export const leafHash = (body: Buffer) => sha256(Buffer.from([0]), body);
const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));

/** RFC 6962 tree hash of `leaves`. */
function treeHash(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

/** RFC 6962 audit path of leaf `m`, deepest sibling first. */
function auditPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...auditPath(m, leaves.slice(0, k)), treeHash(leaves.slice(k))]
    : [...auditPath(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

/** The root an audit path leads to from leaf `m` of a tree of `n` leaves (for verifiers). */
export function rootFromPath(m: number, n: number, leaf: Buffer, path: Buffer[]): Buffer {
  if (n === 1) return leaf;
  const k = split(n);
  const rest = path.slice(0, -1);
  const sibling = path.at(-1)!;
  return m < k
    ? nodeHash(rootFromPath(m, k, leaf, rest), sibling)
    : nodeHash(sibling, rootFromPath(m - k, n - k, leaf, rest));
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A local CA (openssl CLI): the TLS certificate for the two hosts and Fulcio's signing certificates. */
function makeCa(dir: string) {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/O=sigstore emulator/CN=emulated fulcio root',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  ssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${FULCIO_HOST}`,
    '-keyout',
    f('tls.key'),
    '-out',
    f('tls.csr'),
  );
  writeFileSync(f('tls.ext'), `subjectAltName = DNS:${FULCIO_HOST}, DNS:${REKOR_HOST}\n`);
  /** Signs a request with the CA for a day; `extra` options go before the CA's. */
  const signCsr = (csr: string, ext: string, out: string, ...extra: string[]) =>
    ssl(
      'x509',
      '-req',
      '-in',
      csr,
      ...extra,
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      out,
    );
  signCsr(f('tls.csr'), f('tls.ext'), f('tls.crt'));
  // Signing certificates carry the requester's public key: a throwaway request supplies the rest.
  ssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/',
    '-keyout',
    f('stub.key'),
    '-out',
    f('stub.csr'),
  );
  let serial = 0;
  return {
    caPem: readFileSync(f('ca.crt'), 'utf8'),
    tls: { key: readFileSync(f('tls.key')), cert: readFileSync(f('tls.crt')) },
    /** A code-signing certificate for `publicKeyPem`, naming `san` and the token's issuer. */
    issue(publicKeyPem: string, san: string, issuer: string): string {
      const n = ++serial;
      writeFileSync(f(`pub-${n}.pem`), publicKeyPem);
      writeFileSync(
        f(`leaf-${n}.ext`),
        [
          'basicConstraints = critical, CA:FALSE',
          'keyUsage = critical, digitalSignature',
          'extendedKeyUsage = codeSigning',
          `subjectAltName = critical, URI:${san}`,
          `${OID_ISSUER_V2} = ASN1:UTF8String:${issuer}`,
          '',
        ].join('\n'),
      );
      signCsr(f('stub.csr'), f(`leaf-${n}.ext`), f(`leaf-${n}.crt`), '-force_pubkey', f(`pub-${n}.pem`));
      return readFileSync(f(`leaf-${n}.crt`), 'utf8');
    },
  };
}

export async function startSigstoreEmulator(opts: { issuer: string }): Promise<SigstoreEmulator> {
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-sigstore-'));
  const ca = makeCa(dir);
  writeFileSync(join(dir, 'trust.pem'), ca.caPem);
  const jwks = createRemoteJWKSet(new URL(`${opts.issuer}/.well-known/jwks`));
  const rekor = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rekorDer = rekor.publicKey.export({ type: 'spki', format: 'der' });
  const logId = sha256(rekorDer).toString('hex');
  const entries: RekorEntry[] = [];
  const leaves: Buffer[] = [];
  const connects: string[] = [];
  const issued: string[] = [];

  async function fulcio(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/api/v2/signingCert')
      return send(res, 404, { message: 'not found' });
    const body = (await readBody(req)) as {
      credentials?: { oidcIdentityToken?: string };
      publicKeyRequest?: { publicKey?: { content?: string }; proofOfPossession?: string };
    };
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(body.credentials?.oidcIdentityToken ?? '', jwks, {
        issuer: opts.issuer,
        audience: 'sigstore',
      }));
    } catch (err) {
      return send(res, 401, { message: `invalid identity token: ${(err as Error).message}` });
    }
    const keyPem = body.publicKeyRequest?.publicKey?.content ?? '';
    const proof = Buffer.from(body.publicKeyRequest?.proofOfPossession ?? '', 'base64');
    let possessed = false;
    try {
      possessed = verify('sha256', Buffer.from(String(claims.sub)), createPublicKey(keyPem), proof);
    } catch {
      possessed = false;
    }
    if (!possessed) return send(res, 400, { message: 'the proof of possession does not verify' });
    if (typeof claims.job_workflow_ref !== 'string')
      return send(res, 400, { message: 'the token has no job_workflow_ref' });
    // GitHub Actions identities: the SAN is the workflow file that ran, at its ref.
    const san = `https://github.com/${claims.job_workflow_ref}`;
    const leaf = ca.issue(keyPem, san, opts.issuer);
    issued.push(san);
    send(res, 201, { signedCertificateEmbeddedSct: { chain: { certificates: [leaf, ca.caPem] } } });
  }

  async function log(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/api/v1/log/entries')
      return send(res, 404, { message: 'not found' });
    const proposed = (await readBody(req)) as {
      kind?: string;
      spec?: { proposedContent?: { envelope?: string; verifiers?: string[] } };
    };
    const envelopeText = proposed.spec?.proposedContent?.envelope;
    const verifierB64 = proposed.spec?.proposedContent?.verifiers?.[0];
    if (proposed.kind !== 'dsse' || !envelopeText || !verifierB64)
      return send(res, 400, { message: 'only dsse entries with a verifier are accepted' });
    const envelope = JSON.parse(envelopeText) as {
      payloadType: string;
      payload: string;
      signatures: { sig: string }[];
    };
    const payload = Buffer.from(envelope.payload, 'base64');
    const signature = envelope.signatures[0]?.sig ?? '';
    const cert = new X509Certificate(Buffer.from(verifierB64, 'base64').toString('utf8'));
    if (
      !verify('sha256', pae(envelope.payloadType, payload), cert.publicKey, Buffer.from(signature, 'base64'))
    )
      return send(res, 400, { message: 'the envelope signature does not verify with the verifier' });
    const canonical = Buffer.from(
      canonicalJson({
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: sha256(envelopeText).toString('hex') },
          payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
          signatures: [{ signature, verifier: verifierB64 }],
        },
      }),
    );
    const body = canonical.toString('base64');
    const logIndex = entries.length;
    const integratedTime = Math.floor(Date.now() / 1000);
    const leaf = leafHash(canonical);
    leaves.push(leaf);
    const uuid = leaf.toString('hex');
    entries.push({ uuid, body, integratedTime, logIndex });
    const set = sign(
      'sha256',
      Buffer.from(canonicalJson({ body, integratedTime, logID: logId, logIndex })),
      rekor.privateKey,
    );
    const root = treeHash(leaves);
    const note = `${CHECKPOINT_ORIGIN}\n${leaves.length}\n${root.toString('base64')}\n`;
    const noteSig = Buffer.concat([
      sha256(rekorDer).subarray(0, 4),
      sign('sha256', Buffer.from(note), rekor.privateKey),
    ]);
    send(res, 201, {
      [uuid]: {
        body,
        integratedTime,
        logID: logId,
        logIndex,
        verification: {
          signedEntryTimestamp: set.toString('base64'),
          inclusionProof: {
            logIndex,
            treeSize: leaves.length,
            rootHash: root.toString('hex'),
            hashes: auditPath(logIndex, leaves).map((h) => h.toString('hex')),
            checkpoint: `${note}\n— ${CHECKPOINT_ORIGIN} ${noteSig.toString('base64')}\n`,
          },
        },
      },
    });
  }

  const https = createHttpsServer(ca.tls, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const handler = host === FULCIO_HOST ? fulcio : host === REKOR_HOST ? log : undefined;
    if (!handler) return send(res, 421, { message: `no service for ${host}` });
    handler(req, res).catch((err: Error) => send(res, 500, { message: err.message }));
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const httpsPort = (https.address() as AddressInfo).port;

  // Tunnels CONNECTs to the two hosts into the HTTPS server; nothing else gets out.
  const proxy = createHttpServer((_req, res) => send(res, 405, { message: 'CONNECT only' }));
  proxy.on('connect', (req: IncomingMessage, client, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    if (target !== `${FULCIO_HOST}:443` && target !== `${REKOR_HOST}:443`) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(httpsPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    env: {
      HTTPS_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      // The job's own services (token endpoint, GitHub API, artifact service) are on loopback.
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: join(dir, 'trust.pem'),
    },
    fulcioRoot: ca.caPem,
    rekorKey: rekor.publicKey,
    rekorLogId: logId,
    entries: () => [...entries],
    connects: () => [...connects],
    issued: () => [...issued],
    async close() {
      https.closeAllConnections();
      proxy.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => https.close(() => r())),
        new Promise<void>((r) => proxy.close(() => r())),
      ]);
    },
  };
}
