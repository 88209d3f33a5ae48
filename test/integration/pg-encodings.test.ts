// The gateway's decoder against the server's own conversion: every one- and two-byte sequence
// (and GB18030's four-byte and EUC_JP's three-byte ranges) of every client encoding the gateway
// reads is converted by the server (convert_from, the same conversion functions a Query goes
// through) and by src/sql/postgres/encoding.ts. Where both read a sequence they must read the
// same characters; where only the server reads one, the gateway refuses the message (counted,
// must-allow cost); where only the gateway reads one, the server refuses the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/sql/postgres/encoding.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let server: PgServer;

beforeAll(async () => {
  server = await startPostgres();
  await server.query(
    'CREATE FUNCTION conv(b bytea, enc text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN convert_from(b, enc); EXCEPTION WHEN others THEN RETURN NULL; END $$',
  );
});

afterAll(async () => {
  await server?.stop();
});

const SINGLE = [
  'LATIN1',
  'LATIN2',
  'LATIN3',
  'LATIN4',
  'LATIN5',
  'LATIN6',
  'LATIN7',
  'LATIN8',
  'LATIN9',
  'LATIN10',
  'ISO_8859_5',
  'ISO_8859_6',
  'ISO_8859_7',
  'ISO_8859_8',
  'WIN866',
  'WIN874',
  'WIN1250',
  'WIN1251',
  'WIN1252',
  'WIN1253',
  'WIN1254',
  'WIN1255',
  'WIN1256',
  'WIN1257',
  'WIN1258',
  'KOI8R',
  'KOI8U',
];
const MULTI = ['UTF8', 'SJIS', 'BIG5', 'GBK', 'UHC', 'GB18030', 'EUC_JP', 'EUC_KR', 'EUC_CN'];

/** Byte strings as hex, generated on the server so the list is not built twice. */
const RANGES: Record<string, string> = {
  single: 'SELECT lpad(to_hex(b), 2, $$0$$) AS h FROM generate_series(128, 255) b',
  double:
    'SELECT lpad(to_hex(l * 256 + t), 4, $$0$$) AS h FROM generate_series(128, 255) l, generate_series(1, 255) t',
  gb18030: `SELECT lpad(to_hex(((a::bigint * 256 + b) * 256 + c) * 256 + d), 8, '0') AS h
    FROM (SELECT * FROM generate_series(129, 132) UNION ALL SELECT * FROM generate_series(144, 145)) a(a),
         generate_series(48, 57) b, generate_series(129, 254) c, generate_series(48, 57) d`,
  eucjp3:
    'SELECT $$8f$$ || lpad(to_hex(b * 256 + c), 4, $$0$$) AS h FROM generate_series(161, 254) b, generate_series(161, 254) c',
};

async function compare(encoding: string, range: string) {
  const rows = await server.query<{ h: string; t: string | null }>(
    `SELECT h, conv(decode(h, 'hex'), $1) AS t FROM (${RANGES[range]}) r`,
    [encoding],
  );
  const differ: string[] = [];
  let same = 0;
  let onlyServer = 0;
  let onlyGateway = 0;
  for (const { h, t } of rows) {
    const bytes = Buffer.from(h, 'hex');
    const d = decode(bytes, 0, bytes.length, encoding, 'UTF8');
    const mine = 'text' in d ? d.text : null;
    if (mine === t) same += t === null ? 0 : 1;
    else if (mine === null) onlyServer++;
    else if (t === null) onlyGateway++;
    else differ.push(`${h}: server ${JSON.stringify(t)}, gateway ${JSON.stringify(mine)}`);
  }
  return { same, onlyServer, onlyGateway, differ };
}

describe('client encodings read exactly as the server converts them', () => {
  it('single-byte encodings', async () => {
    for (const enc of SINGLE) {
      const r = await compare(enc, 'single');
      expect({ enc, differ: r.differ, onlyServer: r.onlyServer }).toEqual({ enc, differ: [], onlyServer: 0 });
      expect(r.same).toBeGreaterThan(80);
    }
  });

  it.each(MULTI)(
    '%s, every two-byte sequence',
    async (enc) => {
      const r = await compare(enc, 'double');
      expect(r.differ).toEqual([]);
      expect(r.same).toBeGreaterThan(enc === 'UTF8' ? 1_900 : 7_000);
      // What the gateway refuses although the server reads it: a few hundred rare characters at most.
      expect(r.onlyServer).toBeLessThan(300);
    },
    60_000,
  );

  it('GB18030 four-byte and EUC_JP three-byte sequences', async () => {
    const gb = await compare('GB18030', 'gb18030');
    expect(gb.differ).toEqual([]);
    expect(gb.same).toBeGreaterThan(40_000);
    const jp = await compare('EUC_JP', 'eucjp3');
    expect(jp.differ).toEqual([]);
  }, 60_000);
});
