import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portSpecs } from '../../src/layout.ts';

// Two stacks side by side differ in SB_PORT_OFFSET by a multiple of 100 (the main stack, the
// Redis Cluster stack of `make test-redis-cluster` at 800, helpers' stacks): no port of one may
// be a port of the other, the Redis Cluster's buses (port + 10000) included.
test('no two ports of the layout, nor a cluster bus, meet at any two offsets in steps of 100 below 10,000', () => {
  const bases = Object.entries(portSpecs).map(([name, spec]) => ({ name, base: spec.base }));
  const listening = [
    ...bases,
    ...bases
      .filter(({ name }) => name.startsWith('redisNode'))
      .map(({ name, base }) => ({ name: `${name} bus`, base: base + 10000 })),
  ];
  const seen = new Map<number, string>();
  for (let offset = 0; offset < 10000; offset += 100) {
    for (const { name, base } of listening) {
      const port = base + offset;
      assert.ok(port <= 65535, `${name} at offset ${offset}`);
      const other = seen.get(port);
      assert.ok(
        other === undefined || other === name,
        `port ${port}: ${other} and ${name} at offset ${offset}`,
      );
      seen.set(port, name);
    }
  }
});
