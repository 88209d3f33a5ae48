// One client connection: start-up and authentication, the upstream connection, then the two
// framed byte streams with back-pressure in both directions.
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { ProtocolError, UpstreamError } from '../../errors/wire-errors.js';
import type { Masking } from '../../masking/index.js';
import { openSession } from '../lifecycle.js';
import { POSTGRES_REFUSALS } from '../refusal.js';
import type { EngineSession, GatewayContext } from '../session-contract.js';
import type { CancelKeys } from './cancel.js';
import { authenticateClient, type ClientAuthMethod, type GatewayCredentials } from './client-auth.js';
import { backendKeyData, errorResponse, T, terminateMessage } from './codec.js';
import { type CommandHooks, PostgresCommands } from './commands.js';
import { DryRun } from './dry-run.js';
import { endsSession } from './error-severity.js';
import { type Disposition, Framer, STOP } from './framer.js';
import { FunctionOids } from './function-oids.js';
import { MessageReader, StartupRefused } from './handshake-io.js';
import { changesSessionPath, type MaskingCatalog, type Queryable } from './masking-catalog.js';
import { NamedStatements } from './prepared.js';
import { Replies } from './replies.js';
import type { ResultHooks } from './result-masking.js';
import { readStartup } from './startup.js';
import { asSetStatement, startupSettings } from './startup-settings.js';
import { connectUpstream, sendCancel } from './upstream.js';
import type { UpstreamConfig } from './upstream-options.js';

export interface ConnectionSettings {
  context: GatewayContext;
  upstream: UpstreamConfig;
  clientAuth: ClientAuthMethod;
  credentials: GatewayCredentials;
  maxMessageBytes: number;
  startupTimeoutMs: number;
  cancels: CancelKeys;
  /** TLS offered to clients on SSLRequest; absent: declined. */
  tls?: SecureContext;
  /** Set when the gateway is full: the client is refused after its start-up (cancels still pass). */
  refuse?: string;
  /** Result masking and the transcript's row samples; `catalog` when the policy has column rules. */
  masking?: { masking: Masking; catalog?: MaskingCatalog };
  /** The side connection: fast-path calls are resolved there (absent: they are refused). */
  catalog?: Queryable;
}

// Which message types must arrive whole: all but the bulk data ones.
const CLIENT_WHOLE = new Uint8Array(256).fill(1);
CLIENT_WHOLE[T.copyData] = 0;
const SERVER_WHOLE = new Uint8Array(256).fill(1);
SERVER_WHOLE[T.dataRow] = 0;
SERVER_WHOLE[T.copyData] = 0;

function fatal(socket: Socket, code: string, message: string): void {
  if (!socket.destroyed) socket.end(errorResponse(code, message, 'FATAL'));
}

export async function serveClient(socket: Socket, conn: number, s: ConnectionSettings): Promise<void> {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  // Replaced by the TLS socket and its reader when the client asks for TLS.
  const peer = { socket, reader: new MessageReader(socket, s.maxMessageBytes) };
  const timer = setTimeout(() => {
    fatal(peer.socket, '08006', 'start-up and authentication took too long');
    peer.socket.destroy();
  }, s.startupTimeoutMs);
  let session: EngineSession | undefined;
  try {
    const startup = await readStartup(peer, s.tls, s.maxMessageBytes);
    const { socket: client, reader } = peer;
    if (startup.kind === 'cancel') {
      const target = s.cancels.lookup(startup.pid, startup.secret);
      client.end();
      if (target) await sendCancel(s.upstream, target.pid, target.secret).catch(() => undefined);
      return;
    }
    if (s.refuse) throw new ProtocolError(s.refuse, '53300');
    const { params } = startup;
    const user = params.user ?? '';
    const database = params.database || user;
    if (params.replication && params.replication !== 'false')
      throw new ProtocolError('replication connections are not allowed through the gateway', '28000');
    await authenticateClient(reader, client, s.clientAuth, s.credentials, user);
    if (database !== s.upstream.database)
      throw new ProtocolError(`the gateway serves database "${s.upstream.database}" only`, '3D000');
    session = openSession(s.context, {
      conn,
      user,
      database,
      client: client.remoteAddress ? `${client.remoteAddress}:${client.remotePort}` : 'unix',
      ...(params.application_name ? { application: params.application_name } : {}),
    });
    const settings = startupSettings(params);
    const forwarded = { ...settings.plain };
    for (const setting of settings.judged) {
      const j = await session.inspect(asSetStatement(setting), 'simple');
      if (!j.forward) {
        const why = j.refusal ?? { kind: 'unjudgeable', message: 'start-up setting refused' };
        throw new ProtocolError(why.message, POSTGRES_REFUSALS[why.kind].sqlState);
      }
      session.ran(j.statement.id, { tag: 'SET', durationMs: 0 });
      forwarded[setting.name] = setting.value;
    }
    let upstream: Awaited<ReturnType<typeof connectUpstream>>;
    try {
      upstream = await connectUpstream(s.upstream, forwarded, Math.max(s.maxMessageBytes, 1 << 20));
    } catch (err) {
      const code = err instanceof UpstreamError || err instanceof ProtocolError ? err.sqlState : '08001';
      throw new ProtocolError(`upstream: ${(err as Error).message}`, code);
    }
    clearTimeout(timer);
    if (client.destroyed) {
      upstream.socket.destroy();
      session.end('client left during start-up');
      return;
    }
    const leftover = reader.detach();
    const keys = s.cancels.register(upstream.pid, upstream.secret);
    session.analysisContext.backendId = upstream.pid;
    const pathChanged = settings.judged.some((x) => changesSessionPath(x.name));
    const link = new Link(client, upstream.socket, session, s, pathChanged, () =>
      s.cancels.release(keys.pid, keys.secret),
    );
    link.start([...upstream.greeting, backendKeyData(keys.pid, keys.secret), upstream.ready], leftover);
  } catch (err) {
    clearTimeout(timer);
    peer.reader.detach();
    if (err instanceof StartupRefused) {
      if (err.reply) peer.socket.end(err.reply);
      else peer.socket.end();
      return;
    }
    const e = err instanceof ProtocolError ? err : new ProtocolError((err as Error).message, 'XX000');
    fatal(peer.socket, e.sqlState, e.message);
    try {
      session?.end(`start-up failed: ${e.message}`);
    } catch {
      // The transcript has failed; the client already has its error.
    }
  }
}

