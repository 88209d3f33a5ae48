// The post step of the committed dist/post.js signs the transcript's digest with the job's
// identity through @actions/attest, unchanged, against emulated Sigstore services (Fulcio and
// Rekor as real HTTPS servers reached through HTTPS_PROXY) and the GitHub attestations API. The
// bundle is then verified here from first principles: the DSSE signature over the in-toto
// statement with the certificate's key, the certificate's chain to the emulated Fulcio root and
// its identity (the workflow that ran), the subject digest against the uploaded transcript, and
// Rekor's entry: its body, its signed entry timestamp and its inclusion proof.
import { createHash, verify, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventPayload, type RunResult, runAction } from '../support/runner.js';
import {
  canonicalJson,
  FULCIO_HOST,
  leafHash,
  pae,
  REKOR_HOST,
  rootFromPath,
  type SigstoreEmulator,
  startSigstoreEmulator,
} from '../support/sigstore-emulator.js';
import {
  DIST,
  psqlPath,
  rawLog,
  runMain,
  type Scenario,
  startClient,
  startScenario,
  startWorld,
  type World,
} from './action-support.js';

let world: World;
let sigstore: SigstoreEmulator;

beforeAll(async () => {
  world = await startWorld(['signed', 'unsigned']);
  sigstore = await startSigstoreEmulator({ issuer: world.issuer.issuer });
}, 120_000);

afterAll(async () => {
  await sigstore?.close();
  await world?.close();
});

/** A public repository: @actions/attest then uses Sigstore's public-good Fulcio and Rekor. */
function publicPayload(s: Scenario): Record<string, unknown> {
  const payload = eventPayload(s.job);
  const repository = payload.repository as Record<string, unknown>;
  return { ...payload, repository: { ...repository, private: false, visibility: 'public' } };
}

async function runOnce(
  s: Scenario,
  env: Record<string, string>,
): Promise<{ main: RunResult; post: RunResult }> {
  const main = await runMain(s);
  expect(main.code, rawLog(main)).toBe(0);
  const count = await startClient(
    psqlPath(),
    [main.outputs.url!, '-X', '-At', '-c', 'SELECT count(*) FROM customers'],
    {},
    s.job.workspace,
  ).exited;
  expect(count).toEqual({ code: 0, output: '25\n' });
  const post = await runAction(join(DIST, 'post.js'), {
    job: s.job,
    inputs: s.inputs,
    state: main.state,
    env: { ...s.env, ...main.env, ...env },
    eventPayload: publicPayload(s),
    timeoutMs: 60_000,
  });
  return { main, post };
}

