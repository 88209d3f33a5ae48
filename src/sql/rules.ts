// The rule catalog: every rule id any analyzer may report, with its category and severity.
// Ids are stable (policies and approvals name them); docs/rules.md documents each one and a
// unit test keeps the two in step.
import type { Category, Finding, Location, Severity } from './types.js';

export interface RuleInfo {
  category: Category;
  severity: Severity;
  /** One line: what the rule reports. */
  title: string;
}

const rule = (category: Category, severity: Severity, title: string): RuleInfo => ({
  category,
  severity,
  title,
});

export const RULES = {
  'destructive/drop-database': rule('destructive', 'critical', 'DROP DATABASE'),
  'destructive/drop-schema': rule('destructive', 'critical', 'DROP SCHEMA'),
  'destructive/drop-table': rule('destructive', 'risk', 'DROP TABLE (and foreign tables)'),
  'destructive/drop-view': rule('destructive', 'risk', 'DROP VIEW / MATERIALIZED VIEW'),
  'destructive/drop-function': rule('destructive', 'risk', 'DROP FUNCTION / PROCEDURE / AGGREGATE'),
  'destructive/drop-type': rule('destructive', 'risk', 'DROP TYPE / DOMAIN'),
  'destructive/drop-sequence': rule('destructive', 'risk', 'DROP SEQUENCE'),
  'destructive/drop-index': rule('destructive', 'risk', 'DROP INDEX'),
  'destructive/drop-other': rule(
    'destructive',
    'risk',
    'DROP of any other object, DROP OWNED, CREATE OR REPLACE RULE',
  ),
  'destructive/truncate': rule('destructive', 'risk', 'TRUNCATE'),
  'destructive/drop-column': rule('destructive', 'risk', 'ALTER TABLE … DROP COLUMN'),
  'destructive/rename': rule('destructive', 'risk', 'renaming an existing table, view or column'),
  'destructive/delete-without-where': rule('destructive', 'risk', 'DELETE without a (non-trivial) WHERE'),
  'destructive/update-without-where': rule('destructive', 'risk', 'UPDATE without a (non-trivial) WHERE'),
  'destructive/drop-constraint': rule('destructive', 'risk', 'ALTER TABLE … DROP CONSTRAINT'),
  'destructive/narrowing-type': rule(
    'destructive',
    'risk',
    'column type change that can truncate, round or reject existing values (old type known)',
  ),
  'destructive/drop-recreated': rule(
    'destructive',
    'warn',
    'DROP of a view, index, trigger, function or constraint the same migration recreates',
  ),
  'destructive/merge-delete': rule('destructive', 'risk', 'MERGE … WHEN MATCHED THEN DELETE'),
  'destructive/replace': rule('destructive', 'risk', 'MySQL REPLACE (deletes the conflicting row)'),
  'destructive/drop-partition': rule('destructive', 'risk', 'DROP / DETACH PARTITION, NO INHERIT'),
  'destructive/truncate-partition': rule('destructive', 'risk', 'MySQL ALTER TABLE … TRUNCATE PARTITION'),
  'destructive/disable-integrity': rule(
    'destructive',
    'risk',
    'foreign-key checks, triggers or WAL switched off (session_replication_role, DISABLE TRIGGER, SET UNLOGGED, FOREIGN_KEY_CHECKS=0, SET_VAR hints)',
  ),
  'destructive/sequence-reset': rule(
    'destructive',
    'risk',
    'ALTER SEQUENCE … RESTART, setval(), identity RESTART',
  ),
  'privilege/grant': rule('privilege', 'risk', 'GRANT of privileges or role membership'),
  'privilege/revoke': rule('privilege', 'risk', 'REVOKE of privileges or role membership'),
  'privilege/role-change': rule('privilege', 'risk', 'CREATE / ALTER / DROP ROLE or USER'),
  'privilege/set-role': rule('privilege', 'risk', 'SET ROLE, set_config(role)'),
  'privilege/session-authorization': rule('privilege', 'critical', 'SET SESSION AUTHORIZATION'),
  'privilege/default-privileges': rule('privilege', 'risk', 'ALTER DEFAULT PRIVILEGES'),
  'privilege/security-definer': rule('privilege', 'risk', 'function running with its owner’s rights'),
  'privilege/owner-change': rule('privilege', 'risk', 'ALTER … OWNER TO, REASSIGN OWNED'),
  'privilege/row-security': rule(
    'privilege',
    'risk',
    'DISABLE / NO FORCE ROW LEVEL SECURITY, DROP / ALTER POLICY, always-true permissive policy',
  ),
  'privilege/search-path': rule('privilege', 'risk', 'search_path with a schema before pg_catalog'),
  'privilege/catalog-write': rule('privilege', 'critical', 'INSERT / UPDATE / DELETE on system catalogs'),
  'opaque/unparseable': rule('opaque', 'risk', 'statement the parser cannot parse'),
  'opaque/oversized': rule('opaque', 'risk', 'statement over the analysis size cap'),
  'opaque/dynamic-sql': rule('opaque', 'risk', 'SQL built at run time (EXECUTE of a computed string)'),
  'opaque/prepare-from-variable': rule('opaque', 'risk', 'MySQL PREPARE … FROM @variable'),
  'opaque/procedural-language': rule('opaque', 'risk', 'code in a language other than SQL or PL/pgSQL'),
  'exfiltration/copy-program': rule('exfiltration', 'critical', 'COPY … TO / FROM PROGRAM'),
  'exfiltration/server-file': rule('exfiltration', 'critical', 'reading or writing files on the server'),
  'exfiltration/large-object': rule('exfiltration', 'critical', 'lo_import / lo_export'),
  'exfiltration/remote-exec': rule('exfiltration', 'critical', 'dblink, foreign servers, remote execution'),
  'exfiltration/into-outfile': rule('exfiltration', 'critical', 'MySQL SELECT … INTO OUTFILE / DUMPFILE'),
  'exfiltration/load-data': rule('exfiltration', 'critical', 'MySQL LOAD DATA (LOCAL) INFILE'),
  'exfiltration/admin-function': rule('exfiltration', 'critical', 'server administration functions'),
  'exfiltration/masked-column-use': rule(
    'exfiltration',
    'risk',
    'masking strict mode: a masked column used other than selected as is',
  ),
  'lock-heavy/alter-column-type': rule('lock-heavy', 'warn', 'ALTER COLUMN … TYPE (table rewrite)'),
  'lock-heavy/blocking-index': rule('lock-heavy', 'warn', 'CREATE INDEX / REINDEX without CONCURRENTLY'),
  'lock-heavy/add-not-null': rule('lock-heavy', 'warn', 'SET NOT NULL (full scan under lock)'),
  'lock-heavy/add-unique': rule('lock-heavy', 'warn', 'ADD UNIQUE / PRIMARY KEY (index build under lock)'),
  'lock-heavy/add-foreign-key': rule('lock-heavy', 'warn', 'ADD FOREIGN KEY without NOT VALID'),
  'lock-heavy/add-check': rule('lock-heavy', 'warn', 'ADD CHECK without NOT VALID'),
  'lock-heavy/table-rewrite': rule('lock-heavy', 'warn', 'VACUUM FULL, CLUSTER, other table rewrites'),
  'mass-change/data-change': rule(
    'mass-change',
    'warn',
    'DELETE / UPDATE with a WHERE on an existing table in a migration (static check)',
  ),
  'mass-change/rows': rule('mass-change', 'risk', 'UPDATE / DELETE estimated above the row threshold'),
} satisfies Record<string, RuleInfo>;

export type KnownRuleId = keyof typeof RULES;

export const RULE_IDS: readonly KnownRuleId[] = Object.keys(RULES) as KnownRuleId[];

export function isRuleId(id: string): id is KnownRuleId {
  return Object.hasOwn(RULES, id);
}

/** Builds a finding with the catalog's category and severity for `rule`. */
export function finding(rule: KnownRuleId, objects: string[], message: string, location?: Location): Finding {
  const info = RULES[rule];
  return {
    rule,
    category: info.category,
    severity: info.severity,
    objects,
    message,
    ...(location ? { location } : {}),
  };
}
