// Whether a backend ErrorResponse ends the session, read from its severity alone.
import { readSeverity } from './codec.js';

/**
 * True when an ErrorResponse (whole message, header included) ends the session: FATAL or PANIC.
 * The server closes the connection after sending one, and that error is the client's last word.
 */
export function endsSession(buf: Buffer, start: number, end: number): boolean {
  const severity = readSeverity(buf, start, end);
  return severity === 'FATAL' || severity === 'PANIC';
}
