// The errors both engines raise about the wire, one definition for the two dialects: a client or
// server that broke the protocol, and an error the upstream server sent. Each carries what the
// engine tells the client: the SQLSTATE (both dialects send one) and, for MySQL, the error number.
import { GuardrailError, type GuardrailErrorCode } from './guardrail-error.js';

/** A peer sent what the protocol does not allow, or the connection failed mid-exchange. */
export class ProtocolError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_PROTOCOL_MALFORMED';

  constructor(
    message: string,
    /** The SQLSTATE the client is told: protocol_violation unless the caller knows better. */
    readonly sqlState = '08P01',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An error the upstream server sent, passed on to the client as it is. */
export class UpstreamError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_UPSTREAM_FAILED';

  constructor(
    message: string,
    /** The server's SQLSTATE. */
    readonly sqlState: string,
    /** The server's error number (MySQL's ERR packet); Postgres has none. */
    readonly errno?: number,
  ) {
    super(message);
  }
}
