// The context-free part of Postgres analysis: parse the text once and walk every statement.
// Its result depends only on the text (and standard_conforming_strings), so it is what the
// caches keep; session-dependent judgement (function bodies, prepared statements, tables
// created earlier) is applied afterwards by ./session.ts.
import { firstTokenAtOrAfter } from '../canonical.js';
import type { Lexed } from '../digest.js';
import { byteToCharMapper, PgSyntaxError, parseSql, type RawStatement } from './parser.js';
import { type Effect, isReadOnly, type Pending, Walker } from './walker.js';

export interface CoreStatement {
  /** Character range of the statement in the text, trimmed to its first and last token. */
  start: number;
  end: number;
  pending: Pending[];
  effects: Effect[];
  readOnly: boolean;
}

export interface Core {
  statements: CoreStatement[];
  /** Some judgement read a literal's value: not reusable for another text of the same shape. */
  literalSensitive: boolean;
}

export const DEFAULT_MAX_STATEMENT_LENGTH = 1024 * 1024;

function whole(text: string, pending: Pending[]): Core {
  const start = text.length - text.trimStart().length;
  return {
    statements: [{ start, end: text.trimEnd().length, pending, effects: [], readOnly: false }],
    literalSensitive: true,
  };
}

/** Trims a parser statement range to its tokens (no leading comments, no trailing `;`). */
function trim(lexed: Lexed | undefined, text: string, start: number, end: number): [number, number] {
  if (!lexed) {
    const slice = text.slice(start, end);
    const lead = slice.length - slice.trimStart().length;
    return [start + lead, start + slice.trimEnd().length];
  }
  const first = firstTokenAtOrAfter(lexed, start);
  let last = firstTokenAtOrAfter(lexed, end) - 1;
  while (last > first && lexed.tokens[last] === ';') last--;
  if (first > last || first >= lexed.starts.length) return [start, start];
  return [lexed.starts[first]!, lexed.ends[last]!];
}

export function postgresCore(
  text: string,
  opts: { lexed: Lexed | undefined; standardConformingStrings: boolean; maxLength: number },
): Core {
  if (text.length > opts.maxLength) {
    return whole(text, [
      {
        rule: 'opaque/oversized',
        objects: [],
        message: `statement of ${text.length} characters exceeds the analysis cap of ${opts.maxLength}`,
        at: 0,
      },
    ]);
  }
  if (!opts.standardConformingStrings && opts.lexed?.backslashInPlainString !== false) {
    // With standard_conforming_strings off the server reads '\'' differently from the parser.
    return whole(text, [
      {
        rule: 'opaque/unparseable',
        objects: [],
        message: 'a string literal contains a backslash while standard_conforming_strings is off',
        at: 0,
      },
    ]);
  }
  let raws: RawStatement[];
  try {
    raws = parseSql(text);
  } catch (err) {
    const position = err instanceof PgSyntaxError ? err.position : undefined;
    return whole(text, [
      {
        rule: 'opaque/unparseable',
        objects: [],
        message: `cannot be parsed: ${(err as Error).message}`,
        at: position === undefined ? 0 : byteToCharMapper(text)(position),
      },
    ]);
  }
  let literalSensitive = false;
  const statements = raws.map((raw): CoreStatement => {
    const walker = new Walker({ sql: text, scsOff: !opts.standardConformingStrings });
    let range: { start: number; end: number };
    try {
      range = walker.statement(raw);
    } catch (err) {
      // A tree too deep for the walk (or any analysis failure) is not judged: opaque.
      const start = byteToCharMapper(text)(raw.stmt_location ?? 0);
      const end = raw.stmt_len
        ? byteToCharMapper(text)((raw.stmt_location ?? 0) + raw.stmt_len)
        : text.length;
      const [s, e] = trim(opts.lexed, text, start, end);
      literalSensitive = true;
      return {
        start: s,
        end: e,
        pending: [
          {
            rule: 'opaque/unparseable',
            objects: [],
            message: `could not be analysed: ${err instanceof RangeError ? 'nested too deeply' : (err as Error).message}`,
            at: s,
          },
        ],
        effects: [],
        readOnly: false,
      };
    }
    if (walker.literalSensitive) literalSensitive = true;
    const [start, end] = trim(opts.lexed, text, range.start, range.end);
    return {
      start,
      end,
      pending: walker.findings,
      effects: walker.effects,
      readOnly: walker.findings.length === 0 && isReadOnly(raw.stmt),
    };
  });
  return { statements, literalSensitive };
}
