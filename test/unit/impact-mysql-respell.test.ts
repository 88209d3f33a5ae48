import { describe, expect, it } from 'vitest';
import { respell } from '../../src/impact/mysql-respell.js';
import { tokenize } from '../../src/sql/mysql/lexer.js';
import { lexFlags } from '../../src/sql/mysql/sql-mode.js';

const MODES = ['', 'ANSI_QUOTES', 'NO_BACKSLASH_ESCAPES', 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES', 'MSSQL'];

/** Each token's kind and value, as `mode` lexes `text`. */
const read = (text: string, mode: string) =>
  tokenize(text, lexFlags(mode)).map((t) => [t.kind, t.kind === 'word' ? t.upper : t.value]);

describe('respell', () => {
  const texts = [
    `DELETE FROM orders WHERE note = 'a\\' OR status = ' OR GET_LOCK(1, 0) -- '\n`,
    `UPDATE "t" SET "a" = 'it''s', b = "x\\"y" WHERE c = 'back\\\\slash' AND d = N'n\\'`,
    `DELETE FROM [t] WHERE [a b] = _utf8mb4'v' OR x = X'4142' OR y = B'01' OR @'u"v' = 1`,
    `UPDATE t SET a = 1 /*!50700 , b = "q\\'" */ WHERE id = 2 # "comment' here`,
    'SELECT `a``b`, \'tab\\there\', "" FROM t',
  ];
  it('gives every other mode the tokens the session read', () => {
    for (const text of texts)
      for (const from of MODES)
        for (const to of MODES) {
          let session: unknown[];
          try {
            session = read(text, from);
          } catch {
            expect(respell(text, lexFlags(from), lexFlags(to))).toBeUndefined();
            continue;
          }
          const spelt = respell(text, lexFlags(from), lexFlags(to));
          if (spelt === undefined) {
            // Only a bracket the session reads as an operator, which MSSQL would read as a name.
            expect(lexFlags(to).brackets && !lexFlags(from).brackets, `${from} -> ${to}: ${text}`).toBe(true);
            expect(session).toContainEqual(['op', '[']);
            continue;
          }
          expect(read(spelt, to), `${from} -> ${to}: ${spelt}`).toEqual(session);
        }
  });

  it('keeps what every mode reads alike, and writes strings and names in the one form all read', () => {
    const nbe = lexFlags('NO_BACKSLASH_ESCAPES');
    const plain = lexFlags('');
    expect(respell("WHERE a = 'x\\y' AND `b` = 1 -- 'c'", nbe, plain)).toBe(
      "WHERE a = 'x\\\\y' AND `b` = 1 -- 'c'",
    );
    expect(respell('WHERE "a" = 1', lexFlags('ANSI_QUOTES'), plain)).toBe('WHERE `a` = 1');
    expect(respell('WHERE "a" = 1', plain, lexFlags('ANSI_QUOTES'))).toBe('WHERE a = 1'.replace('a', "'a'"));
  });

  it('promises nothing for text it cannot lex or whose optimizer hints it does not follow', () => {
    expect(respell("WHERE a = 'open", lexFlags(''), lexFlags('ANSI_QUOTES'))).toBeUndefined();
    expect(
      respell(
        "SELECT /*+ SET_VAR(sql_mode='') */ a FROM t",
        lexFlags('', { flavour: 'mysql', version: 80030 } as never),
        lexFlags(''),
      ),
    ).toBeUndefined();
  });
});
