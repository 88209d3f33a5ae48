// The Postgres codec's readers: each on a well-formed message, on every truncation of it (read
// through `end` inside a longer buffer, so bytes past the message are never taken), and on
// random bytes, where a reader answers undefined and never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errorResponse,
  message,
  parseParamTypes,
  queryMessage,
  readBind,
  readCommandTag,
  readError,
  readExecute,
  readParameterStatus,
  readParse,
  readQuery,
  readReadyStatus,
  readSeverity,
  readTarget,
  T,
} from '../../src/gateway/postgres/codec.js';

const cstr = (s: string) => Buffer.from(`${s}\0`);
const i16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** The message behind 3 unrelated bytes, followed by a NUL a reader must not reach past `end`. */
function placed(msg: Buffer): { buf: Buffer; start: number; end: number } {
  return {
    buf: Buffer.concat([Buffer.from('xyz'), msg, Buffer.from([0, 0, 0, 0])]),
    start: 3,
    end: 3 + msg.length,
  };
}

/** Every strict prefix of the message, read in place. */
function truncations<R>(msg: Buffer, read: (buf: Buffer, start: number, end: number) => R): R[] {
  const { buf, start } = placed(msg);
  const out: R[] = [];
  for (let cut = 5; cut < msg.length; cut++) out.push(read(buf, start, start + cut));
  return out;
}

const parse = message(T.parse, Buffer.concat([cstr('s1'), cstr('select $1, $2'), i16(2), i32(23), i32(0)]));
const bind = message(
  T.bind,
  Buffer.concat([
    cstr('p1'),
    cstr('s1'),
    i16(2),
    i16(0),
    i16(1),
    i16(3),
    i32(3),
    Buffer.from('abc'),
    i32(-1),
    i32(4),
    i32(7),
    i16(1),
    i16(1),
  ]),
);

describe('readQuery', () => {
  it('gives the range of the statement text', () => {
    const { buf, start, end } = placed(queryMessage('select 1'));
    const q = readQuery(buf, start, end)!;
    expect(buf.toString('utf8', q.from, q.to)).toBe('select 1');
  });
  it('is undefined when the text is not terminated inside the message', () => {
    expect(truncations(queryMessage('select 1'), readQuery)).toEqual(Array(9).fill(undefined));
  });
});

describe('readParse', () => {
  it('gives the name, the text range and where the parameter types start', () => {
    const { buf, start, end } = placed(parse);
    const m = readParse(buf, start, end)!;
    expect(m.name).toBe('s1');
    expect(buf.toString('utf8', m.from, m.to)).toBe('select $1, $2');
    expect(parseParamTypes(buf, m.types, end)).toEqual([23, 0]);
  });
  it('is undefined without both names terminated; a cut type list reads as unknown types', () => {
    const { buf, start } = placed(parse);
    for (let cut = 5; cut < parse.length; cut++) {
      const m = readParse(buf, start, start + cut);
      const texts = 5 + 3 + 14;
      if (cut < texts) expect(m).toBeUndefined();
      else expect(parseParamTypes(buf, m!.types, start + cut)).toBeUndefined();
    }
  });
});

describe('readExecute and readTarget', () => {
  it('read the portal of an Execute and the target of a Describe or Close', () => {
    const exec = message(T.execute, Buffer.concat([cstr('p1'), i32(0)]));
    expect(readExecute(exec, 0, exec.length)).toBe('p1');
    const statement = message(T.describe, Buffer.concat([Buffer.from('S'), cstr('s1')]));
    expect(readTarget(statement, 0, statement.length)).toEqual({ statement: true, name: 's1' });
    const portal = message(T.close, Buffer.concat([Buffer.from('P'), cstr('')]));
    expect(readTarget(portal, 0, portal.length)).toEqual({ statement: false, name: '' });
  });
  it('are undefined when the name is cut', () => {
    const exec = message(T.execute, Buffer.concat([cstr('p1'), i32(0)]));
    expect(truncations(exec, readExecute).slice(0, 2)).toEqual([undefined, undefined]);
    const describe = message(T.describe, Buffer.concat([Buffer.from('S'), cstr('s1')]));
    expect(truncations(describe, readTarget)).toEqual(Array(4).fill(undefined));
  });
});

