import type { Database } from '../../src/index.ts';

/**
 * Runs `run` on a wrapper of `db` and counts the statements it sends: the wrapper is not a
 * client createDatabase made, so hot statements go through Prisma, one call each.
 */
export async function statementsOf<T>(
  db: Database,
  run: (counted: Database) => Promise<T>,
): Promise<[T, number]> {
  let statements = 0;
  const counted = new Proxy(db, {
    get: (target, name, receiver) =>
      name === '$queryRawUnsafe'
        ? (...args: Parameters<Database['$queryRawUnsafe']>) => {
            statements++;
            return target.$queryRawUnsafe(...args);
          }
        : Reflect.get(target, name, receiver),
  });
  return [await run(counted), statements];
}
