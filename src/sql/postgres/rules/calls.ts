// Rules for code a statement makes the server run: function calls (and the SQL text some
// built-ins run), CALL, DO blocks, CREATE FUNCTION, triggers, operators, casts and event
// triggers that wire functions to later events, untrusted languages, and plain EXPLAIN (which
// only plans: function calls are all that can run).
import type { FunctionBody } from '../../types.js';
import { DANGEROUS_FUNCTIONS, IDENTITY_SETTINGS, sqlTextArguments } from '../builtins.js';
import { constantString } from '../constant.js';
import {
  asList,
  asNode,
  defElems,
  defFlag,
  defString,
  dollarQuote,
  nameList,
  objectName,
  rangeVarName,
  str,
} from '../nodes.js';
import type { PgNode } from '../parser.js';
import type { Handler, Walker } from '../walker.js';
import { pathList, replicationRole, searchPath } from './session.js';

/** Functions an operator, aggregate or cast runs whenever it is used. */
const DEFINITION_FUNCTIONS = new Set([
  'function',
  'procedure',
  'sfunc',
  'finalfunc',
  'combinefunc',
  'serialfunc',
  'deserialfunc',
  'msfunc',
  'minvfunc',
  'mfinalfunc',
]);

/**
 * `RETURNS trigger`: runs only when a table trigger fires, on a write that is judged then.
 * (Event-trigger functions fire on DDL, which is not followed: they stay judged on replacement.)
 */
function returnsTrigger(n: PgNode): boolean {
  const type = nameList(asNode(n.returnType)?.names).toLowerCase();
  return type === 'trigger' || type === 'pg_catalog.trigger';
}

function callEffect(w: Walker, qualified: string, at: number): void {
  const parts = qualified.split('.');
  const name = (parts.pop() ?? '').toLowerCase();
  const schema = parts.pop();
  w.effects.push({ kind: 'call', name, ...(schema ? { schema } : {}), at });
}

/** `true` / `false` as written (a boolean argument tells overloads of dblink apart). */
function isBooleanConstant(node: unknown): boolean {
  const c = asNode(asNode(node)?.A_Const);
  return c?.boolval !== undefined;
}

function funcCall(w: Walker, n: PgNode): void {
  const parts = asList(n.funcname).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
  const name = (parts[parts.length - 1] ?? '').toLowerCase();
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const at = w.at(n);
  const args = asList(n.args);
  const rule = DANGEROUS_FUNCTIONS.get(name);
  if (rule) w.add(rule, [name], `calls ${name}()`, at);
  if (name === 'set_config') {
    const setting = constantString(args[0], w);
    const key = setting?.trim().toLowerCase();
    const identity = key === undefined ? undefined : IDENTITY_SETTINGS.get(key);
    if (identity)
      w.add(identity, [setting!], `set_config('${setting}', …) changes the session's identity`, at);
    else if (key === 'session_replication_role') {
      const value = constantString(args[1], w);
      if (value?.trim().toLowerCase() !== 'origin') replicationRole(w, value ?? '(computed)', at);
    } else if (key === 'search_path') {
      const value = constantString(args[1], w);
      searchPath(w, value === undefined ? undefined : pathList(value), at);
    } else if (setting === undefined)
      w.add('opaque/dynamic-sql', [], 'set_config() with a computed setting name may change the role', at);
  }
  const sqlArgs = sqlTextArguments(name, args.length, (i) => isBooleanConstant(args[i]));
  if (sqlArgs === 'assembled')
    w.add('opaque/dynamic-sql', [], `${name}() runs a query assembled from its arguments`, at);
  else
    for (const i of sqlArgs ?? []) {
      const sql = constantString(args[i], w);
      if (sql !== undefined) w.nestedSql(sql, at, `the query of ${name}()`);
      else w.add('opaque/dynamic-sql', [], `${name}() runs SQL computed at run time`, at);
    }
  w.effects.push({ kind: 'call', name, ...(schema ? { schema } : {}), at });
}

