import type { Admin, ConfigResourceTypes } from 'kafkajs';

// kafkajs' ConfigResourceTypes values (Kafka's ConfigResource.Type ids): its CommonJS export
// object is not visible to ESM named imports.
const TOPIC = 2 as ConfigResourceTypes.TOPIC;
const BROKER = 4 as ConfigResourceTypes.BROKER;

export type SizeLimit = { maxMessageBytes: number; source: 'topic' | 'broker' };

/**
 * The largest record batch the broker accepts on `topic`: the topic's `max.message.bytes`
 * (its effective value: the topic override or the broker default), or, where topic configs
 * may not be described (an ACL without DescribeConfigs on topics), the broker's
 * `message.max.bytes`. Throws when neither can be read.
 */
export async function readTopicSizeLimit(admin: Admin, topic: string): Promise<SizeLimit> {
  try {
    const value = await describe(admin, TOPIC, topic, 'max.message.bytes');
    return { maxMessageBytes: value, source: 'topic' };
  } catch (topicError) {
    const { brokers, controller } = await admin.describeCluster();
    const nodeId = controller ?? brokers[0]?.nodeId;
    if (nodeId === undefined || nodeId === null) throw topicError;
    const value = await describe(admin, BROKER, String(nodeId), 'message.max.bytes');
    return { maxMessageBytes: value, source: 'broker' };
  }
}

async function describe(
  admin: Admin,
  type: ConfigResourceTypes,
  name: string,
  configName: string,
): Promise<number> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type, name, configNames: [configName] }],
  });
  const resource = resources[0];
  if (resource?.errorCode !== 0) {
    throw new Error(`cannot describe ${configName} of ${name}: ${resource?.errorMessage ?? 'no answer'}`);
  }
  const raw = resource.configEntries.find((e) => e.configName === configName)?.configValue;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${configName} of ${name} is ${raw}`);
  return value;
}
