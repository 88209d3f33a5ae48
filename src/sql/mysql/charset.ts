// Client bytes → text, the way the server reads them under character_set_client. What matters
// for judging is that every ASCII character of the decoded text is one the server sees as that
// character: in GBK, BIG5, SJIS, CP932 and GB18030 the second byte of a character can be `\`
// (0x5C) or a letter, so 0xBF5C is one character and not a backslash. Those are grouped by the
// server's own rules (strings/ctype-*.c: lead and trail byte ranges) and each non-ASCII run is
// decoded by iconv-lite; anything either side cannot read exactly is refused, never replaced.
// UTF-8, latin1, ascii and binary cannot hide an ASCII byte inside a character.
import { isAscii } from 'node:buffer';
import iconv from 'iconv-lite';

export type Decoded = { text: string } | { error: string };

interface Multibyte {
  /** iconv-lite's name for the encoding. */
  iconv: string;
  /** Length of the character starting at `p` as the server counts it: 0 when not a valid one. */
  charLength(b: Buffer, p: number): number;
}

const inRange = (c: number | undefined, lo: number, hi: number) => c !== undefined && c >= lo && c <= hi;

function twoByte(
  lead: (c: number) => boolean,
  trail: (c: number | undefined) => boolean,
  single: (c: number) => boolean = () => false,
): Multibyte['charLength'] {
  return (b, p) => {
    const c = b[p]!;
    if (lead(c)) return trail(b[p + 1]) ? 2 : 0;
    return single(c) ? 1 : 0;
  };
}

const gbkTrail = (c: number | undefined) => inRange(c, 0x40, 0x7e) || inRange(c, 0x80, 0xfe);
const sjisLead = (c: number) => inRange(c, 0x81, 0x9f) || inRange(c, 0xe0, 0xfc);
const sjisTrail = (c: number | undefined) => inRange(c, 0x40, 0x7e) || inRange(c, 0x80, 0xfc);
const katakana = (c: number) => inRange(c, 0xa1, 0xdf);

const MULTIBYTE: Record<string, Multibyte> = {
  gbk: { iconv: 'gbk', charLength: twoByte((c) => inRange(c, 0x81, 0xfe), gbkTrail) },
  big5: {
    iconv: 'big5',
    charLength: twoByte(
      (c) => inRange(c, 0xa1, 0xf9),
      (c) => inRange(c, 0x40, 0x7e) || inRange(c, 0xa1, 0xfe),
    ),
  },
  sjis: { iconv: 'shift_jis', charLength: twoByte(sjisLead, sjisTrail, katakana) },
  cp932: { iconv: 'cp932', charLength: twoByte(sjisLead, sjisTrail, katakana) },
  gb18030: {
    iconv: 'gb18030',
    charLength: (b, p) => {
      if (!inRange(b[p], 0x81, 0xfe)) return 0;
      if (gbkTrail(b[p + 1])) return 2;
      const four =
        inRange(b[p + 1], 0x30, 0x39) && inRange(b[p + 2], 0x81, 0xfe) && inRange(b[p + 3], 0x30, 0x39);
      return four ? 4 : 0;
    },
  },
};

/** MySQL's latin1 is Windows-1252, with its five undefined bytes kept as the C1 controls. */
let latin1Table: string | undefined;
function latin1(b: Buffer, from: number): string {
  latin1Table ??= [...iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), 'win1252')]
    .map((ch, i) => (ch === '\ufffd' ? String.fromCharCode(i) : ch))
    .join('');
  let out = '';
  for (let i = from; i < b.length; i++) out += latin1Table[b[i]!];
  return out;
}

const UTF8 = new Set(['utf8mb4', 'utf8mb3', 'utf8']);
const SINGLE_BYTE = new Set(['latin1', 'ascii', 'binary']);

/** Whether every text under this character_set_client decodes exactly, not only its ASCII. */
export function decodesExactly(charset: string): boolean {
  const cs = charset.toLowerCase();
  return UTF8.has(cs) || SINGLE_BYTE.has(cs) || Object.hasOwn(MULTIBYTE, cs);
}

/** Decodes a client packet's text (from byte `from`) under `charset` (character_set_client). */
export function decodeClient(b: Buffer, from: number, charset: string): Decoded {
  const cs = charset.toLowerCase();
  if (UTF8.has(cs)) {
    // UTF-8 never uses an ASCII byte inside a character: a malformed sequence reads as U+FFFD
    // on our side and as one or more non-ASCII bytes on the server's, both outside any syntax.
    return { text: b.toString('utf8', from) };
  }
  // swe7 is the one client character set that is not ASCII-compatible (0x5B-0x7D are letters).
  if (cs === 'swe7') return { error: 'character_set_client swe7 is not one the gateway decodes' };
  if (isAscii(b.subarray(from))) return { text: b.toString('latin1', from) };
  if (SINGLE_BYTE.has(cs)) return { text: latin1(b, from) };
  const mb = Object.hasOwn(MULTIBYTE, cs) ? MULTIBYTE[cs] : undefined;
  if (!mb)
    return {
      error: `character_set_client ${charset} is not one the gateway decodes exactly (use utf8mb4)`,
    };
  let out = '';
  let p = from;
  while (p < b.length) {
    if (b[p]! < 0x80) {
      const start = p;
      while (p < b.length && b[p]! < 0x80) p++;
      out += b.toString('latin1', start, p);
      continue;
    }
    const start = p;
    while (p < b.length && b[p]! >= 0x80) {
      const n = mb.charLength(b, p);
      if (n === 0)
        return { error: `invalid ${charset} byte sequence at byte ${p - from} (0x${b[p]!.toString(16)})` };
      p += n;
    }
    const run = iconv.decode(b.subarray(start, p), mb.iconv);
    for (let i = 0; i < run.length; i++) {
      const c = run.charCodeAt(i);
      if (c < 0x80 || c === 0xfffd)
        return { error: `${charset} bytes at byte ${start - from} that the gateway cannot decode exactly` };
    }
    out += run;
  }
  return { text: out };
}
