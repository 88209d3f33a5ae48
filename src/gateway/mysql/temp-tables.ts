// The session's own temporary tables, seen from the gateway. The side connection cannot see
// them, so a write to one would be "rows unknown" there (or, when it shadows a permanent table
// of the same name, counted against that table). The names the session gave temporary tables
// only say when to ask; whether a write's table IS the session's temporary table right now is
// asked on the session's own connection just before the write is judged, because the server
// alone knows (a DROP, a stored function or a trigger may have dropped it, and the name then
// means the permanent table again). See src/sql/mysql/temp-tables.ts for what is exempted.
import type { MysqlAnalysisContext } from '../../sql/mysql/session.js';
import { singleWriteTarget, temporaryTableNames } from '../../sql/mysql/temp-tables.js';

/** Names remembered at most; beyond, the oldest are forgotten (they are only candidates). */
const MAX_NAMES = 256;

const quote = (s: string) => `\`${s.replace(/`/g, '``')}\``;
// The gateway's own query goes out as UTF-8 whatever character_set_client is: ASCII reads the same.
const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);

// Engines whose temporary table holds its own rows. A MERGE (MRG_MyISAM) temporary table is a
// view of permanent MyISAM tables, and CONNECT / FEDERATED / SPIDER ones reach other tables:
// a DELETE on them changes rows another reader sees.
const OWN_ROWS_ENGINES = new Set(['innodb', 'myisam', 'aria', 'memory']);

/**
 * Whether SHOW CREATE TABLE says a temporary table that stores its own rows. Quoted comments
 * are printed with newlines escaped, so the first line-initial `) ENGINE=` is the table's.
 */
function ownRows(create: string): boolean {
  if (!/^CREATE TEMPORARY TABLE /i.test(create)) return false;
  const engine = /\n\) ENGINE=(\w+)/.exec(create)?.[1];
  return engine !== undefined && OWN_ROWS_ENGINES.has(engine.toLowerCase());
}

export class SessionTemporaryTables {
  private readonly names = new Set<string>();

  /** After an input ran, whatever its outcome: the names it may have given temporary tables. */
  ran(text: string, sqlMode: string | undefined): void {
    for (const name of temporaryTableNames(text, sqlMode)) {
      this.names.delete(name);
      this.names.add(name);
      if (this.names.size > MAX_NAMES) this.names.delete(this.names.values().next().value!);
    }
  }

  /** COM_RESET_CONNECTION, COM_CHANGE_USER: the server dropped them all. */
  clear(): void {
    this.names.clear();
  }

  /**
   * Before a text query is judged: sets `ctx.ownTemporary` when the text is one single-table
   * UPDATE / DELETE whose table the session's own connection (`ask`) shows to be a temporary
   * table now, and clears it otherwise. A promise only when the server must be asked.
   */
  before(
    text: string,
    ctx: MysqlAnalysisContext,
    ask: (sql: string) => Promise<(string | null)[][]>,
  ): Promise<void> | undefined {
    delete ctx.ownTemporary;
    if (this.names.size === 0) return undefined;
    const target = singleWriteTarget(text, ctx.sqlMode);
    if (!target || !this.names.has(target.name.toLowerCase())) return undefined;
    if (!ascii(target.schema ?? '') || !ascii(target.name)) return undefined;
    // Named as the write names it, SHOW CREATE TABLE resolves it as the write will (in the
    // server's current schema, a temporary table first).
    const named = `${target.schema ? `${quote(target.schema)}.` : ''}${quote(target.name)}`;
    return ask(`SHOW CREATE TABLE ${named}`).then(
      (rows) => {
        if (ownRows(rows[0]?.[1] ?? ''))
          ctx.ownTemporary = { text, table: `${target.schema ?? ctx.mysql?.schema ?? ''}.${target.name}` };
      },
      // No such table, or any other failure: not known to be the session's own.
      () => undefined,
    );
  }
}