describe('readBind', () => {
  it('reads names, formats, each value in place, and the result formats', () => {
    const { buf, start, end } = placed(bind);
    const b = readBind(buf, start, end)!;
    expect([b.portal, b.statement, b.formats, b.resultFormats]).toEqual(['p1', 's1', [0, 1], [1]]);
    expect(b.values.map((v) => (v.len < 0 ? null : buf.toString('hex', v.at, v.at + v.len)))).toEqual([
      '616263',
      null,
      '00000007',
    ]);
    expect(buf.toString('utf8', start + 5, b.names)).toBe('p1\0s1\0');
  });
  it('is undefined for every truncation', () => {
    expect(truncations(bind, readBind).every((b) => b === undefined)).toBe(true);
  });
  it('is undefined for a negative value length other than -1 (NULL)', () => {
    const bad = message(T.bind, Buffer.concat([cstr(''), cstr(''), i16(0), i16(1), i32(-2), i16(0)]));
    expect(readBind(bad, 0, bad.length)).toBeUndefined();
    const nul = message(T.bind, Buffer.concat([cstr(''), cstr(''), i16(0), i16(1), i32(-1), i16(0)]));
    expect(readBind(nul, 0, nul.length)?.values).toEqual([{ at: nul.length - 2, len: -1 }]);
  });
});

describe('backend readers', () => {
  it('read a CommandComplete tag, a ReadyForQuery status and a ParameterStatus', () => {
    const tag = message(T.commandComplete, cstr('INSERT 0 5'));
    expect(readCommandTag(tag, 0, tag.length)).toBe('INSERT 0 5');
    expect(readCommandTag(tag, 0, tag.length - 1)).toBe('');
    const ready = message(T.ready, Buffer.from('T'));
    expect(String.fromCharCode(readReadyStatus(ready, 0))).toBe('T');
    const status = message(T.parameterStatus, Buffer.concat([cstr('client_encoding'), cstr('UTF8')]));
    expect(readParameterStatus(status, 0, status.length)).toEqual({ name: 'client_encoding', value: 'UTF8' });
    expect(readParameterStatus(status, 0, 8)).toBeUndefined();
  });
  it('read an ErrorResponse and its severity (V before the translated S)', () => {
    const err = errorResponse('42501', 'denied', 'FATAL');
    expect(readError(err, 0, err.length)).toMatchObject({
      severity: 'FATAL',
      code: '42501',
      message: 'denied',
    });
    expect(readSeverity(err, 0, err.length)).toBe('FATAL');
    const translated = message(T.error, Buffer.concat([cstr('SFATAL'), cstr('VERROR'), Buffer.from([0])]));
    expect(readSeverity(translated, 0, translated.length)).toBe('ERROR');
    const old = message(T.error, Buffer.concat([cstr('SPANIC'), cstr('C0'), Buffer.from([0])]));
    expect(readSeverity(old, 0, old.length)).toBe('PANIC');
    expect(readSeverity(err, 0, 9)).toBeUndefined();
  });
});

describe('on random bytes', () => {
  it('no reader throws', () => {
    const readers = [
      readQuery,
      readParse,
      readExecute,
      readTarget,
      readBind,
      readParameterStatus,
      readSeverity,
    ];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 5, maxLength: 64 }), fc.nat(64), (bytes, cut) => {
        const buf = Buffer.from(bytes);
        const end = Math.max(5, Math.min(buf.length, cut));
        for (const read of readers) expect(() => read(buf, 0, end)).not.toThrow();
      }),
    );
  });
});
