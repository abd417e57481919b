import { METRIC_PREFIX } from '@switchboard/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const p = `${METRIC_PREFIX}gateway_`;

/** The gateway's own series; dashboards and alerts in the chart are written against these names. */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  // Gauges read the live state at scrape time; main.ts points this at the running server.
  const live = { sample: (): GaugeSample => ({ connections: 0, rooms: 0, inflightSends: 0 }) };
  return {
    live,
    connections: new Gauge({
      name: `${p}connections`,
      help: 'open Socket.IO connections on this pod',
      registers,
      collect() {
        this.set(live.sample().connections);
      },
    }),
    connectionsTotal: new Counter({
      name: `${p}connections_total`,
      help: 'accepted Socket.IO connections; recovered=true when the session was restored (G5)',
      labelNames: ['recovered'] as const,
      registers,
    }),
    rooms: new Gauge({
      name: `${p}rooms`,
      help: 'rooms with at least one member on this pod',
      registers,
      collect() {
        this.set(live.sample().rooms);
      },
    }),
    messagesReceived: new Counter({
      name: `${p}messages_received_total`,
      help: 'message:send events received',
      registers,
    }),
    messagesBroadcast: new Counter({
      name: `${p}messages_broadcast_total`,
      help: 'messages broadcast to their room after Kafka acknowledged them',
      registers,
    }),
    messagesDuplicate: new Counter({
      name: `${p}messages_duplicate_total`,
      help: 'retries answered with the first id of an already accepted clientMsgId (G3)',
      registers,
    }),
    messagesRejected: new Counter({
      name: `${p}messages_rejected_total`,
      help: 'message:send refused, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
    clientErrors: new Counter({
      name: `${p}client_errors_total`,
      help: 'typed errors sent to clients, by event (handshake for refused connections) and code',
      labelNames: ['event', 'code'] as const,
      registers,
    }),
    ackLatency: new Histogram({
      name: `${p}ack_latency_seconds`,
      help: 'message:send received to ack sent, by outcome (ok or the error code)',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    kafkaProduceLatency: new Histogram({
      name: `${p}kafka_produce_latency_seconds`,
      help: 'duration of one Kafka produce request (a batch of messages), by outcome (ok, error)',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    kafkaBatchSize: new Histogram({
      name: `${p}kafka_batch_size`,
      help: 'messages per Kafka produce request',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    kafkaRequests: new Counter({
      name: `${p}kafka_requests_total`,
      help: 'Kafka produce requests by outcome: ok, too_large (refused by the broker for its size, then split; never an outage), error',
      labelNames: ['outcome'] as const,
      registers,
    }),
    kafkaRequestBytes: new Histogram({
      name: `${p}kafka_request_bytes`,
      help: 'estimated record bytes per Kafka produce request (bounded by the topic max.message.bytes)',
      buckets: [1024, 4096, 16384, 65536, 262144, 524288, 786432, 1048576, 4194304],
      registers,
    }),
    inflightSends: new Gauge({
      name: `${p}inflight_sends`,
      help: 'messages waiting for Kafka on this pod (bounded by MAX_INFLIGHT_SENDS)',
      registers,
      collect() {
        this.set(live.sample().inflightSends);
      },
    }),
    roomDecisionLookups: new Counter({
      name: `${p}room_decision_lookups_total`,
      help: 'room membership decisions: hit = from this pod cache, miss = asked PostgreSQL',
      labelNames: ['result'] as const,
      registers,
    }),
    broadcastsDropped: new Counter({
      name: `${p}broadcasts_dropped_total`,
      help: 'accepted messages whose broadcast waited for Redis longer than the queue holds (still in history)',
      registers,
    }),
    fanOutDelivered: new Counter({
      name: `${p}fanout_deliveries_total`,
      help: "messages this pod delivered to its members from rooms' fan-out channels (one per room, not per socket)",
      registers,
    }),
    fanOutGaps: new Counter({
      name: `${p}fanout_gaps_total`,
      help: "gaps in what this pod heard on a room's channel (a lost subscription), by whether the room's log filled them",
      labelNames: ['filled'] as const,
      registers,
    }),
    fanOutUnreadable: new Counter({
      name: `${p}fanout_unreadable_total`,
      help: "frames on a room's fan-out channel this pod could not read (another version's)",
      registers,
    }),
    adapterErrors: new Counter({
      name: `${p}adapter_errors_total`,
      help: 'errors of the Redis connection behind the Socket.IO streams adapter',
      registers,
    }),
    limitRefusals: new Counter({
      name: `${p}limit_refusals_total`,
      help: 'requests and connections refused by a limit (gateway/README.md "Limits"), by limit (the entry point) and reason (rate, user_cap, user_concurrency, pod_concurrency, invalid_events, slow_consumer)',
      labelNames: ['limit', 'reason'] as const,
      registers,
    }),
    historyRequests: new Counter({
      name: `${p}history_requests_total`,
      help: 'history API requests by HTTP status',
      labelNames: ['status'] as const,
      registers,
    }),
  };
}

export type GaugeSample = { connections: number; rooms: number; inflightSends: number };

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
