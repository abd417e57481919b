import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClientEvent, ServerEvent } from '@switchboard/protocol';
import pg from 'pg';
import { joinedClients, request } from '../../../gateway/test/support/clients.ts';
import { down, freePort, gatewayEnv, HOST, httpOk, serviceEnv, up } from '../../../stack/src/index.ts';
import { eventually } from '../../src/cluster/control-plane.ts';
import { TARGETS } from '../../src/dockerfile.ts';
import { imageBuilt, type Running, runImage } from '../../src/images/image-runner.ts';

/**
 * The images `make images` built (buildah, no Docker engine), each run as its container would
 * be (its ENTRYPOINT, CMD, USER, WORKDIR and ENV; buildah run with chroot isolation) against the
 * local stack's Redis, Kafka and PostgreSQL: the migration image applies the migrations, the
 * gateway image answers /livez and carries a message between two clients, and the persister
 * image (the only consumer: the stack's own persister is stopped) writes that message to
 * PostgreSQL. Runs under `make images` (SB_IMAGES_TEST=1), after the build.
 */
const enabled = process.env.SB_IMAGES_TEST === '1';
const running: Running[] = [];

describe('the built images run against the local stack', {
  skip: !enabled && 'make images runs this',
}, () => {
  before(async () => {
    for (const image of Object.values(TARGETS))
      assert.ok(imageBuilt(image), `${image} is built (make images)`);
    await up({ only: ['redis', 'postgres', 'kafka'] });
    await down({ only: ['persister'] });
  });
  after(async () => {
    for (const r of running.reverse()) await r.stop();
  });

  test('switchboard-migrate: prisma migrate deploy succeeds', async () => {
    const migrate = runImage(TARGETS.migrate, { DATABASE_URL: serviceEnv().DATABASE_URL }, 'image-migrate');
    assert.equal(await migrate.exited, 0, 'see .stack/<stack>/logs/image-migrate.log');
    await migrate.stop();
  });

  test('switchboard-gateway and switchboard-persister: a message goes through both', async () => {
    const [port, opsPort, persisterPort] = [await freePort(), await freePort(), await freePort()];
    // The local stack's development settings (its dev token signer), as its own gateways run:
    // with NODE_ENV=production the gateway requires a JWKS issuer and audience.
    const gateway = runImage(
      TARGETS.gateway,
      { ...gatewayEnv(port, opsPort), NODE_ENV: 'development' },
      'image-gateway',
    );
    running.push(gateway);
    const persister = runImage(
      TARGETS.persister,
      { ...serviceEnv(), PORT: String(persisterPort), HOST },
      'image-persister',
    );
    running.push(persister);
    await untilUp(gateway, 'the gateway image answers /livez', `http://${HOST}:${opsPort}/livez`);
    await untilUp(persister, 'the persister image is ready', `http://${HOST}:${persisterPort}/readyz`);

    const url = `http://${HOST}:${port}`;
    const room = `images-${Date.now().toString(36)}`;
    const joined = joinedClients();
    const alice = await joined(url, 'alice', room);
    const bob = await joined(url, 'bob', room);
    const seen: { id: string }[] = [];
    bob.on(ServerEvent.Message, (m: { id: string }) => seen.push(m));
    const ack = await request(alice, ClientEvent.MessageSend, {
      room,
      clientMsgId: 'images-1',
      body: 'from the image',
    });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    await eventually(
      'bob receives it through the gateway image',
      () => seen,
      (s) => s.some((m) => m.id === ack.id),
    );

    const db = new pg.Client({ connectionString: serviceEnv().DATABASE_URL });
    await db.connect();
    try {
      const rows = await eventually(
        'the persister image wrote it to PostgreSQL',
        async () => (await db.query('SELECT body FROM messages WHERE id = $1', [ack.id])).rows,
        (r) => r.length === 1,
      );
      assert.equal(rows[0].body, 'from the image');
    } finally {
      await db.end();
    }
  });
});

/** Waits for `url` to answer; fails at once, naming the log, when the container exits first. */
async function untilUp(container: Running, what: string, url: string) {
  const exited = container.exited.then((code) => {
    throw new Error(`${what}: the container exited (${code}); see its log in the stack's logs folder`);
  });
  exited.catch(() => {}); // once up, a later exit (stop) is not this wait's failure
  await Promise.race([eventually(what, () => httpOk(url), Boolean), exited]);
}
