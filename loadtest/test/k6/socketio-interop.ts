/**
 * k6 side of socketio-client-interop.test.ts: drives a plain socket.io server through the
 * k6 client and checks every part of the framing. Thresholds make k6 exit non-zero on a miss.
 */
import { check } from 'k6';
import { setTimeout } from 'k6/timers';
import { connect, SocketIoError } from '../../scripts/lib/socketio-client.ts';

const target = __ENV.SB_TARGET!;

export const options = {
  iterations: 1,
  vus: 1,
  thresholds: { checks: ['rate==1'] },
};

export default async function (): Promise<void> {
  const client = await connect({ target, token: 'good' });
  check(client, { 'connected with a sid': (c) => c.connected && typeof c.sid === 'string' });

  const echoed = await client.emitWithAck<{ echo: unknown }>('echo', { n: 1, text: 'h\u00e9llo "quoted"' });
  check(echoed, {
    'ack carries the payload back': (e) =>
      JSON.stringify(e.echo) === '{"n":1,"text":"h\u00e9llo \\"quoted\\""}',
  });

  // The server asks for an ack; the client answers, and the server reports that it got it.
  const probeAcked = new Promise<unknown>((resolve) => client.on('probe-result', resolve));
  client.emit('send-probe');
  check(await probeAcked, { 'server event with ack id is acknowledged': (r) => r === 'acked' });

  // pingInterval is 100 ms on the server: staying connected for 1 s means pongs are answered.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const late = await client.emitWithAck<{ echo: unknown }>('echo', 'still here');
  check(late, { 'still connected after many pings': (e) => e.echo === 'still here' });
  client.close();

  let refusal: unknown;
  try {
    await connect({ target, token: 'bad' });
  } catch (err) {
    refusal = err;
  }
  check(refusal, {
    'a refused token rejects with the server code': (e) =>
      e instanceof SocketIoError && e.code === 'UNAUTHENTICATED',
  });
}
