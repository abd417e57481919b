/**
 * What the persister needs of a consumed record and of the consumer, in terms of no client
 * library: kafka-consumer.ts translates kafkajs into these, so replacing kafkajs (in maintenance
 * mode) touches that module and the dead-letter producer only.
 */
export type RecordHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export type InboundRecord = {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
};

export type PartitionBatch = {
  topic: string;
  partition: number;
  records: InboundRecord[];
};

export type BatchControl = {
  /** Marks every record up to and including `offset` as done; committed after the handler returns. */
  markDone: (offset: string) => void;
  /** Commits the offsets marked so far when the commit interval has passed. */
  commitIfDue: () => Promise<void>;
  /** Keeps the group membership alive during a long batch; throws when the group rebalances. */
  heartbeat: () => Promise<void>;
  /** False once the consumer stops or the partition is about to be re-read (seek/rebalance). */
  isActive: () => boolean;
};

export type BatchHandler = (batch: PartitionBatch, control: BatchControl) => Promise<void>;

export type PartitionLag = {
  topic: string;
  partition: number;
  committed: number;
  latest: number;
  lag: number;
};

/** One record to the dead-letter topic: the original bytes plus why and where from. */
export type DeadLetter = {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
};
