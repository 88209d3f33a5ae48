// Why the gateway refused something, as one structured value, and the error each dialect sends
// the client for it: one table per dialect, so both engines answer the same refusal the same way
// and a client can tell a refusal from a protocol error by its code alone. The codes are the ones
// the engines send today (Postgres 42501 insufficient_privilege; MySQL ER_TABLEACCESS_DENIED_ERROR
// 1142 with SQLSTATE 42000); the client's session goes on after any of them but `malformed`.

/** What the gateway refused for. */
export type RefusalKind =
  /** The policy denies the statement. */
  | 'policy-deny'
  /** An approver (or a channel that has nobody to ask) said no. */
  | 'approval-denied'
  /** Nobody approved before the deadline. */
  | 'approval-timeout'
  /** The approval could not be asked or did not name this statement (no channel, channel error). */
  | 'approval-failed'
  /** The transcript can no longer be written: nothing runs unrecorded. */
  | 'transcript-failure'
  /** A result could not be masked: it is withheld. */
  | 'masking-refused'
  /** The statement could not be judged (unreadable bytes, a catalog or function body that cannot be read). */
  | 'unjudgeable'
  /** The client broke the protocol: the message cannot be read at all. */
  | 'malformed';

/** A refusal as the engines receive it: its kind and the message the client reads. */
export interface Refusal {
  readonly kind: RefusalKind;
  /** Starts with `guardrail: `, so the client's error says who refused. */
  readonly message: string;
}

export function refusal(kind: RefusalKind, reason: string): Refusal {
  return { kind, message: `guardrail: ${reason}` };
}

export interface PostgresRefusalCode {
  sqlState: string;
}

export interface MysqlRefusalCode {
  /** The ERR packet's error number. */
  errno: number;
  sqlState: string;
}

const INSUFFICIENT_PRIVILEGE: PostgresRefusalCode = { sqlState: '42501' };
const PROTOCOL_VIOLATION: PostgresRefusalCode = { sqlState: '08P01' };

/** Postgres: the SQLSTATE of the ErrorResponse. */
export const POSTGRES_REFUSALS: Readonly<Record<RefusalKind, PostgresRefusalCode>> = {
  'policy-deny': INSUFFICIENT_PRIVILEGE,
  'approval-denied': INSUFFICIENT_PRIVILEGE,
  'approval-timeout': INSUFFICIENT_PRIVILEGE,
  'approval-failed': INSUFFICIENT_PRIVILEGE,
  'transcript-failure': INSUFFICIENT_PRIVILEGE,
  'masking-refused': INSUFFICIENT_PRIVILEGE,
  unjudgeable: INSUFFICIENT_PRIVILEGE,
  malformed: PROTOCOL_VIOLATION,
};

/** ER_TABLEACCESS_DENIED_ERROR: what MySQL clients and ORMs already treat as "not allowed". */
const TABLE_ACCESS_DENIED: MysqlRefusalCode = { errno: 1142, sqlState: '42000' };
/** ER_MALFORMED_PACKET, with the SQLSTATE of a communication error. */
const MALFORMED_PACKET: MysqlRefusalCode = { errno: 1835, sqlState: '08S01' };

/** MySQL: the ERR packet's error number and SQLSTATE. */
export const MYSQL_REFUSALS: Readonly<Record<RefusalKind, MysqlRefusalCode>> = {
  'policy-deny': TABLE_ACCESS_DENIED,
  'approval-denied': TABLE_ACCESS_DENIED,
  'approval-timeout': TABLE_ACCESS_DENIED,
  'approval-failed': TABLE_ACCESS_DENIED,
  'transcript-failure': TABLE_ACCESS_DENIED,
  'masking-refused': TABLE_ACCESS_DENIED,
  unjudgeable: TABLE_ACCESS_DENIED,
  malformed: MALFORMED_PACKET,
};
