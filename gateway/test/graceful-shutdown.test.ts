import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, request, uniqueRoom, within } from './support/clients.ts';
import { startGateway, stopGateway } from './support/gateway-processes.ts';
import { readMessageIds, topicEnd } from './support/kafka-topic.ts';

const survivor = `http://${HOST}:${ports.gateway1}`;
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

test('SIGTERM on a gateway under traffic: every acknowledged message is in Kafka, clients carry on elsewhere', async () => {
  const from = await topicEnd();
  const doomed = await startGateway();
  const room = uniqueRoom('sigterm');
  const acked = new Map<string, string>(); // clientMsgId -> id
  let stop = false;
  let moved = 0;
  let recovered = 0;

  // Each sender sends back to back; on any failure it retries the same clientMsgId (as a client
  // should), and after its connection drops it reconnects to the surviving gateway, as the load
  // balancer would route it.
  const sender = async (n: number) => {
    const socket = await connectClient(
      doomed.url,
      { user: `sender-${n}` },
      { reconnection: true, reconnectionDelay: 200 },
    );
    sockets.push(socket);
    socket.on('disconnect', () => {
      (socket.io as unknown as { uri: string }).uri = survivor;
    });
    socket.on('connect', () => {
      if ((socket.io as unknown as { uri: string }).uri !== survivor) return;
      moved++;
      // The draining gateway closed transports (not sessions), so the session moved with it.
      if (socket.recovered) recovered++;
    });
    await request(socket, ClientEvent.RoomJoin, { room });
    for (let i = 0; !stop; i++) {
      const clientMsgId = `s${n}-${i}`;
      for (;;) {
        const ack = await request(
          socket,
          ClientEvent.MessageSend,
          { room, clientMsgId, body: clientMsgId },
          5000,
        ).catch(() => undefined);
        if (ack?.ok) {
          const previous = acked.get(clientMsgId);
          assert.ok(previous === undefined || previous === ack.id, 'a clientMsgId got two ids');
          acked.set(clientMsgId, ack.id);
          break;
        }
        if (ack && !ack.error.retryable) assert.fail(`non-retryable error ${JSON.stringify(ack)}`);
        if (!socket.connected)
          await within(new Promise<void>((r) => socket.once('connect', () => r())), 'a reconnection');
        else await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const senders = [0, 1, 2, 3].map(sender);
  await eventually('traffic flows', () => acked.size >= 40);
  const exitCode = await stopGateway(doomed, 'SIGTERM');
  assert.equal(exitCode, 0);
  const atStop = acked.size;
  await eventually(
    'every sender moved to the other gateway and sends again',
    () => moved === 4 && acked.size >= atStop + 40,
  );
  stop = true;
  await Promise.all(senders);
  assert.equal(recovered, 4, 'sessions recovered on the other gateway');

  const wanted = new Set(acked.values());
  const inKafka = await readMessageIds(from, (ids) => [...wanted].every((id) => ids.has(id)));
  const missing = [...wanted].filter((id) => !inKafka.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${wanted.size} acknowledged messages are not in Kafka`);
});
