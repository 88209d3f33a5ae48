// MariaDB's extended capabilities: four more capability bytes, in the filler of the server's
// greeting and in the reserved bytes of the client's handshake response (and SSLRequest). Either
// side reads them only when the other left CLIENT_MYSQL (LONG_PASSWORD) clear: a MariaDB server,
// and a client that knows it talks to one.
import { Cap } from './constants.js';

export const MariaCap = {
  PROGRESS: 1,
  COM_MULTI: 1 << 1,
  STMT_BULK_OPERATIONS: 1 << 2,
  EXTENDED_METADATA: 1 << 3,
  CACHE_METADATA: 1 << 4,
  BULK_UNIT_RESULTS: 1 << 5,
} as const;

/**
 * The extended capabilities the gateway proxies: only the column type names and formats (JSON,
 * UUID, INET4/6, geometry kinds), one more field in each column definition, which the gateway
 * parses (result-rows.ts). Left out: progress reports (packets the response tracker does not
 * know), bulk execution (a command the gateway cannot judge) and cached metadata (result sets
 * without the column definitions masking needs).
 */
export const PROXIED_MARIADB_CAPS = MariaCap.EXTENDED_METADATA;

/** The extended capabilities carried by `raw`, if `capabilities` say they count. */
export function mariadbCapabilities(capabilities: number, raw: number): number {
  return capabilities & Cap.LONG_PASSWORD ? 0 : raw >>> 0;
}

/** Each column definition carries the extended type name and format field. */
export function extendedMetadata(mariadb: number): boolean {
  return (mariadb & MariaCap.EXTENDED_METADATA) !== 0;
}
