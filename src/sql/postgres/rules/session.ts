// Rules for statements that change the session later statements run in: SET (role, session
// authorization, session_replication_role, search_path, standard_conforming_strings), tables the
// session creates (its own, so later locks on them wait for nobody), and PREPARE / EXECUTE /
// DEALLOCATE, whose findings travel with the prepared name.
import { asList, asNode, rangeVarName, str } from '../nodes.js';
import type { Effect, Handler, Walker } from '../walker.js';

/** CREATE [TEMP] TABLE, CREATE TABLE AS, SELECT INTO: the table and whether it is the session's own. */
function createdTable(relation: unknown): Effect {
  return {
    kind: 'table',
    name: rangeVarName(relation),
    temporary: str(asNode(relation)?.relpersistence) === 't',
  };
}

/** Any role but `origin` stops foreign-key and ordinary triggers from firing. */
export function replicationRole(w: Walker, value: string, at: number): void {
  w.add(
    'destructive/disable-integrity',
    [],
    `session_replication_role = ${value} switches off foreign-key checks and triggers`,
    at,
  );
}

/**
 * A schema searched before pg_catalog can shadow built-in functions, operators and types with its
 * own (`lower`, `=`): every later statement of the session, and of functions it calls, runs them.
 * Left out, pg_catalog is searched first; pg_temp never supplies functions or operators.
 */
export function searchPath(w: Walker, schemas: string[] | undefined, at: number): void {
  if (schemas === undefined) {
    w.add('privilege/search-path', [], "set_config('search_path', …) with a computed value", at);
    return;
  }
  const before = schemas
    .slice(0, Math.max(schemas.indexOf('pg_catalog'), 0))
    .filter((s) => s !== '' && !s.startsWith('pg_temp'));
  if (before.length > 0)
    w.add(
      'privilege/search-path',
      before,
      `search_path puts ${before.join(', ')} before pg_catalog: they can shadow built-in functions`,
      at,
    );
}

/** A search_path value as set_config reads it: a comma-separated list of (quoted) names. */
export function pathList(value: string): string[] {
  return value.split(',').map((part) => {
    const s = part.trim();
    return s.startsWith('"') && s.endsWith('"') && s.length > 1 ? s.slice(1, -1) : s.toLowerCase();
  });
}

export const SESSION_HANDLERS: Record<string, Handler> = {
  VariableSetStmt(w, n) {
    const name = String(n.name ?? '').toLowerCase();
    if (n.kind !== 'VAR_SET_VALUE') return undefined;
    const value = asList(n.args)
      .map((a) => str(asNode(asNode(asNode(a)?.A_Const)?.sval)?.sval) ?? '')
      .join(',');
    if (name === 'role') {
      w.literalSensitive = true;
      if (value.toLowerCase() !== 'none') w.add('privilege/set-role', [value], `SET ROLE ${value}`, w.at(n));
    } else if (name === 'session_authorization') {
      // The user may be a string literal ('postgres'): the finding's object is its value.
      w.literalSensitive = true;
      w.add('privilege/session-authorization', [value], `SET SESSION AUTHORIZATION ${value}`, w.at(n));
    } else if (name === 'session_replication_role') {
      w.literalSensitive = true;
      if (value.toLowerCase() !== 'origin') replicationRole(w, value, w.at(n));
    } else if (name === 'search_path') {
      w.literalSensitive = true;
      searchPath(
        w,
        asList(n.args).map((a) => str(asNode(asNode(asNode(a)?.A_Const)?.sval)?.sval) ?? ''),
        w.at(n),
      );
    } else if (name === 'standard_conforming_strings') {
      w.literalSensitive = true;
      if (!['on', 'true', 'yes', '1'].includes(value.toLowerCase())) w.effects.push({ kind: 'scs-off' });
    }
    return undefined;
  },
  AlterDatabaseSetStmt(w, n) {
    // `setstmt` is a bare VariableSetStmt: judge it as one (ALTER DATABASE … SET role = …).
    w.visit({ VariableSetStmt: n.setstmt });
    return false;
  },
  CreateStmt(w, n) {
    if (!n.if_not_exists) w.effects.push(createdTable(n.relation));
    return undefined;
  },
  CreateTableAsStmt(w, n) {
    if (!n.if_not_exists) w.effects.push(createdTable(asNode(n.into)?.rel));
    return undefined;
  },
  SelectStmt(w, n) {
    const into = asNode(n.intoClause);
    if (into) w.effects.push(createdTable(into.rel));
    return undefined;
  },
  PrepareStmt(w, n) {
    const before = w.findings.length;
    const effects = w.effects.length;
    w.visit(n.query);
    w.effects.push({
      kind: 'prepare',
      name: str(n.name) ?? '',
      findings: w.findings.slice(before),
      effects: w.effects.slice(effects),
    });
    return false;
  },
  ExecuteStmt(w, n) {
    w.effects.push({ kind: 'execute', name: str(n.name) ?? '', at: w.at() });
    return undefined;
  },
  DeallocateStmt(w, n) {
    w.effects.push(n.isall ? { kind: 'deallocate' } : { kind: 'deallocate', name: str(n.name) ?? '' });
    return undefined;
  },
};
