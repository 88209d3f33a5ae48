// libpg-query (the real Postgres parser, compiled to WebAssembly) behind a synchronous API: the
// one module of src/ that imports it. Importing libpg-query compiles its WebAssembly, so it is
// imported on first use, by `loadPostgresParser()`: every entry point that reaches the parser
// (the analyzers, impact estimates, the gateway context that masking runs in) awaits it once
// before its first synchronous call, and a call before that throws.
import type * as LibPgQuery from 'libpg-query';
import type { ParseResult, ScanResult } from 'libpg-query';
import { GuardrailError, type GuardrailErrorCode } from '../../errors/guardrail-error.js';

let loaded: Promise<void> | undefined;
let lib: typeof LibPgQuery | undefined;

/** Loads the parser. Call (and await) once at start-up; later calls are free. */
export function loadPostgresParser(): Promise<void> {
  loaded ??= import('libpg-query').then(async (m) => {
    // Bundled (dist/), libpg-query is its CommonJS build, whose namespace is `{ default: exports }`.
    const mod = 'loadModule' in m ? m : (m as unknown as { default: typeof LibPgQuery }).default;
    await mod.loadModule();
    lib = mod;
  });
  return loaded;
}

function parser(): typeof LibPgQuery {
  if (lib === undefined)
    throw new GuardrailError('the Postgres parser is not loaded: await loadPostgresParser() first', {
      code: 'ERR_PARSER_NOT_LOADED',
    });
  return lib;
}

export type PgNode = Record<string, unknown>;

export interface RawStatement {
  stmt: PgNode;
  /** Byte offsets in the parsed text. */
  stmt_location?: number;
  stmt_len?: number;
}

export class PgSyntaxError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_SQL_SYNTAX';

  constructor(
    message: string,
    /** Byte offset of the error in the parsed text, when the parser reports one. */
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

export function parseSql(text: string): RawStatement[] {
  const pg = parser();
  if (text.trim() === '') return [];
  try {
    return (pg.parseSync(text) as unknown as { stmts?: RawStatement[] }).stmts ?? [];
  } catch (err) {
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new PgSyntaxError((err as Error).message, details?.cursorPosition);
  }
}

/** libpg-query's own parse result (masking reads view definitions and COPY from it). */
export function parseTree(text: string): ParseResult {
  return parser().parseSync(text);
}

/** libpg-query's tokens, with UTF-8 byte offsets (for redaction and impact probes). */
export function scanTokens(text: string): ScanResult {
  return parser().scanSync(text);
}

/** Parses the PL/pgSQL bodies of a CREATE FUNCTION or DO statement. */
export function parsePlpgsql(text: string): unknown {
  const pg = parser();
  try {
    return pg.parsePlPgSQLSync(text);
  } catch (err) {
    throw new PgSyntaxError((err as Error).message, undefined);
  }
}

/**
 * The reference canonical form from the server's own lexer: token texts joined by single
 * spaces, comments dropped, keywords and unquoted identifiers lower-cased (ASCII only).
 * `canonical()` in ../canonical.ts must agree with it; the tests hold them together.
 */
export function canonicalFromScan(text: string): string {
  const pg = parser();
  if (text.trim() === '') return '';
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  for (const t of pg.scanSync(text).tokens) {
    if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT') continue;
    const raw = bytes.subarray(t.start, t.end).toString('utf8');
    const quotedIdent = t.tokenName === 'IDENT' && (raw.startsWith('"') || /^[uU]&"/.test(raw));
    const word = t.keywordKind !== 0 || (t.tokenName === 'IDENT' && !quotedIdent);
    out.push(word ? raw.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : raw);
  }
  return out.join(' ');
}

/** Maps the parser's byte offsets to string (UTF-16) offsets. */
export function byteToCharMapper(text: string): (byte: number) => number {
  if (!/[^\x00-\x7f]/.test(text)) return (b) => b;
  const bytes = Buffer.from(text, 'utf8');
  return (b) => bytes.subarray(0, Math.max(0, Math.min(b, bytes.length))).toString('utf8').length;
}
