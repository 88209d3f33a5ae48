// The MySQL session's parsing state as the server confirms it: sql_mode, character_set_client
// and the schema, from the server's session-tracking reports in OK packets and, when those do
// not settle it, by reading them back on the client's connection between its commands; plus
// what only the analyzer knows (SQL-level prepared statements, routines created here).
import { UpstreamError } from '../../errors/wire-errors.js';
import type { MysqlAnalysis, MysqlAnalysisContext } from '../../sql/mysql/analyze.js';
import { isUnknownMode, lexFlags } from '../../sql/mysql/sql-mode.js';
import { mayChangeSessionState } from '../../sql/mysql/state.js';
import type { Analysis } from '../../sql/types.js';
import type { EngineSession } from '../session-contract.js';
import { ProtocolError } from './codec.js';
import { Status } from './constants.js';
import { SET_READ_ONLY } from './dry-run.js';
import type { ResponseTracker, TrackedState } from './replies.js';

/**
 * What the gateway asks the server to report in OK packets (CLIENT_SESSION_TRACK), on top of
 * what the session already tracks: every setting that changes how the next text is read.
 */
const TRACK_STATE =
  "SET SESSION session_track_system_variables = IF(@@session_track_system_variables = '*', '*', CONCAT_WS(',', NULLIF(@@session_track_system_variables, ''), 'sql_mode,character_set_client')), SESSION session_track_schema = ON";

export class MysqlSessionState {
  constructor(
    private readonly session: EngineSession,
    /** The client asked for CLIENT_SESSION_TRACK: the server reports changes in its OK packets. */
    private readonly sessionTrack: boolean,
    /** Runs a query of the gateway's own on the client's connection; its rows as text. */
    private readonly query: (sql: string) => Promise<(string | null)[][]>,
  ) {}

  get context(): MysqlAnalysisContext {
    return this.session.analysisContext as MysqlAnalysisContext;
  }

  /**
   * What only the analyzer can know carries forward: SQL-level prepared statements and the
   * routines created here. The parsing state (sql_mode, character set, schema) never comes
   * from the analysis: only from the server (confirm, refreshSessionState).
   */
  carryAnalyzerState(analysis: Analysis): void {
    const after = (analysis as Partial<MysqlAnalysis>).after;
    if (!after) return;
    const schema = this.context.mysql?.schema;
    this.context.mysql = {
      prepared: after.prepared,
      routines: after.routines,
      ...(schema ? { schema } : {}),
    };
  }

  /** Session-state changes the server reported in its OK packets. */
  confirm(tracked: TrackedState): void {
    const mode = tracked.variables.get('sql_mode');
    if (mode !== undefined) this.context.sqlMode = mode;
    const charset = tracked.variables.get('character_set_client');
    if (charset !== undefined) this.context.characterSetClient = charset.toLowerCase();
    if (tracked.schema !== undefined) this.setSchema(tracked.schema);
  }

  /**
   * Must the state be read from the server before the next command? When the server flagged a
   * change it did not spell out, when its status flags disagree with the sql_mode the gateway
   * holds, and after anything that may set state: session tracking alone is not enough, as
   * MariaDB 10.11 does not report `SET @@character_set_client := 'big5'` (the differential
   * fuzzer found it), and clients without CLIENT_SESSION_TRACK get no reports at all.
   */
  unconfirmed(t: ResponseTracker, analysis: Analysis | undefined): boolean {
    if (t.untracked) return true;
    if (t.status >= 0 && !isUnknownMode(this.context.sqlMode)) {
      // Every OK and EOF says whether NO_BACKSLASH_ESCAPES (and on MariaDB ANSI_QUOTES) is on.
      const flags = lexFlags(this.context.sqlMode);
      if (((t.status & Status.NO_BACKSLASH_ESCAPES) !== 0) !== flags.noBackslashEscapes) return true;
      const maria = this.context.server?.flavour === 'mariadb';
      if (maria && ((t.status & Status.ANSI_QUOTES) !== 0) !== flags.ansiQuotes) return true;
    }
    return analysis !== undefined && mayChangeSessionState(analysis.statements);
  }

  private setSchema(schema: string): void {
    this.session.info.database = schema;
    const m = this.context.mysql;
    const { schema: _old, ...rest } = m ?? {};
    this.context.mysql = schema ? { ...rest, schema } : rest;
  }

  /**
   * Reads the session's parsing state from the server (start-up, and when it is unconfirmed).
   * `track`: first ask the server to report state changes in its OK packets (at start-up and
   * after a session reset), so that changes made where the gateway does not expect them are
   * seen too.
   */
  async resync(track: boolean): Promise<void> {
    if (track && this.sessionTrack) {
      try {
        await this.query(TRACK_STATE);
      } catch (err) {
        // A server without these settings still answers the read-backs.
        if (!(err instanceof UpstreamError)) throw err;
      }
    }
    await this.refreshSessionState();
  }

  private async refreshSessionState(): Promise<void> {
    // A dry run's session is read-only (dry-run.ts), again after a reset.
    if (this.session.gateway.mode === 'dry-run') await this.query(SET_READ_ONLY);
    const [row] = await this.query('SELECT @@SESSION.sql_mode, DATABASE(), @@SESSION.character_set_client');
    if (!row) throw new ProtocolError('no row for @@sql_mode');
    this.context.sqlMode = row[0] ?? '';
    this.context.characterSetClient = (row[2] ?? '').toLowerCase();
    this.setSchema(row[1] ?? '');
  }
}
