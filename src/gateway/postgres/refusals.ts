// A refusal as the ErrorResponse the client gets: the SQLSTATE from the one table
// (../refusal.ts), the message as the session or the engine worded it.
import { POSTGRES_REFUSALS, type Refusal } from '../refusal.js';
import { errorResponse } from './codec.js';

export function refusalResponse(r: Refusal): Buffer {
  return errorResponse(POSTGRES_REFUSALS[r.kind].sqlState, r.message);
}
