// Which server the text is for: MySQL and MariaDB run executable comments (`/*!NNNNN … */`,
// MariaDB's `/*M!NNNNNN … */`) by their own rules and version, so the lexer must know the
// flavour and exact version the upstream announced in its handshake greeting.

export interface MysqlServer {
  flavour: 'mysql' | 'mariadb';
  /** major * 10000 + minor * 100 + patch: 10.11.19 → 101119, 8.0.36 → 80036. */
  version: number;
}

/**
 * Reads the greeting's version string: "10.11.19-MariaDB-0+deb12u1", "5.5.5-10.11.19-MariaDB…"
 * (MariaDB 10.x prefixes 5.5.5- for old replication clients), "8.0.36", "8.4.0-log".
 * Undefined when it does not look like either: executable comments are then judged under every
 * reading (see executableReadings).
 */
export function parseServerVersion(text: string): MysqlServer | undefined {
  const mariadb = /mariadb/i.test(text);
  const bare = mariadb ? text.replace(/^5\.5\.5-/, '') : text;
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{1,2})(?!\d)/.exec(bare);
  if (!m) return undefined;
  return { flavour: mariadb ? 'mariadb' : 'mysql', version: +m[1]! * 10000 + +m[2]! * 100 + +m[3]! };
}

/**
 * Does this server run the content of an executable comment? `mariaSyntax` for `/*M!`,
 * `version` for the 5- or 6-digit number after the marker (undefined: none).
 * MariaDB (sql_lex.cc): `/*!` and `/*M!` without a version always run; with one, when it is not
 * above the server's, except that `/*!` comments for MySQL 5.7 and later (50700…99999) never run.
 * MySQL knows no `/*M!` (an ordinary comment) and reads five digits.
 */
export function runsExecutable(
  server: MysqlServer,
  mariaSyntax: boolean,
  version: number | undefined,
): boolean {
  if (server.flavour === 'mysql') {
    if (mariaSyntax) return false;
    return version === undefined || version <= server.version;
  }
  if (version === undefined) return true;
  return version <= server.version && (version < 50700 || version > 99999 || mariaSyntax);
}

/** Version-dependent executable comments in a text (a superset: markers inside strings count). */
const VERSIONED = /\/\*(M?)!(\d{5})(\d?)/gi;

/**
 * The oldest servers the gateway reads executable comments for when the upstream is not known:
 * MySQL 5.7 and MariaDB 10.0 (both long past end of life). Older ones would skip `/*!50xxx`.
 */
const OLDEST = { mysql: 50700, mariadb: 100000 } as const;

/**
 * The servers `text` is read for: the upstream when it is known, otherwise each one whose reading
 * of its executable comments differs (executableReadings), or none in particular.
 */
export function readingServers(text: string, server: MysqlServer | undefined): (MysqlServer | undefined)[] {
  return server ? [server] : (executableReadings(text) ?? [undefined]);
}

/**
 * The servers whose readings of `text` differ, for when the upstream is not known (a migration
 * file checked offline): each flavour at its oldest version and at every later version a
 * comment names. A server between two of them reads the text as the lower one does. Undefined
 * when the text has no executable comment whose outcome depends on the server.
 */
export function executableReadings(text: string): MysqlServer[] | undefined {
  if (!text.includes('!')) return undefined;
  const named = new Set<number>();
  let maria = false;
  for (const m of text.matchAll(/\/\*(M?)!/gi)) if (m[1]) maria = true;
  for (const m of text.matchAll(VERSIONED)) {
    named.add(+m[2]!);
    // MySQL reads five digits, MariaDB six when there are.
    if (m[3]) named.add(+(m[2]! + m[3]));
  }
  const out: MysqlServer[] = [];
  for (const flavour of ['mariadb', 'mysql'] as const) {
    const oldest = OLDEST[flavour];
    const versions = new Set([oldest, ...[...named].filter((v) => v > oldest)]);
    for (const version of versions) out.push({ flavour, version });
  }
  // Every reading runs a comment versioned below 5.7; MariaDB skips /*!50700…99999; only
  // MariaDB runs /*M!.
  const differ = maria || [...named].some((v) => v >= OLDEST.mysql);
  return differ ? out : undefined;
}
