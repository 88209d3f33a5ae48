// libpg-query (the real Postgres parser, compiled to WebAssembly) behind a synchronous API: the
// one module of src/ that imports it. The module must be loaded once, asynchronously, before the
// first analysis.
import {
  loadModule,
  type ParseResult,
  parsePlPgSQLSync,
  parseSync,
  type ScanResult,
  scanSync,
} from 'libpg-query';

let loaded: Promise<void> | undefined;
let ready = false;

/** Loads the parser. Call (and await) once at start-up; later calls are free. */
export function loadPostgresParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

export function postgresParserReady(): boolean {
  return ready;
}

function assertReady(): void {
  if (!ready) throw new Error('the Postgres parser is not loaded: await loadPostgresParser() first');
}

export type PgNode = Record<string, unknown>;

export interface RawStatement {
  stmt: PgNode;
  /** Byte offsets in the parsed text. */
  stmt_location?: number;
  stmt_len?: number;
}

export class PgSyntaxError extends Error {
  constructor(
    message: string,
    /** Byte offset of the error in the parsed text, when the parser reports one. */
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

export function parseSql(text: string): RawStatement[] {
  assertReady();
  if (text.trim() === '') return [];
  try {
    return (parseSync(text) as unknown as { stmts?: RawStatement[] }).stmts ?? [];
  } catch (err) {
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new PgSyntaxError((err as Error).message, details?.cursorPosition);
  }
}

/** libpg-query's own parse result (masking reads view definitions and COPY from it). */
export function parseTree(text: string): ParseResult {
  assertReady();
  return parseSync(text);
}

/** libpg-query's tokens, with UTF-8 byte offsets (for redaction and impact probes). */
export function scanTokens(text: string): ScanResult {
  assertReady();
  return scanSync(text);
}

/** Parses the PL/pgSQL bodies of a CREATE FUNCTION or DO statement. */
export function parsePlpgsql(text: string): unknown {
  assertReady();
  try {
    return parsePlPgSQLSync(text);
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
  assertReady();
  if (text.trim() === '') return '';
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  for (const t of scanSync(text).tokens) {
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
