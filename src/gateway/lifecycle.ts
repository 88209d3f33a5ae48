// A gateway run's lifecycle as the engines see it: a session per client connection, and the
// run's start and stop, recorded in the transcript (the engines never touch the recorder).
import type { Dialect } from '../sql/types.js';
import { Session } from './session.js';
import type { EngineSession } from './session-contract.js';
import type { GatewayContext, SessionInfo } from './session-types.js';

export function openSession(context: GatewayContext, info: SessionInfo): EngineSession {
  return new Session(context, info);
}

/** The listener is up: the transcript's first line says what the run guards and how. */
export function gatewayStarted(
  context: GatewayContext,
  run: { dialect: Dialect; upstream: string; version: string },
): void {
  const { dialect, upstream, version } = run;
  context.recorder.record(0, { type: 'gateway.start', dialect, upstream, mode: context.mode, version });
}

/** The listener closed and every connection recorded its end: the last line, flushed. */
export function gatewayStopped(context: GatewayContext, reason: string): void {
  context.recorder.record(0, { type: 'gateway.stop', reason });
  context.recorder.flush();
}