/**
 * What framing one chunk sends to a socket, written once the chunk is done: a single piece (the
 * usual case: every message of the chunk passed unchanged) as one plain write, several corked
 * together. Writes made while a chunk is framed queue behind its pieces, so order is kept.
 */
class Outbox {
  private readonly pieces: Buffer[] = [];
  private open = false;

  constructor(
    private readonly socket: Socket,
    /** The socket's buffer is full: stop reading what feeds it. */
    private readonly full: () => void,
  ) {}

  begin(): void {
    this.open = true;
  }

  send(buf: Buffer): void {
    if (this.open) this.pieces.push(buf);
    else if (!this.socket.write(buf)) this.full();
  }

  end(): void {
    this.open = false;
    const { pieces, socket } = this;
    if (pieces.length === 0) return;
    let room = true;
    if (pieces.length === 1) room = socket.write(pieces[0]!);
    else {
      socket.cork();
      for (const piece of pieces) room = socket.write(piece) && room;
      socket.uncork();
    }
    pieces.length = 0;
    if (!room) this.full();
  }
}

/** The established proxy: client and server streams, each framed, with flow control. */
class Link {
  private readonly replies: Replies;
  private readonly commands: PostgresCommands;
  private readonly fromClient: Framer;
  private readonly fromServer: Framer;
  private held = false;
  private pressed = false;
  /** The server stream waits for a catalog read (result masking). */
  private serverHeld = false;
  private readonly serverWhole = SERVER_WHOLE.slice();
  private terminating = false;
  /** The server's last ErrorResponse was FATAL or PANIC: its closing the link is expected. */
  private serverEnded = false;
  private closed = false;
  private readonly serverOut: Outbox;
  private readonly clientOut: Outbox;

  constructor(
    private readonly client: Socket,
    private readonly server: Socket,
    private readonly session: EngineSession,
    s: ConnectionSettings,
    pathChanged: boolean,
    private readonly onClose: () => void,
  ) {
    this.serverOut = new Outbox(server, () => {
      this.pressed = true;
      this.client.pause();
    });
    this.clientOut = new Outbox(client, () => this.server.pause());
    const prepared = new NamedStatements();
    const { sequences } = session.gateway;
    const dryRun =
      session.gateway.mode === 'dry-run'
        ? new DryRun(sequences && ((text) => sequences.reason(text, session.analysisContext)))
        : undefined;
    this.replies = new Replies(
      session,
      prepared,
      s.masking ? { ...s.masking, hooks: this.resultHooks() } : undefined,
      // A dry-run batch ended: the client is read again.
      dryRun ? { run: dryRun, resumeClient: () => this.commands.batchDone() } : undefined,
    );
    this.commands = new PostgresCommands(
      session,
      this.replies,
      prepared,
      this.commandHooks(),
      s.masking ? { ...(s.masking.catalog ? { catalog: s.masking.catalog } : {}), pathChanged } : undefined,
      dryRun,
      s.catalog ? new FunctionOids(s.catalog) : undefined,
    );
    this.fromClient = new Framer({
      whole: CLIENT_WHOLE,
      maxMessageBytes: s.maxMessageBytes,
      message: (type, buf, start, end) => this.commands.message(type, buf, start, end),
      out: (buf) => this.toServer(buf),
      fail: (message, code) => this.fail(code, message, 'protocol error'),
    });
    this.fromServer = new Framer({
      whole: this.serverWhole,
      maxMessageBytes: Math.max(s.maxMessageBytes, 1 << 20),
      message: (type, buf, start, end) => this.serverMessage(type, buf, start, end),
      out: (buf) => this.toClient(buf),
      fail: (message, code) => this.fail(code, `upstream sent ${message}`, 'upstream protocol error'),
    });
  }

