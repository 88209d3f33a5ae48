// Built-in (and common extension) functions whose mere call is a finding, and extensions whose
// installation opens the server to the host or to other servers.
import type { KnownRuleId } from '../rules.js';

const group = (rule: KnownRuleId, names: string[]): [string, KnownRuleId][] => names.map((n) => [n, rule]);

export const DANGEROUS_FUNCTIONS: ReadonlyMap<string, KnownRuleId> = new Map([
  ...group('exfiltration/server-file', [
    'pg_read_file',
    'pg_read_binary_file',
    'pg_ls_dir',
    'pg_stat_file',
    'pg_ls_logdir',
    'pg_ls_waldir',
    'pg_ls_tmpdir',
    'pg_ls_archive_statusdir',
    'pg_ls_logicalsnapdir',
    'pg_ls_logicalmapdir',
    'pg_ls_replslotdir',
    'pg_ls_summariesdir',
    'pg_file_write',
    'pg_file_read',
    'pg_file_rename',
    'pg_file_unlink',
    'pg_file_sync',
    'pg_logdir_ls',
  ]),
  ...group('exfiltration/large-object', ['lo_import', 'lo_export']),
  // Moves a sequence, back as easily as forward: later inserts collide with existing keys.
  ...group('destructive/sequence-reset', ['setval']),
  // Deletes a large object for good (no table row, no DROP: nothing else would show it).
  ...group('destructive/drop-other', ['lo_unlink']),
  ...group('exfiltration/remote-exec', [
    'dblink',
    'dblink_exec',
    'dblink_connect',
    'dblink_connect_u',
    'dblink_send_query',
    'dblink_open',
  ]),
  ...group('exfiltration/admin-function', [
    'pg_terminate_backend',
    'pg_cancel_backend',
    'pg_reload_conf',
    'pg_rotate_logfile',
    'pg_promote',
    'pg_switch_wal',
    'pg_create_restore_point',
    'pg_backup_start',
    'pg_backup_stop',
    'pg_start_backup',
    'pg_stop_backup',
    'pg_wal_replay_pause',
    'pg_wal_replay_resume',
    'pg_create_physical_replication_slot',
    'pg_create_logical_replication_slot',
    'pg_drop_replication_slot',
    'pg_copy_physical_replication_slot',
    'pg_copy_logical_replication_slot',
    'pg_replication_origin_create',
    'pg_replication_origin_drop',
    'pg_log_backend_memory_contexts',
    'pg_stat_reset',
    'pg_stat_reset_shared',
    'pg_signal_backend',
  ]),
]);

/** Settings whose change by set_config() is a change of identity. */
export const IDENTITY_SETTINGS: ReadonlyMap<string, KnownRuleId> = new Map([
  ['role', 'privilege/set-role'],
  ['session_authorization', 'privilege/session-authorization'],
]);

/**
 * Built-ins and contrib functions that execute SQL text given to them (found in the server's
 * source by what reaches SPI or a remote connection with an argument's text): the positions of
 * the arguments holding it, for a call with `count` arguments of which `bool(i)` says whether
 * argument i is a boolean constant; `assembled` when the query is built from pieces of several
 * arguments (table name, columns, a WHERE), which cannot be judged as one statement. cursor_to_xml
 * and table_to_xml are not here: they read an open cursor or a table, and run no new text.
 */
export function sqlTextArguments(
  name: string,
  count: number,
  bool: (i: number) => boolean,
): number[] | 'assembled' | undefined {
  switch (name) {
    case 'query_to_xml':
    case 'query_to_xmlschema':
    case 'query_to_xml_and_xmlschema':
    case 'ts_stat':
      return [0];
    case 'ts_rewrite':
      // ts_rewrite(tsquery, text): the text is a SELECT of (target, substitute) pairs; the
      // three-tsquery form runs nothing.
      return count === 2 ? [1] : undefined;
    case 'crosstab':
    case 'crosstab2':
    case 'crosstab3':
    case 'crosstab4':
      // tablefunc: the source SQL, and in crosstab(text, text) the category SQL.
      return count >= 2 && !bool(1) ? [0, 1] : [0];
    case 'dblink':
    case 'dblink_exec':
      // (sql), (sql, fail_on_error), (connection, sql[, fail_on_error]).
      return count === 1 || (count === 2 && bool(1)) ? [0] : [1];
    case 'dblink_send_query':
      return [1];
    case 'dblink_open':
      // (cursor, sql[, fail]), (connection, cursor, sql[, fail]).
      return count === 2 || (count === 3 && bool(2)) ? [1] : [2];
    case 'connectby':
    case 'xpath_table':
      return 'assembled';
    default:
      return undefined;
  }
}

export const RISKY_EXTENSIONS: ReadonlyMap<string, KnownRuleId> = new Map([
  ['dblink', 'exfiltration/remote-exec'],
  ['postgres_fdw', 'exfiltration/remote-exec'],
  ['file_fdw', 'exfiltration/server-file'],
  ['adminpack', 'exfiltration/server-file'],
  ['plpython3u', 'opaque/procedural-language'],
  ['plpythonu', 'opaque/procedural-language'],
  ['plperlu', 'opaque/procedural-language'],
  ['pltclu', 'opaque/procedural-language'],
]);

/** Column defaults that do not force a table rewrite when a column is added (PG 11+). */
export const NON_REWRITING_DEFAULTS: ReadonlySet<string> = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_timestamp',
  'current_date',
]);
