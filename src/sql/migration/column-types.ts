// Column types of both dialects, reduced to what decides whether a type change can lose data:
// a family (string, integer, decimal, …) and its size. `compareTypes(old, new)` tells a change
// that can truncate, round or reject existing values (narrowing) from one that keeps them all.
// Types it does not know compare as `unknown`: a finding then says so rather than guessing.

export type Family =
  | 'string'
  | 'binary'
  | 'int'
  | 'decimal'
  | 'float'
  | 'bool'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'json'
  | 'uuid'
  | 'enum'
  | 'other';

export interface ColumnType {
  family: Family;
  /** As written for messages, e.g. `varchar(255)`, `enum('a','b')`. */
  text: string;
  /** string/binary: maximum length (undefined = unbounded); int: bytes; float: bytes. */
  size?: number;
  /** decimal: precision and scale (undefined precision = unbounded); timestamp/time: fraction digits. */
  precision?: number;
  scale?: number;
  unsigned?: boolean;
  /** enum: its labels (undefined when the labels are not known). */
  labels?: string[];
  /** The column definition says NOT NULL (or PRIMARY KEY); not part of the type's comparison. */
  notNull?: boolean;
  /** Equal for two spellings of one type (`int(11)` and `integer`, `decimal` and `decimal(10,0)`). */
  key?: string;
}

export type TypeChange = 'same' | 'narrowing' | 'widening' | 'unknown';

const INT_BYTES: Record<string, number> = {
  int2: 2,
  smallint: 2,
  smallserial: 2,
  serial2: 2,
  int4: 4,
  int: 4,
  integer: 4,
  serial: 4,
  serial4: 4,
  int8: 8,
  bigint: 8,
  bigserial: 8,
  serial8: 8,
  tinyint: 1,
  mediumint: 3,
};

/** Postgres internal type names as SQL writes them (for messages). */
const SQL_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
  bpchar: 'char',
  varbit: 'bit varying',
};

/** MySQL TEXT/BLOB kinds: their maximum length in bytes (LONG* counts as unbounded). */
const SIZED_LOBS: Record<string, [Family, number | undefined]> = {
  tinytext: ['string', 255],
  text: ['string', undefined],
  mediumtext: ['string', 16_777_215],
  longtext: ['string', undefined],
  tinyblob: ['binary', 255],
  blob: ['binary', 65_535],
  mediumblob: ['binary', 16_777_215],
  longblob: ['binary', undefined],
  bytea: ['binary', undefined],
};

/**
 * A type from its name (lower-case, schema dropped), its numeric modifiers and, for enums, its
 * labels. `dialect` matters where the same name differs: MySQL TEXT holds 65,535 bytes.
 */
export function columnType(
  name: string,
  mods: number[],
  dialect: 'postgres' | 'mysql',
  extra: { unsigned?: boolean; labels?: string[]; array?: boolean } = {},
): ColumnType {
  const n = name.toLowerCase().replace(/^pg_catalog\./, '');
  const t = classify(n, mods, dialect, extra);
  // Integers: a display width (`int(11)`) is no part of the type.
  if (t.family === 'int') t.text = `${SQL_NAMES[n] ?? n}${extra.unsigned ? ' unsigned' : ''}`;
  const named = ['string', 'binary', 'timestamp', 'time', 'json'].includes(t.family);
  const base = t.family === 'other' ? t.text : named ? (SAME_NAMES[n] ?? n) : '';
  t.key = [
    t.family,
    base,
    t.size,
    t.precision,
    t.scale,
    t.unsigned ? 'u' : '',
    t.labels?.join('\u0001'),
  ].join('|');
  return t;
}

/** Names of one type: what decides a string or time type besides its size. */
const SAME_NAMES: Record<string, string> = {
  'character varying': 'varchar',
  nvarchar: 'varchar',
  character: 'char',
  bpchar: 'char',
  nchar: 'char',
};

