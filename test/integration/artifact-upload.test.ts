import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactName, uploadTranscript } from '../../src/action/artifact.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { type ArtifactEmulator, startArtifactEmulator } from '../support/artifact-emulator.js';

let emulator: ArtifactEmulator;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startArtifactEmulator();
  // What the runner gives a JavaScript action; the client reads them when it uploads.
  Object.assign(process.env, emulator.env, {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: mkdtempSync(join(tmpdir(), 'guardrail-ws-')),
  });
});

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-art-'));
  const recorder = new FileRecorder(join(dir, 'transcript.jsonl'));
  recorder.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 't',
  });
  recorder.record(1, {
    type: 'statement',
    id: 's1',
    text: 'DROP TABLE users',
    via: 'simple',
    hash: 'h1',
    inTransaction: false,
  });
  recorder.record(1, {
    type: 'verdict',
    id: 's1',
    action: 'deny',
    rules: ['destructive/drop-table'],
    findings: [],
    enforced: true,
  });
  recorder.close();
  writeFileSync(join(dir, 'transcript.html'), `<!doctype html><p>${'ü'.repeat(5000)}</p>`);
  return dir;
}

describe('transcript artifact upload through the real @actions/artifact client', () => {
  it('uploads transcript.jsonl and transcript.html and the service holds the same bytes', async () => {
    const dir = runDir();
    const name = artifactName({ job: 'migrate', runId: '4242', runAttempt: '2' });
    const result = await uploadTranscript(dir, name);

    expect(result.files).toEqual(['transcript.jsonl', 'transcript.html']);
    const stored = emulator.artifacts().find((a) => a.name === name);
    expect(stored?.finalized).toBe(true);
    expect(result.id).toBe(stored?.id);
    expect(stored?.mimeType).toBe('application/zip');
    expect(`sha256:${result.digest}`).toBe(stored?.hash);

    const files = emulator.files(name);
    expect([...files.keys()].sort()).toEqual(['transcript.html', 'transcript.jsonl']);
    expect(files.get('transcript.jsonl')).toEqual(readFileSync(join(dir, 'transcript.jsonl')));
    expect(files.get('transcript.html')).toEqual(readFileSync(join(dir, 'transcript.html')));
    // Twirp create, at least one staged block, the block list, Twirp finalize: the real protocol.
    const calls = emulator.requests.map((r) => r.replace(/\/devstoreaccount1\/.*/, '/<blob>'));
    expect(calls[0]).toBe('POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact');
    expect(calls.at(-1)).toBe('POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact');
    expect(calls.filter((c) => c === 'PUT /<blob>').length).toBeGreaterThanOrEqual(2);
  });

  it('assembles a transcript larger than one 8 MiB block in block-list order', async () => {
    const dir = runDir();
    // Random bytes do not compress, so the zip spans two blocks.
    const big = randomBytes(9 * 1024 * 1024).toString('base64');
    writeFileSync(join(dir, 'transcript.html'), big);
    const name = artifactName({ transcriptName: 'big', job: 'migrate', runId: '1', runAttempt: '1' });
    const before = emulator.requests.length;
    await uploadTranscript(dir, name);
    const puts = emulator.requests.slice(before).filter((r) => r.startsWith('PUT '));
    expect(puts.length).toBe(3); // two staged blocks and the block list
    const html = emulator.files(name).get('transcript.html')!;
    expect(createHash('sha256').update(html).digest('hex')).toBe(
      createHash('sha256').update(big).digest('hex'),
    );
  });

  it('is refused by the service when the name was already used in this run', async () => {
    const dir = runDir();
    const name = artifactName({ job: 'again', runId: '7', runAttempt: '1' });
    await uploadTranscript(dir, name);
    await expect(uploadTranscript(dir, name, { client: new DefaultArtifactClient() })).rejects.toThrow(
      /already exists/,
    );
  });

  it('refuses to upload when there is no transcript', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-art-'));
    writeFileSync(join(dir, 'transcript.html'), '<p>only html</p>');
    await expect(uploadTranscript(dir, 'x-job-1-1')).rejects.toThrow(/no transcript to upload/);
    expect(emulator.artifacts().some((a) => a.name === 'x-job-1-1')).toBe(false);
  });
});
