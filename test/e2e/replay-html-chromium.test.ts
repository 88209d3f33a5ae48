// The HTML replay in a real browser: `guardrail replay --html` output opened in headless
// Chromium. The DOM after scripts ran must hold the statement cards, verdict badges, approval
// link, waterfall bars and masked sample, and the search box must filter. Chromium is required:
// a machine without it fails this test (CI installs the Debian `chromium` package).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/replay.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';

const CHROMIUM = process.env.CHROMIUM_BIN ?? 'chromium';
const OUT = resolve('test-output');
const APPROVAL_URL = 'https://github.com/octo-org/app/pull/7#issuecomment-42';

let work: string;
let page: string;

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'guardrail-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error) throw new Error(`cannot run ${CHROMIUM} (install the chromium package): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${CHROMIUM} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const dumpDom = (file: string) => chromium(['--dump-dom', pathToFileURL(file).href]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'guardrail-html-'));
  mkdirSync(OUT, { recursive: true });
  const transcript = join(work, 'transcript.jsonl');
  let t = Date.parse('2026-11-29T10:00:00.000Z');
  const rec = new FileRecorder(transcript, () => new Date((t += 40)));
  rec.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 't',
  });
  rec.record(1, { type: 'session.start', user: 'ci', database: 'app', client: '127.0.0.1:50000' });
  const statement = (id: string, text: string) =>
    rec.record(1, {
      type: 'statement',
      id,
      text,
      via: 'simple',
      hash: id.repeat(32).slice(0, 64),
      inTransaction: false,
    });
  statement('s1', 'SELECT id, email FROM users LIMIT 2');
  rec.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced: true });
  rec.record(1, {
    type: 'rows',
    id: 's1',
    columns: ['id', 'email'],
    sample: [
      [1, '[masked]'],
      [2, '[masked]'],
    ],
    truncated: false,
    masked: ['email'],
  });
  rec.record(1, { type: 'result', id: 's1', tag: 'SELECT 2', rows: 2, durationMs: 3.2 });
  statement('s2', 'DELETE FROM orders WHERE created < now() - interval 1 year');
  const finding = {
    rule: 'mass-change/rows',
    severity: 'risk',
    message: '52000 rows',
    objects: ['public.orders'],
  };
  rec.record(1, {
    type: 'verdict',
    id: 's2',
    action: 'review',
    rules: [finding.rule],
    findings: [finding],
    enforced: true,
  });
  rec.record(1, {
    type: 'approval.requested',
    id: 's2',
    requestId: 'gr-1a2b3c4d',
    channel: 'github',
    url: APPROVAL_URL,
    deadline: '2026-11-29T10:30:00.000Z',
  });
  t += 5000;
  rec.record(1, {
    type: 'approval.decided',
    id: 's2',
    requestId: 'gr-1a2b3c4d',
    outcome: 'approved',
    by: ['alice'],
    url: APPROVAL_URL,
  });
  rec.record(1, { type: 'result', id: 's2', tag: 'DELETE 52000', rows: 52000, durationMs: 800 });
  statement('s3', 'DROP TABLE users');
  const drop = {
    rule: 'destructive/drop-table',
    severity: 'critical',
    message: 'drops users',
    objects: ['public.users'],
  };
  rec.record(1, {
    type: 'verdict',
    id: 's3',
    action: 'deny',
    rules: [drop.rule],
    findings: [drop],
    enforced: true,
  });
  rec.record(1, {
    type: 'result',
    id: 's3',
    durationMs: 0,
    error: { code: '42501', message: 'guardrail: denied' },
  });
  rec.record(1, { type: 'session.end', reason: 'client closed', statements: 3 });
  rec.record(0, { type: 'gateway.stop', reason: 'post step' });
  rec.close();

  page = join(OUT, 'replay.html');
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    expect(await run([transcript, '--html', page])).toBe(0);
  } finally {
    log.mockRestore();
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the HTML replay in headless Chromium', () => {
  it('shows cards, badges, the approval link, waterfall bars and the masked sample', () => {
    const dom = dumpDom(page);
    expect(dom.match(/<article class="stmt"/g)).toHaveLength(3);
    for (const v of ['allow', 'review', 'deny'])
      expect(dom).toContain(`<span class="badge ${v}">${v}</span>`);
    expect(dom).toContain(`<a href="${APPROVAL_URL}">comment</a>`);
    expect(dom.match(/<span class="wf-bar /g)).toHaveLength(3);
    expect(dom).toContain('<span class="masked-col">masked</span>');
    expect(dom.match(/<td>\[masked\]<\/td>/g)).toHaveLength(2);
    expect(dom).toMatch(/<span id="shown">3<\/span>/);
  });

  it('the search box filters the statements', () => {
    const filtered = join(work, 'filtered.html');
    const typeIn = `<script>const s=document.getElementById('search');s.value='drop-table';s.dispatchEvent(new Event('input'));document.body.dataset.searched='yes';</script></body>`;
    writeFileSync(filtered, readFileSync(page, 'utf8').replace('</body>', typeIn));
    const dom = dumpDom(filtered);
    expect(dom).toContain('data-searched="yes"');
    expect(dom).toMatch(/<span id="shown">1<\/span>/);
    const cards = dom.match(/<article class="stmt"[^>]*>/g) ?? [];
    expect(cards).toHaveLength(3);
    expect(
      cards.filter((c) => !/\bhidden=""/.test(c)).map((c) => c.match(/data-action="(\w+)"/)?.[1]),
    ).toEqual(['deny']);
  });

  it('renders a screenshot', () => {
    const png = join(OUT, 'replay.png');
    rmSync(png, { force: true });
    chromium([
      `--screenshot=${png}`,
      '--window-size=1280,1600',
      '--hide-scrollbars',
      pathToFileURL(page).href,
    ]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // IHDR: width and height of the image.
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1280, 1600]);
  });
});