function classify(
  n: string,
  mods: number[],
  dialect: 'postgres' | 'mysql',
  extra: { unsigned?: boolean; labels?: string[]; array?: boolean },
): ColumnType {
  const text = `${SQL_NAMES[n] ?? n}${mods.length ? `(${mods.join(',')})` : ''}${extra.unsigned ? ' unsigned' : ''}${extra.array ? '[]' : ''}`;
  if (extra.array) return { family: 'other', text };
  const u = extra.unsigned ? { unsigned: true } : {};
  if (n in INT_BYTES) {
    // MySQL TINYINT(1) is its boolean; INT(11) is only a display width.
    return { family: 'int', text, size: INT_BYTES[n]!, ...u };
  }
  if (n === 'bool' || n === 'boolean') return { family: dialect === 'mysql' ? 'int' : 'bool', text, size: 1 };
  if (
    n === 'varchar' ||
    n === 'character varying' ||
    n === 'bpchar' ||
    n === 'char' ||
    n === 'character' ||
    n === 'nvarchar' ||
    n === 'nchar'
  )
    return {
      family: 'string',
      text,
      ...(mods[0] !== undefined ? { size: mods[0] } : n === 'char' || n === 'bpchar' ? { size: 1 } : {}),
    };
  if (n === 'varbinary' || n === 'binary')
    return { family: 'binary', text, ...(mods[0] !== undefined ? { size: mods[0] } : { size: 1 }) };
  if (n === 'citext' || n === 'name')
    return { family: 'string', text, ...(n === 'name' ? { size: 63 } : {}) };
  if (n === 'text' && dialect === 'mysql') return { family: 'string', text, size: 65_535 };
  if (n in SIZED_LOBS) {
    const [family, size] = SIZED_LOBS[n]!;
    return { family, text, ...(size !== undefined ? { size } : {}) };
  }
  if (n === 'numeric' || n === 'decimal' || n === 'dec' || n === 'fixed') {
    // MySQL DECIMAL without a precision is DECIMAL(10,0); Postgres NUMERIC is unbounded.
    const precision = mods[0] ?? (dialect === 'mysql' ? 10 : undefined);
    const scale = mods[1] ?? 0;
    return { family: 'decimal', text, ...(precision !== undefined ? { precision, scale } : {}), ...u };
  }
  if (n === 'float4' || n === 'real' || (n === 'float' && dialect === 'mysql' && (mods[0] ?? 0) <= 24))
    return { family: 'float', text, size: 4 };
  if (n === 'float8' || n === 'double' || n === 'double precision' || n === 'float')
    return { family: 'float', text, size: (mods[0] ?? 53) <= 24 ? 4 : 8 };
  if (n === 'date') return { family: 'date', text };
  if (n === 'timestamp' || n === 'timestamptz' || n === 'datetime')
    return { family: 'timestamp', text, precision: mods[0] ?? (dialect === 'mysql' ? 0 : 6) };
  if (n === 'time' || n === 'timetz')
    return { family: 'time', text, precision: mods[0] ?? (dialect === 'mysql' ? 0 : 6) };
  if (n === 'json' || n === 'jsonb') return { family: 'json', text };
  if (n === 'uuid') return { family: 'uuid', text };
  if (n === 'enum') {
    const labels = extra.labels;
    return labels
      ? { family: 'enum', text: `enum(${labels.map((l) => `'${l}'`).join(',')})`, labels }
      : { family: 'enum', text };
  }
  return { family: 'other', text };
}

/** Characters the longest value of `t` needs as text, when bounded and known. */
function textWidth(t: ColumnType): number | undefined {
  switch (t.family) {
    case 'int':
      return { 1: 4, 2: 6, 3: 8, 4: 11, 8: 20 }[t.size ?? 8];
    case 'bool':
      return 5;
    case 'date':
      return 10;
    case 'uuid':
      return 36;
    case 'decimal':
      return t.precision === undefined ? undefined : t.precision + 2;
    case 'enum':
      return t.labels ? Math.max(0, ...t.labels.map((l) => l.length)) : undefined;
    default:
      return undefined;
  }
}

