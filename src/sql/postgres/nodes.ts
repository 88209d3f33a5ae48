// Small readers over libpg-query's JSON parse tree.
import type { PgNode } from './parser.js';

export function asNode(v: unknown): PgNode | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as PgNode) : undefined;
}

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The node inside a `{ Type: {...} }` wrapper, with its type name. */
export function unwrap(v: unknown): [string, PgNode] | undefined {
  const n = asNode(v);
  if (!n) return undefined;
  const keys = Object.keys(n);
  if (keys.length !== 1) return undefined;
  const inner = asNode(n[keys[0]!]);
  return inner ? [keys[0]!, inner] : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `[{String:{sval:'a'}}, {String:{sval:'b'}}]` → `a.b`. */
export function nameList(v: unknown): string {
  return asList(v)
    .map((item) => str(asNode(asNode(item)?.String)?.sval) ?? '')
    .filter((s) => s !== '')
    .join('.');
}

/** A RangeVar (wrapped or bare) → `schema.table` as written (the parser already folded case). */
export function rangeVarName(v: unknown): string {
  const n = asNode(v);
  const rv = asNode(n?.RangeVar) ?? n;
  if (!rv) return '';
  return [str(rv.catalogname), str(rv.schemaname), str(rv.relname)].filter(Boolean).join('.');
}

/** The name of any object a DROP, GRANT or COMMENT names. */
export function objectName(v: unknown): string {
  const u = unwrap(v);
  if (!u) return rangeVarName(v);
  const [type, n] = u;
  switch (type) {
    case 'List':
      return nameList(n.items);
    case 'String':
      return str(n.sval) ?? '';
    case 'ObjectWithArgs':
      return nameList(n.objname);
    case 'TypeName':
      return nameList(n.names);
    case 'RangeVar':
      return rangeVarName(n);
    default:
      return '';
  }
}

export function roleName(v: unknown): string {
  const n = asNode(v);
  const rs = asNode(n?.RoleSpec) ?? n;
  if (!rs) return '';
  return (
    str(rs.rolename) ??
    String(rs.roletype ?? '')
      .replace('ROLESPEC_', '')
      .toLowerCase()
  );
}

/** DefElem options as name → arg. */
export function defElems(v: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const item of asList(v)) {
    const d = asNode(asNode(item)?.DefElem);
    if (d && typeof d.defname === 'string') out.set(d.defname, d.arg);
  }
  return out;
}

/** The string value of a DefElem arg (`{String:{sval}}`, or a one-item List of them). */
export function defString(arg: unknown): string | undefined {
  const u = unwrap(arg);
  if (!u) return undefined;
  if (u[0] === 'String') return str(u[1].sval);
  if (u[0] === 'List') return str(asNode(asNode(asList(u[1].items)[0])?.String)?.sval);
  return undefined;
}

/** Whether a DefElem flag is on: present without an argument, or with a true-ish one. */
export function defFlag(opts: Map<string, unknown>, name: string): boolean {
  if (!opts.has(name)) return false;
  const arg = opts.get(name);
  if (arg === undefined) return true;
  const u = unwrap(arg);
  if (u?.[0] === 'Boolean') return u[1].boolval === true;
  if (u?.[0] === 'Integer') return (u[1].ival ?? 0) !== 0;
  const s = defString(arg)?.toLowerCase();
  return !(s === 'false' || s === 'off' || s === '0' || s === 'no');
}

/** Structural equality of two subtrees, ignoring `location` fields. */
export function sameTree(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, dropLocation) === JSON.stringify(b, dropLocation);
}

function dropLocation(key: string, value: unknown): unknown {
  return key === 'location' ? undefined : value;
}

/** Whether a subtree contains a node of the given type anywhere. */
export function contains(v: unknown, type: string): boolean {
  if (Array.isArray(v)) return v.some((x) => contains(x, type));
  if (v === null || typeof v !== 'object') return false;
  for (const [k, x] of Object.entries(v)) if (k === type || contains(x, type)) return true;
  return false;
}

/** `body` as a dollar-quoted string whose tag does not occur in it. */
export function dollarQuote(body: string): string {
  let tag = '$gr$';
  for (let i = 0; body.includes(tag); i++) tag = `$gr${i}$`;
  return `${tag}${body}${tag}`;
}
