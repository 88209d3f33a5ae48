import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MaskingError,
  maskCopyCsv,
  maskCopyText,
  maskDataRow,
  maskMysqlBinaryRow,
  maskMysqlTextRow,
  maskPlan,
  pgTextLike,
} from '../../src/masking/index.js';

// ---- decoders/encoders written independently of the code under test ----

function encodeDataRow(values: (Buffer | null)[]): Buffer {
  const body = Buffer.concat([
    Buffer.from([values.length >> 8, values.length & 0xff]),
    ...values.map((v) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(v === null ? -1 : v.length);
      return v === null ? len : Buffer.concat([len, v]);
    }),
  ]);
  const head = Buffer.alloc(5);
  head[0] = 0x44;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function decodeDataRow(msg: Buffer): (Buffer | null)[] {
  expect(msg[0]).toBe(0x44);
  expect(msg.readInt32BE(1)).toBe(msg.length - 1);
  const n = msg.readInt16BE(5);
  const out: (Buffer | null)[] = [];
  let pos = 7;
  for (let i = 0; i < n; i++) {
    const len = msg.readInt32BE(pos);
    pos += 4;
    out.push(len === -1 ? null : msg.subarray(pos, pos + len));
    pos += Math.max(len, 0);
  }
  expect(pos).toBe(msg.length);
  return out;
}

function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 65536) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
}

function readLenenc(buf: Buffer, pos: number): [number, number] {
  const f = buf[pos]!;
  if (f < 251) return [f, pos + 1];
  if (f === 0xfc) return [buf.readUInt16LE(pos + 1), pos + 3];
  if (f === 0xfd) return [buf.readUIntLE(pos + 1, 3), pos + 4];
  throw new Error('test decoder: unsupported length');
}

function encodeTextRow(values: (string | null)[]): Buffer {
  return Buffer.concat(
    values.map((v) =>
      v === null ? Buffer.from([0xfb]) : Buffer.concat([lenenc(Buffer.byteLength(v)), Buffer.from(v)]),
    ),
  );
}

function decodeTextRow(buf: Buffer, n: number): (string | null)[] {
  const out: (string | null)[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (buf[pos] === 0xfb) {
      out.push(null);
      pos++;
      continue;
    }
    const [len, at] = readLenenc(buf, pos);
    out.push(buf.subarray(at, at + len).toString());
    pos = at + len;
  }
  expect(pos).toBe(buf.length);
  return out;
}

const T = { LONG: 3, DOUBLE: 5, DATETIME: 12, VAR_STRING: 253, BLOB: 252, TINY: 1, JSON: 245 };

type BinValue = { type: number; value: Buffer | null };

function encodeBinaryRow(cols: BinValue[]): Buffer {
  const bitmap = Buffer.alloc((cols.length + 9) >> 3);
  const values: Buffer[] = [];
  cols.forEach((c, i) => {
    if (c.value === null) bitmap[(i + 2) >> 3]! |= 1 << ((i + 2) & 7);
    else if ([T.VAR_STRING, T.BLOB, T.JSON].includes(c.type)) values.push(lenenc(c.value.length), c.value);
    else if (c.type === T.DATETIME) values.push(Buffer.from([c.value.length]), c.value);
    else values.push(c.value);
  });
  return Buffer.concat([Buffer.from([0]), bitmap, ...values]);
}

function decodeBinaryRow(buf: Buffer, types: number[]): (Buffer | null)[] {
  expect(buf[0]).toBe(0);
  const bitmapLen = (types.length + 9) >> 3;
  let pos = 1 + bitmapLen;
  return types.map((t, i) => {
    if ((buf[1 + ((i + 2) >> 3)]! >> ((i + 2) & 7)) & 1) return null;
    let len: number;
    if ([T.VAR_STRING, T.BLOB, T.JSON].includes(t)) [len, pos] = readLenenc(buf, pos);
    else if (t === T.DATETIME) len = buf[pos++]!;
    else len = t === T.LONG ? 4 : t === T.DOUBLE ? 8 : 1;
    const v = buf.subarray(pos, pos + len);
    pos += len;
    return v;
  });
}

const int4 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

// ---- tests ----

