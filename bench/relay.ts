// The baseline: a bare TCP relay in one Node process (socket data → write, back-pressure, no
// parsing). It is the ceiling for any Node gateway on this machine, so the gateway's cost of
// inspection shows as gateway ÷ relay. Run as its own process: `relay.mjs LISTEN_PORT UP_HOST UP_PORT`.
import { connect, createServer, type Socket } from 'node:net';

function pipe(from: Socket, to: Socket): void {
  from.on('data', (chunk) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('close', () => to.destroy());
  from.on('error', () => to.destroy());
}

const [listenPort, upHost, upPort] = process.argv.slice(2);
const server = createServer({ noDelay: true }, (client) => {
  const upstream = connect({ host: upHost ?? '127.0.0.1', port: Number(upPort), noDelay: true });
  pipe(client, upstream);
  pipe(upstream, client);
});
server.listen(Number(listenPort), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
