import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

const NAME_OID = 19;
const TEXT_OID = 25;

type Fields = { dataTypeID: number }[] | undefined;

function nameColumnsAsText<T extends { fields?: Fields }>(result: T): T {
  for (const field of result?.fields ?? []) {
    if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  }
  return result;
}

/**
 * `prisma migrate deploy` on the JS engine reads catalog columns of PostgreSQL type `name`,
 * which @prisma/adapter-pg 6.x cannot map (prisma/prisma#27403: "Column type 'name' could not
 * be deserialized"). A `name` is text on the wire, so this pool reports it as text.
 */
class NameAsTextPool extends pg.Pool {
  override query(...args: unknown[]): never {
    // biome-ignore lint/suspicious/noExplicitAny: forwarding pg's overloaded signature unchanged
    const out = (super.query as any)(...args);
    return (out instanceof Promise ? out.then(nameColumnsAsText) : out) as never;
  }

  override connect(...args: unknown[]): never {
    // biome-ignore lint/suspicious/noExplicitAny: forwarding pg's overloaded signature unchanged
    const out = (super.connect as any)(...args);
    if (!(out instanceof Promise)) return out as never;
    return out.then((client: pg.PoolClient) => {
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      // biome-ignore lint/suspicious/noExplicitAny: same forwarding for checked-out clients
      (client as any).query = (...a: unknown[]) => {
        const r = query(...a);
        return r instanceof Promise ? r.then(nameColumnsAsText) : r;
      };
      return client;
    }) as never;
  }
}

export function migrationAdapter(connectionString: string): PrismaPg {
  // The CLI never ends an external pool, so idle connections must not hold the process open.
  return new PrismaPg(
    new NameAsTextPool({ connectionString, max: 2, idleTimeoutMillis: 200, allowExitOnIdle: true }),
    {
      disposeExternalPool: true,
    },
  );
}