describe('maskDataRow (Postgres)', () => {
  // id int4 (binary), email text (masked), salary numeric (masked, not text), name varchar, ssn bpchar (masked, NULL)
  const plan = maskPlan(
    [
      { masked: false, textLike: pgTextLike(23) },
      { masked: true, textLike: pgTextLike(25) },
      { masked: true, textLike: pgTextLike(1700) },
      { masked: false, textLike: pgTextLike(1043) },
      { masked: true, textLike: pgTextLike(1042) },
    ],
    '[masked]',
  );

  it('replaces text values with the marker and other types with NULL, keeping the rest byte for byte', () => {
    const row = encodeDataRow([
      int4(7),
      Buffer.from('alice@example.com'),
      Buffer.from('1234.50'),
      Buffer.from('Alice'),
      null,
    ]);
    const out = decodeDataRow(maskDataRow(row, plan));
    expect(out.map((v) => v?.toString('hex') ?? null)).toEqual([
      int4(7).toString('hex'),
      Buffer.from('[masked]').toString('hex'),
      null,
      Buffer.from('Alice').toString('hex'),
      Buffer.from('[masked]').toString('hex'),
    ]);
  });

  it('returns the input itself when the plan masks nothing', () => {
    const row = encodeDataRow([int4(1), Buffer.from('x')]);
    const keep = maskPlan(
      [
        { masked: false, textLike: false },
        { masked: false, textLike: true },
      ],
      '[masked]',
    );
    expect(maskDataRow(row, keep)).toBe(row);
  });

  it('keeps every length field valid for any row and plan', () => {
    const value = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null });
    const column = fc.record({ value, masked: fc.boolean(), textLike: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(column, { minLength: 1, maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        (cols, marker) => {
          const row = encodeDataRow(cols.map((c) => (c.value ? Buffer.from(c.value) : null)));
          const out = decodeDataRow(maskDataRow(row, maskPlan(cols, marker)));
          cols.forEach((c, i) => {
            const expected = !c.masked
              ? c.value && Buffer.from(c.value)
              : c.textLike
                ? Buffer.from(marker)
                : null;
            expect(out[i]).toEqual(expected);
          });
        },
      ),
    );
  });

  it('throws MaskingError on malformed rows instead of passing them on', () => {
    const row = encodeDataRow([int4(7), Buffer.from('a'), Buffer.from('b'), Buffer.from('c'), null]);
    const wrongLength = Buffer.from(row);
    wrongLength.writeInt32BE(row.length + 3, 1);
    const badColumnLength = Buffer.from(row);
    badColumnLength.writeInt32BE(-2, 7);
    const overlong = Buffer.from(row);
    overlong.writeInt32BE(1000, 7);
    const cases: [Buffer, RegExp][] = [
      [Buffer.concat([Buffer.from('T'), row.subarray(1)]), /not a DataRow/],
      [wrongLength, /length does not match/],
      [badColumnLength, /invalid length -2/],
      [overlong, /invalid length 1000/],
      [encodeDataRow([int4(1)]), /has 1 columns but the mask plan has 5/],
      [
        Buffer.concat([row.subarray(0, 1), int4(row.length), row.subarray(5), Buffer.from([0])]),
        /bytes after its last column/,
      ],
      [row.subarray(0, 6), /not a DataRow/],
    ];
    for (const [bad, why] of cases) {
      expect(() => maskDataRow(bad, plan)).toThrow(MaskingError);
      expect(() => maskDataRow(bad, plan)).toThrow(why);
    }
  });
});

describe('maskMysqlTextRow', () => {
  // id INT, email VARCHAR (masked), age INT (masked), bio TEXT
  const plan = maskPlan(
    [
      { masked: false, textLike: false },
      { masked: true, textLike: true },
      { masked: true, textLike: false },
      { masked: false, textLike: true },
    ],
    '[masked]',
  );

  it('masks length-encoded strings, NULLs stay decodable, long values keep their 0xFC/0xFD lengths', () => {
    for (const bio of ['short', 'x'.repeat(300), 'y'.repeat(70_000), null]) {
      const out = decodeTextRow(
        maskMysqlTextRow(encodeTextRow(['7', 'alice@example.com', '42', bio]), plan),
        4,
      );
      expect(out).toEqual(['7', '[masked]', null, bio]);
    }
    const out = decodeTextRow(maskMysqlTextRow(encodeTextRow(['7', null, null, 'b']), plan), 4);
    expect(out).toEqual(['7', '[masked]', null, 'b']);
  });

  it('throws MaskingError on truncated or over-long rows', () => {
    const row = encodeTextRow(['7', 'alice', '42', 'bio']);
    expect(() => maskMysqlTextRow(row.subarray(0, row.length - 1), plan)).toThrow(MaskingError);
    expect(() => maskMysqlTextRow(Buffer.concat([row, Buffer.from([1, 0x41])]), plan)).toThrow(MaskingError);
    expect(() => maskMysqlTextRow(Buffer.from([0xff, 1, 2]), plan)).toThrow(MaskingError);
  });
});

