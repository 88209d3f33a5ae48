// Which function a fast-path call names: a FunctionCall carries only the function's OID, so the
// gateway reads its schema, name and argument types from the catalog (side connection) before
// the call can be judged. One cache per client connection: an OID names one function for as
// long as it exists, and a lookup that failed is not kept (the next call asks again).
import type { Queryable } from './masking-catalog.js';

export interface FunctionIdentity {
  schema: string;
  name: string;
  /** Argument types: OIDs (to decode binary values) and names as SQL spells them (for casts). */
  argTypes: number[];
  argTypeNames: string[];
  /** pg_proc.prokind: f (function), p (procedure), a (aggregate), w (window). */
  kind: string;
}

const LOOKUP = `
SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind,
       ARRAY(SELECT t::int8 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY i) AS types,
       ARRAY(SELECT pg_catalog.format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY i) AS type_names
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.oid = $1::oid`;

interface Row {
  schema: string;
  name: string;
  kind: string;
  types: (string | number)[];
  type_names: string[];
}

export class FunctionOids {
  private readonly known = new Map<number, FunctionIdentity>();

  constructor(private readonly catalog: Queryable) {}

  /** The cached identity, when this connection has resolved the OID before. */
  cached(oid: number): FunctionIdentity | undefined {
    return this.known.get(oid);
  }

  /**
   * Reads the function from the catalog: undefined when no committed function has this OID (the
   * side connection does not see functions created in the session's open transaction).
   */
  async resolve(oid: number): Promise<FunctionIdentity | undefined> {
    const hit = this.known.get(oid);
    if (hit) return hit;
    const { rows } = await this.catalog.query(LOOKUP, [String(oid)]);
    const row = rows[0] as Row | undefined;
    if (!row) return undefined;
    const identity: FunctionIdentity = {
      schema: row.schema,
      name: row.name,
      kind: row.kind,
      argTypes: row.types.map(Number),
      argTypeNames: row.type_names,
    };
    this.known.set(oid, identity);
    return identity;
  }
}
