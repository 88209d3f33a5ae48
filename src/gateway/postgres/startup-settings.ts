// Start-up parameters are settings the server applies before the first statement, so a client
// could send `role` or `options=-c session_authorization=…` and skip every rule about SET ROLE.
// Harmless client-formatting settings pass as they are; any other setting is judged like the
// `SET` statement it amounts to before the upstream connection is opened.
import { ProtocolError } from '../../errors/wire-errors.js';

/** Settings drivers send routinely that change formatting only, not privileges or behaviour. */
const PLAIN = new Set([
  'application_name',
  'client_encoding',
  'datestyle',
  'timezone',
  'intervalstyle',
  'extra_float_digits',
  'standard_conforming_strings',
  'bytea_output',
  'lc_messages',
]);

/** Parameters the gateway itself sets, or that choose a different kind of connection. */
const OWN = new Set(['user', 'database', 'replication']);

export interface StartupSettings {
  /** Passed to the upstream start-up message unchanged. */
  plain: Record<string, string>;
  /** Each must be allowed as a SET statement before the connection is made. */
  judged: { name: string; value: string }[];
}

/** Splits libpq's `options` the way the server does: whitespace separates, backslash escapes. */
function splitOptions(options: string): string[] {
  const words: string[] = [];
  let word = '';
  for (let i = 0; i < options.length; i++) {
    const c = options[i]!;
    if (c === '\\' && i + 1 < options.length) word += options[++i];
    else if (/\s/.test(c)) {
      if (word) words.push(word);
      word = '';
    } else word += c;
  }
  if (word) words.push(word);
  return words;
}

function optionSettings(options: string): { name: string; value: string }[] {
  const words = splitOptions(options);
  const out: { name: string; value: string }[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const pair =
      w === '-c' ? words[++i] : w.startsWith('--') ? w.slice(2) : w.startsWith('-c') ? w.slice(2) : undefined;
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0)
      throw new ProtocolError(`start-up option "${w}" is not allowed through the gateway`, '42501');
    out.push({ name: pair.slice(0, eq).replaceAll('-', '_'), value: pair.slice(eq + 1) });
  }
  return out;
}

export function startupSettings(params: Record<string, string>): StartupSettings {
  const plain: Record<string, string> = {};
  const judged: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (OWN.has(name)) continue;
    if (name === 'options') judged.push(...optionSettings(value));
    else if (PLAIN.has(name.toLowerCase())) plain[name] = value;
    else judged.push({ name, value });
  }
  return { plain, judged };
}

/**
 * The statement a start-up setting amounts to, as the policy will see it. A start-up value is
 * the setting's raw text, which for search_path is a list (`evil,pg_catalog` is two schemas,
 * where `SET search_path = 'evil,pg_catalog'` would be one): set_config reads it the same way.
 */
export function asSetStatement({ name, value }: { name: string; value: string }): string {
  const literal = `'${value.replaceAll("'", "''")}'`;
  if (name.toLowerCase() === 'search_path') return `SELECT set_config('search_path', ${literal}, false)`;
  const ident = /^[a-z_][a-z0-9_.]*$/i.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
  return `SET ${ident} = ${literal}`;
}