describe('maskMysqlBinaryRow', () => {
  const types = [T.LONG, T.VAR_STRING, T.DATETIME, T.DOUBLE, T.BLOB, T.TINY, T.JSON, T.VAR_STRING, T.LONG];
  // masked: email (string → marker), created (datetime → NULL), salary (double → NULL), doc (JSON → NULL)
  const masked = [false, true, true, true, false, false, true, false, true];
  const plan = maskPlan(
    masked.map((m, i) => ({ masked: m, textLike: [T.VAR_STRING, T.BLOB].includes(types[i]!) })),
    '[masked]',
  );

  it('sets NULL bits and drops values, or writes the marker for string types; the bitmap offset is 2', () => {
    const dt = Buffer.from([0xea, 0x07, 1, 2, 3, 4, 5]);
    const dbl = Buffer.alloc(8);
    dbl.writeDoubleLE(1234.5);
    const cols: BinValue[] = [
      { type: T.LONG, value: int4(7) },
      { type: T.VAR_STRING, value: Buffer.from('alice@example.com') },
      { type: T.DATETIME, value: dt },
      { type: T.DOUBLE, value: dbl },
      { type: T.BLOB, value: Buffer.from('z'.repeat(400)) },
      { type: T.TINY, value: Buffer.from([1]) },
      { type: T.JSON, value: Buffer.from('{"a":1}') },
      { type: T.VAR_STRING, value: null },
      { type: T.LONG, value: null },
    ];
    const out = decodeBinaryRow(maskMysqlBinaryRow(encodeBinaryRow(cols), plan, types), types);
    expect(out.map((v) => v?.toString('latin1') ?? null)).toEqual([
      int4(7).toString('latin1'),
      '[masked]',
      null,
      null,
      'z'.repeat(400),
      '\u0001',
      null,
      null,
      null,
    ]);
  });

  it('throws MaskingError on unknown types, bad headers and truncation', () => {
    const row = encodeBinaryRow(types.map((type) => ({ type, value: null })));
    expect(() => maskMysqlBinaryRow(Buffer.concat([Buffer.from([1]), row.subarray(1)]), plan, types)).toThrow(
      MaskingError,
    );
    const one = maskPlan([{ masked: true, textLike: false }], '[masked]');
    expect(() =>
      maskMysqlBinaryRow(encodeBinaryRow([{ type: 99, value: Buffer.from([1]) }]), one, [99]),
    ).toThrow(/unknown type/);
    const full = encodeBinaryRow([{ type: T.LONG, value: int4(1) }]);
    expect(() => maskMysqlBinaryRow(full.subarray(0, full.length - 1), one, [T.LONG])).toThrow(MaskingError);
    expect(() => maskMysqlBinaryRow(full, one, [T.LONG, T.LONG])).toThrow(MaskingError);
  });
});

function parseCopyText(data: Buffer, delimiter = '\t'): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (const line of data.toString().split('\n').slice(0, -1)) {
    const fields: (string | null)[] = [];
    let cur = '';
    let raw = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '\\') {
        const n = line[++i]!;
        raw += `\\${n}`;
        cur += n === 't' ? '\t' : n === 'n' ? '\n' : n === 'r' ? '\r' : n;
      } else if (c === delimiter) {
        fields.push(raw === '\\N' ? null : cur);
        cur = raw = '';
      } else {
        cur += c;
        raw += c;
      }
    }
    fields.push(raw === '\\N' ? null : cur);
    rows.push(fields);
  }
  return rows;
}

