// Reads the severity of a backend ErrorResponse without decoding the rest of it.

const SEVERITY_UNLOCALIZED = 0x56; // V (PostgreSQL 9.6+), always English
const SEVERITY = 0x53; // S, possibly translated; the fallback for older servers

/**
 * True when an ErrorResponse (whole message, header included) ends the session: FATAL or PANIC.
 * The server closes the connection after sending one, and that error is the client's last word.
 */
export function endsSession(buf: Buffer, start: number, end: number): boolean {
  let severity: string | undefined;
  let pos = start + 5;
  while (pos < end && buf[pos] !== 0) {
    const field = buf[pos]!;
    const stop = buf.indexOf(0, pos + 1);
    if (stop < 0 || stop >= end) return false;
    const value = buf.toString('utf8', pos + 1, stop);
    if (field === SEVERITY_UNLOCALIZED) return value === 'FATAL' || value === 'PANIC';
    if (field === SEVERITY) severity = value;
    pos = stop + 1;
  }
  return severity === 'FATAL' || severity === 'PANIC';
}
