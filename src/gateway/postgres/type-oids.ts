// The pg_type OIDs whose binary form the gateway decodes exactly, for the values of a Bind and the
// arguments of a fast-path call (the server's catalog/pg_type.dat assigns them; they never change).
export const BOOL = 16;
export const BYTEA = 17;
export const INT8 = 20;
export const INT2 = 21;
export const INT4 = 23;
export const OID = 26;
export const FLOAT8 = 701;
/** char, name, text, bpchar, varchar: their binary form is their text in the client encoding. */
export const TEXTUAL: ReadonlySet<number> = new Set([18, 19, 25, 1042, 1043]);
