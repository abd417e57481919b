import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { ClientEvent, KafkaHeader } from '@switchboard/protocol';
import { connectClient, eventually, request } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';
import { readRecords, topicEnd } from './support/kafka-topic.ts';

// The console exporter stands in for an OTLP collector: same SDK, spans printed to the log.
let gateway: GatewayProcess;
before(async () => {
  gateway = await startGateway({ OTEL_TRACES_EXPORTER: 'console', OTEL_BSP_SCHEDULE_DELAY: '100' });
});
after(() => stopGateway(gateway));

test("message:send is one span, Kafka's ack an event of it, and the record carries that trace", async () => {
  const from = await topicEnd();
  const socket = await connectClient(gateway.url, { user: 'tracy' });
  try {
    await request(socket, ClientEvent.RoomJoin, { room: 'traced' });
    const ack = await request(socket, ClientEvent.MessageSend, {
      room: 'traced',
      // Its own per run: a rerun within the retry window would be a duplicate, never produced.
      clientMsgId: `t-${Date.now().toString(36)}`,
      body: 'x',
    });
    assert.equal(ack.ok, true);
    const records = await readRecords(from, (r) => r.has(ack.id));
    const traceparent = records.get(ack.id)?.[KafkaHeader.TraceParent] ?? '';
    const [, traceId, parentSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent) ?? [];
    assert.ok(traceId, `no traceparent header: "${traceparent}"`);

    const spans = () =>
      fs
        .readFileSync(gateway.log, 'utf8')
        .split(/\n(?=\{)/)
        .filter((block) => block.includes(`traceId: '${traceId}'`));
    await eventually('the span is exported', () => spans().length >= 1);
    const send = spans().find((b) => b.includes("name: 'message:send'"));
    assert.ok(send, 'a message:send span');
    assert.equal(spans().length, 1, 'one span per send');
    assert.match(
      send,
      new RegExp(`\\n {2}id: '${parentSpanId}'`),
      'the record carries the message:send span',
    );
    assert.match(send, /name: 'kafka acked'/, "Kafka's ack is an event of the span");
  } finally {
    socket.close();
  }
});
