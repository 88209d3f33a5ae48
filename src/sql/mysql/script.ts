// Migration files as the mysql client runs them: the client, not the server, splits the file
// into queries (DELIMITER lines change the terminator; \g and \G end a query too), and each
// query is analysed as one COM_QUERY, carrying the session state from one to the next.
import type { StatementAnalysis } from '../types.js';
import { analyzeMysql, assemble, type MysqlAnalysis } from './analyze.js';
import { LexError, Lexer } from './lexer.js';
import type { MysqlAnalysisContext, MysqlSessionAfter } from './session.js';
import { isUnknownMode, lexFlags } from './sql-mode.js';
import { isWord } from './tokens.js';
import { location } from './walker.js';

/**
 * Analyses a migration file the way the mysql client runs it: `DELIMITER xx` lines (a client
 * directive) change the terminator; each chunk between delimiters is one query for the server.
 */
export function analyzeMysqlScript(text: string, ctx: MysqlAnalysisContext): MysqlAnalysis {
  const statements: StatementAnalysis[] = [];
  let current: MysqlAnalysisContext = ctx;
  let literalSensitive = false;
  let sessionSensitive = false;
  let changesSession = false;
  let after: MysqlSessionAfter | undefined;
  let pos = 0;
  let delimiter = ';';
  while (pos < text.length) {
    const chunk = nextChunk(text, pos, delimiter, current.sqlMode);
    const part = analyzeMysql(text.slice(pos, chunk.end), current);
    for (const s of part.statements) {
      const offset = s.offset + pos;
      statements.push({
        ...s,
        offset,
        findings: s.findings.map((f) => (f.location ? { ...f, location: location(text, offset) } : f)),
      });
    }
    literalSensitive ||= part.literalSensitive;
    sessionSensitive ||= part.sessionSensitive;
    changesSession ||= part.changesSession;
    after = part.after;
    current = {
      ...ctx,
      ...(part.after.sqlMode !== undefined ? { sqlMode: part.after.sqlMode } : {}),
      mysql: part.after,
    };
    if (chunk.delimiter !== undefined) delimiter = chunk.delimiter;
    pos = chunk.next;
  }
  const base = assemble(statements);
  return {
    ...base,
    after: after ?? {
      ...(ctx.sqlMode !== undefined ? { sqlMode: ctx.sqlMode } : {}),
      prepared: new Map(ctx.mysql?.prepared ?? []),
      routines: new Map(ctx.mysql?.routines ?? []),
    },
    literalSensitive,
    sessionSensitive,
    changesSession,
  };
}

function nextChunk(
  text: string,
  pos: number,
  delimiter: string,
  sqlMode: string | undefined,
): { end: number; next: number; delimiter?: string } {
  const flags = lexFlags(isUnknownMode(sqlMode) ? '' : sqlMode);
  const lexer = new Lexer(
    text,
    flags,
    { pos, inExecutable: false },
    delimiter === ';' ? undefined : delimiter,
  );
  try {
    for (let t = lexer.next(); t; t = lexer.next()) {
      if (t.kind === 'punct' && t.value === ';' && t.text !== ';') return { end: t.start, next: t.end };
      // The client's \g and \G also end a query.
      if (t.kind === 'op' && t.text === '\\') {
        const g = lexer.next();
        if (g && !g.spaced && g.kind === 'word' && g.upper === 'G') return { end: t.start, next: g.end };
      }
      if (isWord(t, 'DELIMITER') && atLineStart(text, t.start)) {
        let eol = text.indexOf('\n', t.end);
        if (eol < 0) eol = text.length;
        const next = text.slice(t.end, eol).trim().split(/\s+/)[0] ?? '';
        return { end: t.start, next: eol, ...(next ? { delimiter: next } : {}) };
      }
    }
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
  }
  return { end: text.length, next: text.length };
}

function atLineStart(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t' && c !== '\r') return false;
  }
  return true;
}
