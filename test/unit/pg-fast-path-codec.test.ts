// The FunctionCall decoder and the SQL forms whose one row is a new large object's OID.
import { describe, expect, it } from 'vitest';
import { onlyColumn, readFunctionCall, readFunctionResult } from '../../src/gateway/postgres/codec.js';
import { OwnLargeObjects, sqlCreatesLargeObject } from '../../src/gateway/postgres/large-objects.js';
import type { AnalysisContext } from '../../src/sql/types.js';
import { frame } from '../support/pg-wire.js';

const int16 = (...ns: number[]) => Buffer.from(ns.flatMap((n) => [(n >> 8) & 0xff, n & 0xff]));
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('readFunctionCall', () => {
  it('reads the OID (unsigned), per-argument formats, NULLs and the result format', () => {
    const m = frame(
      'F',
      Buffer.from([0xf0, 0, 0, 1]),
      int16(2, 0, 1),
      int16(2),
      int32(3),
      Buffer.from('abc'),
      int32(-1),
      int16(1),
    );
    const call = readFunctionCall(m, 0, m.length)!;
    expect(call.oid).toBe(0xf0000001);
    expect(call.formats).toEqual([0, 1]);
    expect(call.args.map((a) => a?.toString() ?? null)).toEqual(['abc', null]);
    expect(call.resultFormat).toBe(1);
  });

  it('applies one format code to every argument, and none means text', () => {
    const one = frame('F', int32(10), int16(1, 1), int16(2), int32(1), Buffer.from('x'), int32(0), int16(0));
    expect(readFunctionCall(one, 0, one.length)?.formats).toEqual([1, 1]);
    const none = frame('F', int32(10), int16(0), int16(1), int32(1), Buffer.from('x'), int16(0));
    expect(readFunctionCall(none, 0, none.length)?.formats).toEqual([0]);
  });

  it('refuses malformed messages: lengths past the end, trailing bytes, bad format codes', () => {
    const cases = [
      frame('F', int32(10), int16(0), int16(1), int32(9), Buffer.from('x'), int16(0)),
      frame('F', int32(10), int16(0), int16(0), int16(0), Buffer.from('junk')),
      frame('F', int32(10), int16(1, 2), int16(1), int32(1), Buffer.from('x'), int16(0)),
      frame('F', int32(10), int16(2, 0, 0), int16(1), int32(1), Buffer.from('x'), int16(0)),
      frame('F', int32(10), int16(0), int16(0), int16(7)),
      frame('F', int32(10)),
    ];
    for (const m of cases) expect(readFunctionCall(m, 0, m.length)).toBeUndefined();
  });

  it('reads a FunctionCallResponse value, NULL included', () => {
    const v = frame('V', int32(4), int32(16400));
    expect(readFunctionResult(v, 0, v.length)).toEqual(int32(16400));
    const n = frame('V', int32(-1));
    expect(readFunctionResult(n, 0, n.length)).toBeNull();
  });
});

describe('SQL that creates a large object and returns only its OID', () => {
  it('is the call alone, with or without schema, alias, placeholders and plain literals', () => {
    for (const sql of [
      'SELECT lo_creat(-1)',
      'select pg_catalog.lo_create(0) AS oid;',
      'SELECT lo_from_bytea(0, $1) AS oid',
      "SELECT lo_from_bytea(0, decode('6869', 'hex'))",
    ])
      expect(sqlCreatesLargeObject([sql]), sql).toBe(true);
  });

  it('is nothing else: other columns or clauses, comments, dollar quotes, backslashes, several statements', () => {
    for (const sql of [
      'SELECT lo_creat(-1), 16384',
      'SELECT lo_create(0) FROM generate_series(1, 2)',
      'SELECT lo_create(/* ( */ 7) - (1 /* ) */)',
      'SELECT lo_create(7 -- )\n) - 1',
      'SELECT lo_create($$)$$::int) - ($$($$::int)',
      "SELECT lo_from_bytea(0, E'\\x29') - 1",
      "SELECT lo_from_bytea(0, ')') , (1)",
      'SELECT 5, lo_creat(-1)',
    ])
      expect(sqlCreatesLargeObject([sql]), sql).toBe(false);
    expect(sqlCreatesLargeObject(['SELECT lo_creat(-1)', 'SELECT 1'])).toBe(false);
    expect(sqlCreatesLargeObject(undefined)).toBe(false);
  });

  it('reads the only column of a one-column DataRow', () => {
    const row = frame('D', int16(1), int32(5), Buffer.from('16400'));
    expect(onlyColumn(row, 0, row.length)?.toString()).toBe('16400');
    const two = frame('D', int16(2), int32(1), Buffer.from('1'), int32(1), Buffer.from('2'));
    expect(onlyColumn(two, 0, two.length)).toBeUndefined();
  });
});

describe("the session's own large objects", () => {
  const oid = (n: number) => Buffer.from(String(n));

  it('are what the server answered, binary or text; 0 and malformed values are not', () => {
    const ctx: AnalysisContext = { dialect: 'postgres' };
    const own = new OwnLargeObjects(ctx);
    own.created(oid(16400), false);
    own.created(int32(16401), true);
    own.created(oid(0), false);
    own.created(Buffer.from('16402x'), false);
    own.created(null, false);
    expect([...(ctx.largeObjects ?? [])]).toEqual([16400, 16401]);
  });

  it('stay after a commit, and are forgotten when their transaction ends in an error or a ROLLBACK', () => {
    const ctx: AnalysisContext = { dialect: 'postgres' };
    const own = new OwnLargeObjects(ctx);
    own.created(oid(1), false);
    own.ready(false);
    own.ready(true);
    own.created(oid(2), false);
    own.undo();
    own.ready(false);
    expect([...(ctx.largeObjects ?? [])]).toEqual([1, 2]);
    own.ready(true);
    expect([...(ctx.largeObjects ?? [])]).toEqual([1]);
    // An error before anything was pending undoes nothing made later.
    own.undo();
    own.created(oid(3), false);
    own.ready(true);
    expect([...(ctx.largeObjects ?? [])]).toEqual([1, 3]);
  });
});