export const CALL_HANDLERS: Record<string, Handler> = {
  RangeVar(w, n) {
    w.effects.push({ kind: 'read', table: rangeVarName(n), at: w.at(n) });
    return undefined;
  },
  FuncCall(w, n) {
    funcCall(w, n);
    return undefined;
  },
  CallStmt(w, n) {
    const fc = asNode(n.funccall);
    if (fc && !fc.FuncCall) {
      funcCall(w, fc);
      w.visit(fc.args);
      return false;
    }
    return undefined;
  },
  ExplainStmt(w, n) {
    if (defFlag(defElems(n.options), 'analyze')) return undefined;
    w.planned(n.query);
    return false;
  },
  CreateFunctionStmt(w, n) {
    const opts = defElems(n.options);
    const full = asList(n.funcname).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
    const name = full[full.length - 1] ?? '';
    const schema = full.length > 1 ? (full[full.length - 2] ?? '') : '';
    const language = (defString(opts.get('language')) ?? (n.sql_body ? 'sql' : 'sql')).toLowerCase();
    const securityDefiner = defFlag(opts, 'security');
    if (securityDefiner)
      w.add(
        'privilege/security-definer',
        [full.join('.')],
        `${full.join('.')}() is SECURITY DEFINER: it runs with its owner's rights`,
        w.at(),
      );
    w.literalSensitive = true;
    const fn: FunctionBody = {
      schema,
      name,
      language,
      body: defString(opts.get('as')) ?? '',
      securityDefiner,
      definition: w.statementText,
    };
    w.effects.push({ kind: 'function', fn });
    if (language === 'c' || language === 'internal') {
      // Native code: an internal-language wrapper can rename pg_read_file & co.
      w.add(
        'opaque/procedural-language',
        [full.join('.')],
        `${full.join('.')}() is native (${language}) code`,
        w.at(),
      );
    } else if (n.replace) {
      // OR REPLACE may swap the body of a function already wired to defaults, views or triggers,
      // which then runs without any call we would see: judge the body now (for a trigger
      // function, what it does beyond the rows a write fires it for; see row-scoped.ts).
      w.replacedBody(fn, w.at(), returnsTrigger(n));
    }
    // The body runs when the function is called: it is judged at the call. Its SET clauses
    // (SET role = …) apply to every call: judge them now.
    w.visit(asList(n.options).filter((o) => asNode(asNode(o)?.DefElem)?.defname === 'set'));
    return false;
  },
  DoStmt(w, n) {
    const opts = defElems(n.args);
    const language = (defString(opts.get('language')) ?? 'plpgsql').toLowerCase();
    const body = defString(opts.get('as')) ?? '';
    w.literalSensitive = true;
    const at = w.at();
    if (language === 'plpgsql') w.plpgsql(`DO ${dollarQuote(body)}`, at, 'DO block');
    else w.add('opaque/procedural-language', [], `DO block in ${language} cannot be analysed`, at);
    return false;
  },
  CreateTrigStmt(w, n) {
    const parts = asList(n.funcname).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
    const name = (parts[parts.length - 1] ?? '').toLowerCase();
    const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
    // The trigger runs the function on later writes to its table: row-scoped rules are judged
    // there; what the function can do to the schema is judged here (../session.ts).
    w.effects.push({
      kind: 'trigger',
      table: rangeVarName(n.relation),
      name,
      ...(schema ? { schema } : {}),
      at: w.at(),
    });
    return undefined;
  },
  DefineStmt(w, n) {
    for (const [name, arg] of defElems(n.definition)) {
      if (DEFINITION_FUNCTIONS.has(name)) callEffect(w, objectName(arg), w.at());
    }
    return undefined;
  },
  CreateCastStmt(w, n) {
    const fn = nameList(asNode(n.func)?.objname);
    if (fn) callEffect(w, fn, w.at());
    return undefined;
  },
  CreateEventTrigStmt(w, n) {
    const name = nameList(n.funcname).toLowerCase().split('.').pop() ?? '';
    w.effects.push({ kind: 'call', name, at: w.at() });
    return undefined;
  },
  CreatePLangStmt(w, n) {
    const lang = str(n.plname) ?? '';
    if (n.pltrusted !== true)
      w.add('opaque/procedural-language', [lang], `CREATE LANGUAGE ${lang} (untrusted)`, w.at());
    return undefined;
  },
};
