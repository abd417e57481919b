import { WebSocketServer } from 'ws';

/**
 * The baseline of the fan-out benchmark: a bare `ws` server that relays every frame it gets to
 * every connected client. No auth, rooms, Kafka or Redis: the least a broadcast can cost.
 */
const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) client.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => {
  const address = wss.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
