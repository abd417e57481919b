import { z } from 'zod';

/**
 * One zod object per service describes every environment variable it reads: the type, the
 * default and (through `.describe()`) the documentation. The same schema validates the
 * environment at start and renders the README's settings table, so the two cannot drift.
 */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

const SECRET_LIKE = /SECRET|PASSWORD|TOKEN|KEY|_URL$/;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super(`${service}: invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig<S extends EnvSchema>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // An empty variable means "not set", as in most deployment tools' templating.
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(config)');
    const value = env[name];
    // Secrets and URLs (which carry passwords) must not reach the logs.
    const shown =
      value === undefined
        ? 'not set'
        : SECRET_LIKE.test(name)
          ? `got ${value.length} characters`
          : `got "${value}"`;
    return `${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(service, problems);
}

export type ConfigRow = { name: string; default: string; description: string };

export function describeConfig(schema: EnvSchema): ConfigRow[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as { default?: unknown };
    return {
      name,
      default:
        json.default === undefined
          ? field.safeParse(undefined).success
            ? ''
            : '(required)'
          : String(json.default),
      description: field.description ?? '',
    };
  });
}

export function configTableMarkdown(schema: EnvSchema): string {
  const rows = describeConfig(schema).map(
    (r) => `| \`${r.name}\` | ${shownDefault(r.default)} | ${r.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function shownDefault(value: string): string {
  if (value === '') return '';
  return value === '(required)' ? '**required**' : `\`${value}\``;
}

/** Common field builders, so every service spells the same kind of setting the same way. */
export const env = {
  port: (fallback: number, description: string) =>
    z.coerce.number().int().min(1).max(65535).default(fallback).describe(description),
  int: (fallback: number, description: string, min = 0) =>
    z.coerce.number().int().min(min).default(fallback).describe(description),
  string: (fallback: string, description: string) => z.string().default(fallback).describe(description),
  url: (description: string) => z.url().describe(description),
  optional: (description: string) => z.string().optional().describe(description),
  bool: (fallback: boolean, description: string) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1')
      .describe(description),
  list: (fallback: string, description: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .describe(description),
  logLevel: () =>
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino log level'),
};
