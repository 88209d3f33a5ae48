// What one Postgres session's server has confirmed about the settings that change how it reads
// text: the protocol engine writes it only from ParameterStatus (the transaction status stays in
// Replies.txStatus); the analyzer and the engine's decoder read it. Nothing a statement *says* it will set counts until the
// server reports it (a SET may fail, a function may set something its text does not show, a
// ROLLBACK may undo a SET LOCAL).
//
// Settings the server does not report (backslash_quote, escape_string_warning) are not tracked,
// on purpose: backslash_quote only decides whether `\'` is accepted or is an error, and the
// analyzer's parser always accepts it, so any value of it either agrees with the analyzer or
// makes the server refuse the whole message; escape_string_warning only adds warnings. See
// docs/threat-model.md, "Postgres: session state and encodings".
import { scan } from '../digest.js';
import { type Decoded, decode } from './encoding.js';

export class PostgresSessionState {
  /** client_encoding as reported (Postgres' canonical name). Every server reports it at start-up. */
  clientEncoding = 'UTF8';
  serverEncoding = 'UTF8';
  private scs = true;
  /** search_path, when the server reports it (PostgreSQL 18 and later). */
  searchPath: string | undefined;
  /**
   * The message being judged follows others whose effect on these settings is not yet
   * confirmed: the analyzer reads it under every value they could have left (the strictest).
   */
  unsettled = false;

  /** standard_conforming_strings as the analyzer must assume it: off while unsettled. */
  get standardConformingStrings(): boolean {
    return this.scs && !this.unsettled;
  }

  /** A ParameterStatus from the server. */
  parameter(name: string, value: string): void {
    switch (name) {
      case 'client_encoding':
        this.clientEncoding = value.toUpperCase();
        break;
      case 'server_encoding':
        this.serverEncoding = value.toUpperCase();
        break;
      case 'standard_conforming_strings':
        this.scs = value === 'on';
        break;
      case 'search_path':
        this.searchPath = value;
        break;
    }
  }

  /** The text of a Query or Parse, as the server will read these bytes now. */
  decode(b: Buffer, start: number, end: number): Decoded {
    return decode(b, start, end, this.clientEncoding, this.serverEncoding);
  }
}

/** A state with standard_conforming_strings given (analysis outside a live session: files, tests). */
export function postgresState(opts: { standardConformingStrings?: boolean } = {}): PostgresSessionState {
  const s = new PostgresSessionState();
  if (opts.standardConformingStrings === false) s.parameter('standard_conforming_strings', 'off');
  return s;
}

/**
 * Whether the server, reading `text` with standard_conforming_strings off, finds a backslash in a
 * plain '…' string, where it escapes the next character: a reader that takes such strings as
 * standard (the scanners in masking, libpg-query, a side connection with the setting on) then
 * ends a literal early, and reads what follows as code. Text that cannot be lexed so counts too.
 */
export function escapesInPlainStrings(text: string): boolean {
  if (!text.includes('\\')) return false;
  return (
    scan(text, { dialect: 'postgres', standardConformingStrings: false })?.backslashInPlainString ?? true
  );
}
