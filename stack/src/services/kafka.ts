import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createKafkaClient, createLogger, sleep } from '@switchboard/service-kit';
import { cacheDir, dirs, HOST, kafkaSettings, ports, repoRoot } from '../layout.ts';
import { canConnect } from '../readiness.ts';
import type { Log, StackService } from '../service.ts';

const jarsDir = () => path.join(cacheDir, `kafka-${kafkaSettings.version}`, 'libs');
const dataDir = () => path.join(dirs.data, 'kafka');
const configFile = () => path.join(dirs.run, 'kafka.properties');
const kafkaResources = path.join(repoRoot, 'stack', 'kafka');

function java(args: string[]): { command: string; args: string[] } {
  return {
    command: 'java',
    args: [
      `-Dlog4j.configuration=file:${path.join(kafkaResources, 'log4j.properties')}`,
      '-cp',
      `${jarsDir()}/*`,
      ...args,
    ],
  };
}

async function fetchJars(log: Log) {
  if (fs.existsSync(path.join(jarsDir(), `kafka_2.13-${kafkaSettings.version}.jar`))) return;
  log(`downloading Apache Kafka ${kafkaSettings.version} and its dependencies from Maven Central (once)`);
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '--quiet',
      '-f',
      path.join(kafkaResources, 'pom.xml'),
      `-Dkafka.version=${kafkaSettings.version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${jarsDir()}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error('mvn could not fetch the Kafka jars (is Maven installed?)');
}

function writeConfig() {
  fs.mkdirSync(dirs.run, { recursive: true });
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${ports.kafkaController}`,
    `listeners=PLAINTEXT://${HOST}:${ports.kafka},CONTROLLER://${HOST}:${ports.kafkaController},SASL_PLAINTEXT://${HOST}:${ports.kafkaSasl}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${ports.kafka},SASL_PLAINTEXT://${HOST}:${ports.kafkaSasl}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    // Brokers talk to each other over PLAINTEXT; the SASL listener only proves the clients' settings.
    'inter.broker.listener.name=PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${kafkaSettings.sasl.username}="${kafkaSettings.sasl.password}";`,
    `log.dirs=${dataDir()}`,
    `num.partitions=${kafkaSettings.partitions}`,
    // A single broker: every replication factor and ISR minimum is 1.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    'auto.create.topics.enable=false',
    'group.initial.rebalance.delay.ms=0',
  ];
  fs.writeFileSync(configFile(), `${lines.join('\n')}\n`);
}

/**
 * A Kafka cluster id: 16 random bytes in base64url, never starting with '-' (the storage tool
 * would read `-t -...` as an option; Kafka's own Uuid.randomUuid draws again for the same reason).
 */
export function randomClusterId(): string {
  for (;;) {
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function formatStorage(log: Log) {
  if (fs.existsSync(path.join(dataDir(), 'meta.properties'))) return;
  log('formatting Kafka KRaft storage');
  fs.mkdirSync(dataDir(), { recursive: true });
  const clusterId = randomClusterId();
  const { command, args } = java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile()]);
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kafka storage format failed: ${result.stderr || result.stdout}`);
}

export function kafkaAdminClient() {
  return createKafkaClient({
    clientId: 'switchboard-stack',
    brokers: [`${HOST}:${ports.kafka}`],
    // The stack prints plain progress lines; kafkajs' retries while the broker starts are noise.
    logger: createLogger('stack', 'silent'),
    retry: { retries: 3 },
  }).admin();
}

async function ensureTopics(log: Log) {
  const admin = kafkaAdminClient();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [kafkaSettings.topic, kafkaSettings.dlqTopic].filter((t) => !existing.has(t));
    if (wanted.length === 0) return;
    log(`creating topics ${wanted.join(', ')} (${kafkaSettings.partitions} partitions)`);
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((topic) => ({
        topic,
        numPartitions: kafkaSettings.partitions,
        replicationFactor: 1,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

export const kafka: StackService = {
  name: 'kafka',
  description: `Apache Kafka ${kafkaSettings.version}, KRaft single node (message log)`,
  port: 'kafka',
  dependsOn: [],
  provision: async (log) => {
    await fetchJars(log);
    writeConfig();
    formatStorage(log);
  },
  spawn: () => {
    const { command, args } = java(['kafka.Kafka', configFile()]);
    return {
      name: 'kafka',
      command,
      args: [`-Xms${kafkaSettings.heap}`, `-Xmx${kafkaSettings.heap}`, '-XX:+UseG1GC', ...args],
    };
  },
  ready: () => canConnect(ports.kafka),
  afterReady: async (log) => {
    // The port opens a little before the broker can serve metadata: retry topic setup briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureTopics(log);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await sleep(500);
      }
    }
  },
  startTimeoutMs: 60_000,
  stopGraceMs: 20_000,
};
