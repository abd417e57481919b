import assert from 'node:assert/strict';
import { after } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './clients.ts';

/**
 * Two ordinary users on the gateway under attack, in a room of their own: `assertUnaffected`
 * proves one still sends and the other receives, and that neither was disconnected. Call it
 * inside a test (not a hook): they are closed when that test ends.
 */
export async function bystanders(url: string, name = 'bystander') {
  const suffix = Math.random().toString(36).slice(2, 8);
  const room = uniqueRoom(`${name}-room`);
  const sender = await connectClient(url, { user: `${name}-s-${suffix}` });
  const receiver = await connectClient(url, { user: `${name}-r-${suffix}` });
  let disconnects = 0;
  for (const s of [sender, receiver]) s.on('disconnect', () => disconnects++);
  const seen = record<ChatMessage>(receiver, ServerEvent.Message);
  for (const s of [sender, receiver]) {
    const joined = await request(s, ClientEvent.RoomJoin, { room });
    assert.equal(joined.ok, true, JSON.stringify(joined));
  }
  after(() => {
    sender.close();
    receiver.close();
  });
  let n = 0;
  return {
    room,
    sender: sender as Socket,
    async assertUnaffected() {
      const ack = await request(sender, ClientEvent.MessageSend, {
        room,
        clientMsgId: `calm-${suffix}-${n++}`,
        body: 'business as usual',
      });
      assert.equal(ack.ok, true, `the bystander's send: ${JSON.stringify(ack)}`);
      await eventually('the other bystander receives it', () => seen.some((m) => m.id === ack.id));
      assert.equal(disconnects, 0, 'a bystander was disconnected');
    },
  };
}

/** One sample of a counter or gauge from a gateway's /metrics (0 when the series is absent). */
export async function metricValue(opsUrl: string, name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export const LIMIT_REFUSALS = 'switchboard_gateway_limit_refusals_total';
