// Type changes that can lose values (narrowing) against those that keep them, both dialects.
import { describe, expect, it } from 'vitest';
import {
  type ColumnType,
  columnType,
  compareTypes,
  type TypeChange,
} from '../../src/sql/migration/column-types.js';

const pg = (name: string, ...mods: number[]) => columnType(name, mods, 'postgres');
const my = (name: string, mods: number[] = [], extra: { unsigned?: boolean; labels?: string[] } = {}) =>
  columnType(name, mods, 'mysql', extra);
const en = (...labels: string[]) => columnType('enum', [], 'mysql', { labels });

const CASES: [string, ColumnType, ColumnType, TypeChange][] = [
  ['varchar shorter', pg('varchar', 255), pg('varchar', 40), 'narrowing'],
  ['varchar longer', pg('varchar', 40), pg('varchar', 255), 'widening'],
  ['varchar to text', pg('varchar', 40), pg('text'), 'widening'],
  ['text to varchar', pg('text'), pg('varchar', 512), 'narrowing'],
  ['unbounded varchar to varchar(n)', pg('varchar'), pg('varchar', 10), 'narrowing'],
  ['same', pg('jsonb'), pg('jsonb'), 'same'],
  ['json to jsonb', pg('json'), pg('jsonb'), 'widening'],
  ['float8 to int4', pg('float8'), pg('int4'), 'narrowing'],
  ['numeric to int', pg('numeric', 12, 2), pg('int8'), 'narrowing'],
  ['numeric less scale', pg('numeric', 12, 4), pg('numeric', 12, 2), 'narrowing'],
  ['numeric more digits', pg('numeric', 12, 2), pg('numeric', 16, 2), 'widening'],
  ['numeric fewer integer digits', pg('numeric', 12, 2), pg('numeric', 12, 4), 'narrowing'],
  ['numeric to unbounded', pg('numeric', 12, 2), pg('numeric'), 'widening'],
  ['unbounded numeric to bounded', pg('numeric'), pg('numeric', 30, 0), 'narrowing'],
  ['int to numeric(5)', pg('int4'), pg('numeric', 5, 0), 'narrowing'],
  ['int to numeric(12)', pg('int4'), pg('numeric', 12, 0), 'widening'],
  ['bigint to int', pg('int8'), pg('int4'), 'narrowing'],
  ['int to bigint', pg('int4'), pg('int8'), 'widening'],
  ['int to float8', pg('int4'), pg('float8'), 'widening'],
  ['bigint to float8', pg('int8'), pg('float8'), 'narrowing'],
  ['float4 to float8', pg('float4'), pg('float8'), 'widening'],
  ['float8 to float4', pg('float8'), pg('float4'), 'narrowing'],
  ['bool to int', pg('bool'), pg('int4'), 'widening'],
  ['int to bool', pg('int4'), pg('bool'), 'narrowing'],
  ['timestamptz to date', pg('timestamptz'), pg('date'), 'narrowing'],
  ['date to timestamptz', pg('date'), pg('timestamptz'), 'widening'],
  ['timestamp to timestamptz', pg('timestamp'), pg('timestamptz'), 'widening'],
  ['timestamp(6) to timestamp(0)', pg('timestamp'), pg('timestamp', 0), 'narrowing'],
  ['text to int', pg('text'), pg('int4'), 'narrowing'],
  ['text to uuid', pg('text'), pg('uuid'), 'narrowing'],
  ['uuid to text', pg('uuid'), pg('text'), 'widening'],
  ['uuid to varchar(20)', pg('uuid'), pg('varchar', 20), 'narrowing'],
  ['int to varchar(20)', pg('int4'), pg('varchar', 20), 'widening'],
  ['bigint to varchar(10)', pg('int8'), pg('varchar', 10), 'narrowing'],
  ['user type to text', pg('mood'), pg('text'), 'unknown'],
  ['user type to boolean', pg('mood'), pg('bool'), 'unknown'],
  ['my varchar shorter', my('varchar', [255]), my('varchar', [40]), 'narrowing'],
  ['my text to varchar(512)', my('text'), my('varchar', [512]), 'narrowing'],
  ['my varchar to text', my('varchar', [255]), my('text'), 'widening'],
  ['my text to mediumtext', my('text'), my('mediumtext'), 'widening'],
  ['my longtext to text', my('longtext'), my('text'), 'narrowing'],
  ['my int unsigned to int', my('int', [], { unsigned: true }), my('int'), 'narrowing'],
  ['my int to int unsigned', my('int'), my('int', [], { unsigned: true }), 'narrowing'],
  ['my int unsigned to bigint', my('int', [], { unsigned: true }), my('bigint'), 'widening'],
  ['my int(11) display width only', my('int', [11]), my('integer'), 'same'],
  ['my decimal is decimal(10,0)', my('decimal'), my('decimal', [10, 0]), 'same'],
  ['pg serial is integer', pg('serial'), pg('int4'), 'same'],
  ['char(n) to varchar(n) is a change', pg('bpchar', 10), pg('varchar', 10), 'widening'],
  ['my bigint to int', my('bigint'), my('int'), 'narrowing'],
  ['my tinyint(1) is boolean', my('boolean'), my('tinyint', [1]), 'same'],
  ['my enum to boolean', en('yes', 'no'), my('boolean'), 'narrowing'],
  ['my enum fewer labels', en('a', 'b', 'c'), en('a', 'b'), 'narrowing'],
  ['my enum more labels', en('a', 'b'), en('a', 'b', 'c'), 'widening'],
  ['my enum to varchar(3)', en('short', 'longer'), my('varchar', [3]), 'narrowing'],
  ['my enum to varchar(10)', en('short', 'longer'), my('varchar', [10]), 'widening'],
  ['my decimal default (10,0) to (12,2)', my('decimal'), my('decimal', [12, 2]), 'widening'],
  ['my decimal to int', my('decimal', [10, 2]), my('int'), 'narrowing'],
  ['my double to float', my('double'), my('float'), 'narrowing'],
  ['my datetime to date', my('datetime'), my('date'), 'narrowing'],
  ['my datetime(6) to datetime', my('datetime', [6]), my('datetime'), 'narrowing'],
  ['my varbinary shorter', my('varbinary', [64]), my('varbinary', [16]), 'narrowing'],
  ['my blob to varchar', my('blob'), my('varchar', [100]), 'narrowing'],
];

describe('compareTypes', () => {
  it.each(CASES)('%s', (_name, from, to, want) => {
    expect(compareTypes(from, to)).toBe(want);
  });

  it('writes Postgres internal names the SQL way', () => {
    expect([pg('int4').text, pg('float8').text, pg('bool').text, pg('numeric', 10, 0).text]).toEqual([
      'integer',
      'double precision',
      'boolean',
      'numeric(10,0)',
    ]);
  });
});