  /** How the client's commands reach the server, and hold or release the client stream. */
  private commandHooks(): CommandHooks {
    return {
      send: (buf) => this.toServer(buf),
      hold: () => {
        this.held = true;
        this.fromClient.pause();
        this.flow();
      },
      release: () => {
        if (this.closed) return;
        this.held = false;
        this.guard(() => this.fromClient.resume());
        this.flow();
      },
      fatal: (message, code) => this.fail(code, message, 'protocol error'),
      terminate: () => {
        this.terminating = true;
      },
    };
  }

  /** How result masking writes to the client and holds the server stream for a catalog read. */
  private resultHooks(): ResultHooks {
    return {
      toClient: (buf) => this.toClient(buf),
      resumeServer: () => {
        if (this.closed) return;
        this.serverHeld = false;
        this.guard(() => this.fromServer.resume());
        if (!this.fromServer.held && !this.closed) this.server.resume();
      },
      setWhole: (type, mode) => {
        this.serverWhole[type] = mode;
      },
      fatal: (message) => this.fail('XX000', message, 'gateway error'),
    };
  }

  /** One server message, through the reply queue; a STOP holds the server stream. */
  private serverMessage(type: number, buf: Buffer, start: number, end: number): Disposition {
    if (type === T.error) this.serverEnded = endsSession(buf, start, end);
    const d = this.replies.message(type, buf, start, end);
    if (d === STOP) {
      this.serverHeld = true;
      this.server.pause();
    }
    return d;
  }

  /** Sends the greeting (seen by Replies, so settings such as standard_conforming_strings count) and starts relaying. */
  start(greeting: Buffer[], leftover: Buffer): void {
    const { client, server } = this;
    for (const m of greeting) this.replies.message(m[0]!, m, 0, m.length);
    client.write(Buffer.concat(greeting));
    client.on('data', (chunk: Buffer) => {
      this.relay(this.fromClient, this.serverOut, chunk);
      // Terminate is forwarded with whatever preceded it in the chunk, then the link closes.
      if (this.terminating) this.close('client terminated');
    });
    server.on('data', (chunk: Buffer) => this.relay(this.fromServer, this.clientOut, chunk));
    server.on('drain', () => {
      this.pressed = false;
      this.flow();
    });
    client.on('drain', () => {
      if (!this.serverHeld) server.resume();
    });
    client.on('end', () => this.close('client closed the connection'));
    client.on('close', () => this.close('client closed the connection'));
    server.on('error', (err) =>
      this.fail('08006', `upstream connection failed: ${err.message}`, 'upstream lost'),
    );
    server.on('end', () => this.upstreamClosed());
    server.on('close', () => this.upstreamClosed());
    if (leftover.length > 0) this.relay(this.fromClient, this.serverOut, leftover);
  }

  /**
   * Frames a chunk and writes what it forwards in one go; the transcript lines it produced are
   * recorded after the write. Anything thrown (the transcript failing) ends this connection only.
   */
  private relay(framer: Framer, out: Outbox, chunk: Buffer): void {
    try {
      this.session.afterWrites(() => {
        out.begin();
        framer.push(chunk);
        out.end();
      });
    } catch (err) {
      this.fail('XX000', `gateway error: ${(err as Error).message}`, 'gateway error');
    }
  }

  /** Anything thrown on the data path (e.g. the transcript failing) ends this connection only. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail('XX000', `gateway error: ${(err as Error).message}`, 'gateway error');
    }
  }

  private flow(): void {
    if (this.closed) return;
    if (this.held || this.pressed) this.client.pause();
    else this.client.resume();
  }

  private toServer(buf: Buffer): void {
    if (!this.closed) this.serverOut.send(buf);
  }

  private toClient(buf: Buffer): void {
    if (!this.closed) this.clientOut.send(buf);
  }

  /** After the server's own FATAL (e.g. 57P01, terminated) the client has its last error already. */
  private upstreamClosed(): void {
    if (this.serverEnded) this.close('upstream ended the session with a FATAL error');
    else this.fail('08006', 'upstream closed the connection', 'upstream closed');
  }

  private fail(code: string, message: string, reason: string): void {
    if (this.closed) return;
    // What the chunk being framed sent before the failure goes first, as it would have alone.
    this.serverOut.end();
    this.clientOut.end();
    fatal(this.client, code, message);
    this.close(`${reason}: ${message}`);
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.serverOut.end();
    this.clientOut.end();
    this.closed = true;
    this.onClose();
    try {
      this.replies.abandon(reason);
      this.session.end(reason);
    } catch {
      // The transcript has failed: the session refuses every statement; closing must still work.
    }
    if (!this.server.destroyed) this.server.end(terminateMessage);
    if (!this.client.destroyed) this.client.end();
    setTimeout(() => {
      this.server.destroy();
      this.client.destroy();
    }, 1000).unref();
  }
}