/** Decimal digits before the point an integer of `bytes` can need. */
function intDigits(bytes: number): number {
  return { 1: 3, 2: 5, 3: 8, 4: 10, 8: 19 }[bytes] ?? 19;
}

const lenLess = (a: number | undefined, b: number | undefined) =>
  b !== undefined && (a === undefined || b < a);

/** Whether changing a column from `from` to `to` keeps every value it can hold. */
export function compareTypes(from: ColumnType, to: ColumnType): TypeChange {
  if ((from.key ?? from.text) === (to.key ?? to.text)) return 'same';
  const f = from.family;
  const t = to.family;
  if (f === 'other' || t === 'other') return 'unknown';
  if (t === 'string') {
    if (f === 'string') return lenLess(from.size, to.size) ? 'narrowing' : 'widening';
    if (to.size === undefined) return 'widening';
    const width = textWidth(from);
    if (width === undefined) return f === 'binary' || f === 'json' ? 'narrowing' : 'unknown';
    return to.size < width ? 'narrowing' : 'widening';
  }
  if (f === 'string') return 'narrowing';
  if (t === 'binary') return f === 'binary' && !lenLess(from.size, to.size) ? 'widening' : 'narrowing';
  if (t === 'bool') return f === 'bool' ? 'same' : 'narrowing';
  if (t === 'enum') {
    if (f !== 'enum' || !from.labels || !to.labels) return f === 'enum' ? 'unknown' : 'narrowing';
    return from.labels.every((l) => to.labels!.includes(l)) ? 'widening' : 'narrowing';
  }
  if (t === 'int') {
    if (f === 'bool') return 'widening';
    if (f !== 'int') return 'narrowing';
    const fromBits = (from.size ?? 8) * 8 - (from.unsigned ? 0 : 1);
    const toBits = (to.size ?? 8) * 8 - (to.unsigned ? 0 : 1);
    // Unsigned cannot hold negatives; fewer value bits cannot hold the largest.
    return toBits < fromBits || (to.unsigned && !from.unsigned) ? 'narrowing' : 'widening';
  }
  if (t === 'decimal') {
    if (f === 'int' || f === 'bool') {
      if (to.precision === undefined) return 'widening';
      return to.precision - (to.scale ?? 0) < intDigits(from.size ?? 8) ? 'narrowing' : 'widening';
    }
    if (f !== 'decimal') return 'narrowing';
    if (to.precision === undefined) return 'widening';
    if (from.precision === undefined) return 'narrowing';
    const intPart = (d: ColumnType) => (d.precision ?? 0) - (d.scale ?? 0);
    return (to.scale ?? 0) < (from.scale ?? 0) || intPart(to) < intPart(from) ? 'narrowing' : 'widening';
  }
  if (t === 'float') {
    if (f === 'float') return (to.size ?? 8) < (from.size ?? 8) ? 'narrowing' : 'widening';
    // A float4 holds integers exactly up to 2^24, a float8 up to 2^53.
    if (f === 'int' || f === 'bool')
      return (from.size ?? 8) >= ((to.size ?? 8) === 4 ? 3 : 8) ? 'narrowing' : 'widening';
    return 'narrowing';
  }
  if (t === 'date') return f === 'date' ? 'same' : 'narrowing';
  if (t === 'timestamp') {
    if (f === 'date') return 'widening';
    if (f !== 'timestamp') return 'narrowing';
    return (to.precision ?? 6) < (from.precision ?? 6) ? 'narrowing' : 'widening';
  }
  if (t === 'time') {
    if (f !== 'time') return 'narrowing';
    return (to.precision ?? 6) < (from.precision ?? 6) ? 'narrowing' : 'widening';
  }
  if (t === 'json') return f === 'json' ? 'widening' : 'unknown';
  if (t === 'uuid') return 'narrowing';
  return 'unknown';
}