interface JsonBundle {
  mediaType: string;
  verificationMaterial: {
    certificate: { rawBytes: string };
    tlogEntries: {
      // Protobuf JSON leaves out zero values: the first entry of a log has no logIndex.
      logIndex?: string;
      logId: { keyId: string };
      integratedTime: string;
      canonicalizedBody: string;
      inclusionPromise: { signedEntryTimestamp: string };
      inclusionProof: { logIndex?: string; treeSize: string; rootHash: string; hashes?: string[] };
    }[];
  };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

describe('the transcript attestation (dist/post.js, @actions/attest, emulated Sigstore)', () => {
  it('signs the transcript digest with the workflow identity, logged in Rekor, stored with the attestations API', async () => {
    const s = await startScenario(world, 'signed', { attest: 'true' });
    try {
      const { post } = await runOnce(s, sigstore.env);
      expect(post.code, rawLog(post)).toBe(0);
      expect(post.commands.filter((c) => c.command === 'warning')).toEqual([]);

      // Stored through the GitHub API, and shipped in the artifact beside the transcript.
      expect(s.gh.attestations).toHaveLength(1);
      const bundle = s.gh.attestations[0] as JsonBundle;
      const files = s.artifacts.files(`guardrail-transcript-${s.job.job}-${s.job.runId}-${s.job.runAttempt}`);
      expect(JSON.parse(files.get('transcript.sigstore.json')!.toString('utf8'))).toEqual(bundle);
      const transcript = files.get('transcript.jsonl')!;
      const digest = createHash('sha256').update(transcript).digest('hex');
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');

      // The certificate: issued by the emulated Fulcio root, for this workflow, for code signing.
      const cert = new X509Certificate(
        Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'),
      );
      const root = new X509Certificate(sigstore.fulcioRoot);
      expect(cert.checkIssued(root)).toBe(true);
      expect(cert.verify(root.publicKey)).toBe(true);
      expect(cert.subjectAltName).toBe(`URI:https://github.com/${world.issuer.defaults.job_workflow_ref}`);
      expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.3');
      expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(Date.now());
      expect(sigstore.issued()).toEqual([`https://github.com/${world.issuer.defaults.job_workflow_ref}`]);

      // The envelope: signed with the certificate's key, over a statement about this transcript.
      const env = bundle.dsseEnvelope;
      const payload = Buffer.from(env.payload, 'base64');
      const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
      expect(verify('sha256', pae(env.payloadType, payload), cert.publicKey, sig)).toBe(true);
      expect(
        verify('sha256', pae(env.payloadType, Buffer.from(`${env.payload} `)), cert.publicKey, sig),
      ).toBe(false);
      const statement = JSON.parse(payload.toString('utf8'));
      expect(statement).toMatchObject({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'transcript.jsonl', digest: { sha256: digest } }],
        predicateType: 'https://github.com/guardrail-action/transcript/v1',
        predicate: {
          head: post.outputs['transcript-head'],
          lines: Number(post.outputs['transcript-lines']),
          chainIntact: true,
          complete: true,
        },
      });

      // Rekor: the entry records this signature and key, its timestamp is signed, its proof holds.
      const [entry] = bundle.verificationMaterial.tlogEntries;
      expect(Buffer.from(entry!.logId.keyId, 'base64').toString('hex')).toBe(sigstore.rekorLogId);
      const body = Buffer.from(entry!.canonicalizedBody, 'base64');
      const spec = JSON.parse(body.toString('utf8')).spec;
      expect(spec.signatures).toEqual([{ signature: env.signatures[0]!.sig, verifier: expect.any(String) }]);
      expect(new X509Certificate(Buffer.from(spec.signatures[0].verifier, 'base64').toString()).raw).toEqual(
        cert.raw,
      );
      expect(spec.payloadHash.value).toBe(createHash('sha256').update(payload).digest('hex'));
      const set = canonicalJson({
        body: entry!.canonicalizedBody,
        integratedTime: Number(entry!.integratedTime),
        logID: sigstore.rekorLogId,
        logIndex: Number(entry!.logIndex ?? 0),
      });
      expect(
        verify(
          'sha256',
          Buffer.from(set),
          sigstore.rekorKey,
          Buffer.from(entry!.inclusionPromise.signedEntryTimestamp, 'base64'),
        ),
      ).toBe(true);
      const proof = entry!.inclusionProof;
      const rebuilt = rootFromPath(
        Number(proof.logIndex ?? 0),
        Number(proof.treeSize),
        leafHash(body),
        (proof.hashes ?? []).map((h) => Buffer.from(h, 'base64')),
      );
      expect(rebuilt.equals(Buffer.from(proof.rootHash, 'base64'))).toBe(true);
      expect(sigstore.entries().map((e) => e.body)).toContain(entry!.canonicalizedBody);

      // Only the two Sigstore hosts were reached through the proxy.
      expect(new Set(sigstore.connects())).toEqual(new Set([`${FULCIO_HOST}:443`, `${REKOR_HOST}:443`]));
      expect(post.summary).toContain(
        `Attested with this job's identity (attestation 1, Rekor log index ${entry!.logIndex ?? 0})`,
      );
      expect(post.summary).toContain(`sha256 <code>${digest}</code>`);
      expect(post.stdout).toContain(`guardrail: transcript sha256 ${digest} attested (attestation 1).`);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('without id-token permission warns, says so in the summary, and still uploads the transcript', async () => {
    const s = await startScenario(world, 'unsigned', { attest: 'true' });
    try {
      const before = sigstore.issued().length;
      const { post } = await runOnce(s, {
        ...sigstore.env,
        ACTIONS_ID_TOKEN_REQUEST_URL: '',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: '',
      });
      expect(post.code, rawLog(post)).toBe(0);
      const warnings = post.commands.filter((c) => c.command === 'warning').map((c) => c.message);
      expect(warnings).toEqual([expect.stringContaining('guardrail: the transcript was not attested')]);
      expect(post.summary).toContain("> The transcript was not attested (signed with this job's identity)");
      expect(s.gh.attestations).toHaveLength(0);
      expect(sigstore.issued()).toHaveLength(before);
      const files = s.artifacts.files(`guardrail-transcript-${s.job.job}-${s.job.runId}-${s.job.runAttempt}`);
      expect(files.has('transcript.jsonl')).toBe(true);
      expect(files.has('transcript.sigstore.json')).toBe(false);
    } finally {
      await s.close();
    }
  }, 240_000);
});
