// The gateway's key pair: RSA for caching_sha2_password key exchange, and the same key in a
// self-signed certificate for TLS to clients. node:crypto cannot issue certificates, so the
// certificate comes from the openssl CLI at start; without openssl the gateway offers no TLS
// to clients (they still authenticate, with RSA for caching_sha2_password's full path).
import { execFile } from 'node:child_process';
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface GatewayKeys {
  privateKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

export async function generateKeys(): Promise<GatewayKeys> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A self-signed certificate for `privatePem`, valid two days, for localhost and 127.0.0.1. */
export async function selfSignedCertificate(privatePem: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'guardrail-gw-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await writeFile(keyFile, privatePem, { mode: 0o600 });
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-days',
      '2',
      '-subj',
      '/CN=guardrail gateway',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-out',
      certFile,
    ]);
    return await readFile(certFile, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
