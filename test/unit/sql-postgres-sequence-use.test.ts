import { beforeAll, describe, expect, it } from 'vitest';
import { loadPostgresParser } from '../../src/sql/analyze.js';
import {
  ANY_WRITE,
  movesSequence,
  ownSequenceDdl,
  rowWrites,
  sequenceFunctionsDefined,
} from '../../src/sql/postgres/sequence-use.js';

beforeAll(loadPostgresParser);

const why = (text: string, columns: readonly string[] | undefined) =>
  rowWrites(text).map((w) => movesSequence(w, columns));

describe('Postgres writes that draw from a sequence without naming it', () => {
  it('an insert that leaves a sequence column to its default, in every form', () => {
    for (const text of [
      "INSERT INTO t (note) VALUES ('a')",
      "INSERT INTO t VALUES (1, 'a')",
      'INSERT INTO t DEFAULT VALUES',
      "INSERT INTO t (id, note) VALUES (DEFAULT, 'a')",
      "INSERT INTO t (id, note) OVERRIDING USER VALUE VALUES (1, 'a')",
      "WITH x AS (INSERT INTO t (note) VALUES ('a') RETURNING id) SELECT * FROM x",
      'INSERT INTO t (note) SELECT note FROM u ON CONFLICT DO NOTHING',
      'COPY t (note) FROM STDIN',
      'COPY t FROM STDIN',
      'MERGE INTO t USING u ON t.id = u.id WHEN NOT MATCHED THEN INSERT (note) VALUES (u.note)',
      'UPDATE t SET id = DEFAULT',
    ])
      expect(why(text, ['id']).some(Boolean), text).toBe(true);
  });

  it('near misses: the column supplied, no sequence behind the table, a plain change', () => {
    for (const text of [
      "INSERT INTO t (id, note) VALUES (1, 'a')",
      'COPY t (id, note) FROM STDIN',
      "UPDATE t SET note = 'a'",
      'DELETE FROM t',
      'MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET note = u.note',
      'COPY t TO STDOUT',
      'SELECT * FROM t',
    ])
      expect(why(text, ['id']).filter(Boolean), text).toEqual([]);
    expect(why("INSERT INTO t VALUES (1, 'a')", [])).toEqual([undefined]);
  });

  it('a trigger that calls nextval() makes every write draw; unknown columns fail closed', () => {
    expect(why("UPDATE t SET note = 'a'", [ANY_WRITE])[0]).toMatch(/trigger/);
    expect(why('DELETE FROM t', undefined)[0]).toMatch(/could not be read/);
  });

  it("notes the dry run's own DDL that may draw from an existing sequence", () => {
    expect(
      ownSequenceDdl(`CREATE TABLE a (id bigint DEFAULT nextval('s'));
        CREATE TABLE b (id serial, at timestamptz DEFAULT now());
        CREATE TABLE c (LIKE x INCLUDING DEFAULTS);
        CREATE TABLE d () INHERITS (x);
        ALTER TABLE e ALTER COLUMN id SET DEFAULT next_id();
        ALTER TABLE f ADD COLUMN n int;
        CREATE TRIGGER g BEFORE INSERT ON h FOR EACH ROW EXECUTE FUNCTION f()`),
    ).toEqual(['a', 'c', 'd', 'e', 'h']);
  });

  it('finds functions defined in the same input whose bodies name a sequence function', () => {
    expect(
      sequenceFunctionsDefined(`CREATE FUNCTION s1() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('q') $$;
        CREATE FUNCTION s2() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
        CREATE FUNCTION S3() RETURNS bigint LANGUAGE sql RETURN setval('q', 1)`),
    ).toEqual(['s1', 's3']);
  });
});
