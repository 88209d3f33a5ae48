// A refusal as the ERR packet the client gets: error number and SQLSTATE from the one table
// (../refusal.ts), the message as the session or the engine worded it.
import { MYSQL_REFUSALS, type Refusal } from '../refusal.js';
import { errPayload } from './codec.js';

export function refusalPayload(r: Refusal): Buffer {
  const { errno, sqlState } = MYSQL_REFUSALS[r.kind];
  return errPayload({ code: errno, sqlState, message: r.message });
}
