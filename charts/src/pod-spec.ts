import type { KubeObject } from './helm.ts';

/** Helpers to read what a rendered workload really runs with. */

export function podSpec(o: KubeObject) {
  if (o.kind === 'Pod') return o.spec;
  return o.spec.template.spec;
}

export function container(o: KubeObject, name?: string) {
  const containers = podSpec(o).containers as { name: string }[];
  const found = name ? containers.find((c) => c.name === name) : containers[0];
  if (!found) throw new Error(`no container ${name ?? ''} in ${o.kind}/${o.metadata.name}`);
  // biome-ignore lint/suspicious/noExplicitAny: a rendered container is an arbitrary object
  return found as any;
}

/** The container port a probe or Service targets, by name or number. */
export function resolvePort(
  c: { ports?: { name?: string; containerPort: number }[] },
  port: string | number,
): number {
  if (typeof port === 'number') return port;
  const found = c.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`no container port named ${port}`);
  return found.containerPort;
}

/**
 * The environment a container starts with: envFrom ConfigMaps/Secrets and env entries,
 * resolved against the rendered objects. Secrets that the chart does not create (existingSecret,
 * operator-made) resolve to `placeholders[secret/key]`; a missing placeholder is an error.
 */
export function containerEnv(
  objects: KubeObject[],
  c: {
    env?: { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string }> }[];
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  },
  placeholders: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const secretValue = (name: string, key: string): string => {
    const secret = lookup('Secret', name);
    if (secret) {
      const encoded = secret.data?.[key];
      if (encoded === undefined) throw new Error(`Secret ${name} has no key ${key}`);
      return Buffer.from(encoded, 'base64').toString('utf8');
    }
    const placeholder = placeholders[`${name}/${key}`];
    if (placeholder === undefined)
      throw new Error(`Secret ${name} (key ${key}) is neither rendered nor expected`);
    return placeholder;
  };
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = lookup('ConfigMap', from.configMapRef.name);
      if (!cm) throw new Error(`ConfigMap ${from.configMapRef.name} is not rendered`);
      Object.assign(env, cm.data);
    }
    if (from.secretRef) {
      const secret = lookup('Secret', from.secretRef.name);
      if (!secret) throw new Error(`Secret ${from.secretRef.name} is not rendered`);
      for (const key of Object.keys(secret.data ?? {})) env[key] = secretValue(secret.metadata.name, key);
    }
  }
  for (const entry of c.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.secretKeyRef)
      env[entry.name] = secretValue(entry.valueFrom.secretKeyRef.name, entry.valueFrom.secretKeyRef.key);
    else if (entry.valueFrom?.configMapKeyRef) {
      const cm = lookup('ConfigMap', entry.valueFrom.configMapKeyRef.name);
      env[entry.name] = cm?.data?.[entry.valueFrom.configMapKeyRef.key];
    } else throw new Error(`env ${entry.name} has no value the test can resolve`);
  }
  return env;
}
