import type { PortName } from './layout.ts';
import type { SpawnSpec } from './process-control.ts';

export type Log = (line: string) => void;

/** One process of the local stack: how to prepare, start, check and stop it. */
export type StackService = {
  name: string;
  description: string;
  port: PortName;
  dependsOn: string[];
  /** Idempotent first-time setup (downloads, initdb, storage format). */
  provision?: (log: Log) => Promise<void>;
  spawn: () => SpawnSpec;
  ready: () => Promise<boolean>;
  /** Idempotent setup that needs the process running (migrations, topics). */
  afterReady?: (log: Log) => Promise<void>;
  startTimeoutMs: number;
  stopGraceMs: number;
  /** Defaults to SIGTERM. */
  stopSignal?: NodeJS.Signals;
};
