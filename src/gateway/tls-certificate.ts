// The gateway's key pair and its TLS toward clients, for both engines: an RSA key (MySQL also
// uses it for caching_sha2_password key exchange) in a self-signed certificate for 127.0.0.1, ::1
// and localhost. Being self-signed, the certificate is its own CA: a client that trusts it
// (sslrootcert, --ssl-ca, `ssl: { ca }`) can verify the host name too. node:crypto cannot issue
// certificates, so it comes from the openssl CLI at start; without openssl the gateway offers no
// TLS (MySQL clients still authenticate, with RSA for caching_sha2_password's full path).
import { execFile } from 'node:child_process';
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
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

/** A self-signed CA certificate for `privatePem`, valid two days, for localhost, 127.0.0.1 and ::1. */
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
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '-out',
      certFile,
    ]);
    return await readFile(certFile, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A key and certificate to use instead of the self-signed one, or false for no TLS. */
export type TlsOption = { key: string; cert: string } | false;

export interface ClientTls {
  /** Absent when clients are not offered TLS. */
  context?: SecureContext;
  /** PEM certificate clients verify the gateway with (self-signed unless configured). */
  certificate?: string;
  /** Why clients are not offered TLS, when they are not. */
  unavailable?: string;
}

/** The TLS a gateway offers its clients: configured, self-signed with `privatePem()`, or none. */
export async function clientTls(
  option: TlsOption | undefined,
  privatePem: () => Promise<string>,
): Promise<ClientTls> {
  if (option) return { context: createSecureContext(option), certificate: option.cert };
  if (option === false) return { unavailable: 'disabled by configuration' };
  try {
    const key = await privatePem();
    const certificate = await selfSignedCertificate(key);
    return { context: createSecureContext({ key, cert: certificate }), certificate };
  } catch (err) {
    return { unavailable: `no certificate: ${(err as Error).message}` };
  }
}
