// MySQL token rules for SET: roles and passwords, server-wide settings, variables only an
// administrator may set, and integrity checks switched off; and the transaction access mode, which
// SET and START TRANSACTION can make writable again.
import type { Add } from '../classify.js';
import type { Token } from '../lexer.js';
import { isPunct, isWord } from '../tokens.js';

// Session variables whose change needs administrative rights (binary log, replication).
// Session variables only an administrator may set: they hide the session from the logs
// (sql_log_off), or change what and how replicas receive (binlog, GTID, Galera).
export const ADMIN_SESSION_VARS = new Set([
  'SQL_LOG_BIN',
  'SQL_LOG_OFF',
  'GTID_NEXT',
  'GTID_DOMAIN_ID',
  'GTID_SEQ_NO',
  'SERVER_ID',
  'PSEUDO_THREAD_ID',
  'PSEUDO_SLAVE_MODE',
  'SKIP_REPLICATION',
  'BINLOG_FORMAT',
  'WSREP_ON',
  'WSREP_OSU_METHOD',
]);

/** Session switches that, when off, let in rows that break keys or constraints. */
const INTEGRITY_CHECKS = new Set(['FOREIGN_KEY_CHECKS', 'UNIQUE_CHECKS', 'CHECK_CONSTRAINT_CHECKS']);
/** Values that leave such a check on; anything else (0, OFF, a variable) may switch it off. */
const CHECKS_ON = new Set(['1', 'ON', 'TRUE', 'DEFAULT']);

/**
 * The session variable a token names (`x`, `` `x` ``, `@@session.x`), upper-cased as the server
 * compares them; '' for other tokens.
 */
export function sessionVar(t: Token): string {
  if (t.kind === 'sysvar') return t.value.replace(/^(session|local)\./i, '').toUpperCase();
  return t.kind === 'word' ? t.upper : t.kind === 'qident' ? t.value.toUpperCase() : '';
}

/** Settings that make a read-only session or transaction writable again. */
const ACCESS_MODE_VARS = new Set(['TRANSACTION_READ_ONLY', 'TX_READ_ONLY']);

/**
 * Whether a statement changes the transaction access mode (`START TRANSACTION READ WRITE`,
 * `SET [SESSION] TRANSACTION READ WRITE`, `transaction_read_only` / `tx_read_only` in any spelling,
 * also inside `SET STATEMENT … FOR`): whatever it runs is then no longer held to read-only.
 */
export function changesAccessMode(tokens: readonly Token[]): boolean {
  return tokens.some(
    (t, i) => (isWord(t, 'READ') && isWord(tokens[i + 1], 'WRITE')) || ACCESS_MODE_VARS.has(sessionVar(t)),
  );
}

/** `<integrity check> = <value>` at `i`, with a value that may switch the check off. */
export function switchesOffChecks(tokens: readonly Token[], i: number): boolean {
  if (!INTEGRITY_CHECKS.has(sessionVar(tokens[i]!))) return false;
  const op = tokens[i + 1]?.text;
  if (op !== '=' && op !== ':=') return false;
  const value = tokens[i + 2];
  const end = tokens[i + 3];
  const plain = end === undefined || isPunct(end, ',') || isWord(end, 'FOR');
  return !(plain && value !== undefined && CHECKS_ON.has(value.value.toUpperCase()));
}

export function classifySet(tokens: readonly Token[], add: Add): boolean {
  const t1 = tokens[1];
  if (isWord(t1, 'ROLE')) {
    add(
      'privilege/set-role',
      [tokens[2]?.value ?? ''].filter(Boolean),
      'SET ROLE changes the active privileges',
    );
    return false;
  }
  if (isWord(t1, 'DEFAULT') && isWord(tokens[2], 'ROLE')) {
    add('privilege/role-change', [], 'SET DEFAULT ROLE');
    return false;
  }
  if (isWord(t1, 'PASSWORD')) {
    add('privilege/role-change', [], 'SET PASSWORD changes an account');
    return false;
  }
  if (isWord(t1, 'GLOBAL', 'PERSIST', 'PERSIST_ONLY')) {
    add('exfiltration/admin-function', [], `SET ${t1!.upper} changes server-wide settings`);
    return false;
  }
  for (const [i, t] of tokens.entries()) {
    if (switchesOffChecks(tokens, i))
      add(
        'destructive/disable-integrity',
        [],
        `${t.value} = ${tokens[i + 2]?.text ?? ''} stops enforcing it`,
      );
    if (isWord(t, 'GLOBAL', 'PERSIST', 'PERSIST_ONLY')) {
      add('exfiltration/admin-function', [], `SET ${t.upper} changes server-wide settings`);
      return false;
    }
    if (t.kind === 'sysvar' && /^(global|persist|persist_only)\./i.test(t.value)) {
      add('exfiltration/admin-function', [t.value], 'SET @@global changes server-wide settings');
      return false;
    }
    if (ADMIN_SESSION_VARS.has(sessionVar(t))) {
      add('exfiltration/admin-function', [t.value], `${t.value} needs administrative rights`);
      return false;
    }
  }
  // What is left sets session or local variables (SET NAMES, SET x = …, SET NEW.col = …): no data
  // effect of its own; functions and subqueries in the values are covered by scanAnywhere, and
  // sql_mode changes by the session tracking.
  return !isWord(t1, 'STATEMENT');
}
