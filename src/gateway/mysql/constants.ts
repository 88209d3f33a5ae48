// Wire constants of the MySQL/MariaDB client/server protocol.

export const Cap = {
  LONG_PASSWORD: 1,
  FOUND_ROWS: 1 << 1,
  LONG_FLAG: 1 << 2,
  CONNECT_WITH_DB: 1 << 3,
  NO_SCHEMA: 1 << 4,
  COMPRESS: 1 << 5,
  ODBC: 1 << 6,
  LOCAL_FILES: 1 << 7,
  IGNORE_SPACE: 1 << 8,
  PROTOCOL_41: 1 << 9,
  INTERACTIVE: 1 << 10,
  SSL: 1 << 11,
  IGNORE_SIGPIPE: 1 << 12,
  TRANSACTIONS: 1 << 13,
  SECURE_CONNECTION: 1 << 15,
  MULTI_STATEMENTS: 1 << 16,
  MULTI_RESULTS: 1 << 17,
  PS_MULTI_RESULTS: 1 << 18,
  PLUGIN_AUTH: 1 << 19,
  CONNECT_ATTRS: 1 << 20,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  SESSION_TRACK: 1 << 23,
  DEPRECATE_EOF: 1 << 24,
} as const;

/**
 * Capabilities the gateway can proxy faithfully. Left out on purpose: COMPRESS (would hide
 * statements from the framer), LOCAL_FILES (the server must never read client files),
 * QUERY_ATTRIBUTES and OPTIONAL_RESULTSET_METADATA (change packet layouts the gateway decodes).
 * LONG_PASSWORD is CLIENT_MYSQL to MariaDB, passed on as the server sets it; which MariaDB
 * extended capabilities are proxied is decided in capabilities.ts.
 */
export const PROXIED_CAPS =
  Cap.LONG_PASSWORD |
  Cap.FOUND_ROWS |
  Cap.LONG_FLAG |
  Cap.CONNECT_WITH_DB |
  Cap.NO_SCHEMA |
  Cap.ODBC |
  Cap.IGNORE_SPACE |
  Cap.PROTOCOL_41 |
  Cap.INTERACTIVE |
  Cap.IGNORE_SIGPIPE |
  Cap.TRANSACTIONS |
  Cap.SECURE_CONNECTION |
  Cap.MULTI_STATEMENTS |
  Cap.MULTI_RESULTS |
  Cap.PS_MULTI_RESULTS |
  Cap.PLUGIN_AUTH |
  Cap.CONNECT_ATTRS |
  Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Cap.SESSION_TRACK |
  Cap.DEPRECATE_EOF;

export const Status = {
  IN_TRANS: 0x0001,
  AUTOCOMMIT: 0x0002,
  MORE_RESULTS_EXISTS: 0x0008,
  CURSOR_EXISTS: 0x0040,
  NO_BACKSLASH_ESCAPES: 0x0200,
  SESSION_STATE_CHANGED: 0x4000,
  /** MariaDB only: ANSI_QUOTES is in the session's sql_mode. */
  ANSI_QUOTES: 0x8000,
} as const;

export const Com = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  STATISTICS: 0x09,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  RESET_CONNECTION: 0x1f,
} as const;

export const MAX_PAYLOAD = 0xffffff;

export const NATIVE = 'mysql_native_password';
export const CACHING_SHA2 = 'caching_sha2_password';
export const ED25519 = 'client_ed25519';

/** Error numbers the gateway answers with itself. */
export const ER_TABLEACCESS_DENIED = 1142;
export const ER_UNKNOWN_COM = 1047;
export const ER_NOT_SUPPORTED = 1235;
export const ER_UNKNOWN_STMT = 1243;
export const ER_MALFORMED = 1835;
export const ER_NET_PACKET_TOO_LARGE = 1153;
export const ER_NET_PACKETS_OUT_OF_ORDER = 1156;
export const CR_SERVER_LOST = 2013;
