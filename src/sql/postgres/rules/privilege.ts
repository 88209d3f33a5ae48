// Rules for statements that change who may do what: GRANT and REVOKE, roles, owners, default
// privileges, SECURITY DEFINER, row-level security policies, and direct writes to the system
// catalogs (which edit roles and code without any of those statements).
import { CATALOG_RELATIONS } from '../catalog-relations.js';
import { truth } from '../constant.js';
import {
  asList,
  asNode,
  defElems,
  defFlag,
  nameList,
  objectName,
  rangeVarName,
  roleName,
  str,
} from '../nodes.js';
import type { PgNode } from '../parser.js';
import type { Handler, Walker } from '../walker.js';

/** Writing the system catalogs (pg_authid, pg_proc, …) edits roles and code directly. */
export function catalogWrite(w: Walker, n: PgNode, verb: string): void {
  const rv = asNode(n.relation);
  const schema = str(rv?.schemaname);
  const rel = str(rv?.relname) ?? '';
  if (schema === 'pg_catalog' || (schema === undefined && CATALOG_RELATIONS.has(rel))) {
    w.add(
      'privilege/catalog-write',
      [rangeVarName(rv)],
      `${verb} on system catalog ${rel}`,
      w.stmtLocation(n),
    );
  }
}

export const PRIVILEGE_HANDLERS: Record<string, Handler> = {
  GrantStmt(w, n) {
    const objects = asList(n.objects).map(objectName);
    const grantees = asList(n.grantees).map(roleName);
    const verb = n.is_grant ? 'GRANT' : 'REVOKE';
    w.add(
      n.is_grant ? 'privilege/grant' : 'privilege/revoke',
      objects,
      `${verb} on ${objects.join(', ') || String(n.objtype ?? '')} ${n.is_grant ? 'to' : 'from'} ${grantees.join(', ')}`,
      w.at(),
    );
    return undefined;
  },
  GrantRoleStmt(w, n) {
    const roles = asList(n.granted_roles).map((r) => str(asNode(asNode(r)?.AccessPriv)?.priv_name) ?? '');
    const grantees = asList(n.grantee_roles).map(roleName);
    const verb = n.is_grant ? 'GRANT' : 'REVOKE';
    w.add(
      n.is_grant ? 'privilege/grant' : 'privilege/revoke',
      roles,
      `${verb} role ${roles.join(', ')} ${n.is_grant ? 'to' : 'from'} ${grantees.join(', ')}`,
      w.at(),
    );
    return undefined;
  },
  CreateRoleStmt(w, n) {
    w.add('privilege/role-change', [str(n.role) ?? ''], `CREATE ROLE ${str(n.role) ?? ''}`, w.at());
    return undefined;
  },
  AlterRoleStmt(w, n) {
    const role = roleName(n.role);
    w.add('privilege/role-change', [role], `ALTER ROLE ${role}`, w.at());
    return undefined;
  },
  AlterRoleSetStmt(w, n) {
    const role = roleName(n.role);
    w.add('privilege/role-change', [role], `ALTER ROLE ${role} SET …`, w.at());
    return undefined;
  },
  DropRoleStmt(w, n) {
    const roles = asList(n.roles).map(roleName);
    w.add('privilege/role-change', roles, `DROP ROLE ${roles.join(', ')}`, w.at());
    return undefined;
  },
  AlterDefaultPrivilegesStmt(w) {
    w.add(
      'privilege/default-privileges',
      [],
      'ALTER DEFAULT PRIVILEGES changes the rights on future objects',
      w.at(),
    );
    return false;
  },
  AlterOwnerStmt(w, n) {
    const name = objectName(n.object);
    w.add('privilege/owner-change', [name], `ALTER … ${name} OWNER TO ${roleName(n.newowner)}`, w.at());
    return undefined;
  },
  ReassignOwnedStmt(w, n) {
    const roles = asList(n.roles).map(roleName);
    w.add(
      'privilege/owner-change',
      roles,
      `REASSIGN OWNED BY ${roles.join(', ')} TO ${roleName(n.newrole)}`,
      w.at(),
    );
    return undefined;
  },
  AlterFunctionStmt(w, n) {
    const name = nameList(asNode(n.func)?.objname);
    if (defFlag(defElems(n.actions), 'security'))
      w.add(
        'privilege/security-definer',
        [name],
        `ALTER FUNCTION ${name} SECURITY DEFINER runs it with its owner's rights`,
        w.at(),
      );
    return undefined;
  },
  CreatePolicyStmt(w, n) {
    // Permissive policies are OR-ed: one that is always true opens the table to its roles.
    const open =
      n.permissive === true && [n.qual, n.with_check].some((e) => e !== undefined && truth(e, w) === true);
    if (open) {
      const table = rangeVarName(n.table);
      w.add(
        'privilege/row-security',
        [table],
        `CREATE POLICY ${str(n.policy_name) ?? ''} on ${table} lets every row through`,
        w.at(asNode(n.table)),
      );
    }
    return undefined;
  },
  AlterPolicyStmt(w, n) {
    const table = rangeVarName(n.table);
    w.add(
      'privilege/row-security',
      [table],
      `ALTER POLICY ${str(n.policy_name) ?? ''} on ${table} changes which rows or roles it admits`,
      w.at(asNode(n.table)),
    );
    return undefined;
  },
};