describe('maskCopyText', () => {
  const plan = maskPlan(
    [
      { masked: false, textLike: false },
      { masked: true, textLike: true },
      { masked: true, textLike: false },
      { masked: false, textLike: true },
    ],
    'mask\\ed\t!',
  );

  it('rewrites whole rows with escapes intact and the marker escaped', () => {
    const data = Buffer.from('1\talice\\tx@example.com\t42\tline\\nbreak\n2\t\\N\t\\N\tback\\\\slash\n');
    expect(parseCopyText(maskCopyText(data, plan))).toEqual([
      ['1', 'mask\\ed\t!', null, 'line\nbreak'],
      ['2', 'mask\\ed\t!', null, 'back\\slash'],
    ]);
  });

  it('round-trips any values, escapes included', () => {
    const copyEscape = (v: string) =>
      v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    const value = fc.option(
      fc.string({ unit: fc.constantFrom('a', 'é', '\t', '\n', '\r', '\\', 'N', ',', '"') }),
      {
        nil: null,
      },
    );
    const row = fc.tuple(value, value, value, value);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), (rows) => {
        const data = Buffer.from(
          rows.map((r) => `${r.map((v) => (v === null ? '\\N' : copyEscape(v))).join('\t')}\n`).join(''),
        );
        // plan: keep, marker, NULL, keep
        expect(parseCopyText(maskCopyText(data, plan))).toEqual(
          rows.map((r) => [r[0], 'mask\\ed\t!', null, r[3]]),
        );
      }),
    );
  });

  it('honours DELIMITER and NULL options', () => {
    const out = maskCopyText(Buffer.from('1,a\\,b,3,NULL\n'), plan, { delimiter: ',', null: 'NULL' });
    expect(out.toString()).toBe('1,mask\\\\ed\t!,NULL,NULL\n');
  });

  it('throws MaskingError on partial rows and wrong column counts', () => {
    expect(() => maskCopyText(Buffer.from('1\ta\t2\tb'), plan)).toThrow(MaskingError);
    expect(() => maskCopyText(Buffer.from('1\ta\t2\n'), plan)).toThrow(MaskingError);
    expect(() => maskCopyText(Buffer.from('1\ta\t2\tb\tc\n'), plan)).toThrow(MaskingError);
    expect(() => maskCopyText(Buffer.from('1\ta\t2\tb\\'), plan)).toThrow(MaskingError);
  });
});

function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let cur = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = wasQuoted = true;
    } else if (c === ',' || c === '\n') {
      row.push(cur === '' && !wasQuoted ? null : cur);
      cur = '';
      wasQuoted = false;
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else cur += c;
  }
  return rows;
}

describe('maskCopyCsv', () => {
  const plan = maskPlan(
    [
      { masked: false, textLike: false },
      { masked: true, textLike: true },
      { masked: true, textLike: false },
      { masked: false, textLike: true },
    ],
    'say "masked"',
  );

  it('handles quoted values with delimiters, quotes and newlines, and quotes the marker', () => {
    const data = Buffer.from('1,"a,b ""q""\nc",42,"x,\ny"\n2,,,\n');
    expect(parseCsv(maskCopyCsv(data, plan).toString())).toEqual([
      ['1', 'say "masked"', null, 'x,\ny'],
      ['2', 'say "masked"', null, null],
    ]);
  });

  it('round-trips any values through CSV quoting', () => {
    const quote = (v: string | null) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);
    const value = fc.option(fc.string({ unit: fc.constantFrom('a', 'é', ',', '\n', '"', ' ') }), {
      nil: null,
    });
    const row = fc.tuple(value, value, value, value);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), (rows) => {
        const data = Buffer.from(rows.map((r) => `${r.map(quote).join(',')}\n`).join(''));
        expect(parseCsv(maskCopyCsv(data, plan).toString())).toEqual(
          rows.map((r) => [r[0], 'say "masked"', null, r[3]]),
        );
      }),
    );
  });

  it('honours ESCAPE, QUOTE, DELIMITER and NULL options', () => {
    const data = Buffer.from("1;'a\\'b;c';x;'\\\\'\n");
    expect(
      maskCopyCsv(data, plan, { delimiter: ';', quote: "'", escape: '\\', null: 'NULL' }).toString(),
    ).toBe("1;'say \"masked\"';NULL;'\\\\'\n");
    const quotedMarker = maskPlan([{ masked: true, textLike: true }], "it's \\ here");
    expect(maskCopyCsv(Buffer.from('x\n'), quotedMarker, { quote: "'", escape: '\\' }).toString()).toBe(
      "'it\\'s \\\\ here'\n",
    );
  });

  it('throws MaskingError on unclosed quotes and wrong column counts', () => {
    expect(() => maskCopyCsv(Buffer.from('1,"open,3,4\n'), plan)).toThrow(MaskingError);
    expect(() => maskCopyCsv(Buffer.from('1,2,3\n'), plan)).toThrow(MaskingError);
    expect(() => maskCopyCsv(Buffer.from('1,2,3,4'), plan)).toThrow(MaskingError);
  });
});
