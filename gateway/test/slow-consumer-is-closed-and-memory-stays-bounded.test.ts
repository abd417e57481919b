import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { eventually, request, tokenFor } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

const BOUND = 65536;
let gateway: GatewayProcess;

before(async () => {
  gateway = await startGateway({ SLOW_CONSUMER_MAX_BUFFER_BYTES: String(BOUND), RATE_LIMIT_BURST: '200' });
});

after(() => stopGateway(gateway));

/**
 * A long-polling client that stops polling: what the gateway sends it can only wait in the
 * pod's memory (the engine.io write buffer), which is what a client that never reads does.
 */
async function pollingClientThatStopsReading(user: string, room: string) {
  const base = `${gateway.url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const url = `${base}&sid=${sid}`;
  const post = async (packet: string) => {
    const res = await fetch(url, { method: 'POST', body: packet });
    assert.equal(res.status, 200, await res.text());
  };
  const pollUntil = async (prefix: string) => {
    for (;;) {
      const packets = (await (await fetch(url)).text()).split('\x1e');
      if (packets.some((p) => p.startsWith(prefix))) return;
    }
  };
  await post(`40${JSON.stringify({ token: await tokenFor(user) })}`);
  await pollUntil('40');
  await post(`420${JSON.stringify([ClientEvent.RoomJoin, { room }])}`);
  await pollUntil('430');
  return { sessionKnown: async () => (await fetch(url)).status === 200 };
}

test('a client that stops reading is closed past the buffer bound; the room keeps talking', async () => {
  const calm = await bystanders(gateway.url);
  const offender = await pollingClientThatStopsReading('sloth', calm.room);
  const connectionsWithOffender = await metricValue(gateway.opsUrl, 'switchboard_gateway_connections');

  // About 4 KB per broadcast: 200 of them are 800 KB, over ten times the bound.
  const body = 'x'.repeat(4000);
  for (let i = 0; i < 200; i++) {
    const ack = await request(calm.sender, ClientEvent.MessageSend, {
      room: calm.room,
      clientMsgId: `load-${i}`,
      body,
    });
    assert.equal(ack.ok, true, JSON.stringify(ack));
  }

  await eventually('the slow consumer is closed', async () => {
    return (
      (await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'outbound', reason: 'slow_consumer' })) >= 1
    );
  });
  assert.equal(await offender.sessionKnown(), false, 'the session of the slow consumer is gone');
  assert.equal(
    await metricValue(gateway.opsUrl, 'switchboard_gateway_connections'),
    connectionsWithOffender - 1,
  );
  // The bound on memory is that the connection and its buffer are gone, as asserted above; the
  // process' RSS moves by tens of MB with GC and JIT on its own, so it is not what proves it.
  await calm.assertUnaffected();
});
